"""Choose the hybrid fusion weights on a training split, never on the split we report.

    .venv/bin/python bench/tune_fusion.py STORE DIR QUERIES.jsonl

STORE is a store built by `factcheck eval retrieval DIR --store STORE`. Candidate lists are
fetched once per query, then every weight setting is scored offline (nDCG@10 per article).
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.evaluation import gold_map, score  # noqa: E402
from factcheck.settings import Settings  # noqa: E402
from retrieval.search import SearchParams  # noqa: E402


def main() -> None:
    store, directory, queries_file = map(Path, sys.argv[1:4])
    settings = Settings(data_dir=store)
    searcher = settings.build_searcher()
    queries = [json.loads(x) for x in queries_file.read_text().splitlines() if x.strip()]
    queries = [q for q in queries if q.get("gold_doc_ids")]
    ext = dict(searcher.corpus.db.execute("SELECT chunk_id, doc_id FROM chunks"))
    to_doc = gold_map(directory)
    cached = []
    for q in queries:
        text = q.get("question") or q.get("claim")
        vec = searcher.corpus.embedder.embed([text])[0]
        cached.append((searcher.dense(vec, 100, None), searcher.lexical(text, 100, "", []), {to_doc.get(g, g) for g in q["gold_doc_ids"]}))
    print(f"{len(cached)} queries with gold ids")
    grid = {"fusion": ["absolute", "minmax"], "dense_weight": [0.3, 0.4, 0.5, 0.6],
            "lexical_half": [10.0, 20.0, 30.0, 40.0], "rank_weight": [0.0, 0.1], "beta": [0.0, 0.1, 0.3, 0.5]}

    def ndcg(params: SearchParams, beta: float = 0.0) -> float:
        searcher.params = params
        total = hit5 = 0.0
        for dense, lexical, gold in cached:
            fused = searcher._fuse(dense, lexical)
            per_doc: dict[str, list[float]] = {}
            for c, s in fused.items():
                per_doc.setdefault(ext[c], []).append(s["fused"])
            doc_score = {d: max(v) + beta * (sum(v) - max(v)) for d, v in per_doc.items()}
            m = score(sorted(doc_score, key=doc_score.get, reverse=True), gold)
            total += m[4]
            hit5 += m[1]
        return round(total / len(cached), 4), round(hit5 / len(cached), 4)

    print(f"plain RRF: nDCG@10, hit@5 {ndcg(SearchParams(fusion='rrf'))}")
    print(f"defaults : nDCG@10, hit@5 {ndcg(SearchParams())}")
    results = []
    for values in itertools.product(*grid.values()):
        p = dict(zip(grid, values))
        if p["fusion"] == "minmax" and p["lexical_half"] != 20.0:
            continue
        beta = p.pop("beta")
        results.append((ndcg(SearchParams(**p), beta), {**p, "beta": beta}))
    for m, p in sorted(results, key=lambda r: r[0], reverse=True)[:12]:
        print(f"{m}  {p}")


if __name__ == "__main__":
    main()
