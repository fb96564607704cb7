"""Experiment (not in the product): read each claim's two best passages whole, as the product
does, and also as only their three sentences closest to the claim plus their last one (the
abstract's conclusion), and store both readings' probabilities side by side, so the two can be
compared and fitted on the same claims (`--analyse`).

    python bench/read_focused.py ../shared/evaldata/scifact --store /tmp/ev/scifact \
        --queries ../shared/evaldata/scifact/queries_train.jsonl --limit 60 --out focused.jsonl
    python bench/read_focused.py --analyse focused.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from factcheck.answer import Citation
from factcheck.claims import ClaimParams, Evidence, decide, focus_text, predicate_overlap, word_overlap
from factcheck.evaluation import THREE, eval_corpus, gold_map, macro_f1, read_queries, stratified
from factcheck.settings import Settings

FIELDS = ("p_true", "p_false", "p_true_flipped", "overlap", "predicate_overlap")


def focused(c: Citation, claim_vec: np.ndarray, embedder, k: int = 3) -> Citation:
    """The passage as the product reads it with ClaimParams.focus=k."""
    return c.model_copy(update={"quote": focus_text(c.quote, claim_vec, embedder, k)})


def collect(args) -> None:
    settings = Settings()
    corpus = eval_corpus(settings, args.directory, args.store)
    checker = settings.build_checker(settings.build_searcher(corpus))
    to_doc = gold_map(args.directory)
    claims = stratified([q for q in read_queries(args.directory, args.queries) if q.get("claim") and q.get("label")], args.limit)
    with args.out.open("a", encoding="utf-8") as sink:
        for q in claims:
            t0 = time.perf_counter()
            vec = corpus.embedder.embed([q["claim"]])[0]
            hits = checker.searcher.search(q["claim"], checker.params.hits, per_article=1, query_vec=vec)
            row = {"id": q["id"], "label": q["label"], "gold": sorted({to_doc.get(str(g), str(g)) for g in q.get("gold_doc_ids") or []}),
                   "reads": []}
            for h in hits[: checker.params.passages]:
                whole = checker._passage(h, len(row["reads"]) + 1)
                read = {"doc_id": h.doc_id}
                for name, c in (("whole", whole), ("focused", focused(whole, vec, corpus.embedder))):
                    t1 = time.perf_counter()
                    pt, pf, ptf, _, _ = checker._read(q["claim"], c)
                    read[name] = dict(p_true=pt, p_false=pf, p_true_flipped=ptf, overlap=word_overlap(q["claim"], c.quote),
                                      predicate_overlap=predicate_overlap(q["claim"], c.quote), chars=len(c.quote),
                                      seconds=round(time.perf_counter() - t1, 2))
                row["reads"].append(read)
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            print(q["id"], q["label"], f"{time.perf_counter() - t0:.1f} s", flush=True)


def auc(pos: list[float], neg: list[float]) -> float:
    """The chance a positive scores above a negative (ties half): the area under the ROC curve."""
    return sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg)) if pos and neg else float("nan")


def analyse(path: Path) -> None:
    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]

    def f1(mode: str, p: ClaimParams) -> float:
        conf = {a: {b: 0 for b in THREE} for a in THREE}
        for r in rows:
            ev = [Evidence(n=i, doc_id=x["doc_id"], chunk_id=x["doc_id"], quote="", start=0, end=0, **{k: x[mode][k] for k in FIELDS})
                  for i, x in enumerate(r["reads"], 1)]
            conf[r["label"]][decide(ev, p)[0].value] += 1
        return sum(macro_f1(conf).values()) / 3

    grid = [ClaimParams(preset="science", min_true=t, min_false=f, flip_refute=fr) for t in (0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8)
            for f in (0.4, 0.55, 0.7, 0.9) for fr in (0.1, 0.2, 0.3, 0.5)]
    for mode in ("whole", "focused"):
        reads = [x[mode] for r in rows for x in r["reads"]]
        sup = [max(x[mode]["p_true"] - x[mode]["p_false"] for x in r["reads"]) for r in rows]
        ref = [max(max(x[mode]["p_false"], x[mode]["p_true_flipped"] or 0.0) - x[mode]["p_true"] for x in r["reads"]) for r in rows]
        is_s, is_r = [r["label"] == "SUPPORTED" for r in rows], [r["label"] == "REFUTED" for r in rows]
        best = max(grid, key=lambda p: f1(mode, p))
        print(f"{mode}: {len(rows)} claims, macro-F1 {f1(mode, ClaimParams(preset='science')):.3f} with the product's thresholds, "
              f"{f1(mode, best):.3f} at the best of a small grid (in-sample: min_true {best.min_true}, min_false "
              f"{best.min_false}, flip_refute {best.flip_refute}); AUC SUPPORTED vs rest "
              f"{auc([v for v, s in zip(sup, is_s) if s], [v for v, s in zip(sup, is_s) if not s]):.3f}, REFUTED vs rest "
              f"{auc([v for v, s in zip(ref, is_r) if s], [v for v, s in zip(ref, is_r) if not s]):.3f}; "
              f"{np.mean([x['chars'] for x in reads]):.0f} characters and {np.mean([x['seconds'] for x in reads]):.1f} s a passage")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path, nargs="?")
    ap.add_argument("--store", type=Path)
    ap.add_argument("--queries", type=Path)
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path("focused.jsonl"))
    ap.add_argument("--analyse", type=Path, help="a file this script wrote: compare the two readings")
    args = ap.parse_args()
    if args.analyse:
        analyse(args.analyse)
    else:
        collect(args)


if __name__ == "__main__":
    main()
