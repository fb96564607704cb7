"""Stable ids: the same article with other whitespace or another filename gets the same id."""

from __future__ import annotations

import hashlib

from retrieval.cleaning import normalise_for_identity


def article_id(text: str) -> str:
    return hashlib.sha256(normalise_for_identity(text).encode("utf-8")).hexdigest()[:16]


def chunk_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:{ordinal}"
