"""Query-by-committee active learning: label where the committee disagrees most, retrain.

Each iteration of :func:`active_learn`:

1. trains a committee (``committee`` >= 2 members, different seeds; Dask tasks when asked) on
   the labelled set and measures its errors on a fixed held-out test set;
2. builds an unlabelled candidate pool: strained and rattled cells drawn from a fresh random
   stream, plus snapshots of Langevin dynamics driven by the committee itself (exploration with
   the model, not the reference);
3. calibrates the committee on the validation split (held out from the gradient steps; MACE
   only uses it to pick checkpoints) and scores every candidate by its largest calibrated 95 %
   force interval (eV/A), then picks the ``per_iteration`` highest (``selection="uncertainty"``)
   or ``per_iteration`` at random (``selection="random"``, the baseline at the same labelling
   budget). With one scale factor the calibrated score ranks candidates as the raw spread does;
   what calibration adds is a score in eV/A that says how wrong the model may be there;
4. labels only those with the reference calculator, records the committee's true error on them
   (before retraining: picked configurations should be the badly predicted ones), adds them.

After the last iteration a final committee is trained on everything labelled.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip import dataset as ds
from labwright.simulators.compute.mlip.calibration import calibrate_committee
from labwright.simulators.compute.mlip.metrics import ErrorMetrics, evaluate
from labwright.simulators.compute.mlip.provenance import Provenance, model_provenance
from labwright.simulators.compute.mlip.reference import check_reference, isolated_atom_energies
from labwright.simulators.compute.mlip.store import ModelCard, data_path, save_card
from labwright.simulators.compute.mlip.train import (
    ComputeOptions,
    ProgressFn,
    _noop,
    ds_name,
    generate_splits,
    make_jobs,
    train_members,
    write_members,
)
from labwright.simulators.compute.mlip.training import MaceSettings
from labwright.simulators.compute.mlip.uncertainty import Calibration, Method, atom_sigmas
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)


class ActiveLearnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = "emt"
    elements: list[str] = Field(default_factory=lambda: ["Cu"])
    lattice: str | None = None
    initial: int = Field(20, ge=2, description="labelled configurations to start from")
    pool: int = Field(60, ge=1, description="unlabelled candidates per iteration")
    md_fraction: float = Field(0.3, ge=0, le=1, description="share of the pool from committee-driven MD")
    md_temperature_k: float | None = Field(
        None, gt=0, description="model-MD temperature (K); default: the reference's hottest"
    )
    per_iteration: int = Field(10, ge=1, description="configurations labelled per iteration")
    iterations: int = Field(3, ge=1)
    committee: int = Field(3, ge=2, le=16)
    selection: Literal["uncertainty", "random"] = Field(
        "uncertainty", description="largest calibrated force interval, or random (the baseline)"
    )
    calibration_method: Method = "conformal"
    test_configs: int = Field(30, ge=1)
    seed: int = 0
    settings: MaceSettings = Field(default_factory=MaceSettings)
    compute: ComputeOptions = Field(default_factory=ComputeOptions)
    output: Path


class ActiveLearnIteration(BaseModel):
    iteration: int
    n_train: int
    test: ErrorMetrics = Field(description="committee-mean errors on the held-out test set")
    pool_size: int
    pool_mean_max_force_std: float = Field(description="eV/A, over the whole pool")
    picked_mean_max_force_std: float = Field(description="eV/A, over the picked candidates")
    pool_mean_force_interval: float = Field(
        description="largest calibrated 95 % force interval (eV/A), mean over the pool"
    )
    picked_mean_force_interval: float = Field(description="the same over the picked candidates")
    picked_force_mae_mev_per_a: float = Field(
        description="true force MAE of the committee on the picked candidates, before retraining"
    )
    picked_kinds: dict[str, int]
    train_seconds: float


class ActiveLearnReport(BaseModel):
    model_path: str
    member_paths: list[str]
    iterations: list[ActiveLearnIteration]
    final_n_train: int
    final_test: ErrorMetrics
    initial_test: ErrorMetrics
    reference_calls: int = Field(description="configurations labelled with the reference")
    seconds: float
    provenance: Provenance


def _pool(request: ActiveLearnRequest, iteration: int, member_paths: list[Path], threads: int) -> list:
    """Unlabelled candidates: random strained/rattled cells + committee-driven MD snapshots."""
    from ase import units
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import thermalize_momenta
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    n_md = int(round(request.pool * request.md_fraction))
    temperature = request.md_temperature_k or ds.md_temperature_range(request.reference)[1]
    n_random = request.pool - n_md
    stream = ds.STREAM_POOL + 10 * (iteration + 1)
    pool = ds.sample_configurations(
        request.reference,
        request.elements,
        n_random,
        request.seed,
        stream,
        kinds=("strained", "rattled"),
        lattice=request.lattice,
    )
    if n_md:
        rng = np.random.default_rng([request.seed, stream, 1])
        starts = ds.sample_configurations(
            request.reference,
            request.elements,
            max(1, n_md // 5),
            request.seed,
            stream + 1,
            kinds=("rattled",),
            lattice=request.lattice,
        )
        calc = CommitteeCalculator(member_paths, threads=threads)
        per_start = int(np.ceil(n_md / len(starts)))
        for atoms in starts:
            atoms = atoms.copy()
            atoms.calc = calc
            thermalize_momenta(atoms, temperature_K=temperature, rng=rng)
            dyn = Langevin(
                atoms,
                timestep=ds.md_timestep_fs(request.reference) * units.fs,
                temperature_K=temperature,
                friction=0.02 / units.fs,
                fixcm=False,
                rng=rng,
            )
            for _ in range(per_start):
                if len(pool) >= request.pool:
                    break
                dyn.run(5)
                snap = atoms.copy()
                snap.calc = None
                snap.info["config_type"] = "model_md"
                pool.append(snap)
    return pool


def _scores(pool: list, member_paths: list[Path], threads: int, calibration: Calibration) -> np.ndarray:
    """Per candidate: (largest per-atom force spread, largest calibrated force interval), eV/A."""
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    calc = CommitteeCalculator(member_paths, threads=threads)
    out = []
    for atoms in pool:
        a = atoms.copy()
        a.calc = calc
        a.get_potential_energy()
        interval = calibration.force_halfwidth(atom_sigmas(calc.results["forces_std"]))
        out.append((float(calc.results["max_force_std"]), float(np.max(interval))))
    return np.asarray(out).reshape(-1, 2)


def select(scores: np.ndarray, k: int, selection: str, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``k`` picked candidates: the highest ``scores`` or a random draw."""
    k = min(k, len(scores))
    if selection == "random":
        return np.sort(rng.choice(len(scores), size=k, replace=False))
    return np.argsort(-np.asarray(scores), kind="stable")[:k]


