"""The fast path for common unit spellings agrees with pint on every entry."""

from __future__ import annotations

import pytest
from labwright.protocols.units import CANONICAL_UNIT, FAST_UNITS, _fast_parse, _registry


@pytest.mark.parametrize(("dimension", "unit"), [(d, u) for d, units in FAST_UNITS.items() for u in units])
def test_fast_units_match_pint(dimension: str, unit: str) -> None:
    spelled = "L" if unit == "l" else unit
    text = f"2.5 {spelled}"
    fast = _fast_parse(text, dimension)
    assert fast is not None
    ureg = _registry()
    pint_unit = {
        "°c": "degC",
        "c": "degC",
        "celsius": "degC",
        "degc": "degC",
        "µl": "uL",
        "μl": "uL",
        "µm": "um",
        "microlitre": "microliter",
        "millilitre": "milliliter",
        "litre": "liter",
        "hr": "hour",
    }.get(unit, spelled)
    expected = ureg.Quantity(2.5, pint_unit).to(CANONICAL_UNIT[dimension]).magnitude
    assert fast == pytest.approx(expected, rel=1e-12)


def test_other_spellings_fall_back_to_pint() -> None:
    assert _fast_parse("3 fortnights", "time") is None
    assert _fast_parse("37 K", "temperature") is None
