"""Fine-tune a trained potential on new elements or phases, and show what it forgets.

:func:`finetune_potential`:

1. reads the base model's card (reference, elements, E0s, its train and held-out test sets);
2. generates labelled data for the new elements / phase with the reference calculator;
3. when the new data has elements the base model lacks, grows the base model's element table
   (:func:`labwright.simulators.compute.mlip.elements.expand_elements`, exact on the old elements);
4. mixes ``replay`` configurations drawn (seeded) from the base model's training set into the
   new training set (``replay = 0`` is the naive fine-tune), each weighted in the loss by
   ``3 x configs / replay`` (MACE's per-configuration ``config_weight``: the old data weigh
   three times the new), and old validation configurations in the same share into the
   validation set (MACE keeps the checkpoint with the lowest validation loss);
5. fine-tunes with mace-torch's own foundation-model route (``--foundation_model``,
   ``--foundation_model_elements``, single head) and its two-stage schedule (40 epochs, the
   second half in stage two);
6. refits the per-element energy offsets by least squares on the fine-tuning training set
   (:mod:`labwright.simulators.compute.mlip.offsets`; an element without training data is left alone,
   so a naive fine-tune gains nothing from it);
7. measures the errors on the OLD held-out test set before (base model), after training and
   after the refit, and on the new test set: the ratio after/before is the forgetting.

Defaults measured (Cu base, 75 Al + 25 replayed Cu, 2 threads): with equal weight (configs /
replay) and stage two from 75% of 20 epochs the Cu energy MAE grew x1.9-5.5 (fine-tune seeds
0-2); three times the weight, stage two from half and the offset refit gave x1.3-1.5 on that
base but up to x3.9 on a more accurate one (0.388 meV/atom). Forty epochs instead of twenty
(base models of seeds 0, 5, 11 and a 0.389 one; seeds 5 and 11 never used for tuning):
x1.14 / x0.62 / x0.43 / x1.46 and x1.50, against x1.8 / x0.5 / x1.3 / x1.78 with twenty, and
the new element is learned better too (Al energy MAE 0.35-0.73 meV/atom, was 1-3), for twice
the time (about 135 s with 2 threads). Lower learning rates for the shared layers (MACE's
``--lr_params_factors``, interactions and readouts x0.1) or a lower stage-two learning rate did
not help consistently.
"""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip import dataset as ds
from labwright.simulators.compute.mlip.elements import expand_elements, model_e0s
from labwright.simulators.compute.mlip.metrics import ErrorMetrics, evaluate
from labwright.simulators.compute.mlip.offsets import refit_offsets
from labwright.simulators.compute.mlip.provenance import Provenance, model_provenance, sha256_file
from labwright.simulators.compute.mlip.reference import check_reference, isolated_atom_energies
from labwright.simulators.compute.mlip.store import (
    ModelCard,
    ParentModel,
    committee_paths,
    data_path,
    load_card,
    save_card,
)
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
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

# Fine-tuning defaults: the same number of epochs as training from scratch (a shorter schedule
# forgot more, see the module doc) at half its learning rate.
FINETUNE_EPOCHS = 40
FINETUNE_LR = 0.005
# Stage two (energy-heavy, low learning rate) takes the second half of a fine-tune.
FINETUNE_SWA_FRACTION = 0.5
# Replayed configurations weigh this many times the new ones, per unit of data (see module doc).
REPLAY_EMPHASIS = 3.0


def finetune_settings(base: MaceSettings | None, epochs: int | None = None) -> MaceSettings:
    """Fine-tuning schedule: the base model's settings, 40 epochs, lr 0.005, stage two from half."""
    n = epochs or FINETUNE_EPOCHS
    start = base or MaceSettings()
    return start.model_copy(
        update={"epochs": n, "lr": FINETUNE_LR, "swa_start": int(n * FINETUNE_SWA_FRACTION)}
    )


def default_replay_weight(configs: int, replay: int) -> float:
    """REPLAY_EMPHASIS x configs / replay: old data weigh three times the new in the loss."""
    return REPLAY_EMPHASIS * configs / replay if replay else 1.0


class FinetuneRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_model: Path
    reference: str | None = Field(None, description="default: the base model's reference")
    elements: list[str]
    lattice: str | None = None
    configs: int = Field(75, ge=2, description="new training configurations")
    replay: int = Field(0, ge=0, description="old training configurations mixed in")
    replay_weight: float | None = Field(
        None,
        gt=0,
        description="loss weight of each replayed configuration (MACE's per-configuration "
        "config_weight); default 3 x configs / replay",
    )
    refit_offsets: bool = Field(
        True, description="least-squares refit of per-element energy offsets after training"
    )
    valid_configs: int | None = Field(None, ge=1)
    test_configs: int = Field(50, ge=1, description="new held-out test configurations")
    seed: int = 0
    committee: int = Field(1, ge=1, le=16)
    settings: MaceSettings | None = Field(
        None, description="default: finetune_settings(base model's settings)"
    )
    old_train: Path | None = Field(None, description="default: the base model's train set")
    old_test: Path | None = Field(None, description="default: the base model's test set")
    compute: ComputeOptions = Field(default_factory=ComputeOptions)
    output: Path


