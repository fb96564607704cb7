"""Hybrid search latency (k=10) on a real corpus: p50 and p95 over the set's queries.

    .venv/bin/python bench/search.py [DIR] [--store STORE] [--runs 3]

DIR defaults to ../shared/evaldata/scifact; the store is built once (as `factcheck eval
retrieval` does) and reused. Merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.evaluation import eval_corpus, read_queries  # noqa: E402
from factcheck.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("directory", type=Path, nargs="?", default=ROOT.parent / "shared" / "evaldata" / "scifact")
    ap.add_argument("--store", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    settings = Settings()
    corpus = eval_corpus(settings, args.directory, args.store)
    searcher = settings.build_searcher(corpus)
    texts = [q.get("question") or q.get("claim") for q in read_queries(args.directory)]
    texts = [t for t in texts if t]
    searcher.search(texts[0], 10)  # warm up caches and the ONNX session
    times = []
    for _ in range(args.runs):
        for t in texts:
            t0 = time.perf_counter()
            searcher.search(t, 10)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    chunks = corpus.stats().chunks
    print(f"{args.directory.name}: {chunks} chunks, {len(times)} searches (k=10, hybrid, query embedding included)")
    print(f"p50 {p50:.1f} ms   p95 {p95:.1f} ms")
    out = ROOT / "bench" / "results.json"
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.setdefault("search_p50_ms", {})[str(chunks)] = round(p50, 2)
    merged.setdefault("search_p95_ms", {})[str(chunks)] = round(p95, 2)
    out.write_text(json.dumps(merged, indent=2) + "\n")


if __name__ == "__main__":
    main()
