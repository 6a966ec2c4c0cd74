"""The state of one conversion (engine commands -> protocol document), shared by its handlers.

``Conversion`` holds what the command handlers (``convert_loads``, ``convert_pipetting``,
``convert_modules``) build up: the labware, modules and pipettes loaded, where each pipette is,
the steps written so far and the import findings; and the helpers they share: a labware well as
a ``labware_id:WELL`` location, the height of a well-located command above the well bottom (also
for meniscus-relative locations, calibrated from other commands), the protocol line of a command.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labwright.protocols.findings import Finding, finding
from labwright.simulators.deck.definitions import LabwareInfo
from labwright.simulators.opentrons_interop.capture import LegacyRecord, RunCapture
from labwright.simulators.opentrons_interop.engine_commands import (
    FIXED_ORIGINS,
    EngineCommand,
    Placement,
)

EPS = 1e-6


@dataclass
class LoadedLabware:
    engine_id: str
    load_name: str
    namespace: str
    version: int | None
    label: str
    placement: Placement
    info: LabwareInfo | None
    id: str = ""
    is_trash: bool = False
    moved_to: list[Placement] = field(default_factory=list)
    # loaded during the run into a place other labware has left: declared off the deck, and
    # brought there by a move step where it is loaded
    arrives_mid_run: bool = False

    @property
    def is_adapter(self) -> bool:
        return bool(self.info and self.info.is_adapter)


@dataclass
class LoadedModule:
    engine_id: str
    id: str
    type: str
    model: str
    slot: str | None


@dataclass
class Where:
    """Where a pipette is: a well (with the height above its bottom) or an addressable area."""

    labware: str | None = None  # engine labware id
    well: str | None = None
    area: str | None = None
    command: EngineCommand | None = None  # the located command that brought it there


def slug(text: str, limit: int = 56) -> str:
    s = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower()
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = f"x_{s}"
    return s[:limit].rstrip("_") or "x"


def unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


class Conversion:
    """Everything one conversion has read and written so far."""

    def __init__(self, capture: RunCapture, custom: dict[str, dict[str, Any]], name: str) -> None:
        self.cap = capture
        self.custom = custom
        self.name = name
        self.robot = capture.robot
        self.commands = [EngineCommand.of(c) for c in capture.commands]
        self.index = 0  # index of the command being converted
        self.labware: dict[str, LoadedLabware] = {}
        self.modules: dict[str, LoadedModule] = {}
        self.pipettes: dict[str, dict[str, Any]] = {}  # engine id -> labwright pipette dict
        self.pip_racks: dict[str, list[str]] = defaultdict(list)  # engine pipette id -> rack engine ids
        self.loads: list[tuple[str, str, str, float]] = []  # (liquid engine id, lw engine id, well, uL)
        self.steps: list[dict[str, Any]] = []
        self.issues: list[Finding] = []
        self.skipped: dict[str, int] = defaultdict(int)
        self.where: dict[str, Where] = defaultdict(Where)
        self.picked_from: dict[str, tuple[str, str]] = {}  # pipette -> (rack, well) of its tips
        self.pauses: list[int] = []  # index of every pause step written so far
        self.trashed: dict[tuple[str, str], int] = {}  # (rack, well) of a tip in the trash -> pauses before
        self.shaking: dict[str, int] = {}  # module engine id -> index of its open shake step
        self.reader_wavelengths: dict[str, list[float]] = {}
        self.bottom_z: dict[tuple[str, int], list[float]] = defaultdict(list)  # meniscus calibration
        self.noted: set[str] = set()
        self.taken_ids: set[str] = set()
        self.last_pipette: str | None = None
        self.line: int | None = None  # protocol line of the command being converted
        self.step_lines: list[int | None] = []
        self._call_times = [t for t, _ in capture.call_lines]
        self._pending_calibration: list[tuple[EngineCommand, int]] = []
        self.arrival: dict[str, Placement] = {}  # labware loaded off deck -> where it arrives
        # read ahead by ``calibrate``: which labware ever moves, which labware is ever moved
        # onto, and what is loaded on each labware (engine ids); they decide folding
        self.ever_moved: set[str] = set()
        self.moved_onto: set[str] = set()
        self.loaded_on: dict[str, list[str]] = defaultdict(list)
        # Opentrons' lid stack objects (where move_lid sets a lid down in a slot): their places
        self.lid_stacks: dict[str, Placement] = {}

    # ----------------------------------------------------------------------- writing

    def note(self, key: str, item: Finding) -> None:
        """Add an import finding once per ``key``."""
        if key not in self.noted:
            self.noted.add(key)
            self.issues.append(item)

    def step(self, doc: dict[str, Any]) -> int:
        self.steps.append(doc)
        self.step_lines.append(self.line)
        return len(self.steps) - 1

    def legacy_record(self, cmd: EngineCommand) -> LegacyRecord | None:
        return self.cap.legacy.get(cmd.id) if self.cap.is_legacy else None

    def source_line(self, cmd: EngineCommand) -> int | None:
        """The protocol line that issued an engine command (None when unknown)."""
        rec = self.legacy_record(cmd)
        if rec is not None and rec.line is not None:
            return rec.line
        if not self._call_times or not cmd.created_at:
            return None
        try:
            created = datetime.fromisoformat(str(cmd.created_at))
        except ValueError:
            return None
        i = bisect_right(self._call_times, created) - 1
        return self.cap.call_lines[i][1] if i >= 0 else None

    # ---------------------------------------------------------------- labware and wells

    def loc(self, engine_lw: str, well: str) -> str | None:
        """``labware_id:WELL`` of an engine labware's well; None (noted) for one not placed."""
        lw = self.labware.get(engine_lw)
        if lw is None or lw.is_trash or not lw.id or self.folded(lw):
            if not self.is_trash_labware(engine_lw):
                self.note(
                    f"unknown-lw-{engine_lw}",
                    finding(
                        "IMPORT_LOCATION_UNKNOWN",
                        "reference",
                        "warning",
                        f"a command targets labware {engine_lw!r} that labwright could not place; "
                        "its liquid handling there is not verified",
                        "check these steps by hand",
                        step=len(self.steps),
                        pointer=f"/steps/{len(self.steps)}",
                    ),
                )
            return None
        return f"{lw.id}:{well}"

    def is_trash_labware(self, engine_lw: str | None) -> bool:
        if engine_lw is None:
            return False
        lw = self.labware.get(engine_lw)
        if lw is None:  # the OT-2 fixed trash ("fixedTrash") is never loaded by a command
            return "trash" in engine_lw.lower()
        return lw.is_trash

    def folded(self, lw: LoadedLabware) -> bool:
        """An adapter that carries one labware, loaded on it, for the whole run is folded into
        that labware (its ``adapter``). One whose labware is moved off or onto it, or that moves
        itself, stays a labware of its own (the other sits ``on_labware``)."""
        if not lw.is_adapter or lw.engine_id in self.ever_moved or lw.engine_id in self.moved_onto:
            return False
        children = self.loaded_on.get(lw.engine_id, [])
        return len(children) == 1 and children[0] not in self.ever_moved

    def current(self, lw: LoadedLabware) -> Placement:
        """Where a labware is at the command being converted (after the moves converted so far)."""
        return lw.moved_to[-1] if lw.moved_to else lw.placement

    def slot_of(self, lw: LoadedLabware) -> str | None:
        kind, ref = lw.placement
        if kind == "offdeck" and lw.engine_id in self.arrival:
            kind, ref = self.arrival[lw.engine_id]
        if kind == "slot":
            return ref
        if kind == "module":
            mod = self.modules.get(ref)
            return mod.slot if mod else None
        if kind == "labware":
            parent = self.labware.get(ref)
            return self.slot_of(parent) if parent else None
        return None

    def pipette_id(self, engine_pip: str) -> str | None:
        p = self.pipettes.get(engine_pip)
        return p["id"] if p else None

    def module(self, cmd: EngineCommand) -> LoadedModule | None:
        return self.modules.get(cmd.module_id)

    def well_depth(self, engine_lw: str | None, well: str | None) -> float | None:
        lw = self.labware.get(engine_lw) if engine_lw else None
        if lw is None or lw.info is None or well not in lw.info.wells:
            return None
        return lw.info.wells[well].depth

    # ------------------------------------------------------------------------ heights

    def height(self, cmd: EngineCommand) -> float | None:
        """Height of the tip above the well bottom for a well-located engine command."""
        lw, well = cmd.params.get("labwareId"), cmd.params.get("wellName")
        depth = self.well_depth(lw, well) if lw and well else None
        rec = self.legacy_record(cmd)
        if rec is not None:
            return rec.z_from_bottom
        if self.cap.is_legacy or depth is None:
            return None
        fixed = cmd.well_location.height(depth)
        if fixed is not None:
            return fixed
        # meniscus-relative: calibrate from where the same labware's other wells were reached
        samples = self.bottom_z.get((lw, len(self.labware[lw].moved_to)))
        if samples and cmd.reached_z is not None:
            return cmd.reached_z - samples[0]
        return None

    def position(self, cmd: EngineCommand, kind: str) -> tuple[str, float]:
        """(``position``, ``offset_mm``) of a step: from the bottom, or the top when at or above it."""
        h = self.height(cmd)
        depth = self.well_depth(cmd.params.get("labwareId"), cmd.params.get("wellName"))
        if h is None or depth is None:
            self.note(
                f"height-{kind}",
                finding(
                    "IMPORT_HEIGHT_UNKNOWN",
                    "location",
                    "info",
                    f"the height of a {kind} could not be read from the simulator; "
                    "assumed 1 mm above the bottom",
                    "nothing to do unless the protocol aspirates close to the bottom",
                    step=len(self.steps),
                    pointer=f"/steps/{len(self.steps)}",
                ),
            )
            return "bottom", 1.0
        if h >= depth - EPS:
            return "top", round(h - depth, 4)
        return "bottom", round(h, 4)

    def calibrate(self) -> None:
        """Queue commands with a known origin: they give each labware's bottom z (used to read
        meniscus-relative heights from the tip position the simulator reports). Also notes
        where labware loaded off the deck first arrives."""
        moves: dict[str, int] = defaultdict(int)
        for cmd in self.commands:
            if cmd.command_type == "loadLabware" and cmd.succeeded:
                where = Placement.of(cmd.params.get("location"))
                if where.kind == "labware":
                    self.loaded_on[where.ref].append(cmd.result_id("labwareId"))
                continue
            if cmd.command_type == "moveLabware" and cmd.succeeded:
                moves[cmd.labware_id] += 1
                self.ever_moved.add(cmd.labware_id)
                target = Placement.of(cmd.params.get("newLocation"))
                if target.kind == "labware":
                    self.moved_onto.add(target.ref)
                if target.kind != "offdeck":
                    self.arrival.setdefault(cmd.labware_id, target)
                continue
            if cmd.command_type not in ("aspirate", "dispense", "blowout", "touchTip", "moveToWell"):
                continue
            if cmd.well_location.origin in FIXED_ORIGINS and cmd.reached_z is not None:
                self._pending_calibration.append((cmd, moves[cmd.labware_id]))

    def settle_calibration(self, lw_engine: str) -> None:
        """Once labware ``lw_engine`` is loaded: its bottom z from the queued commands."""
        keep = []
        for cmd, moves in self._pending_calibration:
            if cmd.params.get("labwareId") != lw_engine:
                keep.append((cmd, moves))
                continue
            depth = self.well_depth(cmd.labware_id, cmd.params.get("wellName"))
            if depth is None:
                continue
            h, z = cmd.well_location.height(depth), cmd.reached_z
            if h is not None and z is not None:  # always: queued for a fixed origin and a z
                self.bottom_z[(lw_engine, moves)].append(z - h)
        self._pending_calibration = keep
