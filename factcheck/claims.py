"""Claim verification: a claim → atomic parts → evidence per part → a verdict per part read from
token probabilities → an overall verdict.

Why probabilities and not the model's words: asked to name a label, the small local model almost
never says REFUTED (macro-F1 0.39-0.44 measured that way). Two focused yes/no questions that share a
cached passage prefix ("does the source support the claim?" / "... contradict it?"), with thresholds fitted
on SciFact's training claims, did far better. The explanation is written in code from the
verdict and the quoted evidence, so it can never cite something that was not given.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import json
import re
import time
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, computed_field, model_validator

from factcheck import vocabulary as vocab
from factcheck.evidence import MARKER, Citation, Corroboration, as_data, corroboration, is_instruction, nothing_found
from factcheck.answer import Answer, Answerer, AnswerParams
from factcheck.llm import Model, NoTokenProbabilities
from factcheck.prompts import render, template
from factcheck.questions import (Finding, QuestionParams, Stance, debunking_sentence, denial, parse_questions, polar_question,
                                 questions_prompt, shown_text, stance, verdict_of)
from factcheck.weighing import signals, weights
from retrieval.chunking import sentence_spans
from retrieval.errors import ModelError, NotFound


class Label(str, enum.Enum):
    SUPPORTED = "SUPPORTED"
    REFUTED = "REFUTED"
    NOT_ENOUGH_INFO = "NOT_ENOUGH_INFO"
    MIXED = "MIXED"  # only for a whole claim whose parts disagree


class Evidence(Citation):
    after_claim_date: bool = False  # published after the claim's date context: it could not have backed it then
    p_true: float | None = None  # P(yes) to "does the source support the claim?"
    p_false: float | None = None
    overlap: float | None = None  # share of the claim's content words found in the passage, counted in code
    # Share of what the claim says about its names (its content words that are not capitalised)
    # found in the passage: a passage that shares only the names can neither support nor refute it.
    predicate_overlap: float | None = None
    # P(yes) to "supports" for the claim turned around in code ("increases" -> "decreases", "is
    # not" -> "is"): the small model cannot say "contradicts" on its own, but a passage it reads
    # as backing the opposite more than the claim is evidence against the claim.
    p_true_flipped: float | None = None


class Prior(BaseModel):
    """The model's P(yes) to the same questions about the claim with no source at all: how much
    it leans to "supports" or "contradicts" for this wording whatever it reads."""

    p_true: float
    p_false: float
    p_true_flipped: float | None = None  # for the claim turned around, when it can be


class PartVerdict(BaseModel):
    claim: str  # the atomic, self-contained claim
    verdict: Label
    # 0..1, how sure the verdict is: the deciding probability (less the prior, with one), or 1 - both for NOT_ENOUGH_INFO
    confidence: float
    explanation: str  # one sentence, citing evidence by its number [n]
    cites: list[int] = Field(default_factory=list)  # evidence numbers the verdict rests on
    evidence: list[Evidence] = Field(default_factory=list)  # every passage read for this part
    reason: str | None = None  # why NOT_ENOUGH_INFO, when it is
    prior: Prior | None = None  # with ClaimParams.prior: what was subtracted before deciding
    questions: list[Finding] = Field(default_factory=list)  # method "questions": what was asked, answered and found

    @computed_field
    @property
    def corroboration(self) -> Corroboration | None:
        """The evidence the verdict rests on, counted by outlet and by independent origin."""
        return corroboration([e for e in self.evidence if e.n in self.cites])


class ClaimCheck(BaseModel):
    claim: str
    as_of: dt.date | None  # the claim's date context; evidence after it is flagged
    verdict: Label
    parts: list[PartVerdict]
    model: str = ""
    corpus: str = ""  # what was searched: store, article and passage counts
    made_at: dt.datetime
    timings: dict[str, float] = Field(default_factory=dict)
    # When the verdict was weighed from both readings (ClaimParams.weights): each label's probability.
    weighed: dict[str, float] | None = None
    weighed_by: list[str] = Field(default_factory=list)  # the signals that moved it most, in words

    def weighed_text(self) -> str | None:
        """Why the claim's verdict may differ from its parts': it was weighed from all of them."""
        if not self.weighed:
            return None
        words = {"NOT_ENOUGH_INFO": "not enough information"}
        odds = " · ".join(f"{words.get(label, label.lower())} {p:.0%}" for label, p in self.weighed.items())
        most = f" What weighed most: {'; '.join(self.weighed_by)}." if self.weighed_by else ""
        return ("Weighed from the readings of every part below (the questions' answers and each passage's "
                f"leaning), by weights fitted on real-world claims: {odds}.{most}")


METHODS = ("questions", "probabilities", "both")


# Two kinds of claim, two fits (docs/experiments.md). A newsroom's claims (who said what, when, how
# many; real-world claims that reached fact-checkers) are the product's default: the thresholds and
# the weights that weigh the two readings fitted on averitec_given, cross-validated by fold
# (bench/fit_verdict.py, bench/fit_weighing.py). Claims about scientific
# findings checked against abstracts read the model's probabilities alone, with the thresholds
# fitted on SciFact's training claims: one setting fitted on both kinds together held neither.
# A scientific claim's verdict is decided on both passages read, not on the first that decides: on
# 150 training claims a second abstract often overturns a first reading (macro-F1 0.628 → 0.660);
# on SciFact dev, which did not choose, it moved nothing beyond noise (0.599 against 0.603).
PRESETS: dict[str, dict] = {
    "news": {},  # the field defaults below
    "science": {"method": "probabilities", "weights": None, "min_true": 0.65, "min_false": 0.6, "min_overlap": 0.5,
                "stop_early": False, "questions": {"denied": None}},
}


class ClaimParams(BaseModel):
    """How claims are checked. `preset` ("news", the default, or "science") gives every field it
    names its fitted value unless the field is set explicitly; every field can be overridden."""

    preset: Literal["news", "science"] = "news"
    # "questions": ask the sources the questions that settle the claim and compare their cited
    # answers with it (questions.py). "probabilities": read each passage's P(yes) to "supports?"
    # and "contradicts?" against the thresholds below. "both": the two, combined by `combined`:
    # on real-world claims each reading misses most of the refutations the other finds.
    method: str = "both"
    questions: QuestionParams = Field(default_factory=QuestionParams)
    hits: int = 6  # passages retrieved per part
    passages: int = 2  # at most this many read per part, best first
    # An article up to this many characters (a scientific abstract, a brief) is read whole rather
    # than the retrieved passage alone: its finding is often in another passage than the one
    # that matched the claim's words. 0 reads retrieved passages only.
    whole_article: int = 2400
    # Stop at the first passage that decides, and skip the probabilities once the questions refute
    # (off when collecting data to fit on: every reading kept; off in the science preset).
    stop_early: bool = True
    # Read only a passage's `focus` sentences closest to the claim, and its last one (an
    # abstract's conclusion), instead of all of it: half the prompt, so a claim takes ~13 s
    # instead of ~20. Raw, it did worse held out than the whole reading; with the prior below
    # and thresholds fitted on 364 training claims it gave macro-F1 0.610 on all 300 SciFact
    # dev claims against 0.571 for the whole reading (docs/experiments.md). 0 reads the passage whole.
    focus: int = 3
    # Subtract the model's leaning for the claim's wording (Prior, ~3 s a claim) from each
    # passage's probabilities before the thresholds apply (offset 0.5, so a passage that moves
    # the model nowhere reads 0.5). The thresholds below are on that scale: a model leans to
    # "yes" for a claim worded like a finding whatever the passage says, and the prior takes
    # that leaning out. Turning it off needs thresholds fitted without it (docs/experiments.md).
    prior: bool = True
    min_true: float = 0.8  # calibrated P(yes) to "supports" needed for SUPPORTED
    min_false: float = 0.2  # calibrated P(yes) to "contradicts" needed for REFUTED
    margin: float = 0.0  # and by this much over the other question's P(yes)
    min_overlap: float = 0.4  # share of the claim's words the deciding passage must use
    # A passage that uses nearly all the claim's words yet that the model is sure does not support
    # it is usually saying otherwise ("have not met since 2019"): REFUTED below this P(yes to
    # supports) at or above this overlap.
    refute_below: float = 0.0  # off: the fit on training claims found it adds nothing once the turned claim is read
    refute_overlap: float = 1.01
    # The claim turned around (flip_claim): SUPPORTED needs P(supports) of the claim to beat that
    # of its opposite by flip_support; REFUTED when the opposite beats the claim by flip_refute.
    flip: bool = True
    flip_support: float = -0.1
    flip_refute: float = 0.1
    decompose: bool = True
    max_parts: int = 4
    # With method "both": where the questions have not refuted the claim, its verdict is weighed
    # from both readings' signals by the weights in this file of factcheck/weights/ (weighing.py),
    # fitted on averitec_given; None decides by `combined` and the thresholds above.
    weights: str | None = "claims_news.json"

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, data):
        """The preset's values under what was set explicitly (nested `questions` merged too)."""
        if not isinstance(data, dict) or not PRESETS.get(data.get("preset", "news")):
            return data
        base = PRESETS[data["preset"]]
        merged = {**base, **data}
        if isinstance(data.get("questions"), dict):
            merged["questions"] = {**base.get("questions", {}), **data["questions"]}
        return merged


