"""Exact Lennard-Jones: gradient, ASE calculator, and LJ13's global minimum from every seed."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.lj import LennardJones
from labwright.protocols.errors import ConfigurationError
from labwright.simulators.compute.structure.basin_hopping import BasinHoppingSettings, basin_hopping
from labwright.simulators.compute.structure.landscape import lj_landscape
from labwright.simulators.compute.structure.lennard_jones import (
    KNOWN_LJ_MINIMA,
    lj_energy_gradient,
    lj_relax,
    make_lj_calculator,
)
from labwright.simulators.compute.structure.random_structures import random_cluster


def test_gradient_matches_finite_differences() -> None:
    x = random_cluster(["Ar"] * 9, np.random.default_rng(3)).positions
    _, grad = lj_energy_gradient(x)
    h = 1e-6
    numeric = np.zeros_like(x)
    for i in range(x.shape[0]):
        for k in range(3):
            xp, xm = x.copy(), x.copy()
            xp[i, k] += h
            xm[i, k] -= h
            numeric[i, k] = (lj_energy_gradient(xp)[0] - lj_energy_gradient(xm)[0]) / (2 * h)
    assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-6)


def test_matches_ase_lennard_jones_without_cutoff() -> None:
    atoms = random_cluster(["Ar"] * 7, np.random.default_rng(5))
    ref = atoms.copy()
    ref.calc = LennardJones(epsilon=1.0, sigma=1.0, rc=1e3, smooth=False)
    ours = atoms.copy()
    ours.calc = make_lj_calculator()
    # ASE shifts the pair energy so that it is zero at rc: negligible at rc = 1000 sigma
    assert ours.get_potential_energy() == pytest.approx(ref.get_potential_energy(), abs=1e-9)
    assert np.allclose(ours.get_forces(), ref.get_forces(), atol=1e-9)


def test_dimer_minimum_is_minus_epsilon_at_two_to_the_sixth() -> None:
    x, e, _ = lj_relax(np.array([[0.0, 0.0, 0.0], [1.5, 0.0, 0.0]]), gtol=1e-10)
    assert e == pytest.approx(-1.0, abs=1e-10)
    assert np.linalg.norm(x[1] - x[0]) == pytest.approx(2 ** (1 / 6), abs=1e-6)


def test_lj_calculator_refuses_periodic_cells() -> None:
    atoms = Atoms("Ar2", positions=[[0, 0, 0], [1.1, 0, 0]], cell=[3, 3, 3], pbc=True)
    atoms.calc = make_lj_calculator()
    with pytest.raises(ConfigurationError):
        atoms.get_potential_energy()


@pytest.mark.parametrize("seed", range(10))
def test_lj13_global_minimum_in_every_seed(seed: int) -> None:
    target = KNOWN_LJ_MINIMA[13]
    out = basin_hopping(
        lj_landscape(13),
        np.random.default_rng(seed),
        BasinHoppingSettings(steps=300, stop_energy=target),
    )
    assert out.best_energy == pytest.approx(target, abs=1e-5)
    assert out.stop_reason == "target reached"
    best = out.archive.best
    assert best is not None
    # Mackay icosahedron: one central atom with 12 neighbours at equal distance
    x = best.atoms.positions
    r = np.sort(np.linalg.norm(x - x.mean(axis=0), axis=1))
    assert r[0] < 1e-3
    assert np.ptp(r[1:]) < 1e-3


def test_site_energy_is_the_energy_of_adding_that_atom() -> None:
    from labwright.simulators.compute.structure.lennard_jones import lj_site_energies

    x = random_cluster(["Ar"] * 10, np.random.default_rng(9)).positions
    sites = x[:3] + np.array([[1.1, 0.0, 0.0], [0.0, 1.2, 0.0], [0.0, 0.0, -1.0]])
    base = lj_energy_gradient(x)[0]
    expected = [lj_energy_gradient(np.vstack([x, s]))[0] - base for s in sites]
    assert np.allclose(lj_site_energies(x, sites), expected, atol=1e-10)
