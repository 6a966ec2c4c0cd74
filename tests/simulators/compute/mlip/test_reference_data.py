"""Reference calculators and on-the-fly data: real EMT, exact LJ, tblite GFN2-xTB."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip import dataset as ds
from labwright.simulators.compute.mlip.reference import (
    LJ_EPSILON_EV,
    LJ_SIGMA_A,
    isolated_atom_energies,
    make_calculator,
)


def test_emt_isolated_atom_lies_above_the_crystal() -> None:
    e0 = isolated_atom_energies("emt", ["Cu", "Al"])
    for el, a in (("Cu", 3.61), ("Al", 4.05)):
        crystal = bulk(el, "fcc", a=a)
        crystal.calc = make_calculator("emt")
        cohesive = e0[el] - crystal.get_potential_energy() / len(crystal)
        assert 2.0 < cohesive < 5.0  # metals bind by a few eV per atom


def test_exact_lj_has_zero_atom_energy_and_the_textbook_dimer_minimum() -> None:
    from ase import Atoms

    assert isolated_atom_energies("lj", ["Ar"]) == {"Ar": 0.0}
    r_min = 2 ** (1 / 6) * LJ_SIGMA_A
    dimer = Atoms("Ar2", positions=[(0, 0, 0), (r_min, 0, 0)])
    dimer.calc = make_calculator("lj")
    assert dimer.get_potential_energy() == pytest.approx(-LJ_EPSILON_EV, rel=1e-9)
    assert np.abs(dimer.get_forces()).max() < 1e-9
    far = Atoms("Ar2", positions=[(0, 0, 0), (30.0, 0, 0)])  # no cutoff: still attracts
    far.calc = make_calculator("lj")
    assert far.get_potential_energy() < 0.0


def test_xtb_atoms_and_molecule_bind() -> None:
    e0 = isolated_atom_energies("xtb", ["H", "O"])
    frames = ds.generate_dataset("xtb", ["H", "O"], 3, seed=0)
    for atoms in frames:
        assert set(atoms.get_chemical_symbols()) <= {"H", "O"}
        atom_sum = sum(e0[s] for s in atoms.get_chemical_symbols())
        assert atoms.info[ds.ENERGY_KEY] < atom_sum  # molecules are bound
        assert ds.STRESS_KEY not in atoms.info  # no stress for molecules in vacuum


def test_unknown_reference_or_element_is_unusable_input() -> None:
    with pytest.raises(LabwrightError, match="unknown reference"):
        isolated_atom_energies("dft", ["Cu"])
    with pytest.raises(LabwrightError, match="cannot label"):
        ds.generate_dataset("emt", ["Fe"], 2, seed=0)
    with pytest.raises(LabwrightError, match="lattice"):
        ds.sample_configurations("lj", ["Ar"], 2, seed=0, lattice="bcc")


def test_configurations_are_reproducible_by_seed_and_cover_every_kind() -> None:
    a = ds.generate_dataset("emt", ["Cu"], 6, seed=3)
    b = ds.generate_dataset("emt", ["Cu"], 6, seed=3)
    c = ds.generate_dataset("emt", ["Cu"], 6, seed=4)
    assert [x.info["config_type"] for x in a] == ["strained", "rattled", "md"] * 2
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x.positions, y.positions)
        assert x.info[ds.ENERGY_KEY] == y.info[ds.ENERGY_KEY]
    assert not np.allclose(a[0].cell.array, c[0].cell.array)
    # different streams of one seed never repeat a configuration
    test = ds.generate_dataset("emt", ["Cu"], 6, seed=3, stream=ds.STREAM_TEST)
    assert not any(np.allclose(x.positions, y.positions) for x in a for y in test)


def test_labels_match_the_reference_and_survive_extxyz(tmp_path) -> None:
    frames = ds.generate_dataset("emt", ["Cu", "Al"], 4, seed=1)
    path = ds.write_extxyz(tmp_path / "d.extxyz", frames)
    back = ds.read_extxyz(path)
    assert len(back) == 4
    for orig, read in zip(frames, back, strict=True):
        assert set(read.get_chemical_symbols()) == {"Cu", "Al"}
        energy, forces = ds.reference_labels(read)
        fresh = read.copy()
        fresh.calc = make_calculator("emt")
        assert energy == pytest.approx(fresh.get_potential_energy(), abs=1e-6)  # 8-decimal text
        assert np.allclose(forces, fresh.get_forces(), atol=1e-6)
        assert np.allclose(read.info[ds.STRESS_KEY], fresh.get_stress(), atol=1e-7)
        assert np.allclose(forces.sum(axis=0), 0.0, atol=1e-6)  # Newton's third law
        assert orig.info["config_type"] == read.info["config_type"]


def test_other_phases_keep_the_volume_per_atom() -> None:
    volumes = {}
    for lattice in ("fcc", "bcc", "hcp"):
        (atoms,) = ds.sample_configurations("emt", ["Cu"], 1, seed=0, kinds=["md"], lattice=lattice)
        volumes[lattice] = atoms.get_volume() / len(atoms)
        assert atoms.info["lattice"] == lattice
    assert volumes["bcc"] == pytest.approx(volumes["fcc"], rel=1e-9)
    assert volumes["hcp"] == pytest.approx(volumes["fcc"], rel=1e-9)


def test_read_extxyz_rejects_missing_and_garbage(tmp_path) -> None:
    with pytest.raises(LabwrightError, match="does not exist"):
        ds.read_extxyz(tmp_path / "nope.extxyz")
    bad = tmp_path / "bad.extxyz"
    bad.write_text("not a structure\n")
    with pytest.raises(LabwrightError, match="cannot read"):
        ds.read_extxyz(bad)
