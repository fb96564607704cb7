"""Check a draft: its sentences, the checkable claims picked out of them, and each claim checked
by the same checker as `factcheck check`, one at a time, with progress and a way to stop.

A checkable claim states a fact someone can look up: a number, a date, a named person or place, or
words attributed to someone. Opinions ("I think", "should", a judgement with no fact in it),
questions and predictions ("will", "is expected to") cannot be true or false against an archive:
they are left out, each with the reason. Every rule below is a small function named for what it
looks for, with its word lists in `DraftParams` (the settings' `draft`), so an editor who disagrees
with a call can see which rule made it and change the list.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable
from pydantic import BaseModel, Field

from factcheck import vocabulary as vocab
from factcheck.claims import ClaimCheck
from factcheck.history import History, PastCheck
from retrieval.chunking import sentence_spans


class Kind(str, enum.Enum):
    CLAIM = "claim"
    OPINION = "opinion"
    QUESTION = "question"
    PREDICTION = "prediction"
    OTHER = "other"  # no checkable fact: too short, a heading, a sentence naming nothing


def _words(text: str) -> str:
    return " ".join(text.lower().split())


class DraftParams(BaseModel):
    """The word lists and thresholds of the sentence rules below (settings: FACTCHECK_DRAFT__*)."""

    min_words: int = 4  # fewer words than this (a byline, "Kyiv Post", a dateline) states no checkable fact
    # The writer's own view, wherever it stands in the sentence.
    opinion_markers: list[str] = Field(default_factory=lambda: [
        "i think", "i believe", "i feel", "i doubt", "i suspect", "in my view", "in my opinion", "we think",
        "we believe", "it seems to me", "to my mind", "personally", "frankly", "arguably", "honestly"])
    # What ought to be, not what is ("the summit should be held in Geneva").
    normative_words: list[str] = Field(default_factory=lambda: [
        "should", "shouldn't", "ought to", "must", "mustn't", "needs to", "need to", "has to", "have to"])
    # A judgement: an opinion when the sentence holds no number or date to check beside it.
    evaluative_words: list[str] = Field(default_factory=lambda: [
        "good", "bad", "better", "worse", "best", "worst", "great", "terrible", "awful", "wonderful", "excellent",
        "disaster", "disastrous", "shameful", "absurd", "ridiculous", "naive", "foolish", "wise", "brilliant",
        "unacceptable", "outrageous", "impressive", "embarrassing", "pathetic", "laughable", "hard to believe",
        "hopeless", "pointless", "meaningless", "welcome", "regrettable", "admirable", "shocking", "sad"])
    # What has not happened yet.
    prediction_markers: list[str] = Field(default_factory=lambda: [
        "will", "won't", "shall", "is expected to", "are expected to", "is likely to", "are likely to",
        "is set to", "are set to", "is going to", "are going to", "is poised to", "are poised to",
        "is due to", "are due to", "is predicted to", "are predicted to", "is bound to"])
    # Words that report what someone said: with a name, the sentence states that they said it.
    speech_verbs: list[str] = Field(default_factory=lambda: [
        "said", "says", "told", "tells", "claimed", "claims", "stated", "states", "announced", "announces",
        "reported", "reports", "added", "noted", "described", "describes", "wrote", "writes", "argued", "insisted",
        "denied", "denies", "confirmed", "confirms", "warned", "warns", "according to", "called", "accused",
        "promised", "pledged", "declared", "admitted", "stressed", "suggested", "saying", "telling", "calling",
        "describing", "noting", "adding", "claiming", "stressing", "suggesting", "quoted", "quoting"])
    # Words that count as numbers besides digits and the spelled-out small numbers.
    magnitude_words: list[str] = Field(default_factory=lambda: [
        "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion", "billions", "dozen",
        "dozens", "percent", "half", "twice", "first", "second", "third"])
    # Capitalised words that open sentences without naming anyone.
    openers: list[str] = Field(default_factory=lambda: [
        "however", "despite", "although", "though", "meanwhile", "still", "yet", "instead", "indeed", "moreover",
        "furthermore", "nevertheless", "perhaps", "maybe", "separately", "notably", "earlier", "later", "today",
        "yesterday", "now", "here", "there", "since", "until", "under", "among", "unlike", "like", "nobody",
        "everyone", "someone", "many", "few", "several", "both", "neither", "either", "no", "not", "one", "my",
        "our", "your", "i", "we", "you", "it", "in", "on", "at", "for", "with", "without", "after", "before"])


class DraftSentence(BaseModel):
    text: str
    start: int  # character offsets in the draft's text: text == draft[start:end]
    end: int
    kind: Kind
    reason: str  # why it is checked or left out, in words an editor reads


class DraftVerdict(BaseModel):
    """One claim's check: what `factcheck check` gives for it."""

    sentence: int  # the claim's index in DraftCheck.sentences
    check: ClaimCheck
    earlier: PastCheck | None = None  # the claim was close to this earlier check, shown instead of checking again
    history_id: str | None = None  # where the check is kept (factcheck history)


