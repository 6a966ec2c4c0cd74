"""Basin hopping with ASE calculators (Cu13 with EMT), reproducibility, container, budgets."""

from __future__ import annotations

import time

import numpy as np
import pytest
from ase.calculators.emt import EMT
from ase.cluster import Icosahedron
from labwright.simulators.compute.structure.basin_hopping import BasinHoppingSettings, basin_hopping
from labwright.simulators.compute.structure.calculators import CalculatorSpec
from labwright.simulators.compute.structure.landscape import calculator_landscape, lj_landscape
from labwright.simulators.compute.structure.relax import relax
from labwright.simulators.compute.structure.search import SearchSettings, search


def _is_icosahedron(atoms) -> bool:
    x = atoms.positions
    r = np.sort(np.linalg.norm(x - x.mean(axis=0), axis=1))
    d = atoms.get_all_distances()
    nn = r[1]
    surface_neighbours = np.sum((d > 0) & (d < 1.2 * nn), axis=1)
    return bool(r[0] < 1e-2 and np.ptp(r[1:]) < 1e-2 * nn and sorted(surface_neighbours)[0] == 6)


def test_cu13_emt_reaches_the_icosahedron() -> None:
    reference = relax(Icosahedron("Cu", 2), EMT(), fmax=0.001).energy
    settings = SearchSettings(
        composition="Cu13",
        calculator=CalculatorSpec(name="emt"),
        method="basin-hopping",
        steps=150,
        seed=0,
        stop_energy=reference,
        basin_hopping=BasinHoppingSettings(energy_tolerance=0.02),
    )
    outcome = search(settings)
    assert outcome.result.best_energy == pytest.approx(reference, abs=2e-3)
    assert _is_icosahedron(outcome.best_atoms)
    assert outcome.result.minima[0].energy == outcome.result.best_energy
    assert outcome.result.relaxations >= outcome.result.steps


def test_same_seed_same_run_different_seed_different_run() -> None:
    settings = BasinHoppingSettings(steps=40)

    def energies(seed: int) -> list[float]:
        out = basin_hopping(lj_landscape(19), np.random.default_rng(seed), settings)
        return [m.energy for m in out.archive.minima]

    assert energies(4) == energies(4)
    assert energies(4) != energies(5)


def test_container_keeps_the_cluster_together() -> None:
    # huge steps would scatter atoms; the container pulls escaped atoms back
    settings = BasinHoppingSettings(
        steps=30, step_size=2.0, min_step_size=2.0, max_step_size=2.0, container_margin=1.0
    )
    out = basin_hopping(lj_landscape(13), np.random.default_rng(0), settings)
    for m in out.archive.minima:
        x = m.atoms.positions
        assert np.max(np.linalg.norm(x - x.mean(axis=0), axis=1)) < 3.6
    assert out.relaxations >= out.steps + 1


def test_step_cap_and_time_budget_stop_cleanly() -> None:
    out = basin_hopping(
        lj_landscape(13), np.random.default_rng(0), BasinHoppingSettings(steps=7, jump_after=None)
    )
    assert out.steps == 7 and out.stop_reason == "completed"
    started = time.monotonic()
    out = basin_hopping(
        lj_landscape(38),
        np.random.default_rng(0),
        BasinHoppingSettings(steps=100_000),
        deadline=time.monotonic() + 1.0,
    )
    assert out.stop_reason == "time budget"
    assert 0 < out.steps < 100_000
    assert time.monotonic() - started < 5.0


def test_any_ase_calculator_drives_the_landscape() -> None:
    land = calculator_landscape(["Cu"] * 4, EMT(), fmax=0.01)
    out = basin_hopping(land, np.random.default_rng(1), BasinHoppingSettings(steps=5), reduced_units=False)
    assert out.energy_scale > 0.05 and 1.5 < out.length_scale < 2.6  # Cu: bond ~0.3-0.6 eV, 2.2-2.5 A
    assert out.best_energy < land.isolated_energy()  # bound relative to isolated atoms
