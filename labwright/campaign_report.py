"""`labwright campaign report`: one self-contained HTML file (inline SVG, no scripts, no network).

Sections:

* a summary (state, stop reason, optimiser, backend, twin, target reached at, best);
* best so far (one objective) or hypervolume (several) against the number of experiments, beside
  a random baseline: ``baseline_seeds`` random campaigns of the same file simulated on the twin
  (``agents.campaign.baseline``: verified, measured by the chemistry twin, never dispatched), drawn
  as their median and min-max band; the target as a dashed line;
* parameter trajectories: each parameter's value per experiment, infeasible ones as red crosses;
* the Pareto front of the first two objectives when there are several; measured colours beside
  the target for a colour-difference objective;
* the table of experiments: parameters, status, objectives, protocol SHA-256, the certificate
  (signature, issue time, verifier version) and the ledger run with its idempotency key.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from labwright.svgplot import PALETTE, Band, Chart, Series, render

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:22px 0 8px}
.summary td{padding:2px 14px 2px 0}.charts{display:flex;flex-wrap:wrap;gap:14px}
table.exp{border-collapse:collapse;font-size:12px}
table.exp td,table.exp th{border:1px solid #ddd;padding:3px 6px}
table.exp th{background:#f2f2f2}.infeasible{color:#b00}.failed{color:#888}.mono{font-family:monospace}
.swatch{display:inline-block;width:26px;height:26px;border:1px solid #999;margin:2px;vertical-align:middle}
.note{color:#555;font-size:12px}
"""


_RECORD_FIELDS = {"index", "round", "parameters", "status", "protocol_sha256", "measurement", "objectives"}


def _records(result: Any) -> list[Any]:
    from labwright.agents.campaign.store import ExperimentRecord

    return [ExperimentRecord(**e.model_dump(include=_RECORD_FIELDS)) for e in result.experiments]


def _curve(spec: Any, records: list[Any]) -> list[float | None]:
    from labwright.agents.campaign.results import best_so_far, hypervolume_trace

    if len(spec.objectives) == 1:
        return best_so_far(spec.objectives[0], records)
    return hypervolume_trace(list(spec.objectives), records)


def _baseline(spec: Any, seeds: int) -> list[list[float | None]]:
    from labwright.agents.campaign.baseline import simulate_campaign
    from labwright.agents.campaign.spec import with_overrides

    curves = []
    for k in range(seeds):
        random_spec = with_overrides(spec, optimizer="random", seed=spec.seed + 1000 + k)
        curves.append(_curve(spec, simulate_campaign(random_spec, stop_on_target=False)))
    return curves


def _progress_chart(spec: Any, result: Any, baseline: list[list[float | None]]) -> str:
    multi = len(spec.objectives) > 1
    records = _records(result)
    ys = _curve(spec, records)
    xs = [float(e.index) for e in records]
    label = "hypervolume" if multi else f"best {spec.objectives[0].name} so far"
    chart = Chart(
        title=("Hypervolume" if multi else "Best so far") + " vs experiments",
        x_label="experiments",
        y_label=label,
        element_id="chart-progress",
    )
    if baseline:
        n = max(len(c) for c in baseline)
        bx = [float(i + 1) for i in range(n)]
        cols = [[c[i] for c in baseline if i < len(c) and c[i] is not None] for i in range(n)]
        chart.bands.append(
            Band(
                f"random baseline on the twin: min-max of {len(baseline)}",
                bx,
                [min(c) if c else None for c in cols],
                [max(c) if c else None for c in cols],
            )
        )
        median = [statistics.median(c) if c else None for c in cols]
        chart.series.append(Series("random baseline: median", bx, median, "#7f7f7f", "step", True))
    chart.series.append(Series(f"this campaign ({result.optimizer})", xs, ys, PALETTE[0], "step", width=2.5))
    if not multi and spec.objectives[0].target is not None:
        chart.hlines.append((spec.objectives[0].target, f"target {spec.objectives[0].target:g}", "#2ca02c"))
    if result.target_reached_at:
        hit = result.target_reached_at
        label = f"target reached at experiment {hit}"
        chart.series.append(Series(label, [float(hit)], [ys[hit - 1]], "#2ca02c", "points"))
    return render(chart)


