"""The run ledger: an SQLite file recording every dispatch before anything is sent.

One row per dispatch, unique per idempotency key; an append-only event log beside it; for a
dispatch of an Opentrons file (a Python or Protocol Designer protocol, sent unchanged), the
file's exact bytes, its runtime parameter values and custom labware in ``sources``, written in
the same transaction as the dispatch, so that a dispatch continued after a crash sends the same
file and its certificate is checked against it again. The file
lives in the labwright home (``labwright_home()/ledger.sqlite``) unless a path is given. It is
opened in WAL mode with ``synchronous=FULL``: a committed row survives a crash of the process
(and of the machine), so a dispatch written here before the first byte goes to a robot is never
forgotten, and a repeated idempotency key finds it.

A dispatch is *owned* by the process driving it (host, pid and the pid's start time, plus a
heartbeat); another process takes it over only when the owner is dead or silent.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from labwright.hardware.models import (
    TERMINAL_STATES,
    RunError,
    RunResults,
    RunState,
    RunStatus,
    SourceFile,
    utc_now,
)
from labwright.hardware.sqlite_file import SharedFile, open_shared
from labwright.protocols.errors import ConfigurationError
from labwright.verifiers.certificate import labware_sha256, labwright_home
from pydantic import BaseModel, Field

SCHEMA_VERSION = 2  # 2: the sources table (a version-1 file gains it when opened)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dispatches (
    run_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    backend TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    protocol_sha256 TEXT NOT NULL,
    protocol_name TEXT NOT NULL DEFAULT '',
    protocol_json TEXT NOT NULL,
    certificate_json TEXT NOT NULL,
    state TEXT NOT NULL,
    robot_status TEXT,
    completed_steps INTEGER NOT NULL DEFAULT 0,
    total_steps INTEGER NOT NULL DEFAULT 0,
    current_step INTEGER,
    handles_json TEXT NOT NULL DEFAULT '{}',
    error_json TEXT,
    results_json TEXT,
    owner TEXT,
    heartbeat_at REAL,
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    started_at TEXT,
    first_command_at TEXT,
    finished_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES dispatches(run_id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    data_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS sources (
    run_id TEXT PRIMARY KEY REFERENCES dispatches(run_id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    data BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    runtime_parameters_json TEXT NOT NULL DEFAULT '{}',
    custom_labware_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS events_by_run ON events(run_id, seq);
CREATE INDEX IF NOT EXISTS dispatches_by_state ON dispatches(state);
"""


def default_ledger_path() -> Path:
    return labwright_home() / "ledger.sqlite"


# ------------------------------------------------------------------------------ ownership


