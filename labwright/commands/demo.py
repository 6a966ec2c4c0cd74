"""`labwright demo`: the first thing a new user runs (no robot, no API key, no network).

1. dry-run validation of every bundled example protocol (a table: certified or rejected);
2. the colour-matching campaign (``examples/campaigns/colour_match.yaml``) run unattended on
   the twin: Bayesian optimisation proposes dye mixtures, each becomes a protocol that is
   verified, dispatched through the run ledger and measured by the colour twin, until the
   colour is within the target CIEDE2000 difference or the budget is spent;
3. a self-contained HTML report of that campaign, whose path is the last line printed.

``--compute`` also runs the computational closed loop (molecules scored by RDKit QED) that
was the demo before campaigns existed. Exit codes: 0 all done; 1 an example protocol was
rejected or the campaign failed; 2 unusable input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, fail, fail_with
from labwright.commands.common import console as cli_console

app = typer.Typer()

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "protocols"
CAMPAIGN = ROOT / "examples" / "campaigns" / "colour_match.yaml"
_OUTPUT_HELP = "report file (default: LABWRIGHT_HOME/reports/RUN_ID.html)"


@app.command("demo")
def demo(
    examples: Path = typer.Option(EXAMPLES, "--examples", help="folder of example protocols"),
    campaign: Annotated[Path, typer.Option("--campaign", help="campaign file to run")] = CAMPAIGN,
    optimizer: Annotated[
        str | None, typer.Option("--optimizer", help="bo | random (default: the file's)")
    ] = None,
    budget: Annotated[
        int | None, typer.Option("--budget", help="experiments at most (default: the file's)")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="campaign seed (default: the file's)")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help=_OUTPUT_HELP)] = None,
    baseline_seeds: Annotated[
        int, typer.Option("--baseline-seeds", help="random campaigns in the report")
    ] = 5,
    skip_validation: Annotated[
        bool, typer.Option("--skip-validation", help="do not validate the examples")
    ] = False,
    compute: Annotated[bool, typer.Option("--compute", help="also run the computational (QED) loop")] = False,
) -> None:
    """Validate the bundled protocols, run the colour-matching campaign on the twin, write its report."""
    console = cli_console()
    if not skip_validation:
        worst = _validate_examples(console, examples)
        if worst:
            raise typer.Exit(worst)
    if compute:
        _compute(console)
    result = _colour_campaign(console, campaign, optimizer, budget, seed)
    path = _report(console, result, output, baseline_seeds)
    console.print(f"report: {path}", highlight=False, soft_wrap=True)
    raise typer.Exit(ExitCode.FAILED if result.state == "failed" else ExitCode.OK)


def _validate_examples(console: Any, examples: Path) -> ExitCode:
    from rich.table import Table

    from labwright.commands.validate import validate_file
    from labwright.protocols.errors import LabwrightError
    from labwright.protocols.findings import Severity
    from labwright.verifiers.verifier import VerifyOptions

    files = sorted(p for p in examples.glob("*") if p.suffix in {".yaml", ".yml"})
    if not files:
        fail(f"no example protocols in {examples}", "pass --examples FOLDER with .yaml protocols", False)
    table = Table(title="labwright demo: dry-run validation of the bundled protocols", box=None)
    for col in ("protocol", "robot", "steps", "result", "errors", "warnings", "sha256"):
        table.add_column(col)
    worst = ExitCode.OK
    with console.status("verifying…"):
        for path in files:
            try:
                report = validate_file(path, VerifyOptions())
            except LabwrightError as exc:
                table.add_row(path.name, "", "", "[red]unusable[/red]", "", "", exc.message)
                worst = ExitCode.UNUSABLE
                continue
            n_err = sum(f.severity is Severity.ERROR for f in report.findings)
            n_warn = sum(f.severity is Severity.WARNING for f in report.findings)
            p = report.protocol
            table.add_row(
                path.name,
                p.metadata.robot.value if p else "",
                str(len(p.steps)) if p else "",
                "[green]certified[/green]" if report.ok else "[red]rejected[/red]",
                str(n_err),
                str(n_warn),
                (report.protocol_sha256 or "")[:12],
            )
            worst = max(worst, ExitCode.OK if report.ok else ExitCode.FINDINGS)
    console.print(table)
    return worst


def _colour_campaign(
    console: Any, path: Path, optimizer: str | None, budget: int | None, seed: int | None
) -> Any:
    from labwright.agents.campaign import load_campaign, run_campaign, with_overrides
    from labwright.agents.campaign.optimizers import oriented
    from labwright.commands.common import progress_bars
    from labwright.protocols.errors import LabwrightError

    try:
        spec = load_campaign(path)
        spec = with_overrides(spec, optimizer=optimizer, budget=budget, seed=seed, backend="twin")
    except LabwrightError as exc:
        fail_with(exc, False)
    o = spec.objectives[0]
    console.print(
        f"\n[bold]closed loop on the built-in twin[/bold]: {spec.name} ({path.name}): the optimiser "
        f"({spec.optimizer}) proposes {spec.batch} mixture(s) per round; each becomes a protocol that is "
        f"verified and certified, dispatched through the run ledger to the twin and measured by the "
        f"{spec.twin.kind} twin, until {_goal(spec)}{spec.budget} experiments",
        highlight=False,
    )

    def on_experiment(e: Any, experiments: list[Any]) -> None:
        measured = [x for x in experiments if x.status == "measured" and x.objectives]
        best = max((oriented(o, x.objectives[o.name]) for x in measured), default=None)
        value = "-" if not e.objectives else f"{e.objectives[o.name]:.2f}"
        best_text = "-" if best is None else f"{oriented(o, best):.2f}"
        console.print(
            f"  experiment {e.index} (round {e.round}): {e.status}, {o.name} {value}, best {best_text}",
            highlight=False,
        )
        bar.update(task, completed=len(experiments), description=f"best {o.name} {best_text}")

    try:
        with progress_bars() as bar:
            task = bar.add_task("campaign", total=spec.budget)
            result = run_campaign(spec, run_id=None, on_experiment=on_experiment)
    except LabwrightError as exc:
        fail_with(exc, False)
    reached = result.target_reached_at
    console.print(
        f"{result.state} ({result.stop_reason}): "
        + (f"target reached at experiment {reached}" if reached else "target not reached")
        + f"; best {_objectives_text(result.best)}; run {result.run_id}, "
        f"ledger {result.ledger}",
        highlight=False,
        soft_wrap=True,
    )
    return result


def _goal(spec: Any) -> str:
    targeted = [o for o in spec.objectives if o.target is not None]
    shown = [f"{o.name} {'<=' if o.direction == 'minimise' else '>='} {o.target:g}" for o in targeted]
    return f"{' and '.join(shown)} or " if shown else ""


def _report(console: Any, result: Any, output: Path | None, baseline_seeds: int) -> Path:
    from labwright.campaign_report import write_report
    from labwright.verifiers.certificate import labwright_home

    path = output or labwright_home() / "reports" / f"{result.run_id}.html"
    with console.status("writing the report (random baseline simulated on the twin)…"):
        return write_report(result, path, baseline_seeds=baseline_seeds)


def _compute(console: Any) -> None:
    """The computational loop: propose molecules, plate them, verify, dispatch to the twin, QED."""
    from labwright.agents.compute_campaign import CampaignConfig, run_compute_campaign

    console.print(
        "\n[bold]computational closed loop on the twin[/bold]: each round proposes 8 molecules, plates "
        "them in a generated protocol, verifies and certifies it, dispatches it through the "
        "ledger to the twin, and measures each well (RDKit QED)"
    )
    with console.status("campaign running…"):
        result = run_compute_campaign(
            CampaignConfig(rounds=3, batch=8, objective="qed", seed=0),
            on_round=lambda r: console.print(
                f"  round {r.round}: {r.status}, best in round {r.best_in_round or 0:.3f}, "
                f"best so far {r.best_so_far or 0:.3f}  "
                f"(run {r.run_id}{', from the ledger' if r.reused else ''})"
            ),
        )
    console.print(f"best molecule: {result.best_smiles}  QED {result.best_score or 0:.3f}")


def _objectives_text(best: dict[str, Any] | None) -> str:
    """The best experiment's objectives as people read them (``delta_e 1.374``), not a dict repr."""
    if not best or "objectives" not in best:
        return "-"
    return ", ".join(
        f"{name} {value:.4g}" if isinstance(value, float) else f"{name} {value}"
        for name, value in best["objectives"].items()
    )
