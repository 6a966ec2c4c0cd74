"""Campaign records: the campaign and each experiment's state, durably, beside the run ledger.

Two tables in the ledger's SQLite file (same WAL mode, ``synchronous=FULL``, one
transaction per change): ``campaigns`` (the validated campaign file with the options it ran
with, its state and owner) and ``campaign_experiments`` (one row per experiment: its round,
parameters, status, protocol hash, idempotency key, the ledger run that measured it, the
measurement and the objectives). The dispatch itself (protocol bytes, certificate, results) is
the ledger's, under the experiment's idempotency key; this store never duplicates it.

Experiment states: ``proposed`` (stored before anything is compiled or sent: a resumed campaign
continues with exactly these parameters), ``infeasible`` (its protocol failed the verifier; the
findings are kept), ``measured``, ``failed`` (its run failed, was refused or gave no value).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Literal

from labwright.hardware.ledger import Ledger
from labwright.hardware.models import utc_now
from labwright.hardware.sqlite_file import SharedFile, open_shared
from labwright.protocols.errors import ConfigurationError
from pydantic import BaseModel, Field

ExperimentStatus = Literal["proposed", "infeasible", "measured", "failed"]
CampaignState = Literal["created", "running", "finished", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    run_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    state TEXT NOT NULL,
    stop_reason TEXT,
    approved_by TEXT,
    owner TEXT,
    heartbeat_at REAL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS campaign_experiments (
    run_id TEXT NOT NULL REFERENCES campaigns(run_id),
    idx INTEGER NOT NULL,
    round INTEGER NOT NULL,
    parameters_json TEXT NOT NULL,
    status TEXT NOT NULL,
    protocol_sha256 TEXT,
    idempotency_key TEXT,
    ledger_run_id TEXT,
    measurement_json TEXT,
    objectives_json TEXT,
    errors_json TEXT NOT NULL DEFAULT '[]',
    warnings_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, idx)
);
"""


class ExperimentRecord(BaseModel):
    index: int = Field(description="1-based experiment number in the campaign")
    round: int
    parameters: dict[str, Any]
    status: ExperimentStatus
    protocol_sha256: str | None = None
    idempotency_key: str | None = None
    ledger_run_id: str | None = None
    measurement: dict[str, Any] | None = None
    objectives: dict[str, float] | None = None
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class CampaignRecord(BaseModel):
    run_id: str
    name: str
    spec: dict[str, Any]
    state: CampaignState
    stop_reason: str | None = None
    approved_by: str | None = None
    owner: str | None = None
    heartbeat_at: float | None = None
    created_at: str
    updated_at: str
    finished_at: str | None = None


