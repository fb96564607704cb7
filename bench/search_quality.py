"""Does a proposed search change keep retrieval quality? Hybrid nDCG@10 and hit@5 (per article,
as `factcheck eval retrieval` scores them) with retrieval/search.py as it is and with the changes
prototyped in bench/scale.py, on the real evaluation stores.

    .venv/bin/python bench/search_quality.py [scifact news_dev climate_fever] [--limit N]

Stores are opened (or built once) as `factcheck eval retrieval` does; set BENCH_EVAL_STORES to a
folder holding NAME/ data dirs to reuse ones already built (default /tmp/ev). Merges
`search_quality` into bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from factcheck.evaluation import K, eval_corpus, gold_map, read_queries, score  # noqa: E402
from factcheck.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "evaldata"


def run(searcher, corpus, queries, to_doc) -> dict:
    sums, t0 = [0.0] * 5, time.perf_counter()
    for q in queries:
        text = q.get("question") or q.get("claim")
        day = q.get("question_date") or q.get("claim_date")
        as_of = dt.date.fromisoformat(day[:10]) if day else dt.date.today()
        gold = {to_doc.get(str(g), str(g)) for g in q["gold_doc_ids"]}
        hits = searcher.search(text, K, as_of=as_of, per_article=1)
        for i, v in enumerate(score([h.doc_id for h in hits], gold)):
            sums[i] += v
    n = max(1, len(queries))
    return {"ndcg_at_10": round(sums[4] / n, 4), "hit_at_5": round(sums[1] / n, 4), "queries": len(queries),
            "ms_per_query": round((time.perf_counter() - t0) * 1000 / n, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="*", default=["scifact", "news_dev"])
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    import scale

    stores = Path(os.environ.get("BENCH_EVAL_STORES", "/tmp/ev"))
    settings = Settings(chroma_host=None)
    corpora = {}
    for name in args.sets:
        store = stores / name
        if (store / "corpus.sqlite").exists():  # built already: open it as it is
            corpora[name] = settings.model_copy(update={"data_dir": store}).build_corpus()
        else:
            corpora[name] = eval_corpus(settings, EVAL / name)
    out: dict[str, dict] = {}
    # A change prototyped in bench/scale.py is listed there in PROTOTYPES (name -> install); the
    # FTS5 word pruning that was is gone with FTS5, so today only the search as it is runs.
    for variant, install in (("current", None), *getattr(scale, "PROTOTYPES", {}).items()):
        if install:
            install()
        for name, corpus in corpora.items():
            queries = [q for q in read_queries(EVAL / name) if q.get("gold_doc_ids") and (q.get("question") or q.get("claim"))]
            queries = queries[: args.limit] if args.limit else queries
            r = run(settings.build_searcher(corpus), corpus, queries, gold_map(EVAL / name))
            out.setdefault(name, {})[variant] = r
            print(f"{name:14s} {variant:17s} nDCG@10 {r['ndcg_at_10']:.3f}  hit@5 {r['hit_at_5']:.3f}  "
                  f"({r['queries']} queries, {r['ms_per_query']} ms each)", flush=True)
    res = ROOT / "bench" / "results.json"
    merged = json.loads(res.read_text()) if res.exists() else {}
    merged.setdefault("search_quality", {}).update(out)
    res.write_text(json.dumps(merged, indent=2) + "\n")


if __name__ == "__main__":
    main()