def _parameter_charts(spec: Any, result: Any) -> list[str]:
    out = []
    for i, p in enumerate(spec.parameters):
        ticks = {float(k): v for k, v in enumerate(p.values)} if p.type == "categorical" else None

        def value(e: Any, p: Any = p) -> float:
            v = e.parameters[p.name]
            return float(p.values.index(v)) if p.type == "categorical" else float(v)

        ok = [e for e in result.experiments if e.status == "measured"]
        bad = [e for e in result.experiments if e.status != "measured"]
        chart = Chart(
            title=f"{p.name}" + (f" ({p.unit})" if p.unit else ""),
            x_label="experiment",
            y_label=p.name,
            width=360,
            height=220,
            y_ticks_text=ticks,
            element_id=f"chart-param-{i}",
        )
        xs, ys = [float(e.index) for e in ok], [value(e) for e in ok]
        chart.series.append(Series("measured", xs, ys, PALETTE[0], "points"))
        if bad:
            xs, ys = [float(e.index) for e in bad], [value(e) for e in bad]
            chart.series.append(Series("infeasible / failed", xs, ys, "#d62728", "crosses"))
        out.append(render(chart))
    return out


def _pareto_chart(spec: Any, result: Any) -> str | None:
    if len(spec.objectives) < 2:
        return None
    a, b = spec.objectives[0], spec.objectives[1]
    measured = [e for e in result.experiments if e.status == "measured" and e.objectives]
    front_ids = {f["index"] for f in (result.best or {}).get("pareto_front", [])}
    front = sorted((e for e in measured if e.index in front_ids), key=lambda e: e.objectives[a.name])
    chart = Chart(
        title=f"Pareto front: {a.name} vs {b.name}",
        x_label=f"{a.name} ({a.direction})",
        y_label=f"{b.name} ({b.direction})",
        element_id="chart-pareto",
    )
    xs, ys = [e.objectives[a.name] for e in measured], [e.objectives[b.name] for e in measured]
    chart.series.append(Series("measured", xs, ys, "#9e9e9e", "points"))
    xs, ys = [e.objectives[a.name] for e in front], [e.objectives[b.name] for e in front]
    chart.series.append(Series("Pareto front", xs, ys, "#d62728", "line"))
    chart.series.append(Series("Pareto-optimal", xs, ys, "#d62728", "points"))
    return render(chart)


def _swatches(spec: Any, result: Any) -> str:
    cd = spec.objectives[0].colour_difference if len(spec.objectives) == 1 else None
    if cd is None:
        return ""
    from labwright.simulators.chemistry.cie import srgb_hex_from_xyz, xyz_from_lab

    target = srgb_hex_from_xyz(xyz_from_lab(cd.lab()))
    cells = [f'<span class="swatch" style="background:{target}" title="target"></span> target &nbsp; ']
    for e in result.experiments:
        if e.measurement and "srgb" in e.measurement:
            de = e.objectives.get(spec.objectives[0].name) if e.objectives else None
            title = f"experiment {e.index}" + (f": dE00 {de:.2f}" if de is not None else "")
            colour = escape(e.measurement["srgb"])
            cells.append(f'<span class="swatch" style="background:{colour}" title="{escape(title)}"></span>')
    return "<h2>Measured colours (display sRGB)</h2><div>" + "".join(cells) + "</div>"


