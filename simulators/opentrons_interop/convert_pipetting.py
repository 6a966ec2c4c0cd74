"""Conversion handlers for the pipettes: tips, liquid handling, moves, waits and comments.

- ``pickUpTip`` -> ``pick_up_tip`` at the exact rack well; ``dropTip`` into the trash (fixed
  trash, trash bin, waste chute) -> ``drop_tip``; back into the well it came from ->
  ``return_tip``; into another rack well -> ``drop_tip`` at that well.
- ``aspirate`` / ``dispense`` / ``blowout`` / ``touchTip`` (and their ``InPlace`` forms, at the
  pipette's current location) -> atomic steps with ``position`` and ``offset_mm`` from the
  command's well location. ``airGapInPlace`` -> ``air_gap``; so is an ``aspirate`` above a
  well's top right after a ``moveToWell`` to that same spot, or (legacy core) one the run log
  shows inside an AIR_GAP: how ``air_gap()`` works up to apiLevel 2.21 (and what labwright's
  export, at 2.20, writes for an ``air_gap`` step).
- ``waitForDuration`` -> ``delay`` (or the duration of an open shake); ``waitForResume`` ->
  ``pause``; ``comment`` -> ``comment``.
- a tip that went to the trash and is picked up again after a ``pause``: the Opentrons idiom
  ``protocol.pause(...)`` then ``pipette.reset_tipracks()`` (or a new ``starting_tip``), i.e. the
  operator put a full rack in its place. That pause declares ``replace_tipracks: [rack]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from labwright.protocols.findings import finding
from labwright.simulators.opentrons_interop.convert_state import Conversion, Where
from labwright.simulators.opentrons_interop.engine_commands import EngineCommand
from labwright.simulators.opentrons_interop.pause_text import decode_pause_message, respecify

TRASH_AREAS = re.compile(r"trash|wastechute|waste_chute", re.IGNORECASE)

# ------------------------------------------------------------------------------------ tips


def on_pick_up_tip(conv: Conversion, cmd: EngineCommand) -> None:
    engine_pip, engine_lw, well = cmd.pipette_id, cmd.labware_id, cmd.well_name
    pid = conv.pipette_id(engine_pip)
    lw = conv.labware.get(engine_lw)
    if pid is None or lw is None:
        return
    if engine_lw not in conv.pip_racks[engine_pip]:
        conv.pip_racks[engine_pip].append(engine_lw)
    _rack_replaced_at_pause(conv, engine_lw, well)
    conv.picked_from[engine_pip] = (engine_lw, well)
    conv.where[engine_pip] = Where(engine_lw, well)
    conv.step({"op": "pick_up_tip", "pipette": pid, "location": f"{lw.id}:{well}"})


def _rack_replaced_at_pause(conv: Conversion, engine_lw: str, well: str) -> None:
    """A tip picked up from where one went to the trash before the last pause: the operator
    replaced the rack during that pause (``reset_tipracks()`` / ``starting_tip`` after
    ``protocol.pause()``); the pause step says so. Picked again with no pause between, it
    stays a fault for the verifier (``TIP_PICKED_AFTER_DROP``)."""
    pauses_before = conv.trashed.get((engine_lw, well))
    if pauses_before is None or pauses_before >= len(conv.pauses):
        return
    lw = conv.labware[engine_lw]
    pause = conv.steps[conv.pauses[-1]]
    racks = pause.setdefault("replace_tipracks", [])
    if lw.id not in racks:
        racks.append(lw.id)
    for key in [k for k, n in conv.trashed.items() if k[0] == engine_lw and n < len(conv.pauses)]:
        del conv.trashed[key]  # a full rack now
    conv.note(
        f"replaced-{lw.id}-{conv.pauses[-1]}",
        finding(
            "IMPORT_TIPRACK_REPLACED_AT_PAUSE",
            "tip",
            "info",
            f"tips that went to the trash are picked up again from {lw.id} after the pause at step "
            f"{conv.pauses[-1]}: read as the operator replacing that rack then (reset_tipracks() or "
            "starting_tip after protocol.pause())",
            "nothing to do if the pause asks the operator to replace the tips",
            step=conv.pauses[-1],
            pointer=f"/steps/{conv.pauses[-1]}",
        ),
    )


def drop_tip(conv: Conversion, engine_pip: str, engine_lw: str | None, well: str | None) -> None:
    """A tip dropped into labware ``engine_lw`` (None: the trash, or wherever the pipette is)."""
    pid = conv.pipette_id(engine_pip)
    if pid is None:
        return
    lw = conv.labware.get(engine_lw) if engine_lw else None
    origin = conv.picked_from.pop(engine_pip, None)
    if lw is None or lw.is_trash or well is None or not (lw.info is not None and lw.info.is_tiprack):
        if origin is not None:
            conv.trashed[origin] = len(conv.pauses)
    if lw is None or lw.is_trash or well is None:
        conv.step({"op": "drop_tip", "pipette": pid})
    elif lw.info is not None and lw.info.is_tiprack:
        if origin == (engine_lw, well):
            conv.step({"op": "return_tip", "pipette": pid})
        else:
            conv.step({"op": "drop_tip", "pipette": pid, "location": f"{lw.id}:{well}"})
    else:
        conv.note(
            "tip-into-labware",
            finding(
                "IMPORT_TIP_DROPPED_IN_LABWARE",
                "tip",
                "info",
                f"tips are dropped into {lw.id}, which is not a tip rack; treated as the trash",
                "nothing to do if that labware is a tip waste",
                step=len(conv.steps),
                pointer=f"/steps/{len(conv.steps)}",
            ),
        )
        conv.step({"op": "drop_tip", "pipette": pid})
    conv.where[engine_pip] = Where()


def on_drop_tip(conv: Conversion, cmd: EngineCommand) -> None:
    drop_tip(conv, cmd.pipette_id, cmd.params.get("labwareId"), cmd.params.get("wellName"))


def on_drop_tip_in_place(conv: Conversion, cmd: EngineCommand) -> None:
    w = conv.where[cmd.pipette_id]
    if w.area is not None or w.labware is None:
        drop_tip(conv, cmd.pipette_id, None, None)
    else:
        drop_tip(conv, cmd.pipette_id, w.labware, w.well)


def on_configure_nozzle_layout(conv: Conversion, cmd: EngineCommand) -> None:
    """``configureNozzleLayout`` -> ``configure_nozzles``. The API's PARTIAL_COLUMN reaches the
    engine as a QUADRANT whose back-left and front-right nozzles share a column; its start is the
    primary nozzle and its end the other of the two."""
    pid = conv.pipette_id(cmd.pipette_id)
    if pid is None:
        return
    params = cmd.params.get("configurationParams") or {}
    style = str(params.get("style", "")).upper()
    primary = params.get("primaryNozzle")
    step: dict[str, object] = {"op": "configure_nozzles", "pipette": pid}
    if style == "ALL":
        step["layout"] = "all"
    elif style in ("SINGLE", "COLUMN", "ROW"):
        step.update(layout=style.lower(), start=primary)
    elif style == "QUADRANT" and _one_column(params.get("backLeftNozzle"), params.get("frontRightNozzle")):
        back, front = params.get("backLeftNozzle"), params.get("frontRightNozzle")
        step.update(layout="partial_column", start=primary, end=back if primary == front else front)
    else:
        conv.note(
            f"nozzles-{style}",
            finding(
                "IMPORT_NOZZLE_LAYOUT_UNKNOWN",
                "pipette",
                "warning",
                f"{pid} takes a nozzle layout labwright cannot express ({style or 'no style'} "
                f"{params}); its steps are verified as if every nozzle took a tip",
                "check the steps of this pipette by hand",
                step=len(conv.steps),
                pointer=f"/steps/{len(conv.steps)}",
            ),
        )
        step["layout"] = "all"
    conv.step(step)


def _one_column(back_left: object, front_right: object) -> bool:
    return isinstance(back_left, str) and isinstance(front_right, str) and back_left[1:] == front_right[1:]


# ----------------------------------------------------------------------------------- moves


def on_move_to_area(conv: Conversion, cmd: EngineCommand) -> None:
    conv.where[cmd.pipette_id] = Where(area=str(cmd.params.get("addressableAreaName")))


def on_move_to_well(conv: Conversion, cmd: EngineCommand) -> None:
    conv.where[cmd.pipette_id] = Where(cmd.params.get("labwareId"), cmd.params.get("wellName"), command=cmd)


def on_move_to_coordinates(conv: Conversion, cmd: EngineCommand) -> None:
    conv.where[cmd.pipette_id] = Where()


# ---------------------------------------------------------------------------------- liquid


def _at_well(op: str) -> Callable[[Conversion, EngineCommand], None]:
    """Handler of an aspirate/dispense at a well named by the command."""

    def handler(conv: Conversion, cmd: EngineCommand) -> None:
        pid = conv.pipette_id(cmd.pipette_id)
        if pid is None:
            return
        before = conv.where[cmd.pipette_id]
        conv.where[cmd.pipette_id] = Where(
            cmd.params.get("labwareId"), cmd.params.get("wellName"), command=cmd
        )
        location = conv.loc(cmd.params["labwareId"], cmd.params["wellName"])
        if location is None:
            if op == "dispense" and conv.is_trash_labware(cmd.params["labwareId"]):
                conv.step({"op": "blow_out", "pipette": pid, "location": "trash"})
            return
        height = _air_gap_height(conv, before, cmd) if op == "aspirate" else None
        if height is not None:
            conv.step(
                {
                    "op": "air_gap",
                    "pipette": pid,
                    "volume_ul": float(cmd.params["volume"]),
                    "height_mm": height,
                }
            )
            return
        position, offset = conv.position(cmd, op)
        conv.step(
            {
                "op": op,
                "pipette": pid,
                "volume_ul": float(cmd.params["volume"]),
                "location": location,
                "position": position,
                "offset_mm": offset,
            }
        )

    return handler


def _air_gap_height(conv: Conversion, before: Where, cmd: EngineCommand) -> float | None:
    """The height above the top of an aspirate that is an ``air_gap()`` of apiLevel <= 2.21
    (engine: a ``moveToWell`` above a well's top, then an ``aspirate`` at exactly that spot;
    legacy core: the run log's aspirate inside an AIR_GAP message); None for any other aspirate.
    An aspirate written by hand at a well's top stays an aspirate."""
    rec = conv.legacy_record(cmd)
    if rec is not None:
        if not rec.in_air_gap:
            return None
        position, offset = conv.position(cmd, "aspirate")
        return offset if position == "top" else None
    move = before.command
    if move is None or move.command_type != "moveToWell":
        return None
    if (before.labware, before.well) != (cmd.params.get("labwareId"), cmd.params.get("wellName")):
        return None
    spot, moved_to = cmd.params.get("wellLocation") or {}, move.params.get("wellLocation") or {}
    offset = spot.get("offset") or {}
    if spot.get("origin") != "top" or spot.get("origin") != moved_to.get("origin"):
        return None
    if offset != (moved_to.get("offset") or {}) or float(offset.get("z", -1.0)) < 0:
        return None
    if float(offset.get("x", 0.0)) or float(offset.get("y", 0.0)):
        return None
    return float(offset["z"])


def _outside_a_well(conv: Conversion, op: str, pid: str, w: Where) -> None:
    """An in-place action where the pipette is not over a placed well: trash, or a note."""
    if op in ("dispense", "blow_out") and (w.area is None or TRASH_AREAS.search(w.area) or w.labware):
        conv.step({"op": "blow_out", "pipette": pid, "location": "trash"})
    elif op == "aspirate":
        conv.note(
            "aspirate-in-area",
            finding(
                "IMPORT_ASPIRATE_OUTSIDE_WELL",
                "location",
                "warning",
                f"{pid} aspirates where it is not over a well ({w.area or 'unknown position'})",
                "aspirate from a well",
                step=len(conv.steps),
                pointer=f"/steps/{len(conv.steps)}",
            ),
        )


def _in_place(op: str) -> Callable[[Conversion, EngineCommand], None]:
    """Handler of an aspirate/dispense/blow-out where the pipette already is."""

    def handler(conv: Conversion, cmd: EngineCommand) -> None:
        pid = conv.pipette_id(cmd.pipette_id)
        if pid is None:
            return
        w = conv.where[cmd.pipette_id]
        if w.labware is None or conv.is_trash_labware(w.labware):
            _outside_a_well(conv, op, pid, w)
            return
        location = conv.loc(w.labware, w.well or "")
        if location is None:
            return
        if op == "blow_out":
            conv.step({"op": "blow_out", "pipette": pid, "location": location})
            return
        position, offset = conv.position(w.command, op) if w.command is not None else ("bottom", 1.0)
        conv.step(
            {
                "op": op,
                "pipette": pid,
                "volume_ul": cmd.volume,
                "location": location,
                "position": position,
                "offset_mm": offset,
            }
        )

    return handler


def on_air_gap_in_place(conv: Conversion, cmd: EngineCommand) -> None:
    """``air_gap()`` from apiLevel 2.22: a ``moveToWell`` above the top, then ``airGapInPlace``;
    the height is the move's (the step's default when the pipette got there otherwise)."""
    pid = conv.pipette_id(cmd.pipette_id)
    if pid is None:
        return
    step = {"op": "air_gap", "pipette": pid, "volume_ul": float(cmd.params["volume"])}
    move = conv.where[cmd.pipette_id].command
    spot = (
        (move.params.get("wellLocation") or {})
        if move is not None and move.command_type == "moveToWell"
        else {}
    )
    z = (spot.get("offset") or {}).get("z")
    if spot.get("origin") == "top" and isinstance(z, int | float) and z >= 0:
        step["height_mm"] = float(z)
    conv.step(step)


def on_blowout(conv: Conversion, cmd: EngineCommand) -> None:
    pid = conv.pipette_id(cmd.pipette_id)
    if pid is None:
        return
    conv.where[cmd.pipette_id] = Where(cmd.params.get("labwareId"), cmd.params.get("wellName"), command=cmd)
    location = conv.loc(cmd.labware_id, cmd.well_name)
    conv.step({"op": "blow_out", "pipette": pid, "location": location or "trash"})


def on_touch_tip(conv: Conversion, cmd: EngineCommand) -> None:
    pid = conv.pipette_id(cmd.pipette_id)
    location = conv.loc(cmd.labware_id, cmd.well_name)
    if pid is not None and location is not None:
        conv.step({"op": "touch_tip", "pipette": pid, "location": location})


# ---------------------------------------------------------------------------------- waits


def delay(conv: Conversion, seconds: float) -> None:
    """A delay step, or (while a module shakes) more time for each open shake step."""
    if conv.shaking:
        for idx in conv.shaking.values():
            conv.steps[idx]["seconds"] += seconds
        return
    conv.step({"op": "delay", "seconds": seconds})


def on_wait_for_duration(conv: Conversion, cmd: EngineCommand) -> None:
    delay(conv, float(cmd.params.get("seconds", 0.0)))


def on_wait_for_resume(conv: Conversion, cmd: EngineCommand) -> None:
    """A pause; the refills and emptied wells a labwright export wrote into its message come
    back as the pause's declarations (``pause_text``)."""
    message, refill, empty = decode_pause_message(str(cmd.params.get("message") or ""))
    step: dict[str, object] = {"op": "pause", "message": message}

    def id_at_slot(slot: str) -> str | None:
        return next((lw.id for lw in conv.labware.values() if lw.id and conv.slot_of(lw) == slot), None)

    if refill:
        step["refill_ul"] = {respecify(spec, id_at_slot): v for spec, v in refill.items()}
    if empty:
        step["empty"] = [respecify(spec, id_at_slot) for spec in empty]
    conv.pauses.append(conv.step(step))


def on_comment(conv: Conversion, cmd: EngineCommand) -> None:
    conv.step({"op": "comment", "text": str(cmd.params.get("message") or "")})


HANDLERS: dict[str, Callable[[Conversion, EngineCommand], None]] = {
    "pickUpTip": on_pick_up_tip,
    "configureNozzleLayout": on_configure_nozzle_layout,
    "dropTip": on_drop_tip,
    "dropTipInPlace": on_drop_tip_in_place,
    "moveToAddressableArea": on_move_to_area,
    "moveToAddressableAreaForDropTip": on_move_to_area,
    "moveToWell": on_move_to_well,
    "moveToCoordinates": on_move_to_coordinates,
    "aspirate": _at_well("aspirate"),
    "dispense": _at_well("dispense"),
    "aspirateWhileTracking": _at_well("aspirate"),
    "dispenseWhileTracking": _at_well("dispense"),
    "aspirateInPlace": _in_place("aspirate"),
    "dispenseInPlace": _in_place("dispense"),
    "pressureDispense": _in_place("dispense"),
    "blowOutInPlace": _in_place("blow_out"),
    "airGapInPlace": on_air_gap_in_place,
    "blowout": on_blowout,
    "touchTip": on_touch_tip,
    "waitForDuration": on_wait_for_duration,
    "waitForResume": on_wait_for_resume,
    "comment": on_comment,
}