def active_learn(request: ActiveLearnRequest, progress: ProgressFn = _noop) -> ActiveLearnReport:
    """Run the loop (see module docstring); the final committee is written to ``output``."""
    check_reference(request.reference, request.elements)
    output = Path(request.output)
    if output.suffix != ".model":
        raise LabwrightError(f"output {str(output)!r} should end in .model", hint="e.g. -o al.model")
    if request.settings.batch_size > request.initial:
        raise LabwrightError(
            f"batch size {request.settings.batch_size} exceeds {request.initial} configurations",
            hint="use more --initial configurations or a smaller batch size",
        )
    start = time.perf_counter()
    n_valid = max(5, request.initial // 5)
    train, valid, test = generate_splits(
        request.reference,
        request.elements,
        request.initial,
        n_valid,
        request.test_configs,
        request.seed,
        request.lattice,
        progress,
    )
    e0s = isolated_atom_energies(request.reference, sorted(request.elements))
    reference_calls = len(train) + len(valid) + len(test)
    work = Path(tempfile.mkdtemp(prefix="labwright-al-"))  # intermediate committees

    def fit(labelled: list, target: Path) -> tuple[list[Path], float, int]:
        jobs = make_jobs(
            labelled,
            valid,
            e0s,
            request.settings,
            request.seed,
            request.committee,
            request.compute.threads,
            name=ds_name(output),
        )
        members, wall = train_members(jobs, request.compute, progress)
        paths = write_members(target, members)
        return paths, wall, members[0].n_params

    try:
        return _loop(request, train, valid, test, e0s, reference_calls, work, fit, start, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _loop(
    request: ActiveLearnRequest,
    train: list,
    valid: list,
    test: list,
    e0s: dict[str, float],
    reference_calls: int,
    work: Path,
    fit: Callable[[list, Path], tuple[list[Path], float, int]],
    start: float,
    progress: ProgressFn,
) -> ActiveLearnReport:
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    output = Path(request.output)
    iterations: list[ActiveLearnIteration] = []
    initial_test: ErrorMetrics | None = None
    for it in range(request.iterations):
        paths, wall, _ = fit(train, work / f"iter{it}.model")
        committee = CommitteeCalculator(paths, threads=request.compute.threads)
        test_metrics = evaluate(committee, test)
        if initial_test is None:
            initial_test = test_metrics
        progress("pool", it, request.iterations)
        pool = _pool(request, it, paths, request.compute.threads)
        calibration = calibrate_committee(paths, valid, request.calibration_method, request.compute.threads)
        both = _scores(pool, paths, request.compute.threads, calibration)
        scores, intervals = both[:, 0], both[:, 1]
        rng = np.random.default_rng([request.seed, ds.STREAM_POOL, it])
        order = select(intervals, request.per_iteration, request.selection, rng)
        picked = [ds.label(pool[int(i)], request.reference) for i in order]
        reference_calls += len(picked)
        picked_error = evaluate(committee, picked)
        kinds: dict[str, int] = {}
        for a in picked:
            kind = str(a.info.get("config_type", "unknown"))
            kinds[kind] = kinds.get(kind, 0) + 1
        iterations.append(
            ActiveLearnIteration(
                iteration=it,
                n_train=len(train),
                test=test_metrics,
                pool_size=len(pool),
                pool_mean_max_force_std=float(np.mean(scores)),
                picked_mean_max_force_std=float(np.mean(scores[order])),
                pool_mean_force_interval=float(np.mean(intervals)),
                picked_mean_force_interval=float(np.mean(intervals[order])),
                picked_force_mae_mev_per_a=picked_error.force_mae_mev_per_a,
                picked_kinds=kinds,
                train_seconds=wall,
            )
        )
        log.info("active learning iteration %d: %s", it, iterations[-1])
        train = train + picked

    final_paths, _, n_params = fit(train, output)
    final = evaluate(CommitteeCalculator(final_paths, threads=request.compute.threads), test)
    files = {}
    for split, frames in (("train", train), ("valid", valid), ("test", test)):
        files[split] = ds.write_extxyz(data_path(output, split), frames).name
    save_card(
        output,
        ModelCard(
            reference=request.reference,
            elements=sorted(request.elements),
            e0s=e0s,
            seed=request.seed,
            settings=request.settings,
            members=[p.name for p in final_paths],
            data=files,
            n_params=n_params,
            test_metrics=final,
        ),
    )
    assert initial_test is not None
    return ActiveLearnReport(
        model_path=str(output),
        member_paths=[str(p) for p in final_paths],
        iterations=iterations,
        final_n_train=len(train),
        final_test=final,
        initial_test=initial_test,
        reference_calls=reference_calls,
        seconds=time.perf_counter() - start,
        provenance=model_provenance(final_paths, reference=request.reference, seed=request.seed),
    )
