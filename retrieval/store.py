"""The corpus: one consistent API over an SQLite catalog (articles, chunks), a tantivy lexical
index in the data directory (retrieval/lexical.py) and a Chroma collection (dense vectors),
embedded or on a Chroma server.

SQLite is the source of truth; both indexes are derived from it. Each article carries a status
so that a crash between the stores is always detectable: an ingest writes the catalog as
`pending`, then Chroma and the lexical index, then marks it `complete`; a delete marks it
`deleting`, removes it from Chroma and the lexical index, then from the catalog. Opening the
corpus finishes or undoes whatever a crash left half-done in all of them, and searches only
ever see `complete` articles (every hit is joined with the catalog). A lexical index that is
missing or behind the catalog is rebuilt from it on open (`reindex`).

Several threads and processes may share one data directory (the app, a CLI ingest, a search).
Every write holds an exclusive lock on `write.lock` in the data directory (fcntl, released by
the kernel when a process dies, even by SIGKILL) for the whole pending → Chroma → complete
sequence; so an article that is not complete while the lock is held is a crash's leftover, never
another writer's work in progress, and repair can remove it safely. Embedding runs outside the
lock, so parallel ingests embed in parallel and only take turns to write.

The embedded Chroma keeps its vector index in each process's memory and does not see what
other processes add (measured with chromadb 1.5.9: a process that opened the store never found
vectors another process added later, while a freshly opened one found them all). The catalog
keeps a generation number, raised by every completed write; a process that sees a generation it
did not write reopens its Chroma client and its lexical index before the next search or write.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from retrieval import lexical
from retrieval.origins import OriginParams, Signer
from retrieval.chunking import chunk_article
from retrieval.errors import FactcheckError, NotFound, StoreError
from retrieval.identity import article_id
from retrieval.models import Article, Chunk, CorpusStats, IndexAudit, IngestOutcome, IngestReport

COLLECTION = "chunks"
# Neighbours an HNSW query explores (FACTCHECK_CHROMA_EF_SEARCH). An undated search asks for its
# 100 fusion candidates (SearchParams.candidates); explored no wider than that, the last of them
# are approximate, and fusion ranks with the wrong ones. Twice as wide finds the true nearest on
# the training sets (docs/experiments.md); a dated search asks for 400 and explores that many anyway.
EF_SEARCH = 200
UNDATED = -1  # date ordinal stored for articles without a date: never "after" an as-of date

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    doc_id TEXT PRIMARY KEY, external_id TEXT, title TEXT, source TEXT, author TEXT,
    date TEXT, date_ord INTEGER NOT NULL, url TEXT, filename TEXT, text TEXT NOT NULL,
    added_at TEXT NOT NULL, n_chunks INTEGER NOT NULL, status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_external ON articles(external_id);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date_ord);
CREATE TABLE IF NOT EXISTS chunks (
    rid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL REFERENCES articles(doc_id), ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
INSERT OR IGNORE INTO meta VALUES ('lexical', 0);
CREATE TABLE IF NOT EXISTS origins (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT UNIQUE NOT NULL, origin_id TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS origins_group ON origins(origin_id);
CREATE TABLE IF NOT EXISTS origin_bands (key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq)) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('origins', 0);
"""
# Origin groups (retrieval/origins.py): a row in `origins` per complete article, with its MinHash
# signature and the doc id of its group's origin; `origin_bands` holds its LSH band keys. Both are
# written in the transaction that marks an article complete and removed in the one that marks it
# deleting, so a crash leaves no member of a group that is not a complete article. A store from
# before origins (no rows) is grouped on open from the texts in the catalog, without re-embedding.
REWRITES = 3  # times a vector the index does not return is written again before giving up
LOCK_TIMEOUT = 120.0  # seconds a writer waits for another process's write before giving up


def date_ordinal(date: dt.date | None) -> int:
    return date.toordinal() if date else UNDATED


