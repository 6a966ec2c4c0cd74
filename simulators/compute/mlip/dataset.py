"""Reference data made on the fly: strained, rattled and MD-sampled configurations.

Every configuration is labelled with an offline reference calculator and carries its labels
under MACE's keys: ``atoms.info["REF_energy"]`` (eV), ``atoms.arrays["REF_forces"]`` (eV/A),
for periodic cells ``atoms.info["REF_stress"]`` (Voigt, eV/A^3, ASE's sign), and
``atoms.info["config_type"]`` (``strained``, ``rattled`` or ``md``). Sets are written as extended
XYZ, which MACE's trainer reads directly.

Structures per reference:

- ``emt``: bulk cells of one metal or a random substitutional alloy of several: fcc (2x2x2
  conventional cells, 32 atoms; the default), or, as other phases, bcc (16 atoms) and hcp
  (32 atoms) at the same volume per atom; lattice constant by Vegard's law.
- ``lj``: 13-atom argon clusters in vacuum (icosahedron, cuboctahedron, decahedron).
- ``xtb``: small molecules of the G2 set (ase.collections.g2) made only of the requested elements.

Reproducible by seed: every random draw comes from ``numpy.random.default_rng([seed, stream])``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.reference import check_reference, make_calculator, native_threads

if TYPE_CHECKING:
    from ase import Atoms

log = logging.getLogger(__name__)

ENERGY_KEY = "REF_energy"
FORCES_KEY = "REF_forces"
STRESS_KEY = "REF_stress"
KINDS: tuple[str, ...] = ("strained", "rattled", "md")

# Random streams, so train / valid / test / pool sets of one seed never share draws.
STREAM_TRAIN, STREAM_VALID, STREAM_TEST, STREAM_POOL = 0, 1, 2, 3
STREAM_CALIB = 5  # the held-out calibration split of a committee's uncertainty

# MD temperatures (K) per reference: hot enough to leave the lattice, cold enough to stay solid
# (argon clusters melt near 35 K for 13 atoms).
_MD_TEMPERATURES = {"emt": (300.0, 1200.0), "lj": (10.0, 40.0), "xtb": (300.0, 1200.0)}
_MD_TIMESTEP_FS = {"emt": 5.0, "lj": 10.0, "xtb": 1.0}


def md_temperature_range(reference: str) -> tuple[float, float]:
    """(low, high) MD sampling temperature (K) used for ``reference``'s systems."""
    return _MD_TEMPERATURES[reference]


def md_timestep_fs(reference: str) -> float:
    """MD time step (fs) used for ``reference``'s systems."""
    return _MD_TIMESTEP_FS[reference]


