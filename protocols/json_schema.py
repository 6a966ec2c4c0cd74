"""The JSON Schema of the protocol language, saying what the parser accepts.

pydantic derives a schema from the models' canonical fields (``volume_ul: number``). The
parser accepts more, and the bundled examples use it: quantities written with their unit
(``"50 uL"``, ``{"value": 50, "unit": "uL"}``), the short unit keys (``volume``, ``duration``,
``temperature`` ... instead of ``volume_ul``, ``seconds``, ``celsius``; never both), and integer
deck slots. Planners that generate protocols from this schema (LLM structured output) and
editors that check YAML against it would otherwise reject the documented form.

The quantity types in :mod:`labwright.protocols.models` carry :func:`canonical_quantity` as
their schema; :func:`add_unit_aliases` then adds each short key next to its canonical field.
The schema cannot check that a unit has the right dimension (``"5 min"`` for a volume): the
parser does, with a finding that names the field.
"""

from __future__ import annotations

import copy
from typing import Any

from labwright.protocols.units import CANONICAL_LABEL, EXAMPLES, NUMBER, Dimension

# a number followed by a unit: "50 uL", "0.05 mL", "2 min", "37 degC", "1.5e3 rpm"
QUANTITY_PATTERN = rf"^\s*{NUMBER}\s*[^\d\s.+\-].*$"


def _described(dimension: Dimension) -> str:
    return f"a {dimension} with its unit, e.g. {EXAMPLES[dimension][0]!r}"


def with_unit(dimension: Dimension) -> dict[str, Any]:
    """A quantity that carries its unit: a string or a ``{value, unit}`` object."""
    return {
        "anyOf": [
            {"type": "string", "pattern": QUANTITY_PATTERN, "examples": list(EXAMPLES[dimension])},
            {
                "type": "object",
                "properties": {"value": {"type": "number"}, "unit": {"type": "string"}},
                "required": ["value", "unit"],
                "additionalProperties": False,
            },
        ],
        "description": _described(dimension),
    }


def _in_canonical_unit(dimension: Dimension) -> dict[str, Any]:
    return {"type": "number", "description": f"in {CANONICAL_LABEL[dimension]}"}


def canonical_quantity(dimension: Dimension) -> dict[str, Any]:
    """A canonical field's value: a number in the field's unit, or a quantity with its unit."""
    return {"anyOf": [_in_canonical_unit(dimension), *with_unit(dimension)["anyOf"]]}


def _to_alias(node: Any, dimension: Dimension) -> Any:
    """``node`` without its bare-number choices: a short key's value must carry its unit.

    pydantic flattens unions (``Volume | list[Volume]`` becomes one ``anyOf`` of number,
    string, object and array), so the bare number is removed wherever it is a choice.
    """
    bare = _in_canonical_unit(dimension)
    if isinstance(node, list):
        return [_to_alias(v, dimension) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_alias(v, dimension) for k, v in node.items() if k not in ("default", "title")}
    if "anyOf" in out:
        out["anyOf"] = [choice for choice in out["anyOf"] if choice != bare]
        out.setdefault("description", _described(dimension))
    return out


def add_unit_aliases(
    schema: dict[str, Any], aliases: dict[str, tuple[str, Dimension]]
) -> dict[str, Any]:
    """A copy of ``schema`` where each object with a canonical quantity field also accepts its
    short key (``aliases``: short key -> (canonical field, dimension)), but never both, and a
    required canonical field may be given by either key."""
    out = copy.deepcopy(schema)
    objects = [out, *out.get("$defs", {}).values()]
    for obj in objects:
        props = obj.get("properties")
        if not isinstance(props, dict):
            continue
        keys: dict[str, list[str]] = {}  # canonical field -> its short keys here
        for alias, (canon, dimension) in aliases.items():
            if canon in props and alias not in props:
                props[alias] = _to_alias(props[canon], dimension)
                keys.setdefault(canon, []).append(alias)
        rules: list[dict[str, Any]] = []
        for canon, shorts in keys.items():
            spellings = [canon, *shorts]  # "duration" and "time" both mean "seconds"
            rules += [
                {"not": {"required": [a, b]}}
                for i, a in enumerate(spellings)
                for b in spellings[i + 1 :]
            ]
            required = obj.get("required", [])
            if canon in required:
                obj["required"] = [r for r in required if r != canon]
                rules.append({"anyOf": [{"required": [k]} for k in spellings]})
        if rules:
            obj["allOf"] = [*obj.get("allOf", []), *rules]
            if not obj.get("required"):
                obj.pop("required", None)
    return out
