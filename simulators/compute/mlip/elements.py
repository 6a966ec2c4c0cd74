"""Grow a trained MACE model's element table so that fine-tuning can add new elements.

mace-torch fine-tunes from a foundation model by copying its weights for the elements it
already knows (``mace.tools.finetuning_utils.load_foundations_elements``); an element the
foundation model never had has no weights to copy. :func:`expand_elements` builds the same
architecture (``extract_config_mace_model`` -> ``model.__class__(**config)``, both mace-torch's
own) over the larger table and copies every weight across:

- element-independent weights are copied as they are;
- element-indexed weights (node embedding, residual ``skip_tp``, symmetric-contraction
  weights) are copied row by row for the old elements; a new element's rows start as the mean
  of the old elements' rows (a chemically neutral start the fine-tune then moves);
- e3nn normalises the embedding and ``skip_tp`` paths by 1/sqrt(fan-in), and the fan-in grows
  with the number of elements, so the copied rows are rescaled by the ratio of old to new path
  weights. The expanded model therefore predicts *exactly* what the old one did on structures
  of the old elements (checked by the tests), and the new elements' isolated-atom energies are
  the ones given.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from labwright.protocols.errors import LabwrightError

log = logging.getLogger(__name__)


def model_atomic_numbers(model: Any) -> list[int]:
    return [int(z) for z in model.atomic_numbers]


def model_e0s(model: Any) -> dict[int, float]:
    """Isolated-atom energies stored in a MACE model (first head), by atomic number."""
    e0 = model.atomic_energies_fn.atomic_energies.detach().cpu().numpy()
    if e0.ndim > 1:
        e0 = e0[0]
    return {z: float(e) for z, e in zip(model_atomic_numbers(model), e0, strict=True)}


def _expand_rows(old: Any, index: list[int | None], scale: float) -> Any:
    """Rows (axis 0) of ``old`` in a new element order; None = mean of the old rows."""
    import torch

    mean = old.mean(dim=0, keepdim=True)
    rows = [old[i : i + 1] if i is not None else mean for i in index]
    return torch.cat(rows, dim=0) * scale


def _expand_tp_weight(old_tp: Any, new_tp: Any, attr_slot: int, index: list[int | None]) -> Any:
    """Expand an e3nn tensor product / linear weight along its element (one-hot) input."""
    import torch

    old_w, parts, offset_old = old_tp.weight.detach(), [], 0
    for ins_old, ins_new in zip(old_tp.instructions, new_tp.instructions, strict=True):
        shape_old = tuple(ins_old.path_shape)
        size_old = int(np.prod(shape_old)) if shape_old else 0
        block = old_w[offset_old : offset_old + size_old].reshape(shape_old)
        offset_old += size_old
        ratio = float(ins_old.path_weight) / float(ins_new.path_weight)
        moved = block.movedim(attr_slot, 0)
        grown = _expand_rows(moved, index, ratio).movedim(0, attr_slot)
        if tuple(grown.shape) != tuple(ins_new.path_shape):
            raise LabwrightError(
                f"cannot grow weight of shape {shape_old} to {tuple(ins_new.path_shape)}",
                hint="this MACE architecture is not supported for adding elements",
            )
        parts.append(grown.reshape(-1))
    if offset_old != old_w.numel():
        raise LabwrightError(
            "unexpected weight layout while adding elements",
            hint="this MACE architecture is not supported for adding elements",
        )
    return torch.cat(parts)


def expand_elements(model: Any, e0s: Mapping[int, float]) -> Any:
    """A copy of ``model`` whose element table is old + new elements (sorted by Z).

    ``e0s`` gives the isolated-atom energy (eV) of every element of the new table; old
    elements keep theirs when ``e0s`` omits them.
    """
    from labwright.simulators.compute.mlip.mace_import import import_mace

    torch = import_mace()
    from mace.tools.scripts_utils import extract_config_mace_model

    old_zs = model_atomic_numbers(model)
    stored = model_e0s(model)
    new_zs = sorted(set(old_zs) | {int(z) for z in e0s})
    if new_zs == old_zs:
        return model
    config = extract_config_mace_model(model)
    if "error" in config:
        raise LabwrightError(str(config["error"]), hint="train the model with labwright mlip train")
    energies = np.array([float(e0s.get(z, stored.get(z, 0.0))) for z in new_zs])
    old_energies = np.asarray(config["atomic_energies"])
    config["atomic_numbers"] = new_zs
    config["num_elements"] = len(new_zs)
    config["atomic_energies"] = energies if old_energies.ndim == 1 else energies[None, :]
    dtype = next(model.parameters()).dtype
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with warnings.catch_warnings():  # e3nn's TorchScript codegen warns on every build
            warnings.simplefilter("ignore", UserWarning)
            new = model.__class__(**config)
    finally:
        torch.set_default_dtype(previous)
    index: list[int | None] = [old_zs.index(z) if z in old_zs else None for z in new_zs]

    old_state = model.state_dict()
    new_state = new.state_dict()
    out: dict[str, Any] = {}
    for key, target in new_state.items():
        source = old_state[key]
        if key in ("atomic_numbers", "atomic_energies_fn.atomic_energies"):
            out[key] = target
        elif source.shape == target.shape:
            out[key] = source.clone()
        elif key == "node_embedding.linear.weight":
            old_lin, new_lin = model.node_embedding.linear, new.node_embedding.linear
            out[key] = _expand_tp_weight(old_lin, new_lin, 0, index)
        elif key.endswith("skip_tp.weight"):
            layer = int(key.split(".")[1])
            old_tp, new_tp = model.interactions[layer].skip_tp, new.interactions[layer].skip_tp
            out[key] = _expand_tp_weight(old_tp, new_tp, 1, index)
        elif "symmetric_contractions" in key and source.shape[0] == len(old_zs):
            out[key] = _expand_rows(source, index, 1.0)
        else:
            raise LabwrightError(
                f"do not know how to add elements to weight {key} {tuple(source.shape)}",
                hint="this MACE architecture is not supported for adding elements",
            )
    new.load_state_dict(out)
    log.info("expanded element table %s -> %s", old_zs, new_zs)
    return new
