"""Compositions such as ``LJ38``, ``Ag4``, ``Cu13`` or ``Cu3Au`` parsed into chemical symbols."""

from __future__ import annotations

import re

from labwright.protocols.errors import ConfigurationError

#: Symbol used for Lennard-Jones particles in ASE Atoms and extended-XYZ files (argon is the
#: classic Lennard-Jones system; energies and lengths stay in reduced units).
LJ_SYMBOL = "Ar"

_TOKEN = re.compile(r"(LJ|[A-Z][a-z]?)(\d*)")


def parse_composition(text: str) -> list[str]:
    """``"Cu3Au"`` -> ``["Cu", "Cu", "Cu", "Au"]``; ``"LJ13"`` -> 13 Lennard-Jones particles.

    Raises ConfigurationError for anything that is not a list of element symbols with counts.
    """
    from ase.data import chemical_symbols

    compact = text.strip()
    if not compact or _TOKEN.sub("", compact):
        raise ConfigurationError(
            f"cannot read the composition {text!r}",
            hint="write element symbols with counts, e.g. LJ38, Ag4, Cu13 or Cu3Au",
        )
    symbols: list[str] = []
    for element, count in _TOKEN.findall(compact):
        n = int(count) if count else 1
        if n < 1:
            raise ConfigurationError(f"composition {text!r} has a zero count", hint="use counts of 1 or more")
        if element == "LJ":
            symbol = LJ_SYMBOL
        elif element in chemical_symbols[1:]:
            symbol = element
        else:
            raise ConfigurationError(
                f"unknown element {element!r} in composition {text!r}",
                hint="use element symbols (Cu, Ag, Au, ...) or LJ for Lennard-Jones particles",
            )
        symbols.extend([symbol] * n)
    if len(symbols) > 500:
        raise ConfigurationError(
            f"composition {text!r} has {len(symbols)} atoms", hint="use at most 500 atoms"
        )
    return symbols


def is_lennard_jones(text: str) -> bool:
    """True when the composition names Lennard-Jones particles only (``LJ38``)."""
    return bool(re.fullmatch(r"\s*LJ\d*\s*", text))
