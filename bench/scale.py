"""Hybrid search at scale: latency at 10k, 100k and 1M chunks, embedded and on a Chroma server,
with build time, memory and disk per size, and where the search time goes.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--server] [--queries 200]
    .venv/bin/python bench/scale.py --quick          # 10k and 30k, embedded and server, 50 queries (figures to bench/out/results-quick.json)
    .venv/bin/python bench/scale.py --sizes 300 --source-store S --queries-file Q --results R --scale-dir D

Synthetic stores (under /tmp/bench-scale, or BENCH_SCALE_DIR): SciFact's real articles and their
real embeddings are repeated with variations until a store holds N chunks. Copy 0 of each article is
the real one; every later copy has ~10% of its words swapped for words drawn from the corpus
(frequency-weighted), so the lexical index grows the way a bigger archive's would, and its vectors
are the real chunk embeddings plus Gaussian noise (cosine ~0.9 to the original), normalised. Every
article gets an outlet (one of 20) and a date between 2016 and 2026. The store is written through
`Corpus._write` - the ingest's own write path: the catalog in one transaction per batch, Chroma
in `chroma_batch` upserts, the tantivy lexical index in one commit per batch - with an embedder that hands back the prepared vectors
instead of running the model, and without its check that each new vector is found by a query (see `build`). With --server the same vectors also go, in the same pass, to a
collection on a `chroma run` server started on loopback, so both stores hold identical data; the
server shares the data directory's SQLite catalog, exactly as the app does with
FACTCHECK_CHROMA_HOST set. A build that is stopped resumes where it stopped.

Searches use the real `Searcher.search` (k=10, hybrid, query embedding included) with SciFact's
claims as queries, in a fresh process per store, as the app runs them: with the as-of date set to
today (the app's and CLI's default), with no date at all, and as of 2021-01-01 (half the corpus
filtered out). Each stage is timed by wrapping the Searcher's methods.

Merges search_p50_ms/search_p95_ms (embedded, keyed by size), search_server_p50_ms/_p95_ms and a
`scale` block into bench/results.json.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALE_DIR = Path(os.environ.get("BENCH_SCALE_DIR", "/tmp/bench-scale"))
SCIFACT = ROOT.parent / "shared" / "evaldata" / "scifact"
# Where the real articles, the queries and the figures come from and go: SciFact and
# bench/results.json unless told otherwise (the test suite runs a tiny store of its own).
SOURCE_STORE = os.environ.get("BENCH_SOURCE_STORE")
QUERIES = Path(os.environ.get("BENCH_QUERIES", SCIFACT / "queries.jsonl"))
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results.json"))
OUTLETS = ["Reuters", "AP", "BBC", "CNN", "The Guardian", "Le Monde", "Der Spiegel", "El País", "NHK",
           "Kyiv Post", "Al Jazeera", "NPR", "USA Today", "The Hindu", "ABC News", "Daily Gazette",
           "Valley News", "Science Daily", "Nature News", "STAT"]
FIRST_DAY, LAST_DAY = dt.date(2016, 1, 1).toordinal(), dt.date(2026, 1, 31).toordinal()
NOISE = 0.5  # Gaussian noise (norm ~0.5) on a unit vector: cosine ~0.9 to the real embedding
SWAP = 0.10  # share of words replaced in each later copy
DIM = 384
WORD = re.compile(r"\w+|\W+")


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return round(out.get("VmRSS", 0), 1), round(out.get("VmHWM", 0), 1)


def disk_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    if path.is_file():
        return round(path.stat().st_size / 2**20, 1)
    # Blocks in use, not apparent sizes: hnswlib's link_lists.bin is a sparse file whose apparent
    # size at 1M chunks is ~1 TB while it holds a few hundred MB.
    return round(sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def load_avg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---- the real source: SciFact's chunks and embeddings ---------------------------------------
def source_store(settings) -> Path:
    """A store holding SciFact, built once (as `factcheck eval retrieval` builds it); a store
    named by --source-store (BENCH_SOURCE_STORE) is taken as it is, whatever its size."""
    if SOURCE_STORE:
        return Path(SOURCE_STORE)
    for d in (Path("/tmp/ev/scifact"), SCALE_DIR / "source-scifact"):
        if (d / "corpus.sqlite").exists():
            db = sqlite3.connect(f"file:{d / 'corpus.sqlite'}?mode=ro", uri=True)
            n = db.execute("SELECT COUNT(*) FROM articles WHERE status='complete'").fetchone()[0]
            db.close()
            if n >= 5000:
                return d
    from factcheck.evaluation import eval_corpus

    d = SCALE_DIR / "source-scifact"
    print(f"building the SciFact source store in {d} (embeds ~10k chunks, some minutes)", flush=True)
    eval_corpus(settings.model_copy(update={"chroma_host": None}), SCIFACT, d).close()
    return d


def load_source(settings):
    """Articles (title, text, external id) with the real vectors of their chunks, in catalog order."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    d = source_store(settings)
    db = sqlite3.connect(f"file:{d / 'corpus.sqlite'}?mode=ro", uri=True)
    arts = db.execute("SELECT doc_id, external_id, title, text FROM articles WHERE status='complete' ORDER BY rowid").fetchall()
    chunks = db.execute("SELECT doc_id, ordinal, chunk_id FROM chunks ORDER BY doc_id, ordinal").fetchall()
    db.close()
    col = chromadb.PersistentClient(path=str(d / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)) \
        .get_collection("chunks", embedding_function=None)
    ids = [c[2] for c in chunks]
    vec: dict[str, np.ndarray] = {}
    for b in range(0, len(ids), 2000):
        got = col.get(ids=ids[b:b + 2000], include=["embeddings"])
        vec.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
    by_doc: dict[str, list[np.ndarray]] = {}
    for doc_id, _, cid in chunks:
        by_doc.setdefault(doc_id, []).append(vec[cid])
    articles = [(ext, title, text, np.stack(by_doc[doc])) for doc, ext, title, text in arts if doc in by_doc]
    words = [w for _, t, x, _ in articles[:3000] for w in re.findall(r"[A-Za-z][a-z]{2,}", f"{t} {x}")]
    return articles, words


