"""What the deck twin records while it replays: the only definition of these events.

The safety pass reads mixing and heating events (which liquids met in which vessel, what was
heated with what in it); chemistry twins read measurement events (what each measured well held).
Vessels are named ``"labware:WELL"`` for wells and ``"tip:<tip id>"`` for tips. Liquids are named
by their protocol ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


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
    at_s: float = 0.0  # the twin's clock (seconds of delays and shaking so far) when it happened


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
class Exposure:
    """A stretch of the twin's clock a well spent under one condition of the module it sits on.

    ``celsius`` is the module's set temperature (None: no temperature held, i.e. ambient);
    ``rpm`` the shaking speed (None: not shaking). Pipetting takes no time on the twin's clock:
    only delays and shaking advance it, and set temperatures are taken as reached at once.
    """

    start_s: float
    end_s: float
    celsius: float | None = None
    rpm: float | None = None


@dataclass(frozen=True, kw_only=True)
class MeasureEvent:
    """A ``measure`` step: what each well of the measured labware held at that moment.

    ``exposures``: per well, the conditions it spent the time under since the last new liquid
    arrived in it (when a reaction in it could start) up to this measurement, in order and
    without gaps; chemistry twins integrate kinetics over them.
    """

    step: int
    labware: str
    kind: str
    wavelength_nm: float | None
    wells: dict[str, dict[str, float]]  # well -> liquid id (or unknown key) -> uL
    volumes: dict[str, tuple[float, float]]  # well -> [low, high] uL
    elapsed_s: float = 0.0  # the twin's clock at the measurement
    exposures: dict[str, tuple[Exposure, ...]] = field(default_factory=dict)
