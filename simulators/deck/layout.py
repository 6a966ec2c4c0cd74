"""The static deck: labware and modules resolved against their definitions.

``build_deck(protocol, custom)`` resolves what it can and returns the problems it met as
``Finding`` records (the verifier turns them into findings). Later stages use only what resolved.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from labwright.protocols.errors import DefinitionNotFoundError
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import WellRef
from labwright.protocols.models import Protocol
from labwright.simulators.deck.definitions import (
    DEFAULT_TRASH_SLOT,
    THERMOCYCLER_FOOTPRINT,
    LabwareInfo,
    ModuleInfo,
    PipetteInfo,
    deck_slots,
    load_labware,
    load_module,
    load_pipette,
)


@dataclass
class PlacedLabware:
    id: str
    info: LabwareInfo
    slot: str | None
    module: str | None
    index: int  # position in protocol.labware


@dataclass
class PlacedModule:
    id: str
    info: ModuleInfo
    slot: str | None
    index: int


@dataclass
class Deck:
    robot: str
    labware: dict[str, PlacedLabware] = field(default_factory=dict)
    modules: dict[str, PlacedModule] = field(default_factory=dict)
    pipettes: dict[str, PipetteInfo] = field(default_factory=dict)
    tipracks: dict[str, list[str]] = field(default_factory=dict)  # pipette id -> rack ids
    occupied: dict[str, str] = field(default_factory=dict)  # slot -> what holds it
    # pipettes whose declared tip racks did not all resolve (already reported): running out of
    # tips for them follows from that finding and is not reported again
    tipracks_incomplete: set[str] = field(default_factory=set)
    trash_slot: str = ""

    def module_of_labware(self, labware_id: str) -> PlacedModule | None:
        lw = self.labware.get(labware_id)
        return self.modules.get(lw.module) if lw and lw.module else None

    def labware_on_module(self, module_id: str) -> list[PlacedLabware]:
        return [lw for lw in self.labware.values() if lw.module == module_id]


def custom_definitions(
    protocol: Protocol, extra: list[dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for d in [*(extra or []), *protocol.custom_labware]:
        params = d.get("parameters") if isinstance(d, dict) else None
        name = params.get("loadName") if isinstance(params, dict) else None
        if isinstance(name, str) and name:
            out[name] = d
    return out


def build_deck(
    protocol: Protocol, extra_labware: list[dict[str, Any]] | None = None
) -> tuple[Deck, list[Finding]]:
    robot = protocol.metadata.robot.value
    deck = Deck(robot=robot, trash_slot=DEFAULT_TRASH_SLOT[robot])
    issues: list[Finding] = []
    slots = set(deck_slots(robot))
    custom = custom_definitions(protocol, extra_labware)
    claimed = {m.slot for m in protocol.modules} | {lw.slot for lw in protocol.labware}
    if robot == "flex" and deck.trash_slot in claimed:
        # The Flex has no fixed trash: A3 is only where the app puts the trash bin by default.
        # A protocol that places something in A3 keeps its trash bin / waste chute elsewhere.
        deck.trash_slot = ""
    else:
        deck.occupied[deck.trash_slot] = "the trash"

    seen: dict[str, str] = {}

    def dup(kind: str, ident: str, pointer: str) -> bool:
        if ident in seen:
            issues.append(
                finding(
                    "DUPLICATE_ID",
                    "reference",
                    "error",
                    f"id {ident!r} of this {kind} is already used by a {seen[ident]}",
                    "give every labware, module, pipette and liquid its own id",
                    pointer=pointer,
                )
            )
            return True
        seen[ident] = kind
        return False

    def occupy(slot: str, what: str, pointer: str) -> None:
        if slot in deck.occupied:
            issues.append(
                finding(
                    "DECK_SLOT_OCCUPIED",
                    "deck",
                    "error",
                    f"slot {slot} already holds {deck.occupied[slot]}; cannot also place {what}",
                    "move one of them to a free slot",
                    pointer=pointer,
                    slot=slot,
                )
            )
        else:
            deck.occupied[slot] = what

    def check_slot(slot: str, what: str, pointer: str) -> bool:
        if slot not in slots:
            issues.append(
                finding(
                    "DECK_SLOT_INVALID",
                    "deck",
                    "error",
                    f"{what} is placed in slot {slot!r}, which the {_robot_name(robot)} deck does not have",
                    f"use one of {', '.join(sorted(slots, key=_slot_sort))}",
                    pointer=pointer,
                    slot=slot,
                )
            )
            return False
        return True

    # modules first: labware may sit on them
    for i, m in enumerate(protocol.modules):
        ptr = f"/modules/{i}"
        if dup("module", m.id, f"{ptr}/id"):
            continue
        try:
            info = load_module(m.type.value, m.model)
        except DefinitionNotFoundError as exc:
            issues.append(
                finding(
                    "MODULE_MODEL_UNKNOWN",
                    "reference",
                    "error",
                    exc.message,
                    exc.hint,
                    pointer=f"{ptr}/model",
                )
            )
            continue
        allowed = info.allowed_slots.get(robot)
        if allowed is None or not allowed:
            issues.append(
                finding(
                    "DECK_MODULE_INCOMPATIBLE",
                    "deck",
                    "error",
                    f"{info.display_name} cannot be used on the {_robot_name(robot)}",
                    "choose a module model made for this robot",
                    pointer=f"{ptr}/model",
                )
            )
            continue
        slot = m.slot
        if slot is None:
            if m.type.value == "thermocycler":
                slot = allowed[0]
            else:
                issues.append(
                    finding(
                        "DECK_NO_SLOT",
                        "deck",
                        "error",
                        f"module {m.id!r} has no slot",
                        "add `slot:`",
                        pointer=ptr,
                    )
                )
                continue
        if m.type.value == "thermocycler" and slot in THERMOCYCLER_FOOTPRINT[robot]:
            slot = allowed[0]
        if not check_slot(slot, f"module {m.id!r}", f"{ptr}/slot"):
            continue
        if slot not in allowed:
            issues.append(
                finding(
                    "DECK_MODULE_SLOT_INVALID",
                    "deck",
                    "error",
                    f"{info.display_name} cannot go in slot {slot} of the {_robot_name(robot)}",
                    f"allowed slots: {', '.join(allowed)}",
                    pointer=f"{ptr}/slot",
                    slot=slot,
                )
            )
            continue
        footprint = THERMOCYCLER_FOOTPRINT[robot] if m.type.value == "thermocycler" else (slot,)
        for s in footprint:
            occupy(s, f"module {m.id!r}", f"{ptr}/slot")
        deck.modules[m.id] = PlacedModule(m.id, info, slot, i)

    for i, lw in enumerate(protocol.labware):
        ptr = f"/labware/{i}"
        if dup("labware", lw.id, f"{ptr}/id"):
            continue
        try:
            info = load_labware(lw.load_name, lw.namespace, lw.version, custom)
        except DefinitionNotFoundError as exc:
            issues.append(
                finding(
                    "LABWARE_DEFINITION_NOT_FOUND",
                    "reference",
                    "error",
                    exc.message,
                    exc.hint,
                    pointer=f"{ptr}/load_name",
                )
            )
            continue
        if lw.module is not None:
            if lw.slot is not None:
                issues.append(
                    finding(
                        "DECK_LABWARE_PLACEMENT_AMBIGUOUS",
                        "deck",
                        "error",
                        f"labware {lw.id!r} names both slot {lw.slot} and module {lw.module!r}",
                        "keep `module:` and drop `slot:` (the module's slot is used)",
                        pointer=f"{ptr}/slot",
                    )
                )
            if lw.module not in deck.modules:
                if lw.module not in {m.id for m in protocol.modules}:
                    issues.append(
                        finding(
                            "UNKNOWN_MODULE",
                            "reference",
                            "error",
                            f"labware {lw.id!r} sits on module {lw.module!r}, which is not declared",
                            f"declare it under modules: or use one of {sorted(deck.modules) or 'none'}",
                            pointer=f"{ptr}/module",
                        )
                    )
                continue
            holder = [o for o in deck.labware.values() if o.module == lw.module]
            if holder:
                issues.append(
                    finding(
                        "DECK_SLOT_OCCUPIED",
                        "deck",
                        "error",
                        f"module {lw.module!r} already holds labware {holder[0].id!r}",
                        "place one labware per module",
                        pointer=f"{ptr}/module",
                    )
                )
                continue
            deck.labware[lw.id] = PlacedLabware(lw.id, info, deck.modules[lw.module].slot, lw.module, i)
            continue
        if lw.slot is None:
            issues.append(
                finding(
                    "DECK_NO_SLOT",
                    "deck",
                    "error",
                    f"labware {lw.id!r} has neither a slot nor a module",
                    "add `slot:` or `module:`",
                    pointer=ptr,
                )
            )
            continue
        if not check_slot(lw.slot, f"labware {lw.id!r}", f"{ptr}/slot"):
            continue
        if lw.slot == deck.trash_slot and robot == "ot2":
            issues.append(
                finding(
                    "DECK_SLOT_OCCUPIED",
                    "deck",
                    "error",
                    f"slot 12 holds the OT-2's fixed trash; cannot place labware {lw.id!r} there",
                    "use slots 1-11",
                    pointer=f"{ptr}/slot",
                    slot=lw.slot,
                )
            )
            continue
        occupy(lw.slot, f"labware {lw.id!r}", f"{ptr}/slot")
        deck.labware[lw.id] = PlacedLabware(lw.id, info, lw.slot, None, i)

    mounts: dict[str, str] = {}
    for i, p in enumerate(protocol.pipettes):
        ptr = f"/pipettes/{i}"
        if dup("pipette", p.id, f"{ptr}/id"):
            continue
        try:
            info = load_pipette(p.model)
        except DefinitionNotFoundError as exc:
            issues.append(
                finding(
                    "PIPETTE_MODEL_UNKNOWN",
                    "reference",
                    "error",
                    exc.message,
                    exc.hint,
                    pointer=f"{ptr}/model",
                )
            )
            continue
        if info.robot != robot:
            issues.append(
                finding(
                    "PIPETTE_ROBOT_MISMATCH",
                    "pipette",
                    "error",
                    f"{p.model} is an {_robot_name(info.robot)} pipette; "
                    f"this protocol is for the {_robot_name(robot)}",
                    "use a pipette made for this robot, or change metadata.robot",
                    pointer=f"{ptr}/model",
                )
            )
            continue
        if p.mount.value in mounts:
            issues.append(
                finding(
                    "PIPETTE_MOUNT_CONFLICT",
                    "pipette",
                    "error",
                    f"pipettes {mounts[p.mount.value]!r} and {p.id!r} are both on the {p.mount.value} mount",
                    "put one on the left mount and one on the right",
                    pointer=f"{ptr}/mount",
                )
            )
            continue
        mounts[p.mount.value] = p.id
        racks: list[str] = []
        for j, rack in enumerate(p.tip_racks):
            rptr = f"{ptr}/tip_racks/{j}"
            if rack not in deck.labware:
                deck.tipracks_incomplete.add(p.id)
                if rack not in {lw.id for lw in protocol.labware}:
                    issues.append(
                        finding(
                            "UNKNOWN_LABWARE",
                            "reference",
                            "error",
                            f"pipette {p.id!r} names tip rack {rack!r}, which is not declared",
                            f"declare it under labware: or use one of {_tiprack_ids(deck) or 'none'}",
                            pointer=rptr,
                        )
                    )
                continue
            rinfo = deck.labware[rack].info
            if not rinfo.is_tiprack:
                deck.tipracks_incomplete.add(p.id)
                issues.append(
                    finding(
                        "TIPRACK_NOT_A_TIPRACK",
                        "reference",
                        "error",
                        f"{rack!r} ({rinfo.load_name}) is not a tip rack",
                        "name a tip rack labware in tip_racks",
                        pointer=rptr,
                    )
                )
                continue
            if rinfo.tip_volume_ul is not None and rinfo.tip_volume_ul not in info.tip_volumes_ul:
                deck.tipracks_incomplete.add(p.id)
                issues.append(
                    finding(
                        "PIPETTE_TIPRACK_INCOMPATIBLE",
                        "pipette",
                        "error",
                        f"{p.model} does not take {rinfo.tip_volume_ul:g} uL tips ({rinfo.load_name})",
                        f"use a rack of {', '.join(f'{v:g}' for v in info.tip_volumes_ul)} uL tips, "
                        f"e.g. {info.default_tipracks[0] if info.default_tipracks else ''}",
                        pointer=rptr,
                    )
                )
                continue
            racks.append(rack)
        deck.pipettes[p.id] = info
        deck.tipracks[p.id] = racks
    return deck, issues


def _robot_name(robot: str) -> str:
    return "OT-2" if robot == "ot2" else "Flex"


def _slot_sort(slot: str) -> tuple[int, str]:
    return (int(slot), "") if slot.isdigit() else (0, slot)


def _tiprack_ids(deck: Deck) -> list[str]:
    return [k for k, v in deck.labware.items() if v.info.is_tiprack]


def did_you_mean(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"declared: {', '.join(options) if options else 'none'}"


def expand_well_spec(spec: str, deck: Deck) -> tuple[list[WellRef] | None, str]:
    """``lw:A1`` / ``lw:A1..H1`` / ``lw:*`` -> wells; (None, reason) when it does not resolve."""
    if ":" not in spec:
        return None, f"{spec!r} is not LABWARE:WELL"
    lw_id, wells = spec.split(":", 1)
    if lw_id not in deck.labware:
        return None, f"labware {lw_id!r} is not declared ({did_you_mean(lw_id, list(deck.labware))})"
    names = deck.labware[lw_id].info.well_names
    if wells == "*":
        return [WellRef(lw_id, w) for w in names], ""
    if ".." in wells:
        first, last = wells.split("..", 1)
        if first not in names or last not in names:
            return None, f"{spec!r}: {first if first not in names else last} is not a well of {lw_id!r}"
        i, j = names.index(first), names.index(last)
        if j < i:
            return None, f"{spec!r}: {last} comes before {first} in the labware's order"
        return [WellRef(lw_id, w) for w in names[i : j + 1]], ""
    if wells not in names:
        return None, f"{wells!r} is not a well of {lw_id!r} ({deck.labware[lw_id].info.load_name})"
    return [WellRef(lw_id, wells)], ""