# ---- decomposition ----------------------------------------------------------------------------
# Only a claim with a joint can hold several checkable statements; the rest skip the model call.
_COMPOUND = re.compile(r"\b(and|but|while|whereas|although|though)\b|;|,\s*(which|who)\b", re.I)
_MONTHS = set(vocab.MONTHS)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|claim\s*\d*\s*:)\s*", re.I)


def _content_stems(text: str) -> set[str]:
    return {vocab.cut(w) for w in vocab.words(text) if w not in vocab.FUNCTION_WORDS and len(w) > 2}


def word_overlap(claim: str, passage: str) -> float:
    """Share of the claim's content words (crudely stemmed) that the passage uses: a passage about
    something else can't support or refute it, whatever the model says (it leans to yes)."""
    words = _content_stems(claim)
    return round(len(words & {vocab.cut(w) for w in vocab.words(passage)}) / len(words), 4) if words else 0.0


def names_and_predicate(claim: str) -> tuple[set[str], set[str]]:
    """The claim's content words (stemmed, no months or numbers) split into its names (the
    capitalised ones) and what it says about them (the rest, where its verb is)."""
    caps = {w.lower() for w in re.findall(r"\b[A-Z][\w’'-]*", claim)}
    content = [w for w in vocab.words(claim) if w not in vocab.FUNCTION_WORDS and w not in _MONTHS and not w.isdigit()]
    return {vocab.cut(w) for w in content if w in caps}, {vocab.cut(w) for w in content if w not in caps}


