"""Hybrid, date-aware search: dense (Chroma) and lexical (tantivy, BM25) candidates, fused.

Why fusion by scores rather than ranks alone: reciprocal-rank fusion throws away how far apart
candidates are, so a near-exact keyword match and a vague one count the same. We add the cosine
similarity and a squashed BM25 score (BM25 / (BM25 + half)), which keeps a weak keyword match
weak even in a tiny corpus, where min-max normalisation would stretch it to 1.

Time: a search has an as-of date. Articles published after it are filtered out in both indexes,
never merely ranked down. A question asked as of a date prefers articles published shortly
before it, unless it names an earlier year.
"""
from __future__ import annotations

import datetime as dt
import math
import re

from pydantic import BaseModel

from retrieval.lexical import LexicalFilter, query_terms
from retrieval.models import Copy, Hit
from retrieval.store import Corpus

_STOP = set("""a an and are as at be been but by can could did do does for from had has have he her his how
i if in into is it its just me my no not of on or our she so than that the their them then there these they
this those to was we were what when where which who whom why will with would you your about after again all
also any because before being between both during each few further here more most much must once only other
over own same should some such too under until up very while whose yet s t""".split())
# Words that place a question in time. The recency signal handles them; as keywords they would
# match "last week" in any article and drown the words that matter.
_TIME_WORDS = set("last latest recent recently newest currently today yesterday tonight week weekend".split())

# A question that names an earlier year is about that time, not about the latest news.
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


class SearchParams(BaseModel):
    """How hybrid search weighs its signals. Defaults were chosen on the dev/train splits."""

    candidates: int = 100  # per index, before fusion
    fusion: str = "absolute"  # "absolute", "minmax" or "rrf"
    dense_weight: float = 0.45  # share of the dense score in the fused score
    lexical_half: float = 30.0  # BM25 score that counts as half-way to a perfect keyword match
    rank_weight: float = 0.0  # reciprocal-rank agreement term added to score fusion
    rrf_k: int = 60
    recency_weight: float = 0.4  # lift of an article published on the as-of date
    recency_days: float = 21.0  # the lift decays by e every this many days before as-of
    article_weight: float = 0.05  # share of an article's next-best two passages added to its score
    article_gap: int = 500  # ... counting only passages at least this many characters from the best


def recency_applies(query: str, as_of: dt.date) -> bool:
    """News questions asked as of a date are about what was reported shortly before it (measured
    on news_dev: the gold article is 0-6 days old for 62 of 66 questions, and cue words such as
    "this week" did not separate them from the rest). A question that names an earlier year is
    about that year instead."""
    return not any(y < as_of.year for y in named_years(query))


def named_years(text: str) -> list[int]:
    """The years a text names (1950 to 2099)."""
    return [int(y) for y in _YEAR.findall(text)]


def query_words(text: str) -> list[str]:
    """The words of a query the lexical index is asked for: no stop words, no time words."""
    terms = []
    for t in re.findall(r"\w+", text.lower()):
        if len(t) > 1 and t not in _STOP and t not in _TIME_WORDS and t not in terms:
            terms.append(t)
    return terms[:40]


def fts_query(text: str) -> str | None:
    """The query the lexical index parses: each word quoted, so that operators or field names
    in user text are searched as words, never obeyed."""
    return query_terms(query_words(text)) or None


