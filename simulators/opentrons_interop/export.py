"""Render a labwright protocol as a readable Opentrons Python protocol (OT-2 and Flex).

``export_opentrons(protocol)`` returns the text of a protocol file that ``opentrons_simulate``
(pinned ``opentrons==9.0.0``) accepts and that a robot runs as it is. Names in the file are the
ids of the labwright protocol; every step is preceded by a comment naming it (step numbers are
the verifier's: ``/steps/N``). Transfers, distributes and consolidates map onto the Opentrons
API's own complex commands with matching options, so the robot performs exactly the primitive
actions the deck twin replayed (``labwright.simulators.deck.expand`` mirrors the API's planner).

Choices worth knowing:

- ``apiLevel`` 2.20 (2.21 when the Flex Absorbance Plate Reader is used: it needs 2.21),
  declared in ``requirements`` next to ``robotType``.
- Labware definition versions are pinned (``version=``) to the ones the verifier used (the
  newest shipped unless the protocol names one), not left to the apiLevel's default.
- Aspirate/dispense heights of complex commands: the API's default (1 mm above the bottom) is
  written as plain wells; any other height as explicit ``well.bottom(z)`` locations, so that
  mixes before/after happen at the same heights as in the twin.
- ``blow_out: true`` blows out into the trash (``blowout_location="trash"``), as the twin does.
- A liquid's identity (description, id, SMILES, CAS, concentration) is written into the
  ``define_liquid`` description by ``liquid_identity``, so that the importer can read it back.
- A Heater-Shaker's labware latch is closed after its labware is loaded; ``shake`` closes the
  latch, shakes at the speed for the duration, then stops the shaker.
- ``move_labware`` -> ``protocol.move_labware`` with ``use_gripper`` and the gripper offsets; a
  slot (staging slots A4-D4 included), a module, a labware or adapter, ``protocol_api.OFF_DECK``,
  or the waste chute (``protocol.load_waste_chute()``, loaded when a move throws labware into
  it). Labware that starts off the deck is loaded at ``OFF_DECK``; labware on other labware is
  loaded on it (``parent.load_labware``); an adapter of its own with ``load_adapter``.
- ``open_latch`` / ``close_latch`` -> a Heater-Shaker's ``open_labware_latch`` /
  ``close_labware_latch``.
- ``measure`` drives the Flex Absorbance Plate Reader when the step (or the protocol's only
  plate reader) names one: the plate is moved in with the gripper, read, and moved back;
  otherwise the measurement is noted with ``protocol.comment``.
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
import textwrap
from collections.abc import Iterable
from typing import Any

from labwright.protocols import models as m
from labwright.protocols.errors import LabwrightError
from labwright.protocols.io import protocol_sha256
from labwright.protocols.locations import TRASH, WellRef, parse_location, well_row_col
from labwright.simulators.deck.definitions import DEFAULT_MODULE_MODEL, DEFAULT_TRASH_SLOT, MODULE_API_NAME
from labwright.simulators.deck.layout import custom_definitions, stack_order
from labwright.simulators.deck.resolve import resolve
from labwright.simulators.opentrons_interop.liquid_identity import IDENTITY_KEYS, encode_liquid_identity
from labwright.simulators.opentrons_interop.pause_text import encode_pause_message, with_slot

API_LEVEL = "2.20"
API_LEVEL_PLATE_READER = "2.21"  # AbsorbanceReaderContext is new in 2.21
# load_labware(..., lid=) and move_lid are new in 2.23; lid_version= (the lid definition the
# verifier checked, not the labware's version, which 2.23-2.25 apply to the lid too) in 2.26
API_LEVEL_LIDS = "2.26"
ROBOT_TYPE = {"ot2": "OT-2", "flex": "Flex"}
DEFAULT_CLEARANCE_MM = 1.0  # InstrumentContext.well_bottom_clearance default (aspirate and dispense)
# Wavelengths the Absorbance Plate Reader reads in its default hardware configuration
# (Opentrons API docs, AbsorbanceReaderContext.initialize).
PLATE_READER_WAVELENGTHS_NM = (450, 562, 600, 650)
WIDTH = 100  # line width of the generated file
# Slots a Flex trash bin can be installed in (deck cutouts of columns 1 and 3), in order of preference.
FLEX_TRASH_SLOTS = ("A3", "B3", "C3", "D3", "D1", "C1", "B1", "A1")

_RESERVED = {
    "protocol", "protocol_api", "metadata", "requirements", "run", "Point", "json", "trash",
    "well", "CUSTOM_LABWARE", "waste_chute",
}  # fmt: skip


class ExportError(LabwrightError):
    """The protocol cannot be rendered (it names things it does not declare)."""


# ------------------------------------------------------------------------------ formatting


def _num(x: float) -> str:
    """Shortest exact text of a number: 100.0 -> '100', 33.5 -> '33.5'."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _long_str(s: str, indent: int, prefix: int = 0) -> str:
    """A string literal, split into implicitly concatenated parts when its line would be too long.

    ``indent``: nesting level of the line it goes on; ``prefix``: characters before it on that line
    (e.g. ``description=``). Continuation lines are one level deeper than that line.
    """
    literal = _str(s)
    if indent * 4 + prefix + len(literal) + 1 <= WIDTH:
        return literal
    width = WIDTH - 4 * (indent + 1) - 2
    parts = textwrap.wrap(s, width, drop_whitespace=False, break_on_hyphens=False)
    return "(\n" + "\n".join("    " + _str(p) for p in parts) + "\n)"