def predicate_overlap(claim: str, passage: str) -> float:
    """Share of what the claim says about its names that the passage uses ("approval rating rose"
    in "Zelensky's approval rating rose in January 2026"); 1.0 when the claim has no such word."""
    words = names_and_predicate(claim)[1]
    return round(len(words & {vocab.cut(w) for w in vocab.words(passage)}) / len(words), 4) if words else 1.0


# ---- the claim turned around ------------------------------------------------------------------
# A word-level opposite the small model reads: a negation taken out, else the first direction word
# of this list swapped for its opposite, else a "not" put after the first auxiliary. "It is false
# that …" moved the model's P(yes) the same way for true and false claims in a pilot on SciFact
# training claims, so a claim with none of these is not turned. Each pair also turns the other way
# (`_opposites`), unless that word has a pair of its own: "reduces" turns to "increases", not "enhances".
# The order is the order words are tried in: a claim with two of them turns the first listed.
_PAIRS = """increases:decreases increase:decrease increased:decreased increasing:decreasing higher:lower more:less
greater:smaller larger:smaller raises:lowers raise:lower enhances:reduces enhance:reduce enhanced:reduced reduces:increases
reduce:increase reduced:increased promotes:inhibits promote:inhibit positively:negatively positive:negative
better:worse improves:worsens improve:worsen improved:worsened activates:inhibits activate:inhibit inhibits:promotes
inhibit:promote suppresses:promotes suppress:promote impairs:improves impair:improve prevents:causes prevent:cause
causes:prevents cause:prevent protects:harms protect:harm benefits:harms up-regulates:down-regulates
upregulates:downregulates upregulate:downregulate strengthened:weakened strengthens:weakens strengthen:weaken
stimulates:inhibits stimulate:inhibit accelerates:slows accelerate:slow slows:accelerates slow:accelerate high:low
low:high induces:represses induce:repress represses:induces repress:induce impedes:facilitates impede:facilitate
facilitates:impedes facilitate:impede encourages:discourages encourage:discourage diminishes:enhances diminish:enhance
deactivates:activates overestimates:underestimates accurately:inaccurately strong:weak fewer:more""".split()


def _opposites() -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for word, other in (p.split(":") for p in _PAIRS):
        out.setdefault(word, other)
    for word, other in (p.split(":") for p in _PAIRS):
        out.setdefault(other, word)
    return list(out.items())


_OPPOSITES = _opposites()
_AUXILIARY = re.compile(r"\b(is|are|was|were|can|has|have|does|do)\b")
# A negation written as a contraction: "didn't cause" turns to "did cause", as "did not" does.
_NEGATED = re.compile(r"\b(does|did|do|is|are|was|were|has|have|had|could|would|should|ca|wo)n['’]t\b", re.I)
_UNCONTRACTED = {"ca": "can", "wo": "will"}  # "can't", "won't"


def flip_claim(claim: str) -> str | None:
    """The claim's opposite, made by changing one word, or None: a negation taken away (written
    out or contracted), else a word turned to its opposite, else a "not" after the first auxiliary."""
    if re.search(r"\bnot\b", claim):
        return re.sub(r"\s*\bnot\b", "", claim, count=1)
    m = _NEGATED.search(claim)
    if m:
        verb = _UNCONTRACTED.get(m.group(1).lower(), m.group(1))
        verb = verb[0].upper() + verb[1:] if m.group(1)[0].isupper() else verb
        return claim[:m.start()] + verb + claim[m.end():]
    for word, other in _OPPOSITES:
        if re.search(rf"\b{word}\b", claim, re.I):
            return re.sub(rf"\b{word}\b", other, claim, count=1, flags=re.I)
    m = _AUXILIARY.search(claim)
    return claim[: m.end()] + " not" + claim[m.end():] if m else None


def parse_parts(reply: str, claim: str, max_parts: int = 4) -> list[str]:
    """The model's split, kept only when it is a faithful one: at least two parts, each made of
    the claim's own words (a small model adds facts while splitting), together covering them all.
    Anything else, the claim stays whole."""
    parts: list[str] = []
    for line in reply.splitlines():
        line = _BULLET.sub("", line).strip().strip('"“”').strip()
        if len(vocab.words(line)) >= 3 and line.lower() not in {p.lower() for p in parts}:
            parts.append(line if line[-1] in ".!?" else line + ".")
    if not 2 <= len(parts) <= max_parts:
        return [claim]
    whole = _content_stems(claim)
    if any(not _content_stems(p) or _content_stems(p) - whole for p in parts):
        return [claim]
    if whole - set().union(*(_content_stems(p) for p in parts)):
        return [claim]
    # Parts that differ by one word split a list of names ("Putin and Zelensky met" is not "Putin
    # met" plus "Zelensky met"): the claim is one statement about them together.
    for a, b in itertools.combinations([_content_stems(p) for p in parts], 2):
        if len(a - b) <= 1 and len(b - a) <= 1:
            return [claim]
    return parts


# ---- reading a verdict ------------------------------------------------------------------------
def parse_label_reply(reply: str, passage: str) -> tuple[Label, str | None, str | None]:
    """For endpoints without token probabilities: a JSON verdict with a quote. Broken JSON, an
    unknown label or a quote that is not in the passage all mean NOT_ENOUGH_INFO."""
    m = re.search(r"\{.*\}", reply, re.S)
    try:
        data = json.loads(m.group(0)) if m else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Label.NOT_ENOUGH_INFO, None, "the model's reply was not valid JSON"
    raw = str(data.get("verdict", "")).strip().upper().replace(" ", "_")
    if raw not in (Label.SUPPORTED.value, Label.REFUTED.value, Label.NOT_ENOUGH_INFO.value):
        return Label.NOT_ENOUGH_INFO, None, f"the model gave an unknown label {raw[:40]!r}"
    label = Label(raw)
    quote = str(data.get("quote") or "").strip()
    if label is not Label.NOT_ENOUGH_INFO:
        if not quote or _squash(quote) not in _squash(passage):
            return Label.NOT_ENOUGH_INFO, None, "the model's quote is not in the passage"
    return label, quote or None, None


