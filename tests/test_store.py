import numpy as np
import pytest

from retrieval.errors import NotFound, RefusedInput, StoreError
from retrieval.models import Article
from retrieval.search import Searcher
from retrieval.store import EF_SEARCH, Corpus

TEXT = ("The city council approved a new budget on Monday. The budget raises school funding by 4 percent. "
        "Council member Ana Ruiz voted against it, citing road repairs.")


def test_add_get_list_count_delete(corpus):
    out = corpus.add(Article(text=TEXT, title="Budget passes", source="Daily Gazette", date="2025-03-04",
                             url="https://example.org/budget", filename="budget.txt", author="Kim Lee"))
    assert out.status == "added" and out.n_chunks >= 1
    a = corpus.get(out.doc_id)
    assert (a.title, a.source, a.author, str(a.date), a.url, a.filename) == (
        "Budget passes", "Daily Gazette", "Kim Lee", "2025-03-04", "https://example.org/budget", "budget.txt")
    assert corpus.count() == 1 and [x.doc_id for x in corpus.list()] == [out.doc_id]
    assert corpus.get(out.doc_id[:8]).doc_id == out.doc_id  # a prefix is enough
    assert corpus.stats().dense_vectors == out.n_chunks
    corpus.delete(out.doc_id)
    assert corpus.count() == 0 and corpus.collection.count() == 0
    with pytest.raises(NotFound):
        corpus.get(out.doc_id)


def test_same_text_other_whitespace_is_a_duplicate(corpus):
    first = corpus.add(Article(text=TEXT, filename="a.txt"))
    again = corpus.ingest([("b.txt", Article(text="  " + TEXT.replace(" ", "\n  ") + "\n\n", filename="b.txt"))])
    assert again.outcomes[0].status == "duplicate" and again.outcomes[0].doc_id == first.doc_id
    assert corpus.count() == 1 and corpus.collection.count() == first.n_chunks


def test_a_failed_item_does_not_stop_the_batch(corpus):
    report = corpus.ingest([("bad.pdf", RefusedInput("PDF is encrypted")), ("good", Article(text=TEXT))])
    assert [o.status for o in report.outcomes] == ["failed", "added"]
    assert report.outcomes[0].reason == "PDF is encrypted"


def test_delete_removes_chunks_from_both_indexes(corpus):
    keep = corpus.add(Article(text="Wildfires forced thousands to evacuate near Yosemite National Park this week."))
    gone = corpus.add(Article(text=TEXT))
    s = Searcher(corpus)
    assert any(h.doc_id == gone.doc_id for h in s.search("school budget council", mode="lexical"))
    corpus.delete(gone.doc_id)
    for mode in ("dense", "lexical", "hybrid"):
        assert all(h.doc_id == keep.doc_id for h in s.search("school budget council vote", mode=mode))
    assert corpus.collection.get(where={"doc_id": gone.doc_id})["ids"] == []
    from retrieval import lexical

    assert lexical.chunk_ids(corpus._lexical) == {c.chunk_id for c in corpus.chunks(keep.doc_id)}
    assert corpus.lexical_search(["budget"], 10, lexical.LexicalFilter()) == {}


def test_crash_between_the_two_writes_is_repaired_on_open(tmp_path, embedder):
    """Simulate a crash after the catalog write and before Chroma: the article stays `pending`
    with no vectors. The next open undoes it, and a re-run ingests it whole."""
    c = Corpus(tmp_path / "d", embedder)

    class Boom(Exception):
        pass

    def crash(**kw):
        raise Boom()
    c.collection.upsert = crash
    with pytest.raises(Exception):
        # The rollback path would clean up; a real crash (SIGKILL) would not, so skip it too.
        c._remove = lambda doc_id: None
        c.add(Article(text=TEXT))
    assert c.db.execute("SELECT status FROM articles").fetchone()[0] == "pending"
    assert Searcher(c).search("budget", mode="lexical") == []  # pending articles are never evidence
    c.close()

    c2 = Corpus(tmp_path / "d", embedder)
    assert len(c2.repaired) == 1 and c2.count() == 0
    assert c2.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 0
    assert c2.add(Article(text=TEXT)).status == "added"
    assert c2.collection.count() == c2.stats().chunks > 0