class FinetuneReport(BaseModel):
    model_path: str
    member_paths: list[str]
    base_model: str
    base_sha256: str
    new_elements: list[str]
    elements: list[str]
    replay: int
    replay_weight: float
    n_train_new: int
    n_train_total: int
    n_test_old: int
    n_test_new: int
    old_test_before: ErrorMetrics
    old_test_after_training: ErrorMetrics = Field(
        description="old test set after MACE's training, before the offset refit"
    )
    old_test_after: ErrorMetrics
    new_test_after: ErrorMetrics
    energy_offsets_mev_per_atom: dict[str, float] = Field(
        default_factory=dict, description="refitted per-element offsets (member 0)"
    )
    energy_forgetting_ratio: float = Field(description="old-test energy MAE after / before")
    force_forgetting_ratio: float = Field(description="old-test force MAE after / before")
    n_params: int
    epochs: int
    train_seconds: float
    train_cpu_seconds: float
    provenance: Provenance


def _old_sets(request: FinetuneRequest, card: ModelCard | None) -> tuple[Path, Path]:
    base = Path(request.base_model)
    old_train = request.old_train or (data_path(base, "train") if card else None)
    old_test = request.old_test or (data_path(base, "test") if card else None)
    if old_train is None or old_test is None:
        raise LabwrightError(
            f"{base} has no model card, so its training and test sets are unknown",
            hint="pass --old-train and --old-test (extended XYZ with REF_energy/REF_forces)",
        )
    for p in (old_train, old_test):
        if not Path(p).is_file():
            raise LabwrightError(f"data file {str(p)!r} does not exist", hint="check the path")
    return Path(old_train), Path(old_test)


def _replay_sample(frames: list, n: int, seed: int) -> list:
    if n > len(frames):
        raise LabwrightError(
            f"--replay {n} exceeds the {len(frames)} configurations of the old training set",
            hint=f"use --replay {len(frames)} or fewer",
        )
    rng = np.random.default_rng([seed, 7])
    picks = rng.choice(len(frames), size=n, replace=False)
    return [frames[int(i)] for i in sorted(picks)]


def _weighted(frames: list, weight: float) -> list:
    """Copies carrying MACE's per-configuration loss weight (``info['config_weight']``)."""
    out = []
    for atoms in frames:
        a = atoms.copy()
        a.info["config_weight"] = float(weight)
        a.info["replay"] = True
        out.append(a)
    return out