def _squash(text: str) -> str:
    return " ".join(vocab.words(text))


def overall(verdicts: list[Label]) -> Label:
    if verdicts and all(v is Label.SUPPORTED for v in verdicts):
        return Label.SUPPORTED
    if any(v is Label.REFUTED for v in verdicts):
        return Label.REFUTED
    if any(v is Label.SUPPORTED for v in verdicts):
        return Label.MIXED
    return Label.NOT_ENOUGH_INFO


def combined(by_questions: Label, by_probabilities: Label) -> Label:
    """The claim's verdict from its two readings: a refutation either finds stands (a claim with
    one false detail is false, and each reading misses most of what the other finds), then a
    support either finds, then answers both ways, else not enough information."""
    pair = (by_questions, by_probabilities)
    for label in (Label.REFUTED, Label.SUPPORTED, Label.MIXED):
        if label in pair:
            return label
    return Label.NOT_ENOUGH_INFO


def readable(evidence: list[Evidence], p: ClaimParams) -> list[Evidence]:
    """The passages a verdict may rest on: read by the model, and about what the claim says."""
    return [e for e in evidence if e.p_true is not None and (e.overlap or 0.0) >= p.min_overlap
            and e.predicate_overlap != 0.0]


def rests_on_sources(parts: list[PartVerdict], p: ClaimParams) -> bool:
    """Whether a verdict other than NOT ENOUGH INFO could rest on something: a passage read that is
    about what the claim says (`readable`), or a question the sources answered. Weights fitted on
    claims that are mostly false would otherwise call a claim false with nothing about it."""
    return any(readable(part.evidence, p) or any(not f.abstained for f in part.questions) for part in parts)


def calibrated(e: Evidence, prior: Prior) -> Evidence:
    """The passage's probabilities less the model's prior for the claim, plus 0.5."""
    def shift(x: float | None, base: float | None) -> float | None:
        return None if x is None or base is None else x - base + 0.5
    return e.model_copy(update={"p_true": shift(e.p_true, prior.p_true), "p_false": shift(e.p_false, prior.p_false),
                                "p_true_flipped": shift(e.p_true_flipped, prior.p_true_flipped)})


def decide(evidence: list[Evidence], p: ClaimParams, prior: Prior | None = None) -> tuple[Label, Evidence | None]:
    """The verdict and the passage it rests on, from the two probabilities of each passage.
    A separate function so thresholds can be refitted on stored probabilities (bench/fit_claims.py).
    With p.prior and a prior, the thresholds apply to calibrated() probabilities; the passage
    returned is still the one given (its own probabilities are what the model said)."""
    if p.prior and prior is not None:
        shifted = [calibrated(e, prior) for e in evidence]
        label, chosen = decide(shifted, p)
        return label, next((e for e, s in zip(evidence, shifted) if s is chosen), None)
    evidence = readable(evidence, p)
    if not evidence:
        return Label.NOT_ENOUGH_INFO, None
    t = max(evidence, key=lambda e: e.p_true - e.p_false)
    f = max(evidence, key=lambda e: e.p_false - e.p_true)
    if (t.p_true >= p.min_true and t.p_true - t.p_false >= p.margin
            and (t.p_true_flipped is None or t.p_true - t.p_true_flipped >= p.flip_support)):
        return Label.SUPPORTED, t
    turned = [e for e in evidence if e.p_true_flipped is not None]
    if turned:
        o = max(turned, key=lambda e: e.p_true_flipped - e.p_true)
        if o.p_true_flipped - o.p_true >= p.flip_refute:
            return Label.REFUTED, o
    if f.p_false >= p.min_false and f.p_false - f.p_true >= p.margin:
        return Label.REFUTED, f
    near = max(evidence, key=lambda e: e.overlap or 0.0)
    if (near.overlap or 0.0) >= p.refute_overlap and near.p_true < p.refute_below:
        return Label.REFUTED, near
    return Label.NOT_ENOUGH_INFO, None


def read_in_turn(items: list, read, p: ClaimParams, prior: Prior | None = None) -> list[Evidence]:
    """The first p.passages items, best first, each read by `read(item, n)`, stopping (p.stop_early)
    at the first that `decide` rests a verdict on: what the checker reads with the model, and what a
    refit on stored readings replays (bench/fit_weighing.py)."""
    evidence: list[Evidence] = []
    for n, item in enumerate(items[: p.passages], 1):
        evidence.append(read(item, n))
        if p.stop_early and decide(evidence, p, prior)[1] is not None:
            break
    return evidence


# ---- a contradiction the model misses, found in code ------------------------------------------
# The small model rarely says a passage contradicts a claim, even when it plainly does in time:
# "Putin and Zelensky have not met since 2019" against "they met in January 2026". Two phrasings
# place the last time something happened before the year the claim gives it; the sentence must
# use the claim's own verb inside that phrase and name the claim's subjects.
_CLAIM_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_NOT_SINCE = re.compile(r"\b(?:not|never|n[’']t)\b(?P<mid>[^.;:]{0,60}?)\bsince\b[^.;:\d]{0,25}?\b(?P<y>19[5-9]\d|20\d\d)\b", re.I)
_LAST_IN = re.compile(r"\blast\b(?P<mid>[^.;:]{0,40}?)\b(?:in|during)\b[^.;:\d]{0,25}?\b(?P<y>19[5-9]\d|20\d\d)\b", re.I)


