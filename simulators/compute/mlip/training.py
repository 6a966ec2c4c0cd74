"""Train one MACE model with mace-torch's own trainer, in a child process.

:func:`run_training` takes a :class:`TrainJob` (data as extended-XYZ text, explicit
isolated-atom energies, hyperparameters, optionally a foundation model to fine-tune) and returns
a :class:`TrainedMember` holding the bytes of the stage-two (SWA) model in MACE's own file
format. Jobs and results carry data, not paths, so a committee member can train on any Dask
worker of a cluster without a shared file system.

The schedule is MACE's two-stage one (``--swa``): stage one weights forces heavily at the full
learning rate; from ``swa_start`` on, stage two raises the energy weight and lowers the learning
rate, and MACE averages the weights (SWA). An exponential moving average of the weights (EMA)
runs throughout.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from labwright.protocols.errors import LabwrightError
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

_EPOCH_LINE = re.compile(r"Epoch (\d+):")
_PARAMS_LINE = re.compile(r"^LABWRIGHT_N_PARAMS=(\d+)")


def omp_wait_policy(threads: int, load: float | None, cpus: int) -> str | None:
    """``"PASSIVE"`` when a multi-threaded training would share busy CPUs, else None (OpenMP's
    default: idle threads spin).

    Measured here (2 cores, 2 torch threads, Cu, mace-torch): on an idle machine spinning is
    faster (40 epochs: 84 s vs 136 s passive); with both cores busy with other numpy work a
    spinning thread waits for a descheduled sibling (4 epochs: 184.6 s vs 30.7 s passive, 31.4 s
    with 1 thread). ``load`` is the 1-minute load average (None: unknown).
    """
    if threads <= 1 or load is None:
        return None
    return "PASSIVE" if load + threads > cpus + 1.0 else None  # at least a core busy


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class TrainingFailedError(LabwrightError):
    """mace-torch's trainer exited with an error (the CLI exits 1)."""


