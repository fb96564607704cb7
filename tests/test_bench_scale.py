"""bench/scale.py end to end at a tiny size: the synthetic build through the store's own write
path (its write check included), then searches in every filter mode in a fresh process. It once
broke without anyone noticing (the build's stand-in for the Chroma collection lacked `query`,
which the write check calls), so `make bench-quick` failed on a fresh clone. Its figures go to
a temporary file: bench/results.json is never touched here."""

import json
import os
import subprocess
import sys
from pathlib import Path

from filemakers import synthetic_articles, write_jsonl

from retrieval.loaders import iter_jsonl
from retrieval.store import Corpus

ROOT = Path(__file__).resolve().parents[1]


def test_scale_benchmark_runs_at_a_tiny_size(tmp_path, embedder):
    records = synthetic_articles(30, seed=11, prefix="b")
    source = Corpus(tmp_path / "source", embedder)
    source.ingest(iter_jsonl(write_jsonl(tmp_path / "source.jsonl", records)))
    source.close()
    queries = write_jsonl(tmp_path / "queries.jsonl", [{"claim": f"{r['title']} report"} for r in records[:12]])
    results = tmp_path / "results.json"
    committed = ROOT / "bench" / "results.json"
    before = committed.read_bytes() if committed.exists() else None

    env = {**os.environ, "FACTCHECK_DATA_DIR": str(tmp_path / "unused")}
    for name in ("BENCH_SCALE_DIR", "BENCH_SOURCE_STORE", "BENCH_QUERIES", "BENCH_RESULTS"):
        env.pop(name, None)
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "scale.py"), "--sizes", "300", "--queries", "12",
                        "--budget", "10", "--batch-chunks", "100", "--scale-dir", str(tmp_path / "scale"),
                        "--source-store", str(tmp_path / "source"), "--queries-file", str(queries),
                        "--results", str(results)], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]

    out = json.loads(results.read_text())
    build = out["scale"]["300"]["build"]
    assert build["chunks"] >= 300 and build["articles"] > len(records)  # articles repeated, as varied copies
    run = out["scale"]["300"]["embedded"]["current"]
    assert set(run["modes"]) == {"as_of_today", "no_date", "as_of_2021", "one_outlet"}
    for mode, figures in run["modes"].items():
        assert figures["n"] == 12 and figures["p95_ms"] >= figures["p50_ms"] > 0, mode
        assert figures["hits_min"] > 0, mode
    assert out["search_p95_ms"]["300"] == run["modes"]["as_of_today"]["p95_ms"]
    assert (committed.read_bytes() if committed.exists() else None) == before
