"""Tools on protocols: validate, the protocol language's JSON Schema, simulate, export.

Each one calls what the CLI command of the same job calls: ``validate_file`` (labwright
YAML/JSON, Opentrons Python through its sandboxed analysis, Protocol Designer JSON where the
validate path reads it), ``protocols.json_schema``, ``replay_protocol`` and ``deck_svg``,
``load_for_export``, ``verify_for_export`` and ``export_opentrons``. What a protocol gets wrong comes back as
findings in the result; only input that cannot be read at all is an error.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from labwright.commands.mcp_server.documents import (
    LabwareArgs,
    ParameterArgs,
    ProtocolArgs,
    analysis_errors,
    analysis_limits_for,
    protocol_file,
)
from labwright.commands.mcp_server.guard import scrub
from labwright.commands.mcp_server.spec import UNTRUSTED, Args, CallContext, ToolSpec
from labwright.protocols.findings import Finding
from labwright.simulators.deck.end_state import EndState
from labwright.verifiers.certificate import Certificate

#: findings a result lists (``counts`` has them all): a protocol of thousands of faulty steps
#: would otherwise answer with megabytes that no assistant can read
MAX_FINDINGS = 200


def _feedback(findings: list[Finding]) -> str:
    from labwright.verifiers.render import findings_for_llm

    return findings_for_llm(findings)


# --------------------------------------------------------------------------------- validate


class ValidateArgs(ProtocolArgs, ParameterArgs, LabwareArgs):
    strict: bool = Field(False, description="warnings count as errors")


class ValidateResult(BaseModel):
    file: str = Field(description="the name the protocol was checked under")
    format: str = Field(description="how the text was read: yaml, json or python")
    ok: bool = Field(description="no errors (warnings and notes may remain)")
    certified: bool = Field(description="a certificate was issued: pass it to dispatch with these bytes")
    protocol_sha256: str | None = Field(description="SHA-256 of the protocol's canonical JSON")
    counts: dict[str, int]
    passes: list[str] = Field(description="the verifier passes that ran, in order")
    findings: list[Finding] = Field(description=f"the first {MAX_FINDINGS}, most urgent first by step")
    findings_omitted: int = Field(0, description="findings beyond those listed (counts has them all)")
    certificate: Certificate | None
    feedback: str = Field(description="the findings as short lines to repair against")


def run_validate(args: ValidateArgs, ctx: CallContext) -> ValidateResult:
    from labwright.commands.validate import validate_file
    from labwright.verifiers.verifier import VerifyOptions

    config = ctx.config
    with protocol_file(args, config) as doc:
        options = VerifyOptions(
            strict=args.strict, policy_path=config.policy, extra_labware=doc.custom_labware
        )
        with analysis_errors(config):
            limits = analysis_limits_for(doc, args.protocol, ctx)
            report = validate_file(doc.path, options, limits, args.parameters or None)
        data = report.to_json()
        certificate = data.pop("certificate")
        data = scrub(data, doc.folder)
        data["findings_omitted"] = max(0, len(data["findings"]) - MAX_FINDINGS)
        data["findings"] = data["findings"][:MAX_FINDINGS]
        return ValidateResult.model_validate(
            {
                **data,
                "file": doc.shown,
                "format": doc.format,
                "certified": certificate is not None,
                "certificate": certificate,
                "feedback": scrub(_feedback(report.findings), doc.folder),
            }
        )


def _validate_summary(result: ValidateResult) -> str:
    verdict = "certified" if result.certified else "verified without errors" if result.ok else "has errors"
    return f"{result.file}: {verdict} ({result.counts})\n{result.feedback}"


# ----------------------------------------------------------------------------------- schema


class SchemaResult(BaseModel):
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema (draft 2020-12) of a protocol")


def run_schema(args: Args, ctx: CallContext) -> SchemaResult:
    from labwright.protocols import json_schema

    return SchemaResult.model_validate({"schema": json_schema()})


# --------------------------------------------------------------------------------- simulate


class SimulateArgs(ProtocolArgs, LabwareArgs):
    include_svg: bool = Field(True, description="include the deck map as SVG text")


class SimulateResult(BaseModel):
    file: str
    name: str = Field(description="the protocol's metadata name")
    ok: bool = Field(description="the replay met no error")
    end_state: EndState
    deck_svg: str | None = Field(description="the deck at the end, as SVG (wells coloured by contents)")


def run_simulate(args: SimulateArgs, ctx: CallContext) -> SimulateResult:
    from labwright.commands.simulate import replay_protocol
    from labwright.protocols.findings import has_errors
    from labwright.simulators.deck.deck_svg import deck_svg

    config = ctx.config
    with protocol_file(args, config) as doc:
        with analysis_errors(config):
            limits = analysis_limits_for(doc, args.protocol, ctx)
            proto, resolved, state = replay_protocol(doc.path, doc.custom_labware, limits)
        svg = deck_svg(resolved.deck, state) if args.include_svg else None
        state = EndState.model_validate(scrub(state.model_dump(mode="json"), doc.folder))
        return SimulateResult(
            file=doc.shown,
            name=proto.metadata.name,
            ok=not has_errors(state.findings),
            end_state=state,
            deck_svg=svg,
        )


def _simulate_summary(result: SimulateResult) -> str:
    s = result.end_state
    errors = [f for f in s.findings if f.severity.value == "error"]
    lines = [
        f"{result.file}: {s.steps} steps, {s.actions} actions, {s.tips_used} tips, "
        f"{s.duration_s:g} s of timed steps; " + ("no errors" if not errors else f"{len(errors)} error(s)")
    ]
    lines += [f"- ERROR {f.code} at step {f.step}: {f.message}" for f in errors[:20]]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- export


class ExportArgs(ProtocolArgs, LabwareArgs):
    verify: bool = Field(True, description="refuse a protocol the verifier finds errors in")


class ExportResult(BaseModel):
    file: str
    exported: bool
    python: str | None = Field(description="the Opentrons Python protocol (OT-2 or Flex), or null")
    robot: str | None
    steps: int | None
    findings: list[Finding] = Field(description="why it was not exported, or its warnings ")
    findings_omitted: int = 0
    feedback: str


def run_export(args: ExportArgs, ctx: CallContext) -> ExportResult:
    from labwright.commands.export import load_for_export, verify_for_export
    from labwright.simulators.opentrons_interop.export import export_opentrons

    with protocol_file(args, ctx.config) as doc:
        extra = [*doc.custom_labware]
        report = verify_for_export(load_for_export(doc.path), extra, doc.shown, args.verify)
        findings = [
            Finding.model_validate(scrub(f.model_dump(mode="json"), doc.folder))
            for f in report.findings[:MAX_FINDINGS]
        ]
        exported = report.ok and report.protocol is not None
        protocol = report.protocol if exported else None
        return ExportResult(
            file=doc.shown,
            exported=exported,
            python=export_opentrons(protocol, extra) if protocol is not None else None,
            robot=protocol.metadata.robot.value if protocol is not None else None,
            steps=len(protocol.steps) if protocol is not None else None,
            findings=findings,
            findings_omitted=max(0, len(report.findings) - MAX_FINDINGS),
            feedback=scrub(_feedback(report.findings), doc.folder),
        )


def _export_summary(result: ExportResult) -> str:
    if result.exported:
        return f"{result.file}: exported as Opentrons Python ({result.robot}, {result.steps} steps)"
    return f"{result.file}: not exported; fix these first:\n{result.feedback}"


SPECS = [
    ToolSpec(
        name="validate",
        title="Verify a protocol",
        description=(
            "Verify a liquid-handling protocol with labwright's formal verifier (schema, references, "
            "hardware limits, replay of every well and tip on the deck twin), the chemical safety "
            "checker and the lab policy. Accepts labwright YAML/JSON, Opentrons Python (run in the "
            "Opentrons 9.0.0 simulator inside a sandbox) or Protocol Designer JSON, as text. Returns "
            "findings (code, severity, step, JSON pointer, message, hint) and, when there is no "
            "error, a signed certificate for exactly these bytes." + UNTRUSTED
        ),
        input_model=ValidateArgs,
        output_model=ValidateResult,
        run=run_validate,
        summary=_validate_summary,
    ),
    ToolSpec(
        name="protocol_schema",
        title="Protocol language JSON Schema",
        description="The JSON Schema of the labwright protocol language (what validate accepts as "
        "YAML or JSON): write protocols against it.",
        input_model=Args,
        output_model=SchemaResult,
        run=run_schema,
    ),
    ToolSpec(
        name="simulate",
        title="Replay a protocol on the deck twin",
        description=(
            "Replay a protocol on labwright's deck twin (nothing is dispatched) and return what every "
            "well holds at the end (volume interval [low, high] in uL and composition per liquid), "
            "tips used, simulated time, the replay's findings, and the deck map as SVG. Accepts the "
            "same inputs as validate." + UNTRUSTED
        ),
        input_model=SimulateArgs,
        output_model=SimulateResult,
        run=run_simulate,
        summary=_simulate_summary,
    ),
    ToolSpec(
        name="export_opentrons",
        title="Export to Opentrons Python",
        description=(
            "Export a labwright protocol (YAML or JSON text) to an Opentrons Python protocol for the "
            "OT-2 or Flex. The protocol is verified first; one with errors is not exported and the "
            "findings say why." + UNTRUSTED
        ),
        input_model=ExportArgs,
        output_model=ExportResult,
        run=run_export,
        summary=_export_summary,
    ),
]
