"""Where a trained potential lives on disk, and the card that describes it.

``labwright mlip train -o cu.model`` writes, next to each other:

- ``cu.model``: committee member 0 in MACE's own format (``torch.save`` of the module, as
  ``mace_run_train`` writes it): ``MACECalculator(model_paths="cu.model")`` loads it as is;
- ``cu.member1.model``, ``cu.member2.model``, ...: the other committee members, if any;
- ``cu.train.extxyz``, ``cu.valid.extxyz``, ``cu.test.extxyz``: the labelled data (the held-out
  test set is what ``finetune`` measures forgetting on);
- ``cu.calib.extxyz``: a committee's held-out calibration split (its calibration, which turns
  the committee's spread into 95 % intervals, is kept in the card);
- ``cu.model.json``: the :class:`ModelCard` (reference, elements, E0s, seed, hyperparameters,
  file names with SHA-256, metrics, calibration, parent model for a fine-tune).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.metrics import ErrorMetrics
from labwright.simulators.compute.mlip.provenance import mlip_versions, sha256_file, utc_now
from labwright.simulators.compute.mlip.training import MaceSettings
from labwright.simulators.compute.mlip.uncertainty import Calibration
from pydantic import BaseModel, Field

CARD_FORMAT = "labwright-mlip-card/1"


class ParentModel(BaseModel):
    """The model a fine-tune started from."""

    path: str
    sha256: str
    new_elements: list[str]
    replay: int


class ModelCard(BaseModel):
    format: Literal["labwright-mlip-card/1"] = CARD_FORMAT
    reference: str
    elements: list[str]
    e0s: dict[str, float] = Field(description="isolated-atom energy (eV) by element symbol")
    seed: int
    settings: MaceSettings
    members: list[str] = Field(description="model file names, member 0 first")
    sha256: dict[str, str] = Field(default_factory=dict)
    data: dict[str, str] = Field(default_factory=dict, description="train/valid/test file names")
    n_params: int = 0
    test_metrics: ErrorMetrics | None = None
    parent: ParentModel | None = None
    calibration: Calibration | None = Field(
        None, description="how the committee's spread becomes intervals (committees only)"
    )
    versions: dict[str, str] = Field(default_factory=mlip_versions)
    created: str = Field(default_factory=utc_now)


def card_path(model_path: str | Path) -> Path:
    p = Path(model_path)
    return p.with_name(p.name + ".json")


def stem(model_path: str | Path) -> str:
    name = Path(model_path).name
    return name[: -len(".model")] if name.endswith(".model") else name


def member_path(model_path: str | Path, index: int) -> Path:
    p = Path(model_path)
    return p if index == 0 else p.with_name(f"{stem(p)}.member{index}.model")


def data_path(model_path: str | Path, split: str) -> Path:
    p = Path(model_path)
    return p.with_name(f"{stem(p)}.{split}.extxyz")


def save_card(model_path: str | Path, card: ModelCard) -> Path:
    base = Path(model_path).parent
    card.sha256 = {m: sha256_file(base / m) for m in card.members if (base / m).is_file()}
    path = card_path(model_path)
    path.write_text(card.model_dump_json(indent=2))
    return path


def load_card(model_path: str | Path) -> ModelCard | None:
    """The card of a model, or None for a bare MACE model file (e.g. from mace_run_train)."""
    path = card_path(model_path)
    if not path.is_file():
        return None
    try:
        return ModelCard.model_validate_json(path.read_text())
    except ValueError as exc:
        raise LabwrightError(
            f"model card {str(path)!r} is unreadable: {exc}",
            hint="re-create it with `labwright mlip train`, or delete it to use the bare model",
        ) from exc


def committee_paths(model_path: str | Path, committee: bool = True) -> list[Path]:
    """Files of the model's committee (just the model when there is no card or committee)."""
    p = Path(model_path)
    if not p.is_file():
        raise LabwrightError(f"model file {str(p)!r} does not exist", hint="check the model path")
    card = load_card(p)
    if card is None or not committee:
        return [p]
    paths = [p.parent / m for m in card.members]
    missing = [str(x) for x in paths if not x.is_file()]
    if missing:
        raise LabwrightError(
            f"committee member file(s) missing: {', '.join(missing)}",
            hint="keep the member files next to the model, or use --no-committee",
        )
    return paths
