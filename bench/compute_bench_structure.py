"""Structure-search section of the compute bench: LJ38 success per seed, labwright's basin
hopping (surface moves + occasional jumping) vs a plain basin-hopping baseline.

Both methods get the same budget per seed (10,000 basin-hopping steps; one step = one local
relaxation, plus the occasional re-relaxation when the container pulls an escaped atom back) and
stop as soon as the putative global minimum of the Cambridge Cluster Database (-173.928427,
fcc truncated octahedron) is found. The baseline is Wales & Doye's plain loop: random
displacement of every atom, Metropolis acceptance at kT = 0.8 epsilon, step size adapted to 50%
acceptance, the same container; no surface moves, no jumping.

    .venv/bin/python bench/compute_bench_structure.py [--seeds 1 2 3 4 5] [--steps 10000]
        [--workers N] [--scheduler tcp://HOST:PORT] [--only labwright|plain]

The figures printed are what was measured on this run (timings depend on the machine's load).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

LJ38_GLOBAL_MINIMUM = -173.928427
LJ38_ICOSAHEDRAL_MINIMUM = -173.252378  # the second funnel's bottom (Doye, Miller & Wales 1999)


@dataclass(frozen=True)
class Job:
    method: str  # "labwright" or "plain"
    seed: int
    steps: int


@dataclass
class Row:
    method: str
    seed: int
    found: bool
    first_hit_step: int | None
    steps: int
    relaxations: int
    best_energy: float
    seconds: float


def _settings(job: Job):
    from labwright.simulators.compute.structure.basin_hopping import BasinHoppingSettings
    from labwright.simulators.compute.structure.search import SearchSettings

    if job.method == "plain":
        bh = BasinHoppingSettings(surface_move_probability=0.0, jump_after=None)
    else:
        bh = BasinHoppingSettings()
    return SearchSettings(
        composition="LJ38",
        method="basin-hopping",
        steps=job.steps,
        seed=job.seed,
        stop_energy=LJ38_GLOBAL_MINIMUM,
        basin_hopping=bh,
    )


def run_job(job: Job) -> Row:
    from labwright.simulators.compute.structure.search import search

    started = time.perf_counter()
    outcome = search(_settings(job))
    run = outcome.result.runs[0]
    return Row(
        method=job.method,
        seed=job.seed,
        found=run.first_hit_step is not None,
        first_hit_step=run.first_hit_step,
        steps=run.steps,
        relaxations=run.relaxations,
        best_energy=run.best_energy,
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the bench and print its figures; ``argv`` None means the defaults (not sys.argv), so
    bench/compute_bench.py can call ``main()`` as one section of its run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--only", choices=["labwright", "plain"], default=None)
    args = parser.parse_args([] if argv is None else argv)

    from labwright.simulators.compute.cluster import run_tasks

    methods = [args.only] if args.only else ["labwright", "plain"]
    jobs = [Job(m, s, args.steps) for m in methods for s in args.seeds]
    print(f"LJ38 basin hopping, {args.steps} steps per seed, target {LJ38_GLOBAL_MINIMUM}")
    print(
        f"{'method':10} {'seed':>4} {'found':>5} {'hit at step':>11} {'steps':>6} "
        f"{'relax':>6} {'best energy':>12} {'seconds':>8}"
    )

    def show(r: Row) -> None:
        hit = "-" if r.first_hit_step is None else str(r.first_hit_step)
        print(
            f"{r.method:10} {r.seed:>4} {'yes' if r.found else 'no':>5} {hit:>11} "
            f"{r.steps:>6} {r.relaxations:>6} {r.best_energy:>12.6f} {r.seconds:>8.1f}",
            flush=True,
        )

    if args.workers == 1 and args.scheduler is None:
        rows = []
        for job in jobs:  # in-process: print each seed as it finishes
            rows.append(run_job(job))
            show(rows[-1])
    else:
        rows = run_tasks(run_job, jobs, workers=args.workers, scheduler=args.scheduler)
        for r in rows:
            show(r)
    for m in methods:
        mine = [r for r in rows if r.method == m]
        hits = [r.first_hit_step for r in mine if r.found]
        mean = f", mean hit step {sum(hits) / len(hits):.0f}" if hits else ""
        print(
            f"{m}: global minimum in {len(hits)}/{len(mine)} seeds within {args.steps} steps"
            f"{mean}; {sum(r.seconds for r in mine):.0f} s in total"
        )
        budgets = sorted({b for b in (1000, 2500, 5000, args.steps) if b <= args.steps})
        within = ", ".join(
            f"{sum(1 for h in hits if h <= b)}/{len(mine)} within {b}" for b in budgets
        )
        print(f"{m}: {within}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
