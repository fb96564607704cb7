"""The app's two pictures, as data first: what the archive covers over time, and where a
verdict's evidence sits in time against the claim's date.

The row functions are pure (lists of plain dicts, ISO dates, no Streamlit) so they can be tested
on made-up articles and checks; the chart functions turn those rows into Altair charts. Outlet
names, titles and claims are data: Vega-Lite draws them as text, never as markup or HTML.
Dates are ISO strings read as UTC on a UTC scale, so a bar or point never moves a day with the
reader's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

OTHER = "(other outlets)"
UNKNOWN = "(unknown)"  # an article without an outlet, as the corpus statistics name it
TOP_OUTLETS = 8
# Strong versions of the verdict colours of ui_text.VERDICTS (those are cell backgrounds).
VERDICT_COLOURS = {"SUPPORTED": "#2e9d4f", "REFUTED": "#d64545", "MIXED": "#e08a1e", "NOT_ENOUGH_INFO": "#8a8a8a"}


# ---- the archive over time ----------------------------------------------------------------------
def choose_period(dates) -> str:
    """"week" for a span of up to about half a year, "month" up to ten years, else "year"."""
    dates = [d for d in dates if d]
    span = (max(dates) - min(dates)).days if dates else 0
    return "week" if span <= 183 else "month" if span <= 3660 else "year"


def period_bounds(date: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The first day of the week (Monday), month or year holding `date`, and the first day after it."""
    if period == "week":
        start = date - dt.timedelta(days=date.weekday())
        return start, start + dt.timedelta(days=7)
    if period == "month":
        start = date.replace(day=1)
        return start, (start + dt.timedelta(days=32)).replace(day=1)
    if period == "year":
        return date.replace(month=1, day=1), date.replace(year=date.year + 1, month=1, day=1)
    raise ValueError(f"unknown period {period!r}")


def period_label(start: dt.date, period: str) -> str:
    if period == "week":
        return f"week of {start.isoformat()}"
    if period == "month":
        return start.strftime("%B %Y")
    return str(start.year)


def outlet_of(article) -> str:
    return " ".join(str(getattr(article, "source", None) or "").split()) or UNKNOWN


def articles_by_outlet_and_period(articles, top: int = TOP_OUTLETS, period: str | None = None) -> list[dict]:
    """Dated articles counted per outlet and period: one row per (period, outlet) with a count,
    the `top` outlets with most dated articles by name and the rest as OTHER. Rows carry the
    period's start and end (ISO dates), its label, the outlet's rank (0 = most articles, OTHER
    last) and where its block of the period's stacked bar lies (`low` to `high` articles),
    ordered by period then rank. Undated articles are not counted (see `undated`)."""
    dated = [a for a in articles if getattr(a, "date", None)]
    if not dated:
        return []
    period = period or choose_period([a.date for a in dated])
    totals = Counter(outlet_of(a) for a in dated)
    ranked = sorted(totals, key=lambda o: (-totals[o], o.lower(), o))
    kept = ranked[:top] if len(ranked) > top + 1 else ranked  # one outlet over is shown rather than "other"
    rank = {o: i for i, o in enumerate(kept)}
    counts = Counter()
    for a in dated:
        o = outlet_of(a)
        counts[(period_bounds(a.date, period)[0], o if o in rank else OTHER)] += 1
    rank[OTHER] = len(kept)
    rows, below, last = [], 0, None
    for (start, outlet), n in sorted(counts.items(), key=lambda kv: (kv[0][0], rank[kv[0][1]])):
        below = 0 if start != last else below
        last = start
        end = period_bounds(start, period)[1]
        rows.append({"start": start.isoformat(), "end": end.isoformat(), "period": period_label(start, period),
                     "outlet": outlet, "articles": n, "rank": rank[outlet], "low": below, "high": below + n})
        below += n
    return rows


def undated(articles) -> int:
    return sum(1 for a in articles if not getattr(a, "date", None))


def published_after(articles, as_of: dt.date | None) -> int:
    """How many articles an as-of search cannot find: those published after `as_of`."""
    return sum(1 for a in articles if as_of and getattr(a, "date", None) and a.date > as_of) if as_of else 0


def outlet_order(rows: list[dict]) -> list[str]:
    return [o for o, _ in sorted({r["outlet"]: r["rank"] for r in rows}.items(), key=lambda kv: kv[1])]


