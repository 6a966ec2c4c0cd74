"""`labwright runs list|show|reconcile`: the runs recorded in the ledger."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, console, fail, fail_with

app = typer.Typer(help="Runs recorded in the run ledger.", no_args_is_help=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="run ledger file (default: LABWRIGHT_HOME/ledger.sqlite)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="one JSON object on stdout")]

_STATE_STYLE = {
    "succeeded": "green",
    "failed": "bold red",
    "refused": "red",
    "stopped": "yellow",
    "interrupted": "yellow",
    "paused": "yellow",
    "running": "cyan",
}


def _open(store: Path | None, as_json: bool) -> Any:
    from labwright.hardware.ledger import Ledger
    from labwright.protocols.errors import LabwrightError

    try:
        return Ledger(store)
    except LabwrightError as exc:
        fail_with(exc, as_json)


def _duration(start: str | None, end: str | None) -> str:
    from datetime import datetime

    if not start or not end:
        return ""
    try:
        s = datetime.fromisoformat(start.replace("Z", "+00:00"))
        e = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return f"{(e - s).total_seconds():.2f} s"


def _source_line(source: dict[str, Any] | None) -> str:
    """The Opentrons file a dispatch sent unchanged: name, kind, SHA-256 and parameter values."""
    if not source:
        return ""
    values = ", ".join(f"{k}={v!r}" for k, v in sorted((source.get("runtime_parameters") or {}).items()))
    labware = len(source.get("custom_labware_sha256") or [])
    extras = [f"parameters {values}" if values else "", f"{labware} custom labware" if labware else ""]
    extra = "; ".join(e for e in extras if e)
    head = f"{source.get('filename')} ({source.get('kind')}, sha256 {source.get('sha256')})"
    return f"{head}; {extra}" if extra else head


def print_record(
    console: Any, record: Any, *, ledger: Any = None, brief: bool = False, log_lines: int = 10
) -> None:
    """A run for people: status, backend, protocol, certificate, timings, error, results."""
    from rich.table import Table
    from rich.text import Text

    state = record.state.value
    head = Text(state.upper(), style=_STATE_STYLE.get(state, "bold"))
    head.append(f"  {record.run_id}  ", style="bold")
    head.append(f"{record.protocol_name}", style="")
    console.print(head)
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    cert = record.certificate
    rows = [
        ("backend", f"{record.backend} {record.target}".strip()),
        (
            "steps",
            f"{record.completed_steps}/{record.total_steps}"
            + (f" (at step {record.current_step})" if record.current_step is not None else ""),
        ),
        ("robot status", record.robot_status or ""),
        ("protocol sha256", record.protocol_sha256),
        ("file sent", _source_line(record.source)),
        (
            "certificate",
            f"{cert.get('signature', '')[:16]}… issued {cert.get('issued_at')} by "
            f"{cert.get('verifier_version')} (key {cert.get('key_id')}; passes "
            f"{', '.join(cert.get('passes', []))})",
        ),
        ("idempotency key", record.idempotency_key),
        ("created", record.created_at),
        ("started", record.started_at or ""),
        ("finished", record.finished_at or ""),
        ("duration", _duration(record.started_at or record.created_at, record.finished_at)),
    ]
    for k, v in record.handles.items():
        rows.append((k.replace("_", " "), v))
    for name, value in rows:
        if value:
            table.add_row(name, Text(str(value)))
    console.print(table)
    if record.error is not None:
        e = record.error
        where = f"step {e.step}" if e.step is not None else "the run"
        cmd = f", robot command {e.command_index} ({e.command_type})" if e.command_index is not None else ""
        console.print(Text(f"error in {where}{cmd}: {e.message} [{e.code}]", style="bold red"))
    results = record.results
    if results is not None:
        console.print(
            f"[bold]results[/bold]: {len(results.commands)} commands, "
            f"{len(results.measurements)} measurements",
            highlight=False,
        )
        for m in results.measurements[: (3 if brief else 20)]:
            wells = list(m.values)
            sample = ", ".join(f"{w}: {_short(m.values[w])}" for w in wells[:4])
            console.print(
                f"  step {m.step} {m.kind} of {m.labware} ({len(wells)} wells): {sample}"
                + (" …" if len(wells) > 4 else ""),
                highlight=False,
            )
        if not brief and results.log:
            console.print("[bold]log[/bold] (last lines):")
            for line in results.log[-log_lines:]:
                console.print(f"  {line}", highlight=False)
    if ledger is not None:
        console.print("[bold]events[/bold]:")
        for ev in ledger.events(record.run_id):
            data = ", ".join(f"{k}={v}" for k, v in ev.data.items() if k not in {"error"})
            console.print(f"  {ev.at}  {ev.kind}  [dim]{data}[/dim]", highlight=False)


def _short(values: dict[str, Any]) -> str:
    if "volume_ul" in values:
        return f"{values['volume_ul']:.4g} uL"
    return ", ".join(f"{k}={v}" for k, v in list(values.items())[:2])


@app.command("list")
def list_runs(
    store: StoreOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="newest N runs")] = 50,
) -> None:
    """List recorded runs, newest first."""
    from rich.table import Table
    from rich.text import Text

    from labwright.protocols.errors import LabwrightError

    ledger = _open(store, as_json)
    try:
        records = ledger.list(limit=limit)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    if as_json:
        sys.stdout.write(
            json.dumps({"ok": True, "store": str(ledger.path), "runs": [r.summary() for r in records]}) + "\n"
        )
        return
    out = console()
    if not records:
        out.print(f"no runs recorded in {ledger.path}")
        return
    table = Table(header_style="bold", box=None, pad_edge=False)
    for col in ("run id", "state", "backend", "steps", "created"):
        table.add_column(col, no_wrap=True)
    table.add_column("protocol", no_wrap=True)
    room = max(8, out.width - 80)
    for r in records:
        table.add_row(
            r.run_id,
            Text(r.state.value, style=_STATE_STYLE.get(r.state.value, "")),
            r.backend,
            f"{r.completed_steps}/{r.total_steps}",
            r.created_at[5:19].replace("T", " "),
            r.protocol_name if len(r.protocol_name) <= room else r.protocol_name[: room - 1] + "…",
        )
    out.print(table)


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="run id (or an unambiguous prefix)")],
    store: StoreOption = None,
    as_json: JsonOption = False,
    events: Annotated[bool, typer.Option("--events", help="also list the ledger's events")] = False,
) -> None:
    """Show one run: status, backend, protocol hash, certificate, timings and results."""

    from labwright.protocols.errors import LabwrightError

    ledger = _open(store, as_json)
    try:
        record = ledger.resolve(run_id)
        if as_json:
            doc = {"ok": True, "run": record.model_dump(mode="json")}
            if events:
                doc["events"] = [e.model_dump(mode="json") for e in ledger.events(record.run_id)]
            sys.stdout.write(json.dumps(doc) + "\n")
            return
        print_record(console(), record, ledger=ledger if events else None)
    except LabwrightError as exc:
        fail_with(exc, as_json)


@app.command("reconcile")
def reconcile(
    backend: Annotated[
        str, typer.Option("--backend", "-b", help="twin | opentrons-sim | opentrons-http")
    ] = "twin",
    robot: Annotated[str | None, typer.Option("--robot", help="robot HOST[:PORT] (opentrons-http)")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="continue unfinished dispatches to the end")
    ] = False,
) -> None:
    """Bring unfinished runs of a backend in line with what the backend knows (after a crash)."""

    from labwright.hardware.dispatcher import Dispatcher
    from labwright.hardware.registry import make_backend
    from labwright.protocols.errors import LabwrightError

    ledger = _open(store, as_json)
    try:
        dispatcher = Dispatcher(make_backend(backend, robot=robot), ledger)
        records = dispatcher.reconcile(resume=resume)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    if as_json:
        sys.stdout.write(json.dumps({"ok": True, "runs": [r.summary() for r in records]}) + "\n")
        return
    out = console()
    if not records:
        out.print("nothing to reconcile")
    for r in records:
        out.print(f"{r.run_id}  {r.state.value}  {r.completed_steps}/{r.total_steps} steps")


def _control(run_id: str, store: Path | None, as_json: bool, action: str) -> None:
    """Stop or resume a recorded run on its backend, and record what happens."""

    from labwright.hardware.dispatcher import Dispatcher
    from labwright.hardware.registry import make_backend
    from labwright.protocols.errors import LabwrightError

    ledger = _open(store, as_json)
    try:
        record = ledger.resolve(run_id)
        backend = make_backend(record.backend, robot=record.target or None)
        dispatcher = Dispatcher(backend, ledger)
        if record.terminal:
            raise _NotRunning(f"run {record.run_id} has already ended ({record.state.value})")
        if backend.find(dispatcher.job_from_record(record)) is None:
            raise _NotRunning(f"the {record.backend} backend has no run {record.run_id}")
        if action == "stop":
            record = dispatcher.stop(record.run_id)
        else:
            dispatcher.resume(record.run_id)
            record = dispatcher.wait(record.run_id)
    except _NotRunning as exc:
        hint = "`labwright runs show RUN_ID` shows what the ledger recorded"
        fail(str(exc), hint, as_json, ExitCode.FAILED)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    if as_json:
        sys.stdout.write(json.dumps({"ok": True, "run": record.model_dump(mode="json")}) + "\n")
    else:
        print_record(console(), record, brief=True)


class _NotRunning(Exception):
    pass


@app.command("stop")
def stop(
    run_id: Annotated[str, typer.Argument(help="run id (or an unambiguous prefix)")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop a run (on the robot) and record it."""
    _control(run_id, store, as_json, "stop")


@app.command("resume")
def resume(
    run_id: Annotated[str, typer.Argument(help="run id (or an unambiguous prefix)")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Resume a paused run (after a failed command: the robot's error recovery goes on) and wait."""
    _control(run_id, store, as_json, "resume")
