"""Typed records that flow through retrieval: Article → Chunk → Hit."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


def display_label(title: str | None, source: str | None, date: dt.date | None, fallback: str) -> str:
    """What to call an article on screen: its title, or outlet and date when it has none."""
    if title:
        return title
    parts = [p for p in (source, date.isoformat() if date else None) if p]
    return ", ".join(parts) if parts else fallback


class Article(BaseModel):
    """One source document with the metadata a citation needs."""

    doc_id: str = ""  # hash of the normalised text; filled in by `identity.assign_id`
    external_id: str | None = None  # the id a JSONL line or a newsroom system gave it
    title: str | None = None
    source: str | None = None  # the outlet, e.g. "Kyiv Post"
    author: str | None = None
    date: dt.date | None = None  # publication date
    url: str | None = None
    filename: str | None = None
    text: str
    added_at: dt.datetime | None = None
    n_chunks: int | None = None

    def label(self) -> str:
        return display_label(self.title, self.source, self.date, self.filename or self.doc_id)


class Chunk(BaseModel):
    """A passage of an article; start/end are character offsets into Article.text."""

    chunk_id: str
    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str


class Copy(BaseModel):
    """Another article of a hit's origin group that the same search found (retrieval/origins.py):
    a syndicated or near-duplicate copy, shown as one result with the hit."""

    doc_id: str
    title: str | None = None
    source: str | None = None
    date: dt.date | None = None
    url: str | None = None


class Hit(BaseModel):
    """A chunk found by a search, with its article's metadata and how it scored."""

    chunk_id: str
    doc_id: str
    external_id: str | None = None
    title: str | None = None
    source: str | None = None
    date: dt.date | None = None
    url: str | None = None
    text: str
    start: int
    end: int
    score: float
    scores: dict[str, float] = Field(default_factory=dict)  # per-signal scores, for inspection
    origin_id: str | None = None  # the doc id of the article's origin group's origin (itself when alone)
    origin_name: str | None = None  # that origin article's outlet (its title when the outlet is unknown)
    copies: list[Copy] = Field(default_factory=list)  # other articles of the group this search found, collapsed here

    @property
    def origin(self) -> str:
        """The article's origin group (retrieval/origins.py): an article and its copies in other
        outlets are one story, counted once."""
        return self.origin_id or self.doc_id

    def label(self) -> str:
        return display_label(self.title, self.source, self.date, self.doc_id)


class IngestOutcome(BaseModel):
    """What happened to one input of an ingest batch."""

    name: str  # filename, URL or external id: what the person gave
    status: str  # "added" | "duplicate" | "failed"
    doc_id: str | None = None
    title: str | None = None
    n_chunks: int = 0
    reason: str | None = None


class IngestReport(BaseModel):
    outcomes: list[IngestOutcome] = Field(default_factory=list)
    seconds: float = 0.0
    # Vectors the vector index did not return right after they were written, written again
    # (retrieval.store.Corpus.unreachable): a sign of the Chroma bug it works around.
    vectors_rewritten: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def chunks(self) -> int:
        return sum(o.n_chunks for o in self.outcomes if o.status == "added")


class IndexAudit(BaseModel):
    """What `Corpus.audit` found: every live passage should have a vector that a query with it returns."""

    passages: int  # live passages in the catalog
    missing: int  # without a vector in Chroma
    unreachable: int  # with a vector that a query with it does not return (chroma-core/chroma#7758)
    rewritten: int  # of those, written again (0 when only checking)
    # Not found even after three rewrites (or all of them, when only checking). HNSW is an
    # approximate index: a rewrite moves a vector's links, and a later sweep may find others.
    still_unreachable: int
    orphans: int  # vectors in Chroma of no live passage: ignored by search (it joins the catalog)
    # Over 1% lost (and over 100): the index cannot reach them wherever they are written (many
    # near-copies of one text); they are reported, not rewritten.
    too_many_to_rewrite: bool = False
    # The lexical index against the catalog: passages missing from it, entries of no live
    # passage; a fix rebuilds it from the catalog (`factcheck reindex`).
    lexical_missing: int = 0
    lexical_orphans: int = 0
    lexical_rebuilt: bool = False
    lexical_still_wrong: int = 0  # missing and orphans left (all of them, when only checking)
    # Origin groups against the catalog (Corpus.origin_problems); a fix groups every article again.
    origins_wrong: int = 0
    origins_regrouped: bool = False
    origins_still_wrong: int = 0
    seconds: float

    @property
    def healthy(self) -> bool:
        return self.still_unreachable == 0 and self.lexical_still_wrong == 0 and self.origins_still_wrong == 0


class CorpusStats(BaseModel):
    articles: int
    chunks: int
    dense_vectors: int
    outlets: dict[str, int]
    first_date: dt.date | None
    last_date: dt.date | None
    store: str  # "embedded at PATH" or "server at HOST:PORT"
    data_dir: str | None = None  # the corpus directory (catalog, lexical index; embedded vectors)
    embedding_model: str
