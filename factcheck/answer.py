"""Cited answers: retrieve → choose evidence within a budget → prompt → stream → check every
citation in code → answer or abstain.

Why checks in code: the small local model invents answers with made-up citations when the
passages do not say (DESIGN.md). So a sentence is shown only when it cites a passage that was
given and that passage holds its key facts (numbers, names, most content words), and the answer
is shown only when the model's own P(yes) that the passages answer the question is high enough.
Everything else becomes the abstention, with the closest passages shown.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator

import numpy as np
from pydantic import BaseModel, Field

from factcheck import timeframe
from factcheck import vocabulary as vocab
from factcheck.prompts import examples, render, template
from retrieval.chunking import ABBREVIATION, sentence_spans
from retrieval.errors import FactcheckError
from retrieval.models import Hit

ABSTAIN_TEXT = "The sources don't say."


class AnswerParams(BaseModel):
    """Chosen on dev data (see README); every field can be overridden per call."""

    hits: int = 6  # passages retrieved before evidence selection
    budget_chars: int = 900  # evidence given to the model (~230 tokens: the local model reads 35-80 tokens/s)
    max_passages: int = 3
    window: int = 0  # sentences of context added on each side of a chosen sentence (neighbours chosen on their own merit are joined)
    max_tokens: int = 120
    min_answerable: float = 0.45  # P(yes) that the passages answer the question (it leans to yes; the support check does most of the work)
    min_support: float = 0.6  # share of a sentence's content words found in what it cites
    examples: bool = False  # worked examples before the question (prompts/answer_examples.txt)
    time_frame: bool = True  # evidence for "this week" must be dated this week (see timeframe.py)


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

    @classmethod
    def from_hit(cls, hit: Hit, n: int, a: int = 0, b: int | None = None, **extra):
        """The hit's text from a to b (its whole text by default), placed in its article."""
        b = len(hit.text) if b is None else b
        return cls(n=n, doc_id=hit.doc_id, external_id=hit.external_id, chunk_id=hit.chunk_id, title=hit.title,
                   source=hit.source, date=hit.date, url=hit.url, quote=hit.text[a:b], start=hit.start + a,
                   end=hit.start + b, **extra)

    def label(self) -> str:
        from retrieval.models import display_label

        return display_label(self.title, self.source, self.date, self.doc_id)


class Sentence(BaseModel):
    text: str
    cites: list[int]
    supported: bool
    reason: str | None = None
    attributed: bool = False  # the model gave no marker; the check found the passage that holds it
    # Other passages given that hold the sentence's facts on their own, cited too: a fact-checker
    # wants to see every outlet that says it, and the first one the model picked may be a roundup.
    corroborating: list[int] = Field(default_factory=list)


class Answer(BaseModel):
    question: str
    as_of: dt.date
    text: str
    abstained: bool
    reason: str | None = None
    citations: list[Citation] = Field(default_factory=list)  # those the shown text cites
    passages: list[Citation] = Field(default_factory=list)  # every passage given (the closest, when abstaining)
    sentences: list[Sentence] = Field(default_factory=list)  # the model's draft, sentence by sentence, judged
    answerable_p: float | None = None
    model: str = ""
    timings: dict[str, float] = Field(default_factory=dict)


# ---- evidence ---------------------------------------------------------------------------------
# Sentences that address the assistant instead of reporting anything. They are never evidence:
# a source may be quoted, but it cannot steer the answer (prompt injection in uploaded articles).
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|directions|above|previous|everything)\b"
    r"|\b(system|assistant|developer)\s*(prompt|message|note)?\s*:"
    r"|\byou (are|must|should|will) (now )?(an? )?(ai|assistant|language model|chatbot|model)\b"
    r"|\b(the )?(correct|right|real|true) answer (is|would be)\b|\b(answer|reply|respond|say) (that|with|only)\b"
    r"|<\|?im_(start|end)\|?>|\[/?INST\]", re.I)


def is_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def select_evidence(question_vec: np.ndarray, hits: list[Hit], embedder, params: AnswerParams) -> list[Citation]:
    """The sentences closest to the question, best first, within the budget. Sentences next to
    each other in one passage are joined into one quote, so the budget buys distinct sentences
    rather than repeated context (measured on news_dev: the answer is in the chosen evidence
    for 49 of 66 questions at 900 characters, against 47 with a sentence of context each)."""
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
    order = np.argsort(-(sims - 0.03 * np.array([c[0] for c in cands])))
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


