"""AIRSS: random sensible clusters and cells keep their minimum separations and target volume;
random 4-atom Ag cells relaxed with EMT find fcc as the lowest enthalpy."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from labwright.simulators.compute.structure.calculators import CalculatorSpec
from labwright.simulators.compute.structure.random_structures import (
    default_volume_per_atom,
    min_distance_ratio,
    random_cluster,
    random_periodic,
)
from labwright.simulators.compute.structure.relax import relax
from labwright.simulators.compute.structure.search import SearchSettings, search


@pytest.mark.parametrize("seed", range(5))
def test_random_cells_respect_separations_and_volume(seed: int) -> None:
    symbols = ["Cu"] * 3 + ["Au"] * 3
    rng = np.random.default_rng(seed)
    atoms = random_periodic(symbols, rng, min_separation_factor=0.7)
    assert atoms.pbc.all()
    assert min_distance_ratio(atoms, 0.7) >= 1.0
    target = default_volume_per_atom(symbols) * len(symbols)
    assert 0.8 * target - 1e-9 <= atoms.get_volume() <= 1.2 * target + 1e-9
    cellpar = atoms.cell.cellpar()
    assert np.all(cellpar[3:] >= 60.0 - 1e-9) and np.all(cellpar[3:] <= 120.0 + 1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_random_clusters_respect_separations(seed: int) -> None:
    atoms = random_cluster(["Ar"] * 20, np.random.default_rng(seed), min_separation_factor=0.8)
    assert not atoms.pbc.any()
    assert min_distance_ratio(atoms, 0.8) >= 1.0


def test_same_seed_same_structure_other_seed_other_structure() -> None:
    a = random_periodic(["Ag"] * 4, np.random.default_rng(7))
    b = random_periodic(["Ag"] * 4, np.random.default_rng(7))
    c = random_periodic(["Ag"] * 4, np.random.default_rng(8))
    assert np.array_equal(a.positions, b.positions) and np.array_equal(a.cell, b.cell)
    assert not np.allclose(a.cell, c.cell)


def _shell_counts(atoms, nn: float) -> tuple[int, int]:
    """Neighbours per atom within 1.1 nn, and between 1.55 nn and 1.68 nn (hcp has 2, fcc 0)."""
    from ase.neighborlist import neighbor_list

    i, d = neighbor_list("id", atoms, 1.7 * nn)
    n = len(atoms)
    first = np.sum(d < 1.1 * nn) / n
    hcp_shell = np.sum((d > 1.55 * nn) & (d < 1.68 * nn)) / n
    return int(round(first)), int(round(hcp_shell))


def test_ag4_cells_find_fcc_as_lowest_enthalpy() -> None:
    settings = SearchSettings(
        composition="Ag4",
        calculator=CalculatorSpec(name="emt"),
        method="airss",
        periodic=True,
        trials=8,
        seed=0,
        pressure_gpa=0.0,
    )
    outcome = search(settings)
    best = outcome.best_atoms
    reference = relax(bulk("Ag", "fcc", a=4.09, cubic=True), EMT(), fmax=0.001)
    hcp = relax(bulk("Ag", "hcp", a=2.89, covera=np.sqrt(8 / 3)).repeat((1, 1, 2)), EMT(), fmax=0.001)
    assert hcp.enthalpy / 4 > reference.enthalpy / 4 + 1e-3  # EMT: Ag fcc below hcp
    per_atom = outcome.result.best_enthalpy / 4
    assert per_atom == pytest.approx(reference.enthalpy / 4, abs=2e-4)
    nn = float(np.min(best.get_all_distances(mic=True) + np.eye(4) * 1e9))
    assert _shell_counts(best, nn) == (12, 0)  # 12 nearest neighbours, no hcp third shell
    assert outcome.result.relaxations == 8
    assert len(outcome.result.minima) >= 1
