"""Thermal rule: what is in a heated vessel vs its boiling point, flash point and autoignition
temperature.

The rule (a labwright rule; the figures are measured data, see physical.py):

A vessel (well, reservoir, tube) is heated to a set temperature T by a temperature module,
Heater-Shaker or thermocycler block. The limit is L = T + margin (policy ``thermal_margin_c``,
default 5 degC). For each chemical c in the vessel its share s (volume or mass fraction of what
the vessel holds) is estimated:

- from the amount of each liquid in the vessel when the replay gives it (``amounts_ul`` from the
  deck twin); otherwise each liquid is taken as if it filled the vessel (an upper bound), so a
  solvent is never under-counted;
- within a liquid: a stated percentage; a molar concentration times the molar mass (density
  1 g/mL assumed); a chemical named alone is neat (1); the unstated part of a mixture ("70%
  ethanol" -> the water) is what the stated parts leave; a buffer substance or dye without a
  concentration, a solution called "dilute" or an "x" buffer strength counts as half the
  minor threshold (they are used well below it).

With the minor threshold p (policy ``thermal_minor_percent``, default 10 %, the same level as
the package's dilute threshold for compatibility) a chemical is *major* when s >= p, *minor*
when 0 < s < p, and absent when s = 0 (only a residue key left by a replay):

- autoignition temperature <= L, any share: **error**. The vapour ignites on a surface at that
  temperature without a spark, and a heater's element runs hotter than its set point
  (e.g. carbon disulfide, autoignition 90 degC).
- boiling point <= L: **error** when major (the liquid boils, or pressurises a sealed plate);
  **warning** when minor (it evaporates from the mixture, which boils higher than the pure
  component). Water is exempt: aqueous samples at 95-99 degC are ordinary thermocycling, and
  module limits are checked by the hardware pass.
- flash point <= L: **error** when major. A neat or major flammable solvent heated past its
  flash point gives an ignitable vapour over an open plate on a heater that is not rated for
  flammable atmospheres. Fire codes class liquids by closed-cup flash point (NFPA 30,
  Flammable and Combustible Liquids Code) and hold a liquid heated to or above its flash point
  to the rules of the lower-flash-point class (e.g. "when artificially heated to temperatures
  equal to or higher than their flash points, Class II and III liquids shall be subject to the
  applicable requirements for Classes I or II" in state fire codes derived from NFPA 30).
  **warning** when minor and more volatile than water (pure boiling point below
  100 degC, or unknown): the mixture's flash point lies above the pure component's but cannot be
  estimated without activity coefficients, and for non-ideal solutes it stays low (measured
  ethanol-water flash points: 5 % w/w 62 degC, 10 % 49 degC, 20 % 36 degC, 96 % 17 degC,
  against 12-13 degC neat; Engineering ToolBox, "Ethanol-water solutions: freezing and flash
  points"). **No finding** when minor, less volatile than water (boiling point >= 100 degC) and
  the vessel is at least half water: its vapour is diluted by water vapour and the mixture does
  not reach the pure component's flash point (e.g. 5 % phenol in water at 95 degC: flash
  point 75-79 degC, boiling point 182 degC).

Each vessel and chemical is reported once, at the first heating step that exceeds a figure;
the wells of one labware reaching that state at the same step share one finding, with every
exceeded figure, its source and the share that decided the severity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from labwright.verifiers.safety.physical import physical_data
from labwright.verifiers.safety.records import ChemicalRecord, PhysicalData, Resolution, ResolvedChemical
from pydantic import BaseModel, ConfigDict, Field

WATER_BOILING_C = 100.0
AQUEOUS_MAJORITY = 0.5

#: standard atomic weights (IUPAC 2021, abridged) for molar -> mass fraction conversion
_ATOMIC_MASS = {
    "H": 1.008, "B": 10.81, "C": 12.011, "N": 14.007, "O": 15.999, "F": 18.998, "Na": 22.990,
    "Mg": 24.305, "Al": 26.982, "Si": 28.085, "P": 30.974, "S": 32.06, "Cl": 35.45,
    "K": 39.098, "Ca": 40.078, "Cr": 51.996, "Mn": 54.938, "Fe": 55.845, "Co": 58.933,
    "Ni": 58.693, "Cu": 63.546, "Zn": 65.38, "As": 74.922, "Se": 78.971, "Br": 79.904,
    "Li": 6.94, "Ag": 107.87, "Cd": 112.41, "Sn": 118.71, "I": 126.90, "Ba": 137.33,
    "Cs": 132.91, "Hg": 200.59, "Pb": 207.2, "Os": 190.23, "Pt": 195.08, "Au": 196.97,
}
_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)")


def molar_mass(formula: str | None) -> float | None:
    """g/mol from a formula such as "C2H6O" (None for unknown elements or no formula)."""
    if not formula:
        return None
    total = 0.0
    for symbol, count in _TOKEN.findall(formula):
        mass = _ATOMIC_MASS.get(symbol)
        if mass is None:
            return None
        total += mass * (int(count) if count else 1)
    return total or None


class Share(BaseModel):
    """How much of a liquid (or vessel) one chemical is."""

    model_config = ConfigDict(frozen=True)

    fraction: float = Field(ge=0, le=1)
    basis: str


def _stated_fraction(item: ResolvedChemical, minor: float) -> Share | None:
    conc = item.concentration
    if conc is not None:
        pct = conc.percent()
        if pct is not None:
            return Share(fraction=min(pct / 100.0, 1.0), basis=f"{conc} stated")
        molar = conc.molar()
        if molar is not None:
            mass = molar_mass(item.record.formula)
            if mass is None:
                return Share(fraction=1.0, basis=f"{conc} (molar mass unknown: taken as neat)")
            return Share(fraction=min(molar * mass / 1000.0, 1.0),
                         basis=f"{conc} x {mass:.1f} g/mol (density 1 g/mL)")
        if conc.qualitative == "concentrated":
            return Share(fraction=1.0, basis="stated concentrated")
        if conc.qualitative == "dilute" or conc.unit.lower() == "x":
            return Share(fraction=minor / 2, basis=f"'{conc}' solution: below the minor threshold")
    if item.dilute:
        return Share(fraction=minor / 2, basis=f"{item.record.kind} used as a dilute solution")
    return None


_SHARES_CACHE: dict[tuple[int, float], tuple[Resolution, dict[str, Share]]] = {}


def liquid_shares(resolution: Resolution, minor: float) -> dict[str, Share]:
    """Share of each chemical (by record name) within one liquid; ``minor`` is a fraction.

    Cached by the resolution's identity (resolve() returns cached objects)."""
    key = (id(resolution), minor)
    hit = _SHARES_CACHE.get(key)
    if hit is not None and hit[0] is resolution:
        return hit[1]
    if len(_SHARES_CACHE) > 4096:
        _SHARES_CACHE.clear()
    shares = _liquid_shares(resolution, minor)
    _SHARES_CACHE[key] = (resolution, shares)
    return shares


