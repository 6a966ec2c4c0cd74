"""Quantities at the boundary: ``"50 uL"``, ``"0.05 mL"``, ``"2 min"``, ``"37 degC"``.

Inside labwright every quantity is a float in a canonical unit named by its field
(``volume_ul``, ``seconds``, ``celsius``, ``rpm``, ``mm``). This module converts what a user
wrote into those floats with pint; the registry is built on first use, never at import.
Errors are ``pydantic_core.PydanticCustomError`` so that they become schema findings with a
stable code and the pointer of the offending field.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any, Literal

from pydantic_core import PydanticCustomError

Dimension = Literal["volume", "time", "temperature", "speed", "length", "wavelength"]

CANONICAL_UNIT: dict[str, str] = {
    "volume": "microliter",
    "time": "second",
    "temperature": "degC",
    "speed": "rpm",
    "length": "millimeter",
    "wavelength": "nanometer",
}
CANONICAL_LABEL: dict[str, str] = {
    "volume": "uL",
    "time": "s",
    "temperature": "degC",
    "speed": "rpm",
    "length": "mm",
    "wavelength": "nm",
}
# Bounds beyond which a value is absurd for a benchtop liquid handler (not merely out of a
# device's range, which the hardware pass reports with the device's own limits).
ABSURD: dict[str, tuple[float, float]] = {
    "volume": (0.0, 5.0e6),  # 5 L
    "time": (0.0, 30 * 24 * 3600.0),  # 30 days
    "temperature": (-273.15, 400.0),
    "speed": (0.0, 100000.0),
    "length": (-500.0, 500.0),
    "wavelength": (100.0, 2000.0),
}


def _err(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    """A custom pydantic error whose message is already formatted (no template fields)."""
    return PydanticCustomError(kind, message.replace("{", "(").replace("}", ")"), ctx)


# a decimal number as users write it: "50", "-2.5", ".5", "1e3"
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_BARE_NUMBER = re.compile(rf"^\s*{NUMBER}\s*$")


@lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    ureg = pint.UnitRegistry(cache_folder=":auto:", autoconvert_offset_to_baseunit=True)
    ureg.define("rpm = revolution / minute")  # already defined in recent pint; harmless
    return ureg


# The spellings protocols use nearly always, with their exact factors to the canonical unit.
# They spare a validation run the ~0.5 s it takes to import pint and build its registry; any
# other spelling goes to pint. tests/protocols/test_units.py checks every entry against pint.
FAST_UNITS: dict[str, dict[str, float]] = {
    "volume": {
        "ul": 1.0,
        "µl": 1.0,
        "μl": 1.0,
        "microliter": 1.0,
        "microlitre": 1.0,
        "nl": 1e-3,
        "ml": 1e3,
        "milliliter": 1e3,
        "millilitre": 1e3,
        "l": 1e6,
        "liter": 1e6,
        "litre": 1e6,
    },
    "time": {
        "s": 1.0,
        "sec": 1.0,
        "second": 1.0,
        "seconds": 1.0,
        "ms": 1e-3,
        "min": 60.0,
        "minute": 60.0,
        "minutes": 60.0,
        "h": 3600.0,
        "hr": 3600.0,
        "hour": 3600.0,
        "hours": 3600.0,
    },
    "speed": {"rpm": 1.0},
    "length": {"mm": 1.0, "cm": 10.0, "um": 1e-3, "µm": 1e-3},
    "wavelength": {"nm": 1.0},
    "temperature": {"degc": 1.0, "°c": 1.0, "c": 1.0, "celsius": 1.0},
}
_FAST = re.compile(rf"^\s*({NUMBER})\s*([A-Za-zµμ°]+)\s*$")


def _fast_parse(text: str, dimension: str) -> float | None:
    m = _FAST.match(text)
    if not m:
        return None
    factor = FAST_UNITS.get(dimension, {}).get(m.group(2).lower())
    if factor is None:
        return None
    if m.group(2).lower() == "l" and m.group(2) != "L":
        return None  # a lone lower-case 'l' is ambiguous: let pint decide
    return float(m.group(1)) * factor


@lru_cache(maxsize=4096)
def _parse(text: str, dimension: str) -> float:
    fast = _fast_parse(text, dimension)
    if fast is not None:
        return fast
    ureg = _registry()
    cleaned = text.strip().replace("µ", "u").replace("μ", "u").replace("°C", "degC")
    cleaned = re.sub(r"(?<=\d)\s*C$", " degC", cleaned) if dimension == "temperature" else cleaned
    try:
        q = ureg.Quantity(cleaned)
    except Exception as exc:  # pint raises several unrelated types
        raise _err(
            "unit_invalid",
            f"cannot read {text!r} as a quantity ({type(exc).__name__}); write e.g. {_example(dimension)}",
            text=text,
            reason=type(exc).__name__,
            example=_example(dimension),
        ) from None
    if not hasattr(q, "units") or q.dimensionless:
        raise _err(
            "unit_missing",
            f"{text!r} has no unit; write e.g. {_example(dimension)}",
            text=text,
            example=_example(dimension),
        )
    try:
        value = float(q.to(CANONICAL_UNIT[dimension]).magnitude)
    except Exception:
        raise _err(
            "unit_dimension",
            f"{text!r} is not a {dimension} (unit {str(q.units)}); write e.g. {_example(dimension)}",
            text=text,
            dimension=dimension,
            unit=str(q.units),
            example=_example(dimension),
        ) from None
    return value


# what error messages and the JSON Schema show as the way to write each dimension
EXAMPLES: dict[str, tuple[str, ...]] = {
    "volume": ("50 uL", "0.05 mL"),
    "time": ("30 s", "2 min"),
    "temperature": ("37 degC",),
    "speed": ("1000 rpm",),
    "length": ("1.5 mm",),
    "wavelength": ("450 nm",),
}


def _example(dimension: str) -> str:
    return " or ".join(f'"{e}"' for e in EXAMPLES[dimension])


def to_canonical(value: Any, dimension: Dimension, *, unit_named: bool) -> float:
    """Convert a user value to the canonical float for ``dimension``.

    ``unit_named`` is True when the field's name carries the unit (``volume_ul``): then a bare
    number is read in the canonical unit. Otherwise a bare number is a missing unit.
    """
    if type(value) is str:
        return _text_to_canonical(value, dimension, unit_named)
    if isinstance(value, bool):
        raise _err("value_type", f"expected a {dimension}, got a boolean", dimension=dimension)
    if isinstance(value, dict) and set(value) == {"value", "unit"}:
        value = f"{value['value']} {value['unit']}"
    if isinstance(value, int | float):
        if not unit_named:
            raise _err(
                "unit_missing",
                f"{value} has no unit; write e.g. {_example(dimension)}",
                value=value,
                example=_example(dimension),
            )
        out = float(value)
    elif isinstance(value, str):  # a subclass of str
        return _text_to_canonical(str(value), dimension, unit_named)
    else:
        raise _err(
            "value_type",
            f"expected a {dimension} such as {_example(dimension)}, got {type(value).__name__}",
            dimension=dimension,
            example=_example(dimension),
            got=type(value).__name__,
        )
    return check_value(out, dimension)


@lru_cache(maxsize=16384)
def _text_to_canonical(value: str, dimension: str, unit_named: bool) -> float:
    """``to_canonical`` of a string; cached, as a protocol repeats a few quantities many times
    (errors are raised again on every call: lru_cache keeps only values)."""
    if _BARE_NUMBER.match(value):
        if not unit_named:
            raise _err(
                "unit_missing",
                f"{value!r} has no unit; write e.g. {_example(dimension)}",
                text=value,
                example=_example(dimension),
            )
        out = float(value)
    elif value.strip().lower() in {"nan", "inf", "+inf", "-inf", "infinity"}:
        out = float(value)
    else:
        out = _parse(value, dimension)
    return check_value(out, dimension)


def check_value(value: float, dimension: str) -> float:
    """NaN, infinities, negatives and absurd magnitudes are schema findings, never accepted."""
    if math.isnan(value) or math.isinf(value):
        raise _err("value_not_finite", f"{value} is not a finite number", value=value)
    low, high = ABSURD[dimension]
    if value < low:
        if low == 0.0:
            raise _err(
                "value_negative",
                f"{value:g} {CANONICAL_LABEL[dimension]} is negative; a {dimension} must be zero or more",
                value=value,
                unit=CANONICAL_LABEL[dimension],
                dimension=dimension,
            )
        raise _err(
            "value_absurd",
            f"{value:g} {CANONICAL_LABEL[dimension]} is below the physical limit "
            f"{low:g} {CANONICAL_LABEL[dimension]}",
            value=value,
            unit=CANONICAL_LABEL[dimension],
            low=low,
        )
    if value > high:
        raise _err(
            "value_absurd",
            f"{value:g} {CANONICAL_LABEL[dimension]} is absurd for a {dimension} on a liquid handler "
            f"(limit {high:g} {CANONICAL_LABEL[dimension]})",
            value=value,
            unit=CANONICAL_LABEL[dimension],
            dimension=dimension,
            high=high,
        )
    return value
