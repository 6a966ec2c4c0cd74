"""Pass 2, references: everything a step names is declared; slots and wells exist.

Builds the resolved deck (labware, modules and pipettes against their Opentrons definitions)
and expands liquid well specs (``lw:A1``, ``lw:A1..H1`` in definition order, ``lw:*``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labwright.protocols import models as m
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import TRASH, WellRef, parse_location
from labwright.simulators.deck.layout import Deck, build_deck, did_you_mean, expand_well_spec

# which module types accept which module ops
MODULE_OPS: dict[str, set[str]] = {
    "set_temperature": {"temperature", "heater_shaker", "thermocycler"},
    "deactivate": {"temperature", "heater_shaker", "thermocycler", "magnetic"},
    "engage_magnets": {"magnetic"},
    "disengage_magnets": {"magnetic"},
    "shake": {"heater_shaker"},
    "open_lid": {"thermocycler"},
    "close_lid": {"thermocycler"},
    "measure": {"plate_reader"},
}


@dataclass
class ReferenceResult:
    deck: Deck
    well_sets: dict[str, list[WellRef]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    bad_steps: set[int] = field(default_factory=set)


def references_pass(
    protocol: m.Protocol, extra_labware: list[dict[str, Any]] | None = None
) -> ReferenceResult:
    deck, issues = build_deck(protocol, extra_labware)
    result = ReferenceResult(deck=deck)
    out = result.findings
    out.extend(issues)
    declared_lw = {lw.id for lw in protocol.labware}
    declared_mod = {mo.id for mo in protocol.modules}
    declared_pip = {p.id for p in protocol.pipettes}
    broken_lw = declared_lw - set(deck.labware)
    broken_pip = declared_pip - set(deck.pipettes)
    broken_mod = declared_mod - set(deck.modules)

    liquid_ids: set[str] = set()
    for i, liq in enumerate(protocol.liquids):
        if liq.id in liquid_ids or liq.id in declared_lw | declared_mod | declared_pip:
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
        for spec in liq.initial_volumes_ul:
            refs, reason = expand_well_spec(spec, deck)
            if refs is None:
                if spec.split(":", 1)[0] in broken_lw:
                    continue
                out.append(
                    finding(
                        "UNKNOWN_WELL",
                        "reference",
                        "error",
                        f"liquid {liq.id!r}: {reason}",
                        "name a declared labware and one of its wells",
                        pointer=f"/liquids/{i}/initial_volumes_ul/{spec}",
                    )
                )
                continue
            if deck.labware[refs[0].labware].info.is_tiprack:
                out.append(
                    finding(
                        "LOCATION_TIPRACK_AS_WELL",
                        "location",
                        "error",
                        f"liquid {liq.id!r} is placed in tip rack {refs[0].labware!r}",
                        "put liquids in plates, reservoirs or tubes",
                        pointer=f"/liquids/{i}/initial_volumes_ul/{spec}",
                    )
                )
                continue
            result.well_sets[f"{liq.id}|{spec}"] = refs

    for i, step in enumerate(protocol.steps):
        ptr = f"/steps/{i}"
        bad = False

        def ref_error(
            code: str, message: str, hint: str, pointer: str, category: str = "reference", index: int = i
        ) -> None:
            nonlocal bad
            bad = True
            out.append(finding(code, category, "error", message, hint, step=index, pointer=pointer))

        pip = getattr(step, "pipette", None)
        if pip is not None and pip not in deck.pipettes:
            if pip in broken_pip:
                bad = True
            else:
                ref_error(
                    "UNKNOWN_PIPETTE",
                    f"step {i} ({step.op}) uses pipette {pip!r}, which is not declared",
                    did_you_mean(pip, sorted(declared_pip)),
                    f"{ptr}/pipette",
                )
        mod = getattr(step, "module", None)
        if mod is not None:
            if mod not in deck.modules:
                if mod in broken_mod:
                    bad = True
                else:
                    ref_error(
                        "UNKNOWN_MODULE",
                        f"step {i} ({step.op}) uses module {mod!r}, which is not declared",
                        did_you_mean(mod, sorted(declared_mod)),
                        f"{ptr}/module",
                    )
            elif step.op in MODULE_OPS:
                mtype = deck.modules[mod].info.type
                if mtype not in MODULE_OPS[step.op]:
                    ref_error(
                        "MODULE_OP_UNSUPPORTED",
                        f"step {i}: a {mtype.replace('_', ' ')} module cannot {step.op.replace('_', ' ')}",
                        f"use a module of type {' or '.join(sorted(MODULE_OPS[step.op]))}",
                        f"{ptr}/module",
                    )
            if isinstance(step, m.SetTemperature) and mod in deck.modules:
                mtype = deck.modules[mod].info.type
                if step.target != "default" and mtype != "thermocycler":
                    ref_error(
                        "MODULE_OP_UNSUPPORTED",
                        f"step {i}: only a thermocycler has a {step.target}",
                        "remove `target:`",
                        f"{ptr}/target",
                    )
        for field_name, value in _locations(step):
            loc_ptr = f"{ptr}/{field_name}"
            try:
                wref = parse_location(value)
            except ValueError as exc:
                ref_error("LOCATION_SYNTAX", str(exc), "write LABWARE_ID:WELL", loc_ptr, "schema")
                continue
            if wref.labware not in deck.labware:
                if wref.labware in broken_lw:
                    bad = True
                    continue
                ref_error(
                    "UNKNOWN_LABWARE",
                    f"step {i} ({step.op}) names labware {wref.labware!r}, which is not declared",
                    did_you_mean(wref.labware, sorted(declared_lw)),
                    loc_ptr,
                )
                continue
            info = deck.labware[wref.labware].info
            if wref.well not in info.wells:
                ref_error(
                    "UNKNOWN_WELL",
                    f"step {i} ({step.op}): {info.load_name} has no well {wref.well}",
                    did_you_mean(wref.well, info.well_names[:3] + info.well_names[-1:])
                    + f" (wells {info.well_names[0]}..{info.well_names[-1]})",
                    loc_ptr,
                )
                continue
            tip_field = isinstance(step, m.PickUpTip) or (
                isinstance(step, m.DropTip) and field_name == "location"
            )
            if info.is_tiprack and not tip_field:
                ref_error(
                    "LOCATION_TIPRACK_AS_WELL",
                    f"step {i} ({step.op}) pipettes into tip rack {wref.labware!r}",
                    "use a plate, reservoir or tube rack",
                    loc_ptr,
                    "location",
                )
            elif tip_field and not info.is_tiprack:
                ref_error(
                    "TIPRACK_NOT_A_TIPRACK",
                    f"step {i} ({step.op}) takes tips from {wref.labware!r}, which is not a tip rack",
                    "name a tip rack well",
                    loc_ptr,
                )
        if isinstance(step, m.Measure):
            if step.labware not in deck.labware:
                if step.labware not in broken_lw:
                    ref_error(
                        "UNKNOWN_LABWARE",
                        f"step {i} measures labware {step.labware!r}, which is not declared",
                        did_you_mean(step.labware, sorted(declared_lw)),
                        f"{ptr}/labware",
                    )
                bad = True
            else:
                names = set(deck.labware[step.labware].info.wells)
                for j, w in enumerate(step.wells or []):
                    if w not in names:
                        ref_error(
                            "UNKNOWN_WELL",
                            f"step {i} measures well {w}, which {step.labware!r} does not have",
                            "name wells of that labware",
                            f"{ptr}/wells/{j}",
                        )
        if bad:
            result.bad_steps.add(i)
    return result


def _locations(step: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name in ("location", "source", "dest"):
        value = getattr(step, name, None)
        if value is None or value == TRASH:
            continue
        if isinstance(value, list):
            out += [(f"{name}/{k}", v) for k, v in enumerate(value)]
        else:
            out.append((name, value))
    return out
