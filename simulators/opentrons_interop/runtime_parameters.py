"""Runtime parameters of Opentrons Python protocols: ``--param name=value`` checked against the
protocol's own definitions.

A protocol that defines ``add_parameters(parameters)`` declares typed parameters (int, float,
bool, str; numbers with a range or a list of choices, strings with choices; CSV files). A robot
(and ``opentrons analyze --rtp-values``) takes values as JSON; on the command line every value
is text, so its type comes from the definition: ``--param volume=50`` is the integer 50 when
``volume`` is an int parameter and the string "50" when it is a str parameter. The definitions
exist only once the protocol's ``add_parameters`` ran, inside the analysis sandbox: the worker
calls ``coerce_values`` there with the definitions Opentrons built (``RunTimeParameter`` dumps)
and raises ``ParameterValueProblem`` (unusable input: the CLI exits 2) for a name the protocol
does not define, a value of the wrong type, out of range or not among the choices, naming the
parameter, its type and what it allows. Values that are already typed (from a certificate, for
dispatch) go through the same check. Parameters not given keep their defaults.

Pure functions, no ``opentrons`` import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from labwright.protocols.errors import UnusableInputError

Value = bool | int | float | str
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_TYPE_WORDS = {
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "str": "string",
    "csv_file": "CSV file",
}


class ParameterValueProblem(UnusableInputError):
    """A ``--param`` value the protocol's parameter definitions do not allow."""


def parse_param_options(items: list[str] | None) -> dict[str, str]:
    """``["volume=50", "mode=fast"]`` -> ``{"volume": "50", "mode": "fast"}`` (values stay text:
    their types come from the protocol's definitions)."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise UnusableInputError(
                f"--param {item!r} is not NAME=VALUE",
                hint="write --param volume=50 (NAME is the parameter's variable name in add_parameters)",
            )
        if name in out:
            raise UnusableInputError(
                f"--param {name} is given twice ({out[name]!r} and {value!r})",
                hint="give each parameter once",
            )
        out[name] = value
    return out


def values_of(parameters: list[Mapping[str, Any]]) -> dict[str, Value]:
    """``{variableName: value}`` of an analysis' primitive runtime parameters (CSV files left
    out), each of its parameter's type: Opentrons reports an int parameter with a range as a
    float (6.0), which is the integer 6 to the protocol."""
    out: dict[str, Value] = {}
    for p in parameters:
        if p.get("type") == "csv_file" or "variableName" not in p:
            continue
        value = p.get("value")
        if p.get("type") == "int" and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[str(p["variableName"])] = value  # type: ignore[assignment]
    return out


def describe(definition: Mapping[str, Any]) -> str:
    """``volume (integer, 10 to 200 uL, default 50)`` / ``mode (string, one of 'a', 'b')``."""
    kind = _TYPE_WORDS.get(str(definition.get("type")), str(definition.get("type")))
    unit = f" {definition['suffix']}" if definition.get("suffix") else ""
    if definition.get("choices"):
        allowed = ", ".join(repr(c.get("value")) for c in definition["choices"])
        what = f"one of {allowed}"
    elif "min" in definition and "max" in definition:
        what = f"{_plain(definition['min'])} to {_plain(definition['max'])}{unit}"
    elif definition.get("type") == "bool":
        what = "true or false"
    else:
        what = "any text" if definition.get("type") == "str" else "a file"
    default = f", default {_plain(definition['default'])!r}" if "default" in definition else ""
    return f"{definition.get('variableName')} ({kind}, {what}{default})"


def coerce_values(given: Mapping[str, Any], definitions: list[Mapping[str, Any]]) -> dict[str, Value]:
    """``given`` (text or typed values) as the typed values the definitions allow; raises
    ``ParameterValueProblem`` naming the parameter, its type and what it allows."""
    by_name = {str(d.get("variableName")): d for d in definitions}
    out: dict[str, Value] = {}
    for name, raw in given.items():
        definition = by_name.get(name)
        if definition is None:
            defined = "; ".join(describe(d) for d in definitions) or "none"
            raise ParameterValueProblem(
                f"--param {name}: the protocol defines no runtime parameter {name!r} (it defines: {defined})",
                hint="use the variable names of the protocol's add_parameters(); "
                "`labwright validate FILE -v` lists them with their values",
            )
        out[name] = _coerce(name, raw, definition)
    return out


def _coerce(name: str, raw: Any, definition: Mapping[str, Any]) -> Value:
    kind = definition.get("type")
    if kind == "csv_file":
        raise ParameterValueProblem(
            f"--param {name}: {describe(definition)} is a CSV file parameter; labwright passes only "
            "int, float, bool and str values",
            hint="run this protocol's analysis with `opentrons analyze --rtp-files`",
        )
    value = _typed(raw, str(kind))
    if value is None:
        raise ParameterValueProblem(
            f"--param {name}={_shown(raw)}: not a valid {_TYPE_WORDS.get(str(kind), kind)}; the protocol "
            f"defines {describe(definition)}",
            hint=f"give {name} a value of its type",
        )
    choices = [c.get("value") for c in definition.get("choices") or []]
    if choices and not any(_same(value, c) for c in choices):
        raise ParameterValueProblem(
            f"--param {name}={_shown(raw)}: not one of the allowed choices; the protocol defines "
            f"{describe(definition)}",
            hint=f"choose one of {', '.join(repr(c) for c in choices)}",
        )
    low, high = definition.get("min"), definition.get("max")
    if not choices and isinstance(low, int | float) and isinstance(high, int | float):
        if not low <= value <= high:  # type: ignore[operator]
            raise ParameterValueProblem(
                f"--param {name}={_shown(raw)}: out of range; the protocol defines {describe(definition)}",
                hint=f"give {name} a value from {_plain(low)} to {_plain(high)}",
            )
    return value


def _typed(raw: Any, kind: str) -> Value | None:
    """``raw`` as a value of ``kind``; None when it is not one (a bool is never a number)."""
    if isinstance(raw, str):
        text = raw.strip()
        if kind == "str":
            return raw
        if kind == "bool":
            low = text.lower()
            return True if low in _TRUE else False if low in _FALSE else None
        if kind == "int":
            return int(text) if re.fullmatch(r"[+-]?\d+", text) else None
        if kind == "float":
            try:
                number = float(text)
            except ValueError:
                return None
            return number if math.isfinite(number) else None
        return None
    if kind == "bool":
        return raw if isinstance(raw, bool) else None
    if isinstance(raw, bool):
        return None
    if kind == "int":
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)  # how Opentrons reports an int parameter with a range
        return raw if isinstance(raw, int) else None
    if kind == "float":
        return float(raw) if isinstance(raw, int | float) and math.isfinite(raw) else None
    return None  # a number for a str parameter: the type is wrong


def _same(value: Value, choice: Any) -> bool:
    if isinstance(value, bool) or isinstance(choice, bool):
        return value is choice
    return value == choice and isinstance(value, str) == isinstance(choice, str)


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _shown(raw: Any) -> str:
    return raw if isinstance(raw, str) else repr(raw)
