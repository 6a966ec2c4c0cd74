"""Energy and force errors of a potential against reference labels.

Conventions (those of MACE's error tables): energy errors per atom, ``|E_pred - E_ref| / N``,
in meV/atom; force errors over every Cartesian component of every atom, in meV/A.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.dataset import reference_labels
from pydantic import BaseModel

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator


class ErrorMetrics(BaseModel):
    """Errors of a potential on a labelled set."""

    n_configs: int
    n_atoms: int
    energy_mae_mev_per_atom: float
    energy_rmse_mev_per_atom: float
    force_mae_mev_per_a: float
    force_rmse_mev_per_a: float


def error_metrics(
    pred_energies: Sequence[float],
    ref_energies: Sequence[float],
    n_atoms: Sequence[int],
    pred_forces: Sequence[np.ndarray],
    ref_forces: Sequence[np.ndarray],
) -> ErrorMetrics:
    """Pure function: errors from predictions and labels (eV, eV/A in; meV units out)."""
    if not (len(pred_energies) == len(ref_energies) == len(n_atoms) == len(pred_forces)):
        raise LabwrightError("predictions and labels differ in length", hint="pass matching lists")
    if len(pred_energies) == 0:
        raise LabwrightError("no configurations to evaluate", hint="pass a non-empty data set")
    counts = np.asarray(n_atoms, dtype=float)
    de = (np.asarray(pred_energies, dtype=float) - np.asarray(ref_energies, dtype=float)) / counts
    df = np.concatenate(
        [
            (np.asarray(p, dtype=float) - np.asarray(r, dtype=float)).ravel()
            for p, r in zip(pred_forces, ref_forces, strict=True)
        ]
    )
    return ErrorMetrics(
        n_configs=len(pred_energies),
        n_atoms=int(counts.sum()),
        energy_mae_mev_per_atom=float(np.mean(np.abs(de)) * 1000.0),
        energy_rmse_mev_per_atom=float(np.sqrt(np.mean(de**2)) * 1000.0),
        force_mae_mev_per_a=float(np.mean(np.abs(df)) * 1000.0),
        force_rmse_mev_per_a=float(np.sqrt(np.mean(df**2)) * 1000.0),
    )


def evaluate(
    calc: Calculator,
    frames: Sequence[Atoms],
    on_done: Callable[[int], object] | None = None,
) -> ErrorMetrics:
    """Run ``calc`` on every labelled frame and compare with its reference labels."""
    pe, re_, na, pf, rf = [], [], [], [], []
    for i, frame in enumerate(frames):
        e_ref, f_ref = reference_labels(frame)
        atoms = frame.copy()
        atoms.calc = calc
        pe.append(float(atoms.get_potential_energy()))
        pf.append(np.array(atoms.get_forces()))
        re_.append(e_ref)
        rf.append(f_ref)
        na.append(len(atoms))
        if on_done:
            on_done(i)
    return error_metrics(pe, re_, na, pf, rf)
