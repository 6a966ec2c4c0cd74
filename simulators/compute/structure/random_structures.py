"""AIRSS-style random sensible structures: clusters and periodic cells at a target volume with
minimum separations between atoms (Pickard & Needs, J. Phys.: Condens. Matter 23, 053201 (2011)).

Every function takes a ``numpy.random.Generator``: no global random state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from labwright.protocols.errors import ConfigurationError
from labwright.simulators.compute.structure.composition import LJ_SYMBOL

#: Volume per atom of a close-packed solid of spheres of radius r (fcc: a = 2*sqrt(2)*r, 4 atoms).
CLOSE_PACKED_VOLUME_FACTOR = 4.0 * np.sqrt(2.0)
#: Lennard-Jones particles: radius 2^(1/6)/2 sigma (half the pair-minimum distance).
LJ_RADIUS = 2.0 ** (1.0 / 6.0) / 2.0


def atomic_radius(symbol: str) -> float:
    """Radius used for volumes and separations: half the LJ pair minimum, else ASE's covalent."""
    if symbol == LJ_SYMBOL:
        return LJ_RADIUS
    from ase.data import atomic_numbers, covalent_radii

    return float(covalent_radii[atomic_numbers[symbol]])


def default_volume_per_atom(symbols: list[str]) -> float:
    """Close-packed volume per atom from the mean radius (17.2 A^3 for Ag; exp. 17.1 A^3)."""
    radii = np.array([atomic_radius(s) for s in symbols])
    return float(CLOSE_PACKED_VOLUME_FACTOR * np.mean(radii**3))


def min_separation_matrix(symbols: list[str], factor: float) -> np.ndarray:
    """Minimum allowed distance for each pair: ``factor * (r_i + r_j)``."""
    radii = np.array([atomic_radius(s) for s in symbols])
    return factor * (radii[:, None] + radii[None, :])


_SHIFTS = np.array([(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)], dtype=float)


def _placement_ok(
    trial: np.ndarray, placed: np.ndarray, minsep_row: np.ndarray, cell: np.ndarray | None
) -> bool:
    if len(placed) == 0:
        return True
    d = placed - trial
    if cell is None:
        return bool(np.all(np.einsum("ij,ij->i", d, d) >= minsep_row**2))
    frac = np.linalg.solve(cell.T, d.T).T
    frac -= np.round(frac)
    # the rounded image is not always the nearest in a skewed cell: check the 27 around it
    images = (frac[:, None, :] + _SHIFTS[None, :, :]) @ cell
    nearest = np.min(np.einsum("ijk,ijk->ij", images, images), axis=1)
    return bool(np.all(nearest >= minsep_row**2))


def random_cluster(
    symbols: list[str],
    rng: np.random.Generator,
    *,
    volume_per_atom: float | None = None,
    min_separation_factor: float = 0.8,
    max_attempts: int = 2000,
) -> Any:
    """Atoms placed uniformly in a sphere of the target volume, respecting minimum separations.

    The sphere grows by 5% whenever an atom cannot be placed (AIRSS does the same with its cell).
    """
    from ase import Atoms

    n = len(symbols)
    vol = volume_per_atom or default_volume_per_atom(symbols)
    radius = (3.0 * n * vol / (4.0 * np.pi)) ** (1.0 / 3.0)
    minsep = min_separation_matrix(symbols, min_separation_factor)
    for _ in range(50):
        positions: list[np.ndarray] = []
        for i in range(n):
            for _attempt in range(max_attempts):
                direction = rng.normal(size=3)
                direction /= np.linalg.norm(direction)
                trial = direction * radius * rng.random() ** (1.0 / 3.0)
                if _placement_ok(trial, np.array(positions), minsep[i, :i], None):
                    positions.append(trial)
                    break
            else:
                break
        if len(positions) == n:
            atoms = Atoms(symbols, positions=np.array(positions))
            atoms.center(vacuum=6.0)
            atoms.pbc = False
            return atoms
        radius *= 1.05
    raise ConfigurationError(
        f"could not place {n} atoms with the requested minimum separations",
        hint="lower the minimum separation factor or raise the volume per atom",
    )


