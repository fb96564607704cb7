"""The answerer and the claim checker as LangChain Runnables, for use in anyone's chains.

`AnswerRunnable` and `CheckRunnable` have what every Runnable has: `.invoke`, `.batch` (answers in
parallel on a remote endpoint; the embedded model takes them in turn), `.stream`, callbacks and
tracing through the `config` argument, `|` to compose, and `.as_tool()` for an agent (the tool
replies with text: the answer or verdict with its quoted sources). `AnswerRunnable.stream` yields
the draft as the model writes it (strings), then the checked `Answer`. With
`retrieval.retriever.CorpusRetriever` (the hybrid search as a LangChain retriever) they make a chain:

    settings = Settings()
    searcher, llm = settings.build_searcher(), settings.build_llm()
    answer = AnswerRunnable(answerer=settings.build_answerer(searcher, llm))
    check = CheckRunnable(checker=settings.build_checker(searcher, llm))
    answer.invoke("When did Putin and Zelensky last meet?")          # -> Answer
    check.invoke({"claim": "They met in 2019.", "as_of": "2026-01-30"})  # -> ClaimCheck

The input is the question (or claim) as a string, or a dict {question | claim, as_of, sources}:
`as_of` as people write dates (factcheck/dates.py), `sources` the outlets to search.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from typing import Any

from langchain_core._api import LangChainBetaWarning
from langchain_core.runnables import RunnableConfig, RunnableLambda, RunnableSerializable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from factcheck.answer import Answer, Answerer
from factcheck.claims import Checker, ClaimCheck
from factcheck.dates import read_date


def _day(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return read_date(str(value))


class AskInput(BaseModel):
    """A question for the corpus."""

    question: str = Field(description="The question, in plain words")
    as_of: dt.date | None = Field(None, description="The date the question is asked on (YYYY-MM-DD; default today): "
                                  "later articles are not used, recent ones preferred")
    sources: list[str] | None = Field(None, description="Only these outlets (default all)")

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_people_write_it(cls, v: Any) -> dt.date | None:
        return _day(v)


class CheckInput(BaseModel):
    """A claim to check against the corpus."""

    claim: str = Field(description="The claim to check, one or more statements")
    as_of: dt.date | None = Field(None, description="The claim's date (YYYY-MM-DD): evidence published later is flagged")
    sources: list[str] | None = Field(None, description="Only these outlets (default all)")

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_people_write_it(cls, v: Any) -> dt.date | None:
        return _day(v)


def _read(schema: type[BaseModel], key: str, value: Any) -> BaseModel:
    if isinstance(value, schema):
        return value
    if isinstance(value, str):
        return schema(**{key: value})
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        value = dict(value)
        if key not in value:  # what other chains call it
            for alias in ("input", "query", "text", "question", "claim"):
                if alias in value:
                    value[key] = value.pop(alias)
                    break
        return schema(**value)
    raise TypeError(f"expected a string or a dict with {key!r}, got {type(value).__name__}")


class StreamedAnswer(Answer):
    """The Answer that ends a stream. A stream's chunks are added up with `+` wherever LangChain
    gathers them (callbacks, a step after a RunnableParallel): the draft so far plus the Answer
    is the Answer."""

    def __radd__(self, other: Any) -> Answer:
        if isinstance(other, str):
            return self
        return NotImplemented


def answer_text(a: Answer) -> str:
    """An answer as a tool's reply: its text, then each cited (or, abstaining, closest) passage
    with outlet, date, link and quote."""
    lines = [a.text + (f" ({a.reason})" if a.abstained and a.reason else "")]
    shown = a.passages if a.abstained else a.citations
    if shown:
        lines.append("Closest passages:" if a.abstained else "Sources:")
    for c in shown:
        where = ", ".join(x for x in (c.source, c.date.isoformat() if c.date else None, c.url) if x)
        lines.append(f"[{c.n}] {c.label()} ({where}): \u201c{' '.join(c.quote.split())}\u201d")
    return "\n".join(lines)


def check_text(c: ClaimCheck) -> str:
    """A claim check as a tool's reply: the verdict, then each part's verdict, explanation and
    cited evidence."""
    lines = [f"{c.verdict.value}: {c.claim}"] + ([c.weighed_text()] if c.weighed else [])
    for part in c.parts:
        lines.append(f"- {part.verdict.value} ({part.confidence:.2f}): {part.claim} \u2014 {part.explanation}")
        for e in part.evidence:
            if e.n in part.cites:
                where = ", ".join(x for x in (e.source, e.date.isoformat() if e.date else None, e.url) if x)
                lines.append(f"  [{e.n}] {e.label()} ({where}): \u201c{' '.join(e.quote.split())}\u201d")
    return "\n".join(lines)


def _tool(chain, name: str, description: str) -> BaseTool:
    with warnings.catch_warnings():  # Runnable.as_tool is marked beta in langchain-core 1.8
        warnings.simplefilter("ignore", LangChainBetaWarning)
        return chain.as_tool(name=name, description=description)


class AnswerRunnable(RunnableSerializable[Any, Answer]):
    """A cited answer from the corpus, or "the sources don't say" (`factcheck.answer.Answerer`).
    `as_of` and `sources` set defaults for inputs that do not give their own."""

    answerer: Answerer
    as_of: dt.date | None = None
    sources: list[str] | None = None
    name: str | None = "factcheck_answer"
    model_config = ConfigDict(arbitrary_types_allowed=True)

    @classmethod
    def from_settings(cls, settings=None, **fields) -> AnswerRunnable:
        from factcheck.settings import Settings

        return cls(answerer=(settings or Settings()).build_answerer(), **fields)

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        return AskInput

    @property
    def OutputType(self) -> type[Answer]:  # noqa: N802 - LangChain's name
        return Answer

    def _args(self, value: Any) -> tuple[str, dt.date | None, dict]:
        q = _read(AskInput, "question", value)
        sources = q.sources if q.sources is not None else self.sources
        return q.question, q.as_of or self.as_of, ({"sources": sources} if sources else {})

    def _ask(self, value: Any) -> Answer:
        question, as_of, kw = self._args(value)
        return self.answerer.ask(question, as_of, **kw)

    def _stream(self, values: Iterator[Any]) -> Iterator[str | Answer]:
        value = None
        for value in values:  # noqa: B007 - the whole input, as one chunk or the last of several
            pass
        question, as_of, kw = self._args(value)
        for item in self.answerer.stream(question, as_of, **kw):
            yield StreamedAnswer.model_construct(**dict(item)) if isinstance(item, Answer) else item

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return self._call_with_config(self._ask, input, config, run_type="chain")

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[str | Answer]:
        """The draft as the model writes it (strings), then the checked Answer."""
        yield from self._transform_stream_with_config(iter([input]), self._stream, config, run_type="chain")

    def transform(self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[str | Answer]:
        yield from self._transform_stream_with_config(input, self._stream, config, run_type="chain")

    def as_tool(self, args_schema: type[BaseModel] | None = None, *, name: str | None = None,
                description: str | None = None, arg_types: dict[str, type] | None = None) -> BaseTool:
        """A tool for an agent: its reply is the answer's text with its quoted sources."""
        chain = (self | RunnableLambda(answer_text, name="answer_text")).with_types(input_type=args_schema or AskInput)
        return _tool(
            chain,
            name=name or "answer_from_sources",
            description=description or ("Answer a question from the newsroom's own articles. Every sentence of the reply "
                                        "cites a quoted, dated passage; when the articles do not hold the answer the "
                                        "reply says \"The sources don't say.\" and shows the closest passages."))


