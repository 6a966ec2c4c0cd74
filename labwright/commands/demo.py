"""`labwright demo`: the first thing a new user runs (no robot, no API key, no network)."""

from __future__ import annotations

from pathlib import Path

import typer

from labwright.commands.common import ExitCode, fail
from labwright.commands.common import console as cli_console

app = typer.Typer()

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "protocols"


@app.command("demo")
def demo(
    examples: Path = typer.Option(EXAMPLES, "--examples", help="folder of example protocols"),
) -> None:
    """Validate every bundled example protocol, then run a closed-loop campaign on the twin."""
    from rich.table import Table

    from labwright.commands.validate import validate_file
    from labwright.protocols.errors import LabwrightError
    from labwright.protocols.findings import Severity
    from labwright.verifiers.verifier import VerifyOptions

    console = cli_console()
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
    if worst:
        raise typer.Exit(worst)
    worst = _campaign(console)
    raise typer.Exit(worst)


def _campaign(console) -> ExitCode:  # noqa: ANN001
    """A short closed loop: propose molecules, plate them, verify, dispatch to the twin, measure."""
    from labwright.agents.compute_campaign import CampaignConfig, run_compute_campaign

    console.print(
        "\n[bold]closed loop on the built-in twin[/bold]: each round proposes 8 molecules, plates "
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
    console.print(f"ledger: {result.ledger}  (`labwright runs list` shows every round)")
    return ExitCode.OK if result.completed else ExitCode.FAILED
