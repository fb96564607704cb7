"""Cited answers: retrieve → choose evidence within a budget → prompt → stream → judge every
sentence with the named checks (checks.py) → compose the answer, or abstain.

The small local model writes fluent sentences the passages do not state, so a sentence is shown
only when the checks pass and a given passage backs it, and the answer only when the model's own
P(yes) that the passages answer the question is high enough. Everything else is recorded as a
refusal naming its check, and the abstention shows the closest passages.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterator

from pydantic import BaseModel, Field, computed_field

from factcheck import timeframe
from factcheck.checks import CheckParams, Sentence, gives_kind, headline, judge, kind_asked
from factcheck import vocabulary as vocab
from factcheck.llm import Model
from factcheck.prompts import examples, render, template
from factcheck.evidence import (MARKER, Citation, Corroboration, as_data, corroboration, format_passages, is_instruction,
                                nothing_found, select_evidence)
from retrieval.chunking import sentence_spans
from retrieval.errors import FactcheckError

ABSTAIN_TEXT = "The sources don't say."


class AnswerParams(BaseModel):
    """Chosen on evaluation data (docs/experiments.md); every field can be overridden per call."""

    hits: int = 6  # passages retrieved before evidence selection
    budget_chars: int = 900  # evidence given to the model (~230 tokens: the local model reads 35-80 tokens/s)
    max_passages: int = 3
    best_passage_last: bool = True  # the closest passage last in the prompt, nearest the question (False: first)
    window: int = 0  # sentences of context added on each side of a chosen sentence (neighbours chosen on their own merit are joined)
    rank_weight: float = 0.03  # a sentence's closeness to the question, less this per rank of the passage it came from
    # Added to a sentence's closeness when it is its article's first (the lead) and when it holds
    # an answer of the kind asked (evidence.select_evidence). Off: on news_train 0.15 and 0.2 put
    # the answer in the evidence for 7 more of 304 questions, held out by week, but the answers
    # shown were no better (docs/experiments.md).
    lead_weight: float = 0.0
    kind_weight: float = 0.0
    max_tokens: int = 120
    min_answerable: float = 0.45  # P(yes) that the passages answer the question (it leans to yes; the support check does most of the work)
    # Worked examples before the question (prompts/answer_examples.txt), in the prefix every question
    # shares. Chosen on news_train (a quarter fewer wrong answers shown); they cost about 0.3 s of
    # first token and 1 s of whole answer (bench/answer.py; docs/experiments.md).
    examples: bool = True
    # The model's own certainty as it writes its answer: the geometric mean probability of the
    # tokens before the draft's first citation (`answer_confidence`). None: not used.
    min_confidence: float | None = None
    # The model asked a second time, with the passages and its answer, whether the passages state
    # it (prompts/stated_user.txt; `passages_state_answer`). None: not read. On news_train's odd
    # weeks a gate at 0.5 cut wrong and unbacked answers shown from 55 to 29 for 6 right ones,
    # held out by week, and on the even weeks from 47 to 32 for 6; off, as at 0.5 it refuses the
    # seed question's answer, stated word for word by its passage (docs/experiments.md).
    min_stated: float | None = None
    time_frame: bool = True  # evidence for "this week" must be dated this week (see timeframe.py)
    year_frame: bool = True  # nor evidence for a year the question names dated before that year (timeframe.year_named)
    checks: CheckParams = Field(default_factory=CheckParams)  # what a drafted sentence must pass (checks.py)


class Refusal(BaseModel):
    """Why a sentence of the draft, or the whole answer (sentence None), was not shown: the named
    check that refused it (factcheck/checks.py) and what it found."""

    sentence: str | None = None
    check: str
    detail: str


class Answer(BaseModel):
    question: str
    as_of: dt.date
    text: str
    abstained: bool
    reason: str | None = None
    citations: list[Citation] = Field(default_factory=list)  # those the shown text cites
    passages: list[Citation] = Field(default_factory=list)  # every passage given (the closest, when abstaining)
    sentences: list[Sentence] = Field(default_factory=list)  # the model's draft, sentence by sentence, judged
    refusals: list[Refusal] = Field(default_factory=list)  # what was not shown, and which check refused it
    answerable_p: float | None = None
    # The model's log-probability of each token it drafted (empty when the endpoint gives none).
    draft_tokens: list[tuple[str, float]] = Field(default_factory=list, exclude=True)
    confidence: float | None = None  # answer_confidence(draft_tokens)
    stated_p: float | None = None  # the model's P(yes) that the passages state the answer (AnswerParams.min_stated)
    model: str = ""
    timings: dict[str, float] = Field(default_factory=dict)

    @computed_field
    @property
    def corroboration(self) -> Corroboration | None:
        """The cited articles counted by outlet and by independent origin (copies of one story count once)."""
        return corroboration(self.citations)


# ---- composing ---------------------------------------------------------------------------------
KEY_QUOTE_CHARS = 320  # longer sentences stay in the citation card only
KEY_QUOTE_AFTER_WORDS = 4  # a name, a figure, a phrase: a sentence already says it in words the reader can check


def key_sentence(answer: str, passage: Citation, question: str) -> str | None:
    """The passage's own sentence that states a short answer: it holds every name and figure the
    answer adds to the question and some of what was asked. Shown after the answer in quotation
    marks, so a bare "Joe Biden." reads with the source's words for it (“US President Joe Biden …
    tested positive for Covid-19 on Thursday, July 21.”). None for a longer answer, when no one
    sentence holds it, when that sentence is long, or when the answer already repeats it."""
    body = MARKER.sub(" ", answer)
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
    plain = [MARKER.sub(" ", s) for s in sentences]
    said = set().union(*(vocab.topic(s) for s in plain))  # its content words
    from_headline = {vocab.stem(w) for h in headline(c) for w in vocab.words(h)}
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


def asked_kind_test(question: str) -> Callable[[str], bool] | None:
    """Whether a sentence gives an answer of the kind the question asks for, or None when the
    question asks for no particular kind."""
    kind = kind_asked(question)
    return None if kind is None else (lambda sentence: gives_kind(sentence, question, kind))


def answer_confidence(tokens: list[tuple[str, float]]) -> float | None:
    """How sure the model was as it wrote its answer: the geometric mean probability of the
    draft's tokens before its first citation marker (the answer as first stated). None without
    token probabilities."""
    logprobs = []
    for token, logprob in tokens:
        if "[" in token:
            break
        logprobs.append(logprob)
    return round(math.exp(sum(logprobs) / len(logprobs)), 4) if logprobs else None


def abstention(sentences: list[Sentence], p_yes: float, params: AnswerParams,
               confidence: float | None = None, stated: float | None = None) -> Refusal | None:
    """Why the judged draft is not shown (the check and what it found), or None. The draft states
    its answer first: when that first sentence is refused, what follows is context for an answer
    that did not hold ("Lady Gaga began her Vegas residency in 2018" after a refused "Lady Gaga."
    for who will launch one this year), so it is not shown either."""
    if p_yes < params.min_answerable:
        return Refusal(check="answerable", detail=f"the passages do not appear to answer the question "
                       f"(the model's P(yes) {p_yes:.2f} < {params.min_answerable})")
    if not sentences:
        return Refusal(check="draft_written", detail="the model wrote no answer")
    if params.min_confidence is not None and confidence is not None and confidence < params.min_confidence:
        return Refusal(check="confident_reading", detail=f"the model was unsure as it wrote the answer "
                       f"(mean token probability {confidence:.2f} < {params.min_confidence})")
    # A bare "Yes." before the sentence that says what the sources say is not the answer to judge.
    first = next((s for s in sentences if s.check != "not_bare_yes_no"), sentences[0])
    if not any(s.supported for s in sentences):
        return Refusal(check=first.check or "judge", detail=f"no sentence of the draft is backed by a passage given (the first: {first.reason})")
    if not first.supported:
        return Refusal(check=first.check or "judge", detail=f"the draft's answer (its first sentence) was refused ({first.reason})")
    return passages_state_answer(stated, params)


def passages_state_answer(stated: float | None, params: AnswerParams) -> Refusal | None:
    """An answer stands only when the model, shown the passages and the answer, reads them as
    stating it: writing an answer and confirming it are two readings, and a guess from a passage
    about something near rarely survives the second. Nothing to refuse when it was not read."""
    if params.min_stated is None or stated is None or stated >= params.min_stated:
        return None
    return Refusal(check="passages_state_answer", detail=f"asked whether the passages state this answer, the model "
                   f"leans to no (P(yes) {stated:.2f} < {params.min_stated})")


def vouch_note(a: "Answer") -> str | None:
    """Why a shown bare answer stands though no cited passage says it in the question's words
    (checks.vouched): fixed words and the two signals' values, nothing from a source."""
    vouched = [s for s in a.sentences if s.vouched and s.supported]
    if a.abstained or not vouched or a.answerable_p is None:
        return None
    # Counted as `checks.vouched` counts them: an article and its copies in other outlets once.
    by_n = {c.n: c.origin for c in a.passages}
    articles = len({by_n[n] for n in vouched[0].cites if n in by_n})
    return (f"No cited passage says it in the question's words; it stands because the model read the passages as "
            f"answering the question (P(yes) {a.answerable_p:.2f}) and {articles} articles name it.")


