"""Train a MACE potential (or a committee of them) on reference data made on the fly.

:func:`train_potential` generates labelled train / validation / held-out test sets with an
offline reference calculator, computes the isolated-atom energies with the same calculator,
trains ``committee`` members with mace-torch's own trainer (as Dask tasks when asked, through
:func:`labwright.simulators.compute.cluster.run_tasks`), writes the models and data next to each other
(see :mod:`labwright.simulators.compute.mlip.store`) and measures the errors on the held-out set.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip import dataset as ds
from labwright.simulators.compute.mlip.metrics import ErrorMetrics, evaluate
from labwright.simulators.compute.mlip.provenance import Provenance, model_provenance
from labwright.simulators.compute.mlip.reference import check_reference, isolated_atom_energies
from labwright.simulators.compute.mlip.store import (
    ModelCard,
    data_path,
    member_path,
    save_card,
)
from labwright.simulators.compute.mlip.training import (
    FoundationOptions,
    MaceSettings,
    TrainedMember,
    TrainJob,
    run_training,
    train_member,
)
from labwright.simulators.compute.mlip.uncertainty import Calibration, Method, UncertaintyMetrics
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from ase import Atoms

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], object]
"""``progress(stage, done, total)``: called as long work advances (CLI progress bars)."""


def _noop(stage: str, done: int, total: int) -> None:
    return None


class ComputeOptions(BaseModel):
    """Where and how training runs."""

    model_config = ConfigDict(extra="forbid")

    threads: int = Field(1, ge=1, description="torch threads per training process")
    workers: int = Field(1, ge=1, description="Dask workers (1 and no scheduler: in-process)")
    scheduler: str | None = Field(None, description="address of an existing Dask scheduler")


class TrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = "emt"
    elements: list[str] = Field(default_factory=lambda: ["Cu"])
    lattice: str | None = None
    md_temperatures: tuple[float, float] | None = Field(
        None, description="MD sampling range (K) of every split; default: the reference's"
    )
    configs: int = Field(100, ge=2, description="training configurations")
    valid_configs: int | None = Field(None, ge=1, description="default: max(5, configs // 10)")
    test_configs: int = Field(50, ge=1, description="held-out test configurations")
    calib_configs: int = Field(
        20, ge=0, description="held-out calibration configurations (committee > 1; 0: none)"
    )
    calibration_method: Method = "conformal"
    seed: int = 0
    committee: int = Field(1, ge=1, le=16)
    settings: MaceSettings = Field(default_factory=MaceSettings)
    compute: ComputeOptions = Field(default_factory=ComputeOptions)
    output: Path


class TrainReport(BaseModel):
    model_path: str
    member_paths: list[str]
    committee: int
    n_params: int
    reference: str
    elements: list[str]
    e0s: dict[str, float]
    seed: int
    epochs: int
    threads: int
    n_train: int
    n_valid: int
    n_test: int
    energy_mae_mev_per_atom: float
    energy_rmse_mev_per_atom: float
    force_mae_mev_per_a: float
    force_rmse_mev_per_a: float
    committee_test: ErrorMetrics | None = Field(
        None, description="errors of the committee mean (committee > 1)"
    )
    n_calib: int = 0
    calibration: Calibration | None = Field(
        None, description="fitted on the calibration split (committee > 1)"
    )
    test_uncertainty: UncertaintyMetrics | None = Field(
        None, description="calibrated 95 % intervals on the held-out test set"
    )
    train_seconds: float = Field(description="wall time of the training stage")
    train_cpu_seconds: float = Field(description="CPU time summed over training processes")
    member_wall_seconds: list[float]
    data_seconds: float
    data_files: dict[str, str]
    provenance: Provenance


def symbols_to_numbers(e0s: dict[str, float]) -> dict[int, float]:
    from ase.data import atomic_numbers

    return {int(atomic_numbers[el]): float(e) for el, e in e0s.items()}


def make_jobs(
    train: Sequence[Atoms],
    valid: Sequence[Atoms],
    e0s: dict[str, float],
    settings: MaceSettings,
    seed: int,
    committee: int,
    threads: int,
    foundations: Sequence[bytes] | None = None,
    name: str = "model",
) -> list[TrainJob]:
    """One job per committee member; member k trains with seed ``seed + k``."""
    train_text, valid_text = ds.to_extxyz_text(train), ds.to_extxyz_text(valid)
    use_stress = ds.has_stress(train) and ds.has_stress(valid) and settings.stress_weight > 0
    jobs = []
    for k in range(committee):
        foundation = None
        if foundations:
            foundation = FoundationOptions(model_bytes=foundations[k % len(foundations)])
        jobs.append(
            TrainJob(
                name=name,
                seed=seed + k,
                train_extxyz=train_text,
                valid_extxyz=valid_text,
                e0s=symbols_to_numbers(e0s),
                settings=settings,
                foundation=foundation,
                use_stress=use_stress,
                threads=threads,
            )
        )
    return jobs


def train_members(
    jobs: Sequence[TrainJob], compute: ComputeOptions, progress: ProgressFn = _noop
) -> tuple[list[TrainedMember], float]:
    """Train every job (in-process one after another, or as Dask tasks). Returns wall time."""
    from labwright.simulators.compute.cluster import run_tasks

    start = time.perf_counter()
    total = len(jobs)
    if compute.workers == 1 and compute.scheduler is None:
        members = []
        epochs = jobs[0].settings.epochs if jobs else 1
        for k, job in enumerate(jobs):

            def on_epoch(epoch: int, n: int, k: int = k) -> None:
                progress("train", k * epochs + epoch, total * epochs)

            members.append(run_training(job, on_epoch=on_epoch))
            progress("train", (k + 1) * epochs, total * epochs)
    else:
        done = 0

        def on_done(_: int) -> None:
            nonlocal done
            done += 1
            progress("train", done, total)

        members = run_tasks(
            train_member,
            list(jobs),
            workers=compute.workers,
            scheduler=compute.scheduler,
            on_done=on_done,
        )
    return members, time.perf_counter() - start


def write_members(output: Path, members: Sequence[TrainedMember]) -> list[Path]:
    """Member k goes to ``member_path(output, k)`` (member 0 at ``output`` itself)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, member in enumerate(members):
        path = member_path(output, k)
        path.write_bytes(member.model_bytes)
        paths.append(path)
    return paths


