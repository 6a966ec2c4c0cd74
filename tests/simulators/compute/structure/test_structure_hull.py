"""Convex hulls over compositions with ase.phasediagram, from real EMT energies."""

from __future__ import annotations

import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.spacegroup import crystal
from labwright.protocols.errors import ConfigurationError
from labwright.simulators.compute.structure.hull import HullEntry, convex_hull
from labwright.simulators.compute.structure.relax import relax


def _relaxed_energy(atoms) -> float:
    return relax(atoms, EMT(), fmax=0.005).enthalpy


def test_cu_au_hull_from_emt() -> None:
    cu = _relaxed_energy(bulk("Cu", "fcc", a=3.6, cubic=True))
    au = _relaxed_energy(bulk("Au", "fcc", a=4.08, cubic=True))
    a = 3.75
    cu3au = crystal(
        ["Au", "Cu"], basis=[(0, 0, 0), (0, 0.5, 0.5)], spacegroup=221, cellpar=[a, a, a, 90, 90, 90]
    )
    assert cu3au.get_chemical_formula(mode="metal") == "AuCu3"
    e_cu3au = _relaxed_energy(cu3au)
    # a deliberately bad Au-rich entry: Au3Cu in the same cell relaxed at a fixed wrong volume
    bad = cu3au.copy()
    bad.set_chemical_symbols(["Cu", "Au", "Au", "Au"])
    bad.set_cell(bad.cell * 0.93, scale_atoms=True)
    bad.calc = EMT()
    e_bad = float(bad.get_potential_energy())
    points = convex_hull(
        [
            HullEntry(formula="Cu4", energy=cu),
            HullEntry(formula="Au4", energy=au),
            HullEntry(formula="Cu3Au", energy=e_cu3au, label="L1_2"),
            HullEntry(formula="CuAu3", energy=e_bad, label="compressed"),
        ]
    )
    by_label = {p.label or p.formula: p for p in points}
    assert by_label["Cu4"].on_hull and by_label["Au4"].on_hull
    assert by_label["Cu4"].formation_energy_per_atom == pytest.approx(0.0, abs=1e-12)
    l12 = by_label["L1_2"]
    assert l12.formation_energy_per_atom < -0.01  # EMT orders Cu3Au
    assert l12.on_hull and l12.energy_above_hull_per_atom == 0.0
    squeezed = by_label["compressed"]
    assert not squeezed.on_hull
    # the hull at x_Au = 0.75 is the line from L1_2 (x_Au = 0.25) to pure Au
    hull_there = l12.formation_energy_per_atom * (1.0 - 0.75) / (1.0 - 0.25)
    assert squeezed.energy_above_hull_per_atom == pytest.approx(
        squeezed.formation_energy_per_atom - hull_there, abs=1e-9
    )
    assert squeezed.energy_above_hull_per_atom > 0.05


def test_hull_needs_pure_references() -> None:
    with pytest.raises(ConfigurationError):
        convex_hull([HullEntry(formula="Cu", energy=0.0), HullEntry(formula="CuAu", energy=-1.0)])
