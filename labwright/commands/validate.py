"""`labwright validate FILE...` and `labwright schema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from labwright.commands.common import ExitCode, console, report_error

app = typer.Typer()


def load_custom_labware(paths: list[Path]) -> list[dict]:
    """Opentrons labware definitions from files and folders of ``*.json`` (guarded loader)."""
    from labwright.protocols.documents import parse_json, read_text_file
    from labwright.protocols.errors import UnusableInputError

    out = []
    for p in paths:
        if not p.exists():
            raise UnusableInputError(f"{p}: no such file or folder", hint="check the -L path")
        files = sorted(p.glob("*.json")) if p.is_dir() else [p]
        for f in files:
            try:
                d = parse_json(read_text_file(f, what="labware definition"), source=str(f))
            except UnusableInputError as exc:
                raise UnusableInputError(
                    f"not a labware definition JSON: {exc.message}",
                    hint="pass an Opentrons labware definition (schema 2) file",
                ) from None
            if not isinstance(d, dict) or "parameters" not in d or "wells" not in d:
                raise UnusableInputError(
                    f"{f}: not an Opentrons labware definition (no parameters/wells)",
                    hint="export the definition from the Opentrons Labware Creator",
                )
            out.append(d)
    return out


def validate_file(
    path: Path, options: object, analysis_limits: object = None, parameters: dict[str, str] | None = None
):
    """Verify one file: a labwright protocol (YAML/JSON), an Opentrons Python protocol or a
    Protocol Designer JSON protocol (told from labwright JSON by its content), the Opentrons ones
    analysed within ``analysis_limits`` (an ``AnalysisLimits``; None: the defaults) with the
    runtime ``parameters`` given. Raises LabwrightError if unusable."""
    from labwright.protocols.errors import UnusableInputError
    from labwright.simulators.opentrons_interop.sources import read_protocol_file
    from labwright.verifiers.verifier import verify_document

    if path.suffix.lower() not in {".yaml", ".yml", ".json", ".py"}:
        if not path.exists():
            raise UnusableInputError(f"{path}: no such file", hint="check the path")
        raise UnusableInputError(
            f"{path}: not a protocol file (expected .yaml, .yml, .json or .py)",
            hint="pass a labwright protocol, an Opentrons Python protocol or a Protocol Designer JSON file",
        )
    source = read_protocol_file(path)
    if source.is_opentrons:
        from labwright.verifiers.opentrons_python import verify_opentrons_file

        return verify_opentrons_file(path, options, limits=analysis_limits, parameters=parameters)  # type: ignore[arg-type]
    if parameters:
        raise UnusableInputError(
            f"{path}: --param {', '.join(parameters)}: runtime parameters belong to Opentrons Python "
            "protocols; a labwright protocol states its values",
            hint="drop --param, or edit the values in the protocol",
        )
    assert source.document is not None
    return verify_document(source.document, options, source=str(path))  # type: ignore[arg-type]


def analysis_limits(timeout: float | None, memory_mb: int | None) -> object:
    """The sandbox limits of ``--analysis-timeout`` / ``--analysis-memory-mb`` (None: the defaults)."""
    if timeout is None and memory_mb is None:
        return None
    from labwright.simulators.opentrons_interop.sandbox import DEFAULT_LIMITS, AnalysisLimits

    return AnalysisLimits(
        wall_s=timeout if timeout is not None else DEFAULT_LIMITS.wall_s,
        memory_mb=memory_mb if memory_mb is not None else DEFAULT_LIMITS.memory_mb,
    )


PARAM_HELP = (
    "runtime parameter of an Opentrons Python protocol, NAME=VALUE (repeatable; typed by the "
    "protocol's add_parameters; the others keep their defaults)"
)


@app.command("validate")
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="protocol files: .yaml/.json (labwright), .py (Opentrons), .json (Protocol Designer)"
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per file on stdout")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="warnings count as errors")] = False,
    policy: Annotated[Path | None, typer.Option("--policy", help="lab policy YAML (safety limits)")] = None,
    custom_labware: Annotated[
        list[Path] | None,
        typer.Option("--custom-labware", "-L", help="labware definition JSON file or folder"),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show info notes too")] = False,
    analysis_timeout: Annotated[
        float | None,
        typer.Option(
            "--analysis-timeout",
            min=1,
            help="wall- and CPU-time limit of an Opentrons Python protocol's sandboxed analysis, seconds "
            "(default 600)",
        ),
    ] = None,
    analysis_memory_mb: Annotated[
        int | None,
        typer.Option(
            "--analysis-memory-mb",
            min=64,
            help="memory an Opentrons Python protocol's analysis may use, MB (default 2048)",
        ),
    ] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help=PARAM_HELP)] = None,
) -> None:
    """Verify protocols; certify those without errors. Exit 0 certified, 1 errors, 2 unusable input."""

    from labwright.protocols.errors import LabwrightError
    from labwright.reports import print_report
    from labwright.simulators.opentrons_interop.runtime_parameters import parse_param_options
    from labwright.verifiers.verifier import VerifyOptions

    out = console()
    limits = analysis_limits(analysis_timeout, analysis_memory_mb)
    try:
        parameters = parse_param_options(param)
        extra = load_custom_labware(custom_labware or [])
        options = VerifyOptions(strict=strict, policy_path=policy, extra_labware=extra)
    except LabwrightError as exc:
        _unusable(as_json, "", exc)
        raise typer.Exit(ExitCode.UNUSABLE) from None
    worst = ExitCode.OK
    for path in files:
        try:
            report = validate_file(path, options, limits, parameters)
        except LabwrightError as exc:
            _unusable(as_json, str(path), exc)
            worst = max(worst, ExitCode.UNUSABLE)
            continue
        if as_json:
            sys.stdout.write(json.dumps(report.to_json()) + "\n")
        else:
            print_report(out, report, show_info=verbose)
        if not report.ok:
            worst = max(worst, ExitCode.FINDINGS)
    raise typer.Exit(worst)


def _unusable(as_json: bool, source: str, exc) -> None:  # noqa: ANN001
    """Report a file that cannot be checked; with --json as a report line of its own."""
    report_error(
        exc.message,
        exc.hint,
        as_json,
        label="unusable input",
        extra={
            "file": source,
            "unusable": True,
            "protocol_sha256": None,
            "findings": [],
            "certificate": None,
        },
    )


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the labwright protocol language."""
    from labwright.protocols import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