class DraftCheck(BaseModel):
    source: str = "pasted text"  # the file name, the address or "pasted text"
    text: str
    as_of: dt.date | None = None
    sentences: list[DraftSentence]
    verdicts: list[DraftVerdict] = Field(default_factory=list)  # in the claims' order; fewer when stopped
    stopped: bool = False  # stopped before every claim was checked: the verdicts are those made until then
    seconds: float = 0.0

    def claims(self) -> list[int]:
        return [i for i, s in enumerate(self.sentences) if s.kind is Kind.CLAIM]

    def verdict_for(self, i: int) -> DraftVerdict | None:
        return next((v for v in self.verdicts if v.sentence == i), None)

    def left_out(self) -> list[DraftSentence]:
        return [s for s in self.sentences if s.kind is not Kind.CLAIM]

    def pending(self) -> list[int]:
        done = {v.sentence for v in self.verdicts}
        return [i for i in self.claims() if i not in done]


# ---- the sentences ----------------------------------------------------------------------------
_LINE_MARK = re.compile(r"^\s*(?:>\s*|[-*•]\s+|\d+[.)]\s+)+")  # quote, bullet or number before a list item
_HEADING = re.compile(r"^\s*#{1,6}\s")


def split_draft(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in the draft. A line break ends a sentence, as it ends a
    paragraph in pasted text and in every loader's output; within a line the corpus's own sentence
    splitter (retrieval.chunking.sentence_spans, which keeps "Mr." and "Jan." inside their sentence)
    cuts it. A list item's bullet or a quote's ">" is not part of its sentence."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        mark = 0 if _HEADING.match(line) else (m.end() if (m := _LINE_MARK.match(line)) else 0)
        spans += [(offset + mark + a, offset + mark + b) for a, b in sentence_spans(line[mark:])]
        offset += len(line) + 1
    return spans


def _has(text: str, phrases: list[str]) -> str | None:
    """The first of the phrases the sentence uses as whole words, or None. Capitalised words
    past the first are names, never one of the phrases ("the United States", "Will Smith")."""
    tokens = text.replace("’", "'").split()
    low = " ".join([t.lower() for t in tokens[:1]] + ["·" if t[0].isupper() else t.lower() for t in tokens[1:]])
    return next((p for p in phrases if re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", low)), None)


def is_question(text: str) -> bool:
    """A question asks rather than states: it ends with a question mark (a closing quote or
    bracket after it aside)."""
    return text.rstrip(" \"'”’)]").endswith("?")


def is_heading(text: str) -> bool:
    """A Markdown heading names a section; the sentences under it state the facts."""
    return bool(_HEADING.match(text))


def opinion_marker(text: str, p: DraftParams) -> str | None:
    """The writer's own view ("I think", "in my view") makes the sentence an opinion whatever
    facts it names: it reports a belief, not a fact."""
    return _has(text, p.opinion_markers)


def names(text: str, p: DraftParams) -> list[str]:
    """Named people, places and bodies: capitalised words of two letters or more. The first word
    counts only when it is not a common opener ("However", "Despite") and not an "-ly" adverb:
    every sentence starts with a capital."""
    found = []
    for i, w in enumerate(re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’.-]*", text)):
        word = re.sub(r"['’]s$", "", w).rstrip(".")
        if len(word) < 2 or not word[0].isupper() or word.lower() in vocab.STOP:
            continue
        if i == 0 and (word.lower() in p.openers or word.lower().endswith("ly")):
            continue
        found.append(word)
    return found


_MONTHS = set(vocab.MONTHS + vocab.MONTH_ABBREVIATIONS)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)s?\b")
_DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")


def dates(text: str) -> list[str]:
    """Years, written dates and month names ("March 2023", "Jan. 28", "2026-01-28")."""
    found = _DATE.findall(text) + [m.group(0) for m in _YEAR.finditer(text)]
    # A month name capitalised ("May", not the verb "may").
    found += [w for w in re.findall(r"\b[A-Z][a-z]+\b", text) if w.lower() in _MONTHS]
    return found


def numbers(text: str, p: DraftParams) -> list[str]:
    """Amounts: digits, spelled-out numbers and words of magnitude ("thousands", "percent").
    "One" is left out: "one of them", "no one" are rarely an amount."""
    spelled = [w for w in vocab.words(text) if w in vocab.NUMBER_WORDS and w != "one"]
    return re.findall(r"\d(?:[\d,.]*\d)?", text) + spelled + [w for w in vocab.words(text) if w in p.magnitude_words]


def attribution(text: str, p: DraftParams) -> str | None:
    """Words reported as someone's ("Ushakov said", "according to AFP", a quotation with a
    speech verb): that they said it is a checkable fact, whatever they said. Needs a speech verb
    and a name or quotation marks."""
    verb = _has(text, p.speech_verbs)
    if verb and (names(text, p) or re.search(r"[“\"].+?[”\"]", text)):
        return verb
    return None


def prediction_marker(text: str, p: DraftParams) -> str | None:
    """What has not happened yet cannot be checked against what was published."""
    return _has(text, p.prediction_markers)


def normative_marker(text: str, p: DraftParams) -> str | None:
    """What ought to be ("should", "must") is a position, not a fact."""
    return _has(text, p.normative_words)


def evaluative_word(text: str, p: DraftParams) -> str | None:
    """A judgement ("a disaster", "hard to believe") with no number or date beside it is an
    opinion: the names in it say whom it judges, not a fact about them."""
    if numbers(text, p) or dates(text):
        return None
    return _has(text, p.evaluative_words)


def classify(text: str, p: DraftParams) -> tuple[Kind, str]:
    """The sentence's kind and the reason, by the rules in this order: a question, the writer's
    own view, a heading, too short; then words attributed to someone (a claim, even about the
    future); then a prediction, what ought to be, a judgement; then the facts (numbers, dates,
    names) that make a claim; anything else states nothing checkable."""
    if is_question(text):
        return Kind.QUESTION, "a question: it asks rather than states"
    if m := opinion_marker(text, p):
        return Kind.OPINION, f"the writer's own view (“{m}”)"
    if is_heading(text):
        return Kind.OTHER, "a heading"
    if len(vocab.words(text)) < p.min_words:
        return Kind.OTHER, f"fewer than {p.min_words} words: states no checkable fact"
    if m := attribution(text, p):
        return Kind.CLAIM, f"words attributed to someone (“{m}”)"
    if m := prediction_marker(text, p):
        return Kind.PREDICTION, f"a prediction (“{m}”): it has not happened yet"
    if m := normative_marker(text, p):
        return Kind.OPINION, f"what ought to be (“{m}”), not what is"
    if m := evaluative_word(text, p):
        return Kind.OPINION, f"a judgement (“{m}”) with no number or date to check"
    facts = [("a number", numbers(text, p)), ("a date", dates(text)), ("a name", names(text, p))]
    found = [f"{what} ({', '.join(dict.fromkeys(xs))[:60]})" for what, xs in facts if xs]
    if found:
        return Kind.CLAIM, "states " + "; ".join(found)
    if m := _has(text, p.speech_verbs):
        return Kind.OTHER, f"words attributed to no one named (“{m}”): nothing to check on its own"
    return Kind.OTHER, "no number, date, name or attributed words: nothing to check"


def pick_claims(text: str, params: DraftParams | None = None) -> list[DraftSentence]:
    """Every sentence of the draft with its kind and the reason for it."""
    p = params or DraftParams()
    out = []
    for a, b in split_draft(text):
        kind, reason = classify(text[a:b], p)
        out.append(DraftSentence(text=text[a:b], start=a, end=b, kind=kind, reason=reason))
    return out


# ---- checking ---------------------------------------------------------------------------------
class DraftStep(BaseModel):
    """What a progress callback is told: before a claim is checked (verdict None), and after."""

    done: int  # claims checked so far
    total: int
    sentence: DraftSentence
    verdict: DraftVerdict | None = None


class DraftChecker:
    """Checks a draft's claims with `checker` (settings.build_checker), keeping each check in the
    history as `factcheck check` does. A claim close to an earlier check shows that check instead
    (unless `rerun`), with its date and whether articles were added since."""

    def __init__(self, checker, history: History | None = None, *, similarity: float = 0.9, rerun: bool = False,
                 asked_by: str | None = None):
        self.checker, self.history = checker, history
        self.similarity, self.rerun, self.asked_by = similarity, rerun, asked_by

    def check_claim(self, i: int, sentence: DraftSentence, as_of: dt.date | None, **search_kw) -> DraftVerdict:
        corpus = self.checker.searcher.corpus
        if self.history is not None and not self.rerun:
            found = self.history.similar(sentence.text, self.similarity, corpus, limit=1)
            if found:
                return DraftVerdict(sentence=i, check=self.history.get(found[0].id), earlier=found[0],
                                    history_id=found[0].id)
        check = self.checker.check(sentence.text, as_of, **search_kw)
        key = None
        if self.history is not None:
            key = self.history.record(check, articles=corpus.count(), asked_by=self.asked_by)
        return DraftVerdict(sentence=i, check=check, history_id=key)

    def run(self, draft: DraftCheck, progress: Callable[[DraftStep], None] | None = None,
            stop: Callable[[], bool] | None = None, **search_kw) -> DraftCheck:
        """Check the claims not yet checked, in order, one at a time. `stop()` is asked before
        each claim; a KeyboardInterrupt (Ctrl-C) stops too. Either way the claims checked so far
        are kept and the draft comes back with `stopped`. A draft already part-checked goes on
        where it was."""
        import time

        t0 = time.perf_counter()
        total = len(draft.claims())
        draft.stopped = False
        try:
            for i in draft.pending():
                if stop is not None and stop():
                    draft.stopped = True
                    break
                sentence = draft.sentences[i]
                if progress:
                    progress(DraftStep(done=len(draft.verdicts), total=total, sentence=sentence))
                verdict = self.check_claim(i, sentence, draft.as_of, **search_kw)
                draft.verdicts.append(verdict)
                if progress:
                    progress(DraftStep(done=len(draft.verdicts), total=total, sentence=sentence, verdict=verdict))
        except KeyboardInterrupt:
            draft.stopped = True
        draft.seconds = round(draft.seconds + time.perf_counter() - t0, 3)
        return draft


def new_draft(text: str, params: DraftParams | None = None, *, source: str = "pasted text",
              as_of: dt.date | None = None) -> DraftCheck:
    """A draft split into sentences, nothing checked yet."""
    return DraftCheck(source=source, text=text, as_of=as_of, sentences=pick_claims(text, params))


def check_draft(text: str, checker, params: DraftParams | None = None, *, history: History | None = None,
                source: str = "pasted text", as_of: dt.date | None = None, similarity: float = 0.9,
                rerun: bool = False, asked_by: str | None = None, progress=None, stop=None, **search_kw) -> DraftCheck:
    """The Python API of `factcheck check-draft`: split, pick the claims, check each one."""
    draft = new_draft(text, params, source=source, as_of=as_of)
    return DraftChecker(checker, history, similarity=similarity, rerun=rerun, asked_by=asked_by).run(
        draft, progress=progress, stop=stop, **search_kw)



# ---- the report -------------------------------------------------------------------------------
def draft_markdown(draft: DraftCheck) -> str:
    """The draft as an editor keeps it: every sentence with its verdict or why it was left out,
    then each claim's explanation and quoted evidence (the claim report's escaping and links)."""
    from factcheck.report import LABEL_TEXT, _link, anchor, md_escape

    lines = ["# Draft check", "", f"**Draft:** {md_escape(draft.source)}", "",
             f"{len(draft.sentences)} sentences, {len(draft.claims())} checkable claims, {len(draft.verdicts)} checked"
             + (" (stopped before the rest)" if draft.stopped else "") + f", {len(draft.left_out())} left out.", ""]
    if draft.as_of:
        lines += [f"Draft date: {draft.as_of.isoformat()} (evidence published later is marked)", ""]
    lines += ["| # | Sentence | Verdict or kind | Why |", "|---|---|---|---|"]
    for i, s in enumerate(draft.sentences, 1):
        v = draft.verdict_for(i - 1)
        if s.kind is not Kind.CLAIM:
            lines.append(f"| {i} | {md_escape(s.text)} | left out: {s.kind.value} | {md_escape(s.reason)} |")
        else:
            verdict = LABEL_TEXT[v.check.verdict] if v else "not checked"
            why = (v.check.weighed_text() or (v.check.parts[0].explanation if v.check.parts else "")) if v else ""
            lines.append(f"| {i} | {md_escape(s.text)} | **{verdict}** | {md_escape(why)} |")
    lines.append("")
    sources = {}
    for v in draft.verdicts:
        s, c = draft.sentences[v.sentence], v.check
        lines += [f"## {v.sentence + 1}. {md_escape(s.text)}", "", f"**{LABEL_TEXT[c.verdict]}.**"
                  + (f" Shown from an earlier check ({md_escape(v.earlier.summary())})." if v.earlier else ""), ""]
        if c.weighed:
            lines += [c.weighed_text(), ""]
        for part in c.parts:
            if len(c.parts) > 1:
                lines += [f"- *{md_escape(part.claim)}*: {LABEL_TEXT[part.verdict]}", ""]
            lines += [md_escape(part.explanation), ""]
            for e in part.evidence:
                if e.n in part.cites:
                    late = " · published after the draft's date" if e.after_claim_date else ""
                    lines += [f"[{e.n}] {_link(e)}{late}", "", f"> {md_escape(e.quote)}", ""]
                    sources.setdefault(e.doc_id, e)
    if sources:
        lines += ["## Sources", ""]
        for e in sources.values():
            bits = [md_escape(e.title) if e.title else None, md_escape(e.source) if e.source else None,
                    e.date.isoformat() if e.date else "undated", md_escape(e.url) if e.url else None, f"id {e.doc_id}"]
            lines.append(f'- <a id="{anchor(e)}"></a>' + " · ".join(b for b in bits if b))
        lines.append("")
    models = sorted({v.check.model for v in draft.verdicts if v.check.model})
    lines += ["---", "", f"Checked in {draft.seconds:.1f} s" + (f" with {md_escape(', '.join(models))}" if models else "") + ".", ""]
    return "\n".join(lines)