def _call(head: str, args: list[str], comments: dict[int, str] | None = None, indent: int = 1) -> list[str]:
    """``head(arg, ...)`` on one line when it fits, else one argument per line."""
    comments = comments or {}
    one = f"{head}({', '.join(args)})"
    if not comments and len(one) + 4 * indent <= WIDTH and "\n" not in one:
        return [one]
    lines = [f"{head}("]
    for i, arg in enumerate(args):
        note = f"  # {comments[i]}" if i in comments else ""
        lines += [f"    {line}" for line in f"{arg},{note}".split("\n")]
    return [*lines, ")"]


def _python_name(ident: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", ident)
    if not base or base[0].isdigit():
        base = f"_{base}"
    if keyword.iskeyword(base) or base in _RESERVED or base in dir(builtins):
        base = f"{base}_"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str = "", indent: int = 1) -> None:
        for line in text.split("\n"):
            self.lines.append(("    " * indent + line) if line else "")

    def extend(self, lines: Iterable[str], indent: int = 1) -> None:
        for line in lines:
            self.add(line, indent)

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


# --------------------------------------------------------------------------------- export


class _Exporter:
    def __init__(self, protocol: m.Protocol, extra_labware: list[dict[str, Any]] | None) -> None:
        self.p = protocol
        self.robot = protocol.metadata.robot.value
        self.resolved = resolve(protocol, extra_labware)
        self.deck = self.resolved.deck
        self.custom = custom_definitions(protocol, extra_labware)
        taken: set[str] = set()
        self.mod_var = {mo.id: _python_name(mo.id, taken) for mo in protocol.modules}
        self.lw_var = {lw.id: _python_name(lw.id, taken) for lw in protocol.labware}
        self.pip_var = {pi.id: _python_name(pi.id, taken) for pi in protocol.pipettes}
        self.liq_var = {li.id: _python_name(li.id, taken) for li in protocol.liquids}
        self.modules = {mo.id: mo for mo in protocol.modules}
        self.labware = {lw.id: lw for lw in protocol.labware}
        self.pipettes = {pi.id: pi for pi in protocol.pipettes}
        self.readers = [mo.id for mo in protocol.modules if mo.type is m.ModuleType.PLATE_READER]
        # lid labware (allowedRoles "lid"): loaded with the labware it covers (``lid=``) and
        # moved with ``protocol.move_lid``, so that Opentrons knows it for a lid
        placed = self.deck.labware
        self.lids = {lw.id for lw in protocol.labware if lw.id in placed and placed[lw.id].info.is_lid}
        self.lid_of = {lw.on_labware: lw for lw in protocol.labware if lw.id in self.lids and lw.on_labware}
        self.uses_point = False
        self.home: dict[str, str] = {}  # labware id -> where a move_labware step put it
        self.used_custom: dict[str, dict[str, Any]] = {}
        self._check_references()

    # -------------------------------------------------------------------- checks

    def _check_references(self) -> None:
        def need(kind: str, ident: str | None, table: dict[str, Any], where: str) -> None:
            if ident is not None and ident not in table:
                raise ExportError(
                    f"{where} names {kind} {ident!r}, which the protocol does not declare",
                    hint=f"declare it under {kind}s: or fix the name (`labwright validate` shows all)",
                )

        for lw in self.p.labware:
            need("module", lw.module, self.modules, f"labware {lw.id!r}")
            need("labware", lw.on_labware, self.labware, f"labware {lw.id!r}")
            if lw.namespace != "opentrons" and lw.load_name not in self.custom:
                raise ExportError(
                    f"labware {lw.id!r} ({lw.namespace}/{lw.load_name}) has no definition",
                    hint="add its definition under custom_labware: (or pass it with -L)",
                )
            if lw.load_name in self.custom:
                self.used_custom[lw.load_name] = self.custom[lw.load_name]
            if lw.module is None and lw.slot is None and lw.on_labware is None and not lw.off_deck:
                raise ExportError(f"labware {lw.id!r} has neither a slot nor a module", hint="add `slot:`")
        for lw in self.p.labware:
            if lw.id in self.lids and (lw.on_labware is None or lw.on_labware in self.custom_ids()):
                raise ExportError(
                    f"lid {lw.id!r} must start on the Opentrons labware it covers to be exported",
                    hint="declare it with on_labware: the plate it covers (Opentrons loads a lid with its "
                    "labware, load_labware(..., lid=...))",
                )
        for pi in self.p.pipettes:
            for rack in pi.tip_racks:
                need("labware", rack, self.labware, f"pipette {pi.id!r}")
        for li in self.p.liquids:
            for spec in li.initial_volumes_ul:
                need("labware", spec.split(":", 1)[0], self.labware, f"liquid {li.id!r}")
        for i, step in enumerate(self.p.steps):
            where = f"step {i} ({step.op})"
            need("pipette", getattr(step, "pipette", None), self.pipettes, where)
            need("module", getattr(step, "module", None), self.modules, where)
            if isinstance(step, m.Measure | m.MoveLabware):
                need("labware", step.labware, self.labware, where)
            if isinstance(step, m.MoveLabware):
                need("labware", step.on_labware, self.labware, where)
            for loc in _step_locations(step):
                need("labware", parse_location(loc).labware, self.labware, where)

    def custom_ids(self) -> set[str]:
        return {lw.id for lw in self.p.labware if lw.load_name in self.custom}

    # ------------------------------------------------------------------ header

    def api_level(self) -> str:
        if self.lids:
            return API_LEVEL_LIDS
        return API_LEVEL_PLATE_READER if self.readers else API_LEVEL

    def header(self, out: _Lines) -> None:
        md = self.p.metadata
        paragraphs = [md.name]
        if md.description:
            paragraphs.append(md.description)
        paragraphs.append(
            f"Exported by `labwright export --to opentrons` from a {self.p.schema_version} protocol "
            f"(sha256 {protocol_sha256(self.p)}). Step numbers in the comments are the verifier's."
        )
        doc = "\n\n".join(textwrap.fill(p, WIDTH - 4, break_long_words=False) for p in paragraphs)
        doc = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        out.add(f'"""{doc}\n"""', 0)
        out.add("", 0)
        if self.used_custom:
            out.add("import json", 0)
            out.add("", 0)
        out.add("from opentrons import protocol_api", 0)
        out.add("__POINT_IMPORT__", 0)
        out.add("", 0)
        out.add("metadata = {", 0)
        out.add(f'"protocolName": {_long_str(md.name, 1, 16)},')
        if md.author:
            out.add(f'"author": {_long_str(md.author, 1, 10)},')
        if md.description:
            out.add(f'"description": {_long_str(md.description, 1, 15)},')
        out.add('"source": "labwright export",')
        out.add("}", 0)
        out.add(
            f'requirements = {{"robotType": "{ROBOT_TYPE[self.robot]}", "apiLevel": "{self.api_level()}"}}', 0
        )
        if self.used_custom:
            out.add("", 0)
            out.add("# Custom labware definitions (Opentrons labware schema 2) used by this protocol.", 0)
            out.add("CUSTOM_LABWARE = {", 0)
            for name, defn in sorted(self.used_custom.items()):
                out.add(f"{_str(name)}: json.loads({json.dumps(defn, sort_keys=True)!r}),")
            out.add("}", 0)
        out.add("", 0)
        out.add("", 0)
        out.add("def run(protocol: protocol_api.ProtocolContext) -> None:", 0)

    # ------------------------------------------------------------------- setup

    def setup(self, out: _Lines) -> None:
        if self.p.modules:
            out.add("# modules")
            for mo in self.p.modules:
                model = mo.model or DEFAULT_MODULE_MODEL[mo.type.value]
                args = [_str(MODULE_API_NAME.get(model, model))]
                placed = self.deck.modules.get(mo.id)
                slot = placed.slot if placed is not None else mo.slot  # as the verifier placed it
                if slot is not None or mo.type is not m.ModuleType.THERMOCYCLER:
                    args.append(_str(slot or ""))  # a thermocycler without a slot takes its own place
                out.extend(_call(f"{self.mod_var[mo.id]} = protocol.load_module", args))
        out.add("# labware (definition versions pinned to those labwright verified against)")
        for _, lw in stack_order(self.p.labware):
            if lw.id not in self.lids:  # a lid is loaded with the labware it covers
                out.extend(self._load_labware(lw))
        for mo in self.p.modules:
            if mo.type is m.ModuleType.HEATER_SHAKER and any(lw.module == mo.id for lw in self.p.labware):
                out.add(f"{self.mod_var[mo.id]}.close_labware_latch()  # hold the plate")
        if self.p.pipettes:
            out.add(
                "# trash and pipettes"
                if self.robot == "flex" or self._uses_trash_variable()
                else "# pipettes"
            )
            if self.robot == "flex":
                slot = self._flex_trash_slot()
                default = DEFAULT_TRASH_SLOT["flex"]
                note = "" if slot == default else f"  # {default} is taken"
                out.add(f'trash = protocol.load_trash_bin("{slot}"){note}')
            elif self._uses_trash_variable():
                out.add("trash = protocol.fixed_trash  # slot 12")
            for pi in self.p.pipettes:
                racks = "[" + ", ".join(self.lw_var[r] for r in pi.tip_racks) + "]"
                args = [_str(pi.model), _str(pi.mount.value), f"tip_racks={racks}"]
                out.extend(_call(f"{self.pip_var[pi.id]} = protocol.load_instrument", args))
        if self.deck.waste_chute:
            out.add("waste_chute = protocol.load_waste_chute()  # labware is thrown away through it")
        if self.p.liquids:
            out.add("# liquids")
            for li in self.p.liquids:
                self._define_liquid(out, li)

    def _flex_trash_slot(self) -> str:
        """A3 (where the Opentrons app puts the trash bin) unless the protocol uses it; then the
        first free slot of columns 3 and 1, where a trash bin can be installed."""
        if self.deck.trash_slot:
            return self.deck.trash_slot
        taken = set(self.deck.occupied)
        for lw in self.p.labware:
            taken.add(lw.slot or "")
        for step in self.p.steps:
            if isinstance(step, m.MoveLabware):
                taken.add(step.slot or "")
        taken |= {slot[0] + "3" for slot in taken if slot[1:] == "4"}  # staging areas take X3
        for mo in self.p.modules:
            taken.add(mo.slot or "")
        for slot in FLEX_TRASH_SLOTS:
            if slot not in taken:
                return slot
        raise ExportError(
            "the Flex deck has no free slot for the trash bin (columns 1 and 3 are full)",
            hint="free a slot in column 1 or 3 (A3 is the usual place)",
        )

    def _uses_trash_variable(self) -> bool:
        return any(isinstance(s, m.BlowOut) and s.location == TRASH for s in self.p.steps)

    def _load_labware(self, lw: m.Labware) -> list[str]:
        var = self.lw_var[lw.id]
        custom = lw.load_name in self.custom
        placed = self.deck.labware.get(lw.id)
        adapter = placed is not None and placed.info.is_adapter  # an adapter of its own
        what = f"CUSTOM_LABWARE[{_str(lw.load_name)}]" if custom else _str(lw.load_name)
        kind = "adapter" if adapter else "labware"
        method = f"load_{kind}_from_definition" if custom else f"load_{kind}"
        extra: list[str] = []
        if lw.label and not adapter:
            extra.append(f"label={_str(lw.label)}")
        if not custom:
            if lw.namespace != "opentrons":
                extra.append(f"namespace={_str(lw.namespace)}")
            version = placed.info.version if placed is not None else lw.version
            if version is not None:  # the definition the verifier checked, not the apiLevel's default
                extra.append(f"version={version}")
            if lw.id in self.lid_of:
                lid = self.deck.labware[self.lid_of[lw.id].id].info
                extra += [f"lid={_str(lid.load_name)}", f"lid_version={lid.version}"]
        lines: list[str] = []
        if lw.module is not None:
            parent = self.mod_var[lw.module]
            if self.modules[lw.module].type is m.ModuleType.PLATE_READER:
                lines.append(f"{parent}.open_lid()  # labware goes into the reader with its lid open")
            if lw.adapter:
                lines.append(f"{var}_adapter = {parent}.load_adapter({_str(lw.adapter)})")
                parent = f"{var}_adapter"
            return [*lines, *_call(f"{var} = {parent}.{method}", [what, *extra])]
        if lw.on_labware is not None:
            return _call(f"{var} = {self.lw_var[lw.on_labware]}.{method}", [what, *extra])
        slot = "protocol_api.OFF_DECK" if lw.off_deck else _str(lw.slot or "")
        if lw.adapter:
            lines.append(f"{var}_adapter = protocol.load_adapter({_str(lw.adapter)}, {slot})")
            return [*lines, *_call(f"{var} = {var}_adapter.{method}", [what, *extra])]
        return _call(f"{var} = protocol.{method}", [what, slot, *extra])

    def _move(self, step: m.MoveLabware) -> list[str]:
        """``protocol.move_labware`` to the step's one destination."""
        if step.slot is not None:
            to = _str(step.slot)
        elif step.module is not None:
            to = self.mod_var[step.module]
        elif step.on_labware is not None:
            to = self.lw_var[step.on_labware]
        else:
            to = "waste_chute" if step.waste_chute else "protocol_api.OFF_DECK"
        lid = step.labware in self.lids
        what = self._home(self.labware[step.labware]) if lid else self.lw_var[step.labware]
        args = [what, to, f"use_gripper={step.use_gripper}"]
        offsets = (("pick_up_offset", step.pick_up_offset_mm), ("drop_offset", step.drop_offset_mm))
        for name, offset in offsets:
            if offset is not None:
                xyz = ", ".join(f'"{k}": {_num(getattr(offset, k))}' for k in "xyz")
                args.append(f"{name}={{{xyz}}}")
        self.home[step.labware] = to
        return _call(f"protocol.{'move_lid' if lid else 'move_labware'}", args)

    def _define_liquid(self, out: _Lines, li: m.Liquid) -> None:
        identity = {key: getattr(li, key) for key in IDENTITY_KEYS}
        description = encode_liquid_identity(li.description, identity)
        var = self.liq_var[li.id]
        args = [f"name={_str(li.name)}", f"description={_long_str(description, 2, 12)}"]
        if li.color:
            args.append(f"display_color={_str(li.color)}")
        out.extend(_call(f"{var} = protocol.define_liquid", args))
        for spec, volume in li.initial_volumes_ul.items():
            lw_id, wells = spec.split(":", 1)
            lw = self.lw_var[lw_id]
            load = f"load_liquid(liquid={var}, volume={_num(volume)})"
            if wells == "*":
                out.add(f"for well in {lw}.wells():")
                out.add(f"well.{load}", 2)
            elif ".." in wells:
                refs = self.resolved.wells_of(li.id, spec)
                if refs is None:
                    raise ExportError(
                        f"liquid {li.id!r}: cannot resolve {spec!r}", hint="check the well range"
                    )
                expr, note = self._well_list(refs, "")
                out.add(f"for well in {expr}:  # {note or wells}")
                out.add(f"well.{load}", 2)
            else:
                out.add(f"{lw}[{_str(wells)}].{load}")

    # -------------------------------------------------------------------- steps

    def steps(self, out: _Lines) -> None:
        if not self.p.steps:
            out.add("pass  # no steps")
            return
        for i, step in enumerate(self.p.steps):
            out.add("")
            title = f"# step {i}: {_describe(step)}"
            if step.note:
                title += f" ({step.note})"
            for k, line in enumerate(textwrap.wrap(title.replace("\n", " "), WIDTH - 4)):
                out.add(line if k == 0 else f"#   {line}")
            out.extend(self._step(step))

    def _slotted(self, spec: str) -> str:
        """A well spec with its labware's deck slot (``pause_text``), for the import to read."""
        placed = self.deck.labware.get(spec.partition(":")[0])
        if placed is None:
            return spec
        module = self.deck.modules.get(placed.module) if placed.module else None
        return with_slot(spec, placed.slot or (module.slot if module else None))

    def _well(self, loc: str | WellRef) -> str:
        ref = loc if isinstance(loc, WellRef) else parse_location(loc)
        return f"{self.lw_var[ref.labware]}[{_str(ref.well)}]"

    def _at(self, loc: str, position: m.Position, offset: float | None) -> str:
        well = self._well(loc)
        if position is m.Position.TOP:
            return f"{well}.top({_num(offset)})" if offset else f"{well}.top()"
        if position is m.Position.CENTER:
            if offset:
                self.uses_point = True
                return f"{well}.center().move(Point(z={_num(offset)}))"
            return f"{well}.center()"
        return f"{well}.bottom({_num(DEFAULT_CLEARANCE_MM if offset is None else offset)})"

    def _well_list(self, refs: list[WellRef], suffix: str) -> tuple[str, str]:
        """An expression for a list of wells (with ``suffix``, e.g. ``.bottom(2)``), and a note.

        Runs in one labware read as slices: ``plate.wells()[0:24]`` (definition order, A1..H3)
        or ``plate.rows()[0][1:12]`` (row A, A2..A12).
        """
        labware = {r.labware for r in refs}
        if len(refs) > 2 and len(labware) == 1 and refs[0].labware in self.deck.labware:
            var = self.lw_var[refs[0].labware]
            info = self.deck.labware[refs[0].labware].info
            names = [r.well for r in refs]
            note = f"{names[0]}..{names[-1]}"
            order = info.well_names
            start = order.index(names[0]) if names[0] in order else -1
            if start >= 0 and order[start : start + len(names)] == names:
                return _map(f"{var}.wells()[{start}:{start + len(names)}]", suffix), note
            rows = _rows(order)
            for r, row in enumerate(rows):
                if len(rows) > 1 and names[0] in row:
                    j = row.index(names[0])
                    if row[j : j + len(names)] == names:
                        return _map(f"{var}.rows()[{r}][{j}:{j + len(names)}]", suffix), note
        return _packed_list([f"{self._well(r)}{suffix}" for r in refs]), ""

    def _location_arg(self, value: str | list[str], height: float) -> tuple[str, str]:
        suffix = "" if height == DEFAULT_CLEARANCE_MM else f".bottom({_num(height)})"
        if isinstance(value, list):
            return self._well_list([parse_location(v) for v in value], suffix)
        return f"{self._well(value)}{suffix}", ""

    def _step(self, step: m.Step) -> list[str]:  # noqa: C901
        if isinstance(step, m.Transfer | m.Distribute | m.Consolidate):
            return self._complex(step)
        if isinstance(step, m.Comment):
            return [f"protocol.comment({_str(step.text)})"]
        if isinstance(step, m.Delay):
            return [_delay(step.seconds)]
        if isinstance(step, m.Pause):
            refill = {self._slotted(spec): v for spec, v in step.refill_ul.items()}
            text = encode_pause_message(step.message, refill, [self._slotted(spec) for spec in step.empty])
            # the operator puts full racks there: the API's tip tracking starts them over
            resets = [f"{self.lw_var[rack]}.reset()" for rack in step.replace_tipracks]
            return [f"protocol.pause({_str(text)})" if text else "protocol.pause()", *resets]
        if isinstance(step, m.Measure):
            return self._measure(step)
        if isinstance(step, m.SetTemperature | m.Deactivate | m.EngageMagnets | m.DisengageMagnets):
            return self._module_step(step)
        if isinstance(step, m.Shake | m.OpenLid | m.CloseLid):
            return self._module_step(step)
        if isinstance(step, m.OpenLatch | m.CloseLatch):
            verb = "open" if isinstance(step, m.OpenLatch) else "close"
            mod = self.modules[step.module]
            note = "" if mod.type is m.ModuleType.HEATER_SHAKER else _unsupported(mod.type)
            return [f"{self.mod_var[mod.id]}.{verb}_labware_latch(){note}"]
        if isinstance(step, m.MoveLabware):
            return self._move(step)
        pip = self.pip_var[step.pipette]
        if isinstance(step, m.Aspirate | m.Dispense):
            at = self._at(step.location, step.position, step.offset_mm)
            return [f"{pip}.{step.op}({_num(step.volume_ul)}, {at})"]
        if isinstance(step, m.Mix):
            loc = self._at(step.location, step.position, step.offset_mm)
            return [f"{pip}.mix({step.repetitions}, {_num(step.volume_ul)}, {loc})"]
        if isinstance(step, m.BlowOut):
            target = "trash" if step.location == TRASH else self._well(step.location)
            return [f"{pip}.blow_out({target})"]
        if isinstance(step, m.TouchTip):
            return [f"{pip}.touch_tip({self._well(step.location) if step.location else ''})"]
        if isinstance(step, m.AirGap):
            return [f"{pip}.air_gap(volume={_num(step.volume_ul)}, height={_num(step.height_mm)})"]
        if isinstance(step, m.PickUpTip):
            return [f"{pip}.pick_up_tip({self._well(step.location) if step.location else ''})"]
        if isinstance(step, m.DropTip):
            return [f"{pip}.drop_tip({'' if step.location == TRASH else self._well(step.location)})"]
        if isinstance(step, m.ReturnTip):
            return [f"{pip}.return_tip()"]
        if isinstance(step, m.ConfigureNozzles):
            return self._nozzles(step, pip)
        raise ExportError(f"step op {step.op!r} cannot be exported", hint="report it")  # pragma: no cover

    def _nozzles(self, step: m.ConfigureNozzles, pip: str) -> list[str]:
        """``configure_nozzle_layout``; it resets the pipette's tip racks, so they are passed again."""
        args = [f"style=protocol_api.{step.layout.value.upper()}"]
        if step.start is not None:
            args.append(f"start={_str(step.start)}")
        if step.end is not None:
            args.append(f"end={_str(step.end)}")
        racks = self.pipettes[step.pipette].tip_racks
        args.append("tip_racks=[" + ", ".join(self.lw_var[r] for r in racks) + "]")
        return _call(f"{pip}.configure_nozzle_layout", args)

    def _complex(self, step: m.Transfer | m.Distribute | m.Consolidate) -> list[str]:
        pip = self.pip_var[step.pipette]
        vol = step.volume_ul
        volume = "[" + ", ".join(_num(v) for v in vol) + "]" if isinstance(vol, list) else _num(vol)
        src, src_note = self._location_arg(step.source, step.aspirate_offset_mm)
        dst, dst_note = self._location_arg(step.dest, step.dispense_offset_mm)
        args = [volume, src, dst, f'new_tip="{step.new_tip.value}"']
        comments = {k: note for k, note in ((1, src_note), (2, dst_note)) if note}
        notes: list[str] = []
        if isinstance(step, m.Distribute) and step.disposal_volume_ul is not None:
            args.append(f"disposal_volume={_num(step.disposal_volume_ul)}")
        if step.mix_before:
            if isinstance(step, m.Consolidate):
                notes.append("# mix_before is ignored by consolidate (Opentrons API)")
            else:
                args.append(f"mix_before=({step.mix_before.repetitions}, {_num(step.mix_before.volume_ul)})")
        if step.mix_after:
            if isinstance(step, m.Distribute):
                notes.append("# mix_after is ignored by distribute (Opentrons API)")
            else:
                args.append(f"mix_after=({step.mix_after.repetitions}, {_num(step.mix_after.volume_ul)})")
        if step.touch_tip:
            args.append("touch_tip=True")
        if step.blow_out:
            args += ["blow_out=True", 'blowout_location="trash"']
        if step.air_gap_ul:
            args.append(f"air_gap={_num(step.air_gap_ul)}")
        return [*notes, *_call(f"{pip}.{step.op}", args, comments)]

    def _module_step(self, step: m.Step) -> list[str]:  # noqa: C901
        mod = self.modules[step.module]  # type: ignore[attr-defined]
        var = self.mod_var[mod.id]
        kind = mod.type
        if isinstance(step, m.SetTemperature):
            c = _num(step.celsius)
            if kind is m.ModuleType.THERMOCYCLER:
                if step.target == "lid":
                    return [f"{var}.set_lid_temperature({c})"]
                wait = "" if step.wait else "  # waits: non-blocking needs apiLevel 2.27"
                return [f"{var}.set_block_temperature({c}){wait}"]
            if kind is m.ModuleType.HEATER_SHAKER:
                method = "set_and_wait_for_temperature" if step.wait else "set_target_temperature"
                return [f"{var}.{method}({c})"]
            if kind is m.ModuleType.TEMPERATURE:
                return [f"{var}.{'set_temperature' if step.wait else 'start_set_temperature'}({c})"]
            return [f"{var}.set_temperature({c}){_unsupported(kind)}"]
        if isinstance(step, m.Deactivate):
            if kind is m.ModuleType.HEATER_SHAKER:
                return [f"{var}.deactivate_heater()", f"{var}.deactivate_shaker()"]
            if kind is m.ModuleType.MAGNETIC:
                return [f"{var}.disengage()"]
            if kind in (m.ModuleType.TEMPERATURE, m.ModuleType.THERMOCYCLER):
                return [f"{var}.deactivate()"]
            return [f"{var}.deactivate(){_unsupported(kind)}"]
        note = "" if kind is m.ModuleType.MAGNETIC else _unsupported(kind)
        if isinstance(step, m.EngageMagnets):
            if step.height_mm is None:
                return [f"{var}.engage(){note or '  # the labware default height'}"]
            return [f"{var}.engage(height_from_base={_num(step.height_mm)}){note}"]
        if isinstance(step, m.DisengageMagnets):
            return [f"{var}.disengage(){note}"]
        if isinstance(step, m.Shake):
            if kind is not m.ModuleType.HEATER_SHAKER:
                return [f"{var}.set_and_wait_for_shake_speed({int(round(step.rpm))}){_unsupported(kind)}"]
            return [
                f"{var}.close_labware_latch()",
                f"{var}.set_and_wait_for_shake_speed({int(round(step.rpm))})",
                _delay(step.seconds),
                f"{var}.deactivate_shaker()",
            ]
        if isinstance(step, m.OpenLid | m.CloseLid):
            verb = "open" if isinstance(step, m.OpenLid) else "close"
            note = (
                "" if kind in (m.ModuleType.THERMOCYCLER, m.ModuleType.PLATE_READER) else _unsupported(kind)
            )
            return [f"{var}.{verb}_lid(){note}"]
        raise ExportError(f"module step {step.op!r} cannot be exported", hint="report it")  # pragma: no cover

    def _measure(self, step: m.Measure) -> list[str]:
        reader = step.module or (self.readers[0] if len(self.readers) == 1 else None)
        wl = f" at {_num(step.wavelength_nm)} nm" if step.wavelength_nm else ""
        what = f"Measure {step.kind.value}{wl} of {step.labware} ({_well_summary(step.wells)})"
        usable = (
            reader is not None
            and self.modules[reader].type is m.ModuleType.PLATE_READER
            and step.kind is m.MeasureKind.ABSORBANCE
            and step.wavelength_nm is not None
            and self.robot == "flex"
        )
        if not usable:
            return [f"protocol.comment({_str(what)})"]
        assert reader is not None and step.wavelength_nm is not None
        rv, lw = self.mod_var[reader], self.labware[step.labware]
        plate = self.lw_var[lw.id]
        nm = int(round(step.wavelength_nm))
        lines = [f"# {what}"]
        if nm not in PLATE_READER_WAVELENGTHS_NM:
            lines.append(f"# {nm} nm needs a custom reader configuration (default: 450, 562, 600, 650 nm)")
        on_reader = self._home(lw) == self.mod_var[reader]
        if on_reader:
            lines += [f"{rv}.close_lid()", f'{rv}.initialize("single", [{nm}])']
        else:
            lines += [
                f"{rv}.close_lid()",
                f'{rv}.initialize("single", [{nm}])',
                f"{rv}.open_lid()",
                f"protocol.move_labware({plate}, {rv}, use_gripper=True)",
                f"{rv}.close_lid()",
            ]
        lines += [f"{rv}.read(export_filename={_str(f'{lw.id}_{nm}nm')})", f"{rv}.open_lid()"]
        if not on_reader:
            lines.append(f"protocol.move_labware({plate}, {self._home(lw)}, use_gripper=True)")
        return lines

    def _home(self, lw: m.Labware) -> str:
        """The Python expression of where ``lw`` is at the step being rendered (moves change it)."""
        if lw.id in self.home:
            return self.home[lw.id]
        if lw.module:
            return self.mod_var[lw.module]
        if lw.on_labware:
            return self.lw_var[lw.on_labware]
        return "protocol_api.OFF_DECK" if lw.off_deck else _str(lw.slot or "")

    # ------------------------------------------------------------------- render

    def render(self) -> str:
        out = _Lines()
        self.header(out)
        self.setup(out)
        self.steps(out)
        point = "from opentrons.types import Point\n" if self.uses_point else ""
        return out.text().replace("__POINT_IMPORT__\n", point)