def _liquid_shares(resolution: Resolution, minor: float) -> dict[str, Share]:
    stated: dict[str, Share] = {}
    rest: list[str] = []
    for item in resolution.components:
        name = item.record.name
        if name in stated or name in rest:
            continue
        share = _stated_fraction(item, minor)
        if share is None:
            rest.append(name)
        else:
            stated[name] = share
    left = max(0.0, 1.0 - sum(s.fraction for s in stated.values()))
    for name in rest:
        if len(resolution.components) == 1:
            stated[name] = Share(fraction=1.0, basis="named alone: neat")
        else:
            stated[name] = Share(fraction=left / len(rest),
                                 basis="the part of the mixture the stated components leave")
    return stated


class VesselShare(BaseModel):
    fraction: float
    basis: str
    liquids: list[str]
    from_amounts: bool


def vessel_shares(
    resolutions: dict[str, Resolution],
    liquids: Iterable[str],
    amounts_ul: dict[str, float] | None,
    minor: float,
) -> tuple[dict[str, VesselShare], dict[str, ChemicalRecord], float]:
    """Share of every chemical in a vessel, its record, and the vessel's water share."""
    present = [lid for lid in dict.fromkeys(liquids) if lid in resolutions]
    total = sum(max(amounts_ul.get(lid, 0.0), 0.0) for lid in present) if amounts_ul else 0.0
    use_amounts = amounts_ul is not None and total > 0
    fractions: dict[str, float] = {}
    bases: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    records: dict[str, ChemicalRecord] = {}
    water = 0.0
    for lid in present:
        resolution = resolutions[lid]
        if resolution.unknown:
            continue
        weight = (max(amounts_ul.get(lid, 0.0), 0.0) / total) if use_amounts else 1.0
        by_name = {item.record.name: item.record for item in resolution.components}
        for name, share in liquid_shares(resolution, minor).items():
            value = weight * share.fraction
            record = by_name[name]
            records.setdefault(name, record)
            if "water" in record.tags:
                water = water + value if use_amounts else max(water, value)
            if use_amounts:
                fractions[name] = fractions.get(name, 0.0) + value
            else:
                fractions[name] = max(fractions.get(name, 0.0), value)
            if value > 0:
                sources.setdefault(name, []).append(lid)
                detail = (f"{amounts_ul.get(lid, 0.0):g} of {total:g} uL is '{lid}', "
                          f"{share.basis}" if use_amounts else f"'{lid}': {share.basis}")
                bases.setdefault(name, []).append(detail)
    shares = {
        name: VesselShare(
            fraction=min(value, 1.0),
            basis="; ".join(bases.get(name, [])) + (
                "" if use_amounts else " (liquid amounts not known: each liquid counted as if "
                "it filled the vessel)"),
            liquids=sources.get(name, []),
            from_amounts=use_amounts,
        )
        for name, value in fractions.items()
    }
    return shares, records, min(water, 1.0)