# ---- synthetic articles ---------------------------------------------------------------------
class Synth:
    """Article j of the synthetic corpus, always the same for the same j."""

    def __init__(self, articles, words):
        self.src, self.words = articles, words

    def article(self, j: int):
        from retrieval.models import Article

        ext, title, text, vecs = self.src[j % len(self.src)]
        copy = j // len(self.src)
        rnd = random.Random(j)
        if copy:
            text, title = self.vary(text, rnd), self.vary(title or "", rnd) or None
        day = dt.date.fromordinal(rnd.randint(FIRST_DAY, LAST_DAY))
        art = Article(text=text, title=title, source=OUTLETS[rnd.randrange(len(OUTLETS))], date=day,
                      external_id=f"{ext}-{copy}")
        return art, vecs, copy

    def vary(self, text: str, rnd: random.Random) -> str:
        parts = WORD.findall(text)
        for i, p in enumerate(parts):
            if p[0].isalpha() and rnd.random() < SWAP:
                parts[i] = rnd.choice(self.words)
        return "".join(parts)

    def vectors(self, j: int, n_chunks: int, src_vecs: np.ndarray, copy: int) -> np.ndarray:
        """One vector per chunk: the real vector of the chunk at that place in the source article,
        perturbed (copy 0 keeps the real vectors)."""
        base = src_vecs[np.minimum(np.arange(n_chunks), len(src_vecs) - 1)]
        if not copy:
            return base
        noise = np.random.default_rng(j).standard_normal((n_chunks, DIM)).astype(np.float32) * (NOISE / np.sqrt(DIM))
        v = base + noise
        return v / np.linalg.norm(v, axis=1, keepdims=True)


