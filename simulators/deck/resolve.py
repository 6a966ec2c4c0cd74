"""A protocol resolved against its deck, once.

``resolve(protocol, extra_labware)`` places labware, modules, pipettes and tip racks against
their Opentrons definitions (``layout.build_deck``), parses every step's locations into typed
``WellRef``s (each location string is parsed here and nowhere else), expands the liquids'
initial well specs (``lw:A1``, ``lw:A1..H1`` in definition order, ``lw:*``) and checks that
everything a step names is declared and exists. The problems met on the way are reference and
deck findings; a step whose references did not all resolve is marked, so that later stages
(the verifier's passes, the replay, the twin backend, the step map, the export) skip or stand in
for it. Every one of them reads this one resolved form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labwright.protocols import models as m
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import TRASH, WellRef, parse_location
from labwright.simulators.deck.definitions import deck_slots
from labwright.simulators.deck.layout import Deck, build_deck, did_you_mean, expand_well_spec
from labwright.simulators.deck.pause import PauseActs, resolve_pause

# which module types accept which module ops
MODULE_OPS: dict[str, frozenset[str]] = {
    "set_temperature": frozenset({"temperature", "heater_shaker", "thermocycler"}),
    "deactivate": frozenset({"temperature", "heater_shaker", "thermocycler", "magnetic"}),
    "engage_magnets": frozenset({"magnetic"}),
    "disengage_magnets": frozenset({"magnetic"}),
    "shake": frozenset({"heater_shaker"}),
    "open_lid": frozenset({"thermocycler"}),
    "close_lid": frozenset({"thermocycler"}),
    "open_latch": frozenset({"heater_shaker"}),
    "close_latch": frozenset({"heater_shaker"}),
    "measure": frozenset({"plate_reader"}),
}

LOCATION_FIELDS = ("location", "source", "dest")


@dataclass(frozen=True, slots=True)
class ResolvedStep:
    """One step with its locations parsed.

    ``location`` is ``None`` for the trash or a location left to the robot (next tip, where the
    pipette is); ``sources`` and ``dests`` keep the step's order (one entry for a single
    location). A location that did not parse is left out; the step is then not ``ok``.
    """

    index: int
    step: m.Step
    location: WellRef | None = None
    sources: tuple[WellRef, ...] = ()
    dests: tuple[WellRef, ...] = ()
    ok: bool = True  # every name and location of the step resolved
    pause: PauseActs | None = None  # a pause: what it declares the operator does

    @property
    def pointer(self) -> str:
        return f"/steps/{self.index}"

    @property
    def source(self) -> WellRef:
        return self.sources[0]

    @property
    def dest(self) -> WellRef:
        return self.dests[0]


@dataclass(frozen=True, slots=True)
class LiquidWells:
    """One ``initial_volumes_ul`` entry of a liquid: its spec expanded into wells."""

    liquid: m.Liquid
    liquid_index: int
    spec: str
    volume_ul: float
    wells: tuple[WellRef, ...]
    in_tiprack: bool = False  # reported; no contents are placed there

    @property
    def pointer(self) -> str:
        return f"/liquids/{self.liquid_index}/initial_volumes_ul/" + self.spec.replace("~", "~0").replace(
            "/", "~1"
        )


@dataclass(frozen=True)
class ResolvedProtocol:
    protocol: m.Protocol
    deck: Deck
    steps: tuple[ResolvedStep, ...]
    liquid_wells: tuple[LiquidWells, ...]
    findings: tuple[Finding, ...]  # reference and deck findings met while resolving

    @property
    def bad_steps(self) -> frozenset[int]:
        return frozenset(s.index for s in self.steps if not s.ok)

    @property
    def declares_liquids(self) -> bool:
        return bool(self.protocol.liquids)

    def wells_of(self, liquid_id: str, spec: str) -> tuple[WellRef, ...] | None:
        """The wells of one liquid's well spec, or None when it did not resolve."""
        for entry in self.liquid_wells:
            if entry.liquid.id == liquid_id and entry.spec == spec:
                return entry.wells
        return None