def generate_splits(
    reference: str,
    elements: Sequence[str],
    n_train: int,
    n_valid: int,
    n_test: int,
    seed: int,
    lattice: str | None,
    progress: ProgressFn = _noop,
    md_temperatures: tuple[float, float] | None = None,
) -> tuple[list[Atoms], list[Atoms], list[Atoms]]:
    """Train / validation / test sets from independent random streams of one seed."""
    total = n_train + n_valid + n_test
    sets = []
    offset = 0
    for n, stream in (
        (n_train, ds.STREAM_TRAIN),
        (n_valid, ds.STREAM_VALID),
        (n_test, ds.STREAM_TEST),
    ):

        def tick(i: int, offset: int = offset) -> None:
            progress("data", offset + i + 1, total)

        sets.append(
            ds.generate_dataset(
                reference,
                elements,
                n,
                seed,
                stream,
                lattice=lattice,
                on_done=tick,
                md_temperatures=md_temperatures,
            )
        )
        offset += n
    return sets[0], sets[1], sets[2]


def held_out_errors(
    member_paths: Sequence[Path], test: Sequence[Atoms], threads: int
) -> tuple[ErrorMetrics, ErrorMetrics | None]:
    """Errors of member 0 alone and (with several members) of the committee mean."""
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    single = evaluate(CommitteeCalculator(member_paths[:1], threads=threads), test)
    mean = None
    if len(member_paths) > 1:
        mean = evaluate(CommitteeCalculator(member_paths, threads=threads), test)
    return single, mean


def calibrate_on_split(
    member_paths: Sequence[Path],
    calib: Sequence[Atoms],
    test: Sequence[Atoms],
    method: Method,
    threads: int,
) -> tuple[Calibration, UncertaintyMetrics]:
    """Calibrate the committee on ``calib``; measure the calibrated intervals on ``test``."""
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator
    from labwright.simulators.compute.mlip.uncertainty import calibrate, predict, uncertainty_metrics

    calc = CommitteeCalculator(member_paths, threads=threads)
    calibration = calibrate(predict(calc, calib), method, committee=len(member_paths))
    metrics = uncertainty_metrics(predict(calc, test), calibration)
    return calibration, metrics


