"""Energy landscapes of clusters for basin hopping: exact LJ (fast path) or any ASE calculator.

A landscape gives energy and gradient for flat (N*3) coordinates and a local minimiser (scipy's
L-BFGS-B). An optional *compression* first phase minimises E + mu * sum |x_i - centroid|^2 and then
the true energy from there: a two-phase local search that favours compact, spherical minima
(after Locatelli & Schoen, Comput. Optim. Appl. 26, 173 (2003), who add a compacting term to the
LJ energy in the first phase of their monotonic basin hopping).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from labwright.simulators.compute.structure.lennard_jones import (
    lj_atom_energies,
    lj_energy_gradient,
    lj_site_energies,
)

EnergyGradient = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass
class LocalMinimum:
    positions: np.ndarray
    energy: float
    evaluations: int


@dataclass
class ClusterLandscape:
    """Energy and gradient of a cluster of ``symbols``; counts evaluations."""

    symbols: list[str]
    energy_gradient: EnergyGradient
    gtol: float = 1e-5
    max_iterations: int = 5000
    atom_energies: Callable[[np.ndarray], np.ndarray] | None = None
    site_energies: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    #: compiled quench (positions, compression mu, rms gtol) -> (positions, energy, evaluations);
    #: used instead of scipy when set (Lennard-Jones with numba, see ``lj_fast``)
    fast_quench: Callable[[np.ndarray, float, float], tuple[np.ndarray, float, int]] | None = None
    isolated_atom_energies: dict[str, float] = field(default_factory=dict)
    evaluations: int = 0
    relaxations: int = 0
    _last: dict[str, Any] = field(default_factory=dict)

    @property
    def n_atoms(self) -> int:
        return len(self.symbols)

    def isolated_energy(self) -> float:
        """Sum of isolated-atom energies (0 when unknown, as for Lennard-Jones)."""
        return float(sum(self.isolated_atom_energies.get(s, 0.0) for s in self.symbols))

    def _objective(self, compression: float) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
        def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
            self.evaluations += 1
            x = flat.reshape(-1, 3)
            e, g = self.energy_gradient(x)
            if compression:
                c = x - x.mean(axis=0)
                e = e + compression * float(np.sum(c * c))
                g = g + 2.0 * compression * c
            return e, np.ravel(g)

        return fun

    def minimise(self, positions: np.ndarray, compression: float = 0.0) -> LocalMinimum:
        """Local minimum from ``positions``; with ``compression`` > 0, two phases (see above)."""
        from scipy.optimize import minimize

        start = self.evaluations
        x = np.asarray(positions, dtype=float).ravel()
        phases = [compression, 0.0] if compression else [0.0]
        energy = 0.0
        if self.fast_quench is not None:
            y = x.reshape(-1, 3)
            for mu in phases:
                y, energy, evals = self.fast_quench(y, mu, self.gtol * (10.0 if mu else 1.0))
                self.evaluations += evals
            self.relaxations += 1
            return LocalMinimum(y, float(energy), self.evaluations - start)
        for mu in phases:
            res = minimize(
                self._objective(mu),
                x,
                jac=True,
                method="L-BFGS-B",
                options={
                    "maxiter": self.max_iterations,
                    "gtol": self.gtol * (10.0 if mu else 1.0),
                    "ftol": 1e-14,
                    "maxcor": 10,
                },
            )
            x = res.x
            energy = float(res.fun)
        self.relaxations += 1
        return LocalMinimum(x.reshape(-1, 3), energy, self.evaluations - start)


def _lj_fast_quench(positions: np.ndarray, mu: float, rms_gtol: float) -> tuple[np.ndarray, float, int]:
    from labwright.simulators.compute.structure.lj_fast import quench

    x, energy, evals, _ = quench(positions, compression=mu, rms_gtol=rms_gtol)
    return x, energy, evals


def lj_landscape(n_atoms: int, symbol: str = "Ar", *, compiled: bool = True) -> ClusterLandscape:
    """The exact Lennard-Jones landscape (reduced units) of ``n_atoms`` particles.

    ``compiled`` (the default, when numba is installed) quenches with the compiled L-BFGS of
    ``lj_fast`` to an RMS gradient of 1e-5; otherwise scipy's L-BFGS-B with gtol 1e-5 (max
    gradient component) is used, ~20x slower for LJ75.
    """
    from labwright.simulators.compute.structure.lj_fast import HAVE_NUMBA, RMS_GTOL

    fast = compiled and HAVE_NUMBA
    return ClusterLandscape(
        [symbol] * n_atoms,
        lj_energy_gradient,
        gtol=RMS_GTOL if fast else 1e-5,
        atom_energies=lj_atom_energies,
        site_energies=lj_site_energies,
        fast_quench=_lj_fast_quench if fast else None,
    )


def calculator_landscape(symbols: list[str], calculator: Any, fmax: float = 0.01) -> ClusterLandscape:
    """A landscape driven by any ASE calculator (energy and forces)."""
    from ase import Atoms

    atoms = Atoms(symbols, positions=np.zeros((len(symbols), 3)), pbc=False)
    atoms.calc = calculator

    def energy_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        atoms.positions = x
        return float(atoms.get_potential_energy()), -atoms.get_forces()

    isolated = {}
    for symbol in sorted(set(symbols)):
        single = Atoms(symbol, positions=[[0.0, 0.0, 0.0]], pbc=False)
        single.calc = calculator
        isolated[symbol] = float(single.get_potential_energy())
    return ClusterLandscape(
        list(symbols),
        energy_gradient,
        gtol=fmax / np.sqrt(3.0),
        isolated_atom_energies=isolated,
    )
