"""Rich terminal reports for people."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from labwright.protocols.findings import Severity
from labwright.verifiers.verifier import Report

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


def print_report(console: Console, report: Report, *, show_info: bool = False, max_rows: int = 200) -> None:
    title = report.source or (report.protocol.metadata.name if report.protocol else "protocol")
    counts = Counter(f.severity for f in report.findings)
    if report.ok:
        head = Text("CERTIFIED", style="bold green")
    else:
        head = Text("REJECTED", style="bold red")
    head.append(f"  {title}", style="bold")
    head.append(
        f"  ({counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
        f"{counts[Severity.INFO]} notes)",
        style="dim",
    )
    console.print(head)
    shown = [f for f in report.findings if show_info or f.severity is not Severity.INFO]
    if shown:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
        table.add_column("", no_wrap=True)
        table.add_column("step", justify="right", no_wrap=True)
        table.add_column("code", no_wrap=True)
        table.add_column("what, and how to fix it")
        for f in shown[:max_rows]:
            body = Text(f.message)
            if f.hint:
                body.append(f"\n→ {f.hint}", style="cyan")
            if f.pointer:
                body.append(f"  [{f.pointer}]", style="dim")
            table.add_row(
                Text(f.severity.value, style=_STYLE[f.severity]),
                "" if f.step is None else str(f.step),
                Text(f"{f.code} ({f.category.value})"),
                body,
            )
        console.print(table)
        if len(shown) > max_rows:
            console.print(f"… {len(shown) - max_rows} more (use --json for all)")
    if report.certificate:
        console.print(
            f"[green]certificate[/green] sha256 {report.protocol_sha256[:16]}… "
            f"signed {report.certificate.issued_at}",
            highlight=False,
        )
        n = len(report.certificate.approvals_required)
        if n:
            console.print(
                f"[yellow]needs approval[/yellow] {n} finding(s) above need a person's approval: "
                "dispatch refuses it until then (`labwright run ... --approved-by NAME`)",
                highlight=False,
            )
    hidden = counts[Severity.INFO] if not show_info else 0
    if hidden:
        console.print(f"[dim]{hidden} notes hidden (--verbose shows them)[/dim]")
