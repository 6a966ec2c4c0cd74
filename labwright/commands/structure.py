"""`labwright structure search`: global structure search (basin hopping or AIRSS), and
`labwright structure hull`: a convex hull over compositions from such searches."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import (
    ExitCode,
    console,
    fail_invalid,
    fail_with,
    progress_bars,
    refuse_overwrite,
)

app = typer.Typer(
    help="Structure search: basin hopping and AIRSS with ASE calculators; convex hulls.",
    no_args_is_help=True,
)


class CalculatorChoice(StrEnum):
    lj = "lj"
    emt = "emt"
    mace = "mace"


class MethodChoice(StrEnum):
    basin_hopping = "basin-hopping"
    population = "population"
    airss = "airss"


def _progress_runner(description: str, run: Any) -> Any:
    """Run ``run(on_progress)`` under a progress bar on stderr."""
    with progress_bars() as progress:
        task = progress.add_task(description, total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run(on_progress)


@app.command("search")
def search_command(
    composition: Annotated[str, typer.Option("--composition", "-c", help="e.g. LJ38, Cu13, Ag4, Cu3Au")],
    calculator: Annotated[
        CalculatorChoice, typer.Option(help="lj (exact, reduced units), emt, mace (--model)")
    ] = CalculatorChoice.lj,
    model: Annotated[Path | None, typer.Option(help="MACE model file for --calculator mace")] = None,
    method: Annotated[MethodChoice, typer.Option(help="search method")] = (MethodChoice.basin_hopping),
    steps: Annotated[int, typer.Option(min=0, help="basin-hopping steps per run")] = 1000,
    runs: Annotated[
        int | None,
        typer.Option(min=1, help="independent basin-hopping runs (default: one per worker)"),
    ] = None,
    trials: Annotated[int, typer.Option(min=1, help="AIRSS random structures")] = 50,
    seed: Annotated[int, typer.Option(help="random seed (results depend on it only)")] = 0,
    periodic: Annotated[bool, typer.Option("--periodic", help="periodic cells")] = False,
    pressure: Annotated[float, typer.Option(help="external pressure in GPa (periodic)")] = 0.0,
    temperature: Annotated[
        float | None, typer.Option(help="basin-hopping kT in reduced units (default 0.8)")
    ] = None,
    fmax: Annotated[float, typer.Option(help="force tolerance, eV/A (ASE calculators)")] = 0.01,
    volume_per_atom: Annotated[
        float | None, typer.Option(help="AIRSS target volume, A^3/atom (default: close packed)")
    ] = None,
    min_separation: Annotated[
        float | None,
        typer.Option(help="AIRSS minimum separation as a fraction of r_i + r_j (0.7-0.8)"),
    ] = None,
    target_energy: Annotated[
        float | None, typer.Option(help="stop a run once a minimum this low is found")
    ] = None,
    time_budget: Annotated[float | None, typer.Option(help="stop cleanly after this many seconds")] = None,
    top: Annotated[int, typer.Option(min=1, help="distinct minima to keep and list")] = 20,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="extended-XYZ file for the best structure"),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="allow -o to replace an existing file")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Dask workers (LocalCluster)")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="address of an existing Dask scheduler, tcp://HOST:PORT")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Find the lowest-energy (lowest-enthalpy) structures of a composition."""
    from pydantic import ValidationError

    from labwright.protocols.errors import LabwrightError
    from labwright.simulators.compute.structure.basin_hopping import BasinHoppingSettings
    from labwright.simulators.compute.structure.calculators import CalculatorSpec
    from labwright.simulators.compute.structure.output import default_output_path, write_structure
    from labwright.simulators.compute.structure.provenance import provenance
    from labwright.simulators.compute.structure.search import SearchSettings, search

    if output is not None:
        refuse_overwrite(output, overwrite, as_json)
    try:
        bh = BasinHoppingSettings(**({} if temperature is None else {"temperature": temperature}))
        settings = SearchSettings(
            composition=composition,
            calculator=CalculatorSpec(name=calculator.value, model=None if model is None else str(model)),
            method=method.value,
            periodic=periodic,
            pressure_gpa=pressure,
            seed=seed,
            steps=steps,
            runs=runs if runs is not None else (workers if method.value != "airss" else 1),
            trials=trials,
            fmax=fmax,
            volume_per_atom=volume_per_atom,
            min_separation_factor=min_separation,
            basin_hopping=bh,
            stop_energy=target_energy,
            archive_size=top,
            time_budget_s=time_budget,
        )
        settings.check()
        label = f"{composition} {method.value}"
        outcome = _progress_runner(
            label,
            lambda cb: search(settings, workers=workers, scheduler=scheduler, on_progress=cb),
        )
    except ValidationError as exc:
        fail_invalid(exc, as_json)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    result = outcome.result
    path = output if output is not None else default_output_path(composition, method.value, seed, Path.cwd())
    prov = provenance(settings)
    write_structure(
        path,
        outcome.best_atoms,
        {
            "energy": result.best_energy,
            "enthalpy": result.best_enthalpy if periodic else None,
            "energy_unit": result.energy_unit,
            "pressure_gpa": pressure if periodic else None,
            "composition": composition,
            "calculator": calculator.value,
            "method": method.value,
            "seed": seed,
        },
    )
    payload: dict[str, Any] = {
        **result.model_dump(mode="json"),
        "best_structure": str(path),
        "provenance": prov,
    }
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
    else:
        _print_result(payload)
    raise typer.Exit(ExitCode.OK)