def _fit_width(chart, height: int):
    """The plot `height` pixels high, legends and axes beside it; only the width fits the page
    (Streamlit's default fits everything, legends included, into the height)."""
    import altair as alt

    return chart.properties(height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def coverage_chart(rows: list[dict], as_of: dt.date | None = None, height: int = 180):
    """Stacked bars of articles per period, coloured by outlet; with `as_of` (give it when some
    article lies after it), a dashed rule there: right of it, what an as-of search cannot find."""
    import altair as alt
    import pandas as pd

    utc = alt.Scale(type="utc")
    first, last = dt.date.fromisoformat(rows[0]["start"]), dt.date.fromisoformat(rows[-1]["start"])
    days = (dt.date.fromisoformat(rows[0]["end"]) - first).days
    unit, fmt = ("week", "%Y-%m-%d") if days == 7 else ("month", "%b %Y") if days < 365 else ("year", "%Y")
    # A tick at the start of every period (Vega's weeks start on Sunday, these on Monday); at most ~12 labelled.
    starts = [first]
    while starts[-1] < last:
        starts.append(period_bounds(starts[-1], unit)[1])
    ticks = [alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True) for d in starts[::-(-len(starts) // 12)]]
    # Blocks stacked in code: a bar spanning its period (x to x2) would be drawn as a horizontal bar.
    bars = alt.Chart(pd.DataFrame(rows)).mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("start:T", title=None, scale=utc,
                axis=alt.Axis(format=fmt, values=ticks, labelOverlap=True)),
        x2="end:T",
        y=alt.Y("low:Q", title="Articles", axis=alt.Axis(tickMinStep=1, format="d")),
        y2="high:Q",
        color=alt.Color("outlet:N", title="Outlet", sort=outlet_order(rows),
                        legend=alt.Legend(orient="bottom", columns=5, labelLimit=180)),
        tooltip=[alt.Tooltip("period:N", title="Period"), alt.Tooltip("outlet:N", title="Outlet"),
                 alt.Tooltip("articles:Q", title="Articles")])
    if as_of is None:
        return _fit_width(bars, height)
    rule = alt.Chart(pd.DataFrame([{"date": as_of.isoformat(), "what": f"as of {as_of.isoformat()}"}])).mark_rule(
        color="#555", strokeDash=[5, 4], strokeWidth=2).encode(
        x=alt.X("date:T", scale=utc), tooltip=alt.Tooltip("what:N", title="Search date"))
    label = rule.mark_text(align="left", dx=4, dy=-4, baseline="top", color="#555").encode(
        text="what:N", y=alt.value(0))
    return _fit_width(alt.layer(bars, rule, label), height)


# ---- a verdict's evidence in time ---------------------------------------------------------------
def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def evidence_timeline(check) -> list[dict]:
    """The evidence a verdict shows (the passages it cites, or every passage read when it cites
    none), one row per dated passage: its part of the claim, publication date, outlet and title,
    the label it stands for (the part's verdict when cited, "not enough evidence" otherwise) and
    whether it was published after the claim's date. Undated passages have no place on it."""
    from factcheck.ui_text import verdict_label

    rows = []
    for i, p in enumerate(check.parts):
        verdict = getattr(p.verdict, "value", str(p.verdict))
        for e in [e for e in p.evidence if e.n in p.cites] or p.evidence:
            if not e.date:
                continue
            label = verdict if e.n in p.cites else "NOT_ENOUGH_INFO"
            rows.append({"part": f"{i + 1}. {_short(p.claim)}", "date": e.date.isoformat(), "n": e.n,
                         "outlet": " ".join(str(e.source or "").split()) or UNKNOWN, "title": _short(e.title or "", 80),
                         "label": label, "supports": verdict_label(label),
                         "after_claim_date": bool(e.after_claim_date),
                         "when": "after the claim's date" if e.after_claim_date else "by the claim's date"})
    return rows


_SHAPES = {"by the claim's date": "circle", "after the claim's date": "triangle-down"}


def shown_evidence(check) -> int:
    """How many passages the verdict shows, dated or not."""
    return sum(len([e for e in p.evidence if e.n in p.cites] or p.evidence) for p in check.parts)


def timeline_chart(rows: list[dict], claim_date: dt.date | None = None):
    """Points at each passage's publication date, one line per part of the claim, coloured by the
    label it stands for; a passage published after the claim's date (right of the dashed rule) is
    a triangle, not a dot."""
    import altair as alt
    import pandas as pd

    from factcheck.ui_text import verdict_label

    # The days shown: every passage and the claim's date, with room either side (one date alone too).
    days = [dt.date.fromisoformat(r["date"]) for r in rows] + ([claim_date] if claim_date else [])
    room = dt.timedelta(days=max(1, round((max(days) - min(days)).days * 0.06)))
    utc = alt.Scale(type="utc", domain=[alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True)
                                        for d in (min(days) - room, max(days) + room)])
    # A short span gets a tick a day; left alone, Vega ticks every few hours and repeats the date.
    ticks = {"tickCount": {"interval": "day", "step": 1}} if (max(days) - min(days) + 2 * room).days <= 21 else {}
    parts = list(dict.fromkeys(r["part"] for r in rows))
    labels = [x for x in VERDICT_COLOURS if any(r["label"] == x for r in rows)]
    whens = [w for w in _SHAPES if any(r["when"] == w for r in rows)]
    legend = alt.Legend(orient="right", labelLimit=220)
    points = alt.Chart(pd.DataFrame(rows)).mark_point(size=140, filled=True, opacity=0.9).encode(
        x=alt.X("date:T", title=None, scale=utc, axis=alt.Axis(format="%Y-%m-%d", labelOverlap=True, **ticks)),
        y=alt.Y("part:N", title=None, sort=parts, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("supports:N", title="Evidence", legend=legend,
                        scale=alt.Scale(domain=[verdict_label(x) for x in labels],
                                        range=[VERDICT_COLOURS[x] for x in labels])),
        shape=alt.Shape("when:N", legend=None,  # the app's caption says what a triangle is
                        scale=alt.Scale(domain=whens, range=[_SHAPES[w] for w in whens])),
        tooltip=[alt.Tooltip("n:Q", title="Passage"), alt.Tooltip("outlet:N", title="Outlet"),
                 alt.Tooltip("title:N", title="Title"), alt.Tooltip("date:T", title="Published", format="%Y-%m-%d",
                                                                    formatType="utc"),
                 alt.Tooltip("supports:N", title="Stands for"), alt.Tooltip("when:N", title="When")])
    height = max(60, 20 + 36 * len(parts))
    if claim_date is None:
        return _fit_width(points, height)
    day = claim_date.isoformat()
    rule = alt.Chart(pd.DataFrame([{"date": day, "what": f"claim's date {day}"}])).mark_rule(
        color="#555", strokeDash=[5, 4], strokeWidth=2).encode(
        x=alt.X("date:T", scale=utc), tooltip=alt.Tooltip("what:N", title="Claim"))
    label = rule.mark_text(align="left", dx=4, dy=-2, baseline="top", color="#555").encode(
        text="what:N", y=alt.value(0))
    return _fit_width(alt.layer(rule, label, points), height)