def resolve(protocol: m.Protocol, extra_labware: list[dict[str, Any]] | None = None) -> ResolvedProtocol:
    deck, findings = build_deck(protocol, extra_labware)
    names = _Declared(protocol, deck)
    liquid_wells = _resolve_liquids(protocol, deck, names, findings)
    steps = tuple(
        _StepResolver(deck, names, i, step, findings).resolve() for i, step in enumerate(protocol.steps)
    )
    return ResolvedProtocol(protocol, deck, steps, tuple(liquid_wells), tuple(findings))


# step class -> (has a pipette field, has a module field, its location fields): read from the
# model's fields once, so a step is never asked for a field it does not have (a missing
# attribute on a pydantic model costs an exception in BaseModel.__getattr__)
_STEP_FIELDS: dict[type, tuple[bool, bool, tuple[str, ...]]] = {}


def _step_fields(cls: type) -> tuple[bool, bool, tuple[str, ...]]:
    known = _STEP_FIELDS.get(cls)
    if known is None:
        fields = cls.model_fields  # type: ignore[attr-defined]
        known = _STEP_FIELDS[cls] = (
            "pipette" in fields,
            "module" in fields,
            tuple(name for name in LOCATION_FIELDS if name in fields),
        )
    return known


class _Declared:
    """What the protocol declares, and which of it did not resolve (already reported)."""

    def __init__(self, protocol: m.Protocol, deck: Deck) -> None:
        self.labware = frozenset(lw.id for lw in protocol.labware)
        self.modules = frozenset(mo.id for mo in protocol.modules)
        self.pipettes = frozenset(p.id for p in protocol.pipettes)
        self.broken_labware = self.labware - set(deck.labware)
        self.broken_modules = self.modules - set(deck.modules)
        self.broken_pipettes = self.pipettes - set(deck.pipettes)


# --------------------------------------------------------------------------------- liquids


def _resolve_liquids(
    protocol: m.Protocol, deck: Deck, names: _Declared, out: list[Finding]
) -> list[LiquidWells]:
    wells: list[LiquidWells] = []
    liquid_ids: set[str] = set()
    other_ids = names.labware | names.modules | names.pipettes
    for i, liq in enumerate(protocol.liquids):
        if liq.id in liquid_ids or liq.id in other_ids:
            out.append(
                finding(
                    "DUPLICATE_ID",
                    "reference",
                    "error",
                    f"liquid id {liq.id!r} is used twice",
                    "give every liquid its own id",
                    pointer=f"/liquids/{i}/id",
                )
            )
        liquid_ids.add(liq.id)
        for spec, volume in liq.initial_volumes_ul.items():
            entry = _liquid_spec(liq, i, spec, volume, deck, names, out)
            if entry is not None:
                wells.append(entry)
    return wells


def _liquid_spec(
    liq: m.Liquid, i: int, spec: str, volume: float, deck: Deck, names: _Declared, out: list[Finding]
) -> LiquidWells | None:
    refs, reason = expand_well_spec(spec, deck)
    pointer = f"/liquids/{i}/initial_volumes_ul/{spec}"
    if refs is None:
        if spec.split(":", 1)[0] not in names.broken_labware:
            out.append(
                finding(
                    "UNKNOWN_WELL",
                    "reference",
                    "error",
                    f"liquid {liq.id!r}: {reason}",
                    "name a declared labware and one of its wells",
                    pointer=pointer,
                )
            )
        return None
    in_tiprack = deck.labware[refs[0].labware].info.is_tiprack
    if in_tiprack:
        out.append(
            finding(
                "LOCATION_TIPRACK_AS_WELL",
                "location",
                "error",
                f"liquid {liq.id!r} is placed in tip rack {refs[0].labware!r}",
                "put liquids in plates, reservoirs or tubes",
                pointer=pointer,
            )
        )
    return LiquidWells(liq, i, spec, volume, tuple(refs), in_tiprack)


# ----------------------------------------------------------------------------------- steps


