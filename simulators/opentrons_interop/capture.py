"""What one Opentrons analysis produced, as plain data: ``RunCapture`` (and ``LegacyRecord``).

The analysis worker (``analysis_worker``) fills a ``RunCapture`` in its own process and writes it
as JSON; ``analyzer`` reads it back. Every caller reads the same record: the importer (commands,
liquids, legacy heights, call lines), the ``opentrons-sim`` backend and the fake robot (commands,
errors, robot type; ``robot_analysis()`` gives them the shape of a robot-server analysis).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

ENGINE_CORE_API_LEVEL = (2, 14)  # below this, Python protocols run on the legacy core
JSON_ENGINE_SCHEMA = 6  # below this, JSON protocols run on the legacy core (at apiLevel 2.8)


class LegacyRecord(BaseModel):
    """What the legacy run log says about one mapped engine command."""

    name: str
    z_from_bottom: float | None = None  # height of the tip above the well bottom, mm
    well: str | None = None
    module_slot: str | None = None
    line: int | None = None  # line of the protocol file that issued it
    numbers: dict[str, Any] = Field(default_factory=dict)  # primitive payload fields
    text: str = ""
    in_air_gap: bool = False  # an aspirate made by air_gap() (its run-log message is inside one)


class RunCapture(BaseModel):
    """The result of one analysis, as plain data."""

    # the Python API level the protocol ran at: its apiLevel; 2.8 for a Protocol Designer file of
    # schema v3-v5 (Opentrons runs those on the legacy core); None for PD schema v6-v8 (the engine)
    api_level: tuple[int, int] | None
    robot_type: str  # "OT-2 Standard" | "OT-3 Standard"
    schema_version: int | None = None  # a Protocol Designer (JSON) protocol's schemaVersion
    # the runtime parameters the analysis used (``RunTimeParameter`` dumps: variableName, type,
    # value, default, min/max or choices); empty for a protocol that defines none
    parameters: list[dict[str, Any]] = Field(default_factory=list)
    source_sha256: str = ""  # SHA-256 of the exact protocol file bytes the analysis read
    metadata: dict[str, Any] = Field(default_factory=dict)
    commands: list[dict[str, Any]] = Field(default_factory=list)  # model_dump(mode="json") of each
    liquids: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[dict[str, Any]] = Field(default_factory=list)  # error tree (empty: accepted)
    # the analyzer's verdict, as ``opentrons analyze`` words it: ok | not-ok | parameter-value-required
    result: str = "ok"
    legacy: dict[str, LegacyRecord] = Field(default_factory=dict)  # engine command id -> record
    # (UTC time, protocol line) of every API call, in order: an engine command created at or
    # after a call's time (and before the next call's) comes from that line
    call_lines: list[tuple[datetime, int | None]] = Field(default_factory=list)
    stdout: str = ""  # what the protocol printed
    seconds: float = 0.0  # wall time of the analysis, process start to result
    # how the analysis was isolated (``sandbox``): {"isolation": "namespaces" | "limits-only",
    # "reason": why not namespaces, "proc": a /proc of its own, "scratch": its scratch directory}
    sandbox: dict[str, Any] = Field(default_factory=dict)
    limit_hit: str | None = None  # "memory": the analysis failed on the memory limit

    @property
    def is_legacy(self) -> bool:
        """Ran on the legacy core: a Python protocol below apiLevel 2.14, a PD file of schema v3-v5."""
        if self.schema_version is not None:
            return self.schema_version < JSON_ENGINE_SCHEMA
        return self.api_level is not None and self.api_level < ENGINE_CORE_API_LEVEL

    @property
    def robot(self) -> str:
        return "flex" if "OT-3" in self.robot_type or "Flex" in self.robot_type else "ot2"

    @property
    def ok(self) -> bool:
        """The simulator ran the protocol to the end without an error."""
        return self.result == "ok" and not self.errors

    def robot_analysis(self) -> dict[str, Any]:
        """The analysis as a robot (robot-server, ``opentrons analyze --json-output``) writes it:
        ``result``, ``robotType``, ``metadata``, ``commands``, ``liquids``, ``errors``, with the
        fields that are None left out."""
        return {
            "result": self.result,
            "robotType": self.robot_type,
            "metadata": without_none(self.metadata),
            "commands": without_none(self.commands),
            "liquids": without_none(self.liquids),
            "errors": without_none(self.errors),
        }


def without_none(value: Any) -> Any:
    """``value`` with every None-valued dict entry left out, at every depth (pydantic's
    ``exclude_none`` applied to data already dumped)."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value