def _unsupported(kind: m.ModuleType) -> str:
    """Comment for a module call the module does not have: rendered as written, the robot refuses it
    (as the verifier does), rather than silently dropped."""
    return f"  # a {kind.value.replace('_', ' ')} module cannot do this: the robot will refuse it"


def _packed_list(items: list[str], indent: int = 2) -> str:
    """``[a, b, c]`` on one line if it fits, else items packed into lines one level deeper."""
    one = "[" + ", ".join(items) + "]"
    if indent * 4 + len(one) + 1 <= WIDTH:
        return one
    width = WIDTH - 4 * (indent + 1)
    lines: list[str] = []
    line = ""
    for item in items:
        piece = f"{item},"
        if line and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    lines.append(line)
    return "[\n" + "\n".join(f"    {x}" for x in lines) + "\n]"


def _map(expr: str, suffix: str) -> str:
    return f"[w{suffix} for w in {expr}]" if suffix else expr


def _rows(order: list[str]) -> list[list[str]]:
    """Wells grouped by row (A, B, ...), each in column order: ``Labware.rows()``."""
    by_row: dict[str, list[str]] = {}
    for name in order:
        by_row.setdefault(well_row_col(name)[0], []).append(name)
    return [sorted(v, key=lambda w: well_row_col(w)[1]) for _, v in sorted(by_row.items(), key=_row_key)]