def _replay_valid(request: FinetuneRequest, card: ModelCard | None, n_new_valid: int) -> list:
    """Old validation configurations in the replay's share (none for a naive fine-tune)."""
    if request.replay == 0:
        return []
    path = data_path(request.base_model, "valid") if card else None
    if path is None or not path.is_file():
        return []
    old_valid = ds.read_extxyz(path)
    k = min(len(old_valid), max(1, -(-n_new_valid * request.replay // request.configs)))
    return old_valid[:k]


def _foundation_bytes(base_paths: list[Path], e0s_by_z: dict[int, float]) -> list[bytes]:
    """Each base member as MACE-format bytes, grown to the new element table when needed."""
    from labwright.simulators.compute.mlip.mace_import import import_mace, load_model

    torch = import_mace()
    out = []
    for path in base_paths:
        model = load_model(str(path))
        grown = expand_elements(model, e0s_by_z)
        buf = io.BytesIO()
        torch.save(grown, buf)
        out.append(buf.getvalue())
    return out


def finetune_potential(request: FinetuneRequest, progress: ProgressFn = _noop) -> FinetuneReport:
    """Fine-tune and report forgetting (see module docstring)."""
    from ase.data import atomic_numbers, chemical_symbols
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator
    from labwright.simulators.compute.mlip.mace_import import load_model

    base = Path(request.base_model)
    base_paths = committee_paths(base, committee=True)
    card = load_card(base)
    reference = request.reference or (card.reference if card else None)
    if reference is None:
        raise LabwrightError(
            f"{base} has no model card naming its reference calculator",
            hint="pass --reference (emt, lj or xtb)",
        )
    if card is not None and card.reference != reference:
        raise LabwrightError(
            f"base model learned {card.reference!r}, fine-tune data would come from {reference!r}",
            hint=f"use --reference {card.reference}",
        )
    check_reference(reference, request.elements)
    output = Path(request.output)
    if output.suffix != ".model":
        raise LabwrightError(f"output {str(output)!r} should end in .model", hint="e.g. -o cual.model")
    if output.resolve() == base.resolve():
        raise LabwrightError("output would overwrite the base model", hint="choose another -o")

    base_model = load_model(str(base))
    base_zs = [int(z) for z in base_model.atomic_numbers]
    base_elements = [chemical_symbols[z] for z in base_zs]
    new_elements = sorted(set(request.elements) - set(base_elements))
    elements = sorted(set(base_elements) | set(request.elements))
    check_reference(reference, elements)

    settings = request.settings or finetune_settings(card.settings if card else None)

    old_train_path, old_test_path = _old_sets(request, card)
    old_train = ds.read_extxyz(old_train_path)
    old_test = ds.read_extxyz(old_test_path)
    weight = request.replay_weight or default_replay_weight(request.configs, request.replay)
    replayed = _weighted(_replay_sample(old_train, request.replay, request.seed), weight)

    n_valid = request.valid_configs or max(5, request.configs // 10)
    new_train, new_valid, new_test = generate_splits(
        reference,
        request.elements,
        request.configs,
        n_valid,
        request.test_configs,
        request.seed + 1000,  # never the base model's draws
        request.lattice,
        progress,
    )
    e0s = {chemical_symbols[z]: e for z, e in model_e0s(base_model).items()}
    e0s.update(isolated_atom_energies(reference, new_elements) if new_elements else {})
    e0s_by_z = {int(atomic_numbers[el]): e for el, e in e0s.items()}

    progress("evaluate", 0, 1)
    before = evaluate(CommitteeCalculator(base_paths[:1], threads=request.compute.threads), old_test)

    foundations = _foundation_bytes(base_paths, e0s_by_z)
    train = list(new_train) + list(replayed)
    # validation mirrors the training mixture, so MACE's best-checkpoint choice (lowest
    # validation loss) also weighs the old data when old data is replayed
    valid = list(new_valid) + _weighted(_replay_valid(request, card, len(new_valid)), weight)
    jobs = make_jobs(
        train,
        valid,
        e0s,
        settings,
        request.seed,
        request.committee,
        request.compute.threads,
        foundations=foundations,
        name=ds_name(output),
    )
    t0 = time.perf_counter()
    members, wall = train_members(jobs, request.compute, progress)
    log.info("fine-tune took %.1f s", time.perf_counter() - t0)
    paths = write_members(output, members)
    files = {}
    for split, frames in (("train", train), ("valid", valid), ("test", new_test)):
        files[split] = ds.write_extxyz(data_path(output, split), frames).name

    threads = request.compute.threads
    after_training = evaluate(CommitteeCalculator(paths[:1], threads=threads), old_test)
    offsets: dict[str, float] = {}
    if request.refit_offsets:
        for k, path in enumerate(paths):
            delta = refit_offsets(path, train)
            if k == 0:
                offsets = {chemical_symbols[z]: 1000.0 * d for z, d in delta.items()}
    after_calc = CommitteeCalculator(paths[:1], threads=threads)
    after = evaluate(after_calc, old_test) if request.refit_offsets else after_training
    new_after = evaluate(after_calc, new_test)
    progress("evaluate", 1, 1)

    base_sha = sha256_file(base)
    save_card(
        output,
        ModelCard(
            reference=reference,
            elements=elements,
            e0s=e0s,
            seed=request.seed,
            settings=settings,
            members=[p.name for p in paths],
            data=files,
            n_params=members[0].n_params,
            test_metrics=new_after,
            parent=ParentModel(
                path=str(base), sha256=base_sha, new_elements=new_elements, replay=request.replay
            ),
        ),
    )

    def ratio(a: float, b: float) -> float:
        return float(a / b) if b > 0 else float("inf")

    return FinetuneReport(
        model_path=str(output),
        member_paths=[str(p) for p in paths],
        base_model=str(base),
        base_sha256=base_sha,
        new_elements=new_elements,
        elements=elements,
        replay=request.replay,
        replay_weight=weight,
        n_train_new=len(new_train),
        n_train_total=len(train),
        n_test_old=len(old_test),
        n_test_new=len(new_test),
        old_test_before=before,
        old_test_after_training=after_training,
        old_test_after=after,
        energy_offsets_mev_per_atom=offsets,
        new_test_after=new_after,
        energy_forgetting_ratio=ratio(after.energy_mae_mev_per_atom, before.energy_mae_mev_per_atom),
        force_forgetting_ratio=ratio(after.force_mae_mev_per_a, before.force_mae_mev_per_a),
        n_params=members[0].n_params,
        epochs=settings.epochs,
        train_seconds=wall,
        train_cpu_seconds=sum(m.cpu_seconds for m in members),
        provenance=model_provenance(paths, reference=reference, seed=request.seed),
    )
