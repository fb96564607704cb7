"""Question-guided verification: a claim → the questions a fact-checker asks to settle it → each
answered by the cited-answer path (answer.py: retrieval as of the claim's date, the named checks,
abstention) → what each answer says of the claim (its stance), decided in code → a verdict.

Why: a real refutation rarely negates the claim in one sentence. The sources give another number,
date or person, say the origin is satire or that no record exists. Asking for the value and
comparing it with the claim's sees that; a yes/no reading of a small model's token probabilities
mostly does not. Every answer shown to the editor is one the answer path would show a fact-checker,
so the verdict rests on quoted, cited passages only.
"""

from __future__ import annotations

import enum
import re

from pydantic import BaseModel, Field

from factcheck import vocabulary as vocab
from factcheck.checks import Sentence, kind_asked
from factcheck.evidence import MARKER, Citation, as_data, is_instruction
from factcheck.prompts import render

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|q\d*\s*[:.)]|question\s*\d*\s*:)\s*", re.I)


class Stance(str, enum.Enum):
    SUPPORTS = "SUPPORTS"
    REFUTES = "REFUTES"
    NONE = "NONE"  # the sources do not answer it, or the answer says nothing either way of the claim


class Finding(BaseModel):
    """One question asked of the sources, the answer they gave and what it says of the claim."""

    question: str
    answer: str  # the answer as shown, its markers numbering the part's evidence; the abstention text when none
    abstained: bool
    cites: list[int] = Field(default_factory=list)  # evidence numbers of the part the answer cites
    stance: Stance = Stance.NONE
    why: str = ""  # the comparison that decided the stance
    check: str | None = None  # when abstained: the named check of the answer path that refused
    bare: bool = False  # the model's bare "no" to whether the claim is true, not the sources' own words
    # The answer path's judged draft and its P(yes) that the passages answer the question: why
    # an answer was or was not given, and what a refit of the verdict replays (bench/fit_questions.py).
    draft: list[Sentence] = Field(default_factory=list)
    answerable_p: float | None = None
    # The passages the answer path was given, in the draft's own numbering: with the draft, what a
    # replay judges again when a check changes, without the model.
    passages: list[Citation] = Field(default_factory=list)


class QuestionParams(BaseModel):
    """How claims are verified by questions; the verdict's parameters are fitted on averitec_given
    folds (bench/fit_questions.py, docs/experiments.md)."""

    max_questions: int = 2  # questions the model writes (the "is it true that …?" question comes on top)
    # The answer path's answerable threshold for these questions (None: its own, AnswerParams).
    # Off (0): every fold of averitec_given chose it, the checks on each sentence doing the work.
    min_answerable: float | None = 0.0
    polar: bool = True  # also ask "Is it true that <claim>?", made from the claim in code
    # A source saying the claim or its origin is false, made up or satire refutes it (DEBUNK_CUES).
    debunk: bool = True
    # Also read the passages the questions found, not only the answers: a sentence of a passage
    # that is about the claim (this share of its content words) and calls it false or made up
    # refutes it even when no answer was given. None: answers only.
    debunk_passages: float | None = 0.2
    # An answer that repeats this share of the claim's content words, with no value the claim does
    # not hold, states the claim: it supports it.
    restate_share: float = 0.5
    # Answers both ways: MIXED (conflicting evidence), else the refuting answers win, as a claim
    # with one false part is false.
    mixed: bool = False
    # The kinds of value whose difference refutes (a different number or year is another fact; a
    # different name may be one more person involved). The same value supports in every kind.
    refute_kinds: list[str] = Field(default_factory=lambda: ["number", "time", "name", "place"])
    # A bare "no" the model drafts to "Is it true that <claim>?" refutes the claim when a passage
    # it cites is about the claim (this share of the claim's content words), though the answer
    # path does not show a bare "no" as an answer: the model reads all the passages at once, and
    # its "no" is the same kind of reading as the token probabilities. None: off. Chosen on
    # averitec_given by fold (bench/fit_verdict.py): 0, any cited passage (3 of 5 folds; 0.5 in 2).
    denied: float | None = 0.0