def shown(text: str, limit: int = 300) -> str:
    """A name or message safe to print: control and bidirectional-override characters from a
    hostile file name (terminal escapes, "evil\u202etxt.exe") become "?"."""
    out = "".join("?" if unicodedata.category(ch) in ("Cc", "Cs") or unicodedata.bidirectional(ch) in
                  ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI") else ch for ch in text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _unstorable(article: Article) -> str | None:
    """Why an article built by hand (not by the loaders, which clean text) cannot be stored."""
    for field in ("text", "title", "source", "author", "url", "filename", "external_id"):
        value = getattr(article, field)
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"the {field} is not valid Unicode text (it holds a lone surrogate code point)"
    if not article.text.strip():
        return "no readable text"
    return None


def _meta(doc_id: str, date_ord: int, source: str | None) -> dict:
    """What Chroma stores beside a vector: what its own filter (the narrow-filter fallback) needs."""
    return {"doc_id": doc_id, "date_ord": date_ord, "source": source or ""}


def index_text(article: Article, chunk: Chunk) -> str:
    """What both indexes see for a chunk: the headline gives every passage its topic."""
    return _body(article.title, chunk.text)


def _body(title: str | None, text: str) -> str:
    return f"{title}\n{text}" if title else text


class Corpus:
    def __init__(self, data_dir: Path, embedder, *, chroma_host: str | None = None,
                 chroma_port: int = 8000, chunk_size: int = 1000, chunk_overlap: int = 200,
                 chroma_batch: int = 1000, collection: str = COLLECTION, lock_timeout: float = LOCK_TIMEOUT,
                 ef_search: int = EF_SEARCH, origins: OriginParams | None = None):
        self.data_dir = Path(data_dir)
        self.signer = Signer(origins or OriginParams())
        self.ef_search = ef_search
        self.embedder = embedder
        self.chunk_size, self.chunk_overlap = chunk_size, chunk_overlap
        self.chroma_batch = chroma_batch
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()  # one writer at a time within a process...
        self._depth = 0  # ...and `write.lock` for one writer at a time across processes
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self.data_dir / "write.lock", "a+b")  # noqa: SIM115 - held while open
            self.db = sqlite3.connect(self.data_dir / "corpus.sqlite", check_same_thread=False,
                                      timeout=60, isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"Cannot open the data directory {self.data_dir}: {e}") from e
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._chroma_args = (chroma_host, chroma_port, collection)
        self._embedded = not chroma_host
        self._generation = self._read_generation()
        self.store_label, self._collection = self._open_chroma(chroma_host, chroma_port, collection)
        self._lexical_path = self.data_dir / "lexical"
        self._lexical_writer: lexical.Writer | None = None
        self._lexical = self._open_lexical()
        self.lexical_rebuilt = False  # set when opening found the lexical index missing or behind
        self.origins_grouped = 0  # articles grouped on open (a store from before origins, or new settings)
        self.repaired = self.repair()

    # ---- Chroma -------------------------------------------------------------------------
    @property
    def collection(self):
        """The Chroma collection, reopened first if another process changed the embedded store."""
        self._sync()
        return self._collection

    def _read_generation(self) -> int:
        return self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]

    def _sync(self) -> None:
        """Reload the lexical index and the embedded vector index if another process wrote since
        we last looked."""
        if self._read_generation() == self._generation:
            return
        with self._lock:
            generation = self._read_generation()
            if generation == self._generation:
                return
            if self._embedded:
                self.store_label, self._collection = self._open_chroma(*self._chroma_args)
            # Opened afresh, not merely reloaded: a rebuild replaces the whole directory.
            self._lexical = self._open_lexical()
            self._generation = generation

    # ---- the lexical index ---------------------------------------------------------------
    def _open_lexical(self):
        try:
            index = lexical.open_index(self._lexical_path)
            self._lexical_standin = False
        except Exception:  # noqa: BLE001 - missing or unreadable: rebuilt from the catalog on open
            index = lexical.open_index(None)  # meanwhile an empty one, in memory
            self._lexical_standin = True
        return index

    def lexical_search(self, terms: list[str], n: int, flt: lexical.LexicalFilter) -> dict[str, float]:
        """Top-n chunk ids by BM25 among those that pass the filter (articles of any status: a
        search joins its hits with the catalog's complete articles)."""
        self._sync()
        return lexical.search(self._lexical, terms, n, flt)

    def _lexical_gen(self) -> int:
        return self.db.execute("SELECT value FROM meta WHERE key='lexical'").fetchone()[0]

    def _lexical_commit(self, writer: lexical.Writer) -> int:
        """Commit the lexical index one generation ahead of the catalog's record of it; the
        caller records that generation in the catalog in its next transaction. Under the lock."""
        generation = self._lexical_gen() + 1
        writer.commit(generation)
        self._lexical.reload()
        return generation

    def _writer(self) -> lexical.Writer:
        """This write's tantivy writer (tantivy allows one per index): taken under the write lock,
        given up with it."""
        assert self._depth > 0
        if self._lexical_writer is None:
            self._lexical_writer = lexical.Writer(self._lexical)
        return self._lexical_writer

    def _release_writer(self) -> None:
        w, self._lexical_writer = self._lexical_writer, None
        if w is not None:
            w.close()

    def _lexical_behind(self) -> bool:
        if self._lexical_standin:
            return True
        try:
            return lexical.marker_generation(self._lexical) != self._lexical_gen()
        except Exception:  # noqa: BLE001 - unreadable: rebuild
            return True

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the lexical index from the catalog's complete articles; returns the passages
        indexed. Built beside the old one and swapped in, so that searches go on meanwhile;
        other processes open the new one when they see the generation move."""
        with self._writing():
            self._release_writer()
            fresh = self.data_dir / "lexical.new"
            lexical.remove(fresh)
            index = lexical.open_index(fresh, create=True)
            writer = lexical.Writer(index)
            total = self.db.execute("SELECT COUNT(*) FROM chunks c JOIN articles a USING (doc_id) "
                                    "WHERE a.status='complete'").fetchone()[0]
            done = 0
            rows = self.db.execute("SELECT c.chunk_id, c.doc_id, c.text, a.title, a.date_ord, a.source FROM chunks c "
                                   "JOIN articles a USING (doc_id) WHERE a.status='complete' ORDER BY c.rid")
            while batch := rows.fetchmany(5000):
                writer.add(lexical.document(r[0], r[1], _body(r[3], r[2]), r[4], r[5]) for r in batch)
                done += len(batch)
                if progress:
                    progress(len(batch), total)
            generation = self._lexical_gen() + 1
            writer.commit(generation)
            writer.close()
            del writer, index
            old = self.data_dir / "lexical.old"
            lexical.remove(old)
            if self._lexical_path.exists():
                self._lexical_path.rename(old)
            fresh.rename(self._lexical_path)
            lexical.remove(old)
            self._lexical = self._open_lexical()
            with self._tx() as db:
                db.execute("UPDATE meta SET value=? WHERE key='lexical'", (generation,))
                self._bump(db)
            # The FTS5 table of earlier versions, superseded by this index.
            self.db.execute("DROP TABLE IF EXISTS chunks_fts")
        return done

    def _open_chroma(self, host: str | None, port: int, name: str):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
                client.heartbeat()
                label = f"Chroma server at {host}:{port}, collection {name}"
            else:
                path = str(self.data_dir / "chroma")
                # chromadb shares one client per path and process, and its vector index may be
                # stale (another process wrote since it loaded): drop it from the cache so that
                # this client reads the files afresh. Collections that other Corpus objects hold
                # keep working on the old client until they sync in turn.
                from chromadb.api.shared_system_client import SharedSystemClient

                with SharedSystemClient._refcount_lock:
                    SharedSystemClient._identifier_to_system.pop(path, None)
                    SharedSystemClient._identifier_to_refcount.pop(path, None)
                client = chromadb.PersistentClient(path=path, settings=chroma_settings)
                label = f"embedded Chroma at {self.data_dir / 'chroma'}"
            # No embedding function: Chroma's default downloads a model; we always pass vectors.
            # Cosine space is fixed when the collection is made; ef_search (how many neighbours a
            # query explores: recall against time) can change, and follows the setting. A
            # collection made with the legacy `hnsw:space` metadata reads as the same configuration.
            collection = _busy_retry(lambda: client.get_or_create_collection(
                name, configuration={"hnsw": {"space": "cosine", "ef_search": self.ef_search}}, embedding_function=None))
            if (collection.configuration.get("hnsw") or {}).get("ef_search") != self.ef_search:
                _busy_retry(lambda: collection.modify(configuration={"hnsw": {"ef_search": self.ef_search}}))
                collection = client.get_collection(name, embedding_function=None)
        except Exception as e:  # chromadb raises many types for "cannot reach / cannot open"
            where = f"the Chroma server at {host}:{port} (is `chroma run` up?)" if host else f"Chroma under {self.data_dir}"
            raise StoreError(f"Cannot open {where}: {e}") from e
        return label, collection

    # ---- locking, transactions and repair ------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Exclusive write access to the data directory, across threads and processes; re-entrant."""
        with self._lock:
            if self._depth == 0:
                self._flock()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    try:
                        self._release_writer()
                    finally:
                        fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _flock(self) -> None:
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(f"The corpus at {self.data_dir} is busy: another process has been writing to it "
                                     f"for over {self.lock_timeout:g} s. Try again when it has finished.") from None
                time.sleep(0.02)
            except OSError as e:
                raise StoreError(f"Cannot lock the corpus at {self.data_dir} for writing: {e}") from e
        try:
            self._sync()  # write on top of what other processes wrote, not on a stale index
        except BaseException:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            raise

    def _bump(self, db: sqlite3.Connection) -> None:
        """Tell other processes that the vectors changed (inside the write's transaction)."""
        db.execute("UPDATE meta SET value = value + 1 WHERE key='generation'")
        self._generation = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def repair(self) -> list[str]:
        """Undo ingests and finish deletes that a crash interrupted; returns what was repaired.
        Under the write lock: an article that is not complete then belongs to no live writer."""
        with self._writing():
            rows = self.db.execute("SELECT doc_id, status FROM articles WHERE status != 'complete'").fetchall()
            for r in rows:
                self._remove(r["doc_id"])
            if self._lexical_behind():  # missing, from an earlier version, or behind the catalog
                self.reindex()
                self.lexical_rebuilt = True
            self.origins_grouped = self._group_ungrouped()
        return [f"{r['doc_id']} ({'unfinished ingest undone' if r['status'] == 'pending' else 'unfinished delete finished'})"
                for r in rows]

    def _chunk_ids(self, doc_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT chunk_id FROM chunks WHERE doc_id=? ORDER BY ordinal", (doc_id,))]

    def _remove(self, doc_id: str) -> None:
        with self._writing():
            with self._tx() as db:
                db.execute("UPDATE articles SET status='deleting' WHERE doc_id=?", (doc_id,))
                self._ungroup(db, doc_id)
            ids = self._chunk_ids(doc_id)
            for b in range(0, len(ids), self.chroma_batch):
                self._collection.delete(ids=ids[b : b + self.chroma_batch])
            writer = self._writer()
            writer.delete_article(doc_id)
            generation = self._lexical_commit(writer)
            with self._tx() as db:
                db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
                db.execute("DELETE FROM articles WHERE doc_id=?", (doc_id,))
                db.execute("UPDATE meta SET value=? WHERE key='lexical'", (generation,))
                self._bump(db)

    # ---- origin groups (retrieval/origins.py) ---------------------------------------------
    # Earliest-dated first, undated after dated ones, then first ingested.
    _ORIGIN_ORDER = f"a.date_ord = {UNDATED}, a.date_ord, o.seq"

    def _group(self, db: sqlite3.Connection, doc_id: str, signature: np.ndarray) -> None:
        """Put an article in the origin group of its closest copy, or a group of its own
        (inside the caller's transaction, which also sees this batch's earlier articles)."""
        keys = self.signer.band_keys(signature)
        rows = db.execute("SELECT DISTINCT o.doc_id, o.origin_id, o.signature FROM origin_bands b JOIN origins o "
                          f"ON o.seq = b.seq WHERE b.key IN ({','.join('?' * len(keys))})", keys).fetchall()
        found = self.signer.closest(signature, [(r[0], r[1], self.signer.from_bytes(r[2])) for r in rows])
        group = found[1] if found else doc_id
        seq = db.execute("INSERT INTO origins (doc_id, origin_id, signature) VALUES (?,?,?)",
                         (doc_id, group, self.signer.to_bytes(signature))).lastrowid
        db.executemany("INSERT OR IGNORE INTO origin_bands VALUES (?,?)", [(k, seq) for k in keys])
        if found:
            self._reorigin(db, group)

    def _reorigin(self, db: sqlite3.Connection, group: str) -> None:
        """Make the group's earliest member its origin."""
        row = db.execute(f"SELECT o.doc_id FROM origins o JOIN articles a USING (doc_id) WHERE o.origin_id=? "
                         f"ORDER BY {self._ORIGIN_ORDER} LIMIT 1", (group,)).fetchone()
        if row and row[0] != group:
            db.execute("UPDATE origins SET origin_id=? WHERE origin_id=?", (row[0], group))

    def _ungroup(self, db: sqlite3.Connection, doc_id: str) -> None:
        """Take an article out of its group; the rest stay grouped, under the next earliest."""
        row = db.execute("SELECT seq, origin_id, signature FROM origins WHERE doc_id=?", (doc_id,)).fetchone()
        if not row:
            return
        db.executemany("DELETE FROM origin_bands WHERE key=? AND seq=?",
                       [(k, row[0]) for k in self.signer.band_keys(self.signer.from_bytes(row[2]))])
        db.execute("DELETE FROM origins WHERE doc_id=?", (doc_id,))
        if row[1] == doc_id:
            self._reorigin(db, doc_id)

    def _group_ungrouped(self, batch: int = 500) -> int:
        """Group the complete articles that have no group yet (a store from before origins, or
        one whose grouping settings changed: then every article is grouped again), in the order
        they were ingested, from their text in the catalog. Under the write lock; each batch is
        committed, so an interrupted run goes on from there at the next open."""
        fingerprint = self.signer.params.fingerprint()
        if self.db.execute("SELECT value FROM meta WHERE key='origins'").fetchone()[0] != fingerprint:
            with self._tx() as db:
                db.execute("DELETE FROM origin_bands")
                db.execute("DELETE FROM origins")
                db.execute("UPDATE meta SET value=? WHERE key='origins'", (fingerprint,))
        # Repair has just removed every article that is not complete: equal counts (two index
        # scans, cheap on every open) mean all are grouped; `factcheck audit` checks the rest.
        if self.db.execute("SELECT COUNT(*) FROM origins").fetchone()[0] == \
                self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]:
            return 0
        todo = [r[0] for r in self.db.execute(
            "SELECT doc_id FROM articles a WHERE status='complete' AND NOT EXISTS "
            "(SELECT 1 FROM origins o WHERE o.doc_id = a.doc_id) ORDER BY added_at, rowid")]
        for b in range(0, len(todo), batch):
            ids = todo[b : b + batch]
            texts = dict(self.db.execute(f"SELECT doc_id, text FROM articles WHERE doc_id IN ({','.join('?' * len(ids))})", ids))
            signed = [(d, self.signer.sign(texts[d])) for d in ids]
            with self._tx() as db:
                for d, signature in signed:
                    self._group(db, d, signature)
        return len(todo)

    def origin_problems(self) -> int:
        """Group rows out of step with the catalog: complete articles without a group, group rows
        of no complete article, members whose origin is not a member heading its own group, or
        not the group's earliest, and band keys of no group row. A few queries over the catalog."""
        q = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return (q("SELECT COUNT(*) FROM articles a WHERE status='complete' AND NOT EXISTS "
                  "(SELECT 1 FROM origins o WHERE o.doc_id = a.doc_id)")
                + q("SELECT COUNT(*) FROM origins o LEFT JOIN articles a USING (doc_id) "
                    "WHERE a.status IS NOT 'complete'")
                + q("SELECT COUNT(*) FROM origins o WHERE NOT EXISTS "
                    "(SELECT 1 FROM origins g WHERE g.doc_id = o.origin_id AND g.origin_id = o.origin_id)")
                + q(f"SELECT COUNT(*) FROM origins o JOIN articles a USING (doc_id) JOIN origins g ON g.doc_id = o.origin_id "
                    f"JOIN articles ga ON ga.doc_id = g.doc_id WHERE (a.date_ord = {UNDATED}, a.date_ord, o.seq) "
                    f"< (ga.date_ord = {UNDATED}, ga.date_ord, g.seq)")
                + q("SELECT COUNT(*) FROM origin_bands b WHERE NOT EXISTS (SELECT 1 FROM origins o WHERE o.seq = b.seq)"))

    def _audit_origins(self, fix: bool) -> tuple[int, bool]:
        """Origin groups against the catalog; with `fix`, every article is grouped again from its
        text when something is off. What is found is checked again under the write lock."""
        if not self.origin_problems():
            return 0, False
        with self._writing():
            found = self.origin_problems()
            if fix and found:
                with self._tx() as db:
                    db.execute("UPDATE meta SET value=0 WHERE key='origins'")  # regroup all
                self._group_ungrouped()
                return found, True
        return found, False

    def group(self, doc_id: str) -> tuple[str, list[str]]:
        """The origin of the article's group and every member's doc id, origin first, then by
        the grouping order (earliest-dated, then first ingested)."""
        doc_id = self.get(doc_id).doc_id
        row = self.db.execute("SELECT origin_id FROM origins WHERE doc_id=?", (doc_id,)).fetchone()
        if not row:  # being written or deleted by another process this moment
            return doc_id, [doc_id]
        members = [r[0] for r in self.db.execute(
            f"SELECT o.doc_id FROM origins o JOIN articles a USING (doc_id) WHERE o.origin_id=? AND a.status='complete' "
            f"ORDER BY {self._ORIGIN_ORDER}", (row[0],))]
        return row[0], members

    # ---- writing ------------------------------------------------------------------------
    def add(self, article: Article) -> IngestOutcome:
        return self.ingest([(article.filename or article.external_id or "article", article)]).outcomes[0]

    def ingest(self, items: Iterable[tuple[str, Article | FactcheckError]], *,
               progress: Callable[[IngestOutcome], None] | None = None,
               batch_chunks: int = 256) -> IngestReport:
        """Add articles; `items` pairs a name a person recognises with an article or the error
        that stopped it from loading. Chunks of many articles are embedded together so that
        length-sorted batches stay full."""
        t0 = time.perf_counter()
        slots: list[IngestOutcome | None] = []  # outcomes in input order, filled as they happen
        pending: list[tuple[int, str, Article, list[Chunk]]] = []
        seen: set[str] = set()
        rewritten = 0

        def record(slot: int, outcome: IngestOutcome) -> None:
            slots[slot] = outcome
            if progress:
                progress(outcome)

        def flush() -> None:
            nonlocal rewritten
            outcomes, n = self._write([(name, a, cs) for _, name, a, cs in pending])
            rewritten += n
            for (slot, *_), outcome in zip(pending, outcomes):
                record(slot, outcome)
            pending.clear()

        for name, item in items:
            slot = len(slots)
            slots.append(None)
            name = shown(str(name))
            if isinstance(item, Exception):
                record(slot, IngestOutcome(name=name, status="failed", reason=shown(str(item), 1000)))
                continue
            problem = _unstorable(item)
            if problem:
                record(slot, IngestOutcome(name=name, status="failed", reason=problem))
                continue
            article = item.model_copy(update={"doc_id": article_id(item.text)})
            # Only a shortcut past embedding: `_write` checks again under the write lock.
            if self._status(article.doc_id) == "complete" or article.doc_id in seen:
                record(slot, IngestOutcome(name=name, status="duplicate", doc_id=article.doc_id,
                                           title=article.label(), reason="already in the corpus"))
                continue
            seen.add(article.doc_id)
            pending.append((slot, name, article, chunk_article(article, self.chunk_size, self.chunk_overlap)))
            if sum(len(p[3]) for p in pending) >= batch_chunks:
                flush()
        flush()
        return IngestReport(outcomes=slots, seconds=time.perf_counter() - t0, vectors_rewritten=rewritten)

    def _write(self, batch: list[tuple[str, Article, list[Chunk]]]) -> tuple[list[IngestOutcome], int]:
        """The outcomes, and how many vectors had to be written again."""
        if not batch:
            return [], 0
        texts = [index_text(a, c) for _, a, cs in batch for c in cs]
        vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)  # the slow part: outside the lock
        signatures = [self.signer.sign(a.text) for _, a, _ in batch]  # also outside it
        offsets = np.cumsum([0] + [len(cs) for _, _, cs in batch])
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        outcomes: list[IngestOutcome | None] = [None] * len(batch)
        with self._writing():
            # Another thread or process may have added the same article since `ingest` looked.
            fresh = []
            for i, (name, a, cs) in enumerate(batch):
                status = self._status(a.doc_id)
                if status == "complete":
                    outcomes[i] = IngestOutcome(name=name, status="duplicate", doc_id=a.doc_id, title=a.label(),
                                                reason="already in the corpus")
                    continue
                if status:  # a crash's leftover (we hold the lock, so no live writer owns it): start over
                    self._remove(a.doc_id)
                fresh.append(i)
            if not fresh:
                return outcomes, 0
            with self._tx() as db:
                for i in fresh:
                    _, a, cs = batch[i]
                    db.execute(
                        "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?, 'pending')",
                        (a.doc_id, a.external_id, a.title, a.source, a.author,
                         a.date.isoformat() if a.date else None, date_ordinal(a.date), a.url,
                         a.filename, a.text, now.isoformat(), len(cs)))
                    db.executemany('INSERT INTO chunks (chunk_id, doc_id, ordinal, start, "end", text) VALUES (?,?,?,?,?,?)',
                                   [(c.chunk_id, c.doc_id, c.ordinal, c.start, c.end, c.text) for c in cs])
            ids = [c.chunk_id for i in fresh for c in batch[i][2]]
            metas = [_meta(a.doc_id, date_ordinal(a.date), a.source) for i in fresh for _, a, cs in [batch[i]] for _ in cs]
            vecs = np.concatenate([vectors[offsets[i]:offsets[i + 1]] for i in fresh])
            try:
                self._upsert(ids, vecs, metas)
                rewritten, still = self._make_reachable(ids, vecs, metas)
                if still:
                    raise StoreError(f"Chroma's vector index did not take {len(still)} of {len(ids)} passages even "
                                     f"after {REWRITES} rewrites")
            except Exception as e:
                try:
                    for i in fresh:
                        self._remove(batch[i][1].doc_id)
                except Exception:  # noqa: S110 - Chroma is down: the rows stay pending, and the next open or write repairs them
                    raise StoreError(f"Writing to Chroma failed: {e}. The unfinished articles will be removed "
                                     "the next time the corpus is opened.") from e
                raise StoreError(f"Writing to Chroma failed; the batch was rolled back: {e}") from e
            try:
                writer = self._writer()
                writer.add(lexical.document(c.chunk_id, a.doc_id, index_text(a, c), date_ordinal(a.date), a.source)
                           for i in fresh for _, a, cs in [batch[i]] for c in cs)
                generation = self._lexical_commit(writer)
            except Exception as e:
                try:
                    self._lexical_writer.rollback()  # nothing of this batch may ride on the next commit
                    for i in fresh:
                        self._remove(batch[i][1].doc_id)
                except Exception:  # noqa: S110 - the rows stay pending, and the next open or write repairs them
                    raise StoreError(f"Writing the lexical index failed: {e}. The unfinished articles will be removed "
                                     "the next time the corpus is opened.") from e
                raise StoreError(f"Writing the lexical index failed; the batch was rolled back: {e}") from e
            with self._tx() as db:
                db.executemany("UPDATE articles SET status='complete' WHERE doc_id=?", [(batch[i][1].doc_id,) for i in fresh])
                for i in fresh:  # in input order: within a batch, the first ingested of two copies comes first
                    self._group(db, batch[i][1].doc_id, signatures[i])
                db.execute("UPDATE meta SET value=? WHERE key='lexical'", (generation,))
                self._bump(db)
        for i in fresh:
            name, a, cs = batch[i]
            outcomes[i] = IngestOutcome(name=name, status="added", doc_id=a.doc_id, title=a.label(), n_chunks=len(cs))
        return outcomes, rewritten

    def _upsert(self, ids: list[str], vecs: np.ndarray, metas: list[dict]) -> None:
        for b in range(0, len(ids), self.chroma_batch):
            s = slice(b, b + self.chroma_batch)
            self._collection.upsert(ids=ids[s], embeddings=vecs[s], metadatas=metas[s])

    def unreachable(self, ids: list[str], vecs: np.ndarray, k: int = 10) -> list[int]:
        """Positions of the ids that a query with their own vector does not return. Chroma 1.5.9
        can lose live vectors from its HNSW graph while get() still returns them (seen under
        concurrent writes on a Chroma server; upstream chroma-core/chroma#7758, #7765)."""
        lost = []
        for b in range(0, len(ids), self.chroma_batch):
            res = self._collection.query(query_embeddings=vecs[b : b + self.chroma_batch], n_results=k,
                                         include=["distances"])
            for j, (got, dist) in enumerate(zip(res["ids"], res["distances"])):
                # k identical vectors (a passage repeated word for word) may all tie ahead of it.
                if ids[b + j] not in got and not (len(dist) == k and dist[-1] < 1e-5):
                    lost.append(b + j)
        return lost

    def _make_reachable(self, ids: list[str], vecs: np.ndarray, metas: list[dict], lost: list[int] | None = None,
                        attempts: int = REWRITES) -> tuple[int, list[int]]:
        """Check that the vector index returns these vectors (or start from `lost`, the positions a
        sweep already found lost) and write the lost ones again. Returns how many were lost at
        first and the positions still lost after `attempts` rewrites."""
        lost = self.unreachable(ids, vecs) if lost is None else lost
        found = len(lost)
        for attempt in range(attempts):
            if not lost:
                break
            again, args = [ids[i] for i in lost], dict(embeddings=vecs[lost], metadatas=[metas[i] for i in lost])
            if attempt == 0:
                # An update in place: hnswlib re-links an existing vector with its neighbours,
                # without taking a freed slot (where #7758's lost vectors end up).
                self._collection.upsert(ids=again, **args)
            else:
                self._collection.delete(ids=again)
                self._collection.add(ids=again, **args)
            lost = self.unreachable(ids, vecs)
        return found, lost

    def audit(self, fix: bool = True, progress: Callable[[int, int], None] | None = None) -> IndexAudit:
        """Check every live passage against the vector index: it has a vector, and a query with
        that vector returns it. With `fix`, a passage without a vector is embedded again from its
        text, and a lost vector is written again (as after an ingest). Why: Chroma 1.5.9 can make
        live vectors unreachable after later deletes and writes (chroma-core/chroma#7758), which
        the check after each write cannot see; a search would then silently miss the article.
        The sweep runs without the write lock (514 s on a 1M-passage store: ingests go on
        meanwhile); what it finds is checked again under the lock, so a passage written or deleted
        during the sweep is not reported, and only then mended. A sound corpus never takes the lock.
        `progress(passages_swept, total)` is called after each batch of the sweep."""
        t0 = time.perf_counter()
        self._sync()  # this process's embedded Chroma as other processes left it, or all they wrote looks missing
        meta = self._live_meta()
        total = len(meta)
        missing, lost, _ = self._sweep(list(meta), progress)
        orphans = max(0, self._collection.count() - (total - len(missing)))
        # Lost vectors by the thousand are not #7758's handful but the index's own reach (many
        # near-copies of one text, measured on the 1M bench store): rewriting cannot help them,
        # and checking them all again under the lock would stop every ingest for minutes.
        too_many = len(lost) > max(100, total // 100)
        rewritten = still = 0
        if missing or orphans or (lost and not too_many):
            with self._writing():  # also reloads what other processes wrote since the sweep began
                meta = self._live_meta()
                total = len(meta)
                again = [i for i in missing + ([] if too_many else lost) if i in meta]
                missing, relost, relost_vecs = self._sweep(again)
                if not too_many:
                    lost, lost_vecs = relost, relost_vecs
                orphans = max(0, self._collection.count() - (total - len(missing)))
                if fix and missing:
                    # Embedded again from the catalog, exactly as the ingest embedded them.
                    docs = {d: (self.get(d), {c.chunk_id: c for c in self.chunks(d)}) for d in {meta[i]["doc_id"] for i in missing}}
                    texts = [index_text(docs[meta[i]["doc_id"]][0], docs[meta[i]["doc_id"]][1][i]) for i in missing]
                    vecs, metas = np.asarray(self.embedder.embed(texts), dtype=np.float32), [meta[i] for i in missing]
                    self._upsert(missing, vecs, metas)
                    still += len(self._make_reachable(missing, vecs, metas)[1])
                    rewritten += len(missing)
                if fix and lost and not too_many:
                    # Written again as after an ingest: in place first, then deleted and added.
                    vecs, metas = np.asarray(lost_vecs, dtype=np.float32), [meta[i] for i in lost]
                    still += len(self._make_reachable(lost, vecs, metas, lost=list(range(len(lost))))[1])
                    rewritten += len(lost)
                if rewritten:
                    with self._tx() as db:
                        self._bump(db)  # other processes reopen their embedded Chroma and see the repair
        if fix and too_many:
            still += len(lost)
        lex_missing, lex_orphans, rebuilt = self._audit_lexical(fix)
        origins_off, regrouped = self._audit_origins(fix)
        return IndexAudit(passages=total, missing=len(missing), unreachable=len(lost), rewritten=rewritten,
                          still_unreachable=still if fix else len(missing) + len(lost), orphans=orphans,
                          too_many_to_rewrite=too_many, lexical_missing=lex_missing, lexical_orphans=lex_orphans,
                          lexical_rebuilt=rebuilt, lexical_still_wrong=0 if rebuilt else lex_missing + lex_orphans,
                          origins_wrong=origins_off, origins_regrouped=regrouped,
                          origins_still_wrong=0 if regrouped else origins_off, seconds=round(time.perf_counter() - t0, 3))

    def _audit_lexical(self, fix: bool) -> tuple[int, int, bool]:
        """Passages of complete articles missing from the lexical index, and entries of no such
        passage; with `fix`, the index is rebuilt from the catalog when either is found. As with
        the vectors, what the sweep finds is checked again under the write lock (an article being
        written meanwhile is in the index before it is complete)."""
        def diff() -> tuple[int, int]:
            self._sync()
            live = {r[0] for r in self.db.execute("SELECT c.chunk_id FROM chunks c JOIN articles a USING (doc_id) "
                                                   "WHERE a.status='complete'")}
            indexed = lexical.chunk_ids(self._lexical)
            return len(live - indexed), len(indexed - live)

        found = diff()
        if not any(found):
            return 0, 0, False
        with self._writing():
            found = diff()
            if fix and any(found):
                self.reindex()
                return *found, True
        return *found, False

    def _live_meta(self) -> dict[str, dict]:
        """Chunk id -> the metadata its vector carries, for every passage of a complete article."""
        rows = self.db.execute("SELECT c.chunk_id, c.doc_id, a.date_ord, a.source FROM chunks c "
                               "JOIN articles a USING (doc_id) WHERE a.status='complete' ORDER BY c.rid").fetchall()
        return {r[0]: _meta(r[1], r[2], r[3]) for r in rows}

    def _sweep(self, ids: list[str], progress: Callable[[int, int], None] | None = None
               ) -> tuple[list[str], list[str], list[np.ndarray]]:
        """(ids without a vector, ids whose own vector does not find them, those vectors)."""
        missing, lost, lost_vecs = [], [], []
        for b in range(0, len(ids), self.chroma_batch):
            part = ids[b : b + self.chroma_batch]
            got = self._collection.get(ids=part, include=["embeddings"])
            stored = dict(zip(got["ids"], got["embeddings"]))
            missing += [i for i in part if i not in stored]
            present = [i for i in part if i in stored]
            if progress:
                progress(len(part), len(ids))
            if not present:
                continue
            vecs = np.asarray([stored[i] for i in present], dtype=np.float32)
            for j in self.unreachable(present, vecs):
                lost.append(present[j])
                lost_vecs.append(vecs[j])
        return missing, lost, lost_vecs

    def delete(self, doc_id: str) -> Article:
        with self._writing():
            article = self.get(doc_id)
            self._remove(article.doc_id)
        return article

    # ---- reading ------------------------------------------------------------------------
    def _status(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT status FROM articles WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _article(row: sqlite3.Row, with_text: bool = True) -> Article:
        return Article(doc_id=row["doc_id"], external_id=row["external_id"], title=row["title"],
                       source=row["source"], author=row["author"], date=row["date"], url=row["url"],
                       filename=row["filename"], text=row["text"] if with_text else "",
                       added_at=row["added_at"], n_chunks=row["n_chunks"])

    def get(self, doc_id: str) -> Article:
        """By doc id, a unique prefix of one, or an external id."""
        rows = self.db.execute(
            "SELECT * FROM articles WHERE status='complete' AND (doc_id=? OR external_id=?)", (doc_id, doc_id)).fetchall()
        if not rows and len(doc_id) >= 4:
            rows = self.db.execute("SELECT * FROM articles WHERE status='complete' AND doc_id LIKE ? LIMIT 2",
                                   (doc_id.replace("%", "").replace("_", "") + "%",)).fetchall()
        if len(rows) != 1:
            raise NotFound(f"No article with id {doc_id!r} in the corpus." if not rows
                           else f"The id {doc_id!r} matches several articles; give more of it.")
        return self._article(rows[0])

    def list(self, *, source: str | None = None, limit: int | None = None) -> list[Article]:
        sql = "SELECT * FROM articles WHERE status='complete'"
        args: list = []
        if source:
            sql += " AND source=?"
            args.append(source)
        sql += " ORDER BY date_ord DESC, added_at DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [self._article(r, with_text=False) for r in self.db.execute(sql, args)]

    def chunks(self, doc_id: str) -> list[Chunk]:
        return [Chunk(chunk_id=r["chunk_id"], doc_id=r["doc_id"], ordinal=r["ordinal"], start=r["start"],
                      end=r["end"], text=r["text"])
                for r in self.db.execute("SELECT * FROM chunks WHERE doc_id=? ORDER BY ordinal", (doc_id,))]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles WHERE status='complete'").fetchone()[0]

    def stats(self) -> CorpusStats:
        db = self.db
        n_chunks = db.execute("SELECT COUNT(*) FROM chunks JOIN articles USING (doc_id) WHERE status='complete'").fetchone()[0]
        outlets = {r[0] or "(unknown)": r[1] for r in db.execute(
            "SELECT source, COUNT(*) FROM articles WHERE status='complete' GROUP BY source ORDER BY 2 DESC")}
        first, last = db.execute("SELECT MIN(date), MAX(date) FROM articles WHERE status='complete'").fetchone()
        return CorpusStats(articles=self.count(), chunks=n_chunks, dense_vectors=self.collection.count(),
                           outlets=outlets, first_date=first, last_date=last, store=self.store_label,
                           data_dir=str(self.data_dir.resolve()),
                           embedding_model=getattr(self.embedder, "name", type(self.embedder).__name__))

    def close(self) -> None:
        self._release_writer()
        self.db.close()
        self._lock_file.close()


def _busy_retry(write, attempts: int = 20, pause: float = 0.25):
    """A write to Chroma's SQLite, tried again while another connection in this process (a store
    opened earlier on the same folder, still flushing) holds its lock: SQLite says "database is
    locked" at once instead of waiting."""
    for attempt in range(attempts):
        try:
            return write()
        except Exception as e:  # chromadb wraps SQLite's busy error in its own InternalError
            if "database is locked" not in str(e) or attempt == attempts - 1:
                raise
            time.sleep(pause)
