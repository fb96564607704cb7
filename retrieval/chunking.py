"""Sentence-aware chunks that keep their character offsets into the article.

Offsets matter more than anything else here: a citation shows the exact passage in its
context, so every chunk must be `article.text[start:end]`, never a re-joined string.
"""

from __future__ import annotations

import re

import sentencex

from retrieval.identity import chunk_id
from retrieval.models import Article, Chunk

# One splitter for chunking, evidence and drafts. sentencex (Wikimedia's rules for abbreviations,
# initials and numbers) finds where a sentence ends within a line: "George W. Bush", "the U.N.
# Security Council", "Mr." and "Jan. 3" stay whole.
# A line break ends a sentence (headlines, list items, paragraphs) unless the next line goes on in
# lower case: a hard-wrapped line is the same sentence.
_LINE = re.compile(r"[^\n]*\S[^\n]*")
# Where sentencex cuts with no space between: an opening quotation mark or bracket it left at a
# sentence's end starts the next one (_segments), and a stop ends nothing (an address, code: "window.__x").
_OPENING = "“‘([«"
# A run of capital initials such as a state's AP abbreviation ("Santos, R-N.Y., was") is one word:
# a cut after its first letter, before the next letter and its stop, ends nothing.
_INITIAL_END = re.compile(r"(?<![A-Za-z])[A-Z]\.$")
_INITIAL_NEXT = re.compile(r"[A-Z]\.(?![A-Za-z])")
# Titles that only ever stand before a name, which sentencex's list lacks.
_TITLE_END = re.compile(r"\b(?:Ms|Atty|Ft|Gens|Sens|Reps|Supt)\.$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace excluded; every word of the text is in one."""
    spans: list[tuple[int, int]] = []
    for start, end in _lines(text):
        pos, first = start, len(spans)
        for segment in _segments(text[start:end]):
            a = text.find(segment, pos, end)
            if a < 0:  # the segmenter changed the text: the rest of the line is one sentence
                break
            if text[pos:a].strip():  # never lose what the segmenter left out
                _append(text, pos, a, spans)
            if len(spans) > first and _goes_on(text[spans[-1][0]:spans[-1][1]], segment, joined=a == spans[-1][1]):
                spans[-1] = (spans[-1][0], a + len(segment))
            else:
                spans.append((a, a + len(segment)))
            pos = a + len(segment)
        _append(text, pos, end, spans)
    return spans


def _lines(text: str) -> list[tuple[int, int]]:
    """The text's lines, a line that goes on in lower case joined to the one before."""
    out: list[tuple[int, int]] = []
    for m in _LINE.finditer(text):
        if out and m.group().lstrip()[:1].islower() and text.count("\n", out[-1][1], m.start()) == 1:
            out[-1] = (out[-1][0], m.end())
        else:
            out.append((m.start(), m.end()))
    return out


def _segments(line: str) -> list[str]:
    """sentencex's sentences of one line, stripped; an opening quotation mark it left at the end of
    one ("… he said. “" | "I think …") starts the next."""
    out: list[str] = []
    opened = False
    for raw in sentencex.segment("en", line):
        segment = raw.strip()
        if not segment:
            continue
        if opened:
            previous = out.pop()
            segment = previous[-1] + segment
            if previous[:-1].rstrip():
                out.append(previous[:-1].rstrip())
        out.append(segment)
        opened = raw[-1] in _OPENING
    return out


def _goes_on(sentence: str, following: str, joined: bool) -> bool:
    """Whether a cut between two segments is no sentence end: a stop with no space after it
    (`joined`), inside a run of initials, after a title, or before a comma."""
    return (joined and sentence[-1] in ".!?") or bool(_INITIAL_END.search(sentence) and _INITIAL_NEXT.match(following)) \
        or bool(_TITLE_END.search(sentence)) or following[:1] in ",;:"


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
