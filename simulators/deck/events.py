"""What the deck twin records while it replays: the only definition of these events.

The safety pass reads mixing and heating events (which liquids met in which vessel, what was
heated with what in it); chemistry twins read measurement events (what each measured well held).
Vessels are named ``"labware:WELL"`` for wells and ``"tip:<tip id>"`` for tips. Liquids are named
by their protocol ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class MixEvent:
    """What a vessel holds after a step; ``new``: the liquids that just arrived in it."""

    step: int
    pointer: str = ""
    vessel: str
    components: Sequence[str]
    new: Sequence[str] = ()
    volume_ul: float | None = None  # upper bound of the vessel's volume after the step
    # lower bound: what the protocol itself put there (the upper bound also counts what a
    # well never filled by the protocol may hold: its capacity)
    volume_low_ul: float | None = None


@dataclass(frozen=True, kw_only=True)
class HeatEvent:
    """A vessel with liquid in it on a module set above ambient temperature."""

    step: int
    pointer: str = ""
    vessel: str
    celsius: float
    components: Sequence[str]
    device: str = ""  # module type: heater_shaker, temperature, thermocycler
    amounts_ul: Mapping[str, float] | None = None  # uL of each liquid in the vessel, when known


@dataclass(frozen=True, kw_only=True)
class MeasureEvent:
    """A ``measure`` step: what each well of the measured labware held at that moment."""

    step: int
    labware: str
    kind: str
    wavelength_nm: float | None
    wells: dict[str, dict[str, float]]  # well -> liquid id (or unknown key) -> uL
    volumes: dict[str, tuple[float, float]]  # well -> [low, high] uL
