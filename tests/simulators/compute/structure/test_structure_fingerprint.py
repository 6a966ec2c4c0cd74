"""Duplicate removal: the same minimum in another orientation, order or cell is one minimum."""

from __future__ import annotations

import numpy as np
from ase.build import bulk, make_supercell
from labwright.simulators.compute.structure.fingerprint import (
    fingerprint_distance,
    same_structure,
    structure_fingerprint,
)
from labwright.simulators.compute.structure.landscape import lj_landscape
from labwright.simulators.compute.structure.lennard_jones import lj_relax
from labwright.simulators.compute.structure.minima import MinimaArchive
from labwright.simulators.compute.structure.random_structures import random_cluster
from scipy.spatial.transform import Rotation


def _lj_minimum(seed: int, n: int = 13):
    atoms = random_cluster(["Ar"] * n, np.random.default_rng(seed))
    x, e, _ = lj_relax(atoms.positions, gtol=1e-7)
    atoms.positions = x
    return atoms, e


def test_rotated_permuted_translated_cluster_is_the_same() -> None:
    atoms, _ = _lj_minimum(0)
    rng = np.random.default_rng(1)
    moved = atoms.copy()
    moved.positions = Rotation.random(random_state=2).apply(atoms.positions) + [3.0, -1.0, 2.0]
    moved = moved[rng.permutation(len(moved))]
    a, b = structure_fingerprint(atoms), structure_fingerprint(moved)
    assert fingerprint_distance(a, b, periodic=False) < 1e-9
    assert same_structure(a, b, periodic=False)


def test_different_lj_minima_are_different() -> None:
    minima = {}
    for seed in range(12):
        atoms, e = _lj_minimum(seed)
        minima[round(e, 4)] = atoms
    assert len(minima) >= 3
    fps = [structure_fingerprint(a) for a in minima.values()]
    for i in range(len(fps)):
        for j in range(i + 1, len(fps)):
            assert not same_structure(fps[i], fps[j], periodic=False)


def test_fcc_in_two_different_cells_is_one_structure_and_hcp_is_not() -> None:
    fcc_cubic = bulk("Ag", "fcc", a=4.09, cubic=True)  # 4 atoms, cubic cell
    fcc_other = make_supercell(bulk("Ag", "fcc", a=4.09), [[1, 1, 0], [0, 1, 1], [1, 0, 1]])
    hcp = bulk("Ag", "hcp", a=4.09 / np.sqrt(2), covera=np.sqrt(8 / 3)).repeat((1, 1, 2))
    f1, f2, f3 = (structure_fingerprint(a) for a in (fcc_cubic, fcc_other, hcp))
    assert same_structure(f1, f2, periodic=True)
    assert not same_structure(f1, f3, periodic=True)


def test_archive_counts_repeats_and_ranks_lowest_first() -> None:
    archive = MinimaArchive(capacity=50)
    land = lj_landscape(13)
    rng = np.random.default_rng(0)
    energies = []
    for _ in range(30):
        atoms = random_cluster(["Ar"] * 13, rng)
        m = land.minimise(atoms.positions)
        atoms.positions = m.positions
        energies.append(m.energy)
        archive.add(atoms, m.energy)
    kept = [m.energy for m in archive.minima]
    assert kept == sorted(kept)
    assert len(archive) < 30  # repeats were merged, none lost
    assert sum(m.hits for m in archive.minima) == 30
    assert archive.best is not None and archive.best.energy == min(energies)
    for i, a in enumerate(archive.minima):
        for b in archive.minima[i + 1 :]:
            assert abs(a.energy - b.energy) > 1e-3 * 13 or not same_structure(
                a.fingerprint, b.fingerprint, periodic=False
            )


def test_swapping_unlike_atoms_makes_a_different_cluster() -> None:
    from ase.cluster import Icosahedron

    ico = Icosahedron("Cu", 2)
    centre = int(np.argmin(np.linalg.norm(ico.positions - ico.positions.mean(axis=0), axis=1)))
    core_shell = ico.copy()
    core_shell.symbols[centre] = "Au"  # Au in the centre
    surface = ico.copy()
    surface.symbols[(centre + 1) % 13] = "Au"  # Au on the surface
    relabelled = surface[np.random.default_rng(0).permutation(13)]
    a, b, c = (structure_fingerprint(x) for x in (core_shell, surface, relabelled))
    assert not same_structure(a, b, periodic=False)
    assert same_structure(b, c, periodic=False)
