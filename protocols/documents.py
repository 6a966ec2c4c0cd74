"""Reading YAML and JSON documents that someone else wrote: limits first, then parsing.

Every user-supplied document (protocols, lab policies, custom labware definitions, campaign
files) goes through ``read_text_file`` and ``parse_yaml`` / ``parse_json``. They refuse, with an
``UnusableInputError`` that says what is wrong and how to fix it, before the expensive work:

- anything but a regular file (a directory, FIFO, device or socket: reading a FIFO would hang);
- files larger than ``LIMITS.max_bytes``;
- nesting deeper than ``LIMITS.max_depth`` (checked as each node is met, before recursion gets deep);
- YAML alias expansion past ``LIMITS.max_nodes`` values (a "billion laughs" bomb is counted, not
  expanded: an alias adds its anchor's size to a running count and shares its anchor's value, so
  the check costs time linear in the file and memory follows the text);
- integers with more than ``LIMITS.max_int_digits`` digits;
- duplicate mapping keys (YAML and JSON would silently keep the last one): the error names the
  key and the lines of both.

YAML is read with libyaml's parser (PyYAML's ``CParser``); ``labwright.protocols.yaml_events``
builds Python data straight from its events, typing scalars with PyYAML's resolver and
``SafeConstructor`` (5x faster than PyYAML's own C loader, which composes a node graph first).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.yaml_events import NestingTooDeep, build_document
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

try:
    from yaml.cyaml import CParser as _Parser
except ImportError:  # PyYAML without libyaml: the pure-Python parser behaves the same, slower
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]
    from yaml.reader import Reader as _Reader
    from yaml.scanner import Scanner as _Scanner
else:
    _Reader = _Scanner = None  # type: ignore[assignment,misc]


@dataclass(frozen=True)
class DocumentLimits:
    """Documented limits on user documents (README, "Limits on input")."""

    max_bytes: int = 32 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 4_000_000
    max_int_digits: int = 100


LIMITS = DocumentLimits()


def read_text_file(path: str | Path, *, what: str = "file", limits: DocumentLimits = LIMITS) -> str:
    """The UTF-8 text of a regular file no larger than ``limits.max_bytes``."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UnusableInputError(f"{path}: no such file", hint="check the path") from None
    except OSError as exc:
        raise UnusableInputError(f"{path}: cannot be read ({exc.strerror})", hint="check the path") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnusableInputError(f"{path} is a directory", hint=f"name a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise UnusableInputError(
            f"{path} is not a regular file (a FIFO, device or socket)",
            hint=f"save the {what} to a file and name that file",
        )
    if info.st_size > limits.max_bytes:
        raise UnusableInputError(
            f"{path} is {info.st_size / 1e6:.1f} MB, over the {limits.max_bytes / 1e6:.0f} MB limit",
            hint=f"a {what} this large is not a hand-written document; split it",
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise UnusableInputError(
            f"{path}: cannot be read ({exc.strerror})", hint="check its permissions"
        ) from None
    if len(data) > limits.max_bytes:
        raise UnusableInputError(
            f"{path} grew past the {limits.max_bytes / 1e6:.0f} MB limit while being read"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnusableInputError(
            f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded)",
            hint=f"save the {what} as UTF-8 text",
        ) from None


# ----------------------------------------------------------------------------------- YAML


if _Reader is None:

    class _Loader(_Parser, SafeConstructor, Resolver):  # type: ignore[misc,valid-type]
        """libyaml's parser, with PyYAML's resolver and safe constructors for scalars."""

        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

else:

    class _Loader(_Reader, _Scanner, _Parser, SafeConstructor, Resolver):  # type: ignore[misc,no-redef,valid-type]
        def __init__(self, stream: str) -> None:
            _Reader.__init__(self, stream)
            _Scanner.__init__(self)
            _Parser.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


def parse_yaml(text: str, *, source: str = "<text>", limits: DocumentLimits = LIMITS) -> Any:
    """Parse one YAML document under ``limits``; ``UnusableInputError`` names what is wrong."""
    _check_length(text, source, limits)
    try:
        return _load(text, source, limits)
    except NestingTooDeep as exc:
        raise UnusableInputError(
            f"{source}: line {exc.line}: nested more than {limits.max_depth} levels deep",
            hint="a protocol needs only a few levels of nesting; flatten the structure",
        ) from None
    except yaml.YAMLError as exc:
        if "while increasing flow level" in str(exc) or "while increasing indent level" in str(exc):
            # libyaml's scanner reads ahead and gives up on extreme nesting before the loader
            # counts it: the same fault, reported the same way
            raise _too_deep(source, limits) from None
        raise UnusableInputError(
            f"{source}: not valid YAML: {_first_line(exc)}",
            hint="fix the syntax; `labwright schema` prints the expected structure",
        ) from None
    except UnusableInputError:
        raise
    except Exception as exc:  # PyYAML's constructors fail on odd values (`!!timestamp x`, huge ints)
        raise UnusableInputError(
            f"{source}: unusable YAML ({type(exc).__name__}: {_first_line(exc)})"
        ) from None


def _load(text: str, source: str, limits: DocumentLimits) -> Any:
    """Python data straight from libyaml's events (``labwright.protocols.yaml_events``)."""
    loader = _Loader(text)
    try:
        return build_document(loader, source=source, limits=limits)
    finally:
        loader.dispose()


# ----------------------------------------------------------------------------------- JSON


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # a key given twice: name the first one repeated
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def parse_json(text: str, *, source: str = "<text>", limits: DocumentLimits = LIMITS) -> Any:
    """Parse JSON under ``limits``; duplicate keys are an error naming the key and its lines."""
    _check_length(text, source, limits)
    try:
        value = json.loads(text, object_pairs_hook=_pairs)
    except _DuplicateKey as exc:
        raise _json_duplicate(text, exc.key, source) from None
    except json.JSONDecodeError as exc:
        raise UnusableInputError(
            f"{source}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            hint="fix the syntax; `labwright schema` prints the expected structure",
        ) from None
    except RecursionError:
        raise _too_deep(source, limits) from None
    except ValueError:  # an integer past Python's digit limit (4300)
        raise UnusableInputError(
            f"{source}: a number with more than {limits.max_int_digits} digits",
            hint="write the value with a unit and a sensible size, e.g. `\"volume\": \"50 uL\"`",
        ) from None
    _check_json_value(value, source, limits)
    return value


def _check_json_value(value: Any, source: str, limits: DocumentLimits) -> None:
    """Depth and integer sizes of what ``json.loads`` returned (dicts, lists, str, int, float,
    bool, None): containers are walked with a stack, scalars checked in place."""
    too_big = 10**limits.max_int_digits  # an integer with more digits is at least this

    def check_int(item: int) -> None:
        if item >= too_big or item <= -too_big:
            raise UnusableInputError(
                f"{source}: a number with {len(str(abs(item)))} digits "
                f"(the limit is {limits.max_int_digits})",
                hint="write the value with a unit and a sensible size, e.g. `\"volume\": \"50 uL\"`",
            )

    if type(value) is not dict and type(value) is not list:
        if type(value) is int:
            check_int(value)
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limits.max_depth:
            raise _too_deep(source, limits)
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is int:
                check_int(child)


def _json_duplicate(text: str, key: str, source: str) -> UnusableInputError:
    """Name the lines of a duplicate JSON key: the YAML composer (JSON is YAML) knows positions."""
    try:
        parse_yaml(text, source=source)
    except UnusableInputError as exc:
        if "duplicate key" in exc.message:
            return exc
    pattern = re.escape(json.dumps(key)) + r"\s*:"
    lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(pattern, text)]
    where = f" (the key appears at lines {', '.join(map(str, lines[:6]))})" if lines else ""
    return UnusableInputError(
        f"{source}: duplicate key {key!r} in one object{where}",
        hint=f"keep one {key!r} in that object and delete the other",
    )


# ----------------------------------------------------------------------------------- shared


def _check_length(text: str, source: str, limits: DocumentLimits) -> None:
    if len(text) > limits.max_bytes:
        raise UnusableInputError(
            f"{source}: {len(text) / 1e6:.1f} MB of text, over the {limits.max_bytes / 1e6:.0f} MB limit",
            hint="split the document",
        )


def _too_deep(source: str, limits: DocumentLimits) -> UnusableInputError:
    return UnusableInputError(
        f"{source}: nested more than {limits.max_depth} levels deep",
        hint="a protocol needs only a few levels of nesting; flatten the structure",
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
