"""`labwright simulate PROTOCOL [--json] [--svg deck.svg]`: replay a protocol on the deck twin,
without dispatching anything, and show what every well holds at the end.

PROTOCOL is a labwright protocol (.yaml/.yml/.json) or an Opentrons Python protocol (.py, read
through the Opentrons simulator as `labwright validate` reads it). Exit codes: 0 replayed without
an error, 1 the replay met errors (the end state is still shown: it is the state of a run that
would have gone wrong), 2 unusable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, console, fail, fail_with

app = typer.Typer()


def load_any_protocol(
    path: Path, extra_labware: list[dict[str, Any]], limits: Any = None
) -> tuple[Any, list[Any]]:
    """The ``Protocol`` in ``path`` and the import's notes; ``LabwrightError`` if unusable.

    A labwright document that does not validate is unusable here (simulate replays, it does not
    diagnose: `labwright validate` reports every schema finding). ``limits``: the sandbox limits of
    an Opentrons Python protocol's analysis (``AnalysisLimits``; None: the defaults).
    """
    from pydantic import ValidationError

    from labwright.protocols import read_document
    from labwright.protocols.errors import UnusableInputError
    from labwright.protocols.models import Protocol

    suffix = path.suffix.lower()
    if suffix == ".py":
        from labwright.simulators.opentrons_interop.importer import import_opentrons_python

        result = import_opentrons_python(path, extra_labware, limits=limits)
        if result.protocol is None:
            raise UnusableInputError(
                f"{path}: the Opentrons simulator's commands could not be converted into a protocol",
                hint=f"run `labwright validate {path}` for the details",
            )
        return result.protocol, list(result.issues)
    if suffix not in {".yaml", ".yml", ".json"}:
        if not path.exists():
            raise UnusableInputError(f"{path}: no such file", hint="check the path")
        raise UnusableInputError(
            f"{path}: not a protocol file (expected .yaml, .yml, .json or .py)",
            hint="pass a labwright protocol or an Opentrons Python protocol",
        )
    doc = read_document(path)
    try:
        return Protocol.model_validate(doc), []
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(x) for x in first.get("loc", ())) or "document"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise UnusableInputError(
            f"{path}: not a valid protocol: {where}: {first.get('msg')}{more}",
            hint=f"run `labwright validate {path}` to see every problem",
        ) from None


def end_state_json(state: Any) -> dict[str, Any]:
    """The JSON shape of ``labwright simulate --json`` (README, "labwright simulate")."""
    return {
        "robot": state.robot,
        "labware": {
            lid: {
                "load_name": lw.load_name,
                "slot": lw.slot,
                "module": lw.module,
                **({"tips_used": lw.tips_used} if lw.is_tiprack else {}),
                "wells": {
                    name: {"volume_ul": list(w.volume_ul), "composition_ul": w.composition_ul}
                    for name, w in lw.wells.items()
                },
            }
            for lid, lw in state.labware.items()
        },
        "liquids": {lid: liq.model_dump(exclude_none=True) for lid, liq in state.liquids.items()},
        "steps": state.steps,
        "actions": state.actions,
        "duration_s": state.duration_s,
        "tips_used": state.tips_used,
        "findings": [
            {"code": f.code, "severity": f.severity.value, "step": f.step, "message": f.message}
            for f in state.findings
        ],
    }


def replay_protocol(
    path: Path, extra_labware: list[dict[str, Any]], limits: Any = None
) -> tuple[Any, Any, Any]:
    """(protocol, resolved protocol, ``EndState``) of the protocol in ``path`` replayed on the deck
    twin; the import's notes come first among the end state's findings. ``LabwrightError`` if
    unusable (``load_any_protocol``)."""
    from labwright.simulators.deck.end_state import end_state
    from labwright.simulators.deck.resolve import resolve

    proto, notes = load_any_protocol(path, extra_labware, limits)
    resolved = resolve(proto, extra_labware)
    state = end_state(resolved)
    return proto, resolved, state.model_copy(update={"findings": [*notes, *state.findings]})


@app.command("simulate")
def simulate(
    protocol: Annotated[Path, typer.Argument(help="protocol: .yaml/.json (labwright) or .py (Opentrons)")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="write the deck map (SVG) to this file")] = None,
    custom_labware: Annotated[
        list[Path] | None,
        typer.Option("--custom-labware", "-L", help="labware definition JSON file or folder"),
    ] = None,
) -> None:
    """Replay a protocol on the deck twin (nothing is dispatched) and show the end state."""
    from labwright.commands.validate import load_custom_labware
    from labwright.protocols.errors import LabwrightError
    from labwright.protocols.findings import has_errors

    if svg is not None and (svg.is_dir() or not svg.parent.is_dir()):
        fail(f"cannot write the deck map to {svg}", "pass --svg a file path in an existing folder", as_json)
    try:
        extra = load_custom_labware(custom_labware or [])
        proto, resolved, state = replay_protocol(protocol, extra)
    except LabwrightError as exc:
        fail_with(exc, as_json, label="unusable input")
    if svg is not None:
        from labwright.simulators.deck.deck_svg import deck_svg

        svg.write_text(deck_svg(resolved.deck, state), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(end_state_json(state)) + "\n")
    else:
        print_end_state(console(), proto.metadata.name, state, svg)
    raise typer.Exit(ExitCode.FAILED if has_errors(state.findings) else ExitCode.OK)


def _volume(low: float, high: float) -> str:
    return f"{low:g}" if abs(high - low) < 1e-6 else f"{low:g}–{high:g}"


def print_end_state(out: Any, name: str, state: Any, svg: Path | None) -> None:
    """The end state as rich tables: one per labware that holds or held liquid."""
    from rich.markup import escape
    from rich.table import Table

    out.print(
        f"[bold]{escape(name)}[/bold]  {state.steps} steps, {state.actions} actions, "
        f"{state.tips_used} tips, {state.duration_s:g} s of timed steps (delays, shaking)"
    )
    names = {lid: liq.name for lid, liq in state.liquids.items()}
    for lid, lw in state.labware.items():
        if lw.is_tiprack or not lw.wells:
            continue
        where = f"slot {lw.slot}" + (f", on {lw.module}" if lw.module else "")
        table = Table(title=f"{lid} ({lw.load_name}, {where})")
        table.add_column("well")
        table.add_column("volume (uL)", justify="right")
        table.add_column("contents (uL)")
        for well, w in lw.wells.items():
            contents = ", ".join(
                f"hand-filled {k[1:]} (amount unknown)" if k.startswith("?") else f"{names.get(k, k)} {v:g}"
                for k, v in w.composition_ul.items()
            )
            table.add_row(well, _volume(*w.volume_ul), escape(contents or "empty"))
        out.print(table)
    errors = [f for f in state.findings if f.severity.value == "error"]
    for f in errors:
        step = f"step {f.step}: " if f.step is not None else ""
        out.print(f"[bold red]error[/bold red] {escape(f.code)} {escape(step + f.message)}")
    if svg is not None:
        out.print(f"deck map: {escape(str(svg))}")
