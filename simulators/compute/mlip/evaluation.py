"""Evaluate a potential on a labelled extended-XYZ file: energy and force MAE / RMSE, and for a
calibrated committee how good its 95 % intervals are (coverage, Spearman, miscalibration area;
see :mod:`labwright.simulators.compute.mlip.uncertainty`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.dataset import read_extxyz
from labwright.simulators.compute.mlip.metrics import ErrorMetrics, error_metrics
from labwright.simulators.compute.mlip.provenance import Provenance, model_provenance
from labwright.simulators.compute.mlip.store import committee_paths, load_card
from labwright.simulators.compute.mlip.train import ProgressFn, _noop
from labwright.simulators.compute.mlip.uncertainty import UncertaintyMetrics, predict, uncertainty_metrics
from pydantic import BaseModel, ConfigDict, Field


class EvalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_path: Path
    data: Path
    committee: bool = Field(True, description="committee mean when the model has members")
    threads: int = Field(1, ge=1)


class EvalReport(ErrorMetrics):
    model_path: str
    data: str
    committee: int
    mean_max_force_std_ev_per_a: float | None = None
    uncertainty: UncertaintyMetrics | None = Field(
        None, description="calibrated intervals on this set (a committee with a calibration)"
    )
    uncertainty_note: str | None = Field(None, description="why there is no uncertainty report")
    seconds: float
    provenance: Provenance


def evaluate_potential(request: EvalRequest, progress: ProgressFn = _noop) -> EvalReport:
    import time

    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    paths = committee_paths(request.model_path, committee=request.committee)
    frames = read_extxyz(request.data)
    if not frames:
        raise LabwrightError(f"{request.data} holds no frames", hint="pass a labelled data set")
    calc = CommitteeCalculator(paths, threads=request.threads)
    known = set(_symbols(calc))
    unknown = sorted({s for a in frames for s in a.get_chemical_symbols()} - known)
    if unknown:
        raise LabwrightError(
            f"the model does not know element(s) {', '.join(unknown)}",
            hint=f"the model covers {', '.join(sorted(known))}",
        )
    start = time.perf_counter()
    preds = predict(calc, frames, on_done=lambda i: progress("eval", i + 1, len(frames)))
    metrics = error_metrics(
        [p.energy for p in preds],
        [p.energy_ref for p in preds],
        [p.n_atoms for p in preds],
        [p.forces for p in preds],
        [p.forces_ref for p in preds],
    )
    stds = [float(np.max(atom_norms(p.forces_std))) for p in preds] if calc.size > 1 else []
    card = load_card(request.model_path)
    uq, note = None, None
    if calc.size < 2:
        note = "a single model has no spread (train with --committee 4)"
    elif card is None or card.calibration is None:
        note = "the committee is not calibrated (labwright mlip calibrate MODEL --data FILE)"
    else:
        uq = uncertainty_metrics(preds, card.calibration)
    return EvalReport(
        **metrics.model_dump(),
        uncertainty=uq,
        uncertainty_note=note,
        model_path=str(request.model_path),
        data=str(request.data),
        committee=calc.size,
        mean_max_force_std_ev_per_a=float(np.mean(stds)) if stds else None,
        seconds=time.perf_counter() - start,
        provenance=model_provenance(
            paths, reference=card.reference if card else None, seed=card.seed if card else None
        ),
    )


def _symbols(calc: object) -> list[str]:
    from ase.data import chemical_symbols

    return [chemical_symbols[int(z)] for z in calc.mace.z_table.zs]  # type: ignore[attr-defined]


def atom_norms(vectors: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.asarray(vectors, dtype=float), axis=1)
