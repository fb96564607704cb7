"""The time frame a question names ("this week", "on Tuesday", "this month"), as the earliest
date its evidence may carry.

Why: a question about this week is not answered by a 2016 article, however well its words match.
With the answer's own article missing, the closest passage is often an older story of the same
kind ("Toyota recalled 2.9 million vehicles" for which automaker recalled 2.9 million vehicles
this week), and the small model answers from it. Measured on news_dev with each question's
answer-bearing articles taken out (bench/unanswerable.py), the check that a cited passage lies in
the named frame refuses 13 of the 27 answers shown there, and no right answer on the full set.
The windows are generous (a weekday is within eight days):
articles are dated by publication, sometimes a day after the event, and quizzes are asked late
in the week.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from retrieval.search import named_years, recency_applies

_DAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"

# (pattern, days before the as-of date that a report of it may be dated). The shortest window
# named in a question applies.
_FRAMES = [
    (re.compile(r"\b(today|tonight|this (morning|afternoon|evening))\b", re.I), 2),
    (re.compile(r"\byesterday\b", re.I), 3),
    (re.compile(rf"\b(this|earlier this) (week|weekend)\b|\bin recent days\b|\b(on|early|late|this|since) ({_DAY})\b"
                rf"|\b({_DAY}) (morning|afternoon|evening|night)\b", re.I), 8),
    (re.compile(r"\blast (week|weekend)\b|\bpast (week|few days)\b", re.I), 15),
    (re.compile(r"\b(this|past) month\b|\brecently\b", re.I), 31),
    (re.compile(r"\blast month\b", re.I), 62),
    (re.compile(r"\b(this|past) year\b", re.I), 366),
]


def window_days(question: str) -> int | None:
    """Days before the as-of date the question's events may lie, or None when it names no frame."""
    days = [d for rx, d in _FRAMES if rx.search(question)]
    return min(days) if days else None


def since(question: str, as_of: dt.date) -> dt.date | None:
    """The earliest date evidence for the question may carry, or None when any date will do.
    "This year" also means the calendar year: no earlier than 1 January."""
    days = window_days(question)
    if days is None or not recency_applies(question, as_of):
        return None  # "on Monday, March 3, 2019" is that Monday, not this week's
    start = as_of - dt.timedelta(days=days)
    if days == 366:
        start = max(start, dt.date(as_of.year, 1, 1))
    return start


def year_named(question: str, as_of: dt.date) -> dt.date | None:
    """1 January of the latest year the question names, up to the as-of date's, or None. A source
    cannot report what happened after it was published: "the 2023 Masters" is not won in a 2019
    story, nor is "a 2022 album" the most streamed in a 2015 one."""
    years = [y for y in named_years(question) if y <= as_of.year]
    return dt.date(max(years), 1, 1) if years else None


@dataclass(frozen=True)
class Frame:
    """The time a question's evidence must come from, as judge() applies it."""

    since: dt.date | None = None  # the time it names ("this week"): an undated passage cannot show it is of then
    not_before: dt.date | None = None  # the year it names: an undated passage may back it, nothing says it came too early

    def admits(self, date: dt.date | None) -> bool:
        if self.since is not None and (date is None or date < self.since):
            return False
        return self.not_before is None or date is None or date >= self.not_before

    @property
    def start(self) -> dt.date | None:
        """The earliest date it admits, for the reason a refusal gives."""
        return max(filter(None, (self.since, self.not_before)), default=None)


def frame(question: str, as_of: dt.date, relative: bool = True, named_year: bool = True) -> Frame:
    """The question's frame: the time it names (`relative`, since()) and the year it names (year_named())."""
    return Frame(since(question, as_of) if relative else None, year_named(question, as_of) if named_year else None)