def _proc_start(pid: int) -> str:
    """The kernel's start time of a process ('' when unknown): tells a pid from its reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def this_owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_proc_start(pid)}"


def owner_alive(owner: str | None) -> bool | None:
    """True/False for an owner on this host; None when it cannot be told (another host)."""
    if not owner:
        return False
    try:
        host, pid_s, start = owner.rsplit(":", 2)
        pid = int(pid_s)
    except ValueError:
        return False
    if host != socket.gethostname():
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        stat = ""
    if stat:
        state = stat.rsplit(")", 1)[-1].split()[0]
        if state in {"Z", "X"}:
            return False
        return not start or _proc_start(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------------- models


class RunRecord(BaseModel):
    """One dispatch as the ledger holds it."""

    run_id: str
    idempotency_key: str
    backend: str
    target: str = ""
    protocol_sha256: str
    protocol_name: str = ""
    certificate: dict[str, Any]
    state: RunState
    robot_status: str | None = None
    completed_steps: int = 0
    total_steps: int = 0
    current_step: int | None = None
    handles: dict[str, str] = Field(default_factory=dict)
    error: RunError | None = None
    results: RunResults | None = None
    owner: str | None = None
    heartbeat_at: float | None = None
    created_at: str
    submitted_at: str | None = None
    started_at: str | None = None
    first_command_at: str | None = None
    finished_at: str | None = None
    updated_at: str
    source: dict[str, Any] | None = Field(
        default=None,
        description="the Opentrons file dispatched (kind, filename, sha256, runtime_parameters, "
        "custom_labware_sha256), None for a labwright protocol; the bytes: Ledger.source_file",
    )

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def summary(self) -> dict[str, Any]:
        """The record without the bulky results (for listings)."""
        return self.model_dump(mode="json", exclude={"results", "certificate"}) | {
            "certificate_signature": self.certificate.get("signature", "")[:16],
        }


class LedgerEvent(BaseModel):
    seq: int
    run_id: str
    at: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)


_UPDATABLE = {
    "state",
    "robot_status",
    "completed_steps",
    "total_steps",
    "current_step",
    "owner",
    "heartbeat_at",
    "submitted_at",
    "started_at",
    "first_command_at",
    "finished_at",
}


class Ledger(SharedFile):
    """The SQLite run ledger. Thread-safe; several processes may share one file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_ledger_path()
        if self.path.is_dir():
            raise ConfigurationError(
                f"the run ledger {self.path} is a directory", hint="pass --store with a file path"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the folder of the run ledger {self.path}: {exc.strerror or exc}",
                hint="pass --store with a path in a writable folder, or set LABWRIGHT_HOME",
            ) from None
        try:
            self._db, mode = open_shared(self.path, _SCHEMA, foreign_keys=True)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:  # new, or version 1: the script above added what it lacked
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif version > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"the ledger {self.path} has schema version {version}; "
                    f"this labwright knows {SCHEMA_VERSION}",
                    hint="upgrade labwright, or pass --store with another file",
                )
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"cannot open the run ledger {self.path}: {exc}",
                hint="pass --store with a writable path, or set LABWRIGHT_HOME",
            ) from exc
        if str(mode).lower() != "wal":
            raise ConfigurationError(
                f"the run ledger {self.path} cannot use write-ahead logging (journal mode {mode})",
                hint="put the ledger on a local file system (--store PATH)",
            )
        self._lock = threading.RLock()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------- writing

    def claim(
        self,
        *,
        run_id: str,
        idempotency_key: str,
        backend: str,
        target: str,
        protocol_sha256: str,
        protocol_name: str,
        protocol_json: str,
        certificate_json: str,
        total_steps: int,
        owner: str | None = None,
        source: SourceFile | None = None,
    ) -> tuple[RunRecord, bool]:
        """Record a new dispatch under its key, or return the one already there (created=False);
        with ``source``, the Opentrons file dispatched, in the same transaction."""
        now = utc_now()
        with self._tx() as db:
            row = db.execute(
                "SELECT run_id FROM dispatches WHERE idempotency_key=?", (idempotency_key,)
            ).fetchone()
            if row is not None:
                existing = row["run_id"]
                created = False
            else:
                db.execute(
                    "INSERT INTO dispatches (run_id, idempotency_key, backend, target, protocol_sha256,"
                    " protocol_name, protocol_json, certificate_json, state, total_steps, owner,"
                    " heartbeat_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        run_id,
                        idempotency_key,
                        backend,
                        target,
                        protocol_sha256,
                        protocol_name,
                        protocol_json,
                        certificate_json,
                        RunState.QUEUED.value,
                        total_steps,
                        owner,
                        time.time(),
                        now,
                        now,
                    ),
                )
                recorded = {
                    "idempotency_key": idempotency_key,
                    "backend": backend,
                    "target": target,
                    "protocol_sha256": protocol_sha256,
                }
                if source is not None:
                    _insert_source(db, run_id, source)
                    recorded["source_sha256"] = source.sha256
                self._event(db, run_id, "recorded", recorded)
                existing = run_id
                created = True
        return self.get(existing), created

    def _event(self, db: sqlite3.Connection, run_id: str, kind: str, data: dict[str, Any]) -> None:
        db.execute(
            "INSERT INTO events (run_id, at, kind, data_json) VALUES (?,?,?,?)",
            (run_id, utc_now(), kind, json.dumps(data, sort_keys=True, default=str)),
        )

    def add_event(self, run_id: str, kind: str, data: dict[str, Any] | None = None) -> None:
        with self._tx() as db:
            self._event(db, run_id, kind, data or {})

    def update(
        self,
        run_id: str,
        *,
        event: tuple[str, dict[str, Any]] | None = None,
        handles: dict[str, str] | None = None,
        error: RunError | None = None,
        clear_error: bool = False,
        results: RunResults | None = None,
        **fields: Any,
    ) -> None:
        """Update columns (and append one event) in a single durable transaction."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable ledger fields: {sorted(unknown)}")
        sets = [f"{k}=?" for k in fields]
        values: list[Any] = [v.value if isinstance(v, RunState) else v for v in fields.values()]
        with self._tx() as db:
            if handles:
                row = db.execute("SELECT handles_json FROM dispatches WHERE run_id=?", (run_id,)).fetchone()
                merged = json.loads(row["handles_json"]) if row else {}
                merged.update(handles)
                sets.append("handles_json=?")
                values.append(json.dumps(merged, sort_keys=True))
            if error is not None:
                sets.append("error_json=?")
                values.append(error.model_dump_json())
            elif clear_error:
                sets.append("error_json=NULL")
            if results is not None:
                sets.append("results_json=?")
                values.append(results.model_dump_json())
            sets.append("updated_at=?")
            values.append(utc_now())
            db.execute(f"UPDATE dispatches SET {', '.join(sets)} WHERE run_id=?", (*values, run_id))
            if event is not None:
                self._event(db, run_id, event[0], event[1])

    def record_status(
        self, status: RunStatus, *, event: str | None = None, results: RunResults | None = None
    ) -> None:
        """Write a backend status (state, progress, timings, error, results) in one transaction."""
        fields: dict[str, Any] = {
            "state": status.state,
            "robot_status": status.robot_status,
            "completed_steps": status.completed_steps,
            "current_step": status.current_step,
        }
        for name in ("started_at", "first_command_at", "finished_at"):
            if getattr(status, name):
                fields[name] = getattr(status, name)
        data = {
            "state": status.state.value,
            "completed_steps": status.completed_steps,
            "current_step": status.current_step,
            "robot_status": status.robot_status,
        }
        if status.error is not None:
            data["error"] = status.error.model_dump(mode="json")
        self.update(
            status.run_id,
            event=(event, data) if event else None,
            handles=status.handles or None,
            error=status.error,
            results=results,
            **fields,
        )

    def take_ownership(self, run_id: str, owner: str, *, stale_after_s: float = 60.0) -> bool:
        """Become the process driving this dispatch, unless a live owner still is."""
        with self._tx() as db:
            row = db.execute(
                "SELECT owner, heartbeat_at FROM dispatches WHERE run_id=?", (run_id,)
            ).fetchone()
            if row is None:
                return False
            current, beat = row["owner"], row["heartbeat_at"] or 0.0
            if current and current != owner:
                alive = owner_alive(current)
                if alive is None:
                    alive = time.time() - beat < stale_after_s
                if alive:
                    return False
            db.execute(
                "UPDATE dispatches SET owner=?, heartbeat_at=?, updated_at=? WHERE run_id=?",
                (owner, time.time(), utc_now(), run_id),
            )
            if current != owner:
                self._event(db, run_id, "owner", {"owner": owner, "previous": current})
        return True

    def heartbeat(self, run_id: str, owner: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE dispatches SET heartbeat_at=? WHERE run_id=? AND owner=?",
                (time.time(), run_id, owner),
            )

    def release(self, run_id: str, owner: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE dispatches SET owner=NULL WHERE run_id=? AND owner=?", (run_id, owner))

    # -------------------------------------------------------------------------- reading

    def _record(self, row: sqlite3.Row) -> RunRecord:
        try:
            return self._record_of(row)
        except (ValueError, TypeError, KeyError) as exc:  # bad JSON, a bad state, a wrong type
            raise ConfigurationError(
                f"the run ledger {self.path} has a corrupt record for run {row['run_id']} "
                f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})",
                hint="the file was changed outside labwright: restore it from a backup, or move it "
                "away and use a new one (--store PATH); nothing was dispatched from the corrupt record",
            ) from None

    def _source_summary(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT kind, filename, sha256, runtime_parameters_json, custom_labware_json "
                "FROM sources WHERE run_id=?",
                (run_id,),
            ).fetchone()
        if row is None:
            return None
        labware = json.loads(row["custom_labware_json"])
        return {
            "kind": row["kind"],
            "filename": row["filename"],
            "sha256": row["sha256"],
            "runtime_parameters": json.loads(row["runtime_parameters_json"]),
            "custom_labware_sha256": sorted(labware_sha256(d) for d in labware),
        }

    def source_file(self, run_id: str) -> SourceFile | None:
        """The Opentrons file of a dispatch (its exact bytes), None for a labwright protocol."""
        with self._lock:
            row = self._db.execute("SELECT * FROM sources WHERE run_id=?", (run_id,)).fetchone()
        if row is None:
            return None
        return SourceFile(
            kind=row["kind"],
            filename=row["filename"],
            data=bytes(row["data"]),
            runtime_parameters=json.loads(row["runtime_parameters_json"]),
            custom_labware=json.loads(row["custom_labware_json"]),
        )

    def _record_of(self, row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            run_id=row["run_id"],
            idempotency_key=row["idempotency_key"],
            backend=row["backend"],
            target=row["target"],
            protocol_sha256=row["protocol_sha256"],
            protocol_name=row["protocol_name"],
            certificate=json.loads(row["certificate_json"]),
            state=RunState(row["state"]),
            robot_status=row["robot_status"],
            completed_steps=row["completed_steps"],
            total_steps=row["total_steps"],
            current_step=row["current_step"],
            handles=json.loads(row["handles_json"]),
            error=RunError.model_validate_json(row["error_json"]) if row["error_json"] else None,
            results=RunResults.model_validate_json(row["results_json"]) if row["results_json"] else None,
            owner=row["owner"],
            heartbeat_at=row["heartbeat_at"],
            created_at=row["created_at"],
            submitted_at=row["submitted_at"],
            started_at=row["started_at"],
            first_command_at=row["first_command_at"],
            finished_at=row["finished_at"],
            updated_at=row["updated_at"],
            source=self._source_summary(row["run_id"]),
        )

    def get(self, run_id: str) -> RunRecord:
        with self._lock:
            row = self._db.execute("SELECT * FROM dispatches WHERE run_id=?", (run_id,)).fetchone()
        if row is None:
            raise ConfigurationError(
                f"no run {run_id!r} in the ledger {self.path}",
                hint="`labwright runs list` shows the recorded runs",
            )
        return self._record(row)

    def resolve(self, run_id_or_prefix: str) -> RunRecord:
        """A run by its id or an unambiguous prefix of it."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM dispatches WHERE substr(run_id, 1, ?)=? ORDER BY run_id LIMIT 3",
                (len(run_id_or_prefix), run_id_or_prefix),
            ).fetchall()
        exact = [r for r in rows if r["run_id"] == run_id_or_prefix]
        if exact:
            return self._record(exact[0])
        if len(rows) == 1:
            return self._record(rows[0])
        if not rows:
            raise ConfigurationError(
                f"no run {run_id_or_prefix!r} in the ledger {self.path}",
                hint="`labwright runs list` shows the recorded runs",
            )
        raise ConfigurationError(
            f"{run_id_or_prefix!r} matches several runs", hint="give more characters of the run id"
        )

    def get_by_key(self, idempotency_key: str) -> RunRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM dispatches WHERE idempotency_key=?", (idempotency_key,)
            ).fetchone()
        return None if row is None else self._record(row)

    def protocol_json(self, run_id: str) -> str:
        with self._lock:
            row = self._db.execute(
                "SELECT protocol_json FROM dispatches WHERE run_id=?", (run_id,)
            ).fetchone()
        if row is None:
            raise ConfigurationError(f"no run {run_id!r} in the ledger {self.path}")
        return row["protocol_json"]

    def list(self, *, limit: int | None = None, states: set[RunState] | None = None) -> list[RunRecord]:
        sql = "SELECT * FROM dispatches"
        args: list[Any] = []
        if states:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            args += [s.value for s in states]
        sql += " ORDER BY created_at DESC, run_id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._record(r) for r in rows]

    def in_flight(self) -> list[RunRecord]:
        return self.list(states={s for s in RunState if s not in TERMINAL_STATES})

    def unfinished_dispatch(
        self, protocol_sha256: str, backend: str, target: str, source: SourceFile | None = None
    ) -> RunRecord | None:
        """The newest unfinished dispatch of this protocol (and this Opentrons file: the same
        bytes, parameter values and labware; None: a labwright protocol) to this backend and
        target, if any."""
        wanted = source_identity(source)
        for record in self.in_flight():  # newest first
            if (record.protocol_sha256, record.backend, record.target) != (protocol_sha256, backend, target):
                continue
            if source_identity(record.source) == wanted:
                return record
        return None

    def events(self, run_id: str) -> list[LedgerEvent]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM events WHERE run_id=? ORDER BY seq", (run_id,)).fetchall()
        return [
            LedgerEvent(
                seq=r["seq"],
                run_id=r["run_id"],
                at=r["at"],
                kind=r["kind"],
                data=_json_or_note(r["data_json"]),
            )
            for r in rows
        ]


