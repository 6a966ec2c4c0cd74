"""Inverse-design section of the compute bench: GA results vs a random screen of the same RDKit
molecules at the same budget of unique oracle calls.

    .venv/bin/python bench/compute_bench_design.py            # every task (~15 min, 2 busy cores)
    .venv/bin/python bench/compute_bench_design.py --quick    # QED and QED+SA only (minutes)
    .venv/bin/python bench/compute_bench_design.py --json     # one JSON object on stdout

Tasks (seeds 0, 1, 2 each):
  qed            QED, 1,000 calls                 target: best >= 0.94
  qed+sa         QED and SA (geometric mean), 1,000 calls
  gap            QED and a GFN2-xTB HOMO-LUMO gap window 3-4 eV (tblite), 300 calls
  rediscovery    ECFP4 similarity to celecoxib, 10,000 calls, seed pool without molecules
                 above 0.323 similarity            target: best >= 0.8 in 2 of 3 seeds (graph GA)

``main()`` prints the measured figures; ``run_bench()`` returns them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    name: str
    objectives: tuple[str, ...]
    budget: int
    methods: tuple[str, ...]
    target: float | None = None
    slow: bool = False
    extra: tuple[tuple[str, Any], ...] = ()


TASKS = (
    Task("qed", ("qed",), 1000, ("graph-ga", "selfies-ga", "random"), target=0.94),
    Task("qed+sa", ("qed", "sa"), 1000, ("graph-ga", "selfies-ga", "random")),
    Task(
        "gap",
        ("qed", "gap:3:4"),
        300,
        ("graph-ga", "random"),
        slow=True,
        extra=(("population_size", 50), ("offspring_size", 50), ("max_heavy_atoms", 30)),
    ),
    Task(
        "rediscovery",
        ("similarity:celecoxib",),
        10_000,
        ("graph-ga", "selfies-ga", "random"),
        target=0.8,
        slow=True,
    ),
)
SEEDS = (0, 1, 2)


def run_task(task: Task, method: str, seed: int) -> dict[str, Any]:
    from labwright.simulators.compute.design.models import DesignConfig
    from labwright.simulators.compute.design.run import run_design

    config = DesignConfig(
        objectives=list(task.objectives),
        method=method,  # type: ignore[arg-type]
        budget=task.budget,
        seed=seed,
        **dict(task.extra),
    )
    started = time.perf_counter()
    result = run_design(config)
    return {
        "task": task.name,
        "method": method,
        "seed": seed,
        "calls": result.calls,
        "best": round(result.best_score, 4),
        "top10_mean": round(result.top10_mean, 4),
        "auc_top10": round(result.auc_top10, 4),
        "best_smiles": result.top[0].smiles if result.top else None,
        "restarts": result.restarts,
        "seconds": round(time.perf_counter() - started, 1),
        "held_out": result.seed_pool.held_out,
    }


def run_bench(quick: bool = False, log: Any = None) -> dict[str, Any]:
    rows = []
    for task in TASKS:
        if quick and task.slow:
            continue
        for method in task.methods:
            for seed in SEEDS:
                row = run_task(task, method, seed)
                rows.append(row)
                if log:
                    log(
                        f"{row['task']:12s} {row['method']:10s} seed {seed}: "
                        f"best {row['best']:.4f}  top10 {row['top10_mean']:.4f}  "
                        f"AUC {row['auc_top10']:.4f}  calls {row['calls']}  "
                        f"{row['seconds']:.0f} s  {row['best_smiles']}"
                    )
    summary = []
    for task in TASKS:
        for method in task.methods:
            sel = [r for r in rows if r["task"] == task.name and r["method"] == method]
            if not sel:
                continue
            entry = {
                "task": task.name,
                "method": method,
                "budget": task.budget,
                "best_per_seed": [r["best"] for r in sel],
                "mean_best": round(statistics.mean(r["best"] for r in sel), 4),
                "mean_auc_top10": round(statistics.mean(r["auc_top10"] for r in sel), 4),
                "mean_top10": round(statistics.mean(r["top10_mean"] for r in sel), 4),
                "mean_seconds": round(statistics.mean(r["seconds"] for r in sel), 1),
            }
            if task.target is not None:
                entry["target"] = task.target
                entry["seeds_reaching_target"] = sum(r["best"] >= task.target for r in sel)
            summary.append(entry)
    return {"runs": rows, "summary": summary}


def _print_summary(result: dict[str, Any]) -> None:
    print()
    print("design bench: GA vs random screen of RDKit's bundled molecules (same budget)")
    header = (
        f"{'task':12s} {'method':10s} {'budget':>6s} {'best per seed':24s} {'mean AUC':>8s} "
        f"{'mean top10':>10s} {'target':>14s} {'s/run':>6s}"
    )
    print(header)
    print("-" * len(header))
    for e in result["summary"]:
        target = ""
        if "target" in e:
            target = f">={e['target']}: {e['seeds_reaching_target']}/{len(e['best_per_seed'])}"
        bests = ", ".join(f"{b:.3f}" for b in e["best_per_seed"])
        print(
            f"{e['task']:12s} {e['method']:10s} {e['budget']:>6d} {bests:24s} "
            f"{e['mean_auc_top10']:>8.4f} {e['mean_top10']:>10.4f} {target:>14s} "
            f"{e['mean_seconds']:>6.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow tasks")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    log = None if args.json else (lambda line: print(line, flush=True))
    result = run_bench(quick=args.quick, log=log)
    if args.json:
        print(json.dumps(result))
    else:
        _print_summary(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
