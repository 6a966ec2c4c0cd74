"""`labwright campaign compute`: a closed-loop campaign whose experiments are compute-module scores.

Each round is a generated protocol, verified and dispatched through the run ledger to the
`twin` backend, whose measurement hook scores each well's molecule (QED by default). The
rounds show in `labwright runs list/show`. Re-running with the same campaign id (the default id
is derived from objective, seed and batch) reads finished rounds back from the ledger.
Exit codes: 0 every round succeeded; 1 a round was refused or failed; 2 unusable input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, console, fail, fail_with, progress_bars

app = typer.Typer(help="Closed-loop campaigns run as twins.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Closed-loop campaigns run as twins (keeps `campaign compute` a subcommand)."""


@app.command("compute")
def compute(
    rounds: Annotated[int, typer.Option("--rounds", help="closed-loop rounds")] = 3,
    batch: Annotated[int, typer.Option("--batch", help="candidate molecules per round (1-96)")] = 8,
    objective: Annotated[
        str,
        typer.Option("--objective", help="design objective: qed, sa, gap:LOW:HIGH (tblite), ..."),
    ] = "qed",
    seed: Annotated[int, typer.Option("--seed", help="optimiser seed")] = 0,
    campaign_id: Annotated[
        str | None,
        typer.Option("--campaign-id", help="resume this campaign (default: from objective/seed/batch)"),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="run ledger file (default: LABWRIGHT_HOME/ledger.sqlite)"),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="verifier warnings refuse a round")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
) -> None:
    """Propose molecules, plate and 'measure' them on the twin by a compute module, repeat."""
    from pydantic import ValidationError

    from labwright.agents.compute_campaign import CampaignConfig, run_compute_campaign
    from labwright.protocols.errors import LabwrightError

    try:
        config = CampaignConfig(
            rounds=rounds,
            batch=batch,
            objective=objective,
            seed=seed,
            campaign_id=campaign_id,
            store=store,
            strict=strict,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(
            f"--{first['loc'][0]}: {first['msg']}",
            "rounds 1-100, batch 1-96; see `labwright campaign compute --help`",
            as_json,
        )
    try:
        with progress_bars() as bar:
            task = bar.add_task("campaign rounds", total=rounds)

            def on_round(r: Any) -> None:
                best = "-" if r.best_so_far is None else f"{r.best_so_far:.4f}"
                bar.update(task, advance=1, description=f"round {r.round} {r.status}, best {best}")

            result = run_compute_campaign(config, on_round=on_round)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    code = ExitCode.OK if result.completed else ExitCode.FAILED
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
    else:
        _print(console(), result)
    raise typer.Exit(code)


def _print(console: Any, result: Any) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=f"campaign {result.campaign_id} ({result.objective})", box=box.SIMPLE, pad_edge=False)
    for col in ("round", "state", "run id", "run", "round best", "overall"):
        table.add_column(col, no_wrap=True)
    for r in result.rounds:
        table.add_row(
            str(r.round),
            r.status,
            r.run_id or "-",
            "reused" if r.reused else "new",
            "-" if r.best_in_round is None else f"{r.best_in_round:.4f}",
            "-" if r.best_so_far is None else f"{r.best_so_far:.4f}",
        )
    console.print(table)
    for r in result.rounds:
        for line in r.errors:
            console.print(f"[red]round {r.round}[/red] {line}")
        for line in r.warnings:
            console.print(f"[yellow]round {r.round}[/yellow] {line}")
    best = "-" if result.best_score is None else f"{result.best_score:.4f}"
    console.print(
        f"best {best}  {result.best_smiles or ''}\n"
        f"{result.measured} molecules measured, {result.dispatched} runs dispatched now; "
        f"ledger {result.ledger} (see `labwright runs list`)"
    )
