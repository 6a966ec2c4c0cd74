"""What the chat store fsyncs: checkpoints are committed with synchronous=NORMAL (a kill loses no
committed checkpoint; a power cut only the last computing steps), while the run table (a
person's decision, the run's status at the end of each invocation) commits with FULL, whose
fsync of the shared WAL makes the checkpoints before it durable too. ``fsync_each_step`` restores
an fsync per step. (The kill tests in ``test_chat_crash.py`` prove the resume.)"""

from __future__ import annotations

from labwright.agents.chat.durability import ChatStore

NORMAL, FULL = 1, 2


def _synchronous(conn) -> int:
    return conn.execute("PRAGMA synchronous").fetchone()[0]


def test_checkpoints_normal_run_table_full_same_wal(tmp_path):
    store = ChatStore(tmp_path / "chat.sqlite")
    try:
        store.checkpointer()
        assert _synchronous(store._saver_conn) == NORMAL
        assert _synchronous(store._db) == FULL
        for conn in (store._saver_conn, store._db):
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()


def test_fsync_each_step_restores_full_checkpoints(tmp_path):
    store = ChatStore(tmp_path / "chat.sqlite", fsync_each_step=True)
    try:
        store.checkpointer()
        assert _synchronous(store._saver_conn) == FULL and _synchronous(store._db) == FULL
    finally:
        store.close()
