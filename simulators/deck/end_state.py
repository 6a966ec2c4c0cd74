"""What a protocol leaves on the deck: every labware's wells with their volume intervals and
composition, the liquids, the number of steps and the simulated time.

``end_state(resolved)`` replays a resolved protocol on the deck twin (``replay.replay``: the same
expansion and reducers the verifier and the twin backend use) and reads the twin's final state
into a pydantic ``EndState``. Nothing is dispatched and nothing is verified beyond what the
replay itself meets (its findings are kept, so a reader knows the end state of a faulty
protocol is the state of a run that would have failed).

A well is listed when it was filled before the first step (a declared liquid) or when the run
changed it; wells never touched and never filled are left out. The contents a protocol that
declares no liquid leaves to the operator are keyed ``?LABWARE:WELL`` (the twin's key for a
well's unknown, hand-filled contents).
"""

from __future__ import annotations

from labwright.protocols.findings import Finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck.replay import replay
from labwright.simulators.deck.resolve import ResolvedProtocol
from labwright.simulators.deck.state import EPS, TipStatus, WellState
from labwright.simulators.deck.twin import DeckTwin
from pydantic import BaseModel, ConfigDict, Field

# Volumes are reported to 1e-4 uL: far below any pipette's resolution, and free of float noise
# (a 1:3 dilution leaves 33.333333333333336 uL). Amounts of each liquid keep six significant
# digits, down to TRACE_UL: what float arithmetic leaves in an emptied well is far below it, the
# stock in the twelfth well of a 10-fold series (1e-9 of it) far above.
_DIGITS = 4
TRACE_UL = 1e-12


class WellEnd(BaseModel):
    model_config = ConfigDict(frozen=True)

    volume_ul: tuple[float, float] = Field(description="[low, high]: what the well holds at least, at most")
    composition_ul: dict[str, float] = Field(
        default_factory=dict,
        description="liquid id -> uL; ?LABWARE:WELL: contents filled by hand, amount unknown (0 uL listed)",
    )


class LabwareEnd(BaseModel):
    model_config = ConfigDict(frozen=True)

    load_name: str
    slot: str | None = Field(description="deck slot (a labware on a module: the module's slot)")
    module: str | None = None
    display_name: str = ""
    is_tiprack: bool = False
    tips_used: list[str] = Field(
        default_factory=list, description="tip racks: wells whose tip was picked up (no longer fresh)"
    )
    wells: dict[str, WellEnd] = Field(default_factory=dict)


class LiquidEnd(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    cas: str | None = None
    smiles: str | None = None
    concentration: str | None = None
    color: str | None = None


class EndState(BaseModel):
    """The deck after the last step of a replay."""

    model_config = ConfigDict(frozen=True)

    robot: str
    labware: dict[str, LabwareEnd]
    liquids: dict[str, LiquidEnd]
    steps: int = Field(description="steps of the protocol that were replayed")
    actions: int = Field(description="primitive actions (aspirate, dispense, tip, module motions)")
    duration_s: float = Field(
        description="simulated time of timed steps (delays, shaking); pipetting motions take no time"
    )
    tips_used: int
    findings: list[Finding] = Field(
        default_factory=list, description="what the resolution and the replay met (faults of the run)"
    )

    def well(self, location: str) -> WellEnd | None:
        """The end state of ``LABWARE:WELL``, None when the well was never filled nor touched."""
        labware, _, well = location.partition(":")
        lw = self.labware.get(labware)
        return lw.wells.get(well) if lw else None


def _r(value: float) -> float:
    out = round(value, _DIGITS)
    return 0.0 if out == 0 else out  # no -0.0


def _sig(value: float) -> float:
    """Six significant digits: a tenth dilution step still shows its 1.5e-9 uL of stock."""
    return float(f"{value:.6g}")


def _well_end(w: WellState) -> WellEnd:
    return WellEnd(
        volume_ul=(_r(w.low), _r(w.high)),
        # hand-filled contents ("?LABWARE:WELL") stay listed: their amount is unknown, and the
        # twin's best estimate of it (0 uL) must not make them disappear
        composition_ul={
            k: _sig(v) for k, v in sorted(w.amounts.items()) if v > TRACE_UL or k.startswith("?")
        },
    )


def _changed(before: WellState | None, after: WellState) -> bool:
    """Whether the run (or a declared liquid) made the well differ from the empty deck."""
    if before is None:
        return True
    if abs(before.low - after.low) > EPS or abs(before.high - after.high) > EPS:
        return True
    return set(before.amounts) != set(after.amounts) or any(
        abs(before.amounts[k] - v) > EPS for k, v in after.amounts.items()
    )


def end_state(resolved: ResolvedProtocol) -> EndState:
    """Replay ``resolved`` on the deck twin and read its final state (module docstring)."""
    result = replay(resolved)
    twin = result.twin
    empty = DeckTwin(resolved.deck, declares_liquids=resolved.declares_liquids).wells
    labware: dict[str, LabwareEnd] = {}
    for lw in resolved.deck.labware.values():
        wells: dict[str, WellEnd] = {}
        used: list[str] = []
        for name in lw.info.well_names:
            ref = WellRef(lw.id, name)
            if lw.info.is_tiprack:
                tip = twin.tips.get(ref)
                if tip is not None and tip.status is not TipStatus.RACK:
                    used.append(name)
                continue
            w = twin.wells.get(ref)
            if w is not None and _changed(empty.get(ref), w):
                wells[name] = _well_end(w)
        labware[lw.id] = LabwareEnd(
            load_name=lw.info.load_name,
            slot=lw.slot,
            module=lw.module,
            display_name=lw.info.display_name,
            is_tiprack=lw.info.is_tiprack,
            tips_used=used,
            wells=wells,
        )
    liquids = {
        liq.id: LiquidEnd(
            name=liq.name, cas=liq.cas, smiles=liq.smiles, concentration=liq.concentration, color=liq.color
        )
        for liq in resolved.protocol.liquids
    }
    return EndState(
        robot=resolved.deck.robot,
        labware=labware,
        liquids=liquids,
        steps=len(resolved.steps),
        actions=len(result.actions),
        duration_s=_r(twin.elapsed_s),
        tips_used=sum(len(lw.tips_used) for lw in labware.values()),
        findings=[*resolved.findings, *result.findings, *twin.issues],
    )
