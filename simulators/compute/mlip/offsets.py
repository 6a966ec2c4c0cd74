"""Refit a model's per-element energy offsets by linear least squares on its training data.

After a short fine-tune on two elements, a MACE model's forces are converged but its per-atom
energies still carry a per-element offset of a few meV/atom (the same sign and size on the
training and the test configurations): the noise floor of the optimiser, not a lack of data.
The offset is linear in composition, so it has an exact convex fix: solve

    min_delta  sum_i ( E_ref_i - E_model_i - sum_Z n_iZ delta_Z )^2

over the training configurations and add ``delta_Z`` to the model's atomic-energy (E0) buffer.
This is what mace-torch's ``--E0s estimated`` does for a foundation model before fine-tuning
(``mace.data.utils.estimate_e0s_from_foundation``); here it runs after. An element with no
training configuration gets no correction (delta = 0): a naive fine-tune cannot repair the
old elements this way, because it has no old data to fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from labwright.simulators.compute.mlip.dataset import reference_labels

if TYPE_CHECKING:
    from ase import Atoms


def offset_corrections(
    zs: Sequence[int], frames: Sequence[Atoms], predicted: Sequence[float]
) -> dict[int, float]:
    """Pure function: least-squares per-element offsets (eV/atom) from energies (eV)."""
    counts = np.array([[int(np.sum(a.numbers == z)) for z in zs] for a in frames], dtype=float)
    residual = np.array([reference_labels(a)[0] for a in frames]) - np.asarray(predicted)
    present = counts.sum(axis=0) > 0
    delta = np.zeros(len(zs))
    if present.any():
        solution, *_ = np.linalg.lstsq(counts[:, present], residual, rcond=None)
        delta[present] = solution
    return {int(z): float(d) for z, d in zip(zs, delta, strict=True)}


def refit_offsets(model_path: str | Path, frames: Sequence[Atoms]) -> dict[int, float]:
    """Refit the E0s of the MACE model file in place; returns the corrections (eV/atom)."""
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator
    from labwright.simulators.compute.mlip.mace_import import import_mace, load_model

    torch = import_mace()
    calc = CommitteeCalculator([model_path])
    predicted = []
    for frame in frames:
        a = frame.copy()
        a.calc = calc
        predicted.append(float(a.get_potential_energy()))
    model = load_model(str(model_path))
    zs = [int(z) for z in model.atomic_numbers]
    delta = offset_corrections(zs, frames, predicted)
    buffer = model.atomic_energies_fn.atomic_energies
    shift = torch.tensor([delta[z] for z in zs], dtype=buffer.dtype)
    with torch.no_grad():
        buffer += shift if buffer.ndim == 1 else shift.unsqueeze(0)
    torch.save(model, model_path)
    return delta
