"""`labwright campaign ...`: unattended closed-loop campaigns.

* ``campaign run FILE``: Bayesian experiment design (or a random baseline) over a campaign
  file's parameters; every experiment is a generated protocol, verified, dispatched through the
  run ledger and measured (on the ``twin`` backend by the campaign's chemistry twin), until the
  target or the budget. ``campaign resume RUN_ID`` continues one after a crash (nothing measured
  is lost, nothing dispatched is repeated); ``campaign show RUN_ID`` reports one as it stands;
  ``campaign report RUN_ID -o report.html`` writes a self-contained HTML report.
  Exit codes: 0 finished (target reached or budget spent); 1 the campaign failed; 2 unusable
  input; 130 interrupted (resume it).
* ``campaign compute``: a closed loop whose experiments are compute-module scores (QED by
  default) of proposed molecules; each round is a generated protocol dispatched to the twin.
  Re-running with the same campaign id reads finished rounds back from the ledger.
  Exit codes: 0 every round succeeded; 1 a round was refused or failed; 2 unusable input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, console, fail, fail_with, progress_bars

app = typer.Typer(
    help="Unattended closed-loop campaigns (experiment design on twins and robots).", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Unattended closed-loop campaigns: experiment design over verified protocols, on twins and robots."""


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


# ------------------------------------------------------------------ experiment-design campaigns

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="run ledger file (default: LABWRIGHT_HOME/ledger.sqlite)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object on stdout")]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="no progress output")]


def _reporter(total: int, quiet: bool, bar: Any, task: Any) -> Any:
    """Progress: a bar with the best so far on a terminal, one line per experiment otherwise."""
    import sys as _sys

    err = console(stderr=True)

    def on_experiment(e: Any, experiments: list[Any]) -> None:
        measured = [x for x in experiments if x.status == "measured" and x.objectives]
        best = _best_text(measured)
        bar.update(
            task,
            completed=len(experiments),
            total=total,
            description=f"experiment {e.index}: {e.status}, best {best}",
        )
        if not quiet and not err.is_terminal:
            shown = ", ".join(f"{p.name}={_num(e.parameters[p.name])}" for p in _BEST["spec"].parameters)
            obj = "" if not e.objectives else " " + ", ".join(f"{k}={v:.4g}" for k, v in e.objectives.items())
            _sys.stderr.write(
                f"experiment {e.index} (round {e.round}) {e.status}{obj} [{shown}]; best {best}\n"
            )

    return on_experiment


_BEST: dict[str, Any] = {}


def _best_text(measured: list[Any]) -> str:
    spec = _BEST.get("spec")
    if spec is None or not measured:
        return "-"
    from labwright.agents.campaign.optimizers import oriented

    if len(spec.objectives) == 1:
        o = spec.objectives[0]
        top = max(measured, key=lambda x: oriented(o, x.objectives[o.name]))
        return f"{o.name}={top.objectives[o.name]:.4g} (#{top.index})"
    return f"{len(measured)} measured"


def _drive_cli(call: Any, spec: Any, as_json: bool, quiet: bool) -> None:
    from labwright.protocols.errors import LabwrightError

    _BEST["spec"] = spec
    try:
        with progress_bars() as bar:
            task = bar.add_task("campaign", total=spec.budget)
            result = call(_reporter(spec.budget, quiet or as_json, bar, task))
    except LabwrightError as exc:
        fail_with(exc, as_json)
    except KeyboardInterrupt:
        console(stderr=True).print(
            "[yellow]interrupted[/yellow]: `labwright campaign resume RUN_ID` continues the campaign",
            highlight=False,
        )
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    _finish(result, as_json)


