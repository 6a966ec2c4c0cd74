"""What every chemistry twin shares: stocks, well contents, seeded noise, the hook call.

A chemistry twin is a measurement hook of the ``twin`` backend (``hardware.twin_backend``): it
is called with the deck twin's ``MeasureEvent`` (what each measured well holds, in uL of each
protocol liquid, and the module conditions it spent the time under) and returns, per well,
what an instrument would report. It knows what each protocol liquid *is* through its
``stocks``: liquid id -> the species in it (mol/L) and its solvent.

Noise is seeded: the same (seed, experiment key, well) always gives the same noise, so a
campaign is reproducible by its seed and an experiment run again after a crash reads the same
values. Pipetting noise perturbs each liquid's delivered volume by its coefficient of variation
(``pipetting_cv``); each twin adds its own instrument noise.
"""

from __future__ import annotations

import re
import zlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from labwright.simulators.deck.events import Exposure, MeasureEvent

AMBIENT_C = 25.0

_MOLAR = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(M|mM|uM|µM|μM|nM|mol/L)\s*$")
_SCALE = {"M": 1.0, "mol/L": 1.0, "mM": 1e-3, "uM": 1e-6, "µM": 1e-6, "μM": 1e-6, "nM": 1e-9}


def molar(text: str | None) -> float | None:
    """mol/L from a concentration written like "50 uM", "1.5 M", "2 mM" (None otherwise)."""
    if not text:
        return None
    m = _MOLAR.match(text)
    return None if m is None else float(m.group(1)) * _SCALE[m.group(2)]


@dataclass(frozen=True)
class Stock:
    """What one protocol liquid holds: species -> mol/L, in a solvent (None: the liquid is neat)."""

    species: Mapping[str, float] = field(default_factory=dict)
    solvent: str | None = None


@dataclass(frozen=True)
class WellContents:
    """One measured well: total volume and the species' concentrations after mixing."""

    well: str
    volume_ul: float
    concentrations: dict[str, float]  # species -> mol/L in the well
    liquids_ul: dict[str, float]  # protocol liquid id -> uL delivered (after pipetting noise)
    solvents_ul: dict[str, float]  # solvent -> uL
    exposures: tuple[Exposure, ...] = ()


class UnknownLiquidError(ValueError):
    """A measured well holds a liquid the twin was not told about."""


def noise_rng(seed: int, key: str, well: str) -> np.random.Generator:
    """The noise of one well of one experiment: a pure function of seed, key and well."""
    return np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(key.encode()), zlib.crc32(well.encode())])


def well_contents(
    well: str,
    composition_ul: Mapping[str, float],
    stocks: Mapping[str, Stock],
    rng: np.random.Generator | None = None,
    pipetting_cv: float = 0.0,
    exposures: tuple[Exposure, ...] = (),
) -> WellContents:
    """Concentrations in a well from the uL of each stock it received (volumes add)."""
    delivered: dict[str, float] = {}
    for liquid, ul in sorted(composition_ul.items()):
        if ul <= 1e-9:
            continue
        if liquid not in stocks:
            raise UnknownLiquidError(
                f"well {well} holds {liquid!r}, which is not one of this twin's stocks "
                f"({', '.join(sorted(stocks))})"
            )
        factor = 1.0
        if rng is not None and pipetting_cv:
            factor += pipetting_cv * float(rng.standard_normal())
        delivered[liquid] = ul * max(factor, 0.0)
    total = sum(delivered.values())
    conc: dict[str, float] = {}
    solvents: dict[str, float] = {}
    for liquid, ul in delivered.items():
        stock = stocks[liquid]
        for species, c in stock.species.items():
            conc[species] = conc.get(species, 0.0) + c * ul / total
        if stock.solvent:
            solvents[stock.solvent] = solvents.get(stock.solvent, 0.0) + ul
    return WellContents(well, total, conc, delivered, solvents, exposures)


def temperature_profile(exposures: tuple[Exposure, ...]) -> list[tuple[float, float]]:
    """(seconds, degC) stretches, ambient where no temperature was held."""
    return [
        (e.end_s - e.start_s, AMBIENT_C if e.celsius is None else float(e.celsius))
        for e in exposures
        if e.end_s > e.start_s
    ]


class ChemistryTwin(ABC):
    """A measurement hook that turns what was mixed (and how it was kept) into readings."""

    name: str = ""
    pipetting_cv: float = 0.0

    def __init__(self, stocks: Mapping[str, Stock], *, seed: int = 0, key: str = "") -> None:
        self.stocks = dict(stocks)
        self.seed = seed
        self.key = key

    @property
    def __name__(self) -> str:  # the twin backend names its hook by ``__name__``
        return f"chemistry:{self.name}"

    def for_experiment(self, key: str) -> ChemistryTwin:
        """The same twin, its noise keyed to one experiment (a campaign's idempotency key)."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.key = key
        return clone

    def __call__(self, event: MeasureEvent) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for well, composition in sorted(event.wells.items()):
            if not any(v > 1e-9 for v in composition.values()):
                continue
            rng = noise_rng(self.seed, f"{self.key}:{event.step}", well)
            contents = well_contents(
                well,
                composition,
                self.stocks,
                rng,
                self.pipetting_cv,
                event.exposures.get(well, ()),
            )
            out[well] = self.measure(contents, rng)
        return out

    @abstractmethod
    def measure(self, contents: WellContents, rng: np.random.Generator) -> dict[str, Any]:
        """What the instrument reports for one well."""
