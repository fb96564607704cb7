"""Sentence-aware chunks that keep their character offsets into the article.

Offsets matter more than anything else here: a citation shows the exact passage in its
context, so every chunk must be `article.text[start:end]`, never a re-joined string.
"""

from __future__ import annotations

import re

from retrieval.identity import chunk_id
from retrieval.models import Article, Chunk

# A sentence ends at . ! ? (optionally followed by quotes/brackets) before whitespace and a
# capital, digit or quote, or at a paragraph break. Abbreviations like "Mr." and "U.S." are
# protected so that a chunk does not start mid-name.
ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Adm|Atty|Dept|St|Mt|Ft|Jr|Sr|vs|v|etc|No|Inc|Ltd|Co|Corp|U\.S|U\.K|e\.g|i\.e|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n\s*\n")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        candidate = text[start : m.start()].rstrip()
        if ABBREVIATION.search(candidate) and "\n\n" not in m.group(0):
            continue
        _append(text, start, m.start(), spans)
        start = m.end()
    _append(text, start, len(text), spans)
    return spans


def _append(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _split_long(span: tuple[int, int], size: int, text: str) -> list[tuple[int, int]]:
    """A sentence longer than a chunk (tables, run-on scraping) is cut at word boundaries."""
    start, end = span
    out = []
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        cut = cut if cut > start else start + size
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def chunk_article(article: Article, size: int = 1000, overlap: int = 200) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `size` characters; each next chunk starts
    with the last sentences of the previous one, up to `overlap` characters."""
    if size < 100:
        raise ValueError("chunk size must be at least 100 characters")
    overlap = max(0, min(overlap, size // 2))
    text = article.text
    sents = [p for s in sentence_spans(text) for p in _split_long(s, size, text)]
    chunks: list[Chunk] = []
    i = 0
    while i < len(sents):
        j = i
        while j + 1 < len(sents) and sents[j + 1][1] - sents[i][0] <= size:
            j += 1
        start, end = sents[i][0], sents[j][1]
        chunks.append(
            Chunk(chunk_id=chunk_id(article.doc_id, len(chunks)), doc_id=article.doc_id,
                  ordinal=len(chunks), start=start, end=end, text=text[start:end])
        )
        if j + 1 >= len(sents):
            break
        # Step back over trailing sentences that fit in the overlap, but always move forward.
        k = j + 1
        while k - 1 > i and end - sents[k - 1][0] <= overlap:
            k -= 1
        i = k
    return chunks
