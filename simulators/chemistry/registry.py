"""Chemistry twins by name, for campaign files: ``make_twin("colour", stocks, ...)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labwright.simulators.chemistry.base import ChemistryTwin, Stock

TWIN_NAMES = ("colour", "snar", "mit")


def make_twin(name: str, stocks: Mapping[str, Stock], *, seed: int = 0, **options: Any) -> ChemistryTwin:
    """The twin called ``name`` over these stocks; ``options`` are the twin's own keywords."""
    if name == "colour":
        from labwright.simulators.chemistry.colour import ColourTwin

        return ColourTwin(stocks, seed=seed, **options)
    if name == "snar":
        from labwright.simulators.chemistry.snar import SnArTwin

        return SnArTwin(stocks, seed=seed, **options)
    if name == "mit":
        from labwright.simulators.chemistry.mit_kinetics import MitKineticsTwin

        return MitKineticsTwin(stocks, seed=seed, **options)
    raise ValueError(f"no chemistry twin named {name!r}; choose one of {', '.join(TWIN_NAMES)}")
