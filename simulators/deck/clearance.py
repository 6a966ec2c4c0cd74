"""Clearance of the bare nozzles of a multi-channel pipette over the labware it works in.

A multi-channel pipette that carries fewer tips than it has nozzles (a partial nozzle layout,
or one tip picked with the back nozzle at row H) goes down until its *tips* reach the height
asked for; its bare nozzles (and the body around them) end up a tip length higher, at the
height the tips are held from (``nozzles``). Where that height is below the top of the labware
under a bare nozzle, and the nozzle is not over an open well it could go into, the pipette
hits the labware.

What Opentrons checks, and what it leaves to this module (``opentrons==9.0.0``,
``protocol_api/core/engine/pipette_movement_conflict.py``):

- ``check_safe_for_pipette_movement`` runs for partial nozzle layouts only; it places the
  pipette's bounding box (``PipetteView.get_pipette_bounds_at_specified_move_to_position``:
  the critical point at the destination raised by the attached tip's length, then the pipette
  definition's ``pipetteBoundingBoxOffsets``) and raises ``PartialTipMovementNotAllowedError``
  when the box overlaps a *surrounding* slot whose highest item is at or above the box's
  bottom (``_slot_has_potential_colliding_object``), or the thermocycler lid's no-go zone;
- the labware being pipetted into is not in that check (it is not a surrounding slot), so the
  analysis accepts a single tip sent to the bottom of a 15 mL tube in a tube rack while the
  other seven nozzles of the 8-channel come down onto the rack
  (``*_SINGLE_TubeRackCollision`` in Opentrons' own snapshot tests, which their authors mark
  as "not physically possible but throw no error").

Here the same facts are applied to the target labware: the bottom of the pipette is the tip
end plus the tip's length below the nozzle (the rack definition's ``tipLength`` less its
``tipOverlap``, what the engine calls the attached tip's length), and the top of the labware
is its definition's ``zDimension``. Bare nozzles only are checked (the pipette body is above
them and no lower); a bare nozzle over a well opening is given the benefit of the doubt (on a
plate the nozzles line up with the neighbouring wells).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from labwright.simulators.deck.definitions import LabwareInfo, PipetteInfo
from labwright.simulators.deck.nozzles import Nozzles, critical_offset

EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Clash:
    """Bare nozzles that come down onto the labware: which, and how far below its top."""

    nozzles: tuple[str, ...]
    nozzle_height_mm: float  # above the labware's base
    labware_height_mm: float


def tip_reach_mm(rack: LabwareInfo) -> float | None:
    """How far a tip of ``rack`` reaches below the nozzle holding it (``tipLength`` less
    ``tipOverlap`` of the rack definition), or None when the definition does not say."""
    params = rack.definition.get("parameters", {})
    length = params.get("tipLength")
    if length is None:
        return None
    return float(length) - float(params.get("tipOverlap") or 0.0)


def bare_nozzle_clash(
    lw: LabwareInfo,
    info: PipetteInfo,
    layout: Nozzles,
    well: str,
    tipped: Collection[int],
    tip_end_mm: float,
    reach_mm: float,
) -> Clash | None:
    """The bare nozzles (indices not in ``tipped``) that hit ``lw`` when the tips' end is
    ``tip_end_mm`` above its base at ``well``, or None.

    A nozzle hits when it is over the labware's footprint (``xDimension`` x ``yDimension``),
    not over one of its wells, and lower than its top (``zDimension``).
    """
    nozzle_z = tip_end_mm + reach_mm
    if nozzle_z >= lw.height_mm - EPS or len(tipped) >= len(info.nozzle_names):
        return None
    dims = lw.definition.get("dimensions", {})
    width, depth = dims.get("xDimension"), dims.get("yDimension")
    if width is None or depth is None:
        return None
    target = lw.wells[well]
    cx, cy = critical_offset(info, layout, lw)
    hits: list[str] = []
    for i, (name, (dx, dy)) in enumerate(zip(info.nozzle_names, info.nozzle_offsets, strict=True)):
        if i in tipped:
            continue
        x, y = target.x + dx - cx, target.y + dy - cy
        if 0.0 <= x <= float(width) and 0.0 <= y <= float(depth) and lw.well_at(x, y) is None:
            hits.append(name)
    if not hits:
        return None
    return Clash(tuple(hits), nozzle_z, lw.height_mm)
