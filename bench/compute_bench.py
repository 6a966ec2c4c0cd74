"""Computational modules bench: one run prints every figure of issue 7.

- MLIP (MACE via mace-torch): accuracy and training time on held-out EMT Cu, fine-tuning
  forgetting with and without replay  (bench/compute_bench_mlip.py)
- Structure search: LJ38 success per seed vs a plain basin-hopping baseline
  (bench/compute_bench_structure.py)
- Inverse design: graph GA / SELFIES GA vs random sampling over the same RDKit molecules at the
  same budget  (bench/compute_bench_design.py)

    .venv/bin/python bench/compute_bench.py --workers 2            # everything (~35 min, 2 cores)
    .venv/bin/python bench/compute_bench.py --only mlip --mlip-seed 5
    .venv/bin/python bench/compute_bench.py --only structure --workers 2 --seeds 1 2 3 4 5

Each part can also run alone (its own script, with more options).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

PARTS = ("mlip", "structure", "design")


def part_argv(part: str, args: argparse.Namespace) -> list[str]:
    """The options of this run that the part's own ``main`` understands."""
    if part == "mlip":
        return ["--seed", str(args.mlip_seed), "--threads", str(args.threads)]
    if part == "structure":
        argv = ["--workers", str(args.workers), "--steps", str(args.steps)]
        argv += ["--seeds", *map(str, args.seeds)]
        return argv + (["--scheduler", args.scheduler] if args.scheduler else [])
    return ["--quick"] if args.quick else []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for MLIP training (target: 2)")
    parser.add_argument("--mlip-seed", type=int, default=0, help="seed of the MLIP data and training")
    parser.add_argument("--workers", type=int, default=1, help="Dask workers for the LJ38 runs")
    parser.add_argument("--scheduler", default=None, help="existing Dask scheduler for the LJ38 runs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5], help="LJ38 seeds")
    parser.add_argument("--steps", type=int, default=10_000, help="LJ38 basin-hopping steps per seed")
    parser.add_argument("--quick", action="store_true", help="design: QED tasks only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for part in args.only or PARTS:
        print(f"\n===== {part} =====", flush=True)
        module = importlib.import_module(f"compute_bench_{part}")
        module.main(part_argv(part, args))


if __name__ == "__main__":  # Dask's worker processes re-import this module: keep the guard
    main()
