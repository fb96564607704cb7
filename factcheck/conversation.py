"""Conversations in the app: kept on disk so that a rerun or a page refresh finds them again
(citations included), and follow-up questions that lean on the previous one made standalone.

A conversation is a list of plain dicts (JSON): {"role": "user", "content", "asked_as"} and
{"role": "assistant", "answer": Answer as JSON} or {"role": "assistant", "error": message}.
Its id is random (it lives in the page's URL, `?c=…`), so only who has the link can read it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
from pathlib import Path

_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_MESSAGES = 200  # the oldest turns are dropped past this

# A question that leans on the one before: opens with a connective, points back with a pronoun,
# or is too short to stand alone ("Where?", "And Macron?", "Why did they refuse?").
_OPENERS = re.compile(r"^\s*(and|but|so|also|then|what about|how about|what of|why not|since when|and why)\b", re.I)
_POINTERS = re.compile(r"\b(he|she|they|them|him|his|her|hers|their|theirs|its|these|those|"
                       r"this(?!\s+(week|weekend|month|year|morning|afternoon|evening))|the same)\b", re.I)


def new_id() -> str:
    return secrets.token_urlsafe(16)


def valid_id(cid: str | None) -> bool:
    return bool(cid and _ID.match(cid))


def needs_context(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return bool(_OPENERS.search(question) or _POINTERS.search(question) or len(words) <= 3)


def resolve_followup(question: str, previous: list[str]) -> str:
    """The question to search and answer with. A follow-up carries the previous question (as
    the person asked it) in brackets, so search finds the same story and the model reads what
    "they" or "there" refers to; a standalone question is left as it is."""
    question = " ".join(question.split())
    if not previous or not needs_context(question):
        return question
    return f"{question} (follow-up to: {previous[-1]})"


class ConversationStore:
    """One JSON file per conversation under `root`; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()

    def _path(self, cid: str) -> Path:
        if not valid_id(cid):
            raise ValueError("not a conversation id")
        return self.root / f"{cid}.json"

    def load(self, cid: str) -> list[dict]:
        try:
            data = json.loads(self._path(cid).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return data if isinstance(data, list) else []

    def save(self, cid: str, messages: list[dict]) -> None:
        path = self._path(cid)
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(messages[-MAX_MESSAGES:], f, ensure_ascii=False)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def delete(self, cid: str) -> None:
        self._path(cid).unlink(missing_ok=True)