def test_crash_during_delete_is_finished_on_open(tmp_path, embedder):
    c = Corpus(tmp_path / "d", embedder)
    out = c.add(Article(text=TEXT))
    c.db.execute("UPDATE articles SET status='deleting' WHERE doc_id=?", (out.doc_id,))  # crashed mid-delete
    c.close()
    c2 = Corpus(tmp_path / "d", embedder)
    assert c2.count() == 0 and c2.collection.count() == 0 and c2.repaired
    # Gone from the lexical index too, not merely joined away by the catalog.
    from retrieval import lexical

    assert lexical_ids(c2) == set() and c2.lexical_search(["budget"], 10, lexical.LexicalFilter()) == {}


class _Forgetful:
    """The real collection, except that its first `queries` queries leave out some ids, as
    Chroma 1.5.9 did under concurrent writes on a server (a live vector that a query with its
    own embedding never returns)."""

    def __init__(self, collection, hide: set[str], queries: int):
        self._c, self.hide, self.left = collection, hide, queries
        self.writes: list[tuple[str, list[str]]] = []

    def __getattr__(self, name):
        return getattr(self._c, name)

    def query(self, **kw):
        res = self._c.query(**kw)
        if self.left > 0:
            self.left -= 1
            for i, (ids, dist) in enumerate(zip(res["ids"], res["distances"])):
                keep = [j for j, x in enumerate(ids) if x not in self.hide]
                res["ids"][i], res["distances"][i] = [ids[j] for j in keep], [dist[j] for j in keep]
        return res

    def upsert(self, ids, **kw):
        self.writes.append(("upsert", list(ids)))
        return self._c.upsert(ids=ids, **kw)

    def add(self, ids, **kw):
        self.writes.append(("add", list(ids)))
        return self._c.add(ids=ids, **kw)


FIRES = "Wildfires forced thousands to evacuate near Yosemite National Park this week."


def test_a_vector_the_index_lost_is_written_again(corpus):
    from retrieval.identity import article_id

    first = corpus.add(Article(text=TEXT, title="Budget passes"))
    lost = f"{article_id(FIRES)}:0"
    real = corpus._collection
    corpus._collection = _Forgetful(real, hide={lost}, queries=1)
    report = corpus.ingest([("fires.txt", Article(text=FIRES))])
    out = report.outcomes[0]
    # Written, found lost, written again in place; the report says so.
    assert out.status == "added" and corpus._collection.writes[1:] == [("upsert", [lost])]
    assert report.vectors_rewritten == 1
    corpus._collection = real
    ids = [c.chunk_id for c in corpus.chunks(first.doc_id)] + [lost]
    assert corpus.unreachable(ids, np.asarray(real.get(ids=ids, include=["embeddings"])["embeddings"])) == []
    assert real.count() == first.n_chunks + out.n_chunks
    assert corpus.ingest([("more.txt", Article(text=TEXT + " Turnout was low."))]).vectors_rewritten == 0


def test_a_vector_the_index_never_takes_fails_the_ingest_and_loses_nothing(corpus):
    from retrieval.identity import article_id

    keep = corpus.add(Article(text=TEXT))
    real = corpus._collection
    corpus._collection = forgetful = _Forgetful(real, hide={f"{article_id(FIRES)}:0"}, queries=100)
    with pytest.raises(StoreError, match="vector index did not take 1 of 1 passages"):
        corpus.ingest([("fires.txt", Article(text=FIRES))])
    corpus._collection = real
    # The write, an update in place, then twice deleted and added again; then rolled back.
    assert [op for op, _ in forgetful.writes] == ["upsert", "upsert", "add", "add"]
    assert [a.doc_id for a in corpus.list()] == [keep.doc_id] and real.count() == keep.n_chunks


def test_audit_of_a_sound_corpus_finds_nothing_and_writes_nothing(corpus):
    a, b = corpus.add(Article(text=TEXT)), corpus.add(Article(text=FIRES))
    real = corpus._collection
    corpus._collection = watched = _Forgetful(real, hide=set(), queries=0)
    r = corpus.audit()
    assert (r.passages, r.missing, r.unreachable, r.rewritten, r.orphans) == (a.n_chunks + b.n_chunks, 0, 0, 0, 0)
    assert r.healthy and watched.writes == []


