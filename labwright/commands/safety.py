"""`labwright safety pair A B` and `labwright safety chemical NAME`: quick chemical questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import ExitCode, console, fail_with

app = typer.Typer(
    help="Chemical safety questions: is a pair compatible, what is a chemical.",
    no_args_is_help=True,
)


@app.command("pair")
def pair(
    name_a: Annotated[str, typer.Argument(help='first chemical, e.g. "bleach" or "1 M HCl"')],
    name_b: Annotated[str, typer.Argument(help="second chemical")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Can A and B meet in one vessel? Exit 0 compatible, 1 hazardous, 2 unknown name."""
    from labwright.protocols.errors import LabwrightError
    from labwright.verifiers.safety.pair import check_pair

    try:
        result = check_pair(name_a, name_b)
    except LabwrightError as exc:
        fail_with(exc, as_json)
        return
    if as_json:
        payload = pair_json(name_a, name_b, result)
        typer.echo(json.dumps(payload, indent=2))
    else:
        _print_pair(name_a, name_b, result)
    raise typer.Exit(ExitCode.OK if result.compatible else ExitCode.FINDINGS)


def pair_json(name_a: str, name_b: str, result: Any) -> dict[str, Any]:
    """The JSON form of a pair assessment (``labwright safety pair --json``, the MCP tool)."""
    return {
        "a": name_a,
        "b": name_b,
        "compatible": result.compatible,
        "hazards": [
            {
                "code": h.code,
                "text": h.text,
                "rule": h.rule,
                "source": h.source,
                "chemicals": list(h.chemicals),
                "basis": h.basis,
            }
            for h in result.hazards
        ],
        "codes": result.codes,
        "summary": result.summary(),
        "groups_a": [g.model_dump() for g in result.groups_a],
        "groups_b": [g.model_dump() for g in result.groups_b],
        "sources": result.sources,
    }


def _print_pair(name_a: str, name_b: str, result) -> None:
    from rich.table import Table

    out = console()
    groups_a = ", ".join(f"{g.id} {g.name}" for g in result.groups_a) or "none"
    groups_b = ", ".join(f"{g.id} {g.name}" for g in result.groups_b) or "none"
    out.print(f"[bold]{name_a}[/]: {groups_a}")
    out.print(f"[bold]{name_b}[/]: {groups_b}")
    if result.compatible:
        out.print("[green]compatible[/]: no hazard known to the checker for this pair")
        return
    out.print(f"[bold red]incompatible[/]: {result.summary()}")
    table = Table("code", "hazard", "rule", "source")
    for h in result.hazards:
        rule = f"{h.rule} [{h.basis}]" if h.basis else h.rule
        table.add_row(h.code, h.text, rule, h.source)
    out.print(table)


@app.command("chemical")
def chemical(
    name: Annotated[str, typer.Argument(help="name, abbreviation, CAS number or SMILES")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="lab policy YAML (default: shipped policy)")
    ] = None,
) -> None:
    """Identity, reactive groups, physical data and policy status of a chemical."""
    from labwright.protocols.errors import LabwrightError
    from labwright.verifiers.safety.pair import chemical_report
    from labwright.verifiers.safety.policy import load_policy

    try:
        report = chemical_report(name, load_policy(policy) if policy else None)
    except LabwrightError as exc:
        fail_with(exc, as_json)
        return
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        _print_chemical(report)
    refused = report["policy"]["refused"] or report["policy"]["banned"]
    raise typer.Exit(ExitCode.FINDINGS if refused else ExitCode.OK)


def _print_chemical(report: dict) -> None:

    out = console()
    if report["mixture"]:
        out.print(f"[bold]{report['query']}[/] = mixture [bold]{report['mixture']}[/]")
    for comp in report["components"]:
        conc = f" ({comp['concentration']})" if comp["concentration"] else ""
        out.print(
            f"[bold]{comp['name']}[/]{conc}  CAS {comp['cas'] or '-'}  "
            f"{comp['formula'] or ''}  {comp['smiles'] or ''}"
        )
        groups = ", ".join(f"{g['id']} {g['name']}" for g in comp["groups"]) or "none"
        out.print(f"  EPA reactive groups: {groups}")
        if comp["tags"]:
            out.print(f"  classes: {', '.join(comp['tags'])}")
        phys = comp["physical"]
        figures = [
            f"{label} {phys[key]:g} degC"
            for key, label in (
                ("boiling_point_c", "bp"),
                ("flash_point_c", "flash point"),
                ("autoignition_c", "autoignition"),
            )
            if phys[key] is not None
        ]
        out.print(f"  physical, pure compound (lowest measured): {', '.join(figures) or 'no measured data'}")
    pol = report["policy"]
    if pol["refused"]:
        out.print(f"[bold red]refused[/] by policy: {'; '.join(pol['reasons'])}")
    elif pol["banned"]:
        out.print(f"[bold red]banned[/] by policy: {'; '.join(pol['reasons'])}")
    elif pol["requires_approval"]:
        out.print(f"[yellow]needs approval[/]: {'; '.join(pol['reasons'])}")
    else:
        out.print(f"[green]allowed[/] by policy '{pol['name']}'")