_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


def as_data(text: str) -> str:
    """Source text inside the prompt: it cannot close the <sources> block or fake a citation."""
    text = text.replace("<", "‹").replace(">", "›")
    return _MARKER.sub(lambda m: f"({m.group(1)})", text)


def format_passages(passages: list[Citation]) -> str:
    """Most relevant last: nearest to the question, where a small model attends most."""
    out = []
    for p in reversed(passages):
        head = ", ".join(x for x in (p.source or "unknown outlet", p.date.isoformat() if p.date else "undated") if x)
        title = f' "{as_data(p.title)}"' if p.title else ""
        out.append(f"[{p.n}] {as_data(head)}{title}:\n{as_data(p.quote)}")
    return "\n\n".join(out)


# ---- checking ---------------------------------------------------------------------------------
_NOT_SAID = re.compile(r"\b(do(es)?n[o’']?t|do(es)? not|did not|didn[’']t) (say|mention|state|specify|provide|contain|answer|include)|"
                       r"\bno (information|mention)\b|\bnot (mentioned|stated|specified|provided)\b|"
                       r"\b(cannot|can't|can not|unable to) (be )?(determine|answer|find|tell)", re.I)


# A sentence that stops where its answer should be ("The Omicron variant is called [1].") states
# nothing, however well its words match the passage.
_DANGLING = re.compile(r"\b(is|are|was|were|be|called|named|titled|the|a|an|of)\s*[.!?]?\s*$", re.I)


