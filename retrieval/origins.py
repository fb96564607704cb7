"""Independent origins: the same wire story in five outlets is one source, not five.

Newsrooms run agency copy (AP, Reuters, AFP) under their own headlines, trimmed or lightly
edited; counting each copy as a separate source would make one report look corroborated five
times over. So every article gets a signature at ingest and joins an origin group:

- The signature is a MinHash (datasketch) of the article's body text, normalised (Unicode NFKC,
  case-folded, words only, so punctuation, spacing and typography do not count) and cut into
  overlapping shingles of `shingle_words` words. The headline is left out: a copy's headline is
  the outlet's own.
- Grouping rule: an article whose estimated Jaccard similarity to an existing article is at least
  `threshold` joins that article's origin group (the most similar one's, when several are). A
  different story on the same topic shares words but few word sequences, so it stays apart.
- The group's origin is its earliest-dated member (undated articles come after dated ones), ties
  broken by which was ingested first. Deleting the origin leaves the rest grouped, with the next
  earliest as origin.

Candidates are found by locality-sensitive hashing: the signature is cut into the bands that
datasketch's MinHashLSH chooses for the threshold and `num_perm`, and articles sharing a band
are compared. The bands are kept in the SQLite catalog (retrieval/store.py) rather than in an
in-memory MinHashLSH: that one cost ~1 GB and ~3 ms an insert at 100k articles (measured), and a
1M-passage store holds ~500k; in the catalog they follow the store's write protocol with
everything else and need no rebuilding on open.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from functools import cached_property

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from pydantic import BaseModel, Field, model_validator

_WORD = re.compile(r"\w+")
SIGNATURE_DTYPE = np.uint64  # datasketch's hash values, stored as little-endian bytes


class OriginParams(BaseModel):
    """How copies are recognised. Changing any of these regroups the corpus on its next open."""

    shingle_words: int = Field(3, ge=1, description="Words per shingle of the normalised body text")
    num_perm: int = Field(128, ge=16, description="MinHash permutations: more estimate similarity more closely, slower")
    threshold: float = Field(0.5, gt=0.0, le=1.0, description="Estimated Jaccard similarity of the shingles from "
                             "which an article is a copy of another (joins its origin group)")
    seed: int = 1  # of the MinHash permutations: signatures are comparable only under one seed

    @model_validator(mode="after")
    def _bands(self) -> "OriginParams":
        try:
            MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        except ValueError as e:  # a threshold near 1 leaves fewer than two LSH bands
            raise ValueError(f"origins: threshold {self.threshold} with num_perm {self.num_perm}: {e}; "
                             "lower the threshold or raise num_perm") from e
        return self

    def fingerprint(self) -> int:
        """What the stored signatures and groups were made with (kept in the catalog's meta)."""
        return zlib.crc32(f"v2/{self.shingle_words}/{self.num_perm}/{self.threshold}/{self.seed}".encode())


def normalise(text: str) -> list[str]:
    """The body's words: NFKC, case-folded, punctuation and spacing gone."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int) -> set[bytes]:
    words = normalise(text)
    if len(words) <= k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


class Signer:
    """Signatures and LSH band keys under one set of parameters (the permutations are made once)."""

    def __init__(self, params: OriginParams):
        self.params = params
        self._lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)

    @cached_property
    def _permutations(self):
        return MinHash(num_perm=self.params.num_perm, seed=self.params.seed).permutations

    def sign(self, text: str) -> np.ndarray:
        # crc32 hashes the shingles (stable across processes, as stored signatures need): a quarter
        # faster than datasketch's default sha1 on news articles, whose ~1,200 words cost ~25 ms.
        m = MinHash(num_perm=self.params.num_perm, seed=self.params.seed, permutations=self._permutations,
                    hashfunc=zlib.crc32)
        m.update_batch(list(shingles(text, self.params.shingle_words)))
        return np.asarray(m.hashvalues, dtype=SIGNATURE_DTYPE)

    @staticmethod
    def to_bytes(signature: np.ndarray) -> bytes:
        return signature.astype("<u8").tobytes()

    @staticmethod
    def from_bytes(blob: bytes) -> np.ndarray:
        return np.frombuffer(blob, dtype="<u8").astype(SIGNATURE_DTYPE)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        """Estimated Jaccard similarity of the two articles' shingles."""
        seed = self.params.seed
        return float(LeanMinHash(seed=seed, hashvalues=a).jaccard(LeanMinHash(seed=seed, hashvalues=b)))

    def band_keys(self, signature: np.ndarray) -> list[int]:
        """One key per LSH band (MinHashLSH's bands for the threshold), as signed 64-bit integers
        for SQLite: articles sharing any key are candidates."""
        keys = []
        for band, (start, end) in enumerate(self._lsh.hashranges):
            digest = hashlib.blake2b(band.to_bytes(2, "little") + signature[start:end].astype("<u8").tobytes(),
                                     digest_size=8).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
        return keys

    def closest(self, signature: np.ndarray, candidates: list[tuple[str, str, np.ndarray]]) -> tuple[str, str] | None:
        """Of (doc_id, origin_id, signature) candidates, the most similar one at or over the
        threshold, as (doc_id, origin_id); None when none is a copy."""
        best, best_sim = None, -1.0
        for doc_id, origin_id, other in candidates:
            sim = self.similarity(signature, other)
            if sim >= self.params.threshold and sim > best_sim:
                best, best_sim = (doc_id, origin_id), sim
        return best
