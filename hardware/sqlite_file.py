"""One SQLite file shared by several processes: how the run ledger and the campaign tables open it
and write to it.

Both keep their rows in the same file (``ledger.sqlite``) so that a campaign's experiments and the
dispatches they made commit side by side. Write-ahead logging lets readers (``campaign show``,
``labwright runs``) work while a writer commits; ``synchronous=FULL`` fsyncs every commit, so a
dispatch recorded as started survives a power cut, not only a killed process; ``BEGIN IMMEDIATE``
takes the write lock at the start of a transaction, so two processes never both read a row as free
and both claim it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def open_shared(path: Path, schema: str, *, foreign_keys: bool = False) -> tuple[sqlite3.Connection, str]:
    """Connect to ``path`` in autocommit mode with WAL and full fsync, create ``schema``; return the
    connection and the journal mode SQLite actually granted (not WAL on some network file systems).

    Raises ``sqlite3.Error``: the caller names the file's role in its own error message.
    """
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    mode = str(db.execute("PRAGMA journal_mode=WAL").fetchone()[0])
    db.execute("PRAGMA synchronous=FULL")
    if foreign_keys:
        db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    db.executescript(schema)
    return db, mode


class SharedFile:
    """A connection used from several threads under one lock, written in IMMEDIATE transactions."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, fsynced before returning)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