# A source's words for a claim that is not so: the answer (which the checks found in a cited
# passage) says the claim, the post or its origin is false, made up, satire or unrecorded.
DEBUNK_CUES = re.compile(
    r"\b(satir\w*|parod\w*|hoax\w*|fake|fabricat\w*|doctored|photoshopped|manipulated|misleading|debunk\w*|"
    r"false|falsely|untrue|not true|no evidence|no record\w*|no proof|no report\w*|never (said|made|happened|existed)|"
    r"did not (say|happen|occur|exist)|does not exist|not real|made[- ]up|altered|edited image|out of context|incorrect|"
    r"inaccurate|baseless|unfounded|no such)\b", re.I)
# "Who is Joe Biden?" asks what a name is: its answer describes, it cannot settle a claim.
_DEFINITION = re.compile(r"^\s*(?i:who|what)\s+(?i:is|was|are|were)\s+(?i:the\s+)?([A-Z][\w.'’-]*\s*)+\??\s*$")
_NO = re.compile(r"^\W*(no|not|never|none|nobody|nothing)\b", re.I)
_YES = re.compile(r"^\W*(yes|yeah|correct|true|indeed)\b", re.I)
_NEGATION = re.compile(r"\b(not|never|no|none|nobody|nothing|n[’']t|neither|nor|without)\b", re.I)


def polar_question(claim: str) -> str:
    """"Is it true that <claim>?", the claim's first word lower-cased when it is a common word."""
    body = claim.strip().rstrip(".!?").strip()
    first, _, rest = body.partition(" ")
    if first.lower() in vocab.STOP and not first.isupper():
        body = f"{first.lower()} {rest}".strip()
    return f"Is it true that {body}?"


def parse_questions(reply: str, claim: str, max_questions: int) -> list[str]:
    """The model's questions: lines ending in "?", of three words or more, not repeating one
    another, never one that addresses the assistant, and naming what the claim is about (one of
    its names, when it has any): "When did they meet?" finds nothing in an archive."""
    out: list[str] = []
    names = {vocab.stem(n) for n in vocab.names(claim)}
    for line in reply.splitlines():
        line = _BULLET.sub("", line).strip().strip('"“”').strip()
        if not line.endswith("?") or len(vocab.words(line)) < 3 or is_instruction(line):
            continue
        if names and not names & {vocab.stem(w) for w in vocab.words(line)}:
            continue
        if _DEFINITION.match(line):
            continue
        if line.lower() not in {q.lower() for q in out}:
            out.append(line)
    return out[:max_questions]


def _values(text: str, kind: str) -> set[str]:
    """The values of one kind a text states: numbers, years, names (places and countries with them)."""
    if kind == "number":
        # A number joined to a word is part of a name ("COVID-19", "G-7"), not a count.
        return {n for n in vocab.numbers(_NAMED_NUMBER.sub(" ", text)) if not re.fullmatch(r"(19|20)\d\d", n)}
    if kind == "time":
        return set(re.findall(r"\b(?:1[89]|20)\d\d\b", text)) | {
            m for m in re.findall(r"[a-z]+", text.lower()) if m in _MONTH_NAMES}
    return {vocab.stem(n) for n in vocab.names(text) if n.lower() not in _MONTH_NAMES | _WEEKDAYS} | vocab.countries(text)


_NAMED_NUMBER = re.compile(r"\b[A-Za-z]+-\d+\b")
_SHARE_RANGE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(?:-|–|to)\s*(?=\d[\d,]*(?:\.\d+)?\s*(?:%|per ?cent\b))", re.I)
_AMOUNT = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(\s*(?:%|per ?cent\b))?", re.I)


