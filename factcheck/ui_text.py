"""Text helpers for the app: source text is data, never markup.

Everything that comes from an article (titles, outlets, quotes, file names, the model's draft,
which echoes the sources) goes through `escape_markdown` before it reaches `st.markdown`, so a
link, an image, HTML, a Streamlit colour directive or LaTeX in an article is shown as the
characters it is made of and cannot act. Where no formatting is needed the app uses `st.text`.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from urllib.parse import urlsplit, urlunsplit

# CommonMark lets every ASCII punctuation character be escaped with a backslash; escaping all of
# them is the one rule that covers Markdown, GFM autolinks (`https\://`), Streamlit directives
# (`\:red\[…\]`, `\:material/…\:`), LaTeX (`\$`), typographic arrows (`\-\>`) and entities (`\&`).
_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.M)


# Some Markdown features act on the text after escapes are resolved, so a backslash cannot stop
# them: GFM autolinks ("https://…", "www.…", "name@host.org") and Streamlit's shortcodes
# (":material/home:", ":smile:") and arrows ("->"). An invisible WORD JOINER breaks each pattern.
_WJ = "\u2060"
_AFTER_TEXT = [
    (re.compile(r"\b(https?|ftp|xmpp|mailto)(?=:)", re.I), r"\1" + _WJ),
    (re.compile(r"\b(www)(?=\.)", re.I), r"\1" + _WJ),
    (re.compile(r"@"), "@" + _WJ),
    (re.compile(r":(?=[\w+/-]+:)"), ":" + _WJ),
    (re.compile(r"([<>~=-])(?=[<>=-])"), r"\1" + _WJ),
]


def escape_markdown(text: str | None) -> str:
    """`text` as Markdown that renders as exactly its characters (line breaks kept)."""
    if not text:
        return ""
    text = str(text)
    for pattern, repl in _AFTER_TEXT:
        text = pattern.sub(repl, text)
    text = _PUNCT.sub(r"\\\1", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("", text)
    # Leading spaces would turn a line into a code block; a single newline would be swallowed.
    lines = [ln.lstrip() for ln in text.split("\n")]
    paragraphs = "\n".join(lines).split("\n\n")
    return "\n\n".join("  \n".join(ln for ln in p.split("\n") if ln) for p in paragraphs if p.strip())


def escape_inline(text: str | None) -> str:
    """One line of escaped text (for inside a Streamlit directive or a table cell)."""
    return escape_markdown(" ".join(str(text or "").split()))


def highlight_passage(text: str, start: int, end: int, context: int = 280) -> tuple[str, str, str]:
    """The passage `text[start:end]` with up to `context` characters either side, cut at word
    boundaries: (before, passage, after)."""
    start, end = max(0, start), min(len(text), end)
    lo = max(0, start - context)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    hi = min(len(text), end + context)
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    before, passage, after = text[lo:start], text[start:end], text[end:hi]
    return ("…" + before if lo > 0 else before), passage, (after + "…" if hi < len(text) else after)


def highlighted_markdown(text: str, start: int, end: int, context: int = 280, colour: str = "orange") -> str:
    """Escaped Markdown of the passage in its surrounding text, the passage on a coloured
    background (Streamlit's `:colour-background[…]`; its content is escaped like the rest)."""
    before, passage, after = highlight_passage(text, start, end, context)
    mark = f":{colour}-background[{escape_inline(passage)}]" if passage.strip() else ""
    return " ".join(x for x in (escape_inline(before), mark, escape_inline(after)) if x)


def safe_link(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link a reader may follow; None for anything else
    (javascript:, data:, file:, relative paths)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c in url for c in "\n\r\t <>\"'"):
        return None
    return url


def public_endpoint(url: str | None) -> str | None:
    """An endpoint as it may be shown: scheme, host, port and path; no user, password, query or
    fragment (a key can hide in any of them)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
    except ValueError:
        return "(unreadable address)"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or None


def date_text(date: dt.date | str | None) -> str:
    if not date:
        return "undated"
    if isinstance(date, str):
        return date[:10]
    return date.isoformat()


def outcome_line(o) -> tuple[str, str]:
    """(kind, escaped Markdown line) for one ingest outcome; kind is success, info or error."""
    name = escape_inline(o.name)
    if o.status == "added":
        title = escape_inline(o.title) if o.title and o.title != o.name else ""
        return "success", f"**Added** · {name}" + (f" · {title}" if title else "") + f" · {o.n_chunks} passages"
    if o.status == "duplicate":
        return "info", f"**Already in the corpus** · {name}" + (f" · {escape_inline(o.title)}" if o.title else "")
    return "error", f"**Refused** · {name} · {escape_inline(o.reason or 'unknown reason')}"


# Verdict colours that need no legend: the word is always there, the colour and sign repeat it
# (signs from ordinary fonts, not emoji, which many servers and kiosks cannot draw).
VERDICTS = {
    "SUPPORTED": ("Supported", "✓", "green", "#d3f2dc"),
    "REFUTED": ("Refuted", "✗", "red", "#fadada"),
    "MIXED": ("Mixed", "±", "orange", "#fde9cc"),
    "NOT_ENOUGH_INFO": ("Not enough evidence", "?", "gray", "#ececec"),
}


def verdict_label(label) -> str:
    name, icon, _, _ = VERDICTS.get(getattr(label, "value", str(label)), (str(label), "", "gray", "#ececec"))
    return f"{icon} {name}".strip()


def verdict_colour(label) -> str:
    return VERDICTS.get(getattr(label, "value", str(label)), ("", "", "gray", "#ececec"))[2]


def verdict_background(cell: str) -> str:
    """CSS for a verdict cell of the table, from its text (what pandas' Styler.map passes)."""
    for name, icon, _, bg in VERDICTS.values():
        if cell == f"{icon} {name}":
            return f"background-color: {bg}; color: #111; font-weight: 600"
    return ""


def queue_note(ahead: int) -> str:
    """What someone waiting for the embedded model reads: their place in its queue."""
    if ahead <= 0:
        return "Your turn: the model is working on your request…"
    if ahead == 1:
        return "The local model is busy with one other request: yours is next in the queue…"
    return f"The local model serves one request at a time: {ahead} are ahead of yours in the queue…"