def random_cell_matrix(
    n_atoms: int,
    volume_per_atom: float,
    rng: np.random.Generator,
    *,
    volume_spread: float = 0.2,
    min_angle: float = 60.0,
    max_angle: float = 120.0,
    max_length_ratio: float = 3.0,
) -> np.ndarray:
    """A random cell of the target volume (+-``volume_spread``) with sensible angles and lengths."""
    target = n_atoms * volume_per_atom * rng.uniform(1.0 - volume_spread, 1.0 + volume_spread)
    from ase.geometry import cellpar_to_cell

    for _ in range(10000):
        lengths = rng.uniform(1.0, max_length_ratio, size=3)
        angles = rng.uniform(min_angle, max_angle, size=3)
        cell = cellpar_to_cell(np.concatenate([lengths, angles]))
        vol = abs(np.linalg.det(cell))
        if vol < 0.3 * np.prod(lengths):  # too flat a cell
            continue
        return cell * (target / vol) ** (1.0 / 3.0)
    raise ConfigurationError("could not draw a sensible random cell", hint="widen the angle range")


def random_periodic(
    symbols: list[str],
    rng: np.random.Generator,
    *,
    volume_per_atom: float | None = None,
    min_separation_factor: float = 0.7,
    max_attempts: int = 2000,
) -> Any:
    """A random periodic cell of the target volume with atoms at least the minimum separation
    apart under the minimum-image convention (and from their own images)."""
    from ase import Atoms

    n = len(symbols)
    vol = volume_per_atom or default_volume_per_atom(symbols)
    minsep = min_separation_matrix(symbols, min_separation_factor)
    for _ in range(200):
        cell = random_cell_matrix(n, vol, rng)
        # an atom's own images must be far enough apart: shortest lattice vector check
        if _shortest_lattice_vector(cell) < float(np.max(np.diag(minsep))):
            continue
        positions: list[np.ndarray] = []
        for i in range(n):
            for _attempt in range(max_attempts):
                trial = rng.random(3) @ cell
                if _placement_ok(trial, np.array(positions), minsep[i, :i], cell):
                    positions.append(trial)
                    break
            else:
                break
        if len(positions) == n:
            return Atoms(symbols, positions=np.array(positions), cell=cell, pbc=True)
    raise ConfigurationError(
        f"could not place {n} atoms in a random cell with the requested minimum separations",
        hint="lower the minimum separation factor or raise the volume per atom",
    )


def _shortest_lattice_vector(cell: np.ndarray) -> float:
    r = range(-2, 3)
    shifts = np.array([(i, j, k) for i in r for j in r for k in r if (i, j, k) != (0, 0, 0)])
    return float(np.min(np.linalg.norm(shifts @ cell, axis=1)))


def min_distance_ratio(atoms: Any, min_separation_factor: float) -> float:
    """Smallest (distance / allowed minimum) over all pairs (minimum image when periodic)."""
    from ase.geometry import get_distances

    symbols = atoms.get_chemical_symbols()
    minsep = min_separation_matrix(symbols, min_separation_factor)
    pbc = atoms.pbc if atoms.pbc.any() else None
    cell = atoms.cell if atoms.pbc.any() else None
    _, dist = get_distances(atoms.positions, cell=cell, pbc=pbc)
    n = len(atoms)
    iu = np.triu_indices(n, 1)
    ratios = dist[iu] / minsep[iu]
    if atoms.pbc.any():
        self_ratio = _shortest_lattice_vector(np.array(atoms.cell)) / np.max(np.diag(minsep))
        return float(min(ratios.min(initial=np.inf), self_ratio))
    return float(ratios.min(initial=np.inf))