class Preset:
    """Stands in for the embedder during a build: hands back the vectors prepared for the batch."""

    name = "all-MiniLM-L6-v2 (int8 ONNX), perturbed copies"

    def __init__(self):
        self.next: np.ndarray | None = None

    def embed(self, texts):
        assert self.next is not None and len(self.next) == len(texts)
        v, self.next = self.next, None
        return v


class Tee:
    """Stands in for the Chroma collection during a build: writes to one collection (embedded) or
    two (embedded and server) and keeps each one's time apart."""

    def __init__(self, *cols):
        self.cols = cols
        self.seconds = [0.0] * len(cols)

    def upsert(self, **kw):
        for i, c in enumerate(self.cols):
            t0 = time.perf_counter()
            c.upsert(**kw)
            self.seconds[i] += time.perf_counter() - t0

    def add(self, **kw):
        for c in self.cols:
            c.add(**kw)

    def delete(self, **kw):
        for c in self.cols:
            c.delete(**kw)

    # The store's write check (is each vector found by its own query?) and its rewrites read
    # through here too. They read the embedded collection: the server one holds the same vectors,
    # and a rewrite the check asks for goes to both through `upsert`/`add`/`delete` above.
    def query(self, **kw):
        return self.cols[0].query(**kw)

    def get(self, **kw):
        return self.cols[0].get(**kw)

    def count(self):
        return self.cols[0].count()


def set_collection(corpus, collection) -> None:
    """Swap the Corpus's Chroma collection (a plain attribute, or a property over `_collection`)."""
    if isinstance(getattr(type(corpus), "collection", None), property):
        corpus._collection = collection
    else:
        corpus.collection = collection


# ---- a Chroma server on loopback -------------------------------------------------------------
class ChromaServer:
    def __init__(self, path: Path, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        chroma = Path(sys.executable).parent / "chroma"
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT)
        # Stopped however this process ends (an error, Ctrl-C): a server left behind would share
        # its directory with the next build's.
        atexit.register(self.stop)
        import chromadb

        for _ in range(240):
            try:
                chromadb.HttpClient(host="127.0.0.1", port=self.port).heartbeat()
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"chroma run did not start (see {log})")

    def rss(self) -> tuple[float, float]:
        return rss_mb(self.proc.pid)

    def stop(self):
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def server_collection(port: int):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_or_create_collection("chunks", metadata={"hnsw:space": "cosine"}, embedding_function=None)


# ---- build ----------------------------------------------------------------------------------
def wants_server(d: Path) -> bool:
    """Whether a build at `d` should write a server collection: a new one does; a store built
    earlier without one keeps being served from its own directory (measure_in_subprocess), and a
    store built with one, or stopped while building one, must bring it along: a resumed build
    that left it out would time the server on fewer vectors than the embedded store."""
    info_path = d / "build.json"
    return not info_path.exists() or bool(json.loads(info_path.read_text()).get("server")) or (d / "server").exists()


