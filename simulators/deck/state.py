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
from labwright.simulators.deck.nozzles import Nozzles, wells_under
from labwright.simulators.deck.placement import Places

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
    declared: bool = False  # a liquid of the protocol's declarations is placed here (even 0 uL)
    received: bool = False  # liquid from another well has been dispensed into it
    # what went in and out since the last pause (``practice``: what an operator could have
    # refilled or emptied then); ``mark`` is the pause count the two sums belong to
    mark: int = 0
    drawn: float = 0.0
    added: float = 0.0

    @property
    def keys(self) -> set[str]:
        return set(self.amounts)

    def take(self, volume: float) -> dict[str, float]:
        """Remove ``volume`` from the amounts in proportion; return what was taken."""
        total = sum(self.amounts.values())
        if total <= EPS:
            return dict.fromkeys(self.amounts, 0.0)
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
    loaded_from: set[WellRef] = field(default_factory=set)  # wells whose liquid it holds now
    dropped_mark: int = -1  # the pause count when it went to the trash

    @property
    def used(self) -> bool:
        return bool(self.carried)


@dataclass
class PipetteState:
    layout: Nozzles  # the nozzles that pick up tips, and the primary one locations refer to
    tips: list[TipState] = field(default_factory=list)
    tip_nozzles: list[int] = field(default_factory=list)  # the nozzle (index) each tip is on
    low: float = 0.0  # per channel
    high: float = 0.0
    air: float = 0.0
    last_well: WellRef | None = None
    last_rack_well: WellRef | None = None

    def empty(self) -> None:
        """Nothing held: no liquid, no air."""
        self.low = self.high = self.air = 0.0

    def attach(self, tips: list[TipState], nozzles: list[int]) -> None:
        for tip in tips:
            tip.status = TipStatus.ATTACHED
        self.tips = tips
        self.tip_nozzles = nozzles
        self.empty()

    def release(self, status: TipStatus) -> None:
        """Let go of the attached tips (dropped or returned): they keep what they carried."""
        for tip in self.tips:
            tip.status = status
            tip.amounts = {}
            tip.loaded_from = set()
        self.tips = []
        self.tip_nozzles = []
        self.empty()


@dataclass
class ModuleState:
    target_c: float | None = None
    lid_target_c: float | None = None
    magnets_engaged: bool = False
    lid: LidState = LidState.UNKNOWN
    latch: LidState = LidState.UNKNOWN  # a Heater-Shaker's labware latch


