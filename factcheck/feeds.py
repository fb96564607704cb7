"""Followed sources: RSS and Atom feeds and sitemaps whose new items are ingested on each refresh.

`follow(url)` reads the feed once and keeps it only if it is one (a malformed or foreign document
is refused with the reason); `refresh()` reads every followed feed again and ingests the items it
has not seen, each one fetched like any web address: `retrieval.loaders.load_url`, so the
address rules of `retrieval/netguard.py` apply to the feed, to every item and to every redirect.
What was seen is kept per feed in feeds.sqlite3 in the data directory; an item is marked seen
once the corpus has it (added, or already there), so it is fetched and ingested once: a refresh
killed half way ingests nothing twice (the corpus recognises what it has), it only fetches again.

Parsing: feedparser reads RSS 0.9x-2.0, RSS 1.0 and Atom with each entry's id, link, title and
date. trafilatura's feed helpers were not used: they download through their own client, which
would bypass the address checks, and return bare links without ids or dates. Sitemaps (urlset,
sitemapindex, Google News sitemaps) are read with lxml. Every document is parsed first by lxml
with entities and network access off, which refuses malformed XML with the line it breaks on.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from factcheck.local_db import connection
from retrieval import loaders
from retrieval.errors import FactcheckError, RefusedInput
from retrieval.models import IngestOutcome

FILE = "feeds.sqlite3"
MAX_TRIES = 3  # an item refused this many times (a dead link, a page with no text) is given up
MAX_SITEMAPS = 20  # child sitemaps read from one sitemap index
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT, source TEXT, added_at TEXT NOT NULL,
    refreshed_at TEXT, last_error TEXT
);
CREATE TABLE IF NOT EXISTS items (
    feed TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL, tries INTEGER NOT NULL,
    doc_id TEXT, reason TEXT, seen_at TEXT NOT NULL, PRIMARY KEY (feed, key)
);
"""
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


class FeedItem(BaseModel):
    key: str  # the entry's id (guid), else its link: what "seen" is remembered by
    url: str
    title: str | None = None
    date: dt.date | None = None
    author: str | None = None


class ParsedFeed(BaseModel):
    url: str
    kind: str  # "rss20", "atom10", ... (feedparser's names) or "sitemap"
    title: str | None = None
    items: list[FeedItem] = Field(default_factory=list)


class Followed(BaseModel):
    url: str
    kind: str
    title: str | None = None
    source: str | None = None  # the outlet every item is filed under, when the person gave one
    added_at: dt.datetime
    refreshed_at: dt.datetime | None = None
    last_error: str | None = None
    seen: int = 0  # items in the corpus (added or already there)


class FeedRefresh(BaseModel):
    url: str
    title: str | None = None
    items: int = 0  # in the feed now
    new: int = 0  # not seen before: fetched this time
    added: int = 0
    duplicates: int = 0
    failed: int = 0
    error: str | None = None  # the feed itself could not be read
    outcomes: list[IngestOutcome] = Field(default_factory=list)


class RefreshReport(BaseModel):
    feeds: list[FeedRefresh] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return sum(f.added for f in self.feeds)

    @property
    def failed(self) -> int:
        return sum(f.failed + bool(f.error) for f in self.feeds)


# ---- reading a feed -----------------------------------------------------------------------------
def _xml_root(data: bytes, url: str):
    """The document's root element, parsed with entities, DTDs and the network off; a malformed
    document or one that declares entities (XXE, billion laughs) is refused with the reason."""
    from lxml import etree

    if data[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as a file: inflate, within the same size limit
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            data = f.read(loaders.MAX_BYTES + 1)
        if len(data) > loaders.MAX_BYTES:
            raise RefusedInput(f"{url}: the compressed feed inflates past {loaders.MAX_BYTES // 2**20} MB")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data.lstrip(), parser)
    except etree.XMLSyntaxError as e:
        raise RefusedInput(f"{url} is not a well-formed feed or sitemap: {e}") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None and any(True for _ in tree.docinfo.internalDTD.iterentities()):
        raise RefusedInput(f"{url} declares XML entities: refused (a feed needs none)")
    return root, data


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _date(value) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, tuple) or hasattr(value, "tm_year"):
        return dt.date(value[0], value[1], value[2])
    return loaders.parse_date(str(value)[:10])


