"""Text clean-up shared by every loader, and the normal form used to give an article its id."""

from __future__ import annotations

import re
import unicodedata

# Lines that scrapers and copy-paste leave between paragraphs; they are never part of a story.
BOILERPLATE_LINES = frozenset(
    s.casefold()
    for s in (
        "Advertisement",
        "Sponsored",
        "Story continues below advertisement",
        "Scroll to continue",
        "Skip to content",
        "Share this article",
        "Read more",
        # The feedback form under an embedded video player, scraped as if it were text.
        "1. How relevant is this ad to you?",
        "How relevant is this ad to you?",
        "Video player was slow to load content Video content never loaded Ad froze or did not finish loading "
        "Video content did not start after ad Audio on ad was too loud Other issues",
    )
)

_KEEP_CONTROLS = {"\n", "\t"}


def _is_dropped_char(ch: str) -> bool:
    # U+FEFF is not a control character, but a byte-order mark pasted mid-text is just as invisible.
    return ch == "\ufeff" or (unicodedata.category(ch) == "Cc" and ch not in _KEEP_CONTROLS)


def clean_text(text: str, source: str | None = None) -> str:
    """Tidy an article's text without changing its words.

    `source` is the outlet's name: copied pages often end with it on a line of its own.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if not _is_dropped_char(ch))

    lines = [line.rstrip() for line in text.split("\n")]
    lines = [line for line in lines if line.strip().casefold() not in BOILERPLATE_LINES]

    if source and source.strip():
        outlet = source.strip().casefold()
        while lines and lines[-1].strip().casefold() in ("", outlet):
            lines.pop()

    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)  # paragraphs are separated by one blank line at most
    return text.strip()


def normalise_for_identity(text: str) -> str:
    """The same article with other line breaks or spacing must hash to the same id."""
    return " ".join(unicodedata.normalize("NFC", text).split())
