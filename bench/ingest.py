"""Ingest throughput, end to end, next to the raw embedding throughput of the same model on the
same chunk texts in the same run. The ratio shows how close ingest gets to the embedder's limit.

    .venv/bin/python bench/ingest.py [--articles N] [--quick]

Prints a table and merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.settings import Settings  # noqa: E402
from retrieval.chunking import chunk_article  # noqa: E402
from retrieval.identity import article_id  # noqa: E402
from retrieval.loaders import iter_jsonl  # noqa: E402
from retrieval.store import index_text  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "evaldata" / "scifact" / "corpus.jsonl"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="200 articles")
    ap.add_argument("--source", type=Path, default=SCIFACT)
    args = ap.parse_args()
    n = 200 if args.quick else args.articles

    settings = Settings()
    items = list(itertools.islice(iter_jsonl(args.source), n))
    embedder = settings.build_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = settings.model_copy(update={"data_dir": Path(tmp)}).build_corpus(embedder)
        t0 = time.perf_counter()
        report = corpus.ingest(items)
        ingest_s = time.perf_counter() - t0
        chunks = report.chunks
        # The same chunk texts, embedded alone: what the model can do with nothing around it.
        texts = []
        for _, a in items:
            if not isinstance(a, Exception):
                a = a.model_copy(update={"doc_id": article_id(a.text)})
                texts += [index_text(a, c) for c in chunk_article(a, settings.chunk_size, settings.chunk_overlap)]
        t0 = time.perf_counter()
        embedder.embed(texts)
        embed_s = time.perf_counter() - t0
        corpus.close()

    res = {
        "articles": report.added,
        "ingest_chunks": chunks,
        "ingest_chunks_per_s": {str(chunks): round(chunks / ingest_s, 2)},
        "ingest_articles_per_s": {str(chunks): round(report.added / ingest_s, 2)},
        "embed_chunks_per_s": {str(chunks): round(len(texts) / embed_s, 2)},
        "ingest_ratio": {str(chunks): round((chunks / ingest_s) / (len(texts) / embed_s), 3)},
        "ingest_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": {"cores": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version()},
    }
    print(f"articles {report.added}, chunks {chunks} (chunk size {settings.chunk_size}, overlap {settings.chunk_overlap})")
    print(f"ingest end to end : {chunks / ingest_s:7.1f} chunks/s  {report.added / ingest_s:6.1f} articles/s  ({ingest_s:.1f} s)")
    print(f"raw embedding     : {len(texts) / embed_s:7.1f} chunks/s                      ({embed_s:.1f} s)")
    print(f"ratio             : {(chunks / ingest_s) / (len(texts) / embed_s):.2f}")
    print(f"peak RSS          : {res['ingest_peak_rss_mb']} MB   on {res['machine']['cores']} cores, {res['machine']['cpu']}")
    out = ROOT / "bench" / "results.json"
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.update(res)
    out.write_text(json.dumps(merged, indent=2) + "\n")


if __name__ == "__main__":
    main()
