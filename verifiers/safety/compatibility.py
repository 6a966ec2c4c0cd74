"""Pairwise compatibility: EPA chart cells (by reactive group) plus named specific rules."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from labwright.verifiers.safety.data_files import load
from labwright.verifiers.safety.records import Resolution, ResolvedChemical
from pydantic import BaseModel, ConfigDict, Field

ERROR_CODES = frozenset({"H", "F", "GT", "GF", "E", "P"})
CODE_ORDER = ["E", "F", "GT", "GF", "P", "H", "S", "G", "U"]


class Hazard(BaseModel):
    """One outcome of mixing two chemicals, with the rule that says so."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="EPA reaction code: H F G GT GF E P S U")
    text: str
    source: str
    rule: str = Field(description="chart cell 'EPA a x b' or specific rule id")
    chemicals: tuple[str, str]
    basis: str = ""


class GroupRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str


class PairAssessment(BaseModel):
    """Result of checking two liquids against each other."""

    a: str
    b: str
    compatible: bool
    hazards: list[Hazard] = Field(default_factory=list)
    groups_a: list[GroupRef] = Field(default_factory=list)
    groups_b: list[GroupRef] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list, description="names that did not resolve")

    @property
    def codes(self) -> list[str]:
        present = {h.code for h in self.hazards}
        return [c for c in CODE_ORDER if c in present]

    def summary(self) -> str:
        return summarise(self.hazards)


def code_text(code: str) -> str:
    return load("reactive_groups.yaml")["codes"].get(code, code)


def group_name(number: int) -> str:
    return load("reactive_groups.yaml")["groups"].get(number, f"group {number}")


@lru_cache(maxsize=1)
def _chart() -> tuple[dict[frozenset[int], dict[str, Any]], dict[str, Any], str]:
    data = load("compatibility_chart.yaml")
    cells = {frozenset((c["a"], c["b"])): c for c in data["cells"]}
    return cells, data["107_any"], data["source"]


def chart_cell(a: int, b: int) -> dict[str, Any] | None:
    return _chart()[0].get(frozenset((a, b)))


def _chart_hazards(x: ResolvedChemical, y: ResolvedChemical) -> list[Hazard]:
    cells, any107, source = _chart()
    names = (x.record.name, y.record.name)
    out: list[Hazard] = []
    touched_107 = False
    for ga in x.record.groups:
        for gb in y.record.groups:
            cell = cells.get(frozenset((ga, gb)))
            if cell is None:
                continue
            touched_107 |= 107 in (ga, gb)
            rule = f"EPA chart {ga} x {gb} ({group_name(ga)} x {group_name(gb)})"
            for code in cell["codes"]:
                out.append(Hazard(code=code, text=code_text(code), source=source, rule=rule,
                                  chemicals=names, basis=cell.get("basis", "")))
    has_107 = (107 in x.record.groups and y.record.groups) or (
        107 in y.record.groups and x.record.groups
    )
    if has_107 and not touched_107:
        for code in any107["codes"]:
            out.append(Hazard(
                code=code, text=f"{code_text(code)} (water-reactive substance: do not mix)",
                source=source, rule="EPA chart 107 (water reactive) x any",
                chemicals=names, basis=any107.get("basis", ""),
            ))
    return out


def _side_matches(tags: list[str], wanted: list[str]) -> bool:
    return bool(set(tags) & set(wanted))


def _specific_hazards(x: ResolvedChemical, y: ResolvedChemical) -> list[Hazard]:
    out: list[Hazard] = []
    for rule in load("specific_rules.yaml")["rules"]:
        for first, second in ((x, y), (y, x)):
            if not (_side_matches(first.record.tags, rule["a"])
                    and _side_matches(second.record.tags, rule["b"])):
                continue
            needs = rule.get("require_concentrated", [])
            if ("a" in needs and first.dilute) or ("b" in needs and second.dilute):
                continue
            for code in rule["codes"]:
                out.append(Hazard(code=code, text=rule["text"], source=rule["source"],
                                  rule=rule["id"], chemicals=(first.record.name,
                                                              second.record.name)))
            break
    return out


_CACHE: dict[tuple[object, ...], list[Hazard]] = {}


def _key(item: ResolvedChemical) -> tuple[object, ...]:
    rec = item.record
    return (rec.name, tuple(rec.groups), tuple(rec.tags), item.dilute)


def assess_chemicals(x: ResolvedChemical, y: ResolvedChemical) -> list[Hazard]:
    """Hazards of two chemicals meeting. The EPA chart applies to non-dilute chemicals only;
    named specific rules apply at any concentration unless they say otherwise."""
    if x.record.name == y.record.name:
        return []
    key = (_key(x), _key(y))
    if key not in _CACHE:
        if len(_CACHE) > 20000:
            _CACHE.clear()
        _CACHE[key] = _assess_uncached(x, y)
    return list(_CACHE[key])


def _assess_uncached(x: ResolvedChemical, y: ResolvedChemical) -> list[Hazard]:
    hazards = _specific_hazards(x, y)
    if not (x.dilute or y.dilute):
        hazards += _chart_hazards(x, y)
    return hazards


def _dedupe(hazards: list[Hazard]) -> list[Hazard]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for h in hazards:
        key = (h.code, h.text, h.rule)
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out


def assess(a: Resolution, b: Resolution) -> PairAssessment:
    """All hazards of two resolved liquids meeting (every component against every other)."""
    hazards: list[Hazard] = []
    for x in a.components:
        for y in b.components:
            hazards.extend(assess_chemicals(x, y))
    hazards = _dedupe(hazards)
    return PairAssessment(
        a=a.label,
        b=b.label,
        compatible=not hazards and not (a.unknown or b.unknown),
        hazards=hazards,
        groups_a=_groups(a),
        groups_b=_groups(b),
        sources=sorted({h.source for h in hazards}),
        unknown=[r.query for r in (a, b) if r.unknown],
    )


def _groups(resolution: Resolution) -> list[GroupRef]:
    numbers = sorted({g for c in resolution.components for g in c.record.groups})
    return [GroupRef(id=n, name=group_name(n)) for n in numbers]


def summarise(hazards: list[Hazard]) -> str:
    """'toxic gas: chlorine; heat generation' - specific texts first, then chart codes."""
    specific = [h.text for h in hazards if not h.rule.startswith("EPA chart")]
    chart = [code_text(h.code) for h in sorted(
        (h for h in hazards if h.rule.startswith("EPA chart")),
        key=lambda h: CODE_ORDER.index(h.code) if h.code in CODE_ORDER else 99)]
    parts: list[str] = []
    for text in [*specific, *chart]:
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def severity_of(hazards: list[Hazard]) -> str:
    return "error" if any(h.code in ERROR_CODES for h in hazards) else "warning"