def build(size: int, server: bool, batch_chunks: int) -> dict:
    """Fill SCALE_DIR/size (and its server collection) up to `size` chunks; resumes."""
    from factcheck.settings import Settings
    from retrieval.chunking import chunk_article
    from retrieval.identity import article_id

    settings = Settings()
    d = SCALE_DIR / str(size)
    info_path = d / "build.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    if info.get("chunks", 0) >= size and (info.get("server") or not server):
        return info
    t_load = time.perf_counter()
    synth = Synth(*load_source(settings))
    preset = Preset()
    corpus = settings.model_copy(update={"data_dir": d, "chroma_host": None}).build_corpus(preset)
    srv = None
    if server:
        srv = ChromaServer(d / "server", d / "server.log")
        scol = server_collection(srv.port)
        if scol.count() != corpus.collection.count():  # server part missing or behind: start both over
            print(f"[{size}] the server collection ({scol.count()}) is out of step with the embedded one "
                  f"({corpus.collection.count()}): rebuilding both", flush=True)
            corpus.close()
            srv.stop()
            shutil.rmtree(d)
            info = {}
            corpus = settings.model_copy(update={"data_dir": d, "chroma_host": None}).build_corpus(preset)
            srv = ChromaServer(d / "server", d / "server.log")
            scol = server_collection(srv.port)
    # The store checks after each write that a query with each new vector returns it (Chroma can
    # lose vectors: retrieval/store.py). Here every article has ~100 near-copies (cosine ~0.8 to one
    # another), among which HNSW's approximate search misses a few by construction, so whole
    # batches were rolled back from ~150k chunks on. The search figures do not depend on the check,
    # and its cost on real ingests is in bench/ingest.py: it is left out of the synthetic build.
    corpus._make_reachable = lambda ids, vecs, metas, **kw: (0, [])
    tee = Tee(corpus.collection, scol) if srv else Tee(corpus.collection)
    set_collection(corpus, tee)
    db = corpus.db
    j = corpus.count()  # articles are written in order, so the complete ones are a prefix
    have = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    print(f"[{size}] source loaded in {time.perf_counter() - t_load:.0f} s; resuming at article {j}, {have} chunks",
          flush=True)
    seconds = info.get("seconds", {"prepare": 0.0, "catalog": 0.0, "chroma": 0.0, "server": 0.0, "total": 0.0})
    seen = {r[0] for r in db.execute("SELECT doc_id FROM articles")}
    t_last = time.perf_counter()
    while have < size:
        t0 = time.perf_counter()
        batch, vecs = [], []
        n = 0
        while n < batch_chunks and have + n < size:
            art, src_vecs, copy = synth.article(j)
            j += 1
            doc = article_id(art.text)
            if doc in seen:  # an identical variant (vanishingly rare): skip it
                continue
            seen.add(doc)
            art = art.model_copy(update={"doc_id": doc})
            cs = chunk_article(art, settings.chunk_size, settings.chunk_overlap)
            batch.append((art.external_id, art, cs))
            vecs.append(synth.vectors(j - 1, len(cs), src_vecs, copy))
            n += len(cs)
        preset.next = np.concatenate(vecs)
        seconds["prepare"] += time.perf_counter() - t0
        t1 = time.perf_counter()
        before = list(tee.seconds)
        corpus._write(batch)
        spent = [a - b for a, b in zip(tee.seconds, before)]
        seconds["chroma"] += spent[0]
        seconds["server"] += spent[1] if srv else 0.0
        seconds["catalog"] += time.perf_counter() - t1 - sum(spent)
        have += n
        if time.perf_counter() - t_last > 60 or have >= size:
            t_last = time.perf_counter()
            rate = have / max(1e-9, sum(seconds[k] for k in ("prepare", "catalog", "chroma", "server")))
            print(f"[{size}] {have} chunks ({have / size:.0%}), {rate:.0f} chunks/s, "
                  + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items() if k != "total")
                  + f", RSS {rss_mb()[0]:.0f} MB" + (f", server RSS {srv.rss()[0]:.0f} MB" if srv else "")
                  + f", load {load_avg()}", flush=True)
            info.update(chunks=have, articles=j, seconds=seconds, server=server)
            info_path.write_text(json.dumps(info, indent=2))
    seconds["total"] = sum(seconds[k] for k in ("prepare", "catalog", "chroma", "server"))
    info.update(chunks=have, articles=corpus.count(), seconds=seconds, server=server,
                build_peak_rss_mb=max(info.get("build_peak_rss_mb", 0), rss_mb()[1]),
                disk_mb={"catalog": disk_mb(d / "corpus.sqlite") + disk_mb(d / "corpus.sqlite-wal"),
                         "lexical": disk_mb(d / "lexical"),
                         "chroma": disk_mb(d / "chroma"), "server": disk_mb(d / "server")})
    if srv:
        info["server_build_rss_mb"] = srv.rss()[1]
    info_path.write_text(json.dumps(info, indent=2))
    corpus.close()
    if srv:
        srv.stop()
    print(f"[{size}] built: {json.dumps(info)}", flush=True)
    return info


