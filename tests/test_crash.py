"""Crash safety: an ingest of a large batch is killed with SIGKILL (no clean-up of any kind)
halfway through, twice; after each kill the corpus is reopened and every article is either fully
present (complete, all chunks, in the lexical index and in Chroma) or absent from all three, so
no passage is searchable in one index and missing in the other; re-running the ingest completes it.
Against the embedded store and against a Chroma server started by the test on loopback.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from filemakers import synthetic_articles, write_jsonl
from storecheck import audit
from typer.testing import CliRunner

from factcheck.cli import app
from factcheck.settings import Settings
from retrieval.lexical import LexicalFilter
from retrieval.loaders import iter_jsonl
from retrieval.search import Searcher
from retrieval.store import index_text

N = 120  # articles of one to four chunks (chunk size 300): about 280 chunks, several write batches

# The ingest that gets killed: the real Corpus.ingest, with small Chroma batches so that a
# batch's vectors are written in several calls and the kill can land between them. Each call
# waits 20 ms first: on a fast machine a half-written batch lasted only a few milliseconds, the
# poll below missed every one until the last batch (95 of 120 articles complete), and the second
# kill, 30 articles further on, could no longer happen (2026-12-02).
DRIVER = """
import sys, time
from pathlib import Path
from factcheck.settings import Settings
from retrieval.loaders import iter_jsonl
corpus = Settings().build_corpus()
corpus.chroma_batch = 16
upsert = corpus._collection.upsert
corpus._collection.upsert = lambda **kw: (time.sleep(0.02), upsert(**kw))[1]
# And a pause after the lexical index commits a batch, before the catalog marks it complete: the
# kill may land there too, with the passages searchable by their words and not yet complete.
commit = corpus._lexical_commit
corpus._lexical_commit = lambda writer: (commit(writer), time.sleep(0.03))[0]
print("repaired", len(corpus.repaired), flush=True)
report = corpus.ingest(iter_jsonl(Path(sys.argv[1])), batch_chunks=48)
print("added", report.added, "duplicates", report.duplicates, flush=True)
"""


def catalog_counts(db_path) -> dict[str, int]:
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
        try:
            return dict(con.execute("SELECT status, COUNT(*) FROM articles GROUP BY status").fetchall())
        finally:
            con.close()
    except sqlite3.Error:  # not created yet, or busy for a moment
        return {}


def kill_midway(jsonl, env, when) -> dict[str, int]:
    """Start the ingest, wait until `when(counts)` says so, SIGKILL it; returns the counts then."""
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(jsonl)], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    db_path = os.path.join(env["FACTCHECK_DATA_DIR"], "corpus.sqlite")
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the ingest finished before it could be killed:\n{proc.stdout.read()}")
            if when(catalog_counts(db_path)):
                time.sleep(random.uniform(0, 0.05))  # somewhere in the window, not always at its start
                counts = catalog_counts(db_path)
                if not when(counts):
                    continue  # the window closed meanwhile: wait for the next one
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
                return counts
            time.sleep(0.005)
        pytest.fail("the ingest never reached the point to kill it")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def reopen_and_audit(embedder, expected: set[str], records: dict[str, dict]) -> dict:
    corpus = Settings().build_corpus(embedder)
    try:
        result = audit(corpus, expected)
        result["repaired"] = corpus.repaired
        # Searches see exactly the articles that are there, by either index.
        searcher = Searcher(corpus)
        sample = random.Random(0).sample(sorted(expected), 12)
        for ext in sample:
            code = records[ext]["title"].split()[0]
            hits = searcher.search(code, k=3, mode="lexical")
            assert (ext in result["present"]) == any(code in h.text for h in hits), ext
            # The raw index too, before the catalog's join: an absent article left nothing in it.
            raw = corpus.lexical_search([code], 3, LexicalFilter())
            assert (ext in result["present"]) == bool(raw), ext
            if ext in result["present"]:  # its first passage, as indexed, comes back as an exact match
                article = corpus.get(ext)
                first = corpus.chunks(article.doc_id)[0]
                dense = searcher.search(index_text(article, first), k=10, mode="dense")
                assert any(h.chunk_id == first.chunk_id and h.scores["dense"] > 0.99 for h in dense), ext
    finally:
        corpus.close()
    return result


@pytest.mark.slow
def test_sigkill_halfway_through_a_large_ingest_loses_nothing(tmp_path, embedder, store_env):
    records = synthetic_articles(N, seed=7)
    by_id = {r["id"]: r for r in records}
    jsonl = write_jsonl(tmp_path / "batch.jsonl", records)
    expected = set(by_id)

    # 1. Killed while a batch is half-written: catalog rows pending, some vectors in Chroma.
    at_kill = kill_midway(jsonl, store_env, lambda c: c.get("complete", 0) > 0 and c.get("pending", 0) > 0)
    first = reopen_and_audit(embedder, expected, by_id)
    assert 0 < first["articles"] < N
    assert first["articles"] >= at_kill.get("complete", 0)
    assert first["repaired"], "the kill left no half-written article: the test did not test anything"

    # 2. Restarted, and killed again further on, wherever it happens to be.
    further = first["articles"] + min(30, (N - first["articles"]) // 2)
    second_kill = kill_midway(jsonl, store_env, lambda c: c.get("complete", 0) >= further)
    second = reopen_and_audit(embedder, expected, by_id)
    assert second["articles"] >= second_kill.get("complete", 0) > first["articles"]

    # 3. The same ingest, re-run with the command line, completes it: nothing lost, nothing twice.
    r = CliRunner().invoke(app, ["ingest", "--jsonl", str(jsonl), "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    import json

    outcomes = json.loads(r.stdout)["outcomes"]
    assert sum(o["status"] == "added" for o in outcomes) == N - second["articles"]
    assert sum(o["status"] == "duplicate" for o in outcomes) == second["articles"]
    final = reopen_and_audit(embedder, expected, by_id)
    assert final["present"] == expected and final["articles"] == N


# The delete that gets killed: the real Corpus.delete, article after article, with a pause after
# each Chroma delete and after each lexical commit, so that the kill can land while an article is
# gone from one index and not yet from the other or from the catalog.
DELETE_DRIVER = """
import sys, time
from factcheck.settings import Settings
corpus = Settings().build_corpus()
delete = corpus._collection.delete
corpus._collection.delete = lambda **kw: (delete(**kw), time.sleep(0.02))[0]
commit = corpus._lexical_commit
corpus._lexical_commit = lambda writer: (commit(writer), time.sleep(0.03))[0]
for ext in sys.argv[1:]:
    corpus.delete(ext)
    print("deleted", ext, flush=True)