class Searcher:
    def __init__(self, corpus: Corpus, params: SearchParams | None = None):
        self.corpus = corpus
        self.params = params or SearchParams()

    # ---- candidate generation -----------------------------------------------------------
    def _where(self, as_of, sources, date_from, date_to, doc_ids) -> tuple[dict | None, str, list]:
        chroma: list[dict] = []
        sql, args = "", []
        if as_of:
            chroma.append({"date_ord": {"$lte": as_of.toordinal()}})
            sql += " AND a.date_ord <= ?"
            args.append(as_of.toordinal())
        if date_from:
            chroma.append({"date_ord": {"$gte": date_from.toordinal()}})
            sql += " AND a.date_ord >= ?"
            args.append(date_from.toordinal())
        if date_to:
            chroma.append({"date_ord": {"$lte": date_to.toordinal()}})
            sql += " AND a.date_ord <= ?"
            args.append(date_to.toordinal())
        if sources:
            chroma.append({"source": {"$in": list(sources)}})
            sql += f" AND a.source IN ({','.join('?' * len(sources))})"
            args += list(sources)
        if doc_ids:
            chroma.append({"doc_id": {"$in": list(doc_ids)}})
            sql += f" AND a.doc_id IN ({','.join('?' * len(doc_ids))})"
            args += list(doc_ids)
        where = None if not chroma else chroma[0] if len(chroma) == 1 else {"$and": chroma}
        return where, sql, args

    def dense(self, query_vec, n: int, where: dict | None, sql: str = "", args: list | None = None) -> dict[str, float]:
        """Top-n chunks by cosine similarity among those that pass the filters.

        Why not simply Chroma's `where`: its metadata filter costs time in proportion to the
        vectors that pass it, and the as-of date the app sends by default (today) passes them all
        (measured at 100k chunks: 3.3 s filtered against 4 ms unfiltered). So ask for a deeper
        unfiltered list and keep what passes the same filter in the catalog, as the lexical side
        does; go deeper once, and leave the filtering to Chroma only when the filter is so narrow
        that even the deeper list holds too few (then few vectors pass it, and that is cheap).
        Exact whenever it returns: the top n of a deep list that pass the filter are the top n of
        the filtered set."""
        # No count() first: at 1M chunks it costs 100-150 ms, 30 times the query itself, and Chroma
        # returns what it has when asked for more (a shorter list means it held no more).
        col = self.corpus.collection
        if where is None:
            res = col.query(query_embeddings=[query_vec], n_results=n, include=["distances"])
            return {cid: 1.0 - d for cid, d in zip(res["ids"][0], res["distances"][0])}
        for deep in (4 * n, 40 * n):
            res = col.query(query_embeddings=[query_vec], n_results=deep, include=["distances"])
            ids = res["ids"][0]
            if not ids:
                return {}
            ok = {r[0] for r in self.corpus.db.execute(
                "SELECT c.chunk_id FROM chunks c JOIN articles a ON a.doc_id = c.doc_id "
                f"WHERE c.chunk_id IN ({','.join('?' * len(ids))}) AND a.status='complete'{sql}", [*ids, *(args or [])])}
            kept = [(cid, 1.0 - d) for cid, d in zip(ids, res["distances"][0]) if cid in ok]
            if len(kept) >= n or len(ids) < deep:
                return dict(kept[:n])
        res = col.query(query_embeddings=[query_vec], n_results=n, where=where, include=["distances"])
        return {cid: 1.0 - d for cid, d in zip(res["ids"][0], res["distances"][0])}

    def lexical_filter(self, as_of, sources, date_from, date_to, doc_ids) -> LexicalFilter:
        """The filters as fields of the lexical query. A date bound that every article meets (an
        as-of date of today, the app's default) is left out: a query with no filter is a plain
        union of its words, which the index ranks without scoring every match (block-max WAND);
        with a filter it must visit each passage that passes."""
        upper = [d.toordinal() for d in (as_of, date_to) if d]
        date_max = min(upper) if upper else None
        date_min = date_from.toordinal() if date_from else None
        if date_max is not None or date_min is not None:
            # Two subqueries, not MIN and MAX in one: SQLite answers each alone from the date index,
            # but scans the whole index for the pair (56 ms at 1M passages against 0.04 ms).
            lo, hi = self.corpus.db.execute("SELECT (SELECT MIN(date_ord) FROM articles), "
                                            "(SELECT MAX(date_ord) FROM articles)").fetchone()
            if date_max is not None and hi is not None and hi <= date_max:
                date_max = None
            if date_min is not None and lo is not None and lo >= date_min:
                date_min = None
        return LexicalFilter(date_min=date_min, date_max=date_max, sources=tuple(sources) if sources else None,
                             doc_ids=tuple(doc_ids) if doc_ids else None)

    def lexical(self, query: str, n: int, flt: LexicalFilter | None = None) -> dict[str, float]:
        """Top-n chunks by BM25 among those that pass the filter (in the query itself)."""
        return self.corpus.lexical_search(query_words(query), n, flt or LexicalFilter())

    # ---- fusion -------------------------------------------------------------------------
    def _normalise(self, name: str, scores: dict[str, float]) -> dict[str, float]:
        """Map a list's scores to [0, 1]. "absolute" keeps the evidence's strength: cosine is
        already bounded, and BM25 is squashed by a fixed half-point, so a weak keyword match in a
        tiny corpus stays weak instead of being stretched to 1 as min-max would do."""
        p = self.params
        if p.fusion == "absolute":
            if name == "dense":
                return {c: max(s, 0.0) for c, s in scores.items()}
            return {c: max(s, 0.0) / (max(s, 0.0) + p.lexical_half) for c, s in scores.items()}
        if p.fusion == "minmax":
            hi, lo = max(scores.values()), min(scores.values())
            return {c: (s - lo) / (hi - lo) if hi > lo else 1.0 for c, s in scores.items()}
        return {c: 0.0 for c in scores}  # rrf: ranks only

    def _fuse(self, dense: dict[str, float], lexical: dict[str, float]) -> dict[str, dict[str, float]]:
        p = self.params
        rank_weight = 1.0 if p.fusion == "rrf" else p.rank_weight
        out: dict[str, dict[str, float]] = {}
        for name, scores, weight in (("dense", dense, p.dense_weight), ("lexical", lexical, 1 - p.dense_weight)):
            if not scores:
                continue
            norm = self._normalise(name, scores)
            for rank, cid in enumerate(sorted(scores, key=scores.get, reverse=True)):
                s = out.setdefault(cid, {"fused": 0.0})
                s[name] = scores[cid]
                s["fused"] += weight * norm[cid] + rank_weight * (p.rrf_k + 1) / (p.rrf_k + rank + 1) / 2
        return out

    # ---- public -------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, *, mode: str = "hybrid", as_of: dt.date | None = None,
               time_aware: bool = True, sources: list[str] | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, doc_ids: list[str] | None = None,
               per_article: int | None = None, query_vec=None, all_copies: bool = False) -> list[Hit]:
        """Top-k chunks. `per_article` caps how many chunks one article may hold in the results,
        so that one long article does not crowd out other sources. Copies of one story (an origin
        group, retrieval/origins.py) show as one: only the best-ranked copy's passages are kept,
        each listing the other copies found; `all_copies` keeps them all."""
        p = self.params
        where, sql, args = self._where(as_of, sources, date_from, date_to, doc_ids)
        n = max(p.candidates, k * 3)
        dense = lexical = {}
        if mode in ("hybrid", "dense"):
            if query_vec is None:
                query_vec = self.corpus.embedder.embed([query])[0]
            dense = self.dense(query_vec, n, where, sql, args)
        if mode in ("hybrid", "lexical"):
            lexical = self.lexical(query, n, self.lexical_filter(as_of, sources, date_from, date_to, doc_ids))
        if mode == "dense":
            fused = {c: {"fused": s, "dense": s} for c, s in dense.items()}
        elif mode == "lexical":
            fused = {c: {"fused": s, "lexical": s} for c, s in lexical.items()}
        else:
            fused = self._fuse(dense, lexical)
        if not fused:
            return []
        hits = self._hydrate(fused)
        if time_aware and as_of and recency_applies(query, as_of):
            for h in hits:
                if h.date:
                    h.scores["recency"] = round(p.recency_weight * math.exp(-max((as_of - h.date).days, 0) / p.recency_days), 4)
                    h.score += h.scores["recency"]
        if p.article_weight:
            # An article with several matching passages is more likely to be about the question.
            # Only passages from another part of the article count: neighbouring chunks share
            # text, and in a short abstract every chunk is "about" its title.
            by_doc: dict[str, list[Hit]] = {}
            for h in sorted(hits, key=lambda h: h.score, reverse=True):
                by_doc.setdefault(h.doc_id, []).append(h)
            for doc_hits in by_doc.values():
                best = doc_hits[0]
                gap = p.article_gap
                apart = [h.score for h in doc_hits[1:] if h.start >= best.end + gap or h.end <= best.start - gap][:2]
                for h in doc_hits:
                    h.score += p.article_weight * sum(apart)
        hits.sort(key=lambda h: h.score, reverse=True)
        if not all_copies:
            hits = collapse_copies(hits)
        if per_article:
            counts: dict[str, int] = {}
            kept = []
            for h in hits:
                counts[h.doc_id] = counts.get(h.doc_id, 0) + 1
                if counts[h.doc_id] <= per_article:
                    kept.append(h)
            hits = kept
        return hits[:k]

    def _hydrate(self, fused: dict[str, dict[str, float]]) -> list[Hit]:
        ids = list(fused)
        rows = self.corpus.db.execute(
            "SELECT c.chunk_id, c.doc_id, c.start, c.\"end\", c.text, a.external_id, a.title, a.source, a.date, a.url, "
            "o.origin_id, COALESCE(oa.source, oa.title) AS origin_name "
            "FROM chunks c JOIN articles a ON a.doc_id = c.doc_id "
            # The origin group in the same query: the collapse costs no lookup per hit.
            "LEFT JOIN origins o ON o.doc_id = a.doc_id LEFT JOIN articles oa ON oa.doc_id = o.origin_id "
            f"WHERE a.status='complete' AND c.chunk_id IN ({','.join('?' * len(ids))})", ids).fetchall()
        # Chroma may still hold vectors of an article being deleted by another process: the
        # join above drops them, so a hit always points at an existing, complete article.
        return [Hit(chunk_id=r["chunk_id"], doc_id=r["doc_id"], external_id=r["external_id"], title=r["title"],
                    source=r["source"], date=r["date"], url=r["url"], text=r["text"], start=r["start"],
                    end=r["end"], score=fused[r["chunk_id"]]["fused"],
                    scores={k: round(v, 4) for k, v in fused[r["chunk_id"]].items() if k != "fused"},
                    origin_id=r["origin_id"], origin_name=r["origin_name"])
                for r in rows]


def collapse_copies(hits: list[Hit]) -> list[Hit]:
    """Hits (best first) with one article per origin group: the best-ranked copy's passages stay,
    each listing the group's other articles among the hits; theirs go. Only copies go: an article's
    own passages are capped by `per_article`, not here."""
    kept: dict[str, str] = {}  # group -> the doc id shown for it
    copies: dict[str, dict[str, Copy]] = {}
    out = []
    for h in hits:
        group = h.origin
        if kept.setdefault(group, h.doc_id) == h.doc_id:
            out.append(h)
        else:
            copies.setdefault(group, {}).setdefault(h.doc_id, Copy(doc_id=h.doc_id, title=h.title, source=h.source,
                                                                   date=h.date, url=h.url))
    for h in out:
        h.copies = list(copies.get(h.origin, {}).values())
    return out
