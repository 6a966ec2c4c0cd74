"""Calibrated committee uncertainty: 95 % intervals for energies and forces, and how good they are.

A committee's spread is a *relative* uncertainty: members trained from different seeds on the
same data disagree more where the data are thin, but by how much the error exceeds the spread is
unknown until it is measured. It is measured here on a held-out calibration split (configurations
from the training distribution that no member trained on) and turned into intervals by one of
two methods:

- ``scale`` (one scale factor; Musil et al., JCTC 15, 906 (2019); Palmer et al., npj Comput.
  Mater. 8, 115 (2022)): the errors are taken as Gaussian with standard deviation ``s * sigma``
  where ``s`` maximises the likelihood of the calibration errors, ``s**2 = mean((err/sigma)**2)``;
  the interval at level ``p`` is ``s * sigma * Phi^-1((1 + p) / 2)``.
- ``conformal`` (split conformal prediction with a normalised score; Lei et al., JASA 113, 1094
  (2018), Sec. 5.2): scores ``|err| / sigma`` on the calibration split; the interval at level
  ``p`` is ``q_p * sigma`` with ``q_p`` the ``ceil((n + 1) p)``-th smallest score, which covers a
  new exchangeable configuration with probability at least ``p``. No distribution assumed.

What the committee's spread is, per quantity (``sigma``):

- energy: the standard deviation of the members' total energies, divided by the atom count
  (errors and intervals are per atom, meV/atom, as the error tables are);
- forces: one ``sigma`` per atom for all three Cartesian components, the root mean square of the
  per-component standard deviations of that atom (pooling the three components gives the spread
  three times the degrees of freedom of one component; with 3-4 members a single component's
  spread is itself too noisy to divide by).

Quality on a labelled set (:func:`uncertainty_metrics`): the coverage of the 95 % intervals
(share of true errors inside), the Spearman rank correlation between predicted uncertainty and
true error (forces: per atom, ``|F_pred - F_ref|`` against the norm of the atom's spread; energy:
per configuration), and the miscalibration area: the area between the observed coverage and the
nominal level over all levels in [0, 1] (Chung et al. 2021, uncertainty-toolbox; 0 is perfect,
0.5 the worst). Scaling ``sigma`` by a constant changes coverage and the area but never Spearman.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.dataset import reference_labels
from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from ase import Atoms

Method = Literal["conformal", "scale"]
METHODS: tuple[str, ...] = ("conformal", "scale")
LEVELS: tuple[float, ...] = tuple(round(0.01 * k, 2) for k in range(1, 100))
"""Confidence levels of the stored quantile table and of the calibration curve."""
LEVEL = 0.95
_TINY = 1e-12  # eV or eV/A: a spread of exactly zero (one member, identical members)


@dataclass(frozen=True)
class FramePrediction:
    """A committee's prediction for one labelled frame (eV, eV/A)."""

    n_atoms: int
    energy: float
    energy_ref: float
    energy_std: float
    forces: np.ndarray
    forces_ref: np.ndarray
    forces_std: np.ndarray


def predict(
    calc: object, frames: Sequence[Atoms], on_done: Callable[[int], object] | None = None
) -> list[FramePrediction]:
    """Run a :class:`~labwright.simulators.compute.mlip.calculator.CommitteeCalculator`."""
    out = []
    for i, frame in enumerate(frames):
        e_ref, f_ref = reference_labels(frame)
        atoms = frame.copy()
        atoms.calc = calc
        energy = float(atoms.get_potential_energy())
        results = atoms.calc.results  # type: ignore[union-attr]
        out.append(
            FramePrediction(
                n_atoms=len(atoms),
                energy=energy,
                energy_ref=e_ref,
                energy_std=float(results["energy_std"]),
                forces=np.array(results["forces"], dtype=float),
                forces_ref=f_ref,
                forces_std=np.array(results["forces_std"], dtype=float),
            )
        )
        if on_done:
            on_done(i)
    return out


# ----------------------------------------------------------------------------- errors and spreads


def energy_errors(preds: Sequence[FramePrediction]) -> tuple[np.ndarray, np.ndarray]:
    """(signed error, sigma) per configuration, both per atom (eV/atom)."""
    n = np.array([p.n_atoms for p in preds], dtype=float)
    err = np.array([p.energy - p.energy_ref for p in preds]) / n
    sigma = np.array([p.energy_std for p in preds]) / n
    return err, sigma


def atom_sigmas(forces_std: np.ndarray) -> np.ndarray:
    """Per-atom force sigma: RMS over the three components of the members' spread."""
    return np.sqrt(np.mean(np.asarray(forces_std, dtype=float) ** 2, axis=1))


