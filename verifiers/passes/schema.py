"""Pass 1, schema: the raw document -> a ``Protocol``, or findings saying what is malformed.

pydantic's errors become findings with stable codes, the JSON pointer of the field the user
wrote (short unit keys such as ``volume`` included) and a hint.
"""

from __future__ import annotations

from typing import Any

from labwright.protocols.findings import Finding, finding
from labwright.protocols.models import CANONICAL_TO_ALIAS, STEP_OPS, UNIT_ALIASES, Protocol
from pydantic import ValidationError

_CODES: dict[str, tuple[str, str]] = {
    # pydantic error type -> (code, hint)
    "missing": ("FIELD_MISSING", "add the field"),
    "extra_forbidden": ("FIELD_UNKNOWN", "remove the field or check its spelling (`labwright schema`)"),
    "union_tag_invalid": ("STEP_UNKNOWN_OP", "use one of: " + ", ".join(STEP_OPS)),
    "union_tag_not_found": ("STEP_MISSING_OP", "every step needs `op:`, one of: " + ", ".join(STEP_OPS)),
    "unit_missing": ("UNIT_MISSING", 'write the value with its unit, e.g. "50 uL"'),
    "unit_invalid": ("UNIT_INVALID", 'write a number and a unit, e.g. "50 uL", "2 min", "37 degC"'),
    "unit_dimension": ("UNIT_WRONG_DIMENSION", "use a unit of the right kind for this field"),
    "value_not_finite": ("VALUE_NOT_FINITE", "write a finite number"),
    "value_negative": ("VALUE_NEGATIVE", "write zero or a positive value"),
    "value_absurd": ("VALUE_ABSURD", "check the number and its unit"),
    "value_type": ("VALUE_TYPE", "write a number with a unit"),
    "location_invalid": ("LOCATION_SYNTAX", "write LABWARE_ID:WELL, e.g. plate:A1"),
    "literal_error": ("VALUE_NOT_ALLOWED", "use one of the allowed values"),
    "enum": ("VALUE_NOT_ALLOWED", "use one of the allowed values"),
    "field_duplicate": ("FIELD_DUPLICATE", "keep one of the two keys"),
    "string_pattern_mismatch": ("VALUE_PATTERN", "check the format of this value"),
    "nozzles_invalid": ("NOZZLES_INVALID", "see configure_nozzles in `labwright schema`"),
    "destination_count": (
        "MOVE_DESTINATION_COUNT",
        "give exactly one of slot, module, on_labware, off_deck: true, waste_chute: true",
    ),
}
_VOLUME_FIELDS = {"volume_ul", "disposal_volume_ul", "air_gap_ul", "initial_volumes_ul"}
_TEMPERATURE_FIELDS = {"celsius"}
_TYPE_TAGS = {"float", "int", "str", "list", "dict", "bool", "none"}
_NOISE = {
    "list_type",
    "float_type",
    "float_parsing",
    "string_type",
    "dict_type",
    "int_type",
    "none_required",
    "model_type",
    "int_parsing",
    "bool_type",
}
_UNION_SCALAR_NOISE = {"value_type", *_NOISE}
# canonical field -> every short key a user may write for it ("seconds": duration, time)
_ALIASES_OF: dict[str, tuple[str, ...]] = {}
for _alias, (_canon, _dim) in UNIT_ALIASES.items():
    _ALIASES_OF[_canon] = (*_ALIASES_OF.get(_canon, ()), _alias)
_VALUE_CODES = {"VALUE_NOT_FINITE", "VALUE_NEGATIVE", "VALUE_ABSURD"}