class MaceSettings(BaseModel):
    """MACE hyperparameters and schedule (names follow mace-torch's command line)."""

    model_config = ConfigDict(extra="forbid")

    num_channels: int = Field(32, ge=1, description="channels per irrep")
    max_L: int = Field(0, ge=0, le=3, description="highest L of the message features")
    correlation: int = Field(2, ge=1, le=4, description="body order - 1 of each product")
    max_ell: int = Field(2, ge=1, le=4, description="highest l of the edge spherical harmonics")
    num_interactions: int = Field(2, ge=1, le=4)
    r_max: float = Field(4.5, gt=1.0, le=12.0, description="cutoff radius (A)")
    num_radial_basis: int = Field(8, ge=2)
    radial_mlp: list[int] = Field(default_factory=lambda: [32, 32, 32])
    mlp_irreps: str = "16x0e"
    epochs: int = Field(40, ge=1, description="total epochs, both stages")
    swa_start: int | None = Field(
        None, ge=0, description="first epoch of stage two; None = 75% of epochs (MACE's default)"
    )
    batch_size: int = Field(5, ge=1)
    lr: float = Field(0.01, gt=0)
    swa_lr: float = Field(1e-3, gt=0, description="stage-two learning rate")
    energy_weight: float = 1.0
    forces_weight: float = 100.0
    swa_energy_weight: float = 1000.0
    swa_forces_weight: float = 100.0
    stress_weight: float = Field(
        100.0, ge=0, description="used when every configuration has a reference stress"
    )
    swa_stress_weight: float = 100.0
    ema_decay: float = Field(0.99, gt=0, lt=1)
    default_dtype: Literal["float32", "float64"] = "float32"
    eval_interval: int = Field(2, ge=1, description="validate (and maybe checkpoint) every N")

    def stage_two_start(self) -> int:
        if self.swa_start is not None:
            return max(0, min(self.swa_start, self.epochs - 1))
        return max(1, self.epochs // 4 * 3) if self.epochs > 1 else 0

    def validation_interval(self) -> int:
        """``eval_interval``, or 1 when no stage-two epoch would be validated.

        MACE only saves a stage-two (SWA) checkpoint at a validated epoch; without one there is
        no stage-two model to write.
        """
        k, start = self.eval_interval, self.stage_two_start()
        first = -(-start // k) * k
        return k if first <= self.epochs - 1 else 1


class FoundationOptions(BaseModel):
    """Fine-tuning from an existing MACE model (MACE's ``--foundation_model`` route)."""

    model_config = ConfigDict(extra="forbid")

    model_bytes: bytes = Field(repr=False)
    keep_all_elements: bool = True  # --foundation_model_elements


class TrainJob(BaseModel):
    """Everything one training run needs, as data (picklable for Dask)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "model"
    seed: int = 0
    train_extxyz: str = Field(repr=False)
    valid_extxyz: str = Field(repr=False)
    e0s: dict[int, float] = Field(description="isolated-atom energy (eV) by atomic number")
    settings: MaceSettings = Field(default_factory=MaceSettings)
    foundation: FoundationOptions | None = None
    use_stress: bool = Field(False, description="train on REF_stress (periodic data only)")
    threads: int = Field(1, ge=1, description="torch threads in the training process")


class TrainedMember(BaseModel):
    """A trained model in MACE's format, plus what the run cost."""

    seed: int
    model_bytes: bytes = Field(repr=False)
    n_params: int
    wall_seconds: float
    cpu_seconds: float
    epochs: int
    log_tail: str = ""


def mace_arguments(job: TrainJob, work: Path) -> list[str]:
    """The mace-torch command-line arguments for ``job`` with files under ``work``."""
    s = job.settings
    e0s = "{" + ", ".join(f"{z}: {e!r}" for z, e in sorted(job.e0s.items())) + "}"
    args = [
        f"--name={job.name}",
        f"--seed={job.seed}",
        f"--work_dir={work}",
        f"--log_dir={work / 'logs'}",
        f"--model_dir={work}",
        f"--checkpoints_dir={work / 'checkpoints'}",
        f"--results_dir={work / 'results'}",
        f"--downloads_dir={work / 'downloads'}",
        f"--train_file={work / 'train.xyz'}",
        f"--valid_file={work / 'valid.xyz'}",
        f"--E0s={e0s}",
        "--energy_key=REF_energy",
        "--forces_key=REF_forces",
        "--model=ScaleShiftMACE",
        "--interaction_first=RealAgnosticResidualInteractionBlock",
        "--interaction=RealAgnosticResidualInteractionBlock",
        f"--num_channels={s.num_channels}",
        f"--max_L={s.max_L}",
        f"--correlation={s.correlation}",
        f"--max_ell={s.max_ell}",
        f"--num_interactions={s.num_interactions}",
        f"--r_max={s.r_max}",
        f"--num_radial_basis={s.num_radial_basis}",
        f"--radial_MLP={s.radial_mlp}",
        f"--MLP_irreps={s.mlp_irreps}",
        "--scaling=rms_forces_scaling",
        f"--batch_size={s.batch_size}",
        f"--valid_batch_size={max(s.batch_size, 10)}",
        f"--lr={s.lr}",
        f"--energy_weight={s.energy_weight}",
        f"--forces_weight={s.forces_weight}",
        f"--max_num_epochs={s.epochs}",
        f"--patience={10 * s.epochs}",
        "--swa",
        f"--start_swa={s.stage_two_start()}",
        f"--swa_lr={s.swa_lr}",
        f"--swa_energy_weight={s.swa_energy_weight}",
        f"--swa_forces_weight={s.swa_forces_weight}",
        "--ema",
        f"--ema_decay={s.ema_decay}",
        "--amsgrad",
        "--device=cpu",
        f"--default_dtype={s.default_dtype}",
        "--error_table=PerAtomMAE",
        f"--eval_interval={s.validation_interval()}",
        "--plot=False",
        "--pin_memory=False",
        "--num_workers=0",
        "--save_cpu",
        "--log_level=INFO",
    ]
    if job.use_stress:
        args += [
            "--loss=stress",
            "--stress_key=REF_stress",
            f"--stress_weight={s.stress_weight}",
            f"--swa_stress_weight={s.swa_stress_weight}",
        ]
    if job.foundation is not None:
        args += [
            f"--foundation_model={work / 'foundation.model'}",
            f"--foundation_model_elements={job.foundation.keep_all_elements}",
            "--multiheads_finetuning=False",
        ]
    return args


def run_training(
    job: TrainJob,
    on_epoch: Callable[[int, int], object] | None = None,
    keep_dir: str | Path | None = None,
) -> TrainedMember:
    """Train with ``python -m labwright.simulators.compute.mlip.mace_runner`` (mace.cli.run_train).

    ``on_epoch(epoch, total)`` is called whenever MACE logs a validation line. Files (logs,
    checkpoints) go to a temporary directory, or to ``keep_dir`` when given (kept afterwards).
    """
    work = Path(keep_dir) if keep_dir else Path(tempfile.mkdtemp(prefix="labwright-mace-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        (work / "train.xyz").write_text(job.train_extxyz)
        (work / "valid.xyz").write_text(job.valid_extxyz)
        if job.foundation is not None:
            (work / "foundation.model").write_bytes(job.foundation.model_bytes)
        cmd = [
            sys.executable,
            "-m",
            "labwright.simulators.compute.mlip.mace_runner",
            *mace_arguments(job, work),
        ]
        env = dict(os.environ)
        threads = str(job.threads)
        env.update(
            LABWRIGHT_TORCH_THREADS=threads,
            OMP_NUM_THREADS=threads,
            MKL_NUM_THREADS=threads,
            OPENBLAS_NUM_THREADS=threads,
            PYTHONWARNINGS="ignore",
            PYTHONUNBUFFERED="1",
            WANDB_MODE="disabled",
        )
        policy = omp_wait_policy(job.threads, _load_average(), _cpu_count())
        if policy and "OMP_WAIT_POLICY" not in env:  # a user's own setting wins
            env["OMP_WAIT_POLICY"] = policy
        log.info("training MACE: %s", " ".join(cmd))
        start = time.perf_counter()
        lines: list[str] = []
        n_params = 0
        with open(work / "mace_stdout.log", "w") as sink:
            proc = subprocess.Popen(
                cmd,
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                sink.write(line)
                lines.append(line)
                match = _EPOCH_LINE.search(line)
                if match and on_epoch is not None:
                    on_epoch(int(match.group(1)) + 1, job.settings.epochs)
                params = _PARAMS_LINE.match(line)
                if params:
                    n_params = int(params.group(1))
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        tail = "".join(lines[-25:])
        model_path = work / f"{job.name}_stagetwo.model"
        if proc.returncode != 0 or not model_path.is_file():
            raise TrainingFailedError(
                f"MACE training failed (exit code {proc.returncode}); last log lines:\n{tail}",
                hint=f"see the full log in {work / 'mace_stdout.log'}",
            )
        return TrainedMember(
            seed=job.seed,
            model_bytes=model_path.read_bytes(),
            n_params=n_params,
            wall_seconds=wall,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            epochs=job.settings.epochs,
            log_tail=tail,
        )
    finally:
        if keep_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def train_member(job: TrainJob) -> TrainedMember:
    """Dask-friendly task: one committee member (no callbacks, temporary directory)."""
    return run_training(job)
