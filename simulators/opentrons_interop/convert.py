"""Convert an Opentrons protocol-engine command list into a labwright protocol document.

Input: the plain-data ``RunCapture`` of ``opentrons_run`` (engine commands as JSON dicts, the
liquids, and for legacy protocols the heights read from the run log). Output: a protocol
document (a dict the ``Protocol`` model validates) and import issues.

What maps to what:

- ``loadLabware`` / ``loadModule`` / ``loadPipette`` -> labware (adapters folded into the
  labware on them; trash labware becomes the robot's trash), modules (labwright module type
  and model), pipettes (Opentrons API names such as ``p300_single_gen2``,
  ``flex_1channel_1000``; tip racks = the racks each pipette picked tips from).
- ``defineLiquid`` (the run's liquids) + ``loadLiquid`` -> liquids with initial volumes. A
  protocol that loads no liquid declares none: the verifier then treats every well as
  hand-filled, contents unknown.
- ``pickUpTip`` -> ``pick_up_tip`` at the exact rack well; ``dropTip`` into the trash (fixed
  trash, trash bin, waste chute) -> ``drop_tip``; back into the well it came from ->
  ``return_tip``; into another rack well -> ``drop_tip`` at that well.
- ``aspirate`` / ``dispense`` / ``blowout`` / ``touchTip`` (and their ``InPlace`` forms, at the
  pipette's current location) -> atomic steps with ``position`` and ``offset_mm`` from the
  command's well location, expressed from the well bottom (or from the top when at or above
  it: an aspiration there is air, not liquid). ``airGapInPlace`` -> ``air_gap``.
- module commands -> ``set_temperature`` / ``deactivate`` / ``engage_magnets`` /
  ``disengage_magnets`` / ``shake`` / ``open_lid`` / ``close_lid`` / ``measure``;
  ``waitForDuration`` -> ``delay``; ``waitForResume`` -> ``pause``; ``comment`` -> ``comment``.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labwright.protocols.errors import DefinitionNotFoundError
from labwright.protocols.findings import Finding, finding
from labwright.simulators.deck.definitions import LabwareInfo, load_labware, pipette_api_names
from labwright.simulators.opentrons_interop.analyzer import LegacyRecord, RunCapture

TRASH_AREAS = re.compile(r"trash|wastechute|waste_chute", re.IGNORECASE)
EPS = 1e-6

MODULE_TYPE_BY_MODEL_PREFIX = (
    ("temperatureModule", "temperature"),
    ("magneticModule", "magnetic"),
    ("magneticBlock", "magnetic_block"),
    ("heaterShakerModule", "heater_shaker"),
    ("thermocyclerModule", "thermocycler"),
    ("absorbanceReader", "plate_reader"),
)

# engine commands with no labwright counterpart and no effect on what is verified
SILENT = {
    "home",
    "retractAxis",
    "savePosition",
    "moveRelative",
    "setRailLights",
    "setStatusBar",
    "prepareToAspirate",
    "configureForVolume",
    "verifyTipPresence",
    "getTipPresence",
    "waitForTasks",
    "createTimer",
    "captureImage",
    "getNextTip",
    "identifyModule",
    "loadLiquidClass",
    "liquidProbe",
    "tryLiquidProbe",
    "setTipState",
    "loadLid",
    "loadLidStack",
    "temperatureModule/waitForTemperature",
    "heaterShaker/waitForTemperature",
    "thermocycler/waitForBlockTemperature",
    "thermocycler/waitForLidTemperature",
    "heaterShaker/deactivateShaker",
    "custom",
}


def _slug(text: str, limit: int = 56) -> str:
    s = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower()
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = f"x_{s}"
    return s[:limit].rstrip("_") or "x"


def _suffix(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", str(text))[:8] or "x"


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


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


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


@dataclass
class _Labware:
    engine_id: str
    load_name: str
    namespace: str
    version: int | None
    label: str
    placement: tuple[
        str, str
    ]  # ("slot", s) | ("module", engine id) | ("labware", engine id) | ("offdeck", "")
    info: LabwareInfo | None
    id: str = ""
    is_trash: bool = False
    moved_to: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_adapter(self) -> bool:
        return bool(self.info and self.info.is_adapter)


@dataclass
class _Module:
    engine_id: str
    id: str
    type: str
    model: str
    slot: str | None


@dataclass
class _Where:
    """Where a pipette is: a well (with the height above its bottom) or an addressable area."""

    labware: str | None = None  # engine labware id
    well: str | None = None
    area: str | None = None
    command: dict[str, Any] | None = None  # the located command that brought it there


@dataclass
class ConversionResult:
    document: dict[str, Any]
    issues: list[Finding]
    skipped: dict[str, int]
    step_lines: list[int | None] = field(default_factory=list)  # protocol line of each step


class _Converter:
    def __init__(self, capture: RunCapture, custom: dict[str, dict[str, Any]], name: str) -> None:
        self.cap = capture
        self.custom = custom
        self.name = name
        self.robot = capture.robot
        self.labware: dict[str, _Labware] = {}
        self.modules: dict[str, _Module] = {}
        self.pipettes: dict[str, dict[str, Any]] = {}  # engine id -> labwright pipette dict
        self.pip_racks: dict[str, list[str]] = defaultdict(list)  # engine pipette id -> rack engine ids
        self.liquid_names: dict[str, dict[str, Any]] = {}
        self.loads: list[tuple[str, str, str, float]] = []  # (liquid engine id, lw engine id, well, uL)
        self.steps: list[dict[str, Any]] = []
        self.issues: list[Finding] = []
        self.skipped: dict[str, int] = defaultdict(int)
        self.where: dict[str, _Where] = defaultdict(_Where)
        self.picked_from: dict[str, tuple[str, str]] = {}  # pipette -> (rack, well) of its tips
        self.shaking: dict[str, int] = {}  # module engine id -> index of its open shake step
        self.reader_wavelengths: dict[str, list[float]] = {}
        self.bottom_z: dict[tuple[str, int], list[float]] = defaultdict(list)  # meniscus calibration
        self.noted: set[str] = set()
        self.taken_ids: set[str] = set()
        self.last_pipette: str | None = None
        self.line: int | None = None  # protocol line of the command being converted
        self.step_lines: list[int | None] = []
        self._call_times = [t for t, _ in capture.call_lines]
        self._pending_calibration: list[tuple[dict[str, Any], int]] = []
        self.arrival: dict[str, tuple[str, str]] = {}  # labware loaded off deck -> where it arrives

    # ------------------------------------------------------------------------- helpers

    def note(self, key: str, item: Finding) -> None:
        if key not in self.noted:
            self.noted.add(key)
            self.issues.append(item)

    def step(self, doc: dict[str, Any]) -> int:
        self.steps.append(doc)
        self.step_lines.append(self.line)
        return len(self.steps) - 1

    def source_line(self, cmd: dict[str, Any]) -> int | None:
        """The protocol line that issued an engine command (None when unknown)."""
        rec = self.cap.legacy.get(cmd.get("id", "")) if self.cap.is_legacy else None
        if rec is not None and rec.line is not None:
            return rec.line
        if not self._call_times or not cmd.get("createdAt"):
            return None
        try:
            created = datetime.fromisoformat(str(cmd["createdAt"]))
        except ValueError:
            return None
        i = bisect_right(self._call_times, created) - 1
        return self.cap.call_lines[i][1] if i >= 0 else None

    def loc(self, engine_lw: str, well: str) -> str | None:
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

    def folded(self, lw: _Labware) -> bool:
        """An adapter with labware on it is folded into that labware (its ``adapter``)."""
        if not lw.is_adapter:
            return False
        on_it = ("labware", lw.engine_id)
        return any(o.placement == on_it or on_it in o.moved_to for o in self.labware.values())

    def pipette_id(self, engine_pip: str) -> str | None:
        p = self.pipettes.get(engine_pip)
        return p["id"] if p else None

    def well_depth(self, engine_lw: str, well: str) -> float | None:
        lw = self.labware.get(engine_lw)
        if lw is None or lw.info is None or well not in lw.info.wells:
            return None
        return lw.info.wells[well].depth

    def height(self, cmd: dict[str, Any]) -> float | None:
        """Height of the tip above the well bottom for a well-located engine command."""
        params = cmd["params"]
        lw, well = params.get("labwareId"), params.get("wellName")
        depth = self.well_depth(lw, well) if lw and well else None
        rec = self.cap.legacy.get(cmd.get("id", "")) if self.cap.is_legacy else None
        if rec is not None:
            return rec.z_from_bottom
        if self.cap.is_legacy:
            return None
        wl = params.get("wellLocation") or {}
        origin = str(wl.get("origin", "top"))
        z = float((wl.get("offset") or {}).get("z", 0.0))
        if depth is None:
            return None
        if origin == "bottom":
            return z
        if origin == "top":
            return depth + z
        if origin == "center":
            return depth / 2 + z
        # meniscus-relative: calibrate from where the same labware's other wells were reached
        pos = (cmd.get("result") or {}).get("position") or {}
        samples = self.bottom_z.get((lw, len(self.labware[lw].moved_to)))
        if samples and "z" in pos:
            return float(pos["z"]) - samples[0]
        return None

    def position(self, cmd: dict[str, Any], kind: str) -> tuple[str, float]:
        params = cmd["params"]
        h = self.height(cmd)
        depth = self.well_depth(params.get("labwareId"), params.get("wellName"))
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

    # ----------------------------------------------------------------------- declarations

    def load_labware(self, cmd: dict[str, Any]) -> None:
        p, r = cmd["params"], cmd.get("result") or {}
        engine_id = r.get("labwareId") or p.get("labwareId") or cmd["id"]
        load_name = p["loadName"]
        namespace = p.get("namespace") or "opentrons"
        version = p.get("version")
        info: LabwareInfo | None
        try:
            info = load_labware(load_name, namespace, version, self.custom)
        except DefinitionNotFoundError:
            info = None
            self.note(
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
        lw = _Labware(
            engine_id,
            load_name,
            namespace,
            version,
            p.get("displayName") or "",
            _placement(p.get("location")),
            info,
        )
        lw.is_trash = "trash" in load_name and not (info and info.wells and len(info.wells) > 1)
        if not lw.is_trash:
            kind = CATEGORY_WORD.get(info.category, "") if info else ""
            if kind == "adapter" and info is not None and len(info.wells) > 1:
                kind = "plate"  # an adapter-and-plate combination definition
            base = kind or _slug(load_name, 40)
            lw.id = _unique(f"{base}_{_suffix(self._slot_of(lw) or 'offdeck')}", self.taken_ids)
        self.labware[engine_id] = lw

    def _slot_of(self, lw: _Labware) -> str | None:
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
            return self._slot_of(parent) if parent else None
        return None

    def load_module(self, cmd: dict[str, Any]) -> None:
        p, r = cmd["params"], cmd.get("result") or {}
        engine_id = r.get("moduleId") or p.get("moduleId") or cmd["id"]
        model = str(p.get("model"))
        mtype = module_type_of_model(model)
        slot = (p.get("location") or {}).get("slotName")
        if mtype is None:
            self.note(
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
        mid = _unique(f"{mtype}_{_suffix(slot)}" if slot else mtype, self.taken_ids)
        self.modules[engine_id] = _Module(engine_id, mid, mtype, model, slot)

    def load_pipette(self, cmd: dict[str, Any]) -> None:
        p, r = cmd["params"], cmd.get("result") or {}
        engine_id = r.get("pipetteId") or p.get("pipetteId") or cmd["id"]
        model = api_pipette_name(str(p["pipetteName"]), self.robot)
        mount = str(p["mount"])
        base = model if model not in {q["model"] for q in self.pipettes.values()} else f"{model}_{mount}"
        pid = _unique(_slug(base, 60), self.taken_ids)
        self.pipettes[engine_id] = {"id": pid, "model": model, "mount": mount}

    def move_labware(self, cmd: dict[str, Any]) -> None:
        p = cmd["params"]
        lw = self.labware.get(p.get("labwareId"))
        if lw is None:
            return
        target = _placement(p.get("newLocation"))
        lw.moved_to.append(target)
        where = _describe(target, self)
        if lw.id:
            self.step({"op": "comment", "text": f"move labware {lw.id} to {where}"})
        self.note(
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

    # ------------------------------------------------------------------------------ steps

    def convert(self, commands: list[dict[str, Any]]) -> None:
        self._calibrate(commands)
        for i, cmd in enumerate(commands):
            if cmd.get("status") not in (None, "succeeded"):
                continue
            ctype = cmd.get("commandType", "")
            self.line = self.source_line(cmd)
            if (cmd.get("params") or {}).get("pipetteId") in self.pipettes:
                self.last_pipette = cmd["params"]["pipetteId"]
            handler = getattr(self, "on_" + ctype.replace("/", "_"), None)
            if handler is not None:
                handler(cmd, commands, i)
            elif ctype == "custom" and self.cap.is_legacy:
                self.on_legacy_custom(cmd)
            elif ctype not in SILENT:
                self.skipped[ctype] += 1
        for mod in list(self.shaking):
            self._end_shake(mod)

    def _calibrate(self, commands: list[dict[str, Any]]) -> None:
        """Queue commands with a known origin: they give each labware's bottom z (used to read
        meniscus-relative heights from the tip position the simulator reports)."""
        moves: dict[str, int] = defaultdict(int)
        for cmd in commands:
            ctype = cmd.get("commandType")
            p = cmd.get("params") or {}
            if ctype == "moveLabware":
                moves[p.get("labwareId", "")] += 1
                target = _placement(p.get("newLocation"))
                if target[0] != "offdeck":
                    self.arrival.setdefault(p.get("labwareId", ""), target)
                continue
            if ctype not in ("aspirate", "dispense", "blowout", "touchTip", "moveToWell"):
                continue
            wl = p.get("wellLocation") or {}
            pos = (cmd.get("result") or {}).get("position") or {}
            if str(wl.get("origin")) in ("top", "bottom", "center") and "z" in pos:
                self._pending_calibration.append((cmd, moves[p.get("labwareId", "")]))

    def _settle_calibration(self, lw_engine: str) -> None:
        keep = []
        for cmd, moves in self._pending_calibration:
            p = cmd["params"]
            if p.get("labwareId") != lw_engine:
                keep.append((cmd, moves))
                continue
            depth = self.well_depth(p["labwareId"], p.get("wellName"))
            if depth is None:
                continue
            wl = p["wellLocation"]
            z = float((wl.get("offset") or {}).get("z", 0.0))
            h = {"bottom": z, "top": depth + z, "center": depth / 2 + z}[str(wl["origin"])]
            self.bottom_z[(lw_engine, moves)].append(float(cmd["result"]["position"]["z"]) - h)
        self._pending_calibration = keep

    # loads ------------------------------------------------------------------------------

    def on_loadLabware(self, cmd: dict[str, Any], *_: Any) -> None:
        self.load_labware(cmd)
        if not self.cap.is_legacy:
            self._settle_calibration((cmd.get("result") or {}).get("labwareId", ""))

    def on_loadModule(self, cmd: dict[str, Any], *_: Any) -> None:
        self.load_module(cmd)

    def on_loadPipette(self, cmd: dict[str, Any], *_: Any) -> None:
        self.load_pipette(cmd)

    def on_loadLiquid(self, cmd: dict[str, Any], *_: Any) -> None:
        p = cmd["params"]
        for well, volume in (p.get("volumeByWell") or {}).items():
            self.loads.append((p.get("liquidId", ""), p.get("labwareId", ""), well, float(volume)))

    def on_moveLabware(self, cmd: dict[str, Any], *_: Any) -> None:
        self.move_labware(cmd)

    def on_configureNozzleLayout(self, cmd: dict[str, Any], *_: Any) -> None:
        cfg = cmd["params"].get("configurationParams") or {}
        style = str(cfg.get("style", "ALL")).upper()
        if style != "ALL":
            pid = self.pipette_id(cmd["params"].get("pipetteId", "")) or "a pipette"
            self.note(
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

    # tips -------------------------------------------------------------------------------

    def on_pickUpTip(self, cmd: dict[str, Any], *_: Any) -> None:
        p = cmd["params"]
        pid = self.pipette_id(p["pipetteId"])
        lw = self.labware.get(p["labwareId"])
        if pid is None or lw is None:
            return
        if p["labwareId"] not in self.pip_racks[p["pipetteId"]]:
            self.pip_racks[p["pipetteId"]].append(p["labwareId"])
        self.picked_from[p["pipetteId"]] = (p["labwareId"], p["wellName"])
        self.where[p["pipetteId"]] = _Where(p["labwareId"], p["wellName"])
        self.step({"op": "pick_up_tip", "pipette": pid, "location": f"{lw.id}:{p['wellName']}"})

    def _drop(self, engine_pip: str, engine_lw: str | None, well: str | None) -> None:
        pid = self.pipette_id(engine_pip)
        if pid is None:
            return
        lw = self.labware.get(engine_lw) if engine_lw else None
        origin = self.picked_from.pop(engine_pip, None)
        if lw is None or lw.is_trash or well is None:
            self.step({"op": "drop_tip", "pipette": pid})
        elif lw.info is not None and lw.info.is_tiprack:
            if origin == (engine_lw, well):
                self.step({"op": "return_tip", "pipette": pid})
            else:
                self.step({"op": "drop_tip", "pipette": pid, "location": f"{lw.id}:{well}"})
        else:
            self.note(
                "tip-into-labware",
                finding(
                    "IMPORT_TIP_DROPPED_IN_LABWARE",
                    "tip",
                    "info",
                    f"tips are dropped into {lw.id}, which is not a tip rack; treated as the trash",
                    "nothing to do if that labware is a tip waste",
                    step=len(self.steps),
                    pointer=f"/steps/{len(self.steps)}",
                ),
            )
            self.step({"op": "drop_tip", "pipette": pid})
        self.where[engine_pip] = _Where()

    def on_dropTip(self, cmd: dict[str, Any], *_: Any) -> None:
        p = cmd["params"]
        self._drop(p["pipetteId"], p.get("labwareId"), p.get("wellName"))

    def on_dropTipInPlace(self, cmd: dict[str, Any], *_: Any) -> None:
        w = self.where[cmd["params"]["pipetteId"]]
        if w.area is not None or w.labware is None:
            self._drop(cmd["params"]["pipetteId"], None, None)
        else:
            self._drop(cmd["params"]["pipetteId"], w.labware, w.well)

    def on_moveToAddressableArea(self, cmd: dict[str, Any], *_: Any) -> None:
        self.where[cmd["params"]["pipetteId"]] = _Where(area=str(cmd["params"].get("addressableAreaName")))

    on_moveToAddressableAreaForDropTip = on_moveToAddressableArea

    def on_moveToWell(self, cmd: dict[str, Any], *_: Any) -> None:
        p = cmd["params"]
        self.where[p["pipetteId"]] = _Where(p.get("labwareId"), p.get("wellName"), command=cmd)

    def on_moveToCoordinates(self, cmd: dict[str, Any], *_: Any) -> None:
        self.where[cmd["params"]["pipetteId"]] = _Where()

    # liquid -----------------------------------------------------------------------------

    def _liquid(self, op: str, cmd: dict[str, Any]) -> None:
        p = cmd["params"]
        pid = self.pipette_id(p["pipetteId"])
        if pid is None:
            return
        self.where[p["pipetteId"]] = _Where(p.get("labwareId"), p.get("wellName"), command=cmd)
        location = self.loc(p["labwareId"], p["wellName"])
        if location is None:
            if op == "dispense" and self.is_trash_labware(p["labwareId"]):
                self.step({"op": "blow_out", "pipette": pid, "location": "trash"})
            return
        position, offset = self.position(cmd, op)
        self.step(
            {
                "op": op,
                "pipette": pid,
                "volume_ul": float(p["volume"]),
                "location": location,
                "position": position,
                "offset_mm": offset,
            }
        )

    def on_aspirate(self, cmd: dict[str, Any], *_: Any) -> None:
        self._liquid("aspirate", cmd)

    def on_dispense(self, cmd: dict[str, Any], *_: Any) -> None:
        self._liquid("dispense", cmd)

    on_aspirateWhileTracking = on_aspirate
    on_dispenseWhileTracking = on_dispense

    def _in_place(self, op: str, cmd: dict[str, Any]) -> None:
        p = cmd["params"]
        pid = self.pipette_id(p["pipetteId"])
        if pid is None:
            return
        w = self.where[p["pipetteId"]]
        volume = float(p.get("volume", 0.0))
        if w.labware is None or self.is_trash_labware(w.labware):
            if op in ("dispense", "blow_out") and (w.area is None or TRASH_AREAS.search(w.area) or w.labware):
                self.step({"op": "blow_out", "pipette": pid, "location": "trash"})
            elif op == "aspirate":
                self.note(
                    "aspirate-in-area",
                    finding(
                        "IMPORT_ASPIRATE_OUTSIDE_WELL",
                        "location",
                        "warning",
                        f"{pid} aspirates where it is not over a well ({w.area or 'unknown position'})",
                        "aspirate from a well",
                        step=len(self.steps),
                        pointer=f"/steps/{len(self.steps)}",
                    ),
                )
            return
        location = self.loc(w.labware, w.well or "")
        if location is None:
            return
        if op == "blow_out":
            self.step({"op": "blow_out", "pipette": pid, "location": location})
            return
        if w.command is not None:
            position, offset = self.position(w.command, op)
        else:
            position, offset = "bottom", 1.0
        self.step(
            {
                "op": op,
                "pipette": pid,
                "volume_ul": volume,
                "location": location,
                "position": position,
                "offset_mm": offset,
            }
        )

    def on_aspirateInPlace(self, cmd: dict[str, Any], *_: Any) -> None:
        self._in_place("aspirate", cmd)

    def on_dispenseInPlace(self, cmd: dict[str, Any], *_: Any) -> None:
        self._in_place("dispense", cmd)

    on_pressureDispense = on_dispenseInPlace

    def on_blowOutInPlace(self, cmd: dict[str, Any], *_: Any) -> None:
        self._in_place("blow_out", cmd)

    def on_airGapInPlace(self, cmd: dict[str, Any], *_: Any) -> None:
        p = cmd["params"]
        pid = self.pipette_id(p["pipetteId"])
        if pid is not None:
            self.step({"op": "air_gap", "pipette": pid, "volume_ul": float(p["volume"])})

    def on_blowout(self, cmd: dict[str, Any], *_: Any) -> None:
        p = cmd["params"]
        pid = self.pipette_id(p["pipetteId"])
        if pid is None:
            return
        self.where[p["pipetteId"]] = _Where(p.get("labwareId"), p.get("wellName"), command=cmd)
        location = self.loc(p.get("labwareId", ""), p.get("wellName", ""))
        self.step({"op": "blow_out", "pipette": pid, "location": location or "trash"})

    def on_touchTip(self, cmd: dict[str, Any], *_: Any) -> None:
        p = cmd["params"]
        pid = self.pipette_id(p["pipetteId"])
        location = self.loc(p.get("labwareId", ""), p.get("wellName", ""))
        if pid is not None and location is not None:
            self.step({"op": "touch_tip", "pipette": pid, "location": location})

    # waits ------------------------------------------------------------------------------

    def on_waitForDuration(self, cmd: dict[str, Any], *_: Any) -> None:
        seconds = float(cmd["params"].get("seconds", 0.0))
        if self.shaking:
            for mod in self.shaking.values():
                self.steps[mod]["seconds"] += seconds
            return
        self.step({"op": "delay", "seconds": seconds})

    def on_waitForResume(self, cmd: dict[str, Any], *_: Any) -> None:
        self.step({"op": "pause", "message": str(cmd["params"].get("message") or "")})

    def on_comment(self, cmd: dict[str, Any], *_: Any) -> None:
        self.step({"op": "comment", "text": str(cmd["params"].get("message") or "")})

    # modules ----------------------------------------------------------------------------

    def mod(self, cmd: dict[str, Any]) -> _Module | None:
        return self.modules.get(cmd["params"].get("moduleId", ""))

    def set_temperature(
        self, module: _Module | None, celsius: float, target: str = "default", wait: bool = True
    ) -> None:
        if module is None:
            return
        doc: dict[str, Any] = {"op": "set_temperature", "module": module.id, "celsius": float(celsius)}
        if target != "default":
            doc["target"] = target
        if not wait:
            doc["wait"] = False
        self.step(doc)

    def simple(self, module: _Module | None, op: str, **extra: Any) -> None:
        if module is not None:
            self.step({"op": op, "module": module.id, **extra})

    def _waits_next(self, commands: list[dict[str, Any]], i: int, wait_type: str) -> bool:
        for later in commands[i + 1 : i + 4]:
            if later.get("commandType") == wait_type and later["params"].get("moduleId") == commands[i][
                "params"
            ].get("moduleId"):
                return True
        return False

    def on_temperatureModule_setTargetTemperature(
        self, cmd: dict[str, Any], commands: list[dict[str, Any]], i: int
    ) -> None:
        self.set_temperature(
            self.mod(cmd),
            cmd["params"]["celsius"],
            wait=self._waits_next(commands, i, "temperatureModule/waitForTemperature"),
        )

    def on_temperatureModule_deactivate(self, cmd: dict[str, Any], *_: Any) -> None:
        self.simple(self.mod(cmd), "deactivate")

    def on_heaterShaker_setTargetTemperature(
        self, cmd: dict[str, Any], commands: list[dict[str, Any]], i: int
    ) -> None:
        self.set_temperature(
            self.mod(cmd),
            cmd["params"]["celsius"],
            wait=self._waits_next(commands, i, "heaterShaker/waitForTemperature"),
        )

    def on_heaterShaker_deactivateHeater(self, cmd: dict[str, Any], *_: Any) -> None:
        self.simple(self.mod(cmd), "deactivate")

    def _start_shake(self, module: _Module | None, rpm: float) -> None:
        if module is None:
            return
        if module.engine_id in self.shaking:
            self._end_shake(module.engine_id)
        self.shaking[module.engine_id] = self.step(
            {"op": "shake", "module": module.id, "rpm": float(rpm), "seconds": 0.0}
        )

    def _end_shake(self, engine_module: str) -> None:
        self.shaking.pop(engine_module, None)

    def on_heaterShaker_setAndWaitForShakeSpeed(self, cmd: dict[str, Any], *_: Any) -> None:
        self._start_shake(self.mod(cmd), cmd["params"]["rpm"])

    on_heaterShaker_setShakeSpeed = on_heaterShaker_setAndWaitForShakeSpeed

    def on_heaterShaker_deactivateShaker(self, cmd: dict[str, Any], *_: Any) -> None:
        self._end_shake(cmd["params"].get("moduleId", ""))

    def on_heaterShaker_openLabwareLatch(self, cmd: dict[str, Any], *_: Any) -> None:
        m = self.mod(cmd)
        if m is not None:
            self.step({"op": "comment", "text": f"open the labware latch of {m.id}"})

    def on_heaterShaker_closeLabwareLatch(self, cmd: dict[str, Any], *_: Any) -> None:
        m = self.mod(cmd)
        if m is not None:
            self.step({"op": "comment", "text": f"close the labware latch of {m.id}"})

    def on_magneticModule_engage(self, cmd: dict[str, Any], *_: Any) -> None:
        self.simple(self.mod(cmd), "engage_magnets", height_mm=float(cmd["params"]["height"]))

    def on_magneticModule_disengage(self, cmd: dict[str, Any], *_: Any) -> None:
        self.simple(self.mod(cmd), "disengage_magnets")

    def on_thermocycler_openLid(self, cmd: dict[str, Any], *_: Any) -> None:
        self.simple(self.mod(cmd), "open_lid")

    def on_thermocycler_closeLid(self, cmd: dict[str, Any], *_: Any) -> None:
        self.simple(self.mod(cmd), "close_lid")

    def on_thermocycler_setTargetBlockTemperature(
        self, cmd: dict[str, Any], commands: list[dict[str, Any]], i: int
    ) -> None:
        p = cmd["params"]
        self.set_temperature(
            self.mod(cmd),
            p["celsius"],
            "block",
            wait=self._waits_next(commands, i, "thermocycler/waitForBlockTemperature"),
        )
        if p.get("holdTimeSeconds"):
            self.step({"op": "delay", "seconds": float(p["holdTimeSeconds"])})

    def on_thermocycler_setTargetLidTemperature(
        self, cmd: dict[str, Any], commands: list[dict[str, Any]], i: int
    ) -> None:
        self.set_temperature(
            self.mod(cmd),
            cmd["params"]["celsius"],
            "lid",
            wait=self._waits_next(commands, i, "thermocycler/waitForLidTemperature"),
        )

    def on_thermocycler_deactivateBlock(self, cmd: dict[str, Any], *_: Any) -> None:
        self.simple(self.mod(cmd), "deactivate")

    def on_thermocycler_deactivateLid(self, cmd: dict[str, Any], *_: Any) -> None:
        m = self.mod(cmd)
        if m is not None:
            self.step({"op": "comment", "text": f"switch off the lid heater of {m.id}"})

    def profile(self, module: _Module | None, cycles: list[tuple[list[tuple[float, float]], int]]) -> None:
        if module is None:
            return
        parts = [
            f"{reps} x [" + ", ".join(f"{c:g} degC {s:g} s" for c, s in steps) + "]" for steps, reps in cycles
        ]
        self.step({"op": "comment", "text": f"thermocycler profile on {module.id}: " + "; ".join(parts)})
        seen: list[float] = []
        total = 0.0
        for steps, reps in cycles:
            for celsius, seconds in steps:
                if celsius not in seen:
                    seen.append(celsius)
                    self.set_temperature(module, celsius, "block")
                total += seconds * reps
        if total > 0:
            self.step({"op": "delay", "seconds": total})

    def on_thermocycler_runProfile(self, cmd: dict[str, Any], *_: Any) -> None:
        steps = [
            (float(s["celsius"]), float(s.get("holdSeconds", 0.0))) for s in cmd["params"].get("profile", [])
        ]
        self.profile(self.mod(cmd), [(steps, 1)])

    def on_thermocycler_runExtendedProfile(self, cmd: dict[str, Any], *_: Any) -> None:
        cycles: list[tuple[list[tuple[float, float]], int]] = []
        for element in cmd["params"].get("profileElements", []):
            if "steps" in element:
                steps = [(float(s["celsius"]), float(s.get("holdSeconds", 0.0))) for s in element["steps"]]
                cycles.append((steps, int(element.get("repetitions", 1))))
            else:
                cycles.append(([(float(element["celsius"]), float(element.get("holdSeconds", 0.0)))], 1))
        self.profile(self.mod(cmd), cycles)

    on_thermocycler_startRunExtendedProfile = on_thermocycler_runExtendedProfile

    def on_absorbanceReader_initialize(self, cmd: dict[str, Any], *_: Any) -> None:
        self.reader_wavelengths[cmd["params"].get("moduleId", "")] = [
            float(w) for w in cmd["params"].get("sampleWavelengths") or []
        ]

    def on_absorbanceReader_read(self, cmd: dict[str, Any], *_: Any) -> None:
        m = self.mod(cmd)
        if m is None:
            return
        plate = next(
            (lw for lw in self.labware.values() if lw.placement == ("module", m.engine_id) and lw.id), None
        )
        if plate is None:
            return
        doc: dict[str, Any] = {"op": "measure", "labware": plate.id, "kind": "absorbance", "module": m.id}
        waves = self.reader_wavelengths.get(m.engine_id)
        if waves:
            doc["wavelength_nm"] = waves[0]
        self.step(doc)

    # legacy (apiLevel < 2.14) module commands and friends ---------------------------------

    def legacy_module(self, rec: LegacyRecord, mtype: str) -> _Module | None:
        candidates = [m for m in self.modules.values() if m.type == mtype]
        if rec.module_slot is not None:
            for m in candidates:
                if m.slot == rec.module_slot:
                    return m
        return candidates[0] if candidates else None

    def on_legacy_custom(self, cmd: dict[str, Any]) -> None:  # noqa: C901
        rec = self.cap.legacy.get(cmd.get("id", ""))
        kind = (cmd.get("params") or {}).get("legacyCommandType", "")
        if rec is None:
            self.skipped[kind or "custom"] += 1
            return
        n, text = rec.numbers, rec.text
        name = kind.removeprefix("command.")
        if name == "DELAY":
            seconds = float(n.get("minutes", 0) or 0) * 60 + float(n.get("seconds", 0) or 0)
            if self.shaking:
                for idx in self.shaking.values():
                    self.steps[idx]["seconds"] += seconds
            else:
                self.step({"op": "delay", "seconds": seconds})
        elif name == "TOUCH_TIP":
            engine_pip = self.last_pipette
            w = self.where.get(engine_pip) if engine_pip else None
            pid = self.pipette_id(engine_pip) if engine_pip else None
            location = self.loc(w.labware, w.well) if w and w.labware and w.well else None
            if pid and location:
                self.step({"op": "touch_tip", "pipette": pid, "location": location})
        elif name == "TEMPDECK_SET_TEMP":
            self.set_temperature(self.legacy_module(rec, "temperature"), float(n["celsius"]))
        elif name == "TEMPDECK_DEACTIVATE":
            self.simple(self.legacy_module(rec, "temperature"), "deactivate")
        elif name == "MAGDECK_ENGAGE":
            self.simple(self.legacy_module(rec, "magnetic"), "engage_magnets")
        elif name == "MAGDECK_DISENGAGE":
            self.simple(self.legacy_module(rec, "magnetic"), "disengage_magnets")
        elif name == "THERMOCYCLER_OPEN":
            self.simple(self.legacy_module(rec, "thermocycler"), "open_lid")
        elif name == "THERMOCYCLER_CLOSE":
            self.simple(self.legacy_module(rec, "thermocycler"), "close_lid")
        elif name in ("THERMOCYCLER_SET_BLOCK_TEMP", "THERMOCYCLER_START_SET_BLOCK_TEMP"):
            tc = self.legacy_module(rec, "thermocycler")
            self.set_temperature(tc, float(n.get("temperature", _number(text) or 0.0)), "block")
            if tc is not None and n.get("hold_time"):
                self.step({"op": "delay", "seconds": float(n["hold_time"])})
        elif name in ("THERMOCYCLER_SET_LID_TEMP", "THERMOCYCLER_START_SET_LID_TEMP"):
            value = _number(text)
            if value is not None:
                self.set_temperature(self.legacy_module(rec, "thermocycler"), value, "lid")
        elif name in ("THERMOCYCLER_EXECUTE_PROFILE", "THERMOCYCLER_START_EXECUTE_PROFILE"):
            reps = re.search(r"(\d+) repetitions", text)
            steps = []
            for s in _profile_steps(n.get("steps"), text):
                seconds = float(s.get("hold_time_seconds") or 0) + 60 * float(s.get("hold_time_minutes") or 0)
                steps.append((float(s["temperature"]), seconds))
            self.profile(
                self.legacy_module(rec, "thermocycler"), [(steps, int(reps.group(1)) if reps else 1)]
            )
        elif name in ("THERMOCYCLER_DEACTIVATE", "THERMOCYCLER_DEACTIVATE_BLOCK"):
            self.simple(self.legacy_module(rec, "thermocycler"), "deactivate")
        elif name == "THERMOCYCLER_DEACTIVATE_LID":
            m = self.legacy_module(rec, "thermocycler")
            if m is not None:
                self.step({"op": "comment", "text": f"switch off the lid heater of {m.id}"})
        elif name == "HEATER_SHAKER_SET_TARGET_TEMPERATURE":
            value = _number(text)
            if value is not None:
                self.set_temperature(self.legacy_module(rec, "heater_shaker"), value, wait=False)
        elif name in ("HEATER_SHAKER_SET_AND_WAIT_FOR_SHAKE_SPEED", "HEATER_SHAKER_SET_SHAKE_SPEED"):
            value = _number(text)
            if value is not None:
                self._start_shake(self.legacy_module(rec, "heater_shaker"), value)
        elif name == "HEATER_SHAKER_DEACTIVATE_SHAKER":
            m = self.legacy_module(rec, "heater_shaker")
            if m is not None:
                self._end_shake(m.engine_id)
        elif name == "HEATER_SHAKER_DEACTIVATE_HEATER":
            self.simple(self.legacy_module(rec, "heater_shaker"), "deactivate")
        elif name in ("HEATER_SHAKER_OPEN_LABWARE_LATCH", "HEATER_SHAKER_CLOSE_LABWARE_LATCH"):
            m = self.legacy_module(rec, "heater_shaker")
            if m is not None:
                verb = "open" if "OPEN" in name else "close"
                self.step({"op": "comment", "text": f"{verb} the labware latch of {m.id}"})
        elif name in (
            "TEMPDECK_AWAIT_TEMP",
            "THERMOCYCLER_WAIT_FOR_HOLD",
            "THERMOCYCLER_WAIT_FOR_TEMP",
            "THERMOCYCLER_WAIT_FOR_LID_TEMP",
            "HEATER_SHAKER_WAIT_FOR_TEMPERATURE",
            "MOVE_TO",
            "HOME",
            "MAGDECK_CALIBRATE",
            "RESUME",
        ):
            return
        else:
            self.skipped[kind] += 1

    # --------------------------------------------------------------------------- document

    def document(self) -> dict[str, Any]:
        meta = self.cap.metadata
        labware_docs = self._labware_docs()
        modules = [
            {"id": m.id, "type": m.type, "model": m.model, **({"slot": m.slot} if m.slot else {})}
            for m in self.modules.values()
        ]
        pipettes = []
        for engine_id, p in self.pipettes.items():
            racks = [self.labware[r].id for r in self.pip_racks.get(engine_id, []) if self.labware[r].id]
            pipettes.append({**p, "tip_racks": racks})
        used_custom = [
            self.custom[lw.load_name] for lw in self.labware.values() if lw.load_name in self.custom and lw.id
        ]
        doc: dict[str, Any] = {
            "labwright": "labwright/1",
            "metadata": {
                "name": str(meta.get("protocolName") or self.name)[:200] or self.name,
                "robot": self.robot,
                "description": str(meta.get("description") or ""),
                "author": str(meta.get("author") or ""),
            },
            "labware": labware_docs,
            "modules": modules,
            "pipettes": pipettes,
            "liquids": self._liquid_docs(),
            "steps": self.steps,
        }
        if used_custom:
            doc["custom_labware"] = list({id(d): d for d in used_custom}.values())
        return doc

    def _labware_docs(self) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = []
        used_slots: dict[str, str] = {}
        for lw in self.labware.values():
            if not lw.id or self.folded(lw):
                continue
            placement, adapter = self._resolve(lw)
            if placement is None:
                self.note(
                    f"offdeck-{lw.id}",
                    finding(
                        "IMPORT_LABWARE_OFF_DECK",
                        "deck",
                        "info",
                        f"{lw.id} stays off the deck for the whole run; it is left out",
                        "nothing to do",
                        pointer="/labware",
                    ),
                )
                continue
            doc: dict[str, Any] = {"id": lw.id, "load_name": lw.load_name}
            kind, ref = placement
            if kind == "module":
                mod = self.modules.get(ref)
                if mod is None:
                    continue
                doc["module"] = mod.id
            else:
                if ref in used_slots and lw.placement[0] == "offdeck":
                    free = self._free_slot(used_slots)
                    if free is not None:
                        self.note(
                            f"reslot-{lw.id}",
                            finding(
                                "IMPORT_LABWARE_SLOT_REUSED",
                                "deck",
                                "info",
                                f"{lw.id} is moved onto slot {ref} after {used_slots[ref]} leaves it; "
                                f"labwright's static deck places it in free slot {free}",
                                "nothing to do",
                                pointer="/labware",
                            ),
                        )
                        ref = free
                used_slots.setdefault(ref, lw.id)
                doc["slot"] = ref
            if adapter:
                doc["adapter"] = adapter
            if lw.namespace != "opentrons":
                doc["namespace"] = lw.namespace
            if lw.version is not None:
                doc["version"] = int(lw.version)
            if lw.label:
                doc["label"] = lw.label
            docs.append(doc)
        return docs

    def _resolve(self, lw: _Labware, depth: int = 0) -> tuple[tuple[str, str] | None, str | None]:
        """(("slot", s) | ("module", engine id) | None, adapter load name) of a labware."""
        placement = lw.placement
        if placement[0] == "offdeck":
            arrivals = [t for t in lw.moved_to if t[0] != "offdeck"]
            if not arrivals:
                return None, None
            placement = arrivals[0]
        kind, ref = placement
        if kind == "labware" and depth < 4:
            parent = self.labware.get(ref)
            if parent is None:
                return None, None
            where, _ = self._resolve(parent, depth + 1)
            return where, parent.load_name if self.folded(parent) else None
        if kind in ("slot", "module"):
            return (kind, ref), None
        return None, None

    def _free_slot(self, used: dict[str, str]) -> str | None:
        from labwright.simulators.deck.definitions import DEFAULT_TRASH_SLOT, deck_slots

        occupied = set(used) | {m.slot for m in self.modules.values() if m.slot}
        occupied.add(DEFAULT_TRASH_SLOT[self.robot])
        for slot in deck_slots(self.robot):
            if slot not in occupied:
                return slot
        return None

    def _liquid_docs(self) -> list[dict[str, Any]]:
        defined = {str(liq.get("id")): liq for liq in self.cap.liquids}
        by_liquid: dict[str, dict[str, float]] = defaultdict(dict)
        for liquid_id, lw_engine, well, volume in self.loads:
            if liquid_id == "EMPTY":
                continue
            location = self.loc(lw_engine, well)
            if location is None:
                continue
            by_liquid[liquid_id][location] = volume
        docs: list[dict[str, Any]] = []
        taken: set[str] = set(self.taken_ids)
        for liquid_id, liq in defined.items():
            name = str(liq.get("displayName") or liquid_id)
            if liquid_id not in by_liquid:
                self.note(
                    f"unloaded-{liquid_id}",
                    finding(
                        "IMPORT_LIQUID_NOT_LOADED",
                        "reference",
                        "info",
                        f"liquid {name!r} is defined but never loaded into a well; it is left out",
                        "load it with load_liquid, or remove the definition",
                        pointer="/liquids",
                    ),
                )
                continue
            description, identity = liquid_identity(str(liq.get("description") or ""))
            wanted = identity.pop("id", "")
            ident = wanted if IDENT.match(wanted) and wanted not in taken else _slug(name, 60)
            doc: dict[str, Any] = {
                "id": _unique(ident, taken),
                "name": name,
                "initial_volumes_ul": by_liquid[liquid_id],
                **identity,
            }
            if description:
                doc["description"] = description
            color = _color(liq.get("displayColor"))
            if color:
                doc["color"] = color
            docs.append(doc)
        return docs


IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
IDENTITY_KEYS = ("id", "smiles", "cas", "concentration")


def liquid_identity(description: str) -> tuple[str, dict[str, str]]:
    """Split ``"ELISA stop solution; id: stop; cas: 7664-93-9; concentration: 0.16 M"`` into
    the free text and the identity fields (id, smiles, cas, concentration).

    labwright's Opentrons export writes a liquid's identity into ``define_liquid``'s
    description this way, so that importing the export gives back the same liquid.
    """
    text: list[str] = []
    fields: dict[str, str] = {}
    for part in description.split(";"):
        m = re.match(r"^\s*(id|smiles|cas|concentration)\s*:\s*(\S.*?)\s*$", part, flags=re.IGNORECASE)
        if m and m.group(1).lower() not in fields:
            fields[m.group(1).lower()] = m.group(2)
        elif part.strip():
            text.append(part.strip())
    return "; ".join(text), fields


def _color(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("root")
    if isinstance(value, str) and re.match(r"^#[0-9A-Fa-f]{6}", value):
        return value[:7]
    return None


def _number(text: str) -> float | None:
    m = re.search(r"(-?\d+(?:\.\d+)?)\s*(?:°C|degC|C\b|RPM|rpm)", text)
    if m:
        return float(m.group(1))
    m = re.search(r"(-?\d+(?:\.\d+)?)", text)
    return float(m.group(1)) if m else None


def _profile_steps(steps: Any, text: str) -> list[dict[str, Any]]:
    if isinstance(steps, list) and all(isinstance(s, dict) for s in steps):
        return steps
    m = re.search(r"(\[.*\])", text)
    if m:
        try:
            parsed = ast.literal_eval(m.group(1))
            if isinstance(parsed, list):
                return [s for s in parsed if isinstance(s, dict)]
        except (ValueError, SyntaxError):
            pass
    return []


def _placement(location: Any) -> tuple[str, str]:
    if isinstance(location, dict):
        if "slotName" in location:
            return ("slot", str(location["slotName"]))
        if "addressableAreaName" in location:
            return ("slot", str(location["addressableAreaName"]))
        if "moduleId" in location:
            return ("module", str(location["moduleId"]))
        if "labwareId" in location:
            return ("labware", str(location["labwareId"]))
    return ("offdeck", "")


def _describe(target: tuple[str, str], conv: _Converter) -> str:
    kind, ref = target
    if kind == "slot":
        return f"slot {ref}"
    if kind == "module":
        mod = conv.modules.get(ref)
        return mod.id if mod else "a module"
    if kind == "labware":
        lw = conv.labware.get(ref)
        return (lw.id or lw.load_name) if lw else "another labware"
    return "off the deck"


def convert_commands(
    capture: RunCapture, custom: dict[str, dict[str, Any]] | None = None, name: str = "protocol"
) -> ConversionResult:
    """Engine commands (plus liquids and legacy heights) -> labwright document + issues."""
    conv = _Converter(capture, custom or {}, name)
    conv.convert(capture.commands)
    doc = conv.document()
    if conv.skipped:
        kinds = ", ".join(f"{k} x{v}" for k, v in sorted(conv.skipped.items()))
        conv.issues.append(
            finding(
                "IMPORT_COMMANDS_SKIPPED",
                "schema",
                "info",
                f"simulator commands with no labwright counterpart were not verified: {kinds}",
                "check these commands by hand",
                pointer="/steps",
            )
        )
    return ConversionResult(doc, conv.issues, dict(conv.skipped), conv.step_lines)