def amounts(text: str) -> set[tuple[float, float, bool]]:
    """The amounts a text states, each as (value, precision, is a share): a percentage is
    compared only with percentages, a count only with counts, and a number is as exact as its
    last non-zero digit ("250,000" is 250 thousand give or take 5,000; "76" is 75.5 to 76.5)."""
    out = set()
    text = _SHARE_RANGE.sub(r"\1% - ", _NAMED_NUMBER.sub(" ", text))  # "76-85%": both ends are shares
    for m in _AMOUNT.finditer(text):
        raw = m.group(1).replace(",", "")
        if re.fullmatch(r"(19|20)\d\d", raw) and not m.group(2):
            continue  # a year is a time, not an amount
        if "." in raw:
            step = 10.0 ** -len(raw.split(".")[1])
        else:
            step = 10.0 ** (len(raw) - len(raw.rstrip("0"))) if raw.strip("0") else 1.0
        out.add((float(raw), step, bool(m.group(2))))
    return out | {(float(vocab.NUMBER_WORDS[w]), 1.0, False) for w in vocab.words(text) if w in vocab.NUMBER_WORDS}


def _same_amount(said: tuple[float, float, bool], given: tuple[float, float, bool]) -> bool:
    return abs(said[0] - given[0]) <= said[1] / 2 + 1e-9


def compare_amounts(claim: str, question: str, answer: str) -> tuple[Stance, str] | None:
    """Support when the answer gives an amount the claim states (to the claim's precision, of the
    same kind: share or count); refute when it gives amounts of that kind and none is the
    claim's. Amounts the question itself holds are premises, not answers."""
    asked = {a[0] for a in amounts(question)}
    claimed = {a for a in amounts(claim) if a[0] not in asked}
    given = {a for a in amounts(answer) if a[0] not in asked}
    for share in (True, False):
        c = {a for a in claimed if a[2] is share}
        g = {a for a in given if a[2] is share}
        if not c or not g:
            continue
        same = sorted({_fmt(x) for x in g if any(_same_amount(y, x) for y in c)})
        if same:
            return Stance.SUPPORTS, f"the sources give {', '.join(same)}, as the claim does"
        return Stance.REFUTES, (f"the sources give {', '.join(sorted(_fmt(x) for x in g))}; "
                                f"the claim says {', '.join(sorted(_fmt(x) for x in c))}")
    return None


def _fmt(a: tuple[float, float, bool]) -> str:
    return f"{a[0]:g}" + ("%" if a[2] else "")
_WEEKDAYS = set(vocab.WEEKDAYS)
_MONTH_NAMES = set(vocab.MONTHS)


_A_YEAR = re.compile(r"\d{4}")


def _most_specific_shared(given: set[str], claimed: set[str]) -> tuple[set[str], set[str]]:
    """A date is the same only when its years agree, if both give one: "August 2025" is not
    "August 2024". Without a year on one side, the months are what is compared."""
    if any(_A_YEAR.fullmatch(v) for v in given) and any(_A_YEAR.fullmatch(v) for v in claimed):
        return {v for v in given if _A_YEAR.fullmatch(v)}, {v for v in claimed if _A_YEAR.fullmatch(v)}
    return given, claimed


def _content(text: str) -> set[str]:
    return {vocab.stem(w) for w in vocab.words(text) if w not in vocab.STOP and len(w) > 2}


def shown_text(draft: list[Sentence]) -> str:
    """What the answer path showed of a draft, without its citation markers: the stance reads it."""
    return " ".join(s.text for s in draft if s.supported)


