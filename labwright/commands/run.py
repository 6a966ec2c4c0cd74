"""`labwright run FILE --backend twin|opentrons-sim|opentrons-http [--robot HOST]`.

FILE is a labwright protocol, an Opentrons Python protocol (``.py``, with ``--param NAME=VALUE``
for its runtime parameters and ``-L`` for custom labware) or a Protocol Designer JSON protocol.
Validates (formal passes + safety; an Opentrons file through its sandboxed Opentrons analysis
first), refuses with exit 1 and the findings if anything is wrong, otherwise dispatches the
certified protocol through the ledger-backed dispatcher, streams progress over the protocol's
steps (a progress bar on stderr) and records the run. An Opentrons file is dispatched as the
very bytes that were certified: the Opentrons simulator and the robot run the file unchanged
(the twin runs the protocol converted from it); a file with errors is never sent.
Exit codes: 0 the run succeeded; 1 refused, or the run failed / stopped / paused on an error;
2 unusable input or an unreachable backend.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, console, fail, fail_with
from labwright.commands.validate import PARAM_HELP

app = typer.Typer()


@app.command("run")
def run(
    file: Annotated[
        Path,
        typer.Argument(
            help="protocol: labwright (.yaml/.yml/.json), Opentrons Python (.py) or Protocol Designer (.json)"
        ),
    ],
    backend: Annotated[
        str, typer.Option("--backend", "-b", help="twin | opentrons-sim | opentrons-http")
    ] = "twin",
    robot: Annotated[str | None, typer.Option("--robot", help="robot HOST[:PORT] (opentrons-http)")] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="run ledger file (default: LABWRIGHT_HOME/ledger.sqlite)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="idempotency key: the same key never dispatches twice (default: continue an unfinished "
            "dispatch of this protocol to this robot, else a new key)",
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="warnings count as errors")] = False,
    policy: Annotated[Path | None, typer.Option("--policy", help="lab policy YAML (safety limits)")] = None,
    max_certificate_age: Annotated[
        float | None, typer.Option("--max-certificate-age", help="refuse certificates older than this (s)")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="stop waiting after this many seconds")
    ] = None,
    opentrons_version: Annotated[
        str, typer.Option("--opentrons-version", help="Opentrons-Version header ('*' = newest)")
    ] = "*",
    approved_by: Annotated[
        str | None,
        typer.Option(
            "--approved-by",
            help="who approved the findings that need a person's approval (recorded in the ledger)",
        ),
    ] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help=PARAM_HELP)] = None,
    custom_labware: Annotated[
        list[Path] | None,
        typer.Option(
            "--custom-labware",
            "-L",
            help="labware definition JSON file or folder (Opentrons Python protocols)",
        ),
    ] = None,
    analysis_timeout: Annotated[
        float | None,
        typer.Option("--analysis-timeout", min=1, help="limit of an Opentrons file's sandboxed analysis, s"),
    ] = None,
    analysis_memory_mb: Annotated[
        int | None,
        typer.Option("--analysis-memory-mb", min=64, help="memory of an Opentrons file's analysis, MB"),
    ] = None,
) -> None:
    """Validate, then dispatch a certified protocol to a backend and record the run."""

    from labwright.commands.validate import analysis_limits
    from labwright.hardware.dispatcher import Dispatcher, DispatchPolicy
    from labwright.hardware.ledger import Ledger
    from labwright.hardware.registry import BACKEND_NAMES, make_backend
    from labwright.protocols.errors import DispatchRefusedError, LabwrightError
    from labwright.reports import print_report
    from labwright.verifiers.verifier import VerifyOptions

    out = console()
    err = console(stderr=True)
    if backend not in BACKEND_NAMES:
        from labwright.protocols.errors import ConfigurationError

        fail_with(
            ConfigurationError(
                f"no backend named {backend!r}", hint=f"choose one of {', '.join(BACKEND_NAMES)}"
            ),
            as_json,
        )
    try:
        options = VerifyOptions(strict=strict, policy_path=policy)
        limits = analysis_limits(analysis_timeout, analysis_memory_mb)
        report, source = validate_for_run(file, options, param, custom_labware, limits)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    if not report.ok or report.certificate is None or report.protocol is None:
        if as_json:
            sys.stdout.write(
                json.dumps({"ok": False, "refused": True, "validation": report.to_json(), "run": None}) + "\n"
            )
        else:
            print_report(out, report)
            err.print(
                "[bold red]refused[/bold red] the protocol has errors; nothing was sent", highlight=False
            )
        raise typer.Exit(ExitCode.FAILED)
    if not as_json:
        print_report(err, report)
    recorded: list[Any] = []  # the ledger record, once the dispatch is written there
    try:
        ledger = Ledger(store)
        target = make_backend(
            backend,
            robot=robot,
            **({"api_version": opentrons_version} if backend == "opentrons-http" else {}),
        )
        dispatcher = Dispatcher(target, ledger, DispatchPolicy(max_certificate_age_s=max_certificate_age))
        dispatcher.reconcile()
        record = _dispatch(dispatcher, report, key, timeout, err, approved_by, recorded, source)
    except DispatchRefusedError as exc:
        fail_with(
            exc,
            as_json,
            ExitCode.FAILED,
            label="refused",
            extra={"refused": True, "validation": report.to_json()},
        )
    except LabwrightError as exc:
        if not recorded:
            fail_with(exc, as_json)
        # the dispatch is in the ledger but did not get through: say under which key it waits
        queued = recorded[0]
        hint = (
            f"run {queued.run_id} waits in the ledger under key {queued.idempotency_key}: run this same "
            "command again once the backend is reachable and it continues that run (never a second "
            f"one), or `labwright runs reconcile --resume`. {exc.hint}"
        ).strip()
        extra = {"run_id": queued.run_id, "idempotency_key": queued.idempotency_key}
        fail(exc.message, hint, as_json, extra=extra)
    except KeyboardInterrupt:
        err.print(
            "[yellow]interrupted[/yellow]: a robot run goes on without us; "
            "`labwright runs reconcile` records how it ended",
            highlight=False,
        )
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "ok": record.state.value == "succeeded",
                    "validation": report.to_json(),
                    "run": record.model_dump(mode="json"),
                }
            )
            + "\n"
        )
    else:
        from labwright.commands.runs import print_record

        print_record(out, record, ledger=None, brief=True)
    raise typer.Exit(ExitCode.OK if record.state.value == "succeeded" else ExitCode.FAILED)


def validate_for_run(
    file: Path,
    options: Any,
    param: list[str] | None,
    custom_labware: list[Path] | None,
    limits: Any = None,
) -> tuple[Any, Any]:
    """(the verifier's report, the ``SourceFile`` to dispatch or None): a labwright protocol is
    verified as it is; an Opentrons file through its analysis, with ``--param`` values and
    ``-L`` labware, and its bytes are read for dispatch (the dispatcher refuses them if they
    are not the bytes the certificate names, e.g. the file changed meanwhile)."""
    from labwright.commands.validate import load_custom_labware, validate_file
    from labwright.hardware.models import SourceFile
    from labwright.protocols.documents import read_text_file
    from labwright.protocols.errors import UnusableInputError
    from labwright.simulators.opentrons_interop.importer import unique_labware
    from labwright.simulators.opentrons_interop.runtime_parameters import parse_param_options
    from labwright.simulators.opentrons_interop.sources import read_protocol_file

    parameters = parse_param_options(param)
    labware = load_custom_labware(custom_labware or [])
    is_opentrons = file.suffix.lower() in {".py", ".json"} and read_protocol_file(file).is_opentrons
    if labware and not is_opentrons:
        raise UnusableInputError(
            f"{file}: -L custom labware applies to Opentrons files; a labwright protocol carries its "
            "own definitions",
            hint="put the definition under the protocol's custom_labware, then run it without -L",
        )
    options = options.model_copy(update={"extra_labware": labware})
    report = validate_file(file, options, limits, parameters)
    if not is_opentrons or report.certificate is None or report.certificate.source is None:
        return report, None
    source = SourceFile(
        kind=report.certificate.source.kind,
        filename=file.name,
        data=read_text_file(file, what="protocol file").encode("utf-8"),  # UTF-8 text: the same bytes
        runtime_parameters=dict(report.certificate.source.runtime_parameters),
        custom_labware=unique_labware(labware),
    )
    return report, source


def _dispatch(
    dispatcher: Any,
    report: Any,
    key: str | None,
    timeout: float | None,
    err: Any,
    approved_by: str | None = None,
    recorded: list[Any] | None = None,
    source: Any = None,
) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    total = len(report.protocol.steps)
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("steps"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task(f"{dispatcher.backend.name}: starting", total=total)

        def on_progress(p: Any) -> None:
            where = f" step {p.current_step}" if p.current_step is not None else ""
            bar.update(
                task,
                completed=p.completed_steps,
                total=p.total_steps or total,
                description=f"{dispatcher.backend.name}: {p.state.value}{where}",
            )

        def on_recorded(record: Any, created: bool) -> None:
            if recorded is not None:
                recorded.append(record)
            how = "recorded" if created else "continuing the unfinished dispatch"
            bar.console.print(
                f"{how}: run {record.run_id}, idempotency key {record.idempotency_key}",
                highlight=False,
                soft_wrap=True,
            )

        return dispatcher.dispatch(
            report.protocol,
            report.certificate,
            idempotency_key=key,
            on_progress=on_progress,
            timeout_s=timeout,
            approved_by=approved_by,
            on_recorded=on_recorded,
            source=source,
        )
