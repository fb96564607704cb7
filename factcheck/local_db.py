"""The small SQLite files beside the corpus (history.sqlite3, feeds.sqlite3): one way to open them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for one unit of work, committed when it ends without error. One per call: the
    app's sessions run on several threads, and the CLI and the app may write the same file at once
    (SQLite's lock, waited for up to 30 s)."""
    db = sqlite3.connect(path, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        with db:
            yield db
    finally:
        db.close()
