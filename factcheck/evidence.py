"""What the answer and claim paths share about evidence: a cited passage (`Citation`), the
sentences closest to a question within a budget, passages wrapped as data in a prompt, the
sentences of a text, and the sentences of a source that address the assistant, which are never
evidence."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from retrieval.chunking import sentence_spans
from retrieval.models import Copy, Hit

if TYPE_CHECKING:
    from factcheck.answer import AnswerParams


class Citation(BaseModel):
    n: int
    doc_id: str
    external_id: str | None = None
    chunk_id: str
    title: str | None = None
    source: str | None = None
    date: dt.date | None = None
    url: str | None = None
    quote: str
    start: int  # character offsets of the quote in the article
    end: int
    origin_id: str | None = None  # the article's origin group (retrieval/origins.py), and its origin's outlet
    origin_name: str | None = None
    copies: list[Copy] = Field(default_factory=list)  # copies of the article in other outlets that the search found

    @property
    def origin(self) -> str:
        """The article's origin group (retrieval/origins.py): an article and its copies in other
        outlets are one story, counted once."""
        return self.origin_id or self.doc_id

    @classmethod
    def from_hit(cls, hit: Hit, n: int, a: int = 0, b: int | None = None, **extra):
        """The hit's text from a to b (its whole text by default), placed in its article."""
        b = len(hit.text) if b is None else b
        return cls(n=n, doc_id=hit.doc_id, external_id=hit.external_id, chunk_id=hit.chunk_id, title=hit.title,
                   source=hit.source, date=hit.date, url=hit.url, quote=hit.text[a:b], start=hit.start + a,
                   end=hit.start + b, origin_id=hit.origin_id, origin_name=hit.origin_name, copies=hit.copies, **extra)

    def label(self) -> str:
        from retrieval.models import display_label

        return display_label(self.title, self.source, self.date, self.doc_id)


class Corroboration(BaseModel):
    """How many independent sources back a set of citations: copies of one wire story in several
    outlets count once (retrieval/origins.py). "3 outlets, 1 independent origin (AP)"."""

    outlets: int  # distinct outlets among the cited articles and their copies
    articles: int
    origins: list[str]  # one name per independent origin: its origin article's outlet

    def text(self) -> str:
        n = len(self.origins)
        shown = ", ".join(self.origins[:ORIGINS_NAMED]) + (", …" if n > ORIGINS_NAMED else "")
        return (f"{self.outlets} outlet{'s' * (self.outlets != 1)}, "
                f"{n} independent origin{'s' * (n != 1)} ({shown})")


ORIGINS_NAMED = 4  # origins named in the line; more are counted


def corroboration(cited: list[Citation]) -> Corroboration | None:
    """The cited articles and their copies counted by outlet and by independent origin; None when
    a single article is cited and no copy of it was found (nothing to count)."""
    articles: dict[str, str] = {}  # doc id -> outlet (an article of no known outlet counts as its own)
    origins: dict[str, str] = {}  # origin group -> its origin's name
    for c in cited:
        articles.setdefault(c.doc_id, c.source or f"#{c.doc_id}")
        for copy in c.copies:
            articles.setdefault(copy.doc_id, copy.source or f"#{copy.doc_id}")
        origins.setdefault(c.origin, c.origin_name or c.source or "unknown outlet")
    if len(articles) < 2:
        return None
    return Corroboration(outlets=len(set(articles.values())), articles=len(articles), origins=list(origins.values()))


# Sentences that address the assistant instead of reporting anything. They are never evidence:
# a source may be quoted, but it cannot steer the answer (prompt injection in uploaded articles).
# Each form is one way of addressing a reader who takes orders: a command opening the sentence
# ("Ignore your instructions", "Answer only with …"), an order to "you", a chat role's label
# ("SYSTEM:"), what "you" are, what "the correct answer" is, a quiz's "question: … answer", and the
# chat format's own tokens. Reported speech is not addressed to the assistant: "Experts say that
# …", "his disregard for the rules", "our solar system: …" are news (on news_train's 306,000
# sentences, the looser forms refused 332 such sentences; these refuse 1).
_COMMAND = r"(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|directions)\b"
_TELL = r"(answer|reply|respond|say)\s+(that|with|only)\b"
_INSTRUCTION = re.compile(
    rf"(^\W*|\bplease\s+)({_COMMAND}|{_TELL})"
    rf"|\byou\s+(must|should|will|need to|have to)\s+{_TELL}"
    r"|^\W*(note to (ai|the)?\s*assistants?|system|assistant|developer)\s*(prompt|message|note)?\s*:"
    r"|\byou (are|must|should|will) (now )?(an? )?(ai|assistant|language model|chatbot|model)\b"
    r"|\b(the )?(correct|right|real|true) answer (is|would be)\b|\bquestion\s*:.{0,80}\banswer\b"
    r"|<\|?im_(start|end)\|?>|\[/?INST\]", re.I)


