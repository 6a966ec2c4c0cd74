"""`labwright mlip`: train, fine-tune, evaluate and run MACE interatomic potentials.

    labwright mlip train --reference emt --elements Cu --configs 100 --seed 0 -o cu.model --json
    labwright mlip finetune cu.model --reference emt --elements Al --configs 75 --replay 25 \\
        -o cual.model --json
    labwright mlip eval cu.model --data cu.test.extxyz --json
    labwright mlip calibrate cu.model --data held_out.extxyz --method conformal --json
    labwright mlip md cu.model --structure cu.test.extxyz --steps 1000 --temperature 600 \\
        -o traj.extxyz
    labwright mlip active-learn --reference emt --elements Cu --iterations 3 -o al.model --json

Reference data come from offline calculators (emt, lj, xtb); training runs mace-torch's own
trainer. Committee members train as Dask tasks with --workers N (a LocalCluster) or on an
existing cluster with --scheduler tcp://HOST:PORT.

Exit codes: 0 done; 1 training failed or (eval) an error above --max-energy-mae /
--max-force-mae; 2 unusable input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from labwright.commands.common import (
    ExitCode,
    console,
    fail_invalid,
    fail_with,
    progress_bars,
    refuse_overwrite,
)

app = typer.Typer(
    help=(
        "Machine-learned interatomic potentials (MACE): train, finetune, eval, calibrate, md, active-learn."
    ),
    no_args_is_help=True,
)


class ReferenceChoice(StrEnum):
    emt = "emt"
    lj = "lj"
    xtb = "xtb"


class LatticeChoice(StrEnum):
    fcc = "fcc"
    bcc = "bcc"
    hcp = "hcp"


class DtypeChoice(StrEnum):
    float32 = "float32"
    float64 = "float64"


class MethodChoice(StrEnum):
    conformal = "conformal"
    scale = "scale"


class SelectionChoice(StrEnum):
    uncertainty = "uncertainty"
    random = "random"


class ThermostatChoice(StrEnum):
    langevin = "langevin"
    nose_hoover = "nose-hoover"


# ----------------------------------------------------------------------------- helpers


def _elements(value: list[str]) -> list[str]:
    out: list[str] = []
    for item in value:
        out += [e.strip() for e in item.split(",") if e.strip()]
    return sorted(set(out))


def _run(work: Callable[[Callable[[str, int, int], None]], Any], as_json: bool) -> Any:
    """Run ``work(progress)`` under rich progress bars on stderr; map errors to exit codes."""
    from pydantic import ValidationError

    from labwright.protocols.errors import LabwrightError
    from labwright.simulators.compute.mlip.training import TrainingFailedError

    labels = {
        "data": "reference data",
        "train": "training (epochs)",
        "evaluate": "evaluating",
        "eval": "evaluating",
        "md": "MD steps",
        "pool": "active-learning iterations",
        "calibrate": "calibrating",
    }
    try:
        with progress_bars() as progress:
            tasks: dict[str, Any] = {}

            def on_progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(labels.get(stage, stage), total=total)
                progress.update(tasks[stage], completed=done, total=total)

            return work(on_progress)
    except TrainingFailedError as exc:
        fail_with(exc, as_json, ExitCode.FAILED)
    except ValidationError as exc:
        fail_invalid(exc, as_json)
    except LabwrightError as exc:
        fail_with(exc, as_json)


def _emit(payload: dict[str, Any], as_json: bool, title: str, rows: list[tuple[str, Any]]) -> None:
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for key, value in rows:
        if isinstance(value, float):
            value = f"{value:.3f}"
        table.add_row(key, str(value))
    console().print(table)


def _settings(base: Any | None = None, **overrides: Any) -> Any:
    from labwright.simulators.compute.mlip.training import MaceSettings

    clean = {k: v for k, v in overrides.items() if v is not None}
    if base is None:
        return MaceSettings(**clean)
    return MaceSettings(**{**base.model_dump(), **clean})


def _compute(threads: int, workers: int, scheduler: str | None) -> Any:
    from labwright.simulators.compute.mlip.train import ComputeOptions

    return ComputeOptions(threads=threads, workers=workers, scheduler=scheduler)


# Options shared by the training commands.
ThreadsOpt = Annotated[
    int, typer.Option(min=1, help="torch threads per training process (2 = the target setup)")
]
WorkersOpt = Annotated[int, typer.Option(min=1, help="Dask workers (LocalCluster) for members")]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="address of an existing Dask scheduler, tcp://HOST:PORT")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")]
OverwriteOpt = Annotated[bool, typer.Option(help="allow -o to replace an existing model")]
ElementsOpt = Annotated[
    list[str], typer.Option("--elements", "-e", help="elements, comma-separated or repeated")
]
EpochsOpt = Annotated[int | None, typer.Option(min=1, help="training epochs (both stages)")]
SwaOpt = Annotated[int | None, typer.Option(min=0, help="first epoch of stage two (default: 75% of epochs)")]
CommitteeOpt = Annotated[int, typer.Option(min=1, max=16, help="committee members")]
# fine-tuning defaults live in simulators/mlip/finetune.py (FINETUNE_EPOCHS, a test keeps them equal)
FinetuneEpochsOpt = Annotated[
    int | None, typer.Option(min=1, help="fine-tuning epochs, both stages (default 40)")
]
FinetuneSwaOpt = Annotated[
    int | None, typer.Option(min=0, help="first epoch of stage two (default: half the epochs)")
]


# ----------------------------------------------------------------------------- train


@app.command("train")
def train_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="model file to write (.model)")],
    reference: Annotated[ReferenceChoice, typer.Option(help="reference calculator")] = (ReferenceChoice.emt),
    elements: ElementsOpt = ["Cu"],  # noqa: B006  (typer reads the default)
    lattice: Annotated[LatticeChoice | None, typer.Option(help="bulk phase for emt (default fcc)")] = None,
    configs: Annotated[int, typer.Option(min=2, help="training configurations")] = 100,
    valid_configs: Annotated[
        int | None, typer.Option(min=1, help="validation configurations (default configs/10)")
    ] = None,
    test_configs: Annotated[int, typer.Option(min=1, help="held-out test configurations")] = 50,
    calib_configs: Annotated[
        int, typer.Option(min=0, help="held-out calibration configurations (committee > 1)")
    ] = 20,
    calibration: Annotated[
        MethodChoice, typer.Option(help="how the committee's spread becomes 95% intervals")
    ] = MethodChoice.conformal,
    md_temperatures: Annotated[
        str | None, typer.Option(help="MD sampling range LOW:HIGH in K (default: the reference's)")
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed (data and training)")] = 0,
    committee: CommitteeOpt = 1,
    epochs: EpochsOpt = None,
    swa_start: SwaOpt = None,
    channels: Annotated[int | None, typer.Option(min=1, help="MACE channels")] = None,
    max_l: Annotated[int | None, typer.Option("--max-L", min=0, max=3, help="MACE max_L")] = None,
    correlation: Annotated[int | None, typer.Option(min=1, max=4)] = None,
    r_max: Annotated[float | None, typer.Option(help="cutoff radius (A)")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1)] = None,
    lr: Annotated[float | None, typer.Option(help="stage-one learning rate")] = None,
    dtype: Annotated[DtypeChoice | None, typer.Option(help="training precision")] = None,
    threads: ThreadsOpt = 1,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Generate reference data and train a MACE model (or a committee) with mace-torch."""
    refuse_overwrite(output, overwrite, as_json)

    def work(progress: Callable[[str, int, int], None]) -> Any:
        from labwright.simulators.compute.mlip.train import TrainRequest, train_potential

        request = TrainRequest(
            reference=reference.value,
            elements=_elements(elements),
            lattice=lattice.value if lattice else None,
            configs=configs,
            valid_configs=valid_configs,
            test_configs=test_configs,
            calib_configs=calib_configs,
            calibration_method=calibration.value,
            md_temperatures=_temperature_range(md_temperatures),
            seed=seed,
            committee=committee,
            settings=_settings(
                epochs=epochs,
                swa_start=swa_start,
                num_channels=channels,
                max_L=max_l,
                correlation=correlation,
                r_max=r_max,
                batch_size=batch_size,
                lr=lr,
                default_dtype=dtype.value if dtype else None,
            ),
            compute=_compute(threads, workers, scheduler),
            output=output,
        )
        return train_potential(request, progress)

    report = _run(work, as_json)
    _emit(
        report.model_dump(mode="json"),
        as_json,
        f"MACE model {report.model_path}",
        [
            ("parameters", report.n_params),
            ("committee", report.committee),
            ("train / valid / test configs", f"{report.n_train} / {report.n_valid} / {report.n_test}"),
            ("test energy MAE (meV/atom)", report.energy_mae_mev_per_atom),
            ("test force MAE (meV/A)", report.force_mae_mev_per_a),
            ("test energy RMSE (meV/atom)", report.energy_rmse_mev_per_atom),
            ("test force RMSE (meV/A)", report.force_rmse_mev_per_a),
            ("training wall time (s)", report.train_seconds),
            *(
                [("calibration configs", report.n_calib), *_uncertainty_rows(report.test_uncertainty, None)]
                if report.test_uncertainty is not None
                else []
            ),
        ],
    )


