"""Import an Opentrons protocol (Python, or Protocol Designer JSON: the same command stream):
run it through the Opentrons 9.0.0 simulator (``analyzer``: the analysis in a child process,
with runtime parameter values when given), convert its command list and declared liquids into
the labwright protocol language, and report what the simulator rejected as issues.

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
    api_level: str = Field(
        description='the protocol\'s apiLevel, e.g. "2.13" ("2.8" for a PD file of schema v3-v5, '
        '"" for v6-v8)'
    )
    kind: str = Field(default="opentrons-python", description="opentrons-python or opentrons-json")
    schema_version: int | None = Field(default=None, description="a Protocol Designer file's schemaVersion")
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
    source_sha256: str = Field(default="", description="SHA-256 of the exact file bytes analysed")
    parameters: list[dict[str, Any]] = Field(
        default_factory=list, description="the runtime parameters the analysis used (definitions and values)"
    )

    @property
    def parameter_values(self) -> dict[str, Any]:
        """``{variableName: value}`` of the primitive runtime parameters the analysis used."""
        from labwright.simulators.opentrons_interop.runtime_parameters import values_of

        return values_of(self.parameters)


def unique_labware(definitions: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The custom labware definitions an analysis gets: one per load name (the last given wins),
    those without a load name left out. Dispatch sends the same list with the file."""
    by_name: dict[str, dict[str, Any]] = {}
    for d in definitions or []:
        params = d.get("parameters") if isinstance(d, dict) else None
        name = params.get("loadName") if isinstance(params, dict) else None
        if isinstance(name, str) and name:
            by_name[name] = d
    return list(by_name.values())


def import_opentrons_python(
    path: Path | str,
    custom_labware: list[dict[str, Any]] | None = None,
    *,
    limits: Any = None,
    parameters: dict[str, Any] | None = None,
) -> ImportResult:
    """Run ``path`` (a Python protocol, or a Protocol Designer JSON file told by its content)
    through the Opentrons simulator (sandboxed, within ``limits``, an ``AnalysisLimits``; None:
    the defaults; runtime ``parameters`` as ``--param`` gives them) and convert it (see module
    docstring)."""
    from labwright.simulators.opentrons_interop.analyzer import run_opentrons_analysis
    from labwright.simulators.opentrons_interop.convert import convert_commands
    from labwright.simulators.opentrons_interop.rejections import rejection_issue

    path = Path(path)
    custom = {d["parameters"]["loadName"]: d for d in unique_labware(custom_labware)}
    capture = run_opentrons_analysis(path, list(custom.values()), limits=limits, parameters=parameters)
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
    issues += _parameter_note(capture.parameters)
    return ImportResult(
        protocol=protocol,
        document=converted.document,
        issues=issues,
        api_level=f"{capture.api_level[0]}.{capture.api_level[1]}" if capture.api_level else "",
        kind="opentrons-python" if capture.schema_version is None else "opentrons-json",
        schema_version=capture.schema_version,
        source_sha256=capture.source_sha256,
        parameters=capture.parameters,
        robot=capture.robot,
        legacy_core=capture.is_legacy,
        commands_count=len(capture.commands),
        rejected=bool(capture.errors),
        printed=capture.stdout,
        step_lines=converted.step_lines,
        sandbox=capture.sandbox,
    )


def _parameter_note(parameters: list[dict[str, Any]]) -> list[Finding]:
    """An info finding listing the runtime parameter values the analysis used (and which are
    defaults): what was verified holds for these values only."""
    if not parameters:
        return []
    from labwright.simulators.opentrons_interop.runtime_parameters import values_of

    values = values_of(parameters)
    shown = []
    for p in parameters:
        name = str(p.get("variableName"))
        if name not in values:
            continue
        default = " (default)" if "default" in p and values[name] == p.get("default") else ""
        shown.append(f"{name}={values[name]!r}{default}")
    return [
        finding(
            "OPENTRONS_RUNTIME_PARAMETERS",
            "schema",
            "info",
            "verified with the runtime parameter values " + ", ".join(shown),
            "other values make another protocol: validate (and run) with --param NAME=VALUE",
            values=values,
        )
    ]