def dated_contradiction(claim: str, passage: str, published: dt.date | None) -> str | None:
    """The passage's sentence that puts the last time the claim's event happened before the year
    the claim gives it, or None. A passage published before that year cannot know, so it never
    counts."""
    years = [int(y) for y in _CLAIM_YEAR.findall(claim)]
    if not years or published is None or published.year < max(years):
        return None
    when = max(years)
    names, verbs = names_and_predicate(claim)
    for a, b in sentence_spans(passage):
        sent = passage[a:b]
        if is_instruction(sent):
            continue
        stems = {vocab.cut(w) for w in vocab.words(sent)}
        if names and len(names & stems) < min(2, len(names)):
            continue
        for m in itertools.chain(_NOT_SINCE.finditer(sent), _LAST_IN.finditer(sent)):
            if int(m.group("y")) < when and verbs & {vocab.cut(w) for w in vocab.words(m.group("mid"))}:
                return sent.strip()
    return None


# ---- the pipeline -----------------------------------------------------------------------------
# What the prior is read against: the same prompt with an empty source in the passage's place.
NO_SOURCE = Citation(n=1, doc_id="-", chunk_id="-", start=0, end=0, quote="(no source text)", source="none")


def question_answer_params(answer: AnswerParams, qp: QuestionParams) -> AnswerParams:
    """How the claim's questions are answered: the answer path's parameters with the claim
    questions' answerable gate (QuestionParams), read without the worked examples and with evidence
    chosen by closeness alone, no confidence gate, no vouched bare answers and no reply set apart
    from its answer (questions.denial reads the bare "no"), as when the verdict's weights were fitted."""
    checks = answer.checks.model_copy(update={"vouch_answerable": None, "reply_apart": False})
    update = {"examples": False, "lead_weight": 0.0, "kind_weight": 0.0, "min_confidence": None, "checks": checks} | (
        {} if qp.min_answerable is None else {"min_answerable": qp.min_answerable})
    return answer.model_copy(update=update)


