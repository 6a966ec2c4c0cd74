"""Local relaxation with any ASE calculator.

Clusters: positions only, scipy's L-BFGS-B on the calculator's energy and forces (fast, robust).
Periodic cells: positions and cell together through an ASE cell filter (UnitCellFilter by default,
FrechetCellFilter on request: about 3x slower per step here, for its matrix logarithms) with a
scalar external pressure, so the quantity minimised is the enthalpy H = U + pV.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

log = logging.getLogger(__name__)


def gpa_to_ev_per_a3(pressure_gpa: float) -> float:
    from ase.units import GPa

    return float(pressure_gpa * GPa)


@dataclass
class Relaxed:
    """Result of one local relaxation."""

    atoms: Any
    energy: float  # U
    enthalpy: float  # U + pV (== energy for clusters)
    evaluations: int
    converged: bool
    fmax: float


def enthalpy(atoms: Any, energy: float, pressure_gpa: float) -> float:
    """H = U + pV for periodic atoms (U for clusters); p in GPa, V in A^3, H in eV."""
    if not atoms.pbc.any():
        return energy
    return float(energy + gpa_to_ev_per_a3(pressure_gpa) * atoms.get_volume())


def relax_cluster(atoms: Any, calculator: Any, *, fmax: float = 0.01, max_steps: int = 2000) -> Relaxed:
    """Relax the positions of a finite cluster with scipy L-BFGS-B on ``calculator``."""
    from scipy.optimize import minimize

    work = atoms.copy()
    work.calc = calculator
    count = 0

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal count
        count += 1
        work.positions = flat.reshape(-1, 3)
        e = float(work.get_potential_energy())
        return e, -work.get_forces().ravel()

    res = minimize(
        fun,
        work.positions.ravel(),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_steps, "gtol": fmax / 3.0, "ftol": 1e-15, "maxcor": 20},
    )
    work.positions = res.x.reshape(-1, 3)
    energy = float(work.get_potential_energy())
    f = float(np.max(np.linalg.norm(work.get_forces(), axis=1))) if len(work) else 0.0
    out = work.copy()
    out.calc = None
    return Relaxed(out, energy, energy, count, f <= fmax * 1.0001, f)


def relax_periodic(
    atoms: Any,
    calculator: Any,
    *,
    pressure_gpa: float = 0.0,
    fmax: float = 0.01,
    max_steps: int = 1000,
    relax_cell: bool = True,
    cell_filter: Literal["unitcell", "frechet"] = "unitcell",
) -> Relaxed:
    """Relax positions (and the cell, by default) of a periodic structure at a given pressure."""
    from ase.filters import FrechetCellFilter, UnitCellFilter
    from ase.optimize import BFGS

    work = atoms.copy()
    work.calc = calculator
    target: Any = work
    if relax_cell:
        kind = FrechetCellFilter if cell_filter == "frechet" else UnitCellFilter
        target = kind(work, scalar_pressure=gpa_to_ev_per_a3(pressure_gpa))
    opt = BFGS(target, logfile=None, maxstep=0.2)
    converged = False
    try:
        converged = bool(opt.run(fmax=fmax, steps=max_steps))
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        log.debug("relaxation failed: %s", exc)
    energy = float(work.get_potential_energy())
    forces = target.get_forces()
    f = float(np.max(np.linalg.norm(forces, axis=1))) if len(forces) else 0.0
    out = work.copy()
    out.calc = None
    return Relaxed(out, energy, enthalpy(out, energy, pressure_gpa), opt.nsteps + 1, converged, f)


def relax(
    atoms: Any,
    calculator: Any,
    *,
    pressure_gpa: float = 0.0,
    fmax: float = 0.01,
    max_steps: int = 1000,
) -> Relaxed:
    """Relax a cluster (positions) or a periodic cell (positions and cell, enthalpy at pressure)."""
    from labwright.simulators.compute.structure.threads import single_threaded_blas

    with single_threaded_blas():
        if atoms.pbc.any():
            return relax_periodic(
                atoms, calculator, pressure_gpa=pressure_gpa, fmax=fmax, max_steps=max_steps
            )
        return relax_cluster(atoms, calculator, fmax=fmax, max_steps=max_steps)