def split_sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])[ \t]+(?=[A-Z\"“(])|(?<=\])[ \t]+(?=[A-Z])|(\s*\n\s*)", text.strip())
    out: list[str] = []
    glued = False  # the previous part ended with an abbreviation on the same line
    for part in parts:
        if part is None or not part.strip():
            glued = glued and part is None  # a line break (the captured separator) ends a sentence whatever came before
            continue
        part = part.strip()
        if glued:  # "Democratic Rep. Bennie Thompson" is one sentence
            out[-1] += " " + part
        else:
            out.append(part)
        glued = bool(ABBREVIATION.search(out[-1]))
    return out


# "When did they last meet?", "What did the talks decide?": with the auxiliary right after the
# question word, the question's last word is the verb it asks about. A passage that never says it
# (that they decided anything) cannot answer, however many of the other words it shares.
_DO_QUESTION = re.compile(r"^\s*(what|when|where|why|how|who|whom)\s+(did|does|do)\s+(.+?)\s+([a-z][a-z'’-]+)\s*\?\s*$", re.I)
_NOT_A_VERB = {"a", "an", "the", "to", "for", "of", "in", "on", "at", "with", "by", "from", "about", "as", "into"}


def asked_verb(question: str) -> str | None:
    m = _DO_QUESTION.match(question)
    if not m or len(question.split()) > 14:
        return None
    before = m.group(3).split()[-1].lower()
    verb = m.group(4).lower()
    return None if before in _NOT_A_VERB or verb in vocab.STOP else verb


TOPIC_SHARE = 0.5  # of the question's content words, in the cited passage (news_dev: 0.4 let one more wrong answer through, 0.6 lost one right)

# A bare answer ("Lady Gaga.") echoes none of the question, so nothing above ties it to what was
# asked: the passage must say it together with what was asked, in one sentence and its
# neighbours (or the headline), holding this share of the question's words. Passage-wide word
# shares let through any name an on-topic passage mentions in passing ("Toilet paper" from a
# January story on shortages, for the product short this week; "73%" from a 2019 poll). Measured
# on stored news_dev drafts (session 17, README): with the sentence and its neighbours at 0.5 no
# right answer was lost and answers shown for answer-less questions fell 17 → 14; within a
# sentence alone, "“Squid Game” is officially coming back." is refused for "Which show was
# green lit for a new season?" because the next sentence says the rest.
BARE_TOPIC_SHARE = 0.5
BARE_WINDOW = 1  # sentences on each side

# "What country elected its first leftist leader?" is not answered by "The Arab-Israeli party
# elected …", however well a passage backs the words: the answer must name a country the question
# does not. ("Which country singer …" asks for a singer.)
_ASKS_COUNTRY = re.compile(r"\b(what|which)\s+(countries|country|nations|nation)\b(?!\s+(music|singer|star|artist|song|album|band))", re.I)

_WH_PREMISE = re.compile(r"^\s*(what|which|who|whom|whose|where|why|how)\b(?!.*\bor\b)", re.I)


def on_topic(stems: set[str], question: str, share: float = TOPIC_SHARE) -> bool:
    """Whether a passage (its stems) holds enough of what the question is about."""
    topic = vocab.topic(question)
    return bool(topic) and len(topic & stems) >= share * len(topic)


def said_with_topic(answer: str, cited: list[str], headlines, question: str) -> bool:
    """Whether one stretch of a cited passage (a sentence with BARE_WINDOW neighbours, or a
    headline) holds every word and number the answer adds to the question and BARE_TOPIC_SHARE of
    the question's own words."""
    asked = {vocab.stem(w) for w in vocab.words(question)}
    new = {vocab.stem(w) for w in vocab.words(answer) if w not in vocab.STOP and len(w) > 2 and not w.isdigit()
           and w not in vocab.NUMBER_WORDS} - asked
    figures = vocab.numbers(answer) - vocab.numbers(question)
    stretches = list(headlines)
    for quote in cited:
        sents = split_sentences(quote)
        stretches += [" ".join(sents[max(0, i - BARE_WINDOW):i + BARE_WINDOW + 1]) for i in range(len(sents))]
    for text in stretches:
        stems = vocab.stems(text)
        if new <= stems and figures <= vocab.numbers(text) and on_topic(stems, question, BARE_TOPIC_SHARE):
            return True
    return False


# A story's dateline names the outlet that wrote it ("Colombo, Sri Lanka CNN —", "(CNN)"): who
# reports, not what is reported. "CNN [1]." was once shown for where a data leak happened.
_OUTLET_DATELINE = re.compile(r"^(\s*(?:[A-Z][\w.'’-]*,?\s+){0,4}?)(?:CNN(?:\s+Business)?|Reuters|AP|AFP)(\s*[—–])"
                              r"|^\s*\((?:CNN|AP|Reuters|AFP)\)")


def _without_outlet(quote: str) -> str:
    return _OUTLET_DATELINE.sub(lambda m: (m.group(1) or "") + (m.group(2) or ""), quote, count=1)


def support(sentence: str, cited: list[str], question: str = "", headlines: list[str] | tuple[str, ...] = ()) -> float:
    """Share of the sentence's key facts found in the cited passages: every number must be there
    (else 0), and content words count by their first five letters (a crude stem that lets
    "meeting" match "met"-less but "meet" match "meeting").

    The passages' headlines count for words and names but not numbers: the model reads them
    (format_passages) and a citation shows them, and a passage often names its subject only
    there ("Thor: Love and Thunder" tops a box-office story that says "the film"). A figure must
    be in the quote itself, where a fact-checker can check it in context."""
    body = _MARKER.sub(" ", sentence)
    cited = [_without_outlet(c) for c in cited]
    figures = vocab.numbers(" ".join(cited))
    evidence = " ".join([*headlines, *cited])
    # A number a wh-question gives is its premise ("Which team won the 2022 Stanley Cup?"), not
    # the answer, so a sentence restating it needs no source for it. Not so for "Did they meet in
    # 2024?" or "When …": there the number is what is asked.
    asks = split_sentences(question)[-1] if question.strip() else ""  # after any context the quiz gives first
    premise = vocab.numbers(question) if _WH_PREMISE.match(asks) else set()
    if not vocab.numbers(body) - premise <= figures:
        return 0.0
    words = {w for w in vocab.words(body) if w not in vocab.STOP and len(w) > 2 and not w.isdigit() and w not in vocab.NUMBER_WORDS}
    if not words:  # a bare figure ("73%."): see BARE_TOPIC_SHARE
        return 1.0 if vocab.numbers(body) and (not question.strip() or said_with_topic(body, cited, headlines, question)) else 0.0
    stems = vocab.stems(evidence)
    # Names are facts too: a capitalised word after the first must be in what is cited.
    names = {vocab.stem(w.lower()) for w in re.findall(r"(?<=[\s(“\"])[A-Z][a-zA-Z’'-]+", body) if w.lower() not in vocab.STOP}
    # The first word is capitalised anyway, but a name there is a fact like any other ("Japan's
    # citizens were …" against a passage about China's). A first name too: "Idaho Pride event at
    # Coeur d'Alene City Park" was once shown citing a passage that never says Idaho, when a
    # capitalised pair at the start was taken for a first name and let through.
    first = re.match(r"\s*[“\"(]?([A-Z][a-zA-Z’'-]+)", body)
    if first and first.group(1).lower() not in vocab.STOP:
        names.add(vocab.stem(first.group(1).lower()))
    # A name that only restates the question's subject ("Ignazio Cassis") may be left out.
    asked = {vocab.stem(w) for w in vocab.words(question)}
    asked_names = {vocab.stem(w.lower()) for w in re.findall(r"\b[A-Z][a-zA-Z’'-]+", question)}
    if not (names - asked) <= stems:
        return 0.0
    # Most of what the question asks about ("met" for "meet") must be in the cited passage, or the
    # passage is about something else. Most, not all: answers restate the question's wording.
    # An answer that restates the question in its own words ("… were recognized this week at the
    # Tony Awards") passes too when the passage itself is about most of what the question asks.
    echoed = ({vocab.stem(w) for w in words} & asked) - names - asked_names
    if echoed and len(echoed & stems) < max(1, len(echoed) / 2):
        if not on_topic(stems, question):
            return 0.0
    # A bare answer echoes nothing, so only its passage can tie it to the question (see BARE_TOPIC_SHARE).
    if question.strip() and not echoed and not said_with_topic(body, cited, headlines, question):
        return 0.0
    verb = asked_verb(question)
    if verb and vocab.stem(verb) not in stems:
        return 0.0
    return sum(1 for w in words if vocab.stem(w) in stems) / len(words)


# Stop words for the support check, but an answer to "when?" ("reopened on Friday").
_WHEN_WORDS = set("monday tuesday wednesday thursday friday saturday sunday today yesterday tonight weekend last first".split())


def _adds_to(sentence: str, question: str) -> bool:
    """Whether the sentence says anything the question did not: a word, a name or a number."""
    asked = {vocab.stem(w) for w in vocab.words(question)}
    return bool(vocab.numbers(sentence) - vocab.numbers(question)) or any(
        vocab.stem(w) not in asked for w in vocab.words(_MARKER.sub(" ", sentence)) if len(w) > 2 and (w not in vocab.STOP or w in _WHEN_WORDS))


def _headline(p: Citation) -> list[str]:
    # A headline that addresses the assistant is no evidence, like such a sentence in the text.
    return [p.title] if p.title and not is_instruction(p.title) else []


def attribute(text: str, passages: list[Citation], params: AnswerParams, question: str = "") -> list[int]:
    """The one passage that holds the sentence's facts, if any. Never a pair: a sentence stitched
    from two passages is how a small model merges unrelated facts into a false one."""
    scored = [(support(text, [p.quote], question, _headline(p)), p.n) for p in passages]
    share, n = max(scored, default=(0.0, 0))
    return [n] if share >= params.min_support else []


def _with_corroboration(s: Sentence, passages: list[Citation], params: AnswerParams, question: str) -> Sentence:
    """The sentence, citing as well every other passage that holds its facts on its own (the same
    check as its own citation, passage by passage: never a fact stitched from two). The model did
    not choose these, so each must also be about the question: "Monkeypox." is held by every
    passage that names the disease, but only one about what was asked backs it as an answer.
    Their quotes alone, not headlines: an outlet added as saying it must say it where it is quoted."""
    also = [p.n for p in passages if p.n not in s.cites and support(s.text, [p.quote], question) >= params.min_support
            and (not question or on_topic({vocab.stem(w) for w in vocab.words(p.quote)}, question))]
    return s.model_copy(update={"cites": sorted(s.cites + also), "corroborating": also}) if also else s


def judge(draft: str, passages: list[Citation], params: AnswerParams, question: str = "",
          since: dt.date | None = None) -> list[Sentence]:
    """Each sentence of the draft, kept only when a given passage holds it. With `since` (the
    time the question names, timeframe.py), only passages dated from then on can back it."""
    by_n = {p.n: p for p in passages}
    fresh = [p for p in passages if since is None or (p.date is not None and p.date >= since)]
    usable = {p.n for p in fresh}
    judged = []
    sentences = split_sentences(draft)
    if sentences and not re.search(r"[.!?\]\"”')]\s*$", draft):
        # The reply was cut at its token limit: an unfinished sentence states nothing whole.
        # Its first clauses may ("The launch was at Arnhem, near Nhulunbuy, according to the devel").
        head = sentences[-1].rsplit(",", 1)[0] if "," in sentences[-1] else ""
        sentences[-1:] = [head + "."] if len(vocab.words(head)) >= 4 else []
    asks_country = bool(_ASKS_COUNTRY.search(question))
    for i, s in enumerate(sentences):
        cites = sorted({int(n) for m in _MARKER.finditer(s) for n in re.split(r"[,;]", m.group(1))})
        text = _MARKER.sub("", s).strip()
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if _NOT_SAID.search(text):
            judged.append(Sentence(text=text, cites=[], supported=False, reason="says the sources do not answer"))
        elif _DANGLING.search(text):
            judged.append(Sentence(text=text, cites=cites, supported=False, reason="ends before it says anything"))
        elif i == 0 and asks_country and not vocab.countries(text) - vocab.countries(question):
            judged.append(Sentence(text=text, cites=cites, supported=False, reason="names no country, which the question asks for"))
        elif question and not _adds_to(text, question):
            # "A record-breaking reptile was caught in Florida" for "Which animal was it?": true,
            # cited, and no answer.
            judged.append(Sentence(text=text, cites=cites, supported=False, reason="restates the question without answering it"))
        else:
            # A number past the passages given ("[4]" of three) is no citation: the sentence
            # stands on the passages it validly cites, or on the one given passage holding it.
            own = [n for n in cites if n in usable]
            share = support(text, [by_n[n].quote for n in own], question, [h for n in own for h in _headline(by_n[n])]) if own else 0.0
            if share >= params.min_support:
                judged.append(_with_corroboration(Sentence(text=text, cites=own, supported=True), fresh, params, question))
                continue
            # The small model often drops the marker or cites a neighbour of the right passage.
            # Attribute the sentence to the passages that do hold its facts, if any; the same
            # support check decides, so nothing unsupported is waved through.
            found = attribute(text, fresh, params, question)
            if found:
                judged.append(_with_corroboration(Sentence(text=text, cites=found, supported=True, attributed=True),
                                                  fresh, params, question))
            else:
                why = ("cites nothing" if not cites else f"cited passage does not hold its facts ({share:.0%})" if own
                       else "cites a passage that was not given" if any(n not in by_n for n in cites)
                       else f"cites only passages dated before {since}, the time the question names")
                judged.append(Sentence(text=text, cites=cites, supported=False, reason=why))
    return judged


KEY_QUOTE_CHARS = 320  # longer sentences stay in the citation card only
KEY_QUOTE_AFTER_WORDS = 4  # a name, a figure, a phrase: a sentence already says it in words the reader can check


def key_sentence(answer: str, passage: Citation, question: str) -> str | None:
    """The passage's own sentence that states a short answer: it holds every name and figure the
    answer adds to the question and some of what was asked. Shown after the answer in quotation
    marks, so a bare "Joe Biden." reads with the source's words for it (“US President Joe Biden …
    tested positive for Covid-19 on Thursday, July 21.”). None for a longer answer, when no one
    sentence holds it, when that sentence is long, or when the answer already repeats it."""
    body = _MARKER.sub(" ", answer)
    if len(vocab.words(body)) > KEY_QUOTE_AFTER_WORDS:
        return None
    asked = {vocab.stem(w) for w in vocab.words(question)}
    new = {vocab.stem(w) for w in vocab.words(body) if w not in vocab.STOP and len(w) > 2 and not w.isdigit()} - asked
    names = vocab.capitalised(body) - asked
    figures = vocab.numbers(body) - vocab.numbers(question)
    if not (new or figures):
        return None
    topic = vocab.topic(question)
    best, best_score = None, 0
    for a, b in sentence_spans(passage.quote):
        text = passage.quote[a:b].strip().lstrip(":;,.-–— ")  # a list's dash or a heading's colon is not the source's sentence
        stems = vocab.stems(text)
        # It must say something of what was asked too: not a dateline ("Colombo, Sri Lanka CNN —").
        # A question in the source ("So why don't New Jersey and Oregon let you pump your own
        # gas?") names the answer without stating it.
        if not (names <= stems and figures <= vocab.numbers(text) and topic & stems) or is_instruction(text) \
                or text.rstrip("”\"’') ").endswith("?"):
            continue
        score = len(new & stems) + len(topic & stems)
        if score > best_score:
            best, best_score = text, score
    if not best or len(best) > KEY_QUOTE_CHARS:
        return None
    own = {vocab.stem(w) for w in vocab.words(best) if w not in vocab.STOP}
    said = {vocab.stem(w) for w in vocab.words(body)}
    return None if len(own & said) >= 0.8 * len(own) else best


NAME_REACH = 400  # characters a quote may grow on either side to show a name


def widen_to_names(c: Citation, sentences: list[str], question: str, article_of: Callable[[str], str]) -> Citation:
    """The citation with its quote widened to the nearest sentence of its article that holds the
    names and words its sentences took from the headline ("Philippines" heads a story whose quoted
    lines say "the quake"; "Thor love and thunder" one that says "the film"), and then to the one
    that writes its sentences' names as they write them ("Ukraine" cited to "Ukrainian first lady",
    "Saudi Arabia" to "Saudi Arabian officials"), each reaching at most NAME_REACH characters past
    the quote: a reader checks the quote, not the headline, and looks for the name as written.
    Unchanged when nothing is missing, nothing is near enough, or the way there crosses a
    sentence that addresses the assistant."""
    asked = {vocab.stem(w) for w in vocab.words(question)}
    plain = [_MARKER.sub(" ", s) for s in sentences]
    said = set().union(*(vocab.topic(s) for s in plain))  # its content words
    from_headline = {vocab.stem(w) for h in _headline(c) for w in vocab.words(h)}
    missing = (said & from_headline) - asked - vocab.stems(c.quote)
    names = {n for s in plain for n in vocab.names(s) if vocab.stem(n) not in asked}
    if not missing and names <= vocab.surface(c.quote):
        return c
    article = article_of(c.doc_id)
    if article[c.start:c.end] != c.quote:
        return c
    spans = sentence_spans(article)
    if missing:
        c = _grow_to(c, article, spans, lambda sentence: missing <= vocab.stems(sentence))
    names -= vocab.surface(c.quote)
    if names:
        c = _grow_to(c, article, spans, lambda sentence: names <= vocab.surface(sentence))
    return c


def _grow_to(c: Citation, article: str, spans: list[tuple[int, int]], holds: Callable[[str], bool]) -> Citation:
    """The quote grown to the nearest sentence within NAME_REACH that holds what is wanted."""
    # A sentence that starts within reach counts whole: a story's first sentence is often long.
    near = [(max(c.start - b, a - c.end, 0), a, b) for a, b in spans
            if b >= c.start - NAME_REACH and a <= c.end + NAME_REACH and holds(article[a:b])]
    if not near:
        return c
    _, a, b = min(near)
    start, end = min(c.start, a), max(c.end, b)
    if any(is_instruction(article[x:y]) for x, y in spans if x < end and y > start):
        return c
    return c.model_copy(update={"quote": article[start:end], "start": start, "end": end})


def compose(kept: list[Sentence], passages: list[Citation], question: str,
            article_of: Callable[[str], str]) -> tuple[str, list[Citation]]:
    """The text shown and its citations, renumbered 1..k in order of first use: the kept
    sentences with their markers, a short answer's key sentence, quotes grown to show names."""
    order: list[int] = []
    for s in kept:
        order += [n for n in s.cites if n not in order]
    renumber = {old: new for new, old in enumerate(order, 1)}
    by_n = {c.n: c for c in passages}
    text = " ".join(_cited_sentence(s.text, [renumber[n] for n in s.cites]) for s in kept)
    first = kept[0]
    for n in [n for n in first.cites if n not in first.corroborating] + first.corroborating:
        key = key_sentence(first.text, by_n[n], question)
        if key:
            text += f" — “{key}” [{renumber[n]}]"
            break
    citations = [widen_to_names(by_n[old], [s.text for s in kept if old in s.cites], question, article_of)
                 .model_copy(update={"n": new}) for old, new in renumber.items()]
    return text, citations


def abstain_reason(sentences: list[Sentence], p_yes: float, params: AnswerParams) -> str | None:
    """Why the judged draft is not shown, or None. The draft states its answer first: when that
    first sentence is refused, what follows is context for an answer that did not hold ("Lady
    Gaga began her Vegas residency in 2018" after a refused "Lady Gaga." for who will launch one
    this year), so it is not shown either."""
    if p_yes < params.min_answerable:
        return "the passages do not appear to answer the question"
    if not sentences:
        return "the model wrote no answer"
    if not any(s.supported for s in sentences):
        return f"no sentence of the draft is backed by a passage given (the first: {sentences[0].reason})"
    if not sentences[0].supported:
        return f"the draft's answer (its first sentence) was refused ({sentences[0].reason})"
    return None


# ---- the pipeline -----------------------------------------------------------------------------
class Answerer:
    def __init__(self, searcher, llm, params: AnswerParams | None = None):
        self.searcher = searcher
        self.llm = llm
        self.params = params or AnswerParams()

    def messages(self, name: str, question: str, passages: list[Citation], as_of: dt.date, **extra: str) -> list[dict]:
        # Always send a system prompt: Qwen's template adds its own default otherwise. Every
        # prompt starts with the same system text, passages and question, so the server's
        # prompt cache makes the follow-up yes/no calls cheap.
        shots = examples("answer_examples") if self.params.examples else ()
        return [{"role": "system", "content": template("answer_system")}, *shots,
                {"role": "user", "content": render(name, passages=format_passages(passages), question=as_data(question),
                                                   as_of=as_of.isoformat(), **extra)}]

    def stream(self, question: str, as_of: dt.date | None = None, **search_kw) -> Iterator[str | Answer]:
        """Yields the draft as the model writes it, then the checked Answer."""
        p = self.params
        as_of = as_of or dt.date.today()
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        embedder = self.searcher.corpus.embedder
        question_vec = embedder.embed([question])[0]  # once, for both search and evidence choice
        hits = self.searcher.search(question, p.hits, as_of=as_of, per_article=2, query_vec=question_vec, **search_kw)
        timings["retrieval_s"] = time.perf_counter() - t0
        passages = select_evidence(question_vec, hits, embedder, p)
        timings["evidence_s"] = time.perf_counter() - t0 - timings["retrieval_s"]
        base = dict(question=question, as_of=as_of, model=self.llm.label, passages=passages)
        if not passages:
            timings["total_s"] = time.perf_counter() - t0
            yield Answer(text=ABSTAIN_TEXT, abstained=True, reason=nothing_found(self.searcher.corpus, "the question"),
                         timings=_round(timings), **base)
            return
        draft = ""
        t_llm = time.perf_counter()
        for delta in self.llm.stream(self.messages("answer_user", question, passages, as_of), p.max_tokens):
            if not draft:
                timings["first_token_s"] = time.perf_counter() - t0
            draft += delta
            yield delta
        timings["generation_s"] = time.perf_counter() - t_llm
        t_check = time.perf_counter()
        # Same passages and question as the answer prompt: the server reuses the cached prefix.
        p_yes = self.llm.yes_probability(self.messages("answerable_user", question, passages, as_of))
        # A question about "this week" is answered from this week's reports only (timeframe.py).
        # The model still reads the older passages: they are shown when it abstains.
        since = timeframe.since(question, as_of) if p.time_frame else None
        sentences = judge(draft, passages, p, question, since)
        timings["check_s"] = time.perf_counter() - t_check
        timings["total_s"] = time.perf_counter() - t0
        kept = [s for s in sentences if s.supported]
        reason = abstain_reason(sentences, p_yes, p)
        if reason:
            yield Answer(text=ABSTAIN_TEXT, abstained=True, reason=reason, sentences=sentences, answerable_p=round(p_yes, 4),
                         timings=_round(timings), **base)
            return
        text, citations = compose(kept, passages, question, self._article_text)
        yield Answer(text=text, abstained=False, citations=citations, sentences=sentences, answerable_p=round(p_yes, 4),
                     timings=_round(timings), **base)

    def _article_text(self, doc_id: str) -> str:
        try:
            return self.searcher.corpus.get(doc_id).text
        except FactcheckError:  # deleted meanwhile: the quote stays as it was
            return ""

    def ask(self, question: str, as_of: dt.date | None = None, **search_kw) -> Answer:
        for item in self.stream(question, as_of, **search_kw):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream ended without an answer")


def nothing_found(corpus, what: str) -> str:
    """Why no passage came: an empty corpus (a first run of the CLI before `make run` loaded the
    bundled articles) says so and how to fill it, instead of seeming to have searched."""
    if corpus.count() == 0:
        return "the corpus is empty: add articles first; factcheck ingest corpus/ loads the bundled ones"
    return f"no passage in the corpus matches {what}"


def _cited_sentence(text: str, cites: list[int]) -> str:
    end = text[-1] if text and text[-1] in ".!?" else "."
    body = text[:-1] if text and text[-1] in ".!?" else text
    return f"{body} {''.join(f'[{n}]' for n in cites)}{end}"


def _round(t: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in t.items()}