class Checker:
    def __init__(self, searcher, llm: Model, params: ClaimParams | None = None, answerer=None):
        self.searcher = searcher
        self.llm = llm
        self.params = params or ClaimParams()
        # The questions a claim raises are answered by the same path, checks and abstention as a
        # fact-checker's own questions.
        self.answerer = answerer or Answerer(searcher, llm)
        self.question_answerer = Answerer(searcher, llm, question_answer_params(self.answerer.params, self.params.questions))
        # An endpoint that sent no token probabilities once won't later: skip straight to its text path.
        self._text_only = False

    def decompose(self, claim: str) -> list[str]:
        p = self.params
        if not p.decompose or not _COMPOUND.search(claim):
            return [claim]
        try:
            reply = self.llm.complete([{"role": "system", "content": "You split claims into simple facts."},
                                       {"role": "user", "content": render("claim_split", claim=as_data(claim))}], 160)
        except ModelError:
            return [claim]  # a split is a refinement; the whole claim can still be checked
        return parse_parts(reply, claim, p.max_parts)

    def _messages(self, claim: str, passage: Citation, prompt: str, **extra: str) -> list[dict]:
        # The system text, passage and claim come first and are the same for both questions,
        # so the server's prompt cache reads them once.
        head = ", ".join((passage.source or "unknown outlet", passage.date.isoformat() if passage.date else "undated"))
        title = f' "{as_data(passage.title)}"' if passage.title else ""
        text = f"{as_data(head)}{title}:\n{as_data(passage.quote)}"
        return [{"role": "system", "content": template("claim_system")},
                {"role": "user", "content": render(prompt, passage=text, claim=as_data(claim), **extra)}]

    def _yes(self, claim: str, passage: Citation, question: str, fresh: bool = False) -> float:
        """P(yes) to one of the yes/no questions (a prompt template's name) about the claim and passage."""
        return self.llm.yes_probability(self._messages(claim, passage, "claim_user", question=template(question)), fresh=fresh)

    def prior(self, claim: str) -> Prior | None:
        """The model's yes/no leaning for the claim with no source (None without token probabilities)."""
        def ask(text: str, question: str, fresh: bool = False) -> float:
            return round(self._yes(text, NO_SOURCE, question, fresh), 4)
        if self._text_only:
            return None
        turned = flip_claim(claim) if self.params.flip else None
        try:
            # The first question is read from scratch, so a claim's prior (and every reading of
            # its passages, which follow from it) is the same whatever was checked before it.
            return Prior(p_true=ask(claim, "claim_true", fresh=True), p_false=ask(claim, "claim_false"),
                         p_true_flipped=ask(turned, "claim_true") if turned else None)
        except NoTokenProbabilities:
            self._text_only = True
            return None

    def _passage(self, hit, n: int) -> Citation:
        """What is read for a hit: its whole article when that is short, else the passage found."""
        if self.params.whole_article:
            try:
                article = self.searcher.corpus.get(hit.doc_id)
            except NotFound:  # deleted since the search: read what was found
                article = None
            if article and len(article.text) <= self.params.whole_article:
                return Citation.from_hit(hit, n).model_copy(update={"quote": article.text, "start": 0, "end": len(article.text)})
        return Citation.from_hit(hit, n)

    def _focused(self, passage: Citation, claim_vec) -> Citation:
        """What the model reads of a passage: all of it, or (with `focus`) its closest sentences."""
        if not self.params.focus:
            return passage
        text = focus_text(passage.quote, claim_vec, self.searcher.corpus.embedder, self.params.focus)
        return passage.model_copy(update={"quote": text})

    def _read(self, claim: str, passage: Citation) -> tuple[float, float, float | None, str | None, str | None]:
        """(P(true), P(false), P(true) of the claim turned around, the model's quote, why it could not be read)."""
        if not self._text_only:
            try:
                pt, pf = self._yes(claim, passage, "claim_true"), self._yes(claim, passage, "claim_false")
                # Same passage first, so this third question costs only the claim's few tokens.
                turned = flip_claim(claim) if self.params.flip else None
                return pt, pf, self._yes(turned, passage, "claim_true") if turned else None, None, None
            except NoTokenProbabilities:
                self._text_only = True
        reply = self.llm.complete(self._messages(claim, passage, "claim_label"), 200)
        label, quote, why = parse_label_reply(reply, passage.quote)
        return float(label is Label.SUPPORTED), float(label is Label.REFUTED), None, quote, why

    def check_part(self, claim: str, as_of: dt.date | None = None, **search_kw) -> PartVerdict:
        p = self.params
        embedder = self.searcher.corpus.embedder
        vec = embedder.embed([claim])[0]
        hits = self.searcher.search(claim, p.hits, per_article=1, query_vec=vec, **search_kw)
        if not hits:
            why = nothing_found(self.searcher.corpus, "this claim")
            return PartVerdict(claim=claim, verdict=Label.NOT_ENOUGH_INFO, confidence=1.0, reason=why,
                               explanation=why[0].upper() + why[1:] + ".")
        prior = self.prior(claim) if p.prior else None
        # Whole passages, as the yes/no reading was measured (a window of sentences around
        # the best match loses the abstract's conclusion). Best first: a later one is read only
        # when the earlier ones decide nothing, which halves the model time of a typical claim.
        notes = []

        def read(h, n: int) -> Evidence:
            c = self._passage(h, n)
            # The evidence keeps the whole passage (what a fact-checker opens); the model may read less of it.
            pt, pf, ptf, quote, why = self._read(claim, self._focused(c, vec))
            notes.append((quote, why))
            return Evidence(**c.model_dump(), p_true=round(pt, 4), p_false=round(pf, 4),
                            p_true_flipped=None if ptf is None else round(ptf, 4),
                            overlap=word_overlap(claim, c.quote), predicate_overlap=predicate_overlap(claim, c.quote),
                            after_claim_date=bool(as_of and c.date and c.date > as_of))
        evidence = read_in_turn(hits, read, p, prior)
        verdict, e = decide(evidence, p, prior)

        def seen(x: Evidence) -> Evidence:  # what the thresholds saw: the confidence is read from it
            return calibrated(x, prior) if p.prior and prior else x

        found = None if verdict is Label.SUPPORTED else self._dated_contradiction(claim, hits, evidence, as_of)
        if found:
            verdict, e, quote = found
        if e is None:
            reasons = [why for _, why in notes if why]
            reason = reasons[0] if reasons else "the passages found neither state nor contradict it"
            closest = evidence[0]
            return PartVerdict(claim=claim, verdict=Label.NOT_ENOUGH_INFO, reason=reason, evidence=evidence, prior=prior,
                               confidence=round(_unit(1 - max(max(seen(x).p_true, seen(x).p_false) for x in evidence)), 4),
                               explanation=f"The closest passage [{closest.n}] ({_where(closest)}) neither states nor contradicts it.")
        quote = (found[2] if found else notes[evidence.index(e)][0]) or key_sentence(claim, e.quote, embedder, vec)
        verb = "states" if verdict is Label.SUPPORTED else "contradicts it"
        said = f"“{_short(quote)}”" if verdict is Label.SUPPORTED else f"by saying “{_short(quote)}”"
        late = " (published after the claim's date)" if e.after_claim_date else ""
        return PartVerdict(claim=claim, verdict=verdict, cites=[e.n], evidence=evidence, prior=prior,
                           # A contradiction found in code is a match of words, not a probability: it is not hedged.
                           confidence=round(_unit(seen(e).p_true if verdict is Label.SUPPORTED else 1.0 if found
                                                  else _refuting(seen(e))), 4),
                           explanation=f"[{e.n}] ({_where(e)}){late} {verb} {said}.")

    def _dated_contradiction(self, claim, hits, evidence: list[Evidence], as_of) -> tuple[Label, Evidence, str] | None:
        """A retrieved passage that contradicts the claim in time (see dated_contradiction), read
        by the model or not."""
        for h in hits:
            sent = dated_contradiction(claim, h.text, h.date)
            if not sent:
                continue
            e = next((x for x in evidence if x.chunk_id == h.chunk_id), None)
            if e is None:
                e = Evidence.from_hit(h, len(evidence) + 1, overlap=word_overlap(claim, h.text),
                                      after_claim_date=bool(as_of and h.date and h.date > as_of))
                evidence.append(e)
            return Label.REFUTED, e, sent
        return None

    def check(self, claim: str, as_of: dt.date | None = None, **search_kw) -> ClaimCheck:
        t0 = time.perf_counter()
        claim = " ".join(claim.split())
        timings: dict[str, float] = {}
        method = self.params.method
        if method not in METHODS:
            raise ValueError(f"unknown claims method {method!r}: one of {', '.join(METHODS)}")
        verdicts: list[PartVerdict] = []
        if method in ("questions", "both"):
            # The questions cover the claim's parts: it is not split for them.
            verdicts.append(self.check_by_questions(claim, as_of, timings, **search_kw))
        # Once the questions' verdict decides `combined` whatever the probabilities read (a refutation
        # stands, quoting the sentence that refutes), reading them changes nothing: stop there, as a
        # part stops at the passage that decides.
        decided = method == "both" and len({combined(verdicts[0].verdict, x) for x in Label}) == 1
        if method in ("probabilities", "both") and not (decided and self.params.stop_early):
            t_split = time.perf_counter()
            parts = self.decompose(claim)
            timings["split_s"] = round(time.perf_counter() - t_split, 3)
            verdicts += [self.check_part(part, as_of, **search_kw) for part in parts]
        weighed, weighed_by = None, []
        # The weights were fitted on token probabilities: a model that gives none is read by rules.
        if (method == "both" and not decided and self.params.weights and not self._text_only
                and rests_on_sources(verdicts, self.params)):
            w, values = weights(self.params.weights), signals(verdicts[0], verdicts[1:])
            weighed, weighed_by = w.probabilities(values), w.reasons(values)
            verdict = Label(max(weighed, key=weighed.get))
        elif method == "both":
            verdict = combined(verdicts[0].verdict, overall([v.verdict for v in verdicts[1:]]))
        else:
            verdict = overall([v.verdict for v in verdicts])
        stats = self.searcher.corpus.stats()
        timings["total_s"] = round(time.perf_counter() - t0, 3)
        return ClaimCheck(claim=claim, as_of=as_of, verdict=verdict, parts=verdicts,
                          model=self.llm.label, made_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                          corpus=f"{stats.articles} articles, {stats.chunks} passages ({stats.store})", timings=timings,
                          weighed=weighed, weighed_by=weighed_by)

    # ---- question-guided verification (questions.py) ------------------------------------------
    def questions(self, claim: str, as_of: dt.date | None = None) -> list[str]:
        """The questions asked of the sources: "is it true that …?" made in code, then the
        model's questions for the claim's key facts."""
        qp = self.params.questions
        asked = [polar_question(claim)] if qp.polar else []
        if qp.max_questions:
            context = f" (made on {as_of.isoformat()})" if as_of else ""
            try:
                reply = self.llm.complete([{"role": "system", "content": template("claim_system")},
                                           {"role": "user", "content": questions_prompt(claim, qp.max_questions, context)}],
                                          30 * qp.max_questions)
            except ModelError:
                reply = ""  # the polar question still settles what it can
            asked += [q for q in parse_questions(reply, claim, qp.max_questions) if q.lower() not in {a.lower() for a in asked}]
        return asked or [polar_question(claim)]

    def check_by_questions(self, claim: str, as_of: dt.date | None, timings: dict[str, float], **search_kw) -> PartVerdict:
        qp = self.params.questions
        t0 = time.perf_counter()
        asked = self.questions(claim, as_of)
        timings["questions_s"] = round(time.perf_counter() - t0, 3)
        number = Numbering(claim, as_of)
        findings = [finding_from(claim, q, self.question_answerer.ask(q, as_of, **search_kw), qp, number) for q in asked]
        # A source placing the last time the claim's event happened before the year the claim
        # gives it (dated_contradiction) answers "when did this last happen?" in code.
        for h in self.searcher.search(claim, self.params.hits, per_article=1, **search_kw):
            sent = dated_contradiction(claim, h.text, h.date)
            if sent:
                findings.append(dated_finding(sent, number(Citation.from_hit(h, 0))))
                break
        debunked = debunk_finding(claim, number.evidence, qp)
        findings += [debunked] if debunked else []
        timings["answers_s"] = round(time.perf_counter() - t0 - timings["questions_s"], 3)
        nothing = "" if number.evidence else nothing_found(self.searcher.corpus, "this claim")
        return questions_part(claim, findings, number.evidence, qp, nothing)


