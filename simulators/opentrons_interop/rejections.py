"""The one renderer of an Opentrons error tree: one line of text (``describe_error``) or, for a
protocol the Opentrons simulator rejects, one finding (``rejection_issue``).

An error tree is the analysis' (or a robot run's) ``ErrorOccurrence`` dicts: ``errorType``,
``errorCode``, ``detail``, ``wrappedErrors``. ``describe_error`` renders it for the hardware layer
(run logs, failed runs, a robot's refused analysis). ``rejection_issue`` renders the analysis'
error tree (``ExceptionInProtocolError`` wrapping ``ProtocolCommandFailedError`` wrapping the
real fault, or ``PythonException`` records naming a Python class) as one ``Finding``. The finding
carries the category of the underlying fault, so that a user sees the same category whichever
layer caught it: a slot conflict is ``deck``, a volume above the pipette's maximum is
``pipette``, a module temperature out of range is ``temperature``, a missing tip is ``tip``, an
unknown labware load name or well is ``reference``, a movement or location fault is
``location``, anything else ``schema``.

Categories are chosen by the error's class first (the Opentrons 9.0.0 error classes named
below), then by patterns in the message.
"""

from __future__ import annotations

import re
from typing import Any

from labwright.protocols.findings import Finding, finding

REJECTED_CODE = "OPENTRONS_REJECTED"

# Opentrons 9.0.0 error class -> labwright category (same categories as the verifier's own).
CLASS_CATEGORY: dict[str, str] = {
    # deck layout
    "DeckConflictError": "deck",
    "LocationIsOccupiedError": "deck",
    "IncompatibleAddressableAreaError": "deck",
    "AddressableAreaDoesNotExistError": "deck",
    "FixtureDoesNotExistError": "deck",
    "InvalidModuleLocationError": "deck",
    "LabwareMovementNotAllowedError": "deck",
    "LabwareIsNotAllowedInLocationError": "deck",
    "InvalidTargetSpeedError": "deck",  # module speed: MODULE_SPEED_OUT_OF_RANGE is deck
    "EngageHeightOutOfRangeError": "deck",  # MAGNET_HEIGHT_OUT_OF_RANGE is deck
    "CannotPerformModuleAction": "deck",
    # pipettes
    "InvalidAspirateVolumeError": "pipette",
    "InvalidPipettingVolumeError": "pipette",
    "InvalidSpecificationForRobotTypeError": "pipette",
    "InvalidLoadPipetteSpecsError": "pipette",
    "PipetteNotAttachedError": "pipette",
    "InvalidPushOutVolumeError": "pipette",
    # volumes held
    "InvalidDispenseVolumeError": "volume",
    "InvalidLiquidError": "volume",
    "InvalidLiquidHeightFound": "volume",
    # temperatures
    "InvalidTargetTemperatureError": "temperature",
    "InvalidBlockVolumeError": "temperature",
    "InvalidHoldTimeError": "temperature",
    "InvalidRampRateError": "temperature",
    # tips
    "TipNotAttachedError": "tip",
    "TipAttachedError": "tip",
    "UnexpectedTipRemovalError": "tip",
    "UnexpectedTipAttachError": "tip",
    "OutOfTipsError": "tip",
    "TipNotEmptyError": "tip",
    "TipRackNotFound": "tip",
    "NoTipAvailableError": "tip",
    "TipPhysicallyMissingError": "tip",
    "TipPhysicallyAttachedError": "tip",
    # references to things that do not exist
    "LabwareDefinitionDoesNotExistError": "reference",
    "LabwareNotLoadedError": "reference",
    "LabwareNotLoadedOnModuleError": "reference",
    "ModuleNotLoadedError": "reference",
    "PipetteNotLoadedError": "reference",
    "WellDoesNotExistError": "reference",
    "LiquidDoesNotExistError": "reference",
    "LabwareNotOnDeckError": "reference",
    "LabwareDefinitionIsNotLabwareError": "reference",
    "LabwareDefinitionIsNotAdapterError": "reference",
    # where the pipette goes
    "PipetteMovementRestrictedByHeaterShakerError": "location",
    "CannotPerformModuleActionError": "location",
    "ThermocyclerNotOpenError": "location",
    "LidNotOpenError": "location",
    "LabwareNotLoadedOnLabwareError": "location",
    "OperationLocationNotInWellError": "location",
    "LiquidHeightUnknownError": "location",
    "PartialTipMovementNotAllowedError": "location",
    "InvalidWellDefinitionError": "location",
    "MustHomeError": "location",
    # the API level
    "APIVersionError": "schema",
    "UnsupportedAPIError": "schema",
    # fixtures: where a trash bin may stand, and a protocol that drops tips with none loaded
    "InvalidTrashBinLocationError": "deck",
    "NoTrashDefinedError": "deck",
}

