"""One path to a chat model: the `openai` client against any OpenAI-compatible endpoint. When
none is configured, the embedded default starts: the local GGUF served by xllamacpp on
127.0.0.1, on a free port, once per process, stopped when the process ends.
"""

from __future__ import annotations

import math
import os
import secrets
import socket
import threading
from collections.abc import Iterator

import openai

from retrieval.errors import ModelError

Messages = list[dict[str, str]]


class NoTokenProbabilities(ModelError):
    """The endpoint answers but does not return token probabilities (some servers don't)."""


class LocalServer:
    """xllamacpp's OpenAI-compatible server, in this process, on loopback only, with a random
    key so that other local users cannot drive it."""

    def __init__(self, model_path, threads: int | None = None, n_ctx: int = 4096):
        import xllamacpp

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.api_key = secrets.token_urlsafe(24)
        p = xllamacpp.CommonParams()
        p.model.path = str(model_path)
        p.n_ctx = n_ctx
        p.cpuparams.n_threads = p.cpuparams_batch.n_threads = threads or os.cpu_count() or 1
        p.port = self.port
        p.hostnames = ["127.0.0.1"]
        p.api_keys = [self.api_key]
        p.cache_prompt = True
        p.verbosity = 0
        p.log_json = False
        self._server = xllamacpp.Server(p)  # loads the model; serves until garbage-collected
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self._server = None


class ChatModel:
    """Chat completions, streaming, and P(yes) read from token probabilities."""

    def __init__(self, base_url: str | None, api_key: str | None, model: str, *, label: str,
                 timeout: float = 120.0, local: LocalServer | None = None):
        self.model = model
        self.label = label  # what the UI and reports show; never contains the key
        self.local = local
        self.base_url = base_url
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=1)
        self._lock = threading.Lock()  # the local server has one slot: queue calls, keep its cache warm

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

    def _call(self, **kw):
        try:
            with self._lock:
                return self.client.chat.completions.create(model=self.model, temperature=0, **kw)
        except openai.OpenAIError as e:
            raise self._error(e) from None

    def complete(self, messages: Messages, max_tokens: int = 200) -> str:
        r = self._call(messages=messages, max_tokens=max_tokens)
        try:
            return r.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError):
            raise ModelError(f"The model at {self.where} sent a reply without text.") from None

    def stream(self, messages: Messages, max_tokens: int = 200) -> Iterator[str]:
        try:
            with self._lock:
                events = self.client.chat.completions.create(model=self.model, temperature=0, messages=messages,
                                                             max_tokens=max_tokens, stream=True)
                for event in events:
                    if event.choices and event.choices[0].delta and event.choices[0].delta.content:
                        yield event.choices[0].delta.content
        except openai.OpenAIError as e:
            raise self._error(e) from None

    def yes_probability(self, messages: Messages) -> float:
        """P(yes) / (P(yes) + P(no)) for the first token of the reply. More reliable than the
        model's wording for a small model (measured on these machines): it leans to 'yes', so thresholds sit high."""
        r = self._call(messages=messages, max_tokens=1, logprobs=True, top_logprobs=10)
        try:
            top = r.choices[0].logprobs.content[0].top_logprobs
        except (AttributeError, IndexError, TypeError):
            raise NoTokenProbabilities(f"The model at {self.where} does not return token probabilities.") from None
        yes = sum(math.exp(t.logprob) for t in top if t.token.strip().lower() in ("yes", "y"))
        no = sum(math.exp(t.logprob) for t in top if t.token.strip().lower() in ("no", "n"))
        return yes / (yes + no) if yes + no > 0 else 0.5
