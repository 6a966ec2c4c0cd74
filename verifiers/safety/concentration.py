"""Concentrations as written in protocols: "1 M", "30%", "10 mM", "0.5 N", "conc."."""

from __future__ import annotations

import re

from labwright.verifiers.safety.data_files import load
from pydantic import BaseModel, ConfigDict

_MOLAR = {"m": 1.0, "mm": 1e-3, "um": 1e-6, "µm": 1e-6, "nm": 1e-9, "n": 1.0}
UNIT_PATTERN = (
    r"(?:%\s*\((?:w/v|v/v|w/w)\)|%\s*(?:w/v|v/v|w/w)?|mol/l|[mµun]?M|N|mg/ml|mg/mL|g/l|g/L|x|X)"
)
NUMBER = r"\d+(?:\.\d+)?"
_ALONE = re.compile(rf"^\s*(?P<value>{NUMBER})\s*(?P<unit>{UNIT_PATTERN})\s*$")
_WORDS_CONCENTRATED = ("concentrated", "conc.", "conc", "fuming", "glacial", "neat", "anhydrous")
_WORDS_DILUTE = ("dilute", "dil.", "dil")


class Concentration(BaseModel):
    """A concentration: value with unit, or a qualitative word (concentrated / dilute)."""

    model_config = ConfigDict(frozen=True)

    value: float | None = None
    unit: str = ""
    qualitative: str = ""  # "concentrated" | "dilute" | ""

    def percent(self) -> float | None:
        """Percent (w/w, w/v or v/v alike), or None when not a percentage."""
        if self.value is not None and self.unit.startswith("%"):
            return self.value
        if self.value is not None and self.unit.lower() in ("mg/ml", "g/l"):
            return self.value / 10.0
        return None

    def molar(self) -> float | None:
        if self.value is None:
            return None
        unit = self.unit.lower().replace("mol/l", "m")
        return self.value * _MOLAR[unit] if unit in _MOLAR else None

    def below(self, percent: float | None, molar: float | None) -> bool:
        """True if known to be below the percent or molar threshold (or said 'dilute')."""
        if self.qualitative == "dilute":
            return True
        if self.qualitative == "concentrated":
            return False
        pct, mol = self.percent(), self.molar()
        if pct is not None and percent is not None:
            return pct < percent
        if mol is not None and molar is not None:
            return mol < molar
        if self.unit.lower() == "x":
            return True  # buffer strength (1x, 10x): a working or stock buffer solution
        return False

    def is_dilute(self) -> bool:
        threshold = load("classification.yaml")["dilute_threshold"]
        return self.below(threshold["percent"], threshold["molar"])

    def scaled(self, factor: float) -> Concentration:
        if self.value is None:
            return self
        return Concentration(value=self.value * factor, unit=self.unit, qualitative=self.qualitative)

    def __str__(self) -> str:
        if self.value is None:
            return self.qualitative
        value = f"{self.value:g}"
        return f"{value}%" if self.unit.startswith("%") else f"{value} {self.unit}"


def parse_concentration(text: str | None) -> Concentration | None:
    """Parse "1 M", "30%", "10 mM", "0.5 N", "concentrated"; None if empty or unreadable."""
    if not text or not text.strip():
        return None
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in _WORDS_CONCENTRATED:
        return Concentration(qualitative="concentrated")
    if lowered in _WORDS_DILUTE:
        return Concentration(qualitative="dilute")
    match = _ALONE.match(stripped)
    if not match:
        return None
    unit = re.sub(r"[\s()]", "", match["unit"])
    if unit.lower() == "um":
        unit = "µM"
    return Concentration(value=float(match["value"]), unit=unit)


_PREFIX = re.compile(rf"^\s*(?P<conc>{NUMBER}\s*{UNIT_PATTERN})\s+(?P<rest>.+)$")
_SUFFIX = re.compile(rf"^(?P<rest>.+?)[\s,(]+(?P<conc>{NUMBER}\s*{UNIT_PATTERN})\)?\s*$")


def split_concentration(text: str) -> tuple[Concentration | None, str]:
    """Split "1 M HCl" / "HCl (1 M)" / "concentrated HCl" into (concentration, name)."""
    stripped = text.strip()
    match = _PREFIX.match(stripped)
    if match:
        return parse_concentration(match["conc"]), match["rest"].strip()
    lowered = stripped.lower()
    for word in (*_WORDS_CONCENTRATED, *_WORDS_DILUTE):
        if lowered.startswith(word + " "):
            rest = stripped[len(word) :].strip()
            qual = "dilute" if word in _WORDS_DILUTE else "concentrated"
            if word in ("anhydrous", "glacial", "neat"):
                return Concentration(qualitative=qual), stripped if word == "glacial" else rest
            return Concentration(qualitative=qual), rest
    match = _SUFFIX.match(stripped)
    if match and not re.fullmatch(r"[\d.\s]+", match["rest"]):
        return parse_concentration(match["conc"]), match["rest"].strip()
    return None, stripped
