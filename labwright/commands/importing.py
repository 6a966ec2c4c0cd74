"""`labwright import FILE -o OUT.yaml [--force]`: an Opentrons protocol in the protocol language.

FILE is an Opentrons Python protocol (``--param NAME=VALUE`` for its runtime parameters, ``-L``
for custom labware) or a Protocol Designer JSON protocol. It is analysed by the pinned Opentrons
9.0.0 analysis in its sandbox and its commands converted, as ``labwright validate`` does; the
converted protocol is verified (``--no-verify``: only converted) and written as YAML (or JSON
when OUT ends in ``.json``; standard output without ``-o``). The output file is written
atomically, and an existing one only with ``--force``.

Round trip: the protocol written here, exported (``labwright export --to opentrons``) and
imported again, is the same protocol (its canonical SHA-256 is equal).

Exit codes: 0 written; 1 the Opentrons analysis rejects the file or the verifier finds errors
(nothing written); 2 unusable input (not an Opentrons protocol, a bad --param, an existing
output file without --force).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, check_output_file, console, fail_with, write_atomic
from labwright.commands.validate import PARAM_HELP

app = typer.Typer()


@app.command("import")
def import_protocol(
    file: Annotated[
        Path, typer.Argument(help="Opentrons protocol: Python (.py) or Protocol Designer (.json)")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="file to write: .yaml/.yml (YAML) or .json (default: standard output)"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite the output file if it exists")] = False,
    verify_first: Annotated[
        bool, typer.Option("--verify/--no-verify", help="refuse a protocol the verifier finds errors in")
    ] = True,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help=PARAM_HELP)] = None,
    custom_labware: Annotated[
        list[Path] | None,
        typer.Option("--custom-labware", "-L", help="labware definition JSON file or folder"),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="warnings count as errors")] = False,
    policy: Annotated[Path | None, typer.Option("--policy", help="lab policy YAML (safety limits)")] = None,
    analysis_timeout: Annotated[
        float | None,
        typer.Option("--analysis-timeout", min=1, help="limit of the sandboxed Opentrons analysis, s"),
    ] = None,
) -> None:
    """Convert an Opentrons protocol into the protocol language. Exit 0 written, 1 errors, 2 unusable."""
    from labwright.commands.validate import analysis_limits, load_custom_labware
    from labwright.protocols.errors import LabwrightError, UnusableInputError
    from labwright.simulators.opentrons_interop.runtime_parameters import parse_param_options
    from labwright.simulators.opentrons_interop.sources import read_protocol_file

    err = console(stderr=True)
    try:
        if output is not None:
            check_output_file(file, output, force)
        parameters = parse_param_options(param)
        labware = load_custom_labware(custom_labware or [])
        if not read_protocol_file(file).is_opentrons:
            raise UnusableInputError(
                f"{file}: already a labwright protocol",
                hint="import takes an Opentrons .py or Protocol Designer file",
            )
        limits = analysis_limits(analysis_timeout, None)
        protocol = _converted(file, labware, parameters, limits, verify_first, strict, policy, err)
    except LabwrightError as exc:
        fail_with(exc, False, label="unusable input")
    if protocol is None:
        raise typer.Exit(ExitCode.FINDINGS)
    text = render(protocol, file, output)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        err.print(
            f"[green]wrote[/green] {output} ({len(protocol.steps)} steps, {protocol.metadata.robot.value})"
        )
    raise typer.Exit(ExitCode.OK)


def _converted(
    file: Path,
    labware: list[dict[str, Any]],
    parameters: dict[str, str],
    limits: Any,
    verify_first: bool,
    strict: bool,
    policy: Path | None,
    err: Any,
) -> Any:
    """The converted protocol, or None after printing why it is not written."""
    from labwright.reports import print_report
    from labwright.simulators.opentrons_interop.importer import import_opentrons_python
    from labwright.verifiers.opentrons_python import verify_opentrons_file
    from labwright.verifiers.verifier import VerifyOptions

    if verify_first:
        options = VerifyOptions(strict=strict, policy_path=policy, extra_labware=labware, certify=False)
        report = verify_opentrons_file(file, options, limits=limits, parameters=parameters)
        if not report.ok or report.protocol is None:
            print_report(err, report)
            err.print(
                "[bold red]not imported[/bold red]: fix the errors above (or --no-verify to convert anyway)"
            )
            return None
        return report.protocol
    result = import_opentrons_python(file, labware, limits=limits, parameters=parameters)
    if result.rejected or result.protocol is None:
        for f in result.issues:
            if f.severity.value == "error":
                err.print(f"[bold red]{f.code}[/bold red] {f.message}", highlight=False)
        err.print("[bold red]not imported[/bold red]: the conversion is incomplete")
        return None
    return result.protocol


def render(protocol: Any, source: Path, output: Path | None) -> str:
    """YAML (with a comment naming the source file) or, for a ``.json`` output, JSON."""
    from labwright.protocols.io import dump_json, dump_yaml

    if output is not None and output.suffix.lower() == ".json":
        return dump_json(protocol)
    header = f"# converted by `labwright import` from {json.dumps(source.name)}\n"
    return header + dump_yaml(protocol)
