"""Calibrate a trained committee on a held-out labelled set, and keep the result in its card.

``labwright mlip train --committee N`` (N >= 2) does this on its own calibration split
(``cu.calib.extxyz``, drawn from the training distribution on a stream no other split uses);
``labwright mlip calibrate MODEL --data FILE`` redoes it on any labelled set. The statistics are
in :mod:`labwright.simulators.compute.mlip.uncertainty`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.dataset import read_extxyz
from labwright.simulators.compute.mlip.provenance import Provenance, model_provenance, sha256_file
from labwright.simulators.compute.mlip.store import committee_paths, load_card, save_card
from labwright.simulators.compute.mlip.train import ProgressFn, _noop
from labwright.simulators.compute.mlip.uncertainty import (
    Calibration,
    FramePrediction,
    Method,
    UncertaintyMetrics,
    calibrate,
    predict,
    uncertainty_metrics,
)
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from ase import Atoms


def committee_predictions(
    member_paths: Sequence[Path],
    frames: Sequence[Atoms],
    threads: int = 1,
    progress: ProgressFn = _noop,
) -> list[FramePrediction]:
    """The committee's predictions of labelled ``frames`` (at least 2 members)."""
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    if len(member_paths) < 2:
        raise LabwrightError(
            "calibration needs a committee of at least 2 models",
            hint="train one with --committee 4",
        )
    calc = CommitteeCalculator(member_paths, threads=threads)
    return predict(calc, frames, on_done=lambda i: progress("calibrate", i + 1, len(frames)))


def calibrate_committee(
    member_paths: Sequence[Path],
    frames: Sequence[Atoms],
    method: Method = "conformal",
    threads: int = 1,
    progress: ProgressFn = _noop,
) -> Calibration:
    """Predict ``frames`` with the committee and fit its calibration."""
    preds = committee_predictions(member_paths, frames, threads, progress)
    return calibrate(preds, method, committee=len(member_paths))


class CalibrateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_path: Path
    data: Path
    method: Method = "conformal"
    threads: int = Field(1, ge=1)


class CalibrateReport(BaseModel):
    model_path: str
    data: str
    calibration: Calibration
    on_calibration_data: UncertaintyMetrics = Field(
        description="the calibrated intervals on the data they were fitted on (in-sample)"
    )
    seconds: float
    provenance: Provenance


def calibrate_model(request: CalibrateRequest, progress: ProgressFn = _noop) -> CalibrateReport:
    """Calibrate ``model_path``'s committee on ``data`` and store it in the model card."""
    start = time.perf_counter()
    card = load_card(request.model_path)
    if card is None:
        raise LabwrightError(
            f"{request.model_path} has no model card listing a committee",
            hint="calibrate a committee trained with `labwright mlip train --committee 4`",
        )
    paths = committee_paths(request.model_path)
    frames = read_extxyz(request.data)
    if not frames:
        raise LabwrightError(f"{request.data} holds no frames", hint="pass a labelled data set")
    preds = committee_predictions(paths, frames, request.threads, progress)
    calibration = calibrate(preds, request.method, committee=len(paths))
    calibration.data = Path(request.data).name
    calibration.data_sha256 = sha256_file(request.data)
    card.calibration = calibration
    save_card(request.model_path, card)
    return CalibrateReport(
        model_path=str(request.model_path),
        data=str(request.data),
        calibration=calibration,
        on_calibration_data=uncertainty_metrics(preds, calibration),
        seconds=time.perf_counter() - start,
        provenance=model_provenance(paths, reference=card.reference, seed=card.seed),
    )
