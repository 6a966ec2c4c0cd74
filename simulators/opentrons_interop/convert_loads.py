"""Conversion handlers for what a protocol loads: labware, modules, pipettes, liquids, and moves.

``loadLabware`` / ``loadModule`` / ``loadPipette`` -> labware (adapters folded into the labware on
them; trash labware becomes the robot's trash), modules (labwright module type and model),
pipettes (Opentrons API names); ``loadLiquid`` -> initial volumes; ``moveLabware`` -> a comment
(labwright's deck is static); ``configureNozzleLayout`` -> a note for partial layouts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from labwright.protocols.errors import DefinitionNotFoundError
from labwright.protocols.findings import finding
from labwright.simulators.deck.definitions import LabwareInfo, load_labware, pipette_api_names
from labwright.simulators.opentrons_interop.convert_state import (
    Conversion,
    LoadedLabware,
    LoadedModule,
    slug,
    unique,
)
from labwright.simulators.opentrons_interop.engine_commands import EngineCommand, Placement

MODULE_TYPE_BY_MODEL_PREFIX = (
    ("temperatureModule", "temperature"),
    ("magneticModule", "magnetic"),
    ("magneticBlock", "magnetic_block"),
    ("heaterShakerModule", "heater_shaker"),
    ("thermocyclerModule", "thermocycler"),
    ("absorbanceReader", "plate_reader"),
)

# labware displayCategory -> the word its id starts with ("plate_2", "tiprack_1")
CATEGORY_WORD = {
    "wellPlate": "plate",
    "reservoir": "reservoir",
    "tipRack": "tiprack",
    "tubeRack": "tuberack",
    "aluminumBlock": "block",
    "trash": "trash",
    "adapter": "adapter",
    "other": "",
}


def _suffix(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", str(text))[:8] or "x"


def module_type_of_model(model: str) -> str | None:
    for prefix, mtype in MODULE_TYPE_BY_MODEL_PREFIX:
        if model.startswith(prefix):
            return mtype
    return None


def api_pipette_name(engine_name: str, robot: str) -> str:
    """Engine pipette name (``p1000_single_flex``) -> Opentrons API name (``flex_1channel_1000``)."""
    names = pipette_api_names()
    if engine_name in names:
        return engine_name
    matches = [api for api, shared in names.items() if shared == engine_name]
    if not matches:
        return engine_name
    preferred = [m for m in matches if m.startswith("flex_")] if robot == "flex" else matches
    return (preferred or matches)[0]


def _labware_info(
    conv: Conversion, load_name: str, namespace: str, version: int | None
) -> LabwareInfo | None:
    try:
        return load_labware(load_name, namespace, version, conv.custom)
    except DefinitionNotFoundError:
        conv.note(
            f"def-{load_name}",
            finding(
                "IMPORT_LABWARE_DEFINITION_MISSING",
                "reference",
                "warning",
                f"the simulator loaded {namespace}/{load_name}/{version}, "
                "whose definition labwright does not have",
                "pass the custom labware definition with --custom-labware",
                pointer="/labware",
            ),
        )
        return None


def on_load_labware(conv: Conversion, cmd: EngineCommand) -> None:
    p = cmd.params
    engine_id = cmd.result_id("labwareId")
    load_name = p["loadName"]
    namespace = p.get("namespace") or "opentrons"
    version = p.get("version")
    info = _labware_info(conv, load_name, namespace, version)
    placement = Placement.of(p.get("location"))
    lw = LoadedLabware(engine_id, load_name, namespace, version, p.get("displayName") or "", placement, info)
    lw.is_trash = "trash" in load_name and not (info and info.wells and len(info.wells) > 1)
    if not lw.is_trash:
        kind = CATEGORY_WORD.get(info.category, "") if info else ""
        if kind == "adapter" and info is not None and len(info.wells) > 1:
            kind = "plate"  # an adapter-and-plate combination definition
        base = kind or slug(load_name, 40)
        lw.id = unique(f"{base}_{_suffix(conv.slot_of(lw) or 'offdeck')}", conv.taken_ids)
    conv.labware[engine_id] = lw
    if not conv.cap.is_legacy:
        conv.settle_calibration(str(cmd.result.get("labwareId", "")))


def on_load_module(conv: Conversion, cmd: EngineCommand) -> None:
    engine_id = cmd.result_id("moduleId")
    model = str(cmd.params.get("model"))
    mtype = module_type_of_model(model)
    slot = (cmd.params.get("location") or {}).get("slotName")
    if mtype is None:
        conv.note(
            f"mod-{model}",
            finding(
                "IMPORT_MODULE_UNSUPPORTED",
                "reference",
                "warning",
                f"module {model} has no labwright counterpart; its commands are not verified",
                "verify this module's steps by hand",
                pointer="/modules",
            ),
        )
        return
    mid = unique(f"{mtype}_{_suffix(slot)}" if slot else mtype, conv.taken_ids)
    conv.modules[engine_id] = LoadedModule(engine_id, mid, mtype, model, slot)


def on_load_pipette(conv: Conversion, cmd: EngineCommand) -> None:
    engine_id = cmd.result_id("pipetteId")
    model = api_pipette_name(str(cmd.params["pipetteName"]), conv.robot)
    mount = str(cmd.params["mount"])
    base = model if model not in {q["model"] for q in conv.pipettes.values()} else f"{model}_{mount}"
    pid = unique(slug(base, 60), conv.taken_ids)
    conv.pipettes[engine_id] = {"id": pid, "model": model, "mount": mount}


def on_load_liquid(conv: Conversion, cmd: EngineCommand) -> None:
    p = cmd.params
    for well, volume in (p.get("volumeByWell") or {}).items():
        conv.loads.append((p.get("liquidId", ""), p.get("labwareId", ""), well, float(volume)))


def on_move_labware(conv: Conversion, cmd: EngineCommand) -> None:
    lw = conv.labware.get(cmd.labware_id)
    if lw is None:
        return
    target = Placement.of(cmd.params.get("newLocation"))
    lw.moved_to.append(target)
    if lw.id:
        conv.step({"op": "comment", "text": f"move labware {lw.id} to {conv.describe(target)}"})
    conv.note(
        "moved",
        finding(
            "IMPORT_LABWARE_MOVED",
            "deck",
            "info",
            "the protocol moves labware during the run; labwright places each labware where it "
            "starts (or first arrives on the deck) and checks wells, not the moves",
            "check moves (gripper, manual) by hand",
            pointer="/labware",
        ),
    )


def on_configure_nozzle_layout(conv: Conversion, cmd: EngineCommand) -> None:
    cfg = cmd.params.get("configurationParams") or {}
    style = str(cfg.get("style", "ALL")).upper()
    if style != "ALL":
        pid = conv.pipette_id(cmd.pipette_id) or "a pipette"
        conv.note(
            f"nozzle-{pid}",
            finding(
                "IMPORT_PARTIAL_NOZZLE_LAYOUT",
                "pipette",
                "warning",
                f"{pid} uses a partial nozzle layout ({style}); labwright models all of its channels",
                "check the partial-tip steps by hand",
                pointer="/pipettes",
            ),
        )


HANDLERS: dict[str, Callable[[Conversion, EngineCommand], None]] = {
    "loadLabware": on_load_labware,
    "loadModule": on_load_module,
    "loadPipette": on_load_pipette,
    "loadLiquid": on_load_liquid,
    "moveLabware": on_move_labware,
    "configureNozzleLayout": on_configure_nozzle_layout,
}