# Message patterns, tried in order when no class matched.
MESSAGE_CATEGORY: list[tuple[str, str]] = [
    (
        r"deck slot|slot \S+ (is )?(already|occupied)|prevents .* from using slot|cannot be loaded into slot"
        r"|already present at|not a valid deck|staging (slot|area)",
        "deck",
    ),
    (r"labware definition|unable to find a labware|labware \"?[\w.-]+\"? not found", "reference"),
    (r"resolve .* to pipette|pipette name|not a valid pipette", "reference"),  # as PIPETTE_MODEL_UNKNOWN
    (
        r"instrument already present|max(imum)? volume|more than (the )?pipette|exceeds the (pipette|tip)"
        r"|when only .* is available in the tip",
        "pipette",
    ),
    (r"temperature|°c|degc", "temperature"),
    (r"\brpm\b|shake speed|engage height|magnet", "deck"),
    (r"\btips?\b", "tip"),
    (r"dispense .* when only|more than .* (in|holds)|volume", "volume"),
    (r"keyerror: '[A-Z]{1,2}\d{1,3}'|no well|well .* (does not|doesn't) exist|not a well", "reference"),
    (r"location|height|below|bottom|movement|cannot move", "location"),
]

_NOISE_TYPES = {
    "ExceptionInProtocolError",
    "ProtocolCommandFailedError",
    "PythonException",
    "LegacyContextCommandError",
    "UnexpectedAnalysisError",
    "ProtocolEngineError",
}


