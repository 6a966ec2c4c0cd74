"""Exact Lennard-Jones clusters: a fast vectorised energy and gradient, and an ASE calculator.

Reduced units (epsilon = sigma = 1 unless given), no cutoff, no shift: the textbook potential
``E = 4 eps sum_{i<j} [(sigma/r_ij)^12 - (sigma/r_ij)^6]`` whose cluster global minima are tabulated
in the Cambridge Cluster Database (Wales & Doye, J. Phys. Chem. A 101, 5111 (1997)).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from labwright.protocols.errors import ConfigurationError

#: Putative global minima (reduced units) from the Cambridge Cluster Database, for tests and benches.
KNOWN_LJ_MINIMA: dict[int, float] = {
    13: -44.326801,
    38: -173.928427,
    # the hard cases: Marks decahedra (75-77), Leary tetrahedron (98), decahedra (102-104)
    75: -397.492331,
    76: -402.894866,
    77: -409.083517,
    98: -543.665361,
    102: -569.363652,
    103: -575.766131,
    104: -582.086642,
}


def lj_energy_gradient(positions: np.ndarray) -> tuple[float, np.ndarray]:
    """Energy and gradient (dE/dx, shape (N, 3)) of an LJ cluster in reduced units, no cutoff."""
    x = np.asarray(positions, dtype=float).reshape(-1, 3)
    d = x[:, None, :] - x[None, :, :]
    r2 = np.einsum("ijk,ijk->ij", d, d)
    np.fill_diagonal(r2, np.inf)
    ir2 = 1.0 / r2
    ir6 = ir2 * ir2 * ir2
    energy = 2.0 * float(np.sum(ir6 * (ir6 - 1.0)))  # 4 * (1/2 over ordered pairs)
    coef = (24.0 * ir6 - 48.0 * ir6 * ir6) * ir2
    grad = np.einsum("ij,ijk->ik", coef, d)
    return energy, grad


def lj_atom_energies(positions: np.ndarray) -> np.ndarray:
    """Per-atom energies (half of each pair's energy): the least bound atoms have the highest."""
    x = np.asarray(positions, dtype=float).reshape(-1, 3)
    d = x[:, None, :] - x[None, :, :]
    r2 = np.einsum("ijk,ijk->ij", d, d)
    np.fill_diagonal(r2, np.inf)
    ir6 = 1.0 / (r2 * r2 * r2)
    return 2.0 * np.sum(ir6 * (ir6 - 1.0), axis=1)


def lj_site_energies(positions: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Energy of one more particle placed at each of ``sites`` (K, 3), with the cluster fixed."""
    x = np.asarray(positions, dtype=float).reshape(-1, 3)
    s = np.asarray(sites, dtype=float).reshape(-1, 3)
    d = s[:, None, :] - x[None, :, :]
    r2 = np.einsum("kij,kij->ki", d, d)
    ir6 = 1.0 / (r2 * r2 * r2)
    return 4.0 * np.sum(ir6 * (ir6 - 1.0), axis=1)


def _flat_lj(flat: np.ndarray) -> tuple[float, np.ndarray]:
    energy, grad = lj_energy_gradient(flat)
    return energy, grad.ravel()


def lj_relax(
    positions: np.ndarray, *, gtol: float = 1e-5, max_iterations: int = 5000
) -> tuple[np.ndarray, float, int]:
    """Local minimisation of an LJ cluster with scipy's L-BFGS-B.

    Returns (positions, energy, number of energy+gradient evaluations).
    """
    from labwright.simulators.compute.structure.threads import single_threaded_blas
    from scipy.optimize import minimize

    x0 = np.asarray(positions, dtype=float).ravel()
    with single_threaded_blas():
        res = minimize(
            _flat_lj,
            x0,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": max_iterations, "gtol": gtol, "maxcor": 10, "ftol": 1e-14},
        )
    return res.x.reshape(-1, 3), float(res.fun), int(res.nfev)


def make_lj_calculator(epsilon: float = 1.0, sigma: float = 1.0) -> Any:
    """An ASE calculator for the exact (no cutoff) Lennard-Jones potential of a cluster.

    Built lazily so importing this module does not import ASE.
    """
    from ase.calculators.calculator import Calculator, all_changes

    class LennardJonesCluster(Calculator):
        """Exact Lennard-Jones energy and forces for a finite cluster (no cutoff, no PBC)."""

        implemented_properties = ["energy", "free_energy", "forces", "energies"]
        default_parameters = {"epsilon": 1.0, "sigma": 1.0}

        def calculate(
            self,
            atoms: Any = None,
            properties: Any = ("energy",),
            system_changes: Any = all_changes,
        ) -> None:
            super().calculate(atoms, properties, system_changes)
            if self.atoms.pbc.any():
                raise ConfigurationError(
                    "the exact Lennard-Jones calculator has no cutoff and handles clusters only",
                    hint="use --calculator emt (or ase.calculators.lj.LennardJones with a cutoff) "
                    "for periodic cells",
                )
            eps = float(self.parameters["epsilon"])
            sig = float(self.parameters["sigma"])
            scaled = self.atoms.positions / sig
            energy, grad = lj_energy_gradient(scaled)
            self.results["energy"] = eps * energy
            self.results["free_energy"] = eps * energy
            self.results["forces"] = -eps * grad / sig
            self.results["energies"] = eps * lj_atom_energies(scaled)

    return LennardJonesCluster(epsilon=epsilon, sigma=sigma)
