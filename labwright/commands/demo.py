"""`labwright demo`: the first thing a new user runs (no robot, no API key, no network)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer()

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "protocols"


@app.command("demo")
def demo(
    examples: Path = typer.Option(EXAMPLES, "--examples", help="folder of example protocols"),
) -> None:
    """Validate every bundled example protocol on the deck twin and print a summary."""
    from rich.console import Console
    from rich.table import Table

    from labwright.commands.validate import validate_file
    from labwright.protocols.errors import LabwrightError
    from labwright.verifiers.findings import Severity
    from labwright.verifiers.verifier import VerifyOptions

    console = Console(highlight=False)
    files = sorted(p for p in examples.glob("*") if p.suffix in {".yaml", ".yml"})
    if not files:
        console.print(f"[red]no example protocols in {examples}[/red]")
        raise typer.Exit(2)
    table = Table(title="labwright demo: dry-run validation of the bundled protocols", box=None)
    for col in ("protocol", "robot", "steps", "result", "errors", "warnings", "sha256"):
        table.add_column(col)
    worst = 0
    with console.status("verifying…"):
        for path in files:
            try:
                report = validate_file(path, VerifyOptions())
            except LabwrightError as exc:
                table.add_row(path.name, "", "", "[red]unusable[/red]", "", "", exc.message)
                worst = 2
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
            worst = max(worst, 0 if report.ok else 1)
    console.print(table)
    raise typer.Exit(worst)
