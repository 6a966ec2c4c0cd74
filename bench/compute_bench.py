"""Computational modules bench: one run prints every figure of issue 7.

- MLIP (MACE via mace-torch): accuracy and training time on held-out EMT Cu, fine-tuning
  forgetting with and without replay  (bench/compute_bench_mlip.py)
- Structure search: LJ38 success per seed vs a plain basin-hopping baseline
  (bench/compute_bench_structure.py)
- Inverse design: graph GA / SELFIES GA vs random sampling over the same RDKit molecules at the
  same budget  (bench/compute_bench_design.py)

Slow (tens of minutes on 2 cores). Run one part with ``--only mlip|structure|design``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

PARTS = ("mlip", "structure", "design")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    args, rest = parser.parse_known_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for part in args.only or PARTS:
        print(f"\n===== {part} =====", flush=True)
        module = importlib.import_module(f"compute_bench_{part}")
        module.main(rest)


if __name__ == "__main__":  # Dask's worker processes re-import this module: keep the guard
    main()