# ---- search ---------------------------------------------------------------------------------
MODES = {"as_of_today": "as of today (app default)", "no_date": "no as-of date", "as_of_2021": "as of 2021-01-01",
         "one_outlet": "one outlet of 20, as of today"}


def queries(n: int) -> list[str]:
    rows = [json.loads(x) for x in QUERIES.read_text().splitlines() if x.strip()]
    texts = [r.get("claim") or r.get("question") for r in rows]
    return [t for t in texts if t][:n]


def measure(size: int, port: int | None, n_queries: int, modes: list[str], variant: str = "current",
            budget_s: float = 150) -> dict:
    """In this process: open the store (embedded, or on the server at `port`), time searches."""
    from factcheck.settings import Settings
    from retrieval import lexical
    from retrieval.search import query_words
    d = SCALE_DIR / str(size)
    rss_before = rss_mb()[0]
    settings = Settings(data_dir=d, chroma_host="127.0.0.1" if port else None, chroma_port=port or 8000)
    t0 = time.perf_counter()
    corpus = settings.build_corpus()
    searcher = settings.build_searcher(corpus)
    open_s = time.perf_counter() - t0
    stage: dict[str, float] = {}

    def wrap(obj, name, label):
        f = getattr(obj, name)

        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return f(*a, **kw)
            finally:
                stage[label] = stage.get(label, 0.0) + time.perf_counter() - t
        setattr(obj, name, timed)

    wrap(corpus.embedder, "embed", "embed_query")
    wrap(searcher, "dense", "dense_chroma")
    wrap(searcher, "lexical", "lexical")
    wrap(searcher, "_hydrate", "hydrate")
    texts = queries(n_queries)
    today = dt.date.today()
    t0 = time.perf_counter()
    searcher.search(texts[0], 10, as_of=today)  # the first search loads the HNSW index
    first_s = time.perf_counter() - t0
    for t in texts[:5]:
        searcher.search(t, 10, as_of=today)
    out = {"size": size, "store": "server" if port else "embedded", "variant": variant, "open_s": round(open_s, 2),
           "first_search_s": round(first_s, 2), "queries": len(texts), "modes": {}, "load_before": load_avg()}
    for mode in modes:
        as_of = {"as_of_2021": dt.date(2021, 1, 1), "no_date": None}.get(mode, today)
        sources = ["Reuters"] if mode == "one_outlet" else None
        times, stages, n_hits, cpu = [], {}, [], []
        t_mode = time.perf_counter()
        for i, t in enumerate(texts):
            if i >= 10 and time.perf_counter() - t_mode > budget_s:
                break  # a slow mode at a large size: enough queries for p50/p95
            stage.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            hits = searcher.search(t, 10, as_of=as_of, sources=sources)
            ms = (time.perf_counter() - t0) * 1000
            cpu.append((time.process_time() - c0) * 1000)
            times.append(ms)
            n_hits.append(len(hits))
            stage["fusion_rest"] = ms / 1000 - sum(stage.values())
            for k, v in stage.items():
                stages.setdefault(k, []).append(v * 1000)
        times.sort()
        out["modes"][mode] = {
            "p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "n": len(times), "mean_ms": round(statistics.fmean(times), 1),
            # CPU seconds of this process (all its threads) per search: what a search costs with
            # the machine to itself; on a loaded machine wall time is longer. Not counted: the
            # server's own CPU.
            "cpu_p50_ms": round(statistics.median(cpu), 1), "cpu_p95_ms": round(sorted(cpu)[int(0.95 * (len(cpu) - 1))], 1), "max_ms": round(times[-1], 1),
            "hits_min": min(n_hits),
            "stages_mean_ms": {k: round(statistics.fmean(v), 1) for k, v in stages.items()},
            "stages_p95_ms": {k: round(sorted(v)[int(0.95 * (len(v) - 1))], 1) for k, v in stages.items()}}
        print(f"  [{size} {out['store']} {variant}] {MODES[mode]}: p50 {out['modes'][mode]['p50_ms']} ms, "
              f"p95 {out['modes'][mode]['p95_ms']} ms (CPU p50 {out['modes'][mode]['cpu_p50_ms']}, p95 {out['modes'][mode]['cpu_p95_ms']}); mean by stage "
              + ", ".join(f"{k} {v}" for k, v in out["modes"][mode]["stages_mean_ms"].items()), flush=True)
    # Inside the lexical stage: the bare tantivy ranking of the top 100, no filter (what the
    # index costs) against the rest.
    ranks = []
    for t in texts:
        words = query_words(t)
        if words:
            t0 = time.perf_counter()
            lexical.search(corpus._lexical, words, 100, lexical.LexicalFilter())
            ranks.append((time.perf_counter() - t0) * 1000)
    ranks.sort()
    out["lexical_rank_ms"] = {"p50": round(statistics.median(ranks), 1), "p95": round(ranks[int(0.95 * (len(ranks) - 1))], 1)}
    out["rss_mb"], out["peak_rss_mb"] = rss_mb()
    out["rss_store_mb"] = round(out["rss_mb"] - rss_before, 1)
    out["load_after"] = load_avg()
    corpus.close()
    return out