class _StepResolver:
    """Resolves one step: its pipette, module, locations and measured wells."""

    def __init__(self, deck: Deck, names: _Declared, index: int, step: m.Step, out: list[Finding]) -> None:
        self.deck = deck
        self.names = names
        self.i = index
        self.step = step
        self.ptr = f"/steps/{index}"
        self.out = out
        self.ok = True

    def error(self, code: str, message: str, hint: str, pointer: str, category: str = "reference") -> None:
        self.ok = False
        self.out.append(finding(code, category, "error", message, hint, step=self.i, pointer=pointer))

    def resolve(self) -> ResolvedStep:
        has_pipette, has_module, location_fields = _step_fields(type(self.step))
        if has_pipette:
            self._check_pipette()
        if has_module:
            self._check_module()
        parsed = {name: self._locations(name) for name in location_fields}
        if isinstance(self.step, m.Measure):
            self._check_measure(self.step)
        elif isinstance(self.step, m.MoveLabware):
            self._check_move(self.step)
        pause = None
        if isinstance(self.step, m.Pause):
            pause, resolved = resolve_pause(self.step, self.i, self.deck, self.names.broken_labware, self.out)
            self.ok = self.ok and resolved
        location = parsed.get("location", ())
        return ResolvedStep(
            self.i,
            self.step,
            location=location[0] if len(location) == 1 else None,
            sources=parsed.get("source", ()),
            dests=parsed.get("dest", ()),
            ok=self.ok,
            pause=pause,
        )

    # names ----------------------------------------------------------------------------

    def _check_pipette(self) -> None:
        pip = self.step.pipette  # type: ignore[union-attr]
        if pip is None or pip in self.deck.pipettes:
            return
        if pip in self.names.broken_pipettes:
            self.ok = False
            return
        self.error(
            "UNKNOWN_PIPETTE",
            f"step {self.i} ({self.step.op}) uses pipette {pip!r}, which is not declared",
            did_you_mean(pip, sorted(self.names.pipettes)),
            f"{self.ptr}/pipette",
        )

    def _check_module(self) -> None:
        step, i = self.step, self.i
        mod = step.module  # type: ignore[union-attr]
        if mod is None:
            return
        if mod not in self.deck.modules:
            if mod in self.names.broken_modules:
                self.ok = False
                return
            self.error(
                "UNKNOWN_MODULE",
                f"step {i} ({step.op}) uses module {mod!r}, which is not declared",
                did_you_mean(mod, sorted(self.names.modules)),
                f"{self.ptr}/module",
            )
            return
        mtype = self.deck.modules[mod].info.type
        if step.op in MODULE_OPS and mtype not in MODULE_OPS[step.op]:
            self.error(
                "MODULE_OP_UNSUPPORTED",
                f"step {i}: a {mtype.replace('_', ' ')} module cannot {step.op.replace('_', ' ')}",
                f"use a module of type {' or '.join(sorted(MODULE_OPS[step.op]))}",
                f"{self.ptr}/module",
            )
        if isinstance(step, m.SetTemperature) and step.target != "default" and mtype != "thermocycler":
            self.error(
                "MODULE_OP_UNSUPPORTED",
                f"step {i}: only a thermocycler has a {step.target}",
                "remove `target:`",
                f"{self.ptr}/target",
            )

    def _check_measure(self, step: m.Measure) -> None:
        if step.labware not in self.deck.labware:
            if step.labware not in self.names.broken_labware:
                self.error(
                    "UNKNOWN_LABWARE",
                    f"step {self.i} measures labware {step.labware!r}, which is not declared",
                    did_you_mean(step.labware, sorted(self.names.labware)),
                    f"{self.ptr}/labware",
                )
            self.ok = False
            return
        wells = self.deck.labware[step.labware].info.wells
        for j, w in enumerate(step.wells or []):
            if w not in wells:
                self.error(
                    "UNKNOWN_WELL",
                    f"step {self.i} measures well {w}, which {step.labware!r} does not have",
                    "name wells of that labware",
                    f"{self.ptr}/wells/{j}",
                )

    def _check_move(self, step: m.MoveLabware) -> None:
        """The moved labware and the destination named exist (what may go there is the twin's)."""
        for field_name in ("labware", "on_labware"):
            ident = getattr(step, field_name)
            if ident is None or ident in self.deck.labware:
                continue
            if ident in self.names.broken_labware:
                self.ok = False
                continue
            self.error(
                "UNKNOWN_LABWARE",
                f"step {self.i} moves {'onto ' if field_name == 'on_labware' else ''}labware {ident!r}, "
                "which is not declared",
                did_you_mean(ident, sorted(self.names.labware)),
                f"{self.ptr}/{field_name}",
            )
        robot = self.deck.robot
        if step.slot is not None and step.slot not in deck_slots(robot):
            self.error(
                "DECK_SLOT_INVALID",
                f"step {self.i} moves labware to slot {step.slot!r}, which the "
                f"{'OT-2' if robot == 'ot2' else 'Flex'} deck does not have",
                f"use one of {', '.join(deck_slots(robot))}",
                f"{self.ptr}/slot",
                "deck",
            )
        if step.waste_chute and robot != "flex":
            self.error(
                "MOVE_WASTE_CHUTE_UNAVAILABLE",
                f"step {self.i} throws labware into the waste chute; only the Flex has one",
                "move it off the deck instead (off_deck: true)",
                f"{self.ptr}/waste_chute",
                "deck",
            )

    # locations ------------------------------------------------------------------------

    def _locations(self, name: str) -> tuple[WellRef, ...]:
        """The parsed locations of one field (trash and absent: none), each checked."""
        value = getattr(self.step, name)
        if value is None or value == TRASH:
            return ()
        if isinstance(value, list):
            items = [(f"{name}/{k}", v) for k, v in enumerate(value)]
        else:
            items = [(name, value)]
        out: list[WellRef] = []
        for field_name, text in items:
            ref = self._location(field_name, text)
            if ref is not None:
                out.append(ref)
        return tuple(out)

    def _location(self, field_name: str, text: str) -> WellRef | None:
        """Parse one location and check it; the reference is kept when it parses (a well that
        does not exist is replayed as one of unknown contents)."""
        loc_ptr = f"{self.ptr}/{field_name}"
        try:
            ref = parse_location(text)
        except ValueError as exc:
            self.error("LOCATION_SYNTAX", str(exc), "write LABWARE_ID:WELL", loc_ptr, "schema")
            return None
        self._check_location(ref, field_name, loc_ptr)
        return ref

    def _check_location(self, ref: WellRef, field_name: str, loc_ptr: str) -> None:
        step, i = self.step, self.i
        if ref.labware not in self.deck.labware:
            if ref.labware in self.names.broken_labware:
                self.ok = False
                return
            self.error(
                "UNKNOWN_LABWARE",
                f"step {i} ({step.op}) names labware {ref.labware!r}, which is not declared",
                did_you_mean(ref.labware, sorted(self.names.labware)),
                loc_ptr,
            )
            return
        info = self.deck.labware[ref.labware].info
        if ref.well not in info.wells:
            self.error(
                "UNKNOWN_WELL",
                f"step {i} ({step.op}): {info.load_name} has no well {ref.well}",
                did_you_mean(ref.well, info.well_names[:3] + info.well_names[-1:])
                + f" (wells {info.well_names[0]}..{info.well_names[-1]})",
                loc_ptr,
            )
            return
        tip_field = isinstance(step, m.PickUpTip) or (
            isinstance(step, m.DropTip) and field_name == "location"
        )
        # a blow-out over a tip rack harms only with liquid in the tip: the replay judges that
        if info.is_tiprack and not tip_field and not isinstance(step, m.BlowOut):
            self.error(
                "LOCATION_TIPRACK_AS_WELL",
                f"step {i} ({step.op}) pipettes into tip rack {ref.labware!r}",
                "use a plate, reservoir or tube rack",
                loc_ptr,
                "location",
            )
        elif tip_field and not info.is_tiprack:
            self.error(
                "TIPRACK_NOT_A_TIPRACK",
                f"step {i} ({step.op}) takes tips from {ref.labware!r}, which is not a tip rack",
                "name a tip rack well",
                loc_ptr,
            )
