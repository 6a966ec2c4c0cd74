"""Conversion handlers for what a protocol loads: labware, modules, pipettes, liquids, and moves.

``loadLabware`` / ``loadModule`` / ``loadPipette`` -> labware (adapters folded into the labware on
them; trash labware becomes the robot's trash), modules (labwright module type and model),
pipettes (Opentrons API names); ``loadLiquid`` -> initial volumes; ``moveLabware`` ->
``move_labware`` (the gripper, or by hand; to a slot or staging slot, a module, onto labware, off
the deck, or into the waste chute); ``configureNozzleLayout`` -> a note for partial layouts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

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
        kind = ("lid" if info.is_lid else CATEGORY_WORD.get(info.category, "")) if info else ""
        if kind == "adapter" and info is not None and len(info.wells) > 1 and "adapter" not in info.roles:
            kind = "plate"  # an adapter-and-plate combination definition
        base = kind or slug(load_name, 40)
        lw.id = unique(f"{base}_{_suffix(conv.slot_of(lw) or 'offdeck')}", conv.taken_ids)
    conv.labware[engine_id] = lw
    if not conv.cap.is_legacy:
        conv.settle_calibration(str(cmd.result.get("labwareId", "")))
    if lw.id and _vacated(conv, lw):
        _arrives_mid_run(conv, lw)


def _vacated(conv: Conversion, lw: LoadedLabware) -> bool:
    """Whether ``lw`` is loaded into a place that other labware held earlier in the run (loaded or
    moved there, then taken away: ``del protocol.deck[slot]`` or a move, then a new
    ``load_labware`` there)."""
    place = lw.placement
    if place.kind == "offdeck":
        return False
    return any(o is not lw and (o.placement == place or place in o.moved_to) for o in conv.labware.values())


def _arrives_mid_run(conv: Conversion, lw: LoadedLabware) -> None:
    """Declare ``lw`` off the deck and move it by hand to where it is loaded, at this point."""
    destination = _move_destination(conv, _engine_location(lw.placement))
    if destination is None:
        return
    lw.arrives_mid_run = True
    conv.step({"op": "move_labware", "labware": lw.id, **destination})
    conv.note(
        "arrives-mid-run",
        finding(
            "IMPORT_LABWARE_LOADED_MID_RUN",
            "deck",
            "info",
            f"{lw.id} is loaded during the run where other labware was; labwright declares it off "
            "the deck and moves it there by hand at that point (the export pauses for the operator)",
            "nothing to do",
            pointer="/labware",
        ),
    )


def _engine_location(place: Placement) -> dict[str, str] | str:
    """An engine ``location`` for a placement (the inverse of ``Placement.of``)."""
    key = {"slot": "slotName", "module": "moduleId", "labware": "labwareId"}.get(place.kind)
    return {key: place.ref} if key else "offDeck"


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


def on_load_lid_stack(conv: Conversion, cmd: EngineCommand) -> None:
    """A lid stack: the place holder Opentrons puts where ``move_lid`` sets a lid down on the
    deck. A lid moved onto it is moved to its place; lids loaded in a stack are not modelled."""
    conv.lid_stacks[cmd.result_id("stackLabwareId")] = Placement.of(cmd.params.get("location"))
    if cmd.result.get("labwareIds"):
        conv.note(
            "lid-stack",
            finding(
                "IMPORT_LID_STACK_UNSUPPORTED",
                "deck",
                "warning",
                "the protocol loads a stack of lids; labwright does not model lid stacks, so the "
                "lids in it and their moves are not verified",
                "check the lid stack by hand",
                pointer="/labware",
            ),
        )


def on_move_labware(conv: Conversion, cmd: EngineCommand) -> None:
    if cmd.labware_id in conv.lid_stacks:  # the place holder moves, no labware does
        conv.lid_stacks[cmd.labware_id] = Placement.of(cmd.params.get("newLocation"))
        return
    lw = conv.labware.get(cmd.labware_id)
    if lw is None:
        return
    raw = cmd.params.get("newLocation")
    lw.moved_to.append(Placement.of(raw))
    if not lw.id or lw.is_trash:
        return
    destination = _move_destination(conv, raw)
    if destination is None:
        conv.note(
            f"move-{cmd.labware_id}",
            finding(
                "IMPORT_MOVE_UNSUPPORTED",
                "deck",
                "warning",
                f"{lw.id} is moved to {raw!r}, a place labwright does not model; the move is not verified",
                "check this move by hand",
                step=len(conv.steps),
                pointer=f"/steps/{len(conv.steps)}",
            ),
        )
        conv.step({"op": "comment", "text": f"move labware {lw.id} to {raw}"})
        return
    doc: dict[str, Any] = {"op": "move_labware", "labware": lw.id, **destination}
    if cmd.params.get("strategy") == "usingGripper":
        doc["use_gripper"] = True
    for key, field_name in (("pickUpOffset", "pick_up_offset_mm"), ("dropOffset", "drop_offset_mm")):
        offset = cmd.params.get(key)
        if isinstance(offset, dict) and any(float(offset.get(k) or 0.0) for k in "xyz"):
            doc[field_name] = {k: float(offset.get(k) or 0.0) for k in "xyz"}
    conv.step(doc)


def _move_destination(conv: Conversion, raw: Any) -> dict[str, Any] | None:
    """The destination fields of a ``move_labware`` step for an engine ``newLocation``."""
    target = Placement.of(raw)
    if isinstance(raw, dict) and "addressableAreaName" in raw:
        area = str(raw["addressableAreaName"])
        if "WasteChute" in area:  # gripperWasteChute: thrown away
            return {"waste_chute": True}
        return {"slot": area} if re.fullmatch(r"[A-D][1-4]", area) else None
    if target.kind == "slot":
        return {"slot": target.ref}
    if target.kind == "module":
        mod = conv.modules.get(target.ref)
        return {"module": mod.id} if mod else None
    if target.kind == "labware" and target.ref in conv.lid_stacks:  # a lid set down on the deck
        return _move_destination(conv, _engine_location(conv.lid_stacks[target.ref]))
    if target.kind == "labware":
        parent = conv.labware.get(target.ref)
        return {"on_labware": parent.id} if parent and parent.id and not conv.folded(parent) else None
    return {"off_deck": True}


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
    "loadLid": on_load_labware,  # a lid loaded on its labware (load_labware(..., lid=)): same params
    "loadLidStack": on_load_lid_stack,
    "loadModule": on_load_module,
    "loadPipette": on_load_pipette,
    "loadLiquid": on_load_liquid,
    "moveLabware": on_move_labware,
    "configureNozzleLayout": on_configure_nozzle_layout,
}