def settled(sentences: list[Sentence], whole: Refusal | None, question: str, article_of: Callable[[str], str],
            **fields) -> Answer:
    """The Answer a judged draft gives: the abstention when `whole` refused it, else its kept
    sentences composed with their citations. The answerer and the replays of stored drafts
    (bench/) settle a draft the same way."""
    if whole:
        return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, reason=whole.detail, sentences=sentences,
                      refusals=refusals(sentences, whole), **fields)
    text, citations = compose([s for s in sentences if s.supported], fields["passages"], question, article_of)
    return Answer(question=question, text=text, abstained=False, citations=citations, sentences=sentences,
                  refusals=refusals(sentences, None), **fields)


def abstain_reason(sentences: list[Sentence], p_yes: float, params: AnswerParams) -> str | None:
    """The abstention's detail alone (see `abstention`)."""
    refusal = abstention(sentences, p_yes, params)
    return refusal.detail if refusal else None


def refusals(sentences: list[Sentence], whole: Refusal | None) -> list[Refusal]:
    """Every refused sentence with its check, then the abstention's, if any."""
    out = [Refusal(sentence=s.text, check=s.check or "judge", detail=s.reason or "") for s in sentences if not s.supported]
    return out + ([whole] if whole else [])


# ---- the pipeline -----------------------------------------------------------------------------
class Answerer:
    def __init__(self, searcher, llm: Model, params: AnswerParams | None = None):
        self.searcher = searcher
        self.llm = llm
        self.params = params or AnswerParams()

    def messages(self, name: str, question: str, passages: list[Citation], as_of: dt.date, **extra: str) -> list[dict]:
        # Always send a system prompt: Qwen's template adds its own default otherwise. Every
        # prompt starts with the same system text, passages and question, so the server's
        # prompt cache makes the follow-up yes/no calls cheap.
        shots = examples("answer_examples") if self.params.examples else ()
        return [{"role": "system", "content": template("answer_system")}, *shots,
                {"role": "user", "content": render(name, passages=format_passages(passages, self.params.best_passage_last), question=as_data(question),
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
        passages = select_evidence(question_vec, hits, embedder, p, asked_kind_test(question))
        timings["evidence_s"] = time.perf_counter() - t0 - timings["retrieval_s"]
        base = dict(as_of=as_of, model=self.llm.label, passages=passages)
        if not passages:
            timings["total_s"] = time.perf_counter() - t0
            found = nothing_found(self.searcher.corpus, "the question")
            yield Answer(question=question, text=ABSTAIN_TEXT, abstained=True, reason=found,
                         refusals=[Refusal(check="retrieval", detail=found)], timings=_round(timings), **base)
            return
        draft = ""
        tokens: list[tuple[str, float]] = []
        t_llm = time.perf_counter()
        for delta in self.llm.stream(self.messages("answer_user", question, passages, as_of), p.max_tokens, tokens=tokens):
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
        sentences = judge(draft, passages, p.checks, question, timeframe.frame(question, as_of, p.time_frame, p.year_frame), p_yes)
        kept = [s for s in sentences if s.supported]
        confidence = answer_confidence(tokens)
        whole = abstention(sentences, p_yes, p, confidence)
        stated = None
        if not whole and p.min_stated is not None:
            # The answer as it would be shown (its first sentence), read against the same passages.
            stated = self.llm.yes_probability(self.messages("stated_user", question, passages, as_of, answer=as_data(kept[0].text)))
            whole = passages_state_answer(stated, p)
        timings["check_s"] = time.perf_counter() - t_check
        timings["total_s"] = time.perf_counter() - t0
        base.update(draft_tokens=tokens, confidence=confidence, stated_p=None if stated is None else round(stated, 4))
        yield settled(sentences, whole, question, self._article_text, answerable_p=round(p_yes, 4),
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


def _cited_sentence(text: str, cites: list[int]) -> str:
    end = text[-1] if text and text[-1] in ".!?" else "."
    body = text[:-1] if text and text[-1] in ".!?" else text
    return f"{body} {''.join(f'[{n}]' for n in cites)}{end}"


def _round(t: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in t.items()}