class CampaignStore(SharedFile):
    """Campaign tables in the ledger's file; open it through the ledger (same path, same rules)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.path = ledger.path
        try:
            self._db, _ = open_shared(self.path, _SCHEMA)
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"cannot open the campaign tables in {self.path}: {exc}",
                hint="pass --store with a writable path, or set LABWRIGHT_HOME",
            ) from exc
        self._lock = threading.RLock()

    # ------------------------------------------------------------------------- campaigns

    def create(
        self,
        run_id: str,
        name: str,
        spec: dict[str, Any],
        owner: str | None,
        *,
        approved_by: str | None = None,
    ) -> CampaignRecord:
        """Record a new campaign run: ``running`` under ``owner``, or ``created`` (owner None)."""
        now = utc_now()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM campaigns WHERE run_id=?", (run_id,)).fetchone():
                raise ConfigurationError(
                    f"a campaign run {run_id!r} already exists in {self.path}",
                    hint=f"`labwright campaign resume {run_id}` continues it; "
                    "choose another --run-id for a new one",
                )
            db.execute(
                "INSERT INTO campaigns (run_id, name, spec_json, state, approved_by, owner, heartbeat_at,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    name,
                    json.dumps(spec, sort_keys=True),
                    "running" if owner else "created",
                    approved_by,
                    owner,
                    time.time(),
                    now,
                    now,
                ),
            )
        return self.get(run_id)

    def _campaign(self, row: sqlite3.Row) -> CampaignRecord:
        return CampaignRecord(
            run_id=row["run_id"],
            name=row["name"],
            spec=json.loads(row["spec_json"]),
            state=row["state"],
            stop_reason=row["stop_reason"],
            approved_by=row["approved_by"],
            owner=row["owner"],
            heartbeat_at=row["heartbeat_at"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            finished_at=row["finished_at"],
        )

    def get(self, run_id: str) -> CampaignRecord:
        with self._lock:
            row = self._db.execute("SELECT * FROM campaigns WHERE run_id=?", (run_id,)).fetchone()
        if row is None:
            raise ConfigurationError(
                f"no campaign run {run_id!r} in {self.path}",
                hint="`labwright campaign run FILE` starts one; pass --store if it lives in another ledger",
            )
        return self._campaign(row)

    def list(self) -> list[CampaignRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM campaigns ORDER BY created_at DESC").fetchall()
        return [self._campaign(r) for r in rows]

    def set_state(self, run_id: str, state: CampaignState, reason: str | None = None) -> None:
        now = utc_now()
        with self._tx() as db:
            db.execute(
                "UPDATE campaigns SET state=?, stop_reason=?, updated_at=?, finished_at=? WHERE run_id=?",
                (state, reason, now, now if state != "running" else None, run_id),
            )

    def claim(self, run_id: str, owner: str, alive: Any) -> bool:
        """Become the process running this campaign unless a live one already is."""
        with self._tx() as db:
            row = db.execute("SELECT owner FROM campaigns WHERE run_id=?", (run_id,)).fetchone()
            if row is None:
                return False
            current = row["owner"]
            if current and current != owner and alive(current) is not False:
                return False
            db.execute(
                "UPDATE campaigns SET owner=?, heartbeat_at=?, state='running', stop_reason=NULL,"
                " finished_at=NULL, updated_at=? WHERE run_id=?",
                (owner, time.time(), utc_now(), run_id),
            )
        return True

    def release(self, run_id: str, owner: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE campaigns SET owner=NULL WHERE run_id=? AND owner=?", (run_id, owner))

    # ----------------------------------------------------------------------- experiments

    def add_proposals(self, run_id: str, rnd: int, first_index: int, proposals: list[dict[str, Any]]) -> None:
        """Store a round's proposals in one transaction, before any of them is compiled or sent."""
        now = utc_now()
        with self._tx() as db:
            for i, params in enumerate(proposals):
                db.execute(
                    "INSERT INTO campaign_experiments (run_id, idx, round, parameters_json, status,"
                    " created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                    (run_id, first_index + i, rnd, json.dumps(params, sort_keys=True), "proposed", now, now),
                )

    def update_experiment(self, run_id: str, index: int, **fields: Any) -> None:
        columns = {
            "status": "status",
            "protocol_sha256": "protocol_sha256",
            "idempotency_key": "idempotency_key",
            "ledger_run_id": "ledger_run_id",
            "measurement": "measurement_json",
            "objectives": "objectives_json",
            "errors": "errors_json",
            "warnings": "warnings_json",
        }
        sets, values = [], []
        for key, value in fields.items():
            column = columns[key]
            sets.append(f"{column}=?")
            values.append(
                json.dumps(value, sort_keys=True, default=str) if column.endswith("_json") else value
            )
        sets.append("updated_at=?")
        values.append(utc_now())
        with self._tx() as db:
            db.execute(
                f"UPDATE campaign_experiments SET {', '.join(sets)} WHERE run_id=? AND idx=?",
                (*values, run_id, index),
            )

    def experiments(self, run_id: str) -> list[ExperimentRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM campaign_experiments WHERE run_id=? ORDER BY idx", (run_id,)
            ).fetchall()
        return [
            ExperimentRecord(
                index=r["idx"],
                round=r["round"],
                parameters=json.loads(r["parameters_json"]),
                status=r["status"],
                protocol_sha256=r["protocol_sha256"],
                idempotency_key=r["idempotency_key"],
                ledger_run_id=r["ledger_run_id"],
                measurement=json.loads(r["measurement_json"]) if r["measurement_json"] else None,
                objectives=json.loads(r["objectives_json"]) if r["objectives_json"] else None,
                errors=json.loads(r["errors_json"]),
                warnings=json.loads(r["warnings_json"]),
            )
            for r in rows
        ]


def store_path(path: str | Path | None) -> Path:
    return Path(path) if path is not None else Ledger(None).path
