"""What may sit on what: Opentrons' rules for labware on labware, on modules and in slots.

Each rule is a pure function of the labware definitions (``opentrons_shared_data``, read into
``LabwareInfo``) and returns why a placement is refused, or None. They follow the checks the
Opentrons 9.0.0 protocol engine makes when it loads or moves labware
(``opentrons/protocol_engine/state/labware.py``: ``raise_if_labware_cannot_be_stacked``,
``raise_if_labware_cannot_be_ondeck``, ``raise_if_labware_incompatible_with_plate_reader``;
``resources/labware_validation.py``), so that a protocol the robot would refuse is refused
here, before it runs, with a hint.
"""

from __future__ import annotations

from labwright.simulators.deck.definitions import LabwareInfo

# Opentrons 9.0.0, protocol_engine/state/labware.py: _PLATE_READER_MAX_LABWARE_Z_MM
PLATE_READER_MAX_HEIGHT_MM = 16.0
PLATE_READER_WELLS = 96


def stacking_refusal(top: LabwareInfo, bottom: LabwareInfo, *, bottom_on_module: bool) -> str | None:
    """Why ``top`` may not sit directly on ``bottom`` (None: it may).

    ``bottom_on_module``: ``bottom`` sits on a module; then only an adapter (or a plate under a
    lid) may carry labware, as Opentrons rules.
    """
    if top.is_adapter:
        return f"{top.load_name} is an adapter; an adapter cannot sit on other labware"
    if not _listed(top, bottom.load_name):
        named = [k for k in top.stacks_on if k != "default"]
        return f"{top.load_name} cannot sit on {bottom.load_name}: its definition " + (
            f"lists only {', '.join(named)}" if named else "lists no labware it stacks on"
        )
    if top.is_lid and top.compatible_parents is not None and bottom.load_name not in top.compatible_parents:
        return f"lid {top.load_name} does not fit {bottom.load_name}"
    if bottom_on_module and not bottom.is_adapter and not top.is_lid:
        return f"{bottom.load_name} sits on a module; only an adapter there can carry labware"
    return None


def _listed(top: LabwareInfo, parent: str) -> bool:
    """Opentrons' ``validate_legacy_labware_can_be_stacked`` (schema 2 definitions)."""
    return parent in top.stacks_on or ("default" in top.stacks_on and top.compatible_parents is None)


def stack_limit(info: LabwareInfo) -> int:
    """How many labware of a stack (adapters left out) may be below it: ``stackLimit``, default 1."""
    limit = info.definition.get("stackLimit")
    return int(limit) if isinstance(limit, int) and limit > 0 else 1


def slot_refusal(info: LabwareInfo) -> str | None:
    """Why ``info`` may not stand in a deck slot by itself (the ``stackingOnly`` quirk)."""
    if "stackingOnly" in info.quirks:
        return f"{info.load_name} cannot stand in a slot by itself; it goes on other labware"
    return None


def plate_reader_refusal(info: LabwareInfo) -> str | None:
    """Why the Flex Absorbance Plate Reader cannot take ``info`` (96 wells, at most 16 mm)."""
    if len(info.wells) != PLATE_READER_WELLS:
        return f"{info.load_name} has {len(info.wells)} wells; the plate reader takes 96-well plates"
    if info.height_mm > PLATE_READER_MAX_HEIGHT_MM:
        return (
            f"{info.load_name} is {info.height_mm:g} mm tall; the plate reader takes labware up to "
            f"{PLATE_READER_MAX_HEIGHT_MM:g} mm"
        )
    return None


def gripper_refusal(info: LabwareInfo) -> str | None:
    """Why the Flex gripper may not pick ``info`` up (Opentrons ``moveLabware`` checks)."""
    if not info.gripper_compatible:
        return (
            f"{info.load_name} cannot be moved with the gripper (its definition has the "
            "gripperIncompatible quirk)"
        )
    if info.is_adapter:
        return f"{info.load_name} is an adapter; the gripper does not move adapters"
    return None
