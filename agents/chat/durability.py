"""Where chat runs survive a crash: LangGraph's SQLite checkpointer, a run table, a lock per run.

One SQLite file (``--store``; default the run ledger ``$LABWRIGHT_HOME/ledger.sqlite``) holds the
graph's checkpoints (``SqliteSaver``'s tables), the ``chat_runs`` table below and the dispatch
ledger's tables (``labwright.hardware.ledger``), so ``labwright runs list`` shows what a chat
dispatched. The file is in WAL mode and the graph runs with ``durability="sync"``: a node's
checkpoint is committed before the next node starts.

What is fsynced, and why (see :class:`ChatStore`): a commit is safe against a *killed process*
(SIGKILL, a crash, an out-of-memory kill) as soon as it returns, whatever ``synchronous`` says,
because the kernel holds the written WAL pages; ``synchronous`` only decides what survives a
*power cut or an OS crash*. The checkpoints are committed with ``synchronous=NORMAL`` (no fsync
per step: an fsync costs 0.4-15 ms here, depending on the other work on the disk, against a
per-step target of 5 ms); everything that acts on the world or that a person said is written
with ``synchronous=FULL`` on the same WAL, and an fsync of the WAL makes every frame before it
durable, the earlier checkpoints included:

- a person's approval (``record_approval``), before the graph sees it;
- a dispatch, in the ledger (``labwright.hardware.ledger``, FULL), before anything is sent;
- the run's status at the end of every invocation (``set_status``): a run that ended or waits for
  a person is on disk, all its checkpoints with it.

A power cut can therefore lose only the checkpoints of nodes that compute (understand, plan,
compile, verify, repair, and a dispatch/observe whose ledger rows are already durable) since
the last of those fsyncs; a resumed run runs them again, as after a kill inside a node, and the
idempotency key keeps a repeated dispatch from sending twice. ``ChatStore(fsync_each_step=True)``
restores one fsync per step (the benchmark measures both).

``chat_runs`` keeps per run: the graph version that started it (checked on resume: a run is
continued only by the graph that started it), the settings, and the approval a person gave
(written before the graph is resumed with it, so an approval is never lost to a crash).

A run is driven by one process at a time: an exclusive ``flock`` on
``<store>.chat-locks/<run id>.lock``, held while the process works on the run and released by
the kernel when the process ends, however it ends (a SIGKILL included). A second process that
asks for the same run is refused with a message naming the holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labwright.agents.chat.state import ChatSettings
from labwright.hardware.ledger import default_ledger_path, this_owner
from labwright.protocols.errors import ConfigurationError
from pydantic import BaseModel

RUN_ID_RE = re.compile(r"^chat-[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_runs (
    run_id TEXT PRIMARY KEY,
    graph_version TEXT NOT NULL,
    request TEXT NOT NULL,
    settings_json TEXT NOT NULL,
    status TEXT NOT NULL,
    approval_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class RunLockedError(ConfigurationError):
    """Another process is working on this run."""


class GraphVersionError(ConfigurationError):
    """The run was started by another version of the chat graph."""


class UnknownRunError(ConfigurationError):
    """No chat run of that id in this store."""


class ResumeOptionError(ConfigurationError):
    """An option given with ``--resume`` that cannot apply to the run where it stands."""


class RunInfo(BaseModel):
    run_id: str
    graph_version: str
    request: str
    settings: ChatSettings
    status: str
    approval: dict[str, Any] | None = None
    created_at: str
    updated_at: str


def new_run_id() -> str:
    return f"chat-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
    except (OSError, sqlite3.Error) as exc:
        raise ConfigurationError(
            f"cannot open the chat store {path}: {exc}",
            hint="pass --store with a writable file path, or set LABWRIGHT_HOME",
        ) from None
    return conn


def _one_fsync_per_step_saver(conn: sqlite3.Connection) -> Any:
    """A ``SqliteSaver`` whose task writes are committed without their own fsync.

    LangGraph saves a step's task writes (``put_writes``) and then the step's checkpoint
    (``put``). In WAL mode, a commit with ``synchronous=FULL`` fsyncs the write-ahead log, and so
    makes every frame appended before it durable, the task writes included: the checkpoint's
    fsync covers both, and a step costs one fsync instead of two. A kill never loses a committed
    transaction (the kernel has it); a power cut between the two commits loses at most the task
    writes of a step whose checkpoint was not written yet, and that node then runs again on
    resume, as after a kill inside the node.
    """
    import threading

    from langgraph.checkpoint.sqlite import SqliteSaver

    class OneFsyncPerStep(SqliteSaver):
        def __init__(self, connection: sqlite3.Connection) -> None:
            super().__init__(connection)
            self.lock = threading.RLock()  # held around the pragma and the commit below

        def put_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
            with self.lock:
                self.conn.execute("PRAGMA synchronous=NORMAL")
                try:
                    super().put_writes(config, writes, task_id, task_path)
                finally:
                    self.conn.execute("PRAGMA synchronous=FULL")

    return OneFsyncPerStep(conn)


class RunLock:
    """An exclusive lock on one run, held until :meth:`release` or the end of the process."""

    def __init__(self, folder: Path, run_id: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{run_id}.lock"
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 300).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise RunLockedError(
                f"chat run {run_id} is open in another labwright process ({holder}); "
                "a run is continued by one process at a time",
                hint=f"wait for that process to finish or stop it, then `labwright chat --resume {run_id}`",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"host:pid:start {this_owner()}".encode())
        os.fsync(fd)
        self.fd: int | None = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class ChatStore:
    """The chat store: checkpointer, run table and locks over one SQLite file.

    Two connections: ``_db`` (the run table, ``synchronous=FULL``: every commit fsyncs the WAL)
    and the checkpointer's (``synchronous=NORMAL``, or FULL with ``fsync_each_step``). Both are
    WAL, so a kill loses no committed checkpoint; see the module's docstring for a power cut.
    """

    def __init__(self, path: str | Path | None = None, *, fsync_each_step: bool = False) -> None:
        self.path = Path(path) if path is not None else default_ledger_path()
        if self.path.is_dir():
            raise ConfigurationError(
                f"the chat store {self.path} is a directory", hint="pass --store with a file path"
            )
        self.fsync_each_step = fsync_each_step
        self._db = _connect(self.path)
        self._db.executescript(_SCHEMA)
        self._saver_conn = _connect(self.path, "FULL" if fsync_each_step else "NORMAL")
        self._saver: Any = None

    @property
    def lock_folder(self) -> Path:
        return self.path.with_name(self.path.name + ".chat-locks")

    def checkpointer(self) -> Any:
        """LangGraph's ``SqliteSaver`` on this file (tables created on first use)."""
        if self._saver is None:
            if self.fsync_each_step:
                self._saver = _one_fsync_per_step_saver(self._saver_conn)
                self._saver.setup()
                self._saver_conn.execute("PRAGMA synchronous=FULL")  # setup's script may reset it
            else:
                from langgraph.checkpoint.sqlite import SqliteSaver

                self._saver = SqliteSaver(self._saver_conn)
                self._saver.setup()
                self._saver_conn.execute("PRAGMA synchronous=NORMAL")
        return self._saver

    def close(self) -> None:
        self._db.close()
        self._saver_conn.close()

    # ----------------------------------------------------------------------------- runs

    def create_run(self, run_id: str, graph_version: str, request: str, settings: ChatSettings) -> RunLock:
        """Record a new run and lock it for this process."""
        lock = RunLock(self.lock_folder, run_id)
        now = _now()
        with self._db:
            self._db.execute(
                "INSERT INTO chat_runs (run_id, graph_version, request, settings_json, status, created_at,"
                " updated_at) VALUES (?,?,?,?,?,?,?)",
                (run_id, graph_version, request, settings.model_dump_json(), "running", now, now),
            )
        return lock

    def get_run(self, run_id: str) -> RunInfo:
        row = self._db.execute(
            "SELECT run_id, graph_version, request, settings_json, status, approval_json, created_at,"
            " updated_at FROM chat_runs WHERE run_id=?",
            (run_id,),
        ).fetchone()
        if row is None:
            recent = [
                r[0]
                for r in self._db.execute(
                    "SELECT run_id FROM chat_runs ORDER BY created_at DESC LIMIT 3"
                ).fetchall()
            ]
            raise UnknownRunError(
                f"no chat run {run_id!r} in {self.path}",
                hint=(f"recent runs here: {', '.join(recent)}; " if recent else "")
                + "pass the --store the run was started with",
            )
        return RunInfo(
            run_id=row[0],
            graph_version=row[1],
            request=row[2],
            settings=ChatSettings.model_validate_json(row[3]),
            status=row[4],
            approval=json.loads(row[5]) if row[5] else None,
            created_at=row[6],
            updated_at=row[7],
        )

    def open_run(self, run_id: str, graph_version: str) -> tuple[RunInfo, RunLock]:
        """Lock an existing run for this process, after checking the graph version."""
        info = self.get_run(run_id)
        if info.graph_version != graph_version:
            raise GraphVersionError(
                f"chat run {run_id} was started by chat graph {info.graph_version}; this labwright runs "
                f"{graph_version}",
                hint="finish it with the labwright version that started it, or start a new run",
            )
        return info, RunLock(self.lock_folder, run_id)

    def set_status(self, run_id: str, status: str) -> None:
        """Also the run's durability barrier: this FULL commit fsyncs the WAL, and with it every
        checkpoint the NORMAL connection committed before it."""
        with self._db:
            self._db.execute(
                "UPDATE chat_runs SET status=?, updated_at=? WHERE run_id=?", (status, _now(), run_id)
            )

    def set_settings(self, run_id: str, settings: ChatSettings) -> None:
        """Keep the run's changed settings on disk (FULL) before the graph is resumed with them;
        a resume reads them from here, so a change is not lost to a kill before the graph saw it."""
        with self._db:
            self._db.execute(
                "UPDATE chat_runs SET settings_json=?, updated_at=? WHERE run_id=?",
                (settings.model_dump_json(), _now(), run_id),
            )

    def record_approval(self, run_id: str, approval: dict[str, Any]) -> None:
        """Keep a person's decision on disk before the graph is resumed with it."""
        with self._db:
            self._db.execute(
                "UPDATE chat_runs SET approval_json=?, updated_at=? WHERE run_id=?",
                (json.dumps(approval, sort_keys=True), _now(), run_id),
            )