def _row_key(item: tuple[str, list[str]]) -> tuple[int, str]:
    return (len(item[0]), item[0])


def _delay(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"protocol.delay(minutes={_num(seconds / 60)})"
    return f"protocol.delay(seconds={_num(seconds)})"


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{_num(seconds / 60)} min"
    return f"{_num(seconds)} s"


def _well_summary(wells: list[str] | None) -> str:
    if not wells:
        return "every well"
    if len(wells) <= 6:
        return ", ".join(wells)
    return f"{len(wells)} wells, {wells[0]}..{wells[-1]}"


def _count(value: object) -> str:
    return f"{len(value)} wells" if isinstance(value, list) else str(value)


def _describe(step: m.Step) -> str:  # noqa: C901
    """A short human title for a step."""
    if isinstance(step, m.Transfer | m.Distribute | m.Consolidate):
        vol = step.volume_ul
        v = f"{_num(vol)} uL" if not isinstance(vol, list) else f"{_num(min(vol))}-{_num(max(vol))} uL"
        return f"{step.op} {v} from {_count(step.source)} to {_count(step.dest)} with {step.pipette}"
    if isinstance(step, m.Aspirate | m.Dispense):
        return f"{step.op} {_num(step.volume_ul)} uL at {step.location} ({step.position.value})"
    if isinstance(step, m.Mix):
        return f"mix {step.repetitions} x {_num(step.volume_ul)} uL in {step.location}"
    if isinstance(step, m.SetTemperature):
        tgt = f" {step.target}" if step.target != "default" else ""
        return f"set {step.module}{tgt} to {_num(step.celsius)} degC"
    if isinstance(step, m.Shake):
        return f"shake {step.module} at {_num(step.rpm)} rpm for {_duration(step.seconds)}"
    if isinstance(step, m.EngageMagnets):
        h = f" to {_num(step.height_mm)} mm" if step.height_mm is not None else ""
        return f"raise the magnets of {step.module}{h}"
    if isinstance(step, m.DisengageMagnets):
        return f"lower the magnets of {step.module}"
    if isinstance(step, m.OpenLid | m.CloseLid):
        return f"{step.op.split('_')[0]} the lid of {step.module}"
    if isinstance(step, m.OpenLatch | m.CloseLatch):
        return f"{step.op.split('_')[0]} the labware latch of {step.module}"
    if isinstance(step, m.MoveLabware):
        return _describe_move(step)
    if isinstance(step, m.Deactivate):
        return f"switch off {step.module}"
    if isinstance(step, m.Delay):
        return f"wait {_duration(step.seconds)}"
    if isinstance(step, m.Measure):
        return f"measure {step.kind.value} of {step.labware}"
    if isinstance(step, m.ConfigureNozzles):
        start = f" from {step.start}" if step.start else ""
        end = f" to {step.end}" if step.end else ""
        return f"{step.pipette} picks up tips with nozzle layout {step.layout.value}{start}{end}"
    if isinstance(step, m.PickUpTip | m.DropTip | m.BlowOut | m.TouchTip) and step.location:
        return f"{step.op.replace('_', ' ')} ({step.location}) with {step.pipette}"
    module = getattr(step, "module", None)
    if module:
        return f"{step.op.replace('_', ' ')} {module}"
    pipette = getattr(step, "pipette", None)
    return step.op.replace("_", " ") + (f" with {pipette}" if pipette else "")


def _describe_move(step: m.MoveLabware) -> str:
    if step.slot is not None:
        to = f"slot {step.slot}"
    elif step.module is not None:
        to = step.module
    elif step.on_labware is not None:
        to = f"{step.on_labware}"
    else:
        to = "the waste chute" if step.waste_chute else "off the deck"
    how = "with the gripper" if step.use_gripper else "by hand (the robot pauses)"
    return f"move {step.labware} {'onto' if step.on_labware else 'to'} {to} {how}"


def _step_locations(step: m.Step) -> list[str]:
    out: list[str] = []
    for name in ("source", "dest", "location"):
        value = getattr(step, name, None)
        if value is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            if v != TRASH:
                out.append(v)
    return out


def export_opentrons(protocol: m.Protocol, extra_labware: list[dict[str, Any]] | None = None) -> str:
    """The Opentrons Python protocol (apiLevel 2.20, or 2.21 with a plate reader) for ``protocol``.

    ``extra_labware``: custom labware definitions supplied outside the protocol (``-L``); those
    the protocol uses are embedded in the file. Raises ``ExportError`` (a ``LabwrightError``)
    when the protocol names labware, modules or pipettes it does not declare. The text depends
    only on the protocol (and labwright's version): exporting twice gives the same bytes.
    """
    return _Exporter(protocol, extra_labware).render()


__all__ = ["API_LEVEL", "API_LEVEL_PLATE_READER", "ExportError", "export_opentrons"]
