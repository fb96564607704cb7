"""An audit of a corpus on disk: every article is either fully present (its row complete, all its
chunks, each in the lexical index and in Chroma) or absent (no row, no chunk, no vector, no
entry in the lexical index)."""

from __future__ import annotations


def audit(corpus, expected_ids: set[str] | None = None) -> dict:
    """Assert that the catalog, the lexical index and Chroma agree exactly; returns the counts.
    `expected_ids`: external ids of every article that was ever sent; none may be half there."""
    db = corpus.db
    statuses = dict(db.execute("SELECT status, COUNT(*) FROM articles GROUP BY status").fetchall())
    assert set(statuses) <= {"complete"}, f"articles left half-done: {statuses}"
    articles = {r[0]: (r[1], r[2]) for r in db.execute("SELECT doc_id, external_id, n_chunks FROM articles")}
    chunks: dict[str, str] = {}
    rids: set[int] = set()
    per_doc: dict[str, int] = {}
    for rid, chunk_id, doc_id in db.execute("SELECT rid, chunk_id, doc_id FROM chunks"):
        assert doc_id in articles, f"chunk {chunk_id} of a missing article"
        chunks[chunk_id] = doc_id
        rids.add(rid)
        per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
    for doc_id, (_, n_chunks) in articles.items():
        assert per_doc.get(doc_id, 0) == n_chunks, f"article {doc_id} has {per_doc.get(doc_id, 0)} of {n_chunks} chunks"
    from retrieval import lexical

    corpus._sync()  # the lexical index as the last writer left it
    indexed = lexical.chunk_ids(corpus._lexical)
    assert indexed == chunks.keys(), f"lexical index: {len(indexed - chunks.keys())} extra passages, {len(chunks.keys() - indexed)} missing"
    assert not corpus._lexical_behind(), "the lexical index is not at the catalog's generation"
    got = corpus.collection.get(include=["metadatas"])
    vectors = dict(zip(got["ids"], (m["doc_id"] for m in got["metadatas"])))
    assert vectors.keys() == chunks.keys(), (f"Chroma: {len(vectors.keys() - chunks.keys())} extra vectors, "
                                             f"{len(chunks.keys() - vectors.keys())} missing")
    assert all(vectors[c] == d for c, d in chunks.items())
    # Origin groups (retrieval/origins.py): one row per complete article, none of another, each
    # group headed by its earliest member.
    assert corpus.origin_problems() == 0, "origin groups out of step with the catalog"
    present = {ext for ext, _ in articles.values()}
    if expected_ids is not None:
        assert present <= expected_ids
    return {"articles": len(articles), "chunks": len(chunks), "vectors": len(vectors), "present": present}
