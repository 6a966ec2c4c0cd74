"""Relaxation with ASE calculators: cell and positions, enthalpy H = U + pV at pressure."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.units import GPa
from labwright.simulators.compute.structure.relax import relax


def test_enthalpy_at_pressure_compresses_and_adds_pv() -> None:
    start = bulk("Ag", "fcc", a=4.2, cubic=True)
    start.rattle(0.02, seed=1)
    at0 = relax(start, EMT(), pressure_gpa=0.0, fmax=0.002)
    at10 = relax(start, EMT(), pressure_gpa=10.0, fmax=0.002)
    assert at0.converged and at10.converged
    v0, v10 = at0.atoms.get_volume(), at10.atoms.get_volume()
    assert v10 < 0.97 * v0
    assert at0.enthalpy == pytest.approx(at0.energy)
    assert at10.enthalpy == pytest.approx(at10.energy + 10.0 * GPa * v10, rel=1e-12)
    # at equilibrium under 10 GPa the internal pressure -tr(stress)/3 balances it
    atoms = at10.atoms.copy()
    atoms.calc = EMT()
    internal = -np.trace(atoms.get_stress(voigt=False)) / 3.0 / GPa
    assert internal == pytest.approx(10.0, abs=0.2)
    # the compressed cell has the higher energy but the lower enthalpy at 10 GPa
    assert at10.energy > at0.energy
    assert at10.enthalpy < at0.energy + 10.0 * GPa * v0


def test_cluster_relaxation_reaches_the_force_tolerance() -> None:
    from ase.cluster import Icosahedron

    atoms = Icosahedron("Cu", 2)
    atoms.rattle(0.1, seed=2)
    out = relax(atoms, EMT(), fmax=0.005)
    assert out.converged and out.fmax <= 0.005
    assert out.enthalpy == out.energy