class CheckRunnable(RunnableSerializable[Any, ClaimCheck]):
    """Verdicts per atomic part of a claim, with quoted evidence (`factcheck.claims.Checker`).
    `as_of` and `sources` set defaults for inputs that do not give their own."""

    checker: Checker
    as_of: dt.date | None = None
    sources: list[str] | None = None
    name: str | None = "factcheck_check"
    model_config = ConfigDict(arbitrary_types_allowed=True)

    @classmethod
    def from_settings(cls, settings=None, **fields) -> CheckRunnable:
        from factcheck.settings import Settings

        return cls(checker=(settings or Settings()).build_checker(), **fields)

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        return CheckInput

    @property
    def OutputType(self) -> type[ClaimCheck]:  # noqa: N802 - LangChain's name
        return ClaimCheck

    def _check(self, value: Any) -> ClaimCheck:
        c = _read(CheckInput, "claim", value)
        sources = c.sources if c.sources is not None else self.sources
        return self.checker.check(c.claim, c.as_of or self.as_of, **({"sources": sources} if sources else {}))

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> ClaimCheck:
        return self._call_with_config(self._check, input, config, run_type="chain")

    def as_tool(self, args_schema: type[BaseModel] | None = None, *, name: str | None = None,
                description: str | None = None, arg_types: dict[str, type] | None = None) -> BaseTool:
        """A tool for an agent: its reply is the verdict, per part, with the quoted evidence."""
        chain = (self | RunnableLambda(check_text, name="check_text")).with_types(input_type=args_schema or CheckInput)
        return _tool(
            chain,
            name=name or "check_claim",
            description=description or ("Check a claim against the newsroom's own articles: SUPPORTED, REFUTED, MIXED or "
                                        "NOT_ENOUGH_INFO for the claim and each of its parts, with the quoted evidence."))