def parse(data: bytes, url: str) -> ParsedFeed:
    """The items of an RSS or Atom feed or a sitemap (a sitemap index: its child sitemaps' URLs
    come back as items of kind "sitemap-index", to be read in turn). Refused with the reason if it
    is none of these or is malformed."""
    if data.lstrip()[:1] in (b"{", b"["):
        raise RefusedInput(f"{url} is JSON, not an RSS or Atom feed or a sitemap (JSON Feed is not read)")
    root, data = _xml_root(data, url)
    name = _local(root.tag)
    if name == "urlset":
        items = []
        for node in root:
            if _local(node.tag) != "url":
                continue
            loc = node.findtext(f"{{{_SITEMAP_NS}}}loc") or node.findtext("loc")
            if not loc or not loc.strip():
                continue
            news = node.find(f"{{{_NEWS_NS}}}news")
            title = news.findtext(f"{{{_NEWS_NS}}}title") if news is not None else None
            day = (news.findtext(f"{{{_NEWS_NS}}}publication_date") if news is not None else None) \
                or node.findtext(f"{{{_SITEMAP_NS}}}lastmod") or node.findtext("lastmod")
            items.append(FeedItem(key=loc.strip(), url=loc.strip(), title=title, date=_date(day)))
        return ParsedFeed(url=url, kind="sitemap", items=items)
    if name == "sitemapindex":
        locs = [n.findtext(f"{{{_SITEMAP_NS}}}loc") or n.findtext("loc") for n in root if _local(n.tag) == "sitemap"]
        return ParsedFeed(url=url, kind="sitemap-index", items=[FeedItem(key=x.strip(), url=x.strip()) for x in locs if x and x.strip()])
    if name not in ("rss", "RDF", "feed"):
        raise RefusedInput(f"{url} is not an RSS or Atom feed or a sitemap (its document is <{name}>)")
    import feedparser

    # Bytes, never a string: given a string that looks like an address, feedparser fetches it itself.
    parsed = feedparser.parse(data, response_headers={"content-location": url, "content-type": "application/xml"})
    if not parsed.get("version"):
        raise RefusedInput(f"{url}: feedparser cannot read this {name} document as a feed")
    items = []
    for e in parsed.entries:
        link = (e.get("link") or "").strip()
        if not link:
            continue
        when = e.get("published_parsed") or e.get("updated_parsed") or e.get("created_parsed")
        items.append(FeedItem(key=(e.get("id") or link).strip(), url=link, title=(e.get("title") or None),
                              date=_date(when), author=e.get("author") or None))
    return ParsedFeed(url=url, kind=parsed.version, title=parsed.feed.get("title") or None, items=items)


def read(url: str, *, max_bytes: int = loaders.MAX_BYTES, timeout: float = 20.0, allow_private: bool = False) -> ParsedFeed:
    """Fetch and parse a feed or sitemap; a sitemap index's child sitemaps (up to MAX_SITEMAPS) are
    read too, each fetch through the address guard."""
    def fetch(u: str) -> ParsedFeed:
        # The loaders' guarded fetch: the same address checks, size and time limits as a web page.
        final, _type, _charset, data = loaders._fetch(u, max_bytes=max_bytes, timeout=timeout, allow_private=allow_private)
        if not data.strip():
            raise RefusedInput(f"{final} sent an empty document")
        return parse(data, final)
    feed = fetch(url.strip())
    if feed.kind != "sitemap-index":
        return feed
    items: dict[str, FeedItem] = {}
    for child in feed.items[:MAX_SITEMAPS]:
        sub = fetch(child.url)
        if sub.kind == "sitemap":  # an index of indexes goes no deeper
            for it in sub.items:
                items.setdefault(it.key, it)
    return ParsedFeed(url=feed.url, kind="sitemap", title=feed.title, items=list(items.values()))


