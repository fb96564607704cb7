"""Dates as people write them: ISO ("2020-10-01"), day first as fact-checkers and most of the world
write them ("1-10-2020", "01/10/2020", "1.10.2020"), month first when asked ("10/01/2020"), and
with the month's name ("1 October 2020", "Oct 1, 2020"). A date must name its day, month and year:
"October 2020" is refused rather than read as a day nobody wrote.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
# Two defaults that differ in every part: a part taken from either was not written.
_PROBES = (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2))


def read_date(text: str, *, month_first: bool = False) -> dt.date:
    """The date the text writes, day first unless `month_first`; ValueError saying why otherwise."""
    value = (text or "").strip()
    if not value:
        raise ValueError("empty date")
    if _ISO.match(value):  # ISO, with a time or a zone after it as JSON often has
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
    try:
        read = [parser.parse(value, dayfirst=not month_first, default=d) for d in _PROBES]
    except (ValueError, OverflowError, parser.ParserError):
        raise ValueError(f"{value!r} is not a date (write it like 2020-10-01, 1-10-2020 or 1 October 2020)") from None
    if read[0].date() != read[1].date():
        raise ValueError(f"{value!r} does not give a day, a month and a year")
    return read[0].date()
