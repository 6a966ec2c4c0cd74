"""Pass 3, hardware limits: module temperatures, speeds and magnet heights within the ranges
of the module's Opentrons definition, labware fit next to and on modules.

Pipette volume ranges and tip capacities are checked action by action in the replay pass,
after transfers are split the way the Opentrons API splits them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labwright.protocols import models as m
from labwright.protocols.findings import Finding, finding
from labwright.simulators.deck.definitions import THERMOCYCLER_FOOTPRINT
from labwright.simulators.deck.layout import Deck, PlacedLabware, PlacedModule
from labwright.simulators.deck.resolve import ResolvedProtocol
from labwright.verifiers.passes.context import PassContext

# The Temperature Module's shipped definition (opentrons_shared_data 9.0.0,
# temperatureModuleV1/V2 "config") gives minTemperature 9, while the Opentrons protocol
# engine accepts -9..99 degC (TEMP_MODULE_TEMPERATURE_RANGE in
# opentrons/protocol_engine/state/module_substates/temperature_module_substate.py) and the
# product page specifies 4-95 degC. We report outside 4-95 degC (what the module can hold) as
# an error, and trust the definition for every other module.
TEMPERATURE_MODULE_SPEC_C = (4.0, 95.0)

# Opentrons API docs, "Heater-Shaker Module" (OT-2 placement restrictions): labware taller
# than 53 mm may not sit directly left or right of a Heater-Shaker on the OT-2.
HS_NEIGHBOUR_MAX_HEIGHT_MM = 53.0
OT2_EAST_WEST = {
    "1": ("2",),
    "2": ("1", "3"),
    "3": ("2",),
    "4": ("5",),
    "5": ("4", "6"),
    "6": ("5",),
    "7": ("8",),
    "8": ("7", "9"),
    "9": ("8",),
    "10": ("11",),
    "11": ("10",),
}
# Only these short OT-2 tip racks may exceed that height beside a Heater-Shaker: they leave the
# labware latch free (opentrons 9.0.0, HS_ALLOWED_ADJACENT_TALL_LABWARE in
# opentrons/motion_planning/deck_conflict.py; Opentrons issue #10316). A 1000 uL rack may not.
HS_ALLOWED_TALL_NEIGHBOURS = frozenset(
    {
        "opentrons_96_filtertiprack_10ul",
        "opentrons_96_filtertiprack_200ul",
        "opentrons_96_filtertiprack_20ul",
        "opentrons_96_tiprack_10ul",
        "opentrons_96_tiprack_20ul",
        "opentrons_96_tiprack_300ul",
    }
)
# The same module of the Opentrons API forbids, on the OT-2, any other module in a slot
# directly north, south, east or west of a Heater-Shaker, and a Heater-Shaker in slot 9, just
# south of the fixed trash (the trash blocks the screw that locks it to the deck).
OT2_HS_FORBIDDEN_SLOTS = frozenset({"9"})


def _ot2_adjacent(slot: str) -> set[str]:
    """OT-2 slots directly N/S/E/W of ``slot`` (rows 10-12, 7-9, 4-6, 1-3)."""
    out = set(OT2_EAST_WEST.get(slot, ()))
    if slot.isdigit():
        n = int(slot)
        out |= {str(k) for k in (n + 3, n - 3) if 1 <= k <= 12}
    return out


def _range(deck: Deck, module: str, quantity: str) -> tuple[float, float] | None:
    info = deck.modules[module].info
    if quantity == "temperature" and info.type == "temperature":
        return TEMPERATURE_MODULE_SPEC_C
    return info.limits(quantity)


def hardware_pass(resolved: ResolvedProtocol, context: PassContext) -> list[Finding]:
    deck = resolved.deck
    out: list[Finding] = []
    for rs in resolved.steps:
        check = _STEP_CHECKS.get(type(rs.step)) if rs.ok else None
        if check is not None:
            out += check(rs.step, rs.index, deck)
    out += _placement(deck)
    return out


def _temperature(step: m.SetTemperature, i: int, deck: Deck) -> list[Finding]:
    quantity = "lid" if step.target == "lid" else "temperature"
    rng = _range(deck, step.module, quantity)
    if not rng or rng[0] <= step.celsius <= rng[1]:
        return []
    name = deck.modules[step.module].info.display_name
    return [
        finding(
            "TEMPERATURE_OUT_OF_RANGE",
            "temperature",
            "error",
            f"{step.celsius:g} degC is outside the {rng[0]:g}-{rng[1]:g} degC range of the "
            f"{name}{' lid' if quantity == 'lid' else ''}",
            f"set a temperature between {rng[0]:g} and {rng[1]:g} degC",
            step=i,
            pointer=f"/steps/{i}/celsius",
            celsius=step.celsius,
            range=list(rng),
        )
    ]


def _speed(step: m.Shake, i: int, deck: Deck) -> list[Finding]:
    rng = _range(deck, step.module, "speed")
    if not rng or rng[0] <= step.rpm <= rng[1]:
        return []
    return [
        finding(
            "MODULE_SPEED_OUT_OF_RANGE",
            "deck",
            "error",
            f"{step.rpm:g} rpm is outside the {rng[0]:g}-{rng[1]:g} rpm range of the "
            f"{deck.modules[step.module].info.display_name}",
            f"shake between {rng[0]:g} and {rng[1]:g} rpm",
            step=i,
            pointer=f"/steps/{i}/rpm",
        )
    ]


def _magnet_height(step: m.EngageMagnets, i: int, deck: Deck) -> list[Finding]:
    if step.height_mm is None:
        return []
    rng = _range(deck, step.module, "engage")
    if not rng or rng[0] <= step.height_mm <= rng[1]:
        return []
    return [
        finding(
            "MAGNET_HEIGHT_OUT_OF_RANGE",
            "deck",
            "error",
            f"engage height {step.height_mm:g} mm is outside {rng[0]:g}-{rng[1]:g} mm for the "
            f"{deck.modules[step.module].info.display_name}",
            "use a height within the range, or omit it to use the labware's default",
            step=i,
            pointer=f"/steps/{i}/height_mm",
        )
    ]


_STEP_CHECKS: dict[type, Callable[[Any, int, Deck], list[Finding]]] = {
    m.SetTemperature: _temperature,
    m.Shake: _speed,
    m.EngageMagnets: _magnet_height,
}


def _placement(deck: Deck) -> list[Finding]:
    if deck.robot != "ot2":
        return []
    by_slot = {lw.slot: lw for lw in deck.labware.values() if lw.module is None and lw.slot}
    out: list[Finding] = []
    for mod in deck.modules.values():
        if mod.info.type != "heater_shaker" or mod.slot is None:
            continue
        out += _tall_neighbours(mod, by_slot)
        if mod.slot in OT2_HS_FORBIDDEN_SLOTS:
            out.append(
                finding(
                    "DECK_MODULE_SLOT_INVALID",
                    "deck",
                    "error",
                    f"a Heater-Shaker cannot go in slot {mod.slot} of the OT-2: the fixed trash in slot 12 "
                    "blocks the screw that locks it to the deck",
                    "put the Heater-Shaker in slot 1, 3, 4, 6, 7 or 10",
                    pointer=f"/modules/{mod.index}/slot",
                    slot=mod.slot,
                )
            )
        out += _module_neighbours(mod, deck)
    return out


def _tall_neighbours(mod: PlacedModule, by_slot: dict[str, PlacedLabware]) -> list[Finding]:
    """OT-2: labware taller than 53 mm directly left or right of a Heater-Shaker."""
    out: list[Finding] = []
    for neighbour in OT2_EAST_WEST.get(mod.slot or "", ()):
        lw = by_slot.get(neighbour)
        if (
            lw
            and lw.info.height_mm > HS_NEIGHBOUR_MAX_HEIGHT_MM
            and lw.info.load_name not in HS_ALLOWED_TALL_NEIGHBOURS
        ):
            out.append(
                finding(
                    "DECK_TALL_LABWARE_NEXT_TO_HEATER_SHAKER",
                    "deck",
                    "error",
                    f"{lw.id!r} ({lw.info.height_mm:g} mm tall) in slot {neighbour} is beside the "
                    f"Heater-Shaker in slot {mod.slot}; labware there must be at most "
                    f"{HS_NEIGHBOUR_MAX_HEIGHT_MM:g} mm",
                    "move the tall labware to a slot not left or right of the Heater-Shaker",
                    pointer=f"/labware/{lw.index}/slot",
                )
            )
    return out


def _module_neighbours(mod: PlacedModule, deck: Deck) -> list[Finding]:
    """OT-2: any other module directly north, south, east or west of a Heater-Shaker."""
    near = _ot2_adjacent(mod.slot or "")
    out: list[Finding] = []
    for other in deck.modules.values():
        if other is mod or other.slot is None:
            continue
        is_tc = other.info.type == "thermocycler"
        covered = set(THERMOCYCLER_FOOTPRINT["ot2"]) if is_tc else {other.slot}
        if covered & near:
            out.append(
                finding(
                    "DECK_MODULE_NEXT_TO_HEATER_SHAKER",
                    "deck",
                    "error",
                    f"module {other.id!r} in slot {other.slot} is directly beside the Heater-Shaker in "
                    f"slot {mod.slot}; the OT-2 allows no module in the slots next to a Heater-Shaker",
                    "move one of the modules so that no module is north, south, east or west of the "
                    "Heater-Shaker",
                    pointer=f"/modules/{other.index}/slot",
                )
            )
    return out