def test_audit_writes_a_lost_vector_again_in_place(corpus):
    """A vector that later writes made unreachable (chroma-core/chroma#7758): the check after its
    own ingest passed, so only a sweep over the whole index finds it."""
    from retrieval.identity import article_id

    corpus.add(Article(text=TEXT))
    corpus.add(Article(text=FIRES))
    lost = f"{article_id(FIRES)}:0"
    real = corpus._collection
    # Lost to the sweep's query and to the second look under the write lock.
    corpus._collection = forgetful = _Forgetful(real, hide={lost}, queries=2)
    checked = corpus.audit(fix=False)
    assert (checked.unreachable, checked.rewritten, checked.still_unreachable, checked.healthy) == (1, 0, 1, False) and forgetful.writes == []
    forgetful.left = 2  # still lost at the next sweep and its second look; found after one update in place
    fixed = corpus.audit()
    assert (fixed.unreachable, fixed.rewritten, fixed.still_unreachable, fixed.healthy) == (1, 1, 0, True)
    assert forgetful.writes == [("upsert", [lost])]
    corpus._collection = real
    assert corpus.audit().unreachable == 0


def test_audit_sweeps_without_the_write_lock_and_checks_what_it_finds_again_under_it(corpus):
    from retrieval.identity import article_id

    corpus.add(Article(text=TEXT))
    corpus.add(Article(text=FIRES))
    real, locked = corpus._collection, corpus._writing

    def no_lock():
        raise AssertionError("the write lock was taken")

    corpus._writing = no_lock  # a sound corpus is swept without it: ingests go on meanwhile
    assert corpus.audit().healthy
    corpus._writing = locked
    # Missed by the sweep's query only (as while another process was writing): found again under
    # the lock, so neither reported nor written.
    corpus._collection = forgetful = _Forgetful(real, hide={f"{article_id(FIRES)}:0"}, queries=1)
    r = corpus.audit()
    assert (r.unreachable, r.rewritten, r.healthy) == (0, 0, True) and forgetful.writes == [] and forgetful.left == 0
    corpus._collection = real


def test_audit_embeds_a_passage_without_a_vector_again_and_counts_orphans(corpus):
    keep = corpus.add(Article(text=TEXT, title="Budget passes"))
    gone = corpus.add(Article(text=FIRES))
    cid = corpus.chunks(gone.doc_id)[0].chunk_id
    before = corpus.collection.get(ids=[cid], include=["embeddings", "metadatas"])
    corpus.collection.delete(ids=[cid])  # as if a delete had taken the wrong vector
    corpus.collection.add(ids=["stray"], embeddings=[[0.1] * 384])  # and left one of no passage
    checked = corpus.audit(fix=False)
    assert (checked.missing, checked.orphans, checked.healthy) == (1, 1, False)
    assert Searcher(corpus).search("Yosemite wildfire evacuation", mode="dense")[0].doc_id != gone.doc_id
    fixed = corpus.audit()
    assert (fixed.missing, fixed.rewritten, fixed.healthy) == (1, 1, True)
    again = corpus.collection.get(ids=[cid], include=["embeddings", "metadatas"])
    assert np.allclose(again["embeddings"][0], before["embeddings"][0], atol=1e-5)  # the same text, embedded the same way
    assert again["metadatas"] == before["metadatas"]
    assert Searcher(corpus).search("Yosemite wildfire evacuation", mode="dense")[0].doc_id == gone.doc_id
    assert corpus.audit().passages == keep.n_chunks + gone.n_chunks


def test_audit_reports_a_vector_it_cannot_mend_without_failing(corpus):
    from retrieval.identity import article_id

    corpus.add(Article(text=FIRES))
    real = corpus._collection
    corpus._collection = forgetful = _Forgetful(real, hide={f"{article_id(FIRES)}:0"}, queries=100)
    r = corpus.audit()
    assert (r.unreachable, r.rewritten, r.still_unreachable, r.healthy) == (1, 1, 1, False)
    assert [op for op, _ in forgetful.writes] == ["upsert", "add", "add"]  # in place, then twice deleted and added
    corpus._collection = real
    assert corpus.count() == 1 and corpus.audit().healthy  # nothing rolled back: the article stays


def test_audit_reports_but_does_not_rewrite_a_mass_of_lost_vectors(corpus):
    """Over 1% (and over 100) lost is the index's own reach, not a handful of broken links."""
    corpus.ingest([(f"n{i}", Article(text=f"Bulletin number {i}: the river rose {i} centimetres overnight in town {i}."))
                   for i in range(150)])
    real = corpus._collection
    hidden = {r[0] for r in corpus.db.execute("SELECT chunk_id FROM chunks LIMIT 101")}
    corpus._collection = forgetful = _Forgetful(real, hide=hidden, queries=1000)
    r = corpus.audit()
    assert (r.passages, r.unreachable, r.rewritten, r.still_unreachable, r.too_many_to_rewrite) == (150, 101, 0, 101, True)
    assert not r.healthy and forgetful.writes == []