def measure_in_subprocess(size: int, server: bool, n_queries: int, modes: list[str], variant: str,
                          budget: float) -> dict:
    """A fresh process per store, so memory figures are the store's alone."""
    d = SCALE_DIR / str(size)
    # A store built with --server has its own server collection, written over HTTP. Otherwise the
    # server serves the embedded store's own directory (`chroma run --path` reads the same on-disk
    # format as the embedded client; the measuring process then opens only the catalog, so the
    # directory has one user). Not a copy: hnswlib's sparse link_lists.bin would be written out
    # in full (~1 TB at 1M chunks).
    srv = None
    if server:
        path = d / "server" if (d / "server").exists() else d / "chroma"
        srv = ChromaServer(path, d / "server.log")
    try:
        cmd = [sys.executable, __file__, "--_measure", str(size), "--queries", str(n_queries),
               "--modes", ",".join(modes), "--variants", variant, "--budget", str(budget)] + (["--_port", str(srv.port)] if srv else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        sys.stdout.write("\n".join(x for x in r.stdout.splitlines() if x.startswith("  [")) + "\n")
        if r.returncode:
            raise RuntimeError(f"measuring {size} failed:\n{r.stderr[-3000:]}")
        res = json.loads(r.stdout.strip().splitlines()[-1])
        if srv:
            res["server_rss_mb"], res["server_peak_rss_mb"] = srv.rss()
        return res
    finally:
        if srv:
            srv.stop()


def record(size: int, info: dict, runs: list[dict]) -> None:
    out = RESULTS
    merged = json.loads(out.read_text()) if out.exists() else {}
    entry = merged.setdefault("scale", {}).setdefault(str(size), {})
    entry["build"] = info
    for r in runs:
        entry.setdefault(r["store"], {})[r["variant"]] = r
        key = "search" + ("_server" if r["store"] == "server" else "") + ("" if r["variant"] == "current" else f"_{r['variant']}")
        headline = r["modes"].get("as_of_today") or next(iter(r["modes"].values()))
        merged.setdefault(f"{key}_p50_ms", {})[str(size)] = headline["p50_ms"]
        merged.setdefault(f"{key}_p95_ms", {})[str(size)] = headline["p95_ms"]
        merged.setdefault(f"{key}_cpu_p95_ms", {})[str(size)] = headline["cpu_p95_ms"]
        print(f"[{size}] {r['store']}, {r['variant']} search.py: p50 {headline['p50_ms']} ms, p95 {headline['p95_ms']} ms "
              f"(as of today), RSS {r['rss_mb']} MB" + (f", server RSS {r['server_rss_mb']} MB" if "server_rss_mb" in r else ""),
              flush=True)
    merged["scale_note"] = ("search_*_ms keyed by a round size: synthetic stores (bench/scale.py), hybrid k=10, as of "
                            "today, query embedding included; 10473: the real SciFact store (bench/search.py). "
                            "The lexical index is tantivy; the figures of the SQLite FTS5 index it replaced are in "
                            "docs/performance.md (Search at scale, 2026-11-28)")
    out.write_text(json.dumps(merged, indent=2) + "\n")


def configure(args) -> None:
    """Apply the path options here and, through the environment, in the measuring subprocesses."""
    global SCALE_DIR, SOURCE_STORE, QUERIES, RESULTS
    for option, env in (("scale_dir", "BENCH_SCALE_DIR"), ("source_store", "BENCH_SOURCE_STORE"),
                        ("queries_file", "BENCH_QUERIES"), ("results", "BENCH_RESULTS")):
        value = getattr(args, option)
        if value is not None:
            os.environ[env] = str(Path(value).resolve())
    SCALE_DIR = Path(os.environ.get("BENCH_SCALE_DIR", SCALE_DIR))
    SOURCE_STORE = os.environ.get("BENCH_SOURCE_STORE")
    QUERIES = Path(os.environ.get("BENCH_QUERIES", QUERIES))
    RESULTS = Path(os.environ.get("BENCH_RESULTS", RESULTS))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--server", action="store_true", help="also measure on a Chroma server (and build its own collection)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--variants", default="current", help=argparse.SUPPRESS)
    ap.add_argument("--budget", type=float, default=120, help="seconds per mode before stopping (after 10 queries)")
    ap.add_argument("--batch-chunks", type=int, default=5000, help="chunks per catalog transaction while building")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--quick", action="store_true", help="10k and 30k chunks, server too, 50 queries, two modes")
    ap.add_argument("--scale-dir", type=Path, help=f"where the synthetic stores are built (default {SCALE_DIR})")
    ap.add_argument("--source-store", type=Path, help="a store whose articles and vectors are repeated (default: SciFact's)")
    ap.add_argument("--queries-file", type=Path, help=f"JSONL of {{claim|question}} to search with (default {QUERIES})")
    ap.add_argument("--results", type=Path, help=f"JSON file the figures are merged into (default {RESULTS})")
    ap.add_argument("--_measure", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    modes, variants = args.modes.split(","), args.variants.split(",")
    if args.quick and args.results is None:
        # A quick run measures 10k with 50 queries and two modes: its figures go apart, so that it
        # never replaces the full run's 10k figures in bench/results.json.
        args.results = ROOT / "bench" / "out" / "results-quick.json"
        args.results.parent.mkdir(parents=True, exist_ok=True)
    configure(args)
    if args._measure:
        print(json.dumps(measure(args._measure, args._port, args.queries, modes, variants[0], args.budget)))
        return
    if args.quick:
        args.sizes, args.server, args.queries, args.budget = "10000,30000", True, 50, 15
        modes = ["as_of_today", "no_date"]
    sizes = [int(s) for s in args.sizes.split(",")]
    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        info = build(size, args.server and wants_server(SCALE_DIR / str(size)), args.batch_chunks)
        if args.build_only:
            continue
        for server in ([False, True] if args.server else [False]):
            record(size, info, [measure_in_subprocess(size, server, args.queries, modes, v, args.budget) for v in variants])


if __name__ == "__main__":
    main()
