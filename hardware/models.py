"""Pydantic models at the dispatch boundary: jobs, run states, statuses, progress and results.

Every backend speaks these models, whatever robot (or twin) is behind it; the ledger stores
them as JSON. States are labwright's own; each backend maps its robot's states onto them and
keeps the robot's raw status in ``RunStatus.robot_status``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from labwright.protocols.models import Protocol
from labwright.verifiers.certificate import Certificate, SourceBinding, labware_sha256
from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class RunState(StrEnum):
    QUEUED = "queued"  # written to the ledger, not yet on the backend
    SUBMITTED = "submitted"  # on the backend (uploaded / run created), not started
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    REFUSED = "refused"  # the backend refused the protocol (e.g. robot analysis errors); nothing ran
    INTERRUPTED = "interrupted"  # an in-process run whose process ended before it finished
    UNKNOWN = "unknown"  # the backend could not be asked


TERMINAL_STATES = frozenset(
    {RunState.SUCCEEDED, RunState.FAILED, RunState.STOPPED, RunState.REFUSED, RunState.INTERRUPTED}
)


class RunError(BaseModel):
    """What went wrong, where: the protocol step, the robot command and the robot's own words."""

    code: str = Field(description="stable UPPER_SNAKE code, e.g. ROBOT_COMMAND_FAILED")
    message: str
    step: int | None = Field(default=None, description="0-based index into protocol.steps")
    command_index: int | None = Field(default=None, description="index of the robot command")
    command_type: str | None = None
    robot_error_type: str | None = None
    robot_error_code: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class RunStatus(BaseModel):
    run_id: str
    backend: str
    state: RunState
    robot_status: str | None = Field(default=None, description="the backend's own status string")
    completed_steps: int = 0
    total_steps: int = 0
    current_step: int | None = None
    command_index: int | None = None
    total_commands: int | None = None
    error: RunError | None = None
    started_at: str | None = None
    first_command_at: str | None = None
    finished_at: str | None = None
    handles: dict[str, str] = Field(default_factory=dict, description="backend ids (robot run id...)")

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES


class Progress(BaseModel):
    """One progress report: handed to the progress callback as a run advances."""

    run_id: str
    state: RunState
    completed_steps: int
    total_steps: int
    current_step: int | None = None
    command_index: int | None = None
    total_commands: int | None = None
    message: str = ""
    at: str = Field(default_factory=utc_now)


class CommandRecord(BaseModel):
    """One command the backend executed (a primitive action on the twin, a robot command)."""

    index: int
    step: int | None = None
    command_type: str
    status: str = "succeeded"
    params: dict[str, Any] = Field(default_factory=dict)
    error: dict[str, Any] | None = None
    started_at: str | None = None
    completed_at: str | None = None


class Measurement(BaseModel):
    """Values a measure step produced: per well, a mapping of quantity -> value."""

    step: int
    labware: str
    kind: str
    wavelength_nm: float | None = None
    values: dict[str, dict[str, Any]] = Field(default_factory=dict)
    source: str = Field(default="", description="what produced the values (hook name)")


class RunResults(BaseModel):
    run_id: str
    backend: str
    state: RunState
    commands: list[CommandRecord] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    log: list[str] = Field(default_factory=list, description="human-readable run log")
    error: RunError | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


class BackendCapabilities(BaseModel):
    model_config = ConfigDict(frozen=True)

    pause: bool = True
    resume: bool = True
    stop: bool = True
    measurements: bool = False
    durable: bool = Field(
        default=False,
        description="runs outlive the dispatching process (a robot) and can be reconciled after a crash",
    )


class SourceFile(BaseModel):
    """An Opentrons file on its way to a simulator or robot, exactly as certified.

    ``data`` are the file's bytes, sent unchanged; the dispatcher compares ``binding()`` with
    the certificate's ``source`` before anything is sent. The twin runs the converted protocol
    (``Job.protocol``); the Opentrons simulator and the robot run this file, with these runtime
    parameter values and custom labware definitions."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="opentrons-python or opentrons-json")
    filename: str = Field(description="the file's name (the robot sees it with the run id added)")
    data: bytes
    runtime_parameters: dict[str, bool | int | float | str] = Field(default_factory=dict)
    custom_labware: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def suffix(self) -> str:
        return ".json" if self.kind == "opentrons-json" else ".py"

    def binding(self) -> SourceBinding:
        """What this file is, in the terms of a certificate's ``source``."""
        return SourceBinding(
            kind=self.kind,  # type: ignore[arg-type]
            sha256=self.sha256,
            runtime_parameters=dict(self.runtime_parameters),
            custom_labware_sha256=tuple(sorted(labware_sha256(d) for d in self.custom_labware)),
        )


class Job(BaseModel):
    """A certified protocol on its way to a backend, under a run id and an idempotency key."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_id: str
    idempotency_key: str
    protocol: Protocol
    protocol_sha256: str
    certificate: Certificate
    handles: dict[str, str] = Field(
        default_factory=dict, description="backend ids already known (from the ledger, after a restart)"
    )
    source: SourceFile | None = Field(
        default=None,
        description="the certified Opentrons file the protocol was converted from: what the Opentrons "
        "simulator and the robot run (the twin runs the converted protocol)",
    )

    @property
    def total_steps(self) -> int:
        return len(self.protocol.steps)