def _pointer(loc: tuple[Any, ...], doc: Any) -> tuple[str, int | None, str | None]:
    """JSON pointer of what the user wrote; the step index; the field name."""
    parts: list[str] = []
    node = doc
    step: int | None = None
    fieldname: str | None = None
    prev_was_step_index = False
    for i, part in enumerate(loc):
        if prev_was_step_index and isinstance(part, str) and part in STEP_OPS:
            prev_was_step_index = False
            continue  # discriminator tag inserted by pydantic
        prev_was_step_index = False
        if (
            isinstance(part, str)
            and part in CANONICAL_TO_ALIAS
            and isinstance(node, dict)
            and part not in node
        ):
            alias = next((al for al in _ALIASES_OF.get(part, ()) if al in node), None)
            if alias is not None:
                part = alias
        if isinstance(part, str) and (part.startswith("function-") or "[" in part or part in _TYPE_TAGS):
            continue  # union branch / validator names inserted by pydantic
        if isinstance(part, str):
            fieldname = part
        parts.append(str(part).replace("~", "~0").replace("/", "~1"))
        if i == 1 and loc[0] == "steps" and isinstance(part, int):
            step = part
            prev_was_step_index = True
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return "/" + "/".join(parts) if parts else "", step, fieldname


def document_pointer(pointer: str, doc: Any) -> str:
    """The pointer of what the user wrote: later passes name canonical fields (``celsius``,
    ``seconds``, ``initial_volumes_ul``); where the document holds a short key instead
    (``temperature``, ``duration``, ``initial_volumes``) the pointer names that key."""
    if not pointer.startswith("/"):
        return pointer
    parts = pointer[1:].split("/")
    node = doc
    out: list[str] = []
    for raw in parts:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if part not in node:
                alias = next((al for al in _ALIASES_OF.get(part, ()) if al in node), None)
                if alias is not None:
                    part = alias
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            node = None
        out.append(part.replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(out)


def schema_pass(doc: dict[str, Any]) -> tuple[Protocol | None, list[Finding]]:
    try:
        return Protocol.model_validate(doc), []
    except ValidationError as exc:
        return None, findings_from_validation(exc, doc)


def findings_from_validation(exc: ValidationError, doc: Any) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    errors = exc.errors(include_url=False)
    # A value that fails every branch of a union (float | list[float]) yields one error per
    # branch; keep the meaningful one (our unit/value errors) and drop the type noise.
    specific = {_pointer(tuple(e["loc"]), doc)[0] for e in errors if e["type"] not in _NOISE}
    errors = [
        e for e in errors if e["type"] not in _NOISE or _pointer(tuple(e["loc"]), doc)[0] not in specific
    ]
    # A list given to a `float | list[float]` field fails the scalar branch with a type error at
    # the list itself; when an item of the list has its own error, that item is the finding.
    errors = [
        e
        for e in errors
        if e["type"] not in _UNION_SCALAR_NOISE
        or not any(p.startswith(_pointer(tuple(e["loc"]), doc)[0] + "/") for p in specific)
    ]
    for err in errors:
        etype = err["type"]
        loc = tuple(err["loc"])
        pointer, step, field = _pointer(loc, doc)
        code, hint = _CODES.get(etype, ("SCHEMA_INVALID", "see `labwright schema` for the expected shape"))
        canon = (
            field
            if field not in CANONICAL_TO_ALIAS.values()
            else next((c for c, a_ in CANONICAL_TO_ALIAS.items() if a_ == field), field)
        )
        category = "schema"
        if code in _VALUE_CODES or code.startswith("UNIT_"):
            # initial_volumes_ul: {"plate:A1": ...}: the last key names a well, the map a volume
            if (
                canon in _VOLUME_FIELDS
                or (isinstance(canon, str) and canon.endswith("_ul"))
                or "initial_volumes_ul" in loc
            ):
                category = "volume"
            elif canon in _TEMPERATURE_FIELDS:
                category = "temperature"
        if etype == "union_tag_invalid":
            got = err.get("ctx", {}).get("tag", "")
            message = f"unknown step op {got!r}"
        elif etype == "missing":
            message = f"missing field {field!r}"
        elif etype == "extra_forbidden":
            message = f"unknown field {field!r}"
        else:
            message = err["msg"].removeprefix("Value error, ")
            if field and field not in message:
                message = f"{field}: {message}"
        key = (code, pointer)
        if key in seen:
            continue
        seen.add(key)
        out.append(finding(code, category, "error", message, hint, step=step, pointer=pointer))
    return out
