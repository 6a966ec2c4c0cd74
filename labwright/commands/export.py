"""`labwright export FILE --to opentrons [-o OUT.py] [--force]`: write an Opentrons Python protocol.

The protocol is verified first (as `labwright validate` does); a protocol with errors is not
exported (exit 1). ``--no-verify`` skips the verifier (a malformed document still exits 1).
Exit 2 on unusable input: a missing or unreadable file, an unknown ``--to`` target, or an output
file that exists (without ``--force``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from labwright.commands.common import ExitCode, check_output_file, console, fail_with, write_atomic

app = typer.Typer()

TARGETS = ("opentrons",)


@app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="labwright protocol (.yaml, .yml or .json)")],
    to: Annotated[str, typer.Option("--to", help="export target: opentrons (Python API, OT-2 and Flex)")] = (
        "opentrons"
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: standard output)")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite the output file if it exists")] = False,
    verify_first: Annotated[
        bool, typer.Option("--verify/--no-verify", help="refuse a protocol the verifier finds errors in")
    ] = True,
    custom_labware: Annotated[
        list[Path] | None,
        typer.Option("--custom-labware", "-L", help="labware definition JSON file or folder"),
    ] = None,
) -> None:
    """Export a protocol to a robot's own format. Exit 0 written, 1 verifier errors, 2 unusable input."""

    from labwright.commands.validate import load_custom_labware
    from labwright.protocols.errors import LabwrightError, UnusableInputError

    err = console(stderr=True)
    try:
        if to not in TARGETS:
            raise UnusableInputError(f"unknown export target {to!r}", hint=f"use --to {' or '.join(TARGETS)}")
        if output is not None:
            check_output_file(file, output, force)
        extra = load_custom_labware(custom_labware or [])
        protocol = _verified(load_for_export(file), extra, str(file), verify_first, err)
        if protocol is None:
            raise typer.Exit(ExitCode.FINDINGS)
        from labwright.simulators.opentrons_interop.export import export_opentrons

        text = export_opentrons(protocol, extra)
    except LabwrightError as exc:
        fail_with(exc, False, label="unusable input")
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        robot = "Flex" if protocol.metadata.robot.value == "flex" else "OT-2"
        steps = len(protocol.steps)
        err.print(f"[green]wrote[/green] {output} (Opentrons Python protocol for the {robot}, {steps} steps)")
    raise typer.Exit(ExitCode.OK)


def load_for_export(path: Path) -> dict:
    """The labwright document in ``path``; ``UnusableInputError`` for anything else (an Opentrons
    file already is an Opentrons protocol)."""
    from labwright.protocols.errors import UnusableInputError
    from labwright.simulators.opentrons_interop.sources import read_protocol_file

    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        if not path.exists():
            raise UnusableInputError(f"{path}: no such file", hint="check the path")
        raise UnusableInputError(
            f"{path}: not a labwright protocol (expected .yaml, .yml or .json)",
            hint="export takes a labwright protocol; an Opentrons .py protocol already is one",
        )
    source = read_protocol_file(path)
    if source.document is None:
        raise UnusableInputError(
            f"{path}: a Protocol Designer protocol, already an Opentrons protocol",
            hint=f"`labwright import {path} -o protocol.yaml` converts it into the protocol language",
        )
    return source.document


def verify_for_export(doc: dict, extra: list[dict], source: str, verify_first: bool = True):  # noqa: ANN201
    """The verifier's report on ``doc`` as export reads it: every pass without certifying (the
    export is not a dispatch), or the schema pass alone with ``verify_first=False``. The protocol
    is exported only when ``report.ok`` and ``report.protocol`` is set."""
    from labwright.verifiers.verifier import Report, VerifyOptions, verify_document

    if not verify_first:
        from labwright.verifiers.passes.schema import schema_pass

        protocol, findings = schema_pass(doc)
        return Report(protocol, None, findings, ["schema"], source=source)
    options = VerifyOptions(extra_labware=extra, certify=False, safety=verify_first)
    return verify_document(doc, options, source=source)


def _verified(doc: dict, extra: list[dict], source: str, verify_first: bool, err):  # noqa: ANN001, ANN202
    """The protocol, or None after printing why it is not exported (schema or verifier errors)."""
    from labwright.reports import print_report

    report = verify_for_export(doc, extra, source, verify_first)
    if not report.ok or report.protocol is None:
        print_report(err, report)
        err.print("[bold red]not exported[/bold red]: fix the errors above")
        return None
    if not verify_first:
        return report.protocol
    warnings = sum(1 for f in report.findings if f.severity.value == "warning")
    if warnings:
        err.print(f"[yellow]{warnings} warning(s)[/yellow]: `labwright validate {source}` shows them")
    return report.protocol