def _table(spec: Any, result: Any) -> str:
    names = [p.name for p in spec.parameters]
    objectives = [o.name for o in spec.objectives]
    head = ["#", "round", "well", "status", *names, *objectives]
    head += ["protocol SHA-256", "certificate", "ledger run / key", "notes"]
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for e in result.experiments:
        cert = e.certificate or {}
        cert_text = (
            f"{escape(str(cert.get('signature', ''))[:16])}… {escape(str(cert.get('issued_at', ''))[:19])} "
            f"{escape(str(cert.get('verifier_version', '')))}"
            if cert
            else "-"
        )
        cells = [str(e.index), str(e.round), e.well, e.status]
        cells += [_num(e.parameters.get(n)) for n in names]
        cells += ["-" if not e.objectives else _num(e.objectives.get(o)) for o in objectives]
        notes = "; ".join(e.errors[:2])
        sha = escape(e.protocol_sha256 or "-")
        rows.append(
            f'<tr class="{escape(e.status)}">'
            + "".join(f"<td>{escape(c)}</td>" for c in cells)
            + f'<td class="mono" title="{sha}">{sha[:16]}</td>'
            + f'<td class="mono">{cert_text}</td>'
            + f'<td class="mono">{escape(e.ledger_run_id or "-")}<br>{escape(e.idempotency_key or "")}</td>'
            + f"<td>{escape(notes)}</td></tr>"
        )
    return '<table class="exp">' + "".join(rows) + "</table>"


def _num(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def render_report(result: Any, *, baseline_seeds: int = 5) -> str:
    from labwright.agents.campaign.spec import CampaignSpec

    spec = CampaignSpec.model_validate(_spec_of(result))
    baseline = _baseline(spec, baseline_seeds) if baseline_seeds > 0 else []
    best = result.best or {}
    if "index" in best:
        shown = ", ".join(f"{k} {_num(v)}" for k, v in best["objectives"].items())
        best_text = f"experiment {best['index']}: {shown}"
    else:
        n_front = len(best.get("pareto_front", []))
        best_text = f"Pareto front of {n_front} experiments, hypervolume {_num(best.get('hypervolume'))}"
    summary = {
        "run id": result.run_id,
        "state": f"{result.state}" + (f" ({result.stop_reason})" if result.stop_reason else ""),
        "optimizer / backend / twin": f"{result.optimizer} / {result.backend} / {result.twin}",
        "seed, budget, batch": f"{result.seed}, {result.budget}, {result.batch}",
        "experiments": ", ".join(f"{v} {k}" for k, v in result.counts.items() if v),
        "target reached at experiment": str(result.target_reached_at or "not reached"),
        "best": best_text,
        "ledger": result.ledger,
        "report written": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    charts = [_progress_chart(spec, result, baseline)]
    pareto = _pareto_chart(spec, result)
    if pareto:
        charts.append(pareto)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>campaign {escape(result.run_id)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Campaign {escape(result.name)}</h1>",
        f"<p class='note'>{escape(spec.description)}</p>",
        "<table class='summary'>"
        + "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in summary.items())
        + "</table>",
        "<h2>Progress</h2><div class='charts'>" + "".join(charts) + "</div>",
        "<p class='note'>The random baseline: campaigns of the same file with uniform random proposals, "
        "simulated on the chemistry twin (each protocol verified and measured from the deck-twin replay, "
        "never dispatched).</p>",
        _swatches(spec, result),
        "<h2>Parameter trajectories</h2>",
        "<div class='charts'>" + "".join(_parameter_charts(spec, result)) + "</div>",
        "<h2>Experiments</h2>",
        _table(spec, result),
        "</body></html>",
    ]
    return "\n".join(parts)


def _spec_of(result: Any) -> dict[str, Any]:
    from labwright.agents.campaign.store import CampaignStore
    from labwright.hardware.ledger import Ledger

    return CampaignStore(Ledger(result.ledger)).get(result.run_id).spec


def write_report(result: Any, output: str | Path, *, baseline_seeds: int = 5) -> Path:
    path = Path(output)
    html = render_report(result, baseline_seeds=baseline_seeds)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path.resolve()