def _walk(err: dict[str, Any], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    out = [(depth, err)]
    for inner in err.get("wrappedErrors") or []:
        out += _walk(inner, depth + 1)
    return out


def error_classes(err: dict[str, Any]) -> list[str]:
    """Every Opentrons/Python class name the error tree mentions, outermost first."""
    names: list[str] = []
    for _depth, node in _walk(err):
        for candidate in (
            node.get("errorType"),
            (node.get("errorInfo") or {}).get("class"),
            *_classes_in(str(node.get("detail", ""))),
        ):
            if candidate and candidate not in names:
                names.append(candidate)
    return names


def _classes_in(text: str) -> list[str]:
    """``"opentrons.x.DeckConflictError: ..."`` / ``"DeckConflictError [line 7]: ..."`` -> names."""
    found = re.findall(r"(?:^|[\s(:.])([A-Z][A-Za-z]+(?:Error|Exception|Conflict\w*))\b", text)
    return list(dict.fromkeys(found))


def categorise(err: dict[str, Any]) -> tuple[str, str | None]:
    """(category, the class that decided it or None when a message pattern did)."""
    classes = error_classes(err)
    # the innermost meaningful class is the fault; the outer ones wrap it
    for name in reversed(classes):
        if name in CLASS_CATEGORY:
            return CLASS_CATEGORY[name], name
    text = " ".join(str(node.get("detail", "")) for _d, node in _walk(err))
    for pattern, category in MESSAGE_CATEGORY:
        if re.search(pattern, text, flags=re.IGNORECASE):
            return category, None
    return "schema", None


def _line(err: dict[str, Any]) -> int | None:
    for _depth, node in _walk(err):
        m = re.search(r"\[line (\d+)\]", str(node.get("detail", "")))
        if m:
            return int(m.group(1))
    return None


_WRAPPERS = {
    "ProtocolCommandFailedError",
    "LegacyContextCommandError",
    "PythonException",
    "ExceptionInProtocolError",
}
# classes raised with an empty message, explained
_EMPTY_MESSAGE = {
    "OutOfTipsError": "no tips left in the pipette's tip racks",
    "KeyError": "a name (well, labware or key) that does not exist",
}


def clean_message(err: dict[str, Any]) -> str:
    """The simulator's message without the wrapper noise: ``"Class: message"``."""
    detail = " ".join(str(err.get("detail", "")).split())
    cls = ""
    m = re.match(r"^(\w+) \[line \d+\]:\s*(.*)$", detail)
    if m:
        cls, detail = m.group(1), m.group(2)
    while True:  # peel "Error 4000 GENERAL_ERROR (Wrapper): " and "PythonException: " layers
        m = re.match(r"^Error \d+ [A-Z_]+ \((\w+)\):\s*(.*)$", detail)
        if m:
            detail = detail if m.group(1) not in _WRAPPERS else m.group(2)
            if m.group(1) not in _WRAPPERS:
                detail = f"{m.group(1)}: {m.group(2)}"
                break
            continue
        m = re.match(r"^PythonException:\s*(.*)$", detail)
        if m:
            detail = m.group(1)
            continue
        break
    detail = re.sub(r"^(?:[a-z_]+\.)+([A-Z]\w+)(:|$)", r"\1\2", detail)  # module path of a class
    names_class = re.match(r"^[A-Z]\w+(Error|Exception)\b", detail)
    if cls and cls not in _WRAPPERS and not names_class:
        detail = f"{cls}: {detail}" if detail else cls
    bare = re.fullmatch(r"([A-Z]\w+)(?::\s*(.*))?", detail)
    if bare and not (bare.group(2) or "").strip(" '\""):
        detail = f"{bare.group(1)} ({_EMPTY_MESSAGE.get(bare.group(1), 'no message')})"
    elif bare and bare.group(1) == "KeyError":
        detail = f"KeyError: {bare.group(2)} ({_EMPTY_MESSAGE['KeyError']})"
    return detail.strip()


_HINTS = {
    "deck": "move the labware or module to a free slot allowed for it",
    "pipette": "keep volumes in the pipette range (split large ones); use a pipette name the robot knows",
    "volume": "aspirate enough before dispensing; keep well volumes within what they hold",
    "temperature": "set a temperature within the module's range",
    "tip": "pick up a tip before pipetting, drop it before picking another; add tip racks if they run out",
    "reference": "check labware load names (or supply the custom labware definition), well names and ids",
    "location": "open lids/latches and stop shaking before pipetting; keep positions inside the well",
    "schema": "fix the protocol so that `opentrons_simulate` runs it to the end",
}


def rejection_issue(errors: list[dict[str, Any]], failed_command: str | None = None) -> Finding:
    """One error-severity issue for a protocol the Opentrons simulator rejected."""
    err = errors[0]
    category, decided_by = categorise(err)
    line = _line(err)
    message = clean_message(err)
    where = f" at line {line}" if line is not None else ""
    more = f" (+{len(errors) - 1} more errors)" if len(errors) > 1 else ""
    return finding(
        REJECTED_CODE,
        category,
        "error",
        f"the Opentrons simulator rejects this protocol{where}: {message}{more}",
        _HINTS[category],
        line=line,
        error_type=decided_by
        or next((c for c in reversed(error_classes(err)) if c not in _NOISE_TYPES), None),
        failed_command=failed_command,
        detail=str(err.get("detail", "")),
    )


def describe_error(error: dict[str, Any]) -> str:
    """One line for an Opentrons ErrorOccurrence: type, code and detail, plus wrapped causes."""
    parts = [str(error.get("errorType") or "error")]
    if error.get("errorCode"):
        parts[0] += f" [{error['errorCode']}]"
    detail = str(error.get("detail") or "").strip()
    text = f"{parts[0]}: {detail}" if detail else parts[0]
    wrapped = [describe_error(w) for w in error.get("wrappedErrors") or [] if isinstance(w, dict)]
    if wrapped:
        text += " (caused by " + "; ".join(wrapped) + ")"
    return text
