"""What keeps one tool call from hurting the server: size limits, private files, a time budget,
and errors that say what went wrong and how to fix it (never a traceback).

A tool's work runs in a worker thread (``run_within``) under ``anyio.fail_after``: when the
budget runs out the caller gets a clear error at once and the server goes on serving. A Python
thread cannot be killed from outside, so the budget also has to hold *inside*: an Opentrons
protocol runs in the analyzer's sandboxed child, whose wall-time limit (``ServerConfig.
analysis_wall_s``) ends it before the call's budget does; documents are refused above
``max_document_bytes`` before they are parsed; the computational tools stop cooperatively at
their own ``time_budget_s``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

log = logging.getLogger(__name__)

T = TypeVar("T")


class ToolFailure(Exception):
    """A tool call that cannot give a result: ``kind`` (unusable input, refused, time budget,
    invalid arguments, internal error), a message and a hint."""

    def __init__(self, kind: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint

    def text(self) -> str:
        said = self.message if self.message.startswith(f"{self.kind}:") else f"{self.kind}: {self.message}"
        return said + (f"\nhint: {self.hint}" if self.hint else "")


def failure_from(exc: BaseException, tool: str, budget_s: float) -> ToolFailure:
    """The ``ToolFailure`` a tool call's exception is reported as."""
    from pydantic import ValidationError

    from labwright.protocols.errors import (
        ConfigurationError,
        DispatchRefusedError,
        LabwrightError,
        UnusableInputError,
    )

    if isinstance(exc, ToolFailure):
        return exc
    if isinstance(exc, TimeoutError):
        return ToolFailure(
            "time budget",
            f"{tool} did not answer within its time budget of {budget_s:g} s; nothing was certified "
            "or dispatched by this call",
            "make the request smaller, or start the server with a larger --time-budget",
        )
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "arguments"
        return ToolFailure(
            "invalid arguments", f"{where}: {first.get('msg')}", f"see the input schema of {tool}"
        )
    if isinstance(exc, ImportError):
        return ToolFailure(
            "unavailable",
            f"{tool} needs a package that is not installed ({exc})",
            "install labwright with its extras: pip install -c constraints.txt -e '.[all]'",
        )
    if isinstance(exc, LabwrightError):
        kind = (
            "refused"
            if isinstance(exc, DispatchRefusedError)
            else "configuration"
            if isinstance(exc, ConfigurationError)
            else "unusable input"
            if isinstance(exc, UnusableInputError)
            else "error"
        )
        return ToolFailure(kind, exc.message, exc.hint)
    log.exception("tool %s failed", tool)
    return ToolFailure(
        "internal error",
        f"{tool} failed ({type(exc).__name__}: {exc})",
        "this is a labwright bug: please report it with the input; the server goes on serving",
    )


async def run_within(fn: Callable[[], T], budget_s: float, limiter: anyio.CapacityLimiter) -> T:
    """``fn()`` in a worker thread; ``TimeoutError`` after ``budget_s`` (the thread is left to
    finish on its own: see the module docstring for why it does)."""
    with anyio.fail_after(budget_s):
        return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True, limiter=limiter)


# -------------------------------------------------------------------------- private files

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str | None, default: str = "protocol") -> str:
    """A file name made of letters, digits, '.', '_' and '-' only (at most 64 characters)."""
    stem = _UNSAFE.sub("_", Path(name or "").name).strip("._")[:64]
    return stem or default


@contextmanager
def private_folder() -> Iterator[Path]:
    """A fresh folder only this user can read (mode 0700), deleted afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="labwright-mcp-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to a new file only this user can read (never follows or reuses a file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as handle:
        handle.write(text)
    return path


def check_size(what: str, size: int, limit: int) -> None:
    """Refuse an input over the server's size limit before anything parses it."""
    if size > limit:
        raise ToolFailure(
            "unusable input",
            f"the {what} is {size:,} bytes, over this server's limit of {limit:,} bytes",
            "send a smaller document (split the protocol), or start the server with a larger "
            "--max-document-kb",
        )


def scrub(value: Any, folder: Path, shown: str = "") -> Any:
    """``value`` with the private folder's path replaced by ``shown`` in every string: a message
    names the file the client sent, not where the server kept it."""
    prefix = str(folder) + os.sep
    if isinstance(value, str):
        return value.replace(prefix, shown).replace(str(folder), shown.rstrip("/") or ".")
    if isinstance(value, dict):
        return {k: scrub(v, folder, shown) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, folder, shown) for v in value]
    return value


@contextmanager
def scrubbed_errors(folder: Path) -> Iterator[None]:
    """Re-raise a ``LabwrightError`` or ``ToolFailure`` raised inside with the private folder
    scrubbed from its message and hint."""
    from labwright.protocols.errors import LabwrightError

    try:
        yield
    except (LabwrightError, ToolFailure) as exc:
        exc.message = scrub(exc.message, folder)
        exc.hint = scrub(exc.hint, folder)
        raise