def train_potential(request: TrainRequest, progress: ProgressFn = _noop) -> TrainReport:
    """Generate data, train, save and evaluate (see module docstring)."""
    check_reference(request.reference, request.elements)
    if request.settings.batch_size > request.configs:
        raise LabwrightError(
            f"batch size {request.settings.batch_size} exceeds {request.configs} configurations",
            hint="use more --configs or a smaller batch size",
        )
    output = Path(request.output)
    if output.suffix != ".model":
        raise LabwrightError(f"output {str(output)!r} should end in .model", hint="e.g. -o cu.model")
    n_valid = request.valid_configs or max(5, request.configs // 10)

    t0 = time.perf_counter()
    train, valid, test = generate_splits(
        request.reference,
        request.elements,
        request.configs,
        n_valid,
        request.test_configs,
        request.seed,
        request.lattice,
        progress,
        request.md_temperatures,
    )
    e0s = isolated_atom_energies(request.reference, sorted(request.elements))
    data_seconds = time.perf_counter() - t0

    jobs = make_jobs(
        train,
        valid,
        e0s,
        request.settings,
        request.seed,
        request.committee,
        request.compute.threads,
        name=ds_name(output),
    )
    members, wall = train_members(jobs, request.compute, progress)
    paths = write_members(output, members)
    files = {}
    for split, frames in (("train", train), ("valid", valid), ("test", test)):
        files[split] = ds.write_extxyz(data_path(output, split), frames).name

    single, mean = held_out_errors(paths, test, request.compute.threads)
    calibration, test_uq, n_calib = None, None, 0
    if len(paths) > 1 and request.calib_configs > 0:
        calib = ds.generate_dataset(
            request.reference,
            request.elements,
            request.calib_configs,
            request.seed,
            ds.STREAM_CALIB,
            lattice=request.lattice,
            md_temperatures=request.md_temperatures,
        )
        files["calib"] = ds.write_extxyz(data_path(output, "calib"), calib).name
        calibration, test_uq = calibrate_on_split(
            paths, calib, test, request.calibration_method, request.compute.threads
        )
        calibration.data = files["calib"]
        n_calib = len(calib)
    card = ModelCard(
        reference=request.reference,
        elements=sorted(request.elements),
        e0s=e0s,
        seed=request.seed,
        settings=request.settings,
        members=[p.name for p in paths],
        data=files,
        n_params=members[0].n_params,
        test_metrics=single,
        calibration=calibration,
    )
    save_card(output, card)
    return TrainReport(
        model_path=str(output),
        member_paths=[str(p) for p in paths],
        committee=len(paths),
        n_params=members[0].n_params,
        reference=request.reference,
        elements=sorted(request.elements),
        e0s=e0s,
        seed=request.seed,
        epochs=request.settings.epochs,
        threads=request.compute.threads,
        n_train=len(train),
        n_valid=len(valid),
        n_test=len(test),
        energy_mae_mev_per_atom=single.energy_mae_mev_per_atom,
        energy_rmse_mev_per_atom=single.energy_rmse_mev_per_atom,
        force_mae_mev_per_a=single.force_mae_mev_per_a,
        force_rmse_mev_per_a=single.force_rmse_mev_per_a,
        committee_test=mean,
        n_calib=n_calib,
        calibration=calibration,
        test_uncertainty=test_uq,
        train_seconds=wall,
        train_cpu_seconds=sum(m.cpu_seconds for m in members),
        member_wall_seconds=[m.wall_seconds for m in members],
        data_seconds=data_seconds,
        data_files={k: str(output.parent / v) for k, v in files.items()},
        provenance=model_provenance(paths, reference=request.reference, seed=request.seed),
    )


def ds_name(output: Path) -> str:
    """A file-name-safe run name for MACE (its --name)."""
    stem = output.name[: -len(".model")] if output.name.endswith(".model") else output.name
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    return safe or "model"