def _seeded(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _fcc_lattice_constant(elements: Sequence[str]) -> float:
    from ase.data import atomic_numbers, reference_states

    consts = []
    for el in elements:
        state = reference_states[atomic_numbers[el]]
        if state is None or state.get("symmetry") != "fcc":
            raise LabwrightError(
                f"{el} has no fcc reference state", hint="use fcc metals with the emt reference"
            )
        consts.append(float(state["a"]))
    return float(np.mean(consts))


LATTICES: tuple[str, ...] = ("fcc", "bcc", "hcp")


def _emt_base(elements: Sequence[str], rng: np.random.Generator, lattice: str) -> Atoms:
    """A 32-atom fcc, 16-atom bcc or 32-atom hcp cell at the fcc volume per atom."""
    from ase.build import bulk

    a_fcc = _fcc_lattice_constant(elements)
    volume_per_atom = a_fcc**3 / 4.0
    if lattice == "fcc":
        atoms = bulk(elements[0], "fcc", a=a_fcc, cubic=True).repeat((2, 2, 2))
    elif lattice == "bcc":
        a_bcc = (2.0 * volume_per_atom) ** (1.0 / 3.0)
        atoms = bulk(elements[0], "bcc", a=a_bcc, cubic=True).repeat((2, 2, 2))
    elif lattice == "hcp":
        a_hcp = a_fcc / np.sqrt(2.0)
        c_hcp = a_hcp * np.sqrt(8.0 / 3.0)
        atoms = bulk(elements[0], "hcp", a=a_hcp, c=c_hcp, orthorhombic=True).repeat((2, 2, 2))
    else:
        raise LabwrightError(f"unknown lattice {lattice!r}", hint=f"use one of {list(LATTICES)}")
    if len(elements) > 1:
        # a random alloy; at least one atom of every element
        symbols = list(rng.choice(list(elements), size=len(atoms)))
        for i, el in enumerate(elements):
            symbols[i] = el
        rng.shuffle(symbols)
        atoms.set_chemical_symbols(symbols)
    return atoms


def _lj_base(elements: Sequence[str], rng: np.random.Generator, lattice: str) -> Atoms:
    from ase.cluster import Decahedron, Icosahedron, Octahedron
    from labwright.simulators.compute.mlip.reference import LJ_SIGMA_A

    a_fcc = 2 ** (1 / 6) * LJ_SIGMA_A * np.sqrt(2.0)  # fcc cell whose neighbours sit at r_min
    el = elements[0]
    makers = (
        lambda: Icosahedron(el, noshells=2, latticeconstant=a_fcc),  # 13, icosahedron
        lambda: Octahedron(el, length=3, cutoff=1, latticeconstant=a_fcc),  # 13, cuboctahedron
        lambda: Decahedron(el, p=2, q=2, r=0, latticeconstant=a_fcc),  # 13, decahedron
    )
    atoms = makers[int(rng.integers(0, len(makers)))]()
    atoms.center(vacuum=10.0)
    atoms.pbc = False
    return atoms


def _xtb_molecules(elements: Sequence[str]) -> list[str]:
    from ase.build import molecule
    from ase.collections import g2

    allowed = set(elements)
    names = []
    for name in g2.names:
        mol = molecule(name)
        symbols = set(mol.get_chemical_symbols())
        if symbols <= allowed and len(mol) >= 2 and len(mol) <= 12:
            names.append(name)
    if not names:
        raise LabwrightError(
            f"no small G2 molecule is made only of {', '.join(elements)}",
            hint="include H and C (e.g. --elements H,C,O)",
        )
    return sorted(names)


def _xtb_base(elements: Sequence[str], rng: np.random.Generator, lattice: str) -> Atoms:
    from ase.build import molecule

    names = _xtb_molecules(elements)
    atoms = molecule(names[int(rng.integers(0, len(names)))])
    atoms.center(vacuum=8.0)
    atoms.pbc = False
    return atoms


_BASES: dict[str, Callable[[Sequence[str], np.random.Generator, str], Atoms]] = {
    "emt": _emt_base,
    "lj": _lj_base,
    "xtb": _xtb_base,
}


def _strain(atoms: Atoms, reference: str, rng: np.random.Generator) -> Atoms:
    atoms = atoms.copy()
    if atoms.pbc.any():
        eps = rng.normal(0.0, 0.02, size=(3, 3))
        eps = 0.5 * (eps + eps.T)
        atoms.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
    else:
        # a molecule or cluster: stretch or compress it about its centre
        centre = atoms.get_center_of_mass()
        scale = rng.uniform(0.94, 1.06)
        atoms.positions = centre + (atoms.positions - centre) * scale
    atoms.positions += rng.normal(0.0, 0.01 if reference != "lj" else 0.03, size=atoms.positions.shape)
    return atoms


def _rattle(atoms: Atoms, reference: str, rng: np.random.Generator) -> Atoms:
    atoms = atoms.copy()
    if atoms.pbc.any():
        atoms.set_cell(atoms.cell.array * rng.uniform(0.98, 1.02), scale_atoms=True)
    sigma = {"emt": 0.08, "lj": 0.12, "xtb": 0.05}[reference]
    atoms.positions += rng.normal(0.0, sigma, size=atoms.positions.shape)
    return atoms


def _md_sample(
    atoms: Atoms,
    reference: str,
    rng: np.random.Generator,
    temperatures: tuple[float, float] | None = None,
) -> Atoms:
    from ase import units
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import thermalize_momenta

    atoms = atoms.copy()
    low, high = temperatures or _MD_TEMPERATURES[reference]
    temperature = float(rng.uniform(low, high))
    atoms.calc = make_calculator(reference)
    thermalize_momenta(atoms, temperature_K=temperature, rng=rng)
    dyn = Langevin(
        atoms,
        timestep=_MD_TIMESTEP_FS[reference] * units.fs,
        temperature_K=temperature,
        friction=0.05 / units.fs if reference != "lj" else 0.01 / units.fs,
        fixcm=False,
        rng=rng,
    )
    with native_threads(1):
        dyn.run(int(rng.integers(20, 60)))
    atoms.calc = None
    out = atoms.copy()
    out.info["md_temperature_K"] = temperature
    return out


_SAMPLERS = {"strained": _strain, "rattled": _rattle, "md": _md_sample}


def label(atoms: Atoms, reference: str) -> Atoms:
    """Reference energy, forces (and stress of periodic cells) under MACE's REF_ keys."""
    atoms = atoms.copy()
    atoms.calc = make_calculator(reference)
    with native_threads(1):
        energy = float(atoms.get_potential_energy())
        forces = np.array(atoms.get_forces(), dtype=float)
        stress = np.array(atoms.get_stress(voigt=True)) if atoms.pbc.all() else None
    atoms.calc = None
    atoms.info[ENERGY_KEY] = energy
    atoms.arrays[FORCES_KEY] = forces
    if stress is not None:
        atoms.info[STRESS_KEY] = stress
    atoms.info["reference"] = reference
    return atoms


def sample_configurations(
    reference: str,
    elements: Sequence[str],
    n: int,
    seed: int,
    stream: int = STREAM_TRAIN,
    kinds: Sequence[str] = KINDS,
    lattice: str | None = None,
    md_temperatures: tuple[float, float] | None = None,
) -> list[Atoms]:
    """``n`` unlabelled configurations, cycling through ``kinds`` (strained, rattled, md).

    ``lattice`` (emt only: fcc, bcc or hcp; default fcc) picks the phase of the bulk cells.
    ``md_temperatures`` (K, low and high) narrows the MD sampling range (default: the
    reference's, e.g. 300-1200 K for emt), so that a hotter test set stays out of training.
    """
    elements = list(elements)
    check_reference(reference, elements)
    if n < 0:
        raise LabwrightError(
            f"number of configurations must be >= 0, got {n}", hint="pass a positive --configs"
        )
    bad = [k for k in kinds if k not in _SAMPLERS]
    if bad:
        raise LabwrightError(f"unknown configuration kind(s) {bad}", hint=f"use {list(KINDS)}")
    if lattice is not None and reference != "emt":
        raise LabwrightError(
            f"--lattice applies to bulk metals (emt), not to {reference}",
            hint="drop --lattice for lj clusters and xtb molecules",
        )
    lattice = lattice or "fcc"
    if lattice not in LATTICES:
        raise LabwrightError(f"unknown lattice {lattice!r}", hint=f"use one of {list(LATTICES)}")
    if md_temperatures is not None and not 0 < md_temperatures[0] <= md_temperatures[1]:
        raise LabwrightError(
            f"MD temperature range {md_temperatures} is not low <= high, both > 0",
            hint="e.g. (300, 600)",
        )
    rng = _seeded(seed, stream)
    out: list[Atoms] = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        base = _BASES[reference](elements, rng, lattice)
        if kind == "md":
            atoms = _md_sample(base, reference, rng, md_temperatures)
        else:
            atoms = _SAMPLERS[kind](base, reference, rng)
        atoms.info["config_type"] = kind
        if reference == "emt":
            atoms.info["lattice"] = lattice
        out.append(atoms)
    return out


def generate_dataset(
    reference: str,
    elements: Sequence[str],
    n: int,
    seed: int,
    stream: int = STREAM_TRAIN,
    kinds: Sequence[str] = KINDS,
    lattice: str | None = None,
    on_done: Callable[[int], object] | None = None,
    md_temperatures: tuple[float, float] | None = None,
) -> list[Atoms]:
    """``n`` labelled configurations (see :func:`sample_configurations`)."""
    labelled = []
    frames = sample_configurations(reference, elements, n, seed, stream, kinds, lattice, md_temperatures)
    for i, atoms in enumerate(frames):
        labelled.append(label(atoms, reference))
        if on_done:
            on_done(i)
    return labelled


def write_extxyz(path: str | Path, frames: Sequence[Atoms]) -> Path:
    """Write frames as extended XYZ (labels stay in info/arrays under the REF_ keys)."""
    from ase.io import write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = []
    for atoms in frames:
        a = atoms.copy()
        a.calc = None
        clean.append(a)
    write(path, clean, format="extxyz")
    return path


def to_extxyz_text(frames: Sequence[Atoms]) -> str:
    """Frames as extended-XYZ text (for shipping data to Dask workers)."""
    import io

    from ase.io import write

    buf = io.StringIO()
    clean = []
    for atoms in frames:
        a = atoms.copy()
        a.calc = None
        clean.append(a)
    write(buf, clean, format="extxyz")
    return buf.getvalue()


def read_extxyz(path: str | Path) -> list[Atoms]:
    """Read every frame of an extended XYZ file (a missing or unreadable file is unusable input)."""
    from ase.io import read

    path = Path(path)
    if not path.is_file():
        raise LabwrightError(f"data file {str(path)!r} does not exist", hint="check the path")
    try:
        frames = read(path, index=":", format="extxyz")
    except Exception as exc:  # ase raises many types on malformed files
        raise LabwrightError(
            f"cannot read {str(path)!r} as extended XYZ: {exc}",
            hint="write the file with ase.io.write(..., format='extxyz')",
        ) from exc
    return list(frames)


def reference_labels(atoms: Atoms) -> tuple[float, np.ndarray]:
    """(energy eV, forces eV/A) of a labelled frame: REF_ keys, else a stored calculator result."""
    if ENERGY_KEY in atoms.info and FORCES_KEY in atoms.arrays:
        return float(atoms.info[ENERGY_KEY]), np.asarray(atoms.arrays[FORCES_KEY], dtype=float)
    for ekey, fkey in (("energy", "forces"), ("DFT_energy", "DFT_forces")):
        if ekey in atoms.info and fkey in atoms.arrays:
            return float(atoms.info[ekey]), np.asarray(atoms.arrays[fkey], dtype=float)
    if atoms.calc is not None:
        try:
            return float(atoms.get_potential_energy()), np.asarray(atoms.get_forces(), dtype=float)
        except Exception:  # no stored results
            pass
    raise LabwrightError(
        "a frame has no reference energy and forces",
        hint=f"store them as info['{ENERGY_KEY}'] and arrays['{FORCES_KEY}'] (or energy/forces)",
    )


def has_stress(frames: Sequence[Atoms]) -> bool:
    """True when every frame carries a reference stress (periodic cells)."""
    return bool(frames) and all(STRESS_KEY in a.info for a in frames)


def elements_of(frames: Sequence[Atoms]) -> list[str]:
    """Sorted distinct chemical symbols in ``frames``."""
    return sorted({s for a in frames for s in a.get_chemical_symbols()})
