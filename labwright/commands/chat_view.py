"""How `labwright chat` shows a run to a person: understanding, protocol, findings, deck map.

Rendering only (rich); the chat's logic is in ``labwright.agents.chat``. The deck map is text:
the deck's slots with the labware in them, then a grid per labware with a symbol per liquid
(the liquid with the most volume in the well) and a legend, so that it reads in any terminal
and in a pseudo-terminal test.
"""

from __future__ import annotations

import string
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

OT2_SLOTS = (("10", "11", "12"), ("7", "8", "9"), ("4", "5", "6"), ("1", "2", "3"))
FLEX_SLOTS = tuple(tuple(f"{row}{col}" for col in (1, 2, 3)) for row in "ABCD")
SYMBOLS = string.ascii_uppercase + string.digits


def show_understanding(console: Console, outcome: dict[str, Any]) -> None:
    body = []
    if outcome.get("understood"):
        body.append(f"[bold]understood[/bold] {escape(outcome['understood'])}")
    if outcome.get("purpose"):
        body.append(f"[bold]purpose[/bold]    {escape(outcome['purpose'])}")
    for i, step in enumerate(outcome.get("plan") or [], 1):
        body.append(f"  {i}. {escape(step)}")
    for item in outcome.get("not_understood") or []:
        body.append(f"[yellow]not understood[/yellow] {escape(item)}")
    if body:
        console.print(Panel("\n".join(body), title="the request", expand=False))


def show_repairs(console: Console, outcome: dict[str, Any]) -> None:
    for entry in outcome.get("changes") or []:
        console.print(f"[bold]repair round {entry.get('round')}[/bold]")
        for said in entry.get("planner_says") or []:
            console.print(f"  planner: {escape(str(said))}")
        for diff in entry.get("diff") or []:
            console.print(f"  [dim]{escape(str(diff))}[/dim]")


def show_protocol(console: Console, protocol: dict[str, Any] | None) -> None:
    if protocol is None:
        return
    import yaml

    text = yaml.safe_dump(protocol, sort_keys=False, allow_unicode=True, width=100)
    console.print(Panel(Syntax(text, "yaml", word_wrap=True), title="protocol", expand=False))


def show_findings(console: Console, outcome: dict[str, Any]) -> None:
    """The verifier's report, with the project's renderer."""
    from labwright.protocols.findings import Finding
    from labwright.reports import print_report
    from labwright.verifiers.certificate import Certificate
    from labwright.verifiers.verifier import Report

    cert = outcome.get("certificate")
    report = Report(
        protocol=None,
        protocol_sha256=outcome.get("protocol_sha256"),
        findings=[Finding.model_validate(f) for f in outcome.get("findings") or []],
        passes=list(cert["passes"]) if cert else [],
        certificate=Certificate.model_validate(cert) if cert else None,
        source=(outcome.get("protocol") or {}).get("metadata", {}).get("name", "draft"),
    )
    print_report(console, report)


def _legend(end_state: dict[str, Any]) -> dict[str, str]:
    names = {k: v.get("name", k) for k, v in (end_state.get("liquids") or {}).items()}
    return {liquid: SYMBOLS[i % len(SYMBOLS)] for i, liquid in enumerate(sorted(names))}


def _slot_table(end_state: dict[str, Any], robot: str) -> Table:
    by_slot: dict[str, str] = {}
    for lw_id, lw in (end_state.get("labware") or {}).items():
        by_slot[str(lw.get("slot"))] = f"{escape(lw_id)}\n[dim]{escape(str(lw.get('load_name')))}[/dim]"
    table = Table(show_header=False, show_lines=True, title="deck")
    layout = FLEX_SLOTS if robot == "flex" else OT2_SLOTS
    for _ in layout[0]:
        table.add_column(min_width=18)
    for row in layout:
        table.add_row(*[f"[bold]{s}[/bold] {by_slot.get(s, '')}" for s in row])
    return table


def _well_grid(lw_id: str, wells: dict[str, Any], legend: dict[str, str]) -> Table:
    rows = sorted({w[0] for w in wells})
    cols = sorted({int(w[1:]) for w in wells if w[1:].isdigit()})
    grid = Table(show_header=True, box=None, pad_edge=False)
    grid.add_column("")
    for c in range(1, (max(cols) if cols else 1) + 1):
        grid.add_column(str(c), justify="center")
    for r in rows:
        cells = []
        for c in range(1, (max(cols) if cols else 1) + 1):
            well = wells.get(f"{r}{c}")
            if not well:
                cells.append("[dim]·[/dim]")
                continue
            comp = well.get("composition_ul") or {}
            main = max(comp, key=comp.get) if comp else None
            cells.append(legend.get(main, "?") + ("+" if len(comp) > 1 else ""))
        grid.add_row(r, *cells)
    return grid


