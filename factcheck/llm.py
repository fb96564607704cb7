"""One path to a chat model: the `openai` client against any OpenAI-compatible endpoint. When
none is configured, the embedded default starts: the local GGUF served by xllamacpp on
127.0.0.1, on a free port, once per process, stopped when the process ends.

Concurrency: calls to a remote endpoint (vLLM, OpenAI, a llama.cpp server with slots) run in
parallel, as many as the callers make. The embedded server has one slot: its calls take turns,
first come first served (`ModelQueue`), and a caller can hear its place in the line while it waits
(`waiting_turn`: the app shows it).
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, runtime_checkable

import openai

from retrieval.errors import ModelError

Messages = list[dict[str, str]]


@runtime_checkable
class Model(Protocol):
    """The seam every chat model sits behind: `ChatModel` (the embedded model or any
    OpenAI-compatible endpoint) and the tests' scripted fake alike. The answer and claim paths
    use nothing else of a model."""

    label: str  # what the UI and reports show; never a key

    def complete(self, messages: Messages, max_tokens: int = 200) -> str:
        """The whole reply at once."""

    def stream(self, messages: Messages, max_tokens: int = 200,
               tokens: list[tuple[str, float]] | None = None) -> Iterator[str]:
        """The reply in pieces as it is written; with `tokens`, (token, log-probability) pairs
        are appended to it as they come (none from an endpoint that gives none)."""

    def yes_probability(self, messages: Messages, fresh: bool = False) -> float:
        """P(yes) / (P(yes) + P(no)) for the reply's first token; raises NoTokenProbabilities
        where the endpoint gives none. `fresh`: read without any cached prefix."""


class NoTokenProbabilities(ModelError):
    """The endpoint answers but does not return token probabilities (some servers don't)."""


# Told the number of calls ahead of this one while it waits for the embedded model, and 0 when its
# turn comes; set for a block of work with `waiting_turn`.
_on_wait: ContextVar[Callable[[int], None] | None] = ContextVar("factcheck_on_wait", default=None)


@contextmanager
def waiting_turn(listener: Callable[[int], None]) -> Iterator[None]:
    """Within the block, every call to the embedded model that has to wait tells `listener` how
    many calls are ahead of it (again when that changes), and 0 when its turn comes."""
    token = _on_wait.set(listener)
    try:
        yield
    finally:
        _on_wait.reset(token)


class ModelQueue:
    """First come, first served turns at a model that serves one call at a time. A caller that
    gives up while waiting (an exception in its listener: a closed browser tab) leaves the line."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: list[object] = []  # the call being served first, then those waiting, in order

    def __len__(self) -> int:
        """Calls being served or waiting."""
        with self._cond:
            return len(self._line)

    @contextmanager
    def turn(self, listener: Callable[[int], None] | None = None) -> Iterator[None]:
        me = object()
        with self._cond:
            self._line.append(me)
        try:
            told = None
            while True:
                with self._cond:
                    ahead = self._line.index(me)
                    if ahead == 0:
                        break
                    if ahead == told:
                        self._cond.wait(0.5)
                        continue
                if listener:  # outside the lock: the listener may take its time
                    listener(ahead)
                told = ahead
            if listener and told:
                listener(0)
            yield
        finally:
            with self._cond:
                self._line.remove(me)
                self._cond.notify_all()


class LocalServer:
    """xllamacpp's OpenAI-compatible server, in this process, on loopback only, with a random
    key so that other local users cannot drive it."""

    def __init__(self, model_path, threads: int | None = None, n_ctx: int = 4096, parallel: int = 1):
        import xllamacpp

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.api_key = secrets.token_urlsafe(24)
        p = xllamacpp.CommonParams()
        p.model.path = str(model_path)
        p.n_ctx = n_ctx * parallel  # each of the `parallel` slots gets n_ctx tokens
        p.n_parallel = parallel
        p.cpuparams.n_threads = p.cpuparams_batch.n_threads = threads or os.cpu_count() or 1
        p.port = self.port
        p.hostnames = ["127.0.0.1"]
        p.api_keys = [self.api_key]
        p.cache_prompt = True
        p.verbosity = 0
        p.log_json = False
        self._server = xllamacpp.Server(p)  # loads the model; serves until garbage-collected
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.parallel = parallel

    def stop(self) -> None:
        self._server = None


class ChatModel:
    """Chat completions, streaming, and P(yes) read from token probabilities."""

    def __init__(self, base_url: str | None, api_key: str | None, model: str, *, label: str,
                 timeout: float = 120.0, local: LocalServer | None = None, queued: bool | None = None):
        self.model = model
        self.label = label  # what the UI and reports show; never contains the key
        self.local = local
        self.base_url = base_url
        # One client for every thread: its connection pool serves parallel calls.
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=1)
        # The embedded server has one slot: its calls take turns (which also keeps its prompt cache
        # warm for the follow-up yes/no questions). A remote endpoint serves calls in parallel.
        if queued is None:
            queued = local is not None and local.parallel == 1
        self.queue = ModelQueue() if queued else None

    def _turn(self):
        if self.queue is None:
            return contextlib.nullcontext()
        return self.queue.turn(_on_wait.get())

    def queue_length(self) -> int:
        """Calls being served or waiting at the embedded model (0 for a remote endpoint)."""
        return len(self.queue) if self.queue is not None else 0

    @property
    def where(self) -> str:
        from factcheck.ui_text import public_endpoint  # no user, password or query: a key can hide there

        return "the embedded local server" if self.local else (public_endpoint(self.base_url) or "api.openai.com")

    def _error(self, e: openai.OpenAIError) -> ModelError:
        """A message a person can act on; never the key, never the raw response."""
        if isinstance(e, openai.AuthenticationError):
            return ModelError(f"The model endpoint {self.where} refused the API key (HTTP {e.status_code}). "
                              "Check OPENAI_API_KEY.")
        if isinstance(e, openai.APITimeoutError):
            return ModelError(f"The model at {self.where} did not answer in time.")
        if isinstance(e, openai.APIConnectionError):
            return ModelError(f"Cannot reach the model at {self.where}. Is it running? Check FACTCHECK_LLM_BASE_URL.")
        if isinstance(e, openai.APIStatusError):
            return ModelError(f"The model at {self.where} returned HTTP {e.status_code}.")
        return ModelError(f"The model at {self.where} sent a reply that could not be read.")

    def _call(self, fresh: bool = False, **kw):
        if fresh and self.local is not None:
            # llama.cpp reuses the longest prefix it still holds from the previous prompt, and a
            # prefix read in another batch gives slightly other numbers (a claim's prior moved by
            # up to 0.03 with what was read before it). Read from scratch, a prompt gives the same
            # probabilities whatever came before. Other endpoints take no such field.
            kw["extra_body"] = {"cache_prompt": False}
        try:
            with self._turn():
                return self.client.chat.completions.create(model=self.model, temperature=0, **kw)
        except openai.OpenAIError as e:
            raise self._error(e) from None

    def complete(self, messages: Messages, max_tokens: int = 200) -> str:
        r = self._call(messages=messages, max_tokens=max_tokens)
        try:
            return r.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError):
            raise ModelError(f"The model at {self.where} sent a reply without text.") from None

    def stream(self, messages: Messages, max_tokens: int = 200, tokens: list[tuple[str, float]] | None = None) -> Iterator[str]:
        """The reply as it is written. With `tokens`, each token and its log-probability are
        appended to it as they come (an endpoint that gives none leaves it empty)."""
        extra = {"logprobs": True} if tokens is not None else {}
        try:
            with self._turn():
                events = self.client.chat.completions.create(model=self.model, temperature=0, messages=messages,
                                                             max_tokens=max_tokens, stream=True, **extra)
                for event in events:
                    choice = event.choices[0] if event.choices else None
                    if tokens is not None and choice is not None and getattr(choice, "logprobs", None) and choice.logprobs.content:
                        tokens += [(t.token, t.logprob) for t in choice.logprobs.content]
                    if choice is not None and choice.delta and choice.delta.content:
                        yield choice.delta.content
        except openai.OpenAIError as e:
            raise self._error(e) from None

    def yes_probability(self, messages: Messages, fresh: bool = False) -> float:
        """P(yes) / (P(yes) + P(no)) for the first token of the reply. More reliable than the
        model's wording for a small model (measured on these machines): it leans to 'yes', so thresholds sit high.
        `fresh`: read the whole prompt anew (the embedded model), so the figure does not depend on
        what was read before it."""
        r = self._call(fresh=fresh, messages=messages, max_tokens=1, logprobs=True, top_logprobs=10)
        try:
            top = r.choices[0].logprobs.content[0].top_logprobs
        except (AttributeError, IndexError, TypeError):
            raise NoTokenProbabilities(f"The model at {self.where} does not return token probabilities.") from None
        yes = sum(math.exp(t.logprob) for t in top if t.token.strip().lower() in ("yes", "y"))
        no = sum(math.exp(t.logprob) for t in top if t.token.strip().lower() in ("no", "n"))
        return yes / (yes + no) if yes + no > 0 else 0.5