class TwinState(ABC):
    """The state every reducer reads and updates, and the records it keeps.

    The reducers (``TipHandling``, ``LiquidHandling``, ``ModuleHandling``) are mixins over this
    state; ``DeckTwin`` combines them. The abstract methods below are what one reducer asks of
    another: each is implemented by the reducer named beside it.
    """

    deck: Deck
    places: Places  # where each labware is now (moves change it)
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
    _channel_memo: dict[tuple[str, WellRef, Nozzles], tuple[WellRef | None, ...]]  # wells under nozzles
    # operator practice (``practice``): the pauses so far, one identity per liquid, what waits
    # on the rest of the run to be judged, and the warnings already given
    pauses: list[tuple[int, str]]  # (step, message)
    liquid_names: dict[str, str]  # liquid id -> identity (declared name or CAS)
    _moved_out: dict[WellRef, int]  # well -> last step that moved its liquid to another well
    _overdraws: list[Any]
    _open_overdraws: dict[str, list[Any]]  # pipette -> overdraws whose liquid it still holds
    _carryovers: list[Any]
    _taints: dict[tuple[WellRef, str], Any]  # (source, liquid carried into it) -> the carry-over
    _hand_filled: dict[WellRef, Any]
    _practice_noted: set[tuple[Any, ...]]
    _collision_noted: set[tuple[str, int]]  # (pipette, step): LOCATION_PIPETTE_COLLISION once per step

    def _add(self, item: Finding) -> None:
        self.issues.append(item)

    def _under(self, pip: str, ref: WellRef) -> tuple[WellRef | None, ...]:
        """The well under each nozzle of ``pip`` (its nozzle order; None: past the labware) when,
        in its current layout, it goes to ``ref`` (shared by the tip and liquid reducers)."""
        layout = self.pipettes[pip].layout
        key = (pip, ref, layout)
        memo = self._channel_memo.get(key)
        if memo is None:
            lw = self.deck.labware[ref.labware].info
            names = wells_under(lw, self.deck.pipettes[pip], layout, ref.well)
            memo = tuple(None if n is None else WellRef(ref.labware, n) for n in names)
            self._channel_memo[key] = memo
        return memo

    # what one reducer asks of another (each is implemented by the reducer that owns it)

    @abstractmethod
    def _pipette_ready(self, pip: str, act: Any, what: str) -> PipetteState:
        """The pipette's state if it can do ``what`` now (TipHandling)."""

    @abstractmethod
    def _module_blocks_pipetting(self, ref: WellRef, act: Any) -> None:
        """Report a module that stops the pipette reaching ``ref`` (ModuleHandling)."""

    @abstractmethod
    def _heat_on_arrival(self, ref: WellRef, act: Any) -> None:
        """Record heating of liquid arriving in a heated vessel (ModuleHandling)."""

    @abstractmethod
    def _heat_labware(self, act: Any, labware: set[str], celsius: float, mod: Any) -> None:
        """Record heating of what ``labware`` holds on a heated module (ModuleHandling)."""

    # operator practice (OperatorPractice): where a fault may be an operator's doing

    @abstractmethod
    def _since_pause(self, w: WellState) -> WellState:
        """``w`` with its in/out sums kept since the last pause."""

    @abstractmethod
    def _rack_replaced(self, act: Any, tip: TipState, ref: WellRef) -> bool:
        """A trashed tip picked again: True if a pause since explains it (rack replaced)."""

    @abstractmethod
    def _assume_hand_filled(self, act: Any, ref: WellRef, w: WellState) -> None:
        """An undeclared well asked for more than the run put in: it may hold hand-put liquid."""

    @abstractmethod
    def _refill_assumed(self, act: Any, ref: WellRef, w: WellState, need: float) -> bool:
        """A source short after a pause: True if a refill then explains it (well topped up)."""

    @abstractmethod
    def _empty_assumed(self, act: Any, ref: WellRef, w: WellState, low: float) -> bool:
        """A well overflowing after a pause: True if emptying it then explains it."""

    @abstractmethod
    def _overdraw(self, act: Any, ref: WellRef, w: WellState, need: float, count: int) -> None:
        """More asked than the well holds: judged by where the liquid goes."""

    @abstractmethod
    def _overdraw_tips(self, pip: str, pairs: list[tuple[TipState, WellRef]], since: int) -> None:
        """The tips that drew from the wells just overdrawn."""

    @abstractmethod
    def _overdraw_dests(self, pip: str, pairs: Any, step: int, *, done: bool) -> None:
        """Where the liquid of ``pip``'s overdraws goes, tip by tip (none: the trash)."""

    @abstractmethod
    def _short_dispense(
        self, act: Any, st: PipetteState, pairs: list[tuple[TipState, WellRef]], liquid: float
    ) -> None:
        """A dispense of more than the tip holds."""

    @abstractmethod
    def _filled(self, ref: WellRef, step: int) -> None:
        """Liquid arrives in ``ref`` at ``step``."""

    @abstractmethod
    def contaminated(self, act: Any, tip: TipState, ref: WellRef, w: WellState, foreign: set[str]) -> None:
        """A used tip carrying ``foreign`` enters ``ref``."""

    @abstractmethod
    def _carry_over(self, tip: TipState, ref: WellRef, arrived: list[str], step: int) -> None:
        """Liquids new to ``ref`` arrive from ``tip``."""

    @abstractmethod
    def _advance(self, seconds: float, shaking: tuple[str, float] | None = None) -> None:
        """Advance the clock, recording the modules' conditions meanwhile (DeckTwin)."""