def show_deck(console: Console, end_state: dict[str, Any] | None, robot: str = "ot2") -> None:
    """Slots with their labware, each filled labware's wells by liquid, and a legend."""
    if not end_state:
        return
    legend = _legend(end_state)
    console.print(_slot_table(end_state, robot))
    for lw_id, lw in (end_state.get("labware") or {}).items():
        wells = lw.get("wells") or {}
        if wells:
            console.print(f"[bold]{escape(lw_id)}[/bold] [dim]{escape(str(lw.get('load_name')))}[/dim]")
            console.print(_well_grid(lw_id, wells, legend))
    names = {k: v.get("name", k) for k, v in (end_state.get("liquids") or {}).items()}
    parts = [f"{sym} = {escape(names.get(liquid, liquid))}" for liquid, sym in legend.items()]
    console.print("[bold]legend[/bold] " + ", ".join(parts) + "; + = mixed with other liquids")
    console.print(
        f"{end_state.get('steps')} steps, about {float(end_state.get('duration_s') or 0):.0f} s of waits"
    )


def show_campaign(console: Console, campaign: dict[str, Any] | None) -> None:
    """What a campaign request will run: the space, objectives, budget, backend, first proposal."""
    if not campaign or not campaign.get("summary"):
        return
    s = campaign["summary"]
    body = [f"[bold]campaign[/bold]   {escape(str(s.get('name')))}"]
    body += [f"[bold]varies[/bold]     {escape(p)}" for p in s.get("space") or []]
    body += [f"[bold]subject to[/bold] {escape(c)}" for c in s.get("constraints") or []]
    body += [f"[bold]objective[/bold]  {escape(o)}" for o in s.get("objectives") or []]
    body.append(
        f"[bold]budget[/bold]     {s.get('budget')} experiments, {s.get('batch')} at a time, "
        f"{escape(str(s.get('optimizer')))} optimiser, seed {s.get('seed')}"
    )
    body.append(
        f"[bold]backend[/bold]    {escape(str(s.get('backend')))} ({escape(str(s.get('twin')))} twin)"
    )
    first = campaign.get("first_proposal") or {}
    shown = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in first.items())
    body.append(f"[bold]experiment 1[/bold] {escape(shown)} (its protocol is shown as the sample)")
    reach = campaign.get("reach")
    if reach:
        body.append(
            f"[bold]reachable[/bold]  closest predicted colour difference {reach.get('closest_delta_e')} "
            f"({reach.get('mixes_searched')} mixes searched on the colour twin)"
        )
    console.print(Panel("\n".join(body), title="the campaign", expand=False))


def show_campaign_run(console: Console, campaign: dict[str, Any] | None) -> None:
    if not campaign or not campaign.get("run_id"):
        return
    run_id = escape(str(campaign["run_id"]))
    if campaign.get("background") and campaign.get("state") in {"created", "running"}:
        console.print(
            f"campaign [bold]{run_id}[/bold] runs in the background: `labwright campaign show {run_id}` "
            f"follows it, `labwright campaign report {run_id}` reports it"
        )
        return
    best = (campaign.get("best") or {}).get("objectives")
    console.print(
        f"campaign [bold]{run_id}[/bold] {escape(str(campaign.get('state')))}: "
        f"{campaign.get('experiments')} experiment(s), best {escape(str(best))}, target reached at "
        f"{campaign.get('target_reached_at')}; `labwright campaign report {run_id}` reports it"
    )


def show_outcome(console: Console, outcome: dict[str, Any]) -> None:
    """Everything after the run: verdict, dispatch, results, the agent's last word."""
    show_campaign_run(console, outcome.get("campaign"))
    results = outcome.get("results")
    if results:
        table = Table(title=f"run {outcome.get('run_id')}: {results.get('state')}", show_header=True)
        table.add_column("step")
        table.add_column("labware")
        table.add_column("wells measured", justify="right")
        for m in results.get("measurements") or []:
            table.add_row(str(m.get("step")), str(m.get("labware")), str(len(m.get("values") or {})))
        console.print(table)
    if outcome.get("refused"):
        console.print(f"[bold red]not dispatched[/bold red] {escape(outcome['refused'])}")
    console.print(escape(outcome.get("response") or ""))