# ---- following ------------------------------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class Feeds:
    """The followed feeds of one data directory."""

    def __init__(self, data_dir: Path, url_options: dict | None = None):
        self.path = Path(data_dir) / FILE
        self.url_options = url_options or {}  # Settings.url_options(): size, time and address limits
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self):
        return connection(self.path)

    def follow(self, url: str, source: str | None = None) -> tuple[Followed, int]:
        """Remember a feed after reading it once (refused, and nothing kept, if it is not one);
        returns it and how many items it has now, which the next refresh ingests."""
        url = url.strip()
        feed = read(url, **self.url_options)
        with self._db() as db:
            db.execute("INSERT INTO feeds (url, kind, title, source, added_at) VALUES (?,?,?,?,?) ON CONFLICT(url) "
                       "DO UPDATE SET kind=excluded.kind, title=excluded.title, source=coalesce(excluded.source, source)",
                       (url, feed.kind, feed.title, (source or "").strip() or None, _now()))
        return self.get(url), len(feed.items)

    def unfollow(self, url: str) -> bool:
        with self._db() as db:
            gone = db.execute("DELETE FROM feeds WHERE url=?", (url.strip(),)).rowcount
            db.execute("DELETE FROM items WHERE feed=?", (url.strip(),))
        return bool(gone)

    def get(self, url: str) -> Followed:
        found = [f for f in self.list() if f.url == url]
        if not found:
            from retrieval.errors import NotFound

            raise NotFound(f"not following {url}")
        return found[0]

    def list(self) -> list[Followed]:
        with self._db() as db:
            rows = db.execute("SELECT f.*, (SELECT COUNT(*) FROM items i WHERE i.feed=f.url AND i.status IN "
                              "('added','duplicate')) AS seen FROM feeds f ORDER BY added_at").fetchall()
        return [Followed(url=r["url"], kind=r["kind"], title=r["title"], source=r["source"], added_at=r["added_at"],
                         refreshed_at=r["refreshed_at"], last_error=r["last_error"], seen=r["seen"]) for r in rows]

    def _pending(self, feed: str, items: list[FeedItem]) -> list[FeedItem]:
        """The items not yet in the corpus and not given up, in the feed's order."""
        with self._db() as db:
            done = {r["key"] for r in db.execute("SELECT key FROM items WHERE feed=? AND (status IN ('added','duplicate') "
                                                 "OR tries>=?)", (feed, MAX_TRIES))}
        fresh, keys = [], set()
        for it in items:
            if it.key not in done and it.key not in keys:
                keys.add(it.key)
                fresh.append(it)
        return fresh

    def _mark(self, feed: str, item: FeedItem, outcome: IngestOutcome) -> None:
        with self._db() as db:
            db.execute("INSERT INTO items VALUES (?,?,?,?,1,?,?,?) ON CONFLICT(feed, key) DO UPDATE SET "
                       "status=excluded.status, tries=tries+1, doc_id=excluded.doc_id, reason=excluded.reason, "
                       "seen_at=excluded.seen_at",
                       (feed, item.key, item.url, outcome.status, outcome.doc_id, outcome.reason, _now()))

    def refresh(self, corpus, *, urls: list[str] | None = None, limit: int = 200,
                progress: Callable[[str, int, int], None] | None = None) -> RefreshReport:
        """Ingest what is new in every followed feed (or those in `urls`), at most `limit` items a
        feed per refresh (the rest wait for the next). `progress(note, done, total)` after each item."""
        import time

        t0 = time.perf_counter()
        report = RefreshReport()
        for f in self.list():
            if urls is not None and f.url not in urls:
                continue
            report.feeds.append(self._refresh_one(corpus, f, limit, progress))
        report.seconds = round(time.perf_counter() - t0, 3)
        return report

    def _refresh_one(self, corpus, f: Followed, limit: int, progress) -> FeedRefresh:
        result = FeedRefresh(url=f.url, title=f.title)
        try:
            feed = read(f.url, **self.url_options)
        except FactcheckError as e:
            result.error = str(e)
            with self._db() as db:
                db.execute("UPDATE feeds SET refreshed_at=?, last_error=? WHERE url=?", (_now(), result.error, f.url))
            return result
        result.items = len(feed.items)
        todo = self._pending(f.url, feed.items)[:limit]
        result.new = len(todo)
        done = {"n": 0}

        def articles():
            for it in todo:
                meta = {"source": f.source} if f.source else None
                try:
                    article = loaders.load_url(it.url, meta=meta, **self.url_options)
                    if not f.source and article.source == urlsplit(article.url or it.url).netloc:
                        # The page named no outlet (its host name stood in): the feed's title is a better one.
                        article = article.model_copy(update={"source": None})
                    # What the page does not say, the feed may: its date, headline, author, id.
                    fill = {k: v for k, v in (("title", it.title), ("date", it.date), ("author", it.author),
                                             ("source", feed.title), ("external_id", it.key if it.key != it.url else None))
                            if v and getattr(article, k) is None}
                    yield it.url, article.model_copy(update=fill)
                except FactcheckError as e:
                    yield it.url, e
                except Exception as e:  # a parser bug on one page must not stop the others
                    yield it.url, RefusedInput(f"could not be read ({type(e).__name__})")

        def tick(outcome: IngestOutcome) -> None:
            done["n"] += 1
            if progress:
                progress(f"{outcome.status}: {outcome.name[-50:]}", done["n"], len(todo))

        if todo:
            ingested = corpus.ingest(articles(), progress=tick)
            for it, outcome in zip(todo, ingested.outcomes):
                self._mark(f.url, it, outcome)
            result.outcomes = ingested.outcomes
            result.added, result.duplicates, result.failed = ingested.added, ingested.duplicates, ingested.failed
        with self._db() as db:
            db.execute("UPDATE feeds SET refreshed_at=?, last_error=NULL, title=coalesce(?, title) WHERE url=?",
                       (_now(), feed.title, f.url))
        return result
