"""Convex hulls of formation energy (or enthalpy at pressure) over compositions, with
ase.phasediagram, and a helper that builds one from structure searches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from labwright.protocols.errors import ConfigurationError
from pydantic import BaseModel, Field

ON_HULL_TOL = 1e-6  # eV/atom


class HullEntry(BaseModel):
    """A structure's total energy (or enthalpy) and its formula, e.g. ``Cu3Au``, -1.2 eV."""

    formula: str
    energy: float = Field(..., description="total energy of the formula as written (eV)")
    label: str = ""


class HullPoint(BaseModel):
    formula: str
    label: str
    n_atoms: int
    energy_per_atom: float
    formation_energy_per_atom: float
    energy_above_hull_per_atom: float
    on_hull: bool
    decomposition: list[str] = Field(description="hull phases this composition splits into")


def convex_hull(entries: Sequence[HullEntry]) -> list[HullPoint]:
    """Energies above the hull and formation energies for each entry.

    Every element must have at least one pure entry (its lowest one is the reference).
    """
    from ase.formula import Formula
    from ase.phasediagram import PhaseDiagram

    if not entries:
        raise ConfigurationError("no entries for a convex hull", hint="give at least one entry")
    counts = [Formula(e.formula).count() for e in entries]
    elements = sorted({s for c in counts for s in c})
    mu: dict[str, float] = {}
    for entry, count in zip(entries, counts, strict=True):
        if len(count) == 1:
            ((symbol, n),) = count.items()
            mu[symbol] = min(mu.get(symbol, float("inf")), entry.energy / n)
    missing = [s for s in elements if s not in mu]
    if missing:
        raise ConfigurationError(
            f"the hull needs a pure reference for {', '.join(missing)}",
            hint="add a composition of each pure element (e.g. Cu4 and Au4 for a Cu-Au hull)",
        )
    diagram = PhaseDiagram([(e.formula, e.energy) for e in entries], verbose=False)
    points = []
    for entry, count in zip(entries, counts, strict=True):
        n = sum(count.values())
        per_atom = entry.energy / n
        formation = per_atom - sum(mu[s] * k for s, k in count.items()) / n
        hull_energy, indices, coefs = diagram.decompose(entry.formula)
        above = max(0.0, (entry.energy - float(hull_energy)) / n)
        parts = [
            f"{coef:.3g} {diagram.references[i][2]}"
            for i, coef in zip(indices, coefs, strict=True)
            if coef > 1e-9
        ]
        points.append(
            HullPoint(
                formula=entry.formula,
                label=entry.label,
                n_atoms=n,
                energy_per_atom=per_atom,
                formation_energy_per_atom=formation,
                energy_above_hull_per_atom=above,
                on_hull=above <= ON_HULL_TOL,
                decomposition=parts,
            )
        )
    return points


def hull_from_searches(
    compositions: Sequence[str],
    run_one: Callable[[str], Any],
) -> tuple[list[HullPoint], list[Any]]:
    """Search each composition with ``run_one(composition) -> SearchOutcome`` and build the hull
    from the lowest enthalpy found for each."""
    outcomes = [run_one(c) for c in compositions]
    entries = [
        HullEntry(
            formula=o.best_atoms.get_chemical_formula(mode="metal"),
            energy=o.result.best_enthalpy,
            label=c,
        )
        for c, o in zip(compositions, outcomes, strict=True)
    ]
    return convex_hull(entries), outcomes
