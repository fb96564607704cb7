"""Hybrid search latency (k=10) on a real corpus: p50 and p95 over the set's queries, with no
as-of date and as of today (what the app and the CLI send by default: a date filter in both
indexes).

    .venv/bin/python bench/search.py [DIR] [--store STORE] [--runs 3]

DIR defaults to ../shared/evaldata/scifact; the store is built once (as `factcheck eval
retrieval` does) and reused. Merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    chunks = corpus.stats().chunks
    print(f"{args.directory.name}: {chunks} chunks, k=10, hybrid, query embedding included")
    figures = {}
    for label, as_of in (("no date", None), ("as of today", dt.date.today())):
        times = []
        for _ in range(args.runs):
            for t in texts:
                t0 = time.perf_counter()
                searcher.search(t, 10, as_of=as_of)
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        figures[label] = (statistics.median(times), times[int(0.95 * (len(times) - 1))])
        print(f"{label:12s}: {len(times)} searches, p50 {figures[label][0]:.1f} ms   p95 {figures[label][1]:.1f} ms   "
              f"(load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])})")
    out = ROOT / "bench" / "results.json"
    merged = json.loads(out.read_text()) if out.exists() else {}
    # Keyed by corpus size like bench/scale.py's figures, as of today as there.
    merged.setdefault("search_p50_ms", {})[str(chunks)] = round(figures["as of today"][0], 2)
    merged.setdefault("search_p95_ms", {})[str(chunks)] = round(figures["as of today"][1], 2)
    merged.setdefault("search_no_date_p50_ms", {})[str(chunks)] = round(figures["no date"][0], 2)
    merged.setdefault("search_no_date_p95_ms", {})[str(chunks)] = round(figures["no date"][1], 2)
    out.write_text(json.dumps(merged, indent=2) + "\n")


if __name__ == "__main__":
    main()