class Numbering:
    """A questions part's evidence: each passage numbered the first time a finding cites it."""

    def __init__(self, claim: str, as_of: dt.date | None):
        self.claim, self.as_of = claim, as_of
        self.evidence: list[Evidence] = []
        self._numbered: dict[tuple, int] = {}

    def __call__(self, c: Citation) -> int:
        key = (c.doc_id, c.start, c.end)
        if key not in self._numbered:
            self._numbered[key] = len(self.evidence) + 1
            self.evidence.append(Evidence(**{**c.model_dump(), "n": self._numbered[key]}, overlap=word_overlap(self.claim, c.quote),
                                          predicate_overlap=predicate_overlap(self.claim, c.quote),
                                          after_claim_date=bool(self.as_of and c.date and c.date > self.as_of)))
        return self._numbered[key]


def finding_from(claim: str, q: str, a: Answer, qp: QuestionParams, number: Numbering) -> Finding:
    """What the answer path's answer to one of the claim's questions says of the claim. An
    abstention finds nothing, except the model's bare "no" to whether the claim is true, from a
    passage about the claim (`QuestionParams.denied`); a shown answer is read by `stance`."""
    kept = dict(draft=a.sentences, answerable_p=a.answerable_p, passages=a.passages)
    if a.abstained:
        refused = a.refusals[-1] if a.refusals else None
        about = []
        if qp.denied is not None and q == polar_question(claim):
            by_n = {c.n: c for c in a.passages}
            about = [by_n[n] for n in denial(a.sentences) if n in by_n and word_overlap(claim, by_n[n].quote) >= qp.denied]
        if about:
            n = number(about[0])
            return Finding(question=q, answer=f"No [{n}]", abstained=False, cites=[n], stance=Stance.REFUTES, bare=True,
                           check=refused.check if refused else None,
                           why="the model's reply from a passage about the claim; the answer path "
                               "does not show a bare no as an answer", **kept)
        for c in a.passages[:1]:  # the closest passage read, so the editor sees where it looked
            number(c)
        return Finding(question=q, answer=a.text, abstained=True, check=refused.check if refused else None,
                       why=(refused.detail if refused else a.reason) or "the sources don't say", **kept)
    renumber = {c.n: number(c) for c in a.citations}
    text = MARKER.sub(lambda m: "[" + ", ".join(str(renumber.get(int(x), x)) for x in re.split(r"\s*[,;]\s*", m.group(1))) + "]",
                      a.text)
    st, why = stance(claim, q, shown_text(a.sentences), qp)
    return Finding(question=q, answer=text, abstained=False, cites=sorted(set(renumber.values())), stance=st, why=why, **kept)


