"""Every claim check kept: the claim, its parts, verdicts and evidence (the whole ClaimCheck), the
model, the corpus as it was, and who asked (the app's editor, when signed in), in its own SQLite
file in the data directory (history.sqlite3), so that the same claim next week is not checked from
zero.

A claim is "close" to an earlier one when their embeddings (the corpus's own embedder) are at
least `threshold` alike in cosine, they state the same numbers and both deny or both affirm. The
embedding alone is not enough: "met in Abu Dhabi in January 2025" and "... 2026" are 0.985 alike,
and so are "increases" and "reduces the risk" (0.99); the numbers and the "not" are checked in
code, and the earlier claim is always shown in its own words next to its verdict, so the reader
sees what was checked. Paraphrases measured 0.93-0.96 with this embedder, other claims about the
same people and place ("met in Moscow" for "met in Abu Dhabi") 0.86 and below: the default 0.9.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from factcheck.local_db import connection
from factcheck import vocabulary as vocab
from factcheck.claimreview import check_id
from factcheck.claims import ClaimCheck, Label

FILE = "history.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id TEXT PRIMARY KEY, claim TEXT NOT NULL, verdict TEXT NOT NULL, made_at TEXT NOT NULL, as_of TEXT,
    model TEXT, corpus TEXT, articles INTEGER, asked_by TEXT, vec BLOB NOT NULL, check_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_made_at ON checks (made_at);
"""
_NEGATION = re.compile(r"\b(?:not|never|no|none|nobody|neither|nor|without)\b|n[’']t\b", re.I)


class PastCheck(BaseModel):
    """One kept check, as the history lists it."""

    id: str
    claim: str
    verdict: Label
    made_at: dt.datetime
    as_of: dt.date | None = None
    model: str = ""
    corpus: str = ""
    articles: int | None = None  # articles in the corpus when it was checked
    asked_by: str | None = None
    similarity: float | None = None  # to the claim looked up, when found by similar()
    articles_added_since: int | None = None  # counted against the corpus as it is now

    @property
    def possibly_outdated(self) -> bool:
        return bool(self.articles_added_since)

    def summary(self) -> str:
        """One line a person reads: when, what verdict, and whether the corpus moved on since."""
        from factcheck.report import LABEL_TEXT

        when = self.made_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        since = ("no article added since" if self.articles_added_since == 0 else
                 f"{self.articles_added_since} article{'s' if self.articles_added_since != 1 else ''} added since: "
                 "possibly outdated" if self.articles_added_since else "")
        return f"checked {when}: {LABEL_TEXT[self.verdict]}" + (f"; {since}" if since else "")


def _same_facts(a: str, b: str) -> bool:
    """The checks the embedding cannot make: the same numbers, the same names (people, places,
    organisations: "Sweden" for "Switzerland" is another claim), and both deny or both affirm."""
    return (vocab.numbers(a) == vocab.numbers(b) and _names(a) == _names(b)
            and len(_NEGATION.findall(a)) % 2 == len(_NEGATION.findall(b)) % 2)


def _names(text: str) -> set[str]:
    return {vocab.stem(n) for n in vocab.names(text)} | vocab.countries(text)


class History:
    def __init__(self, data_dir: Path, embedder):
        self.path = Path(data_dir) / FILE
        self.embedder = embedder
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self):
        return connection(self.path)

    def _vec(self, text: str) -> np.ndarray:
        v = np.asarray(self.embedder.embed([" ".join(text.split())])[0], dtype=np.float32)
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def record(self, check: ClaimCheck, *, articles: int | None = None, asked_by: str | None = None) -> str:
        """Keep a finished check; its id (factcheck.claimreview.check_id) is returned."""
        key = check_id(check)
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO checks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       (key, check.claim, check.verdict.value, check.made_at.isoformat(),
                        check.as_of.isoformat() if check.as_of else None, check.model, check.corpus, articles,
                        asked_by, self._vec(check.claim).tobytes(), check.model_dump_json()))
        return key

    @staticmethod
    def _entry(row: sqlite3.Row, **extra) -> PastCheck:
        return PastCheck(id=row["id"], claim=row["claim"], verdict=Label(row["verdict"]), made_at=row["made_at"],
                         as_of=row["as_of"], model=row["model"] or "", corpus=row["corpus"] or "",
                         articles=row["articles"], asked_by=row["asked_by"], **extra)

    def get(self, key: str) -> ClaimCheck:
        with self._db() as db:
            row = db.execute("SELECT check_json FROM checks WHERE id=?", (key,)).fetchone()
        if row is None:
            from retrieval.errors import NotFound

            raise NotFound(f"No check {key} in the history")
        return ClaimCheck.model_validate_json(row["check_json"])

    def count(self) -> int:
        with self._db() as db:
            return db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]

    def similar(self, claim: str, threshold: float, corpus=None, limit: int = 3) -> list[PastCheck]:
        """Earlier checks of a claim close to this one, closest first (newest among equals)."""
        claim = " ".join(claim.split())
        with self._db() as db:
            rows = db.execute("SELECT * FROM checks ORDER BY made_at DESC").fetchall()
        if not rows:
            return []
        sims = np.stack([np.frombuffer(r["vec"], dtype=np.float32) for r in rows]) @ self._vec(claim)
        order = sorted(range(len(rows)), key=lambda i: -float(sims[i]))  # stable: newest first among equals
        found = [self._entry(rows[i], similarity=round(float(sims[i]), 4)) for i in order
                 if sims[i] >= threshold and _same_facts(claim, rows[i]["claim"])][:limit]
        return self.mark_added_since(found, corpus)

    def search(self, words: str | None = None, limit: int | None = None, corpus=None) -> list[PastCheck]:
        """Newest first; with `words`, the checks whose claim or parts contain every one of them."""
        sql, args = "SELECT * FROM checks", []
        terms = vocab.words(words or "")
        if terms:
            # The parts and the evidence are in check_json; a word in any of them finds the check.
            sql += " WHERE " + " AND ".join("(lower(claim) LIKE ? OR lower(check_json) LIKE ?)" for _ in terms)
            for t in terms:
                args += [f"%{t}%", f"%{t}%"]
        sql += " ORDER BY made_at DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._db() as db:
            rows = db.execute(sql, args).fetchall()
        return self.mark_added_since([self._entry(r) for r in rows], corpus)

    def export(self, entries: list[PastCheck]) -> Iterator[dict]:
        """Each entry with its whole check, as one JSON object (a line of the JSONL export)."""
        with self._db() as db:  # one read for them all, not one per check
            checks = {r["id"]: r["check_json"] for r in db.execute("SELECT id, check_json FROM checks")}
        for e in entries:
            if e.id in checks:  # a check another process replaced since the listing is skipped
                yield {**e.model_dump(mode="json"), "check": json.loads(checks[e.id])}

    @staticmethod
    def mark_added_since(entries: list[PastCheck], corpus) -> list[PastCheck]:
        """Count, for each entry, the articles added to the corpus since it was checked. An article
        added in the same second counts: a check marked outdated for nothing is the safer mistake."""
        if corpus is None or not entries:
            return entries
        added = sorted(_utc(a.added_at) for a in corpus.list() if a.added_at)
        return [e.model_copy(update={"articles_added_since": len(added) - bisect.bisect_left(added, _utc(e.made_at))})
                for e in entries]


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)
