"""Ingest throughput, end to end, next to the raw embedding throughput of the same model on the
same chunk texts in the same run. The ratio shows how close ingest gets to the embedder's limit.

    .venv/bin/python bench/ingest.py [--articles N] [--quick] [--no-sweep]

End to end means `Corpus.ingest` fed straight from the JSONL file, as `factcheck ingest --jsonl`
does: parsing and cleaning, chunking, ids and duplicate checks, embedding, the catalog and the
tantivy lexical index (one transaction and one commit per batch) and the Chroma upserts. The raw embedding runs the same
embedder on the same chunk texts once before and once after the ingest; their mean is the limit
(so a change in machine load during the run moves both sides alike). The ingest's time is split
into its stages by timing the embedder and the Chroma collection from outside.

Also measured: Chroma upsert throughput by batch size (the store writes in batches of
`chroma_batch`), and raw embedding throughput on 1 core against all cores.

Prints a table and merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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


def machine() -> dict:
    mem = 0
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except (OSError, ValueError, IndexError):
        pass
    return {"cores": os.cpu_count(), "cpu": cpu_model(), "memory_gib": mem, "python": platform.python_version()}


def load_avg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


class Timed:
    """Wraps a method of an object and adds up the seconds spent in it."""

    def __init__(self, obj, name: str):
        self.seconds, self.calls = 0.0, 0
        f = getattr(obj, name)

        def timed(*a, **kw):
            t0 = time.perf_counter()
            try:
                return f(*a, **kw)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1
        setattr(obj, name, timed)


def chroma_sweep(vectors: np.ndarray, sizes: list[int], total: int) -> dict[str, float]:
    """Vectors/s of embedded Chroma upserts by batch size: `total` vectors (the run's real
    vectors, repeated under new ids) into a fresh collection per size."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    reps = -(-total // len(vectors))
    vecs = np.tile(vectors, (reps, 1))[:total]
    metas = [{"doc_id": f"d{i // 2}", "date_ord": 738000 + i % 3000, "source": f"s{i % 20}"} for i in range(total)]
    out = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            client = chromadb.PersistentClient(path=tmp, settings=ChromaSettings(anonymized_telemetry=False))
            col = client.get_or_create_collection("sweep", metadata={"hnsw:space": "cosine"}, embedding_function=None)
            ids = [f"c{size}-{i}" for i in range(total)]
            t0 = time.perf_counter()
            for b in range(0, total, size):
                col.upsert(ids=ids[b:b + size], embeddings=vecs[b:b + size], metadatas=metas[b:b + size])
            out[str(size)] = round(total / (time.perf_counter() - t0), 1)
            print(f"  chroma upsert, batches of {size:5d}: {out[str(size)]:7.0f} vectors/s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="200 articles, smaller sweeps")
    ap.add_argument("--source", type=Path, default=SCIFACT)
    ap.add_argument("--no-sweep", action="store_true", help="skip the Chroma batch and core sweeps")
    args = ap.parse_args()
    n = 200 if args.quick else args.articles

    settings = Settings(chroma_host=None)
    embedder = settings.build_embedder()
    # The chunk texts exactly as ingest will see them (outside the timed part).
    texts, n_articles = [], 0
    for _, a in itertools.islice(iter_jsonl(args.source), n):
        if not isinstance(a, Exception):
            a = a.model_copy(update={"doc_id": article_id(a.text)})
            texts += [index_text(a, c) for c in chunk_article(a, settings.chunk_size, settings.chunk_overlap)]
            n_articles += 1
    embedder.embed(texts[:64])  # warm the sessions
    load_start = load_avg()

    t0 = time.perf_counter()
    vectors = embedder.embed(texts)
    embed_before = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        corpus = settings.model_copy(update={"data_dir": Path(tmp)}).build_corpus(embedder)
        emb, chroma = Timed(corpus.embedder, "embed"), Timed(corpus.collection, "upsert")
        write = Timed(corpus, "_write")
        t0 = time.perf_counter()
        report = corpus.ingest(itertools.islice(iter_jsonl(args.source), n))
        ingest_s = time.perf_counter() - t0
        stages = {"parse_chunk_ids": ingest_s - write.seconds, "embed": emb.seconds,
                  "catalog_lexical": write.seconds - emb.seconds - chroma.seconds, "chroma": chroma.seconds}
        del corpus.embedder.embed  # unwrap: the raw runs below must not count as ingest
        chunks = report.chunks
        disk = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 2**20
        corpus.close()
    t0 = time.perf_counter()
    embedder.embed(texts)
    embed_after = time.perf_counter() - t0
    embed_s = (embed_before + embed_after) / 2
    peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    assert chunks == len(texts), (chunks, len(texts))

    key = str(chunks)
    ratio = (chunks / ingest_s) / (len(texts) / embed_s)
    res = {
        "articles": report.added,
        "ingest_chunks": chunks,
        "ingest_chunks_per_s": {key: round(chunks / ingest_s, 2)},
        "ingest_articles_per_s": {key: round(report.added / ingest_s, 2)},
        "embed_chunks_per_s": {key: round(len(texts) / embed_s, 2)},
        "ingest_ratio": {key: round(ratio, 3)},
        "ingest_stages_s": {k: round(v, 2) for k, v in stages.items()},
        "ingest_embed_runs_s": [round(embed_before, 2), round(embed_after, 2)],
        "ingest_peak_rss_mb": peak,
        "ingest_disk_mb_per_1k_chunks": round(disk / chunks * 1000, 1),
        "ingest_load": {"start": load_start, "end": load_avg()},
        "machine": machine(),
    }
    print(f"articles {report.added}, chunks {chunks} (chunk size {settings.chunk_size}, overlap {settings.chunk_overlap}), "
          f"load average {load_start} -> {load_avg()}")
    print(f"ingest end to end : {chunks / ingest_s:7.1f} chunks/s  {report.added / ingest_s:6.1f} articles/s  ({ingest_s:.1f} s)")
    print("   of which        : " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
    print(f"raw embedding     : {len(texts) / embed_s:7.1f} chunks/s                      "
          f"({embed_before:.1f} s before, {embed_after:.1f} s after)")
    print(f"ratio             : {ratio:.2f}")
    print(f"peak RSS          : {peak} MB   disk {res['ingest_disk_mb_per_1k_chunks']} MB per 1,000 chunks   "
          f"on {res['machine']['cores']} cores, {res['machine']['cpu']}")

    if not args.no_sweep:
        sub = texts[: (150 if args.quick else 400)]
        by_cores = {}
        for cores in sorted({1, os.cpu_count() or 1}):
            e = embedder if cores == (os.cpu_count() or 1) else settings.model_copy(update={"embed_threads": cores}).build_embedder()
            e.embed(sub[:16])
            runs = []
            for _ in range(2):
                t0 = time.perf_counter()
                e.embed(sub)
                runs.append(len(sub) / (time.perf_counter() - t0))
            by_cores[str(cores)] = round(statistics.fmean(runs), 2)
            print(f"  raw embedding on {cores} core(s): {by_cores[str(cores)]:.1f} chunks/s ({len(sub)} chunks, mean of 2)")
        res["embed_chunks_per_s_by_cores"] = by_cores
        res["chroma_upsert_per_s_by_batch"] = chroma_sweep(
            vectors, [100, 300, 1000, 3000] if args.quick else [100, 300, 1000, 3000, 5000],
            3000 if args.quick else 10000)
    # A quick run (make bench-quick: a smoke test of the benchmarks) keeps its figures apart, so
    # that it never replaces the full run's in bench/results.json.
    out = ROOT / "bench" / ("out/results-quick.json" if args.quick else "results.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    merged = json.loads(out.read_text()) if out.exists() else {}
    for k, v in res.items():  # figures keyed by size accumulate across runs of other sizes
        if isinstance(v, dict) and k in merged and isinstance(merged[k], dict) and k.startswith(("ingest_chunks_per", "ingest_articles", "embed_chunks_per_s", "ingest_ratio")) and k != "embed_chunks_per_s_by_cores":
            merged[k].update(v)
        else:
            merged[k] = v
    out.write_text(json.dumps(merged, indent=2) + "\n")


if __name__ == "__main__":
    main()
