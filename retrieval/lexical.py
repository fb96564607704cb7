"""The lexical index: a tantivy index in the data directory, derived from the catalog.

Why tantivy and not SQLite FTS5: FTS5 scores every row that holds any query word, so an OR
query of ten words costs time in proportion to the corpus (0.8 s at 1M passages); tantivy keeps
per-block score bounds and skips blocks that cannot reach the top n (block-max WAND), and
filters on indexed date and outlet fields inside the query.

The catalog (SQLite) stays the source of truth; this index can always be rebuilt from it
(`Corpus.reindex`). Each commit carries a marker document holding the catalog's lexical
generation that the commit brings it to, so that an index that is missing, from another corpus
or behind the catalog is recognised when the corpus is opened, and rebuilt.

Only one process may hold a tantivy writer at a time (tantivy locks the directory); the store
takes one only inside its own write lock and gives it up before releasing that lock.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tantivy
from tantivy import Document, FieldType, Index, Occur, Query

MARKER = "#generation"  # chunk_id of the document that records the generation of a commit
TOKENIZER = "factcheck"  # words, lower-cased, accents folded, English stems (as FTS5's porter unicode61 did)
HEAP = 64_000_000  # bytes a writer buffers before it writes a segment


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
    sb.add_text_field("doc_id", tokenizer_name="raw")
    sb.add_text_field("body", tokenizer_name=TOKENIZER)
    sb.add_integer_field("date_ord", indexed=True, fast=True)
    sb.add_text_field("source", tokenizer_name="raw")
    sb.add_integer_field("generation", stored=True)
    return sb.build()


SCHEMA = _schema()


def _analyzer() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


@dataclass(frozen=True)
class LexicalFilter:
    """What a search may return, as fields of the tantivy query: dates as ordinals (inclusive;
    undated articles are -1, so never after an as-of date), outlets, articles."""

    date_min: int | None = None
    date_max: int | None = None
    sources: tuple[str, ...] | None = None
    doc_ids: tuple[str, ...] | None = None

    def empty(self) -> bool:
        return self.date_min is None and self.date_max is None and self.sources is None and self.doc_ids is None


def open_index(path: Path | None, create: bool = False) -> Index:
    """The index at `path`, ready to search; raises if there is none (unless `create`) or it is
    unreadable. No path: an empty index in memory, which stands in for a missing one until the
    store rebuilds it."""
    if path is None:
        index = Index(SCHEMA)
    else:
        if create:
            path.mkdir(parents=True, exist_ok=True)
        elif not path.is_dir() or not Index.exists(str(path)):
            raise FileNotFoundError(f"no lexical index at {path}")
        index = Index(SCHEMA, path=str(path), reuse=True)
    index.register_tokenizer(TOKENIZER, _analyzer())
    index.config_reader(reload_policy="manual")  # the store reloads when its generation moves
    return index


def marker_generation(index: Index) -> int | None:
    """The catalog's lexical generation that the index's last commit brought it to; None for an
    index with no commit of ours."""
    searcher = index.searcher()
    hits = searcher.search(Query.term_query(SCHEMA, "chunk_id", MARKER), 1, count=False).hits
    if not hits:
        return None
    return searcher.doc(hits[0][1])["generation"][0]


def document(chunk_id: str, doc_id: str, body: str, date_ord: int, source: str | None) -> Document:
    return Document(chunk_id=chunk_id, doc_id=doc_id, body=body, date_ord=date_ord, source=source or "")


class Writer:
    """A tantivy writer for one stretch of the store's write lock."""

    def __init__(self, index: Index):
        self._w = index.writer(heap_size=HEAP, num_threads=1)

    def add(self, docs: Iterable[Document]) -> None:
        for d in docs:
            self._w.add_document(d)

    def delete_article(self, doc_id: str) -> None:
        self._w.delete_documents_by_term("doc_id", doc_id)

    def commit(self, generation: int) -> None:
        """Make everything added and deleted so far visible, together with the marker."""
        self._w.delete_documents_by_term("chunk_id", MARKER)
        self._w.add_document(Document(chunk_id=MARKER, generation=generation))
        self._w.commit()

    def rollback(self) -> None:
        self._w.rollback()

    def close(self) -> None:
        """Finish merges and give up tantivy's directory lock."""
        w, self._w = self._w, None
        if w is not None:
            w.wait_merging_threads()


def query_terms(terms: list[str]) -> str:
    """A query for the query parser that is only these words: each one quoted, so that syntax in
    user text (field names, AND, NEAR) is searched as words, never obeyed."""
    return " OR ".join(f'"{t}"' for t in terms)


def search(index: Index, terms: list[str], n: int, flt: LexicalFilter) -> dict[str, float]:
    """Top-n chunk ids by BM25 among the chunks that pass the filter."""
    if not terms:
        return {}
    text = index.parse_query(query_terms(terms), ["body"])
    filters = []
    if flt.date_min is not None or flt.date_max is not None:
        filters.append(Query.range_query(SCHEMA, "date_ord", FieldType.Integer,
                                         flt.date_min if flt.date_min is not None else -(2**62),
                                         flt.date_max if flt.date_max is not None else 2**62))
    if flt.sources is not None:
        filters.append(Query.term_set_query(SCHEMA, "source", list(flt.sources)))
    if flt.doc_ids is not None:
        filters.append(Query.term_set_query(SCHEMA, "doc_id", list(flt.doc_ids)))
    # A filter scores 0, so a passage's score is its BM25 alone, filtered or not.
    query = text if not filters else Query.boolean_query(
        [(Occur.Must, text)] + [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters])
    searcher = index.searcher()
    # count=False: counting every match would visit them all, which is what block-max WAND avoids.
    hits = searcher.search(query, n, count=False).hits
    return {searcher.doc(addr)["chunk_id"][0]: score for score, addr in hits}


def chunk_ids(index: Index) -> set[str]:
    """Every chunk id the index holds (for the audit)."""
    searcher = index.searcher()
    total = searcher.num_docs
    if not total:
        return set()
    hits = searcher.search(Query.all_query(), total, count=False).hits
    ids = {searcher.doc(addr)["chunk_id"][0] for _, addr in hits}
    ids.discard(MARKER)
    return ids


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)