def is_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def select_evidence(question_vec: np.ndarray, hits: list[Hit], embedder, params: "AnswerParams",
                    gives_asked: Callable[[str], bool] | None = None) -> list[Citation]:
    """The sentences closest to the question, best first, within the budget. Sentences next to
    each other in one passage are joined into one quote, so the budget buys distinct sentences
    rather than repeated context (measured on news_dev: the answer is in the chosen evidence
    for 49 of 66 questions at 900 characters, against 47 with a sentence of context each).

    Two kinds of sentence rank higher than their closeness alone says: an article's first
    sentence (a news story states its news in its lead; `lead_weight`) and, with `gives_asked`,
    one that holds an answer of the kind the question asks for (a number for "how many";
    `kind_weight`): closeness to the question finds the sentences that repeat it, not the ones
    that answer it."""
    cands = []  # (hit rank, hit, sentence spans of the hit's chunk, index of the sentence, instruction indexes)
    for rank, h in enumerate(hits):
        spans = sentence_spans(h.text)
        bad = {i for i, sp in enumerate(spans) if is_instruction(h.text[sp[0]:sp[1]])}
        cands += [(rank, h, spans, i, bad) for i in range(len(spans)) if i not in bad]
    if not cands:
        return []
    texts = [h.text[spans[i][0]:spans[i][1]] for _, h, spans, i, _ in cands]
    sims = embedder.embed(texts) @ question_vec
    # The retrieval rank still counts: a sentence is judged with the passage it came from.
    score = sims - params.rank_weight * np.array([c[0] for c in cands])
    if params.lead_weight:
        score += params.lead_weight * np.array([h.start == 0 and i == 0 for _, h, _, i, _ in cands])
    if params.kind_weight and gives_asked is not None:  # reads every sentence's words: only when it counts
        score += params.kind_weight * np.array([gives_asked(t) for t in texts])
    order = np.argsort(-score)
    groups: list[list] = []  # [hit, spans, first sentence, last sentence], in the order chosen
    used = 0

    def taken(h: Hit, spans, i: int) -> bool:
        # In article offsets: chunks overlap, so one sentence can come from two hits.
        a, b = h.start + spans[i][0], h.start + spans[i][1]
        return any(g[0].doc_id == h.doc_id and a < g[0].start + g[1][g[3]][1] and g[0].start + g[1][g[2]][0] < b
                   for g in groups)

    for j in order:
        rank, h, spans, i, bad = cands[j]
        if taken(h, spans, i):
            continue
        lo, hi = i, i
        while lo > max(0, i - params.window) and lo - 1 not in bad and not taken(h, spans, lo - 1):
            lo -= 1
        while hi < min(len(spans) - 1, i + params.window) and hi + 1 not in bad and not taken(h, spans, hi + 1):
            hi += 1
        cost = spans[hi][1] - spans[lo][0]
        if used + cost > params.budget_chars and groups:
            continue
        near = [g for g in groups if g[0].chunk_id == h.chunk_id and (g[3] == lo - 1 or g[2] == hi + 1)]
        if not near and len(groups) >= params.max_passages:
            continue
        if near:  # joins one quote, or bridges two
            first = near[0]
            first[2], first[3] = min([lo] + [g[2] for g in near]), max([hi] + [g[3] for g in near])
            groups = [g for g in groups if g is first or all(g is not x for x in near)]
        else:
            groups.append([h, spans, lo, hi])
        used += cost
        if used >= params.budget_chars:
            break
    return [Citation.from_hit(h, n, spans[lo][0], spans[hi][1]) for n, (h, spans, lo, hi) in enumerate(groups, 1)]


# A citation marker as the model writes it: [1], [1, 3], [2; 4].
MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


def as_data(text: str) -> str:
    """Source text inside the prompt: it cannot close the <sources> block or fake a citation."""
    text = text.replace("<", "‹").replace(">", "›")
    return MARKER.sub(lambda m: f"({m.group(1)})", text)


def format_passages(passages: list[Citation], best_last: bool = True) -> str:
    """Most relevant last by default: nearest to the question, where a small model attends most."""
    out = []
    for p in (reversed(passages) if best_last else passages):
        head = ", ".join(x for x in (p.source or "unknown outlet", p.date.isoformat() if p.date else "undated") if x)
        title = f' "{as_data(p.title)}"' if p.title else ""
        out.append(f"[{p.n}] {as_data(head)}{title}:\n{as_data(p.quote)}")
    return "\n\n".join(out)


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage, a question or a draft, as retrieval.chunking.sentence_spans
    finds them (the one splitter: "George W. Bush", "the U.N. Security Council" and "R-N.Y."
    stay whole; a line break ends a sentence). A citation marker before a capital ends one too
    ("... in 2019 [1] They ..."): drafts write it without a stop."""
    return [part.strip() for a, b in sentence_spans(text) for part in _AFTER_MARKER.split(text[a:b]) if part.strip()]


_AFTER_MARKER = re.compile(r"(?<=\])[ \t]+(?=[A-Z])")


def nothing_found(corpus, what: str) -> str:
    """Why no passage came: an empty corpus (a first run of the CLI before `make run` loaded the
    bundled articles) says so and how to fill it, instead of seeming to have searched."""
    if corpus.count() == 0:
        return "the corpus is empty: add articles first; factcheck ingest corpus/ loads the bundled ones"
    return f"no passage in the corpus matches {what}"
