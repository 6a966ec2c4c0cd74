"""The deck twin's state, after Opentrons protocol_engine's substores: wells, tips, pipettes,
modules. The reducers that update it live beside it (``tips``, ``liquids``, ``modules``) and
are combined into ``DeckTwin`` (``twin``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from labwright.protocols.findings import Finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck.events import HeatEvent, MeasureEvent, MixEvent
from labwright.simulators.deck.layout import Deck

EPS = 1e-6
AMBIENT_C = 25.0


class TipStatus(StrEnum):
    RACK = "rack"  # fresh, in its rack
    ATTACHED = "attached"
    RETURNED = "returned"  # back in a rack, used
    DROPPED = "dropped"  # in the trash


class LidState(StrEnum):
    UNKNOWN = "unknown"
    OPEN = "open"
    CLOSED = "closed"


def unknown_key(ref: WellRef) -> str:
    """Composition key for the unknown, hand-filled contents of one well."""
    return f"?{ref.labware}:{ref.well}"


@dataclass
class WellState:
    low: float
    high: float
    capacity: float
    nominal: float
    known: bool  # False: hand-filled, contents unknown
    amounts: dict[str, float] = field(default_factory=dict)  # liquid key -> uL (best estimate)

    @property
    def keys(self) -> set[str]:
        return set(self.amounts)

    def take(self, volume: float) -> dict[str, float]:
        """Remove ``volume`` from the amounts in proportion; return what was taken."""
        total = sum(self.amounts.values())
        if total <= EPS:
            return {k: 0.0 for k in self.amounts}
        frac = min(volume / total, 1.0)
        taken: dict[str, float] = {}
        for k, v in self.amounts.items():
            taken[k] = v * frac
            self.amounts[k] = v - v * frac
        return taken


@dataclass
class TipState:
    id: str  # "rack:A1"
    status: TipStatus = TipStatus.RACK
    carried: set[str] = field(default_factory=set)  # every liquid this tip has held
    touched: set[WellRef] = field(default_factory=set)  # wells it has entered with liquid
    amounts: dict[str, float] = field(default_factory=dict)  # what it holds now
    volume_ul: float = 1e9  # what the tip holds at most (its rack's definition)

    @property
    def used(self) -> bool:
        return bool(self.carried)


@dataclass
class PipetteState:
    tips: list[TipState] = field(default_factory=list)
    low: float = 0.0  # per channel
    high: float = 0.0
    air: float = 0.0
    last_well: WellRef | None = None
    last_rack_well: WellRef | None = None

    def empty(self) -> None:
        """Nothing held: no liquid, no air."""
        self.low = self.high = self.air = 0.0

    def attach(self, tips: list[TipState]) -> None:
        for tip in tips:
            tip.status = TipStatus.ATTACHED
        self.tips = tips
        self.empty()

    def release(self, status: TipStatus) -> None:
        """Let go of the attached tips (dropped or returned): they keep what they carried."""
        for tip in self.tips:
            tip.status = status
            tip.amounts = {}
        self.tips = []
        self.empty()


@dataclass
class ModuleState:
    target_c: float | None = None
    lid_target_c: float | None = None
    magnets_engaged: bool = False
    lid: LidState = LidState.UNKNOWN


class TwinState(ABC):
    """The state every reducer reads and updates, and the records it keeps.

    The reducers (``TipHandling``, ``LiquidHandling``, ``ModuleHandling``) are mixins over this
    state; ``DeckTwin`` combines them. The abstract methods below are what one reducer asks of
    another: each is implemented by the reducer named beside it.
    """

    deck: Deck
    wells: dict[WellRef, WellState]
    tips: dict[WellRef, TipState]
    pipettes: dict[str, PipetteState]
    modules: dict[str, ModuleState]
    mixes: list[MixEvent]
    heats: list[HeatEvent]
    measurements: list[MeasureEvent]
    issues: list[Finding]
    elapsed_s: float
    # (start_s, end_s, module id, set celsius or None, rpm or None): each stretch of the clock
    # a module held a temperature or shook (``DeckTwin._advance``; chemistry twins read it)
    timeline: list[tuple[float, float, str, float | None, float | None]]
    _hand_filled_noted: set[WellRef]  # VOLUME_HAND_FILLED_ASSUMED once per well
    _nominal_noted: set[WellRef]  # VOLUME_ABOVE_NOMINAL once per well
    _rack_columns: dict[str, list[tuple[WellRef, ...]]]  # tip rack -> its columns, in order
    _fresh_from: dict[tuple[str, int], int]  # (rack, channels) -> first column with fresh tips
    _channel_memo: dict[tuple[str, WellRef], tuple[list[WellRef], int]]  # wells under the nozzles

    def _add(self, item: Finding) -> None:
        self.issues.append(item)

    # what one reducer asks of another (each is implemented by the reducer that owns it)

    @abstractmethod
    def _pipette_ready(self, pip: str, act: Any, what: str) -> PipetteState:
        """The pipette's state if it can do ``what`` now (TipHandling)."""

    @abstractmethod
    def _channel_wells(self, pip: str, ref: WellRef, act: Any, *, tips: bool = False) -> list[WellRef]:
        """The wells under each channel of the pipette at ``ref`` (LiquidHandling)."""

    @abstractmethod
    def _module_blocks_pipetting(self, ref: WellRef, act: Any) -> None:
        """Report a module that stops the pipette reaching ``ref`` (ModuleHandling)."""

    @abstractmethod
    def _heat_on_arrival(self, ref: WellRef, act: Any) -> None:
        """Record heating of liquid arriving in a heated vessel (ModuleHandling)."""

    @abstractmethod
    def _advance(self, seconds: float, shaking: tuple[str, float] | None = None) -> None:
        """Advance the clock, recording the modules' conditions meanwhile (DeckTwin)."""
