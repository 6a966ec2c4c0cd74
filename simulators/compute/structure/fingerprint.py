"""Structure fingerprints for removing duplicate minima.

Clusters: the sorted list of all interatomic distances (invariant to translation, rotation,
reflection and permutation of like atoms). Periodic cells: a Gaussian-smeared pair-distance
histogram per atom, density-normalised (in the spirit of Oganov & Valle, J. Chem. Phys. 130,
104504 (2009)), which does not depend on the choice of cell or supercell.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CLUSTER_DISTANCE_TOL = 0.03  # largest allowed |d_i - d_i'| between sorted distances
PERIODIC_COSINE_TOL = 0.005  # largest allowed cosine distance between distance histograms


def cluster_fingerprint(positions: np.ndarray, numbers: np.ndarray | None = None) -> np.ndarray:
    """Sorted interatomic distances of a cluster, one sorted block per pair of species (so
    swapping unlike atoms changes it; swapping like atoms does not)."""
    x = np.asarray(positions, dtype=float).reshape(-1, 3)
    iu, ju = np.triu_indices(len(x), 1)
    d = np.linalg.norm(x[iu] - x[ju], axis=-1)
    if numbers is None or len(set(np.asarray(numbers).tolist())) < 2:
        return np.sort(d)
    z = np.asarray(numbers)
    lo, hi = np.minimum(z[iu], z[ju]), np.maximum(z[iu], z[ju])
    blocks = [np.sort(d[(lo == a) & (hi == b)]) for a, b in sorted(set(zip(lo, hi, strict=True)))]
    return np.concatenate(blocks)


def periodic_fingerprint(
    atoms: Any, *, r_max_factor: float = 2.5, n_bins: int = 150, sigma_factor: float = 0.02
) -> np.ndarray:
    """Smeared pair-distance histogram of a periodic structure, in units of the nearest-neighbour
    scale ``(V/N)^(1/3)`` so that a uniform scaling of the cell leaves it almost unchanged."""
    from ase.neighborlist import neighbor_list

    n = len(atoms)
    scale = (atoms.get_volume() / n) ** (1.0 / 3.0)
    r_max = r_max_factor * scale
    d = neighbor_list("d", atoms, r_max)
    r = np.linspace(0.0, r_max_factor, n_bins)
    sigma = sigma_factor * r_max_factor
    x = d / scale
    weights = 1.0 / (x * x)  # shell-area normalisation
    hist = np.exp(-0.5 * ((r[None, :] - x[:, None]) / sigma) ** 2) * weights[:, None]
    return hist.sum(axis=0) / n


def structure_fingerprint(atoms: Any) -> np.ndarray:
    """Fingerprint of an ASE Atoms object (cluster or periodic)."""
    if atoms.pbc.any():
        return periodic_fingerprint(atoms)
    return cluster_fingerprint(atoms.positions, atoms.numbers)


def fingerprint_distance(a: np.ndarray, b: np.ndarray, periodic: bool) -> float:
    """Distance between two fingerprints of the same kind (0 = identical)."""
    if a.shape != b.shape:
        return float("inf")
    if periodic:
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        if na == 0.0 or nb == 0.0:
            return float("inf")
        return float(1.0 - np.dot(a, b) / (na * nb))
    return float(np.max(np.abs(a - b))) if len(a) else 0.0


def same_structure(a: np.ndarray, b: np.ndarray, periodic: bool) -> bool:
    """True when two fingerprints describe the same minimum."""
    tol = PERIODIC_COSINE_TOL if periodic else CLUSTER_DISTANCE_TOL
    return fingerprint_distance(a, b, periodic) <= tol