def _print_result(payload: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    unit = payload["energy_unit"]
    out.print(
        f"[bold]{payload['composition']}[/] {payload['method']} with {payload['calculator']}: "
        f"best energy [bold green]{payload['best_energy']:.6f}[/] {unit}"
        + (
            f", enthalpy {payload['best_enthalpy']:.6f} at {payload['pressure_gpa']} GPa"
            if payload["periodic"]
            else ""
        )
    )
    out.print(
        f"{payload['steps']} steps, {payload['relaxations']} relaxations, "
        f"{payload['elapsed_s']:.1f} s ({payload['stop_reason']})"
    )
    table = Table("rank", "energy", "enthalpy", "E/atom", "V/atom", "hits", "found by")
    for m in payload["minima"]:
        vol = "" if m["volume_per_atom"] is None else f"{m['volume_per_atom']:.3f}"
        table.add_row(
            str(m["rank"]),
            f"{m['energy']:.6f}",
            f"{m['enthalpy']:.6f}",
            f"{m['energy_per_atom']:.6f}",
            vol,
            str(m["hits"]),
            m["found_by"],
        )
    out.print(table)
    out.print(f"best structure written to [bold]{payload['best_structure']}[/]")
    if payload["stopped_early"]:
        out.print("[yellow]stopped early: the time budget ran out[/]")
    sys.stdout.flush()


@app.command("hull")
def hull_command(
    composition: Annotated[
        list[str],
        typer.Option("--composition", "-c", help="repeat: Cu4 -c Au4 -c Cu3Au (pure ones needed)"),
    ],
    calculator: Annotated[CalculatorChoice, typer.Option(help="emt or mace")] = CalculatorChoice.emt,
    model: Annotated[Path | None, typer.Option(help="MACE model file")] = None,
    trials: Annotated[int, typer.Option(min=1, help="AIRSS trials per composition")] = 20,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    pressure: Annotated[float, typer.Option(help="external pressure in GPa")] = 0.0,
    workers: Annotated[int, typer.Option(min=1, help="Dask workers (LocalCluster)")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="existing Dask scheduler address")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Convex hull of enthalpy over compositions, each searched with periodic AIRSS."""
    from pydantic import ValidationError

    from labwright.protocols.errors import LabwrightError
    from labwright.simulators.compute.structure.calculators import CalculatorSpec
    from labwright.simulators.compute.structure.hull import hull_from_searches
    from labwright.simulators.compute.structure.search import SearchSettings, search

    def run_one(comp: str) -> Any:
        settings = SearchSettings(
            composition=comp,
            calculator=CalculatorSpec(name=calculator.value, model=None if model is None else str(model)),
            method="airss",
            periodic=True,
            pressure_gpa=pressure,
            seed=seed,
            trials=trials,
        )
        settings.check()
        return _progress_runner(
            f"{comp} airss",
            lambda cb: search(settings, workers=workers, scheduler=scheduler, on_progress=cb),
        )

    try:
        points, outcomes = hull_from_searches(composition, run_one)
    except ValidationError as exc:
        fail_invalid(exc, as_json)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    payload = {
        "calculator": calculator.value,
        "pressure_gpa": pressure,
        "seed": seed,
        "points": [p.model_dump(mode="json") for p in points],
        "relaxations": sum(o.result.relaxations for o in outcomes),
    }
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
    else:
        from rich.table import Table

        table = Table("composition", "formula", "E_f (eV/atom)", "above hull", "on hull")
        for p in points:
            table.add_row(
                p.label,
                p.formula,
                f"{p.formation_energy_per_atom:.4f}",
                f"{p.energy_above_hull_per_atom:.4f}",
                "yes" if p.on_hull else "no",
            )
        console().print(table)
    raise typer.Exit(ExitCode.OK)