"""


@pytest.mark.slow
def test_sigkill_in_the_middle_of_deletes_leaves_no_passage_behind(tmp_path, embedder, store_env):
    """Deletes killed with SIGKILL while an article is half-deleted: on reopen each article is in
    every index or in none, and no deleted article's passage is in the raw lexical index."""
    records = synthetic_articles(40, seed=11, prefix="d")
    by_id = {r["id"]: r for r in records}
    corpus = Settings().build_corpus(embedder)
    corpus.ingest(iter_jsonl(write_jsonl(tmp_path / "batch.jsonl", records)))
    corpus.close()
    doomed = sorted(by_id)[:30]

    def kill_mid_delete(when):
        proc = subprocess.Popen([sys.executable, "-c", DELETE_DRIVER, *doomed], env={**os.environ, **store_env},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        db_path = os.path.join(store_env["FACTCHECK_DATA_DIR"], "corpus.sqlite")
        deadline = time.monotonic() + 300
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                counts = catalog_counts(db_path)
                if counts.get("deleting") and when(counts):
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(30)
                    return counts
                time.sleep(0.002)
            pytest.fail(f"the deletes were never caught half-way:\n{proc.stdout.read() if proc.poll() is not None else ''}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)

    kill_mid_delete(lambda c: c.get("complete", 0) <= 40 - 5)  # a few deleted, one half-deleted
    corpus = Settings().build_corpus(embedder)
    try:
        assert corpus.repaired, "no delete was interrupted: the test did not test anything"
        result = audit(corpus, set(by_id))
        assert 40 - len(doomed) <= result["articles"] <= 40 - 5
        searcher = Searcher(corpus)
        for ext, record in by_id.items():
            code = record["title"].split()[0]
            raw = corpus.lexical_search([code], 3, LexicalFilter())
            hits = searcher.search(code, k=3, mode="lexical")
            assert bool(raw) == (ext in result["present"]) == any(code in h.text for h in hits), ext
        # Every article not doomed is still there, whole.
        assert set(by_id) - set(doomed) <= result["present"]
    finally:
        corpus.close()


def test_chroma_gone_mid_write_is_a_clear_error_and_repaired_later(tmp_path, embedder):
    """The vector store fails during a write and cannot even roll back (a Chroma server that went
    away): the ingest stops with a StoreError saying so, searches never see the half-written
    articles, and the next open removes them, so that the ingest can simply be run again."""
    from retrieval.errors import StoreError
    from retrieval.models import Article
    from retrieval.store import Corpus

    corpus = Corpus(tmp_path / "d", embedder)
    kept = corpus.add(Article(text="Wildfires forced thousands to evacuate near Yosemite National Park on Monday."))

    def gone(**kwargs):
        raise ConnectionError("Could not connect to a Chroma server")

    corpus._collection.upsert = corpus._collection.delete = gone
    with pytest.raises(StoreError, match="removed the next time the corpus is opened"):
        corpus.add(Article(text="The city council approved a new school budget on Monday after a long debate."))
    assert [a.doc_id for a in corpus.list()] == [kept.doc_id]
    assert all(h.doc_id == kept.doc_id for h in Searcher(corpus).search("school budget council", mode="lexical"))
    corpus.close()

    again = Corpus(tmp_path / "d", embedder)
    assert len(again.repaired) == 1 and again.count() == 1
    assert again.add(Article(text="The city council approved a new school budget on Monday after a long debate.")).status == "added"
    audit(again)
    again.close()
