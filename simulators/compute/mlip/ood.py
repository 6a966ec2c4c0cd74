"""Test configurations of the kinds a bulk-metal training set does not cover (EMT only).

The uncertainty of a committee is only worth something where the model has not seen data, so
it is measured on three sets generated here, each from its own random stream and labelled with
the same EMT reference as the training data:

- ``strained``: fcc cells under large homogeneous strain: half the frames a volumetric strain
  of 6-9 % (expansion or compression, isotropic), half a pure shear of 4-6 % (engineering strain
  on one random pair of axes); then 0.01 A of noise like the training set's strained cells.
  The training generator draws symmetric strain components from N(0, 2 %), so its shear
  components have a spread of 1.4 % and its volumetric strain 3.5 %: these are 2-4 sigma out.
- ``vacancy``: the 2x2x2 fcc cell (32 sites) with one atom removed (31 atoms) and 20-60 steps of
  Langevin dynamics at 300-600 K with the reference, so that the neighbours of the vacancy relax.
  The training set has no defects.
- ``md900``: snapshots of Langevin dynamics at 900 K (20-60 steps of 5 fs from the perfect
  lattice, as the training sampler does), for a model trained on MD no hotter than
  ``TRAIN_MD_TEMPERATURES`` (300-600 K).

Reproducible by seed (``numpy.random.default_rng([seed, stream])``, streams below).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip import dataset as ds
from labwright.simulators.compute.mlip.reference import check_reference

if TYPE_CHECKING:
    from ase import Atoms

#: MD range (K) of the training data when ``md900`` has to stay out of training
TRAIN_MD_TEMPERATURES: tuple[float, float] = (300.0, 600.0)
OOD_KINDS: tuple[str, ...] = ("strained", "vacancy", "md900")
_STREAMS = {"strained": 6, "vacancy": 7, "md900": 8}


def _fcc_cell(elements: Sequence[str], rng: np.random.Generator) -> Atoms:
    return ds._emt_base(elements, rng, "fcc")


def _large_strain(elements: Sequence[str], rng: np.random.Generator, i: int) -> Atoms:
    atoms = _fcc_cell(elements, rng)
    if i % 2 == 0:
        volumetric = rng.uniform(0.06, 0.09) * rng.choice([-1.0, 1.0])
        deformation = np.eye(3) * (1.0 + volumetric) ** (1.0 / 3.0)
    else:
        gamma = rng.uniform(0.04, 0.06) * rng.choice([-1.0, 1.0])
        a, b = rng.choice(3, size=2, replace=False)
        deformation = np.eye(3)
        deformation[a, b] = deformation[b, a] = gamma / 2.0
    atoms.set_cell(atoms.cell.array @ deformation, scale_atoms=True)
    atoms.positions += rng.normal(0.0, 0.01, size=atoms.positions.shape)
    return atoms


def _vacancy(elements: Sequence[str], rng: np.random.Generator, i: int) -> Atoms:
    atoms = _fcc_cell(elements, rng)
    del atoms[int(rng.integers(0, len(atoms)))]
    return ds._md_sample(atoms, "emt", rng, (300.0, 600.0))


def _md900(elements: Sequence[str], rng: np.random.Generator, i: int) -> Atoms:
    return ds._md_sample(_fcc_cell(elements, rng), "emt", rng, (900.0, 900.0))


_MAKERS: dict[str, Callable[[Sequence[str], np.random.Generator, int], Atoms]] = {
    "strained": _large_strain,
    "vacancy": _vacancy,
    "md900": _md900,
}


def ood_configurations(
    kind: str, elements: Sequence[str], n: int, seed: int, stream_offset: int = 0
) -> list[Atoms]:
    """``n`` unlabelled configurations of ``kind`` (see module docstring).

    ``stream_offset`` gives an independent set of the same kind (e.g. a candidate pool for
    active learning that never shares a draw with the test set of offset 0).
    """
    check_reference("emt", list(elements))
    if kind not in _MAKERS:
        raise LabwrightError(
            f"unknown out-of-distribution kind {kind!r}", hint=f"use one of {list(OOD_KINDS)}"
        )
    rng = np.random.default_rng([seed, _STREAMS[kind] + 100 * stream_offset])
    out = []
    for i in range(n):
        atoms = _MAKERS[kind](elements, rng, i)
        atoms.info["config_type"] = f"ood_{kind}"
        atoms.info["lattice"] = "fcc"
        out.append(atoms)
    return out


def ood_dataset(kind: str, elements: Sequence[str], n: int, seed: int, stream_offset: int = 0) -> list[Atoms]:
    """``n`` EMT-labelled configurations of ``kind``."""
    return [ds.label(a, "emt") for a in ood_configurations(kind, elements, n, seed, stream_offset)]