def _finish(result: Any, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
    else:
        print_campaign(console(), result)
    raise typer.Exit(ExitCode.FAILED if result.state == "failed" else ExitCode.OK)


@app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="campaign file (.yaml/.yml/.json), see examples/campaigns/")],
    backend: Annotated[
        str | None, typer.Option("--backend", "-b", help="twin | opentrons-sim | opentrons-http")
    ] = None,
    robot: Annotated[str | None, typer.Option("--robot", help="robot HOST[:PORT] (opentrons-http)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="seed of proposals and twin noise")] = None,
    budget: Annotated[int | None, typer.Option("--budget", help="experiments at most")] = None,
    batch: Annotated[int | None, typer.Option("--batch", help="experiments proposed together")] = None,
    optimizer: Annotated[str | None, typer.Option("--optimizer", help="bo | random")] = None,
    run_id: Annotated[str | None, typer.Option("--run-id", help="name of this campaign run")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run a campaign unattended: propose, compile, verify, dispatch, measure, until target or budget."""
    from labwright.agents.campaign import load_campaign, run_campaign, with_overrides
    from labwright.protocols.errors import LabwrightError

    try:
        spec = with_overrides(
            load_campaign(file),
            backend=backend,
            robot=robot,
            seed=seed,
            budget=budget,
            batch=batch,
            optimizer=optimizer,
        )
    except LabwrightError as exc:
        fail_with(exc, as_json)
    _drive_cli(
        lambda cb: run_campaign(spec, store=store, run_id=run_id, on_experiment=cb), spec, as_json, quiet
    )


@app.command("resume")
def resume(
    run_id: Annotated[str, typer.Argument(help="campaign run id")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Continue a campaign run (after a crash): nothing measured is lost, nothing dispatched repeated."""
    from labwright.agents.campaign import campaign_status, resume_campaign
    from labwright.protocols.errors import LabwrightError

    try:
        spec = _spec_of(campaign_status(run_id, store=store))
    except LabwrightError as exc:
        fail_with(exc, as_json)
    _drive_cli(lambda cb: resume_campaign(run_id, store=store, on_experiment=cb), spec, as_json, quiet)


def _spec_of(result: Any) -> Any:
    from labwright.agents.campaign.runner import _stored_spec
    from labwright.agents.campaign.store import CampaignStore
    from labwright.hardware.ledger import Ledger

    return _stored_spec(CampaignStore(Ledger(result.ledger)), result.run_id)


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="campaign run id")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A campaign run as it stands (also while it runs)."""
    from labwright.agents.campaign import campaign_status
    from labwright.protocols.errors import LabwrightError

    try:
        result = campaign_status(run_id, store=store)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
    else:
        print_campaign(console(), result)
    raise typer.Exit(ExitCode.OK)


@app.command("report")
def report(
    run_id: Annotated[str, typer.Argument(help="campaign run id")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write")] = Path("report.html"),
    store: StoreOpt = None,
    baseline_seeds: Annotated[
        int,
        typer.Option("--baseline-seeds", help="random-baseline campaigns simulated on the twin (0: none)"),
    ] = 5,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")] = True,
) -> None:
    """Write a self-contained HTML report: plots, the random baseline, every experiment."""
    from labwright.agents.campaign import campaign_status
    from labwright.campaign_report import write_report
    from labwright.commands.common import refuse_overwrite
    from labwright.protocols.errors import LabwrightError

    refuse_overwrite(output, overwrite, False)
    try:
        result = campaign_status(run_id, store=store)
        path = write_report(result, output, baseline_seeds=baseline_seeds)
    except LabwrightError as exc:
        fail_with(exc, False)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", "choose a writable -o path", False)
    console().print(f"report: {path}")
    raise typer.Exit(ExitCode.OK)


def print_campaign(out: Any, result: Any) -> None:
    from rich import box
    from rich.table import Table

    table = Table(
        title=f"campaign {result.run_id} ({result.name}, {result.optimizer}, {result.backend})",
        box=box.SIMPLE,
        pad_edge=False,
    )
    names = [p["name"] for p in result.parameters]
    objectives = [o["name"] for o in result.objectives]
    for col in ("#", "round", "status", *names, *objectives, "protocol"):
        table.add_column(col, no_wrap=True)
    for e in result.experiments:
        params = [_num(e.parameters[n]) for n in names]
        objs = ["-" if not e.objectives else f"{e.objectives[o]:.4g}" for o in objectives]
        table.add_row(str(e.index), str(e.round), e.status, *params, *objs, (e.protocol_sha256 or "")[:12])
    out.print(table)
    for e in result.experiments:
        for line in e.errors[:2]:
            out.print(f"[red]experiment {e.index}[/red] {line}", highlight=False)
    reached = result.target_reached_at or "-"
    why = f" ({result.stop_reason})" if result.stop_reason else ""
    n = result.counts
    out.print(
        f"{result.state}{why}; {n.get('measured', 0)} measured, {n.get('infeasible', 0)} infeasible, "
        f"{n.get('failed', 0)} failed; target reached at experiment {reached}",
        highlight=False,
    )
    if result.best is not None and "index" in result.best:
        out.print(f"best: experiment {result.best['index']} {result.best['objectives']}", highlight=False)
    elif result.best is not None:
        hv = result.best.get("hypervolume")
        out.print(
            f"Pareto front: experiments {[f['index'] for f in result.best['pareto_front']]}"
            + (f", hypervolume {hv:.4g}" if hv is not None else ""),
            highlight=False,
        )
    out.print(f"ledger {result.ledger} (`labwright runs list` shows every dispatch)", highlight=False)


def _num(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
