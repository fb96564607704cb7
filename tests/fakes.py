"""The one fake model of the tests of logic, behind the same seam as the real ones
(`factcheck.llm.Model`): tests/test_model_contract.py holds it and the embedded model to the same
contract. What it writes and how sure it is are scripted, each either a value or a function of the
prompt (the last message's text), and every call is recorded, so a test asserts on what the model
was given instead of subclassing a fake of its own."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
Script = T | Callable[[str], T]


@dataclass(frozen=True)
class Call:
    method: str  # "complete", "stream" or "yes_probability"
    prompt: str  # the last message's text
    messages: list[dict]
    fresh: bool = False


def _run(script: Script, prompt: str):
    return script(prompt) if callable(script) else script


class ScriptedModel:
    """`reply`: what `stream` writes (and `complete`, unless `complete` is given). `p_yes`: what
    `yes_probability` reads; a function may raise (NoTokenProbabilities: an endpoint that gives
    none). `token_p`: with it, every streamed word is one token of that probability; without it,
    the stream gives no token probabilities, as some endpoints do."""

    label = "scripted"

    def __init__(self, reply: Script[str] = "", p_yes: Script[float] = 0.9, *, complete: Script[str] | None = None,
                 token_p: float | None = None):
        self.reply, self.p_yes, self.token_p = reply, p_yes, token_p
        self._complete = complete
        self.calls: list[Call] = []

    def prompts(self, method: str) -> list[str]:
        """The prompts of every call of `method`, in order."""
        return [c.prompt for c in self.calls if c.method == method]

    def _record(self, method: str, messages: list[dict], fresh: bool = False) -> str:
        prompt = messages[-1]["content"]
        self.calls.append(Call(method, prompt, messages, fresh))
        return prompt

    def complete(self, messages, max_tokens: int = 200) -> str:
        prompt = self._record("complete", messages)
        return _run(self.reply if self._complete is None else self._complete, prompt)

    def stream(self, messages, max_tokens: int = 200, tokens: list[tuple[str, float]] | None = None) -> Iterator[str]:
        text = _run(self.reply, self._record("stream", messages))
        words = text.split(" ")
        pieces = words[:1] + [" " + w for w in words[1:]]
        if tokens is not None and self.token_p is not None:  # each word one token, all equally sure
            tokens += [(w, math.log(self.token_p)) for w in pieces]
        # In two pieces: a consumer must join what the stream gives, not take its first piece.
        yield pieces[0]
        if len(pieces) > 1:
            yield "".join(pieces[1:])

    def yes_probability(self, messages, fresh: bool = False) -> float:
        return _run(self.p_yes, self._record("yes_probability", messages, fresh))
