"""What a ``pause`` step declares the operator does, resolved against the deck.

A pause may say that the operator replaces tip racks with full ones (``replace_tipracks``),
fills wells again (``refill``: well spec -> the volume each then holds) and empties wells, the
liquid waste most often (``empty``). Real protocols do all three during their pauses (issue 14);
declared, the deck twin replays them (``practice.OperatorPractice.on_pause``). Well specs are
those of a liquid's ``initial_volumes``: ``lw:A1``, ``lw:A1..H1`` (definition order), ``lw:*``.
"""

from __future__ import annotations

from dataclasses import dataclass

from labwright.protocols import models as m
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck.layout import Deck, did_you_mean, expand_well_spec


@dataclass(frozen=True, slots=True)
class PauseActs:
    replace_tipracks: tuple[str, ...] = ()
    refill: tuple[tuple[WellRef, float], ...] = ()
    empty: tuple[WellRef, ...] = ()


def _escape(spec: str) -> str:
    return spec.replace("~", "~0").replace("/", "~1")


def resolve_pause(
    step: m.Pause, index: int, deck: Deck, broken_labware: frozenset[str] | set[str], out: list[Finding]
) -> tuple[PauseActs, bool]:
    """The pause's declarations as wells and racks, and whether all of them resolved; each
    problem is added to ``out`` (a name that is not declared, a rack that is not one, a tip
    rack named as a well)."""
    ok = True
    ptr = f"/steps/{index}"

    def error(code: str, category: str, message: str, hint: str, pointer: str) -> None:
        nonlocal ok
        ok = False
        out.append(finding(code, category, "error", message, hint, step=index, pointer=pointer))

    racks: list[str] = []
    for j, rack in enumerate(step.replace_tipracks):
        lw = deck.labware.get(rack)
        if lw is None:
            if rack not in broken_labware:
                error(
                    "UNKNOWN_LABWARE",
                    "reference",
                    f"step {index} (pause) replaces tip rack {rack!r}, which is not declared",
                    did_you_mean(rack, [k for k, v in deck.labware.items() if v.info.is_tiprack]),
                    f"{ptr}/replace_tipracks/{j}",
                )
            ok = ok and rack not in broken_labware
        elif not lw.info.is_tiprack:
            error(
                "TIPRACK_NOT_A_TIPRACK",
                "reference",
                f"step {index} (pause) replaces {rack!r}, which is not a tip rack",
                "name the tip racks the operator replaces",
                f"{ptr}/replace_tipracks/{j}",
            )
        else:
            racks.append(rack)

    def wells(spec: str, pointer: str) -> list[WellRef]:
        refs, reason = expand_well_spec(spec, deck)
        if refs is None:
            if spec.split(":", 1)[0] not in broken_labware:
                error(
                    "UNKNOWN_WELL",
                    "reference",
                    f"step {index} (pause): {reason}",
                    "name a declared labware and its wells",
                    pointer,
                )
            return []
        if deck.labware[refs[0].labware].info.is_tiprack:
            error(
                "LOCATION_TIPRACK_AS_WELL",
                "location",
                f"step {index} (pause) fills or empties tip rack {refs[0].labware!r}",
                "name wells of plates, reservoirs or tubes (tip racks: replace_tipracks)",
                pointer,
            )
            return []
        return refs

    refill = [
        (ref, volume)
        for spec, volume in step.refill_ul.items()
        for ref in wells(spec, f"{ptr}/refill_ul/{_escape(spec)}")
    ]
    empty = [ref for j, spec in enumerate(step.empty) for ref in wells(spec, f"{ptr}/empty/{j}")]
    return PauseActs(tuple(racks), tuple(refill), tuple(empty)), ok