def _json_or_note(text: str) -> dict[str, Any]:
    """An event's data; a corrupt entry is shown as such rather than hiding the run's history."""
    try:
        data = json.loads(text)
    except ValueError:
        return {"corrupt": text[:200]}
    return data if isinstance(data, dict) else {"value": data}


def source_identity(source: SourceFile | dict[str, Any] | None) -> str | None:
    """What makes two dispatched Opentrons files the same certified thing (their bytes, runtime
    parameter values and custom labware; not their names), as one string; None: no file."""
    if source is None:
        return None
    summary = source.binding().model_dump(mode="json") if isinstance(source, SourceFile) else source
    keys = ("kind", "sha256", "runtime_parameters", "custom_labware_sha256")
    return json.dumps({k: summary.get(k) for k in keys}, sort_keys=True)


def _insert_source(db: sqlite3.Connection, run_id: str, source: SourceFile) -> None:
    db.execute(
        "INSERT INTO sources (run_id, kind, filename, data, sha256, runtime_parameters_json,"
        " custom_labware_json) VALUES (?,?,?,?,?,?,?)",
        (
            run_id,
            source.kind,
            source.filename,
            sqlite3.Binary(source.data),
            source.sha256,
            json.dumps(source.runtime_parameters, sort_keys=True),
            json.dumps(source.custom_labware, sort_keys=True),
        ),
    )
