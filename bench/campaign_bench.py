"""Closed-loop campaigns on the chemistry twins: the optimiser against random, several seeds.

Each campaign is run as a user runs it: ``run_campaign`` with the example file, through the
verifier, the dispatcher and a (temporary) run ledger to the ``twin`` backend, whose chemistry
twin measures. Per twin and optimiser it prints the per-seed figures and their medians:

* colour (``colour_match.yaml``): experiments until CIEDE2000 < the file's target (2), and the
  best colour difference at the end. Random search runs ``--random-colour-budget`` experiments
  (default 200) so that "random needs hundreds" is measured, not assumed;
* SnAr (``snar_pareto.yaml``): the hypervolume of (space-time yield, E-factor) after 50
  experiments, at the file's reference point (STY 3000 kg m^-3 h^-1, E-factor 15) and at a
  wide one (STY 0, E-factor 100), and the ratio of the medians (optimiser / random, same run);
* catalyst case (``catalyst_selection.yaml``): experiments until the yield is within 2 % of the
  case's noise-free optimum over the file's domain (computed here, ``best_yield``), and the
  best yield at the end.

    python bench/campaign_bench.py                 # 5 seeds, every twin
    python bench/campaign_bench.py --seeds 2 --twins colour
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "colour": ROOT / "examples" / "campaigns" / "colour_match.yaml",
    "snar": ROOT / "examples" / "campaigns" / "snar_pareto.yaml",
    "mit": ROOT / "examples" / "campaigns" / "catalyst_selection.yaml",
}
WIDE_SNAR_REFERENCE = {"sty": 0.0, "e_factor": 100.0}


def _run(spec: Any, store: Path) -> Any:
    from labwright.agents.campaign import run_campaign

    return run_campaign(spec, store=store)


def _best(spec: Any, result: Any) -> float | None:
    o = spec.objectives[0]
    values = [e.objectives[o.name] for e in result.experiments if e.status == "measured" and e.objectives]
    if not values:
        return None
    return min(values) if o.direction == "minimise" else max(values)


def _hv(spec: Any, result: Any, reference: dict[str, float] | None = None) -> float:
    from labwright.agents.campaign.results import hypervolume_trace
    from labwright.agents.campaign.store import ExperimentRecord

    objectives = [
        o if reference is None else o.model_copy(update={"reference": reference[o.name]})
        for o in spec.objectives
    ]
    records = [
        ExperimentRecord(**e.model_dump(include={"index", "round", "parameters", "status", "objectives"}))
        for e in result.experiments
    ]
    return float(hypervolume_trace(objectives, records)[-1] or 0.0)


def _spec(twin: str, optimizer: str, seed: int, args: argparse.Namespace) -> Any:
    from labwright.agents.campaign.spec import load_campaign, with_overrides

    spec = load_campaign(FILES[twin])
    overrides: dict[str, Any] = {"seed": seed, "optimizer": optimizer}
    if twin == "colour" and optimizer == "random":
        overrides["budget"] = args.random_colour_budget
    if args.budget is not None:  # smoke runs
        overrides["budget"] = args.budget
    if twin == "mit":
        target = args.mit_target
        objective = spec.objectives[0].model_copy(update={"target": target})
        spec = spec.model_copy(update={"objectives": [objective]})
    return with_overrides(spec, **overrides)


def _median(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return "-" if not known else f"{statistics.median(known):.4g}"


def _hits_text(hits: list[int | None], budget: int) -> tuple[str, str]:
    shown = ", ".join(str(h) if h else f">{budget}" for h in hits)
    ordered = sorted(h if h else budget + 1 for h in hits)
    med = statistics.median(ordered)
    med_text = f">{budget}" if med > budget else f"{med:g}"
    return shown, med_text


def bench_twin(twin: str, args: argparse.Namespace) -> None:
    rows: dict[str, list[Any]] = {}
    for optimizer in ("bo", "random"):
        results = []
        for seed in range(args.seeds):
            spec = _spec(twin, optimizer, seed, args)
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                result = _run(spec, Path(tmp) / "ledger.sqlite")
                elapsed = time.perf_counter() - start
            results.append((spec, result, elapsed))
        rows[optimizer] = results
        wall = sum(r[2] for r in results)
        spec = results[0][0]
        if twin == "snar":
            file_hv = [_hv(s, r) for s, r, _ in results]
            wide_hv = [_hv(s, r, WIDE_SNAR_REFERENCE) for s, r, _ in results]
            infeasible = [r.counts.get("infeasible", 0) for _, r, _ in results]
            print(
                f"snar    {optimizer:6s} hypervolume after {spec.budget} experiments, file reference "
                f"(STY 3000, E 15): {', '.join(f'{v:.0f}' for v in file_hv)} (median {_median(file_hv)}); "
                f"wide reference (STY 0, E 100): {', '.join(f'{v:.0f}' for v in wide_hv)} "
                f"(median {_median(wide_hv)}); infeasible proposals {infeasible}; {wall:.0f} s",
                flush=True,
            )
            continue
        hits = [r.target_reached_at for _, r, _ in results]
        shown, med = _hits_text(hits, spec.budget)
        bests = [_best(s, r) for s, r, _ in results]
        o = spec.objectives[0]
        within = sum(1 for h in hits if h is not None and h <= args.within)
        print(
            f"{twin:7s} {optimizer:6s} experiments to {o.name} {'<' if o.direction == 'minimise' else '>='} "
            f"{o.target:.4g}: {shown} (median {med}; {within}/{len(hits)} within {args.within}); final best "
            f"{o.name}: {', '.join(f'{b:.3f}' if b is not None else '-' for b in bests)} "
            f"(median {_median(bests)}); budget {spec.budget}; {wall:.0f} s",
            flush=True,
        )
    if twin == "snar":
        for label, ref in (("file", None), ("wide", WIDE_SNAR_REFERENCE)):
            bo = statistics.median([_hv(s, r, ref) for s, r, _ in rows["bo"]])
            rnd = statistics.median([_hv(s, r, ref) for s, r, _ in rows["random"]])
            ratio = bo / rnd if rnd else float("inf")
            print(f"snar    hypervolume ratio bo/random ({label} reference): {ratio:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--twins", default="colour,snar,mit")
    parser.add_argument("--random-colour-budget", type=int, default=200)
    parser.add_argument("--within", type=int, default=25, help="count seeds reaching the target within N")
    parser.add_argument("--budget", type=int, default=None, help="override every budget (smoke runs)")
    args = parser.parse_args(argv)
    twins = args.twins.split(",")
    unknown = [t for t in twins if t not in FILES]
    if unknown:
        parser.error(f"unknown twin(s) {unknown}; choose from {', '.join(FILES)}")
    if "mit" in twins:
        from labwright.agents.campaign.spec import load_campaign
        from labwright.simulators.chemistry.mit_kinetics import best_yield

        spec = load_campaign(FILES["mit"])
        bounds = {p.name: (p.low, p.high) for p in spec.parameters if p.type != "categorical"}
        optimum, where = best_yield(
            int(spec.twin.options.get("case", 1)),
            (bounds["loading"][0] * 1e-3, bounds["loading"][1] * 1e-3),
            bounds["time"],
            bounds["temperature"],
        )
        args.mit_target = 98.0 * optimum
        print(
            f"mit     case optimum {100 * optimum:.2f} % at catalyst {where['catalyst']}, "
            f"{where['loading_m'] * 1e3:.3f} mM, {where['seconds']:.0f} s, {where['celsius']:.1f} degC; "
            f"target {args.mit_target:.2f} %",
            flush=True,
        )
    np.seterr(all="ignore")
    for twin in twins:
        bench_twin(twin, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
