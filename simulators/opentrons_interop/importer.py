"""Import an Opentrons Python protocol: run it through the Opentrons 9.0.0 simulator
(``analyzer``: the analysis in a child process), convert its command list and declared liquids
into the labwright protocol language, and report what the simulator rejected as issues.

    result = import_opentrons_python(Path("my_protocol.py"))
    result.protocol      # labwright Protocol (None if the converted document is malformed)
    result.issues        # import notes and, when the simulator rejected it, OPENTRONS_REJECTED
    result.rejected      # True when the Opentrons simulator raised

A file that is not a Python protocol at all (syntax error, no ``run()``, no apiLevel) raises
``UnusableInputError``. A protocol the simulator rejects is *not* an exception: it comes back
with an ``OPENTRONS_REJECTED`` issue (category of the underlying fault) and the protocol
converted from the commands that ran before the failure.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from labwright.protocols.findings import Finding, finding
from labwright.protocols.models import Protocol
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)


class ImportResult(BaseModel):
    """What importing one Opentrons Python protocol produced."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    protocol: Protocol | None = Field(description="the converted protocol; None if it does not validate")
    document: dict[str, Any] | None = Field(default=None, description="the converted document, as data")
    issues: list[Finding] = Field(default_factory=list)
    api_level: str = Field(description='the protocol\'s apiLevel, e.g. "2.13"')
    robot: str = Field(description="ot2 or flex")
    legacy_core: bool = Field(description="apiLevel < 2.14: ran on the legacy core; heights from the run log")
    commands_count: int = Field(description="number of protocol-engine commands the simulator produced")
    rejected: bool = Field(default=False, description="the Opentrons simulator raised")
    printed: str = Field(default="", description="what the protocol printed while simulated")
    step_lines: list[int | None] = Field(
        default_factory=list, description="line of the Python file each converted step comes from"
    )
    sandbox: dict[str, Any] = Field(
        default_factory=dict, description="how the analysis was isolated (RunCapture.sandbox)"
    )


def import_opentrons_python(
    path: Path | str, custom_labware: list[dict[str, Any]] | None = None, *, limits: Any = None
) -> ImportResult:
    """Run ``path`` through the Opentrons simulator (sandboxed, within ``limits``, an
    ``AnalysisLimits``; None: the defaults) and convert it (see module docstring)."""
    from labwright.simulators.opentrons_interop.analyzer import run_opentrons_analysis
    from labwright.simulators.opentrons_interop.convert import convert_commands
    from labwright.simulators.opentrons_interop.rejections import rejection_issue

    path = Path(path)
    custom = {d.get("parameters", {}).get("loadName"): d for d in custom_labware or []}
    custom.pop(None, None)  # type: ignore[call-overload]
    capture = run_opentrons_analysis(path, list(custom.values()), limits=limits)
    converted = convert_commands(capture, custom, name=path.stem)
    issues: list[Finding] = []
    if capture.errors:
        failed = next((c.get("commandType") for c in capture.commands if c.get("status") == "failed"), None)
        issues.append(rejection_issue(capture.errors, failed))
    issues += converted.issues
    protocol: Protocol | None = None
    try:
        protocol = Protocol.model_validate(converted.document)
    except ValidationError as exc:
        log.debug("converted document does not validate: %s", exc)
        issues.append(
            finding(
                "IMPORT_DOCUMENT_INVALID",
                "schema",
                "error",
                "the protocol converted from the simulator's commands does not validate "
                f"({exc.error_count()} errors)",
                "see the schema findings; report the protocol to labwright if it runs on the robot",
            )
        )
    return ImportResult(
        protocol=protocol,
        document=converted.document,
        issues=issues,
        api_level=f"{capture.api_level[0]}.{capture.api_level[1]}",
        robot=capture.robot,
        legacy_core=capture.is_legacy,
        commands_count=len(capture.commands),
        rejected=bool(capture.errors),
        printed=capture.stdout,
        step_lines=converted.step_lines,
        sandbox=capture.sandbox,
    )