class Exceeded(BaseModel):
    """One figure at or below the heating limit."""

    property: Literal["autoignition temperature", "boiling point", "flash point"]
    celsius: float
    source: str
    all_sources: dict[str, float] = Field(default_factory=dict)
    severity: Literal["error", "warning"]
    reason: str


class ThermalResult(BaseModel):
    chemical: str
    share: VesselShare
    major: bool
    figures: list[Exceeded]

    @property
    def severity(self) -> str:
        return "error" if any(f.severity == "error" for f in self.figures) else "warning"


def _physical(record: ChemicalRecord) -> PhysicalData:
    if record.physical is not None:
        return record.physical
    return physical_data(record.cas)


def judge(
    record: ChemicalRecord,
    share: VesselShare,
    water_share: float,
    limit_c: float,
    minor: float,
) -> ThermalResult | None:
    """Apply the thermal rule to one chemical in one heated vessel (None: nothing to report)."""
    if share.fraction <= 0 or not record.cas:
        return None
    data = _physical(record)
    major = share.fraction >= minor
    pct = f"{share.fraction * 100:.3g}%"
    out: list[Exceeded] = []

    def add(prop: str, value, severity: str, reason: str) -> None:  # noqa: ANN001
        out.append(Exceeded(property=prop, celsius=value.celsius, source=value.source,
                            all_sources=value.all_sources, severity=severity, reason=reason))

    ait, bp, fp = data.autoignition, data.boiling_point, data.flash_point
    if ait is not None and ait.celsius <= limit_c:
        add("autoignition temperature", ait, "error",
            f"self-ignites at {ait.celsius:g} degC without a spark, at any share ({pct})")
    if bp is not None and bp.celsius <= limit_c and "water" not in record.tags:
        if major:
            add("boiling point", bp, "error", f"major component ({pct}): the liquid boils")
        else:
            add("boiling point", bp, "warning",
                f"minor component ({pct}): evaporates from the mixture")
    if fp is not None and fp.celsius <= limit_c:
        volatile = bp is None or bp.celsius < WATER_BOILING_C
        if major:
            add("flash point", fp, "error",
                f"major component ({pct}): ignitable vapour over the heated liquid")
        elif volatile or water_share < AQUEOUS_MAJORITY:
            add("flash point", fp, "warning",
                f"minor component ({pct}): the mixture's flash point is higher than the pure "
                "component's but may still be reached")
    if not out:
        return None
    return ThermalResult(chemical=record.name, share=share, major=major, figures=out)