def _temperature_range(value: str | None) -> tuple[float, float] | None:
    """``"300:600"`` -> (300.0, 600.0); bad input is a LabwrightError (exit 2)."""
    if value is None:
        return None
    from labwright.protocols.errors import LabwrightError

    try:
        low, high = (float(x) for x in value.split(":"))
    except ValueError:
        raise LabwrightError(
            f"--md-temperatures {value!r} is not LOW:HIGH", hint="e.g. --md-temperatures 300:600"
        ) from None
    return low, high


# ----------------------------------------------------------------------------- finetune


@app.command("finetune")
def finetune_command(
    model: Annotated[Path, typer.Argument(help="base model (.model)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="fine-tuned model to write")],
    elements: ElementsOpt,
    reference: Annotated[
        ReferenceChoice | None, typer.Option(help="default: the base model's reference")
    ] = None,
    lattice: Annotated[LatticeChoice | None, typer.Option(help="bulk phase of the new data (emt)")] = None,
    configs: Annotated[int, typer.Option(min=2, help="new training configurations")] = 75,
    replay: Annotated[int, typer.Option(min=0, help="old training configurations mixed in (0 = naive)")] = 0,
    replay_weight: Annotated[
        float | None,
        typer.Option(help="loss weight per replayed configuration (default 3 x configs/replay)"),
    ] = None,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit-offsets/--no-refit-offsets",
            help="least-squares refit of per-element energy offsets on the training data",
        ),
    ] = True,
    test_configs: Annotated[int, typer.Option(min=1, help="new held-out test configurations")] = 50,
    old_train: Annotated[
        Path | None, typer.Option(help="old training set (default: from the model card)")
    ] = None,
    old_test: Annotated[Path | None, typer.Option(help="old test set (default: from the model card)")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    committee: CommitteeOpt = 1,
    epochs: FinetuneEpochsOpt = None,
    swa_start: FinetuneSwaOpt = None,
    lr: Annotated[float | None, typer.Option(help="learning rate (default 0.005)")] = None,
    threads: ThreadsOpt = 1,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Fine-tune on new elements or a new phase; report the old test set before and after."""
    refuse_overwrite(output, overwrite, as_json)

    def work(progress: Callable[[str, int, int], None]) -> Any:
        from labwright.simulators.compute.mlip.finetune import (
            FinetuneRequest,
            finetune_potential,
            finetune_settings,
        )
        from labwright.simulators.compute.mlip.store import load_card

        card = load_card(model) if model.is_file() else None
        settings = _settings(
            finetune_settings(card.settings if card else None, epochs),
            swa_start=swa_start,
            lr=lr,
        )
        request = FinetuneRequest(
            base_model=model,
            reference=reference.value if reference else None,
            elements=_elements(elements),
            lattice=lattice.value if lattice else None,
            configs=configs,
            replay=replay,
            replay_weight=replay_weight,
            refit_offsets=refit,
            test_configs=test_configs,
            seed=seed,
            committee=committee,
            settings=settings,
            old_train=old_train,
            old_test=old_test,
            compute=_compute(threads, workers, scheduler),
            output=output,
        )
        return finetune_potential(request, progress)

    report = _run(work, as_json)
    before, after = report.old_test_before, report.old_test_after
    _emit(
        report.model_dump(mode="json"),
        as_json,
        f"fine-tuned {report.base_model} -> {report.model_path} (replay {report.replay})",
        [
            ("new elements", ", ".join(report.new_elements) or "(none: new phase)"),
            (
                "train configs (new + replay x weight)",
                f"{report.n_train_new} + {report.replay} x {report.replay_weight:.2f}",
            ),
            ("OLD test energy MAE before (meV/atom)", before.energy_mae_mev_per_atom),
            (
                "OLD test energy MAE after training (meV/atom)",
                report.old_test_after_training.energy_mae_mev_per_atom,
            ),
            ("OLD test energy MAE after refit (meV/atom)", after.energy_mae_mev_per_atom),
            ("energy forgetting ratio (after/before)", report.energy_forgetting_ratio),
            ("OLD test force MAE before (meV/A)", before.force_mae_mev_per_a),
            ("OLD test force MAE after (meV/A)", after.force_mae_mev_per_a),
            ("NEW test energy MAE (meV/atom)", report.new_test_after.energy_mae_mev_per_atom),
            ("NEW test force MAE (meV/A)", report.new_test_after.force_mae_mev_per_a),
            ("training wall time (s)", report.train_seconds),
        ],
    )


# ----------------------------------------------------------------------------- eval


@app.command("eval")
def eval_command(
    model: Annotated[Path, typer.Argument(help="model (.model)")],
    data: Annotated[Path, typer.Option(help="labelled extended XYZ (REF_energy/REF_forces)")],
    committee: Annotated[
        bool, typer.Option("--committee/--no-committee", help="use the committee mean")
    ] = True,
    max_energy_mae: Annotated[
        float | None, typer.Option(help="exit 1 when the energy MAE (meV/atom) is above this")
    ] = None,
    max_force_mae: Annotated[
        float | None, typer.Option(help="exit 1 when the force MAE (meV/A) is above this")
    ] = None,
    threads: Annotated[int, typer.Option(min=1, help="torch threads")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Energy and force MAE / RMSE on a labelled set; for a calibrated committee also the 95%
    intervals' coverage, Spearman (error vs uncertainty) and miscalibration area."""

    def work(progress: Callable[[str, int, int], None]) -> Any:
        from labwright.simulators.compute.mlip.evaluation import EvalRequest, evaluate_potential

        request = EvalRequest(model_path=model, data=data, committee=committee, threads=threads)
        return evaluate_potential(request, progress)

    report = _run(work, as_json)
    failed = (max_energy_mae is not None and report.energy_mae_mev_per_atom > max_energy_mae) or (
        max_force_mae is not None and report.force_mae_mev_per_a > max_force_mae
    )
    payload = report.model_dump(mode="json")
    payload["passed"] = not failed
    _emit(
        payload,
        as_json,
        f"{report.model_path} on {report.data}",
        [
            ("configurations / atoms", f"{report.n_configs} / {report.n_atoms}"),
            ("committee", report.committee),
            ("energy MAE (meV/atom)", report.energy_mae_mev_per_atom),
            ("energy RMSE (meV/atom)", report.energy_rmse_mev_per_atom),
            ("force MAE (meV/A)", report.force_mae_mev_per_a),
            ("force RMSE (meV/A)", report.force_rmse_mev_per_a),
            *_uncertainty_rows(report.uncertainty, report.uncertainty_note),
        ],
    )
    raise typer.Exit(ExitCode.FAILED if failed else ExitCode.OK)


def _uncertainty_rows(uq: Any, note: str | None) -> list[tuple[str, Any]]:
    """Coverage, Spearman and miscalibration area of a calibrated committee, as table rows."""
    if uq is None:
        return [("uncertainty", note or "none")]
    rows: list[tuple[str, Any]] = [("calibration", uq.method)]
    for name, m, unit in (("energy", uq.energy, "meV/atom"), ("force", uq.forces, "meV/A")):
        pct = round(100 * m.level)
        rows += [
            (f"{name} {pct}% interval coverage", f"{100 * m.coverage:.1f}% of {m.n}"),
            (f"{name} {pct}% interval mean half-width ({unit})", m.mean_halfwidth),
            (f"{name} Spearman (|error| vs uncertainty)", "n/a" if m.spearman is None else m.spearman),
            (f"{name} miscalibration area", m.miscalibration_area),
        ]
    return rows


@app.command("calibrate")
def calibrate_command(
    model: Annotated[Path, typer.Argument(help="committee model (.model with a card)")],
    data: Annotated[Path, typer.Option(help="held-out labelled extended XYZ (no training data)")],
    method: Annotated[
        MethodChoice, typer.Option(help="split-conformal quantile or one Gaussian scale factor")
    ] = MethodChoice.conformal,
    threads: Annotated[int, typer.Option(min=1, help="torch threads")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Calibrate a committee's uncertainty on held-out data; the card keeps the calibration."""

    def work(progress: Callable[[str, int, int], None]) -> Any:
        from labwright.simulators.compute.mlip.calibration import CalibrateRequest, calibrate_model

        request = CalibrateRequest(model_path=model, data=data, method=method.value, threads=threads)
        return calibrate_model(request, progress)

    report = _run(work, as_json)
    cal = report.calibration
    _emit(
        report.model_dump(mode="json"),
        as_json,
        f"calibrated {report.model_path} on {report.data} ({cal.method})",
        [
            ("configurations / atoms", f"{cal.n_configs} / {cal.n_atoms}"),
            ("committee", cal.committee),
            ("energy 95% multiplier of sigma", cal.energy.multiplier(cal.level)),
            ("force 95% multiplier of sigma", cal.forces.multiplier(cal.level)),
            ("energy Gaussian scale factor", cal.energy.scale),
            ("force Gaussian scale factor", cal.forces.scale),
            *_uncertainty_rows(report.on_calibration_data, None),
        ],
    )


# ----------------------------------------------------------------------------- md


@app.command("md")
def md_command(
    model: Annotated[Path, typer.Argument(help="model (.model)")],
    structure: Annotated[Path, typer.Option(help="starting structure (extended XYZ, frame 0)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="trajectory (extended XYZ)")],
    steps: Annotated[int, typer.Option(min=1, help="MD steps")] = 1000,
    temperature: Annotated[float, typer.Option(help="temperature (K)")] = 300.0,
    timestep: Annotated[float, typer.Option(help="time step (fs)")] = 2.0,
    thermostat: Annotated[ThermostatChoice, typer.Option(help="NVT thermostat")] = (
        ThermostatChoice.langevin
    ),
    friction: Annotated[float, typer.Option(help="Langevin friction (1/fs)")] = 0.01,
    interval: Annotated[int, typer.Option(min=1, help="write every N steps")] = 10,
    seed: Annotated[int, typer.Option(help="random seed (velocities, Langevin noise)")] = 0,
    committee: Annotated[
        bool, typer.Option("--committee/--no-committee", help="committee mean and spread")
    ] = True,
    threads: Annotated[int, typer.Option(min=1, help="torch threads")] = 1,
    overwrite: Annotated[bool, typer.Option(help="allow -o to replace a trajectory")] = False,
    as_json: JsonOpt = False,
) -> None:
    """NVT molecular dynamics with the model (ASE Langevin or Nose-Hoover chain)."""
    refuse_overwrite(output, overwrite, as_json)

    def work(progress: Callable[[str, int, int], None]) -> Any:
        from labwright.simulators.compute.mlip.dynamics import MdRequest, run_md

        request = MdRequest(
            model_path=model,
            structure=structure,
            steps=steps,
            temperature_k=temperature,
            timestep_fs=timestep,
            thermostat=thermostat.value,
            friction_per_fs=friction,
            interval=interval,
            seed=seed,
            committee=committee,
            threads=threads,
            output=output,
        )
        return run_md(request, progress)

    report = _run(work, as_json)
    _emit(
        report.model_dump(mode="json"),
        as_json,
        f"MD trajectory {report.trajectory}",
        [
            ("steps / frames", f"{report.steps} / {report.frames}"),
            ("thermostat", report.thermostat),
            (
                "target / mean temperature (K)",
                f"{report.temperature_target_k:.0f} / {report.temperature_mean_k:.0f}",
            ),
            ("largest committee force spread (eV/A)", report.max_force_std_ev_per_a),
            ("wall time (s)", report.seconds),
        ],
    )


# ----------------------------------------------------------------------------- active learning


@app.command("active-learn")
def active_learn_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="final model to write")],
    reference: Annotated[ReferenceChoice, typer.Option(help="reference calculator")] = (ReferenceChoice.emt),
    elements: ElementsOpt = ["Cu"],  # noqa: B006
    lattice: Annotated[LatticeChoice | None, typer.Option(help="bulk phase (emt)")] = None,
    initial: Annotated[int, typer.Option(min=2, help="labelled configurations to start")] = 20,
    pool: Annotated[int, typer.Option(min=1, help="candidates scored per iteration")] = 60,
    per_iteration: Annotated[int, typer.Option(min=1, help="labelled per iteration")] = 10,
    iterations: Annotated[int, typer.Option(min=1, help="iterations")] = 3,
    committee: Annotated[int, typer.Option(min=2, max=16, help="committee members")] = 3,
    selection: Annotated[
        SelectionChoice,
        typer.Option(help="largest calibrated force interval, or random (the baseline)"),
    ] = SelectionChoice.uncertainty,
    test_configs: Annotated[int, typer.Option(min=1, help="held-out test configurations")] = 30,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    epochs: EpochsOpt = None,
    swa_start: SwaOpt = None,
    threads: ThreadsOpt = 1,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Query-by-committee loop: label where the calibrated uncertainty is largest, retrain."""
    refuse_overwrite(output, overwrite, as_json)

    def work(progress: Callable[[str, int, int], None]) -> Any:
        from labwright.simulators.compute.mlip.active_learning import ActiveLearnRequest, active_learn

        request = ActiveLearnRequest(
            reference=reference.value,
            elements=_elements(elements),
            lattice=lattice.value if lattice else None,
            initial=initial,
            pool=pool,
            per_iteration=per_iteration,
            iterations=iterations,
            committee=committee,
            selection=selection.value,
            test_configs=test_configs,
            seed=seed,
            settings=_settings(epochs=epochs, swa_start=swa_start),
            compute=_compute(threads, workers, scheduler),
            output=output,
        )
        return active_learn(request, progress)

    report = _run(work, as_json)
    rows: list[tuple[str, Any]] = []
    for it in report.iterations:
        rows.append(
            (
                f"iteration {it.iteration} (n_train {it.n_train})",
                f"test E {it.test.energy_mae_mev_per_atom:.2f} meV/atom, "
                f"F {it.test.force_mae_mev_per_a:.1f} meV/A; picked 95% force interval "
                f"{it.picked_mean_force_interval:.3f} vs pool {it.pool_mean_force_interval:.3f} eV/A",
            )
        )
    rows.append(
        (
            f"final (n_train {report.final_n_train})",
            f"test E {report.final_test.energy_mae_mev_per_atom:.2f} meV/atom, "
            f"F {report.final_test.force_mae_mev_per_a:.1f} meV/A",
        )
    )
    _emit(report.model_dump(mode="json"), as_json, f"active learning -> {report.model_path}", rows)