def force_errors(preds: Sequence[FramePrediction]) -> tuple[np.ndarray, np.ndarray]:
    """(signed error, sigma) per Cartesian component (eV/A), flattened over atoms."""
    err = np.concatenate([(p.forces - p.forces_ref).ravel() for p in preds]) if preds else np.zeros(0)
    sigma = np.concatenate([np.repeat(atom_sigmas(p.forces_std), 3) for p in preds]) if preds else np.zeros(0)
    return err, sigma


def atom_force_errors(preds: Sequence[FramePrediction]) -> tuple[np.ndarray, np.ndarray]:
    """(|F_pred - F_ref|, norm of the spread) per atom (eV/A): what Spearman ranks."""
    err = np.concatenate([np.linalg.norm(p.forces - p.forces_ref, axis=1) for p in preds])
    sigma = np.concatenate([np.linalg.norm(p.forces_std, axis=1) for p in preds])
    return err, sigma


# ----------------------------------------------------------------------------- pure statistics


def normalised_scores(errors: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """``|err| / sigma`` (a zero spread counts as ``_TINY``, so its score is huge, not NaN)."""
    return np.abs(np.asarray(errors, dtype=float)) / np.maximum(np.asarray(sigmas, dtype=float), _TINY)


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """Split-conformal threshold: the ``ceil((n + 1) level)``-th smallest score.

    With fewer scores than that rank needs (``n < level / (1 - level)``) the guarantee cannot be
    had; the largest score is returned then (the interval is as wide as the data allow).
    """
    s = np.sort(np.asarray(scores, dtype=float))
    n = len(s)
    if n == 0:
        raise LabwrightError("no calibration scores", hint="calibrate on a non-empty labelled set")
    if not 0.0 < level < 1.0:
        raise LabwrightError(f"level {level} is not in (0, 1)", hint="e.g. 0.95")
    rank = math.ceil((n + 1) * level)
    return float(s[min(rank, n) - 1])


def gaussian_scale(errors: np.ndarray, sigmas: np.ndarray) -> float:
    """Maximum-likelihood ``s`` of ``err ~ N(0, (s sigma)^2)``: ``sqrt(mean((err/sigma)^2))``."""
    z = normalised_scores(errors, sigmas)
    if len(z) == 0:
        raise LabwrightError("no calibration errors", hint="calibrate on a non-empty labelled set")
    return float(np.sqrt(np.mean(z**2)))


def gaussian_quantile(level: float) -> float:
    """Two-sided standard-normal multiplier: ``Phi^-1((1 + level) / 2)`` (1.960 at 0.95)."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 * (1.0 + level)))


def coverage(errors: np.ndarray, halfwidths: np.ndarray) -> float:
    """Share of ``|err| <= halfwidth``."""
    e = np.abs(np.asarray(errors, dtype=float))
    if len(e) == 0:
        raise LabwrightError("no errors to cover", hint="pass a non-empty labelled set")
    return float(np.mean(e <= np.asarray(halfwidths, dtype=float)))


def miscalibration_area(expected: Sequence[float], observed: Sequence[float]) -> float:
    """Area between observed coverage and the diagonal over levels in [0, 1] (trapezoids).

    The end points (0, 0) and (1, 1) are added: a zero-width interval covers nothing and an
    infinite one everything, whatever the calibration.
    """
    x = np.concatenate([[0.0], np.asarray(expected, dtype=float), [1.0]])
    y = np.concatenate([[0.0], np.asarray(observed, dtype=float), [1.0]])
    gap = np.abs(y - x)
    return float(np.sum(0.5 * (gap[1:] + gap[:-1]) * np.diff(x)))


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rank correlation (None when either side is constant or too short)."""
    from scipy.stats import spearmanr

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(spearmanr(x, y).statistic)


# ----------------------------------------------------------------------------- calibration


class ComponentCalibration(BaseModel):
    """How one quantity's spread becomes an interval (see module docstring)."""

    method: Method
    scale: float = Field(description="maximum-likelihood Gaussian scale s of err/sigma")
    quantiles: list[float] = Field(description="conformal |err|/sigma thresholds at LEVELS")
    n_scores: int

    def multiplier(self, level: float) -> float:
        """Interval half-width per unit sigma at ``level``."""
        if self.method == "scale":
            return self.scale * gaussian_quantile(level)
        return float(np.interp(level, LEVELS, self.quantiles))


def calibrate_component(errors: np.ndarray, sigmas: np.ndarray, method: Method) -> ComponentCalibration:
    if method not in METHODS:
        raise LabwrightError(f"unknown calibration method {method!r}", hint=f"use one of {list(METHODS)}")
    scores = normalised_scores(errors, sigmas)
    return ComponentCalibration(
        method=method,
        scale=gaussian_scale(errors, sigmas),
        quantiles=[conformal_quantile(scores, p) for p in LEVELS],
        n_scores=len(scores),
    )


class Calibration(BaseModel):
    """A committee's calibration, kept in the model card."""

    method: Method
    level: float = LEVEL
    committee: int
    energy: ComponentCalibration
    forces: ComponentCalibration
    n_configs: int
    n_atoms: int
    data: str | None = Field(None, description="calibration data file name")
    data_sha256: str | None = None

    def energy_halfwidth(self, sigma_per_atom: np.ndarray | float, level: float | None = None) -> np.ndarray:
        """Energy interval half-width(s), same units as ``sigma_per_atom``."""
        return self.energy.multiplier(level or self.level) * np.asarray(sigma_per_atom, dtype=float)

    def force_halfwidth(self, sigma: np.ndarray | float, level: float | None = None) -> np.ndarray:
        return self.forces.multiplier(level or self.level) * np.asarray(sigma, dtype=float)


def calibrate(
    preds: Sequence[FramePrediction],
    method: Method = "conformal",
    committee: int | None = None,
) -> Calibration:
    """Fit energy and force calibrations on held-out predictions (a committee of >= 2)."""
    if not preds:
        raise LabwrightError("no calibration configurations", hint="pass a non-empty labelled set")
    if all(p.energy_std == 0.0 for p in preds):
        raise LabwrightError(
            "the model has no spread to calibrate (a single model?)",
            hint="train a committee: --committee 4",
        )
    e_err, e_sig = energy_errors(preds)
    f_err, f_sig = force_errors(preds)
    return Calibration(
        method=method,
        committee=committee or 0,
        energy=calibrate_component(e_err, e_sig, method),
        forces=calibrate_component(f_err, f_sig, method),
        n_configs=len(preds),
        n_atoms=int(sum(p.n_atoms for p in preds)),
    )


# ----------------------------------------------------------------------------- quality


class IntervalMetrics(BaseModel):
    """Quality of one quantity's calibrated intervals on a labelled set."""

    level: float
    coverage: float = Field(description="share of true errors inside the intervals")
    mean_halfwidth: float = Field(description="meV/atom (energy) or meV/A (forces)")
    miscalibration_area: float = Field(description="0 = perfect, 0.5 = worst")
    spearman: float | None = Field(description="rank correlation of uncertainty and |error|")
    n: int = Field(description="errors counted: configurations, or force components")


class UncertaintyMetrics(BaseModel):
    method: Method
    energy: IntervalMetrics
    forces: IntervalMetrics


def interval_metrics(
    errors: np.ndarray,
    sigmas: np.ndarray,
    cal: ComponentCalibration,
    level: float,
    rank: tuple[np.ndarray, np.ndarray] | None = None,
) -> IntervalMetrics:
    """Coverage at ``level``, miscalibration area over LEVELS, Spearman of ``rank`` (or of
    ``(|errors|, sigmas)``)."""
    observed = [coverage(errors, cal.multiplier(p) * sigmas) for p in LEVELS]
    r_err, r_sig = rank if rank is not None else (np.abs(errors), sigmas)
    return IntervalMetrics(
        level=level,
        coverage=coverage(errors, cal.multiplier(level) * sigmas),
        mean_halfwidth=float(np.mean(cal.multiplier(level) * sigmas) * 1000.0),
        miscalibration_area=miscalibration_area(LEVELS, observed),
        spearman=spearman(r_err, r_sig),
        n=len(errors),
    )


def uncertainty_metrics(preds: Sequence[FramePrediction], calibration: Calibration) -> UncertaintyMetrics:
    """Coverage, miscalibration area and Spearman of energies and forces (module docstring)."""
    if not preds:
        raise LabwrightError("no configurations to evaluate", hint="pass a non-empty labelled set")
    e_err, e_sig = energy_errors(preds)
    f_err, f_sig = force_errors(preds)
    return UncertaintyMetrics(
        method=calibration.method,
        energy=interval_metrics(e_err, e_sig, calibration.energy, calibration.level),
        forces=interval_metrics(
            f_err, f_sig, calibration.forces, calibration.level, rank=atom_force_errors(preds)
        ),
    )