def test_chroma_collection_configuration_cosine_and_ef_search_from_the_setting(tmp_path, embedder):
    """Chroma's configuration API, not the legacy `hnsw:space` metadata; ef_search follows the
    setting on every open, and a collection made the legacy way keeps working."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from factcheck.settings import Settings

    c = Corpus(tmp_path / "d", embedder, ef_search=64)
    c.add(Article(text="A dam broke in the valley on Tuesday, flooding two villages downstream."))
    hnsw = c.collection.configuration["hnsw"]
    assert hnsw["space"] == "cosine" and hnsw["ef_search"] == 64 and not c.collection.metadata
    c.close()
    c = Settings(data_dir=tmp_path / "d", chroma_ef_search=150).build_corpus(embedder)
    assert c.collection.configuration["hnsw"]["ef_search"] == 150
    assert Searcher(c).search("dam broke flooding villages", 1, mode="dense")[0].text.startswith("A dam broke")
    c.close()
    legacy = tmp_path / "legacy"
    client = chromadb.PersistentClient(path=str(legacy / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    client.get_or_create_collection("chunks", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    c = Corpus(legacy, embedder)
    assert c.collection.configuration["hnsw"]["space"] == "cosine" and c.collection.configuration["hnsw"]["ef_search"] == EF_SEARCH
    c.add(Article(text="The bridge over the river reopened on Friday after months of repairs."))
    assert Searcher(c).search("bridge reopened after repairs", 1, mode="dense")[0].text.startswith("The bridge")
    c.close()


# ---- the lexical index (tantivy), derived from the catalog ---------------------------------
def lexical_ids(corpus) -> set[str]:
    from retrieval import lexical

    corpus._sync()
    return lexical.chunk_ids(corpus._lexical)


def test_a_missing_lexical_index_is_rebuilt_from_the_catalog_on_open(tmp_path, embedder):
    import shutil

    c = Corpus(tmp_path / "d", embedder)
    out = c.add(Article(text=TEXT, title="Budget passes"))
    c.close()
    shutil.rmtree(tmp_path / "d" / "lexical")
    c = Corpus(tmp_path / "d", embedder)
    assert c.lexical_rebuilt and lexical_ids(c) == {ch.chunk_id for ch in c.chunks(out.doc_id)}
    assert Searcher(c).search("school funding", mode="lexical")[0].doc_id == out.doc_id
    c.close()
    again = Corpus(tmp_path / "d", embedder)
    assert not again.lexical_rebuilt  # in step with the catalog: not rebuilt again
    again.close()


def test_a_lexical_index_behind_the_catalog_is_rebuilt_on_open(tmp_path, embedder):
    """An index restored from an older copy (it lacks a later article and still holds a deleted
    one) is recognised by its generation and rebuilt: no passage is searchable in one index and
    missing from the other."""
    import shutil

    from storecheck import audit

    c = Corpus(tmp_path / "d", embedder)
    gone = c.add(Article(text=FIRES))
    shutil.copytree(tmp_path / "d" / "lexical", tmp_path / "old")
    kept = c.add(Article(text=TEXT))
    c.delete(gone.doc_id)
    c.close()
    shutil.rmtree(tmp_path / "d" / "lexical")
    shutil.copytree(tmp_path / "old", tmp_path / "d" / "lexical")
    c = Corpus(tmp_path / "d", embedder)
    assert c.lexical_rebuilt
    audit(c)
    assert lexical_ids(c) == {ch.chunk_id for ch in c.chunks(kept.doc_id)}
    c.close()


def test_a_reader_opened_before_a_delete_never_returns_the_deleted_passage(tmp_path, embedder):
    writer = Corpus(tmp_path / "d", embedder)
    gone = writer.add(Article(text=FIRES))
    writer.add(Article(text=TEXT))
    reader = Corpus(tmp_path / "d", embedder)
    s = Searcher(reader)
    assert s.search("Yosemite wildfires evacuate", mode="lexical")[0].doc_id == gone.doc_id
    writer.delete(gone.doc_id)
    for mode in ("lexical", "hybrid"):
        assert all(h.doc_id != gone.doc_id for h in s.search("Yosemite wildfires evacuate", mode=mode))
    assert gone.doc_id not in {cid.split(":")[0] for cid in lexical_ids(reader)}  # reloaded, not merely joined away
    writer.close()
    reader.close()


def test_a_crash_after_the_lexical_delete_and_before_the_catalog_is_finished_on_open(tmp_path, embedder):
    """A delete killed between its index writes and the catalog: the article stays `deleting`,
    never a search result, and the next open finishes the delete in every index."""
    c = Corpus(tmp_path / "d", embedder)
    out = c.add(Article(text=FIRES))
    c.add(Article(text=TEXT))

    class Killed(BaseException):
        pass

    real_tx = c._tx
    calls = []

    def tx():
        calls.append(1)
        if len(calls) == 2:  # the first marks it deleting; the second would drop its rows
            raise Killed()
        return real_tx()
    c._tx = tx
    with pytest.raises(Killed):
        c.delete(out.doc_id)
    c._tx = real_tx
    assert c.db.execute("SELECT status FROM articles WHERE doc_id=?", (out.doc_id,)).fetchone()[0] == "deleting"
    for mode in ("lexical", "dense", "hybrid"):
        assert all(h.doc_id != out.doc_id for h in Searcher(c).search("Yosemite wildfires evacuate", mode=mode))
    c.close()
    c = Corpus(tmp_path / "d", embedder)
    assert c.repaired and not c.lexical_rebuilt
    from storecheck import audit

    audit(c)
    c.close()


def test_a_failed_lexical_write_rolls_the_batch_back_in_every_index(corpus):
    from retrieval import lexical

    kept = corpus.add(Article(text=TEXT))
    real = lexical.Writer.commit
    calls = []

    def failing(self, generation):
        calls.append(generation)
        if len(calls) == 1:
            raise OSError("disk full")
        return real(self, generation)
    lexical.Writer.commit = failing
    try:
        with pytest.raises(StoreError, match="lexical index failed; the batch was rolled back"):
            corpus.add(Article(text=FIRES))
    finally:
        lexical.Writer.commit = real
    from storecheck import audit

    assert audit(corpus)["articles"] == 1 and [a.doc_id for a in corpus.list()] == [kept.doc_id]
    assert Searcher(corpus).search("Yosemite wildfires", mode="lexical") == []
    assert corpus.add(Article(text=FIRES)).status == "added"
    audit(corpus)


def test_audit_finds_a_lexical_index_out_of_step_and_rebuilds_it(corpus):
    a = corpus.add(Article(text=TEXT))
    b = corpus.add(Article(text=FIRES))
    with corpus._writing():  # as if a passage had been lost from the index
        w = corpus._writer()
        w.delete_article(b.doc_id)
        corpus._lexical_commit(w)
    checked = corpus.audit(fix=False)
    assert (checked.lexical_missing, checked.lexical_orphans, checked.lexical_still_wrong, checked.healthy) == (b.n_chunks, 0, b.n_chunks, False)
    fixed = corpus.audit()
    assert (fixed.lexical_missing, fixed.lexical_rebuilt, fixed.healthy) == (b.n_chunks, True, True)
    assert lexical_ids(corpus) == {c.chunk_id for d in (a, b) for c in corpus.chunks(d.doc_id)}
    assert corpus.audit().lexical_missing == 0


def test_lexical_filters_are_in_the_query(corpus):
    """Date, outlet and article filters narrow the lexical ranking itself: the top 1 of a
    filtered search is the best match that passes, however many better ones do not."""
    import datetime as dt

    from retrieval import lexical

    corpus.ingest((f"n{i}", Article(text=f"River flood warning {i}: the river flood rose again, river flood.",
                                    source="Wire", date=dt.date(2023, 1, 1) + dt.timedelta(days=i))) for i in range(50))
    old = corpus.add(Article(text="An old report about a flood.", source="Gazette", date=dt.date(2020, 1, 1)))
    s = Searcher(corpus)
    old_ids = {c.chunk_id for c in corpus.chunks(old.doc_id)}
    for flt in (s.lexical_filter(dt.date(2021, 1, 1), None, None, None, None),
                s.lexical_filter(None, ["Gazette"], None, None, None),
                s.lexical_filter(None, None, None, dt.date(2020, 6, 1), None),
                s.lexical_filter(None, None, None, None, [old.doc_id])):
        assert not flt.empty() and set(corpus.lexical_search(["river", "flood"], 1, flt)) <= old_ids
        assert set(corpus.lexical_search(["river", "flood"], 1, flt)) == old_ids
    # A bound every article meets is left out (the query stays a plain union of its words).
    assert s.lexical_filter(dt.date(2030, 1, 1), None, None, None, None) == lexical.LexicalFilter()
    assert s.lexical_filter(None, None, dt.date(2019, 1, 1), None, None) == lexical.LexicalFilter()