def stance(claim: str, question: str, answer: str, params: QuestionParams) -> tuple[Stance, str]:
    """What a shown answer says of the claim, and why. In order: the answer calls the claim false
    or made up (a debunk); it opens with "no"; it gives a different value of the kind the question
    asks for than the claim states (or the same one); it opens with "yes"; it negates what the
    claim says; it restates the claim. Anything else says nothing either way."""
    body = " ".join(MARKER.sub(" ", answer).split())
    said_in_claim = claim.lower()
    if params.debunk:
        m = DEBUNK_CUES.search(body)
        if m and m.group(0).lower() not in said_in_claim:
            return Stance.REFUTES, f"the answer says “{m.group(0)}”"
    if _NO.match(body):
        return Stance.REFUTES, "the answer says no"
    kind = kind_asked(question)
    if kind == "number":
        found = compare_amounts(claim, question, body)
        if found:
            st, why = found
            if st is Stance.SUPPORTS or "number" in params.refute_kinds:
                return st, why
    elif kind:
        key = "place" if kind in ("place", "country") else kind
        given = _values(body, key) - _values(question, key)
        claimed = _values(claim, key) - _values(question, key)
        if key == "time":
            given, claimed = _most_specific_shared(given, claimed)
        if given and claimed:
            if given & claimed:
                return Stance.SUPPORTS, f"the sources give {', '.join(sorted(given & claimed))}, as the claim does"
            if key in params.refute_kinds:
                return Stance.REFUTES, f"the sources give {', '.join(sorted(given))}; the claim says {', '.join(sorted(claimed))}"
    if _YES.match(body):
        return Stance.SUPPORTS, "the answer says yes"
    if _NEGATION.search(body) and not _NEGATION.search(claim):
        return Stance.REFUTES, f"the answer says “{_NEGATION.search(body).group(0)}” where the claim does not"
    words = _content(claim)
    if words and len(words & _content(body)) / len(words) >= params.restate_share:
        extra = vocab.numbers(body) - vocab.numbers(claim)
        if not extra:
            return Stance.SUPPORTS, "the answer states the claim"
        return Stance.NONE, f"the answer restates the claim with other figures ({', '.join(sorted(extra))})"
    return Stance.NONE, "the answer neither states nor contradicts the claim"


_BARE_NO = re.compile(r"^\W*no\b\s*(?:[.,;:!]|$)", re.I)


def denial(draft: list[Sentence]) -> list[int]:
    """The passages a draft cites for its opening bare "no" ("No." / "No, …"), else none: the
    model's reply to whether the claim is true, before any check."""
    if draft and _BARE_NO.match(draft[0].text):
        return list(draft[0].cites)
    return []


def debunking_sentence(claim: str, passage: str) -> tuple[str, str] | None:
    """The passage's sentence that calls something false, made up or satire in words the claim
    does not use itself, with the cue, or None. Sentences that address the assistant never count."""
    from retrieval.chunking import sentence_spans

    for a, b in sentence_spans(passage):
        sent = passage[a:b]
        m = DEBUNK_CUES.search(sent)
        if m and m.group(0).lower() not in claim.lower() and not is_instruction(sent) and not states_all_of(claim, sent):
            return sent.strip(), m.group(0)
    return None


def states_all_of(claim: str, sentence: str) -> bool:
    """Whether the sentence holds every content word and number of the claim: then it states the
    claim, and a debunking word in it is about something else ("No such meeting took place, and
    they have not met since 2019" confirms "they have not met since 2019")."""
    words = _content(claim)
    return bool(words) and words <= _content(sentence) and vocab.numbers(claim) <= vocab.numbers(sentence)


def verdict_of(findings: list[Finding], params: QuestionParams) -> str:
    """SUPPORTED, REFUTED, MIXED or NOT_ENOUGH_INFO from the findings' stances."""
    yes = sum(f.stance is Stance.SUPPORTS for f in findings)
    no = sum(f.stance is Stance.REFUTES for f in findings)
    if yes and no:
        return "MIXED" if params.mixed else "REFUTED"
    if no:
        return "REFUTED"
    if yes:
        return "SUPPORTED"
    return "NOT_ENOUGH_INFO"


def questions_prompt(claim: str, n: int, context: str = "") -> str:
    return render("claim_questions", claim=as_data(claim), n=str(n), context=as_data(context) if context else "")