DATED_QUESTION = "When did this last happen, according to the sources?"
DEBUNK_QUESTION = "Do the sources call the claim false or made up?"


def dated_finding(sentence: str, n: int) -> Finding:
    return Finding(question=DATED_QUESTION, answer=f"“{sentence}” [{n}]", abstained=False, cites=[n], stance=Stance.REFUTES,
                   why="the source puts the last time before the year the claim gives")


def debunk_finding(claim: str, evidence: list[Evidence], qp: QuestionParams) -> Finding | None:
    """The first passage about the claim (`QuestionParams.debunk_passages`) that calls it false or
    made up, as a finding that refutes, or None."""
    if qp.debunk_passages is None:
        return None
    for e in evidence:
        found = debunking_sentence(claim, e.quote) if (e.overlap or 0.0) >= qp.debunk_passages else None
        if found:
            return Finding(question=DEBUNK_QUESTION, answer=f"“{found[0]}” [{e.n}]", abstained=False, cites=[e.n],
                           stance=Stance.REFUTES, why=f"a passage about the claim says “{found[1]}”")
    return None


def questions_part(claim: str, findings: list[Finding], evidence: list[Evidence], qp: QuestionParams,
                   nothing: str = "") -> PartVerdict:
    """The questions' verdict on the claim from their findings, explained by the first finding that
    decided it; `nothing` is why when no passage at all was found."""
    label = Label(verdict_of(findings, qp))
    deciding = {Label.SUPPORTED: {Stance.SUPPORTS}, Label.REFUTED: {Stance.REFUTES},
                Label.MIXED: {Stance.SUPPORTS, Stance.REFUTES}}.get(label, set())
    used = [f for f in findings if f.stance in deciding]
    answered = [f for f in findings if not f.abstained]
    if not used:
        reason = ("the sources answer none of the questions the claim raises" if not answered
                  else "the sources' answers neither state nor contradict it")
        if not evidence and nothing:
            reason = nothing
        return PartVerdict(claim=claim, verdict=Label.NOT_ENOUGH_INFO, reason=reason, evidence=evidence, questions=findings,
                           confidence=round(1 - len(answered) / len(findings), 4) if findings else 1.0,
                           explanation=reason[0].upper() + reason[1:] + ".")
    # The explanation quotes the sources where a finding does: a bare "no" only when nothing else decided.
    first = next((f for f in used if not f.bare), used[0])
    explanation = f"Asked “{_short(first.question, 160)}”, the sources answer: {_short(first.answer)} ({first.why})."
    return PartVerdict(claim=claim, verdict=label, cites=sorted({n for f in used for n in f.cites}), evidence=evidence,
                       questions=findings, confidence=round(len(used) / len(answered), 4), explanation=explanation)


def focus_text(passage: str, claim_vec, embedder, k: int) -> str:
    """The passage's k sentences closest to the claim and its last one, in their order, joined
    by " … "; the passage itself when it has no more sentences than that."""
    spans = [sp for sp in sentence_spans(passage) if not is_instruction(passage[sp[0]:sp[1]])]
    if len(spans) <= k + 1:
        return passage
    sims = embedder.embed([passage[a:b] for a, b in spans]) @ claim_vec
    keep = set(np.argsort(-sims)[:k].tolist()) | {len(spans) - 1}
    return " … ".join(passage[spans[i][0]:spans[i][1]].strip() for i in sorted(keep))


def key_sentence(claim: str, passage: str, embedder, claim_vec=None) -> str:
    """The sentence of the passage closest to the claim: what the explanation quotes."""
    spans = sentence_spans(passage)
    sents = [passage[a:b] for a, b in spans if not is_instruction(passage[a:b])] or [passage]
    if len(sents) == 1:
        return sents[0]
    vec = claim_vec if claim_vec is not None else embedder.embed([claim])[0]
    return sents[int(np.argmax(embedder.embed(sents) @ vec))]


def _refuting(e: Evidence) -> float:
    """The probability a REFUTED verdict rests on: P(contradicts), or P(supports) of the claim's
    opposite when that is what decided it."""
    return max(e.p_false or 0.0, e.p_true_flipped or 0.0)


def _unit(x: float) -> float:
    return min(1.0, max(0.0, x))


def _where(e: Citation) -> str:
    return ", ".join((e.source or e.title or "unknown outlet", e.date.isoformat() if e.date else "undated"))


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
