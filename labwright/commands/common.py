"""Helpers shared by the command modules: exit codes, error reports, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Any, NoReturn

import typer


class ExitCode(IntEnum):
    """The exit codes of every `labwright` command (DESIGN.md, "Ways in")."""

    OK = 0  #: certified, written, the run or campaign succeeded
    FAILED = 1  #: findings (errors), refused, or a run / training / campaign that failed
    FINDINGS = 1  #: alias of FAILED: the verifier found errors
    UNUSABLE = 2  #: unusable input (file, option, policy) or an unreachable backend
    INTERRUPTED = 130  #: stopped with Ctrl-C (128 + SIGINT)


LOG_WIDTH = 4000  # line width when the output is not a terminal: nothing is hard-wrapped


def console(*, stderr: bool = False) -> Any:
    """A rich console for command output.

    On a terminal it wraps to the terminal's width. Anything else (a pipe, a file, CI logs, a test
    runner) gets lines as long as their content: a path or a message is never broken across lines,
    whatever the checkout path, the terminal width or the locale.
    """
    from rich.console import Console

    if Console(stderr=stderr).is_terminal:
        return Console(stderr=stderr, highlight=False)
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=LOG_WIDTH)


def report_error(
    message: str,
    hint: str | None,
    as_json: bool,
    *,
    label: str = "error",
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Tell the user what went wrong and how to fix it, without a traceback.

    On stderr: ``<label> <message>`` and ``→ hint: <hint>``, never hard-wrapped (a long path or
    message stays on one line for grep and for tests). With ``--json`` also one JSON object on
    stdout: ``{"ok": false, "error": message, "hint": hint, **extra}``.
    """
    from rich.markup import escape

    if as_json:
        payload = {"ok": False, "error": message, "hint": hint, **(extra or {})}
        sys.stdout.write(json.dumps(payload) + "\n")
    err = console(stderr=True)
    err.print(f"[bold red]{escape(label)}[/bold red] {escape(message)}")
    if hint:
        err.print(f"[cyan]→ hint: {escape(hint)}[/cyan]")


def fail(
    message: str,
    hint: str | None,
    as_json: bool,
    code: ExitCode = ExitCode.UNUSABLE,
    *,
    label: str = "error",
    extra: Mapping[str, Any] | None = None,
) -> NoReturn:
    """:func:`report_error`, then exit with ``code`` (unusable input by default)."""
    report_error(message, hint, as_json, label=label, extra=extra)
    raise typer.Exit(code)


def fail_with(exc: Any, as_json: bool, code: ExitCode = ExitCode.UNUSABLE, **kwargs: Any) -> NoReturn:
    """:func:`fail` with a ``LabwrightError``'s message and hint."""
    fail(exc.message, exc.hint, as_json, code, **kwargs)


def fail_invalid(exc: Any, as_json: bool, hint: str = "see --help") -> NoReturn:
    """Report the first error of a pydantic ``ValidationError`` as a user mistake (exit 2)."""
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or "input"
    fail(f"invalid option {where}: {first.get('msg')}", hint, as_json)


def check_output_file(source: Path, output: Path, force: bool) -> None:
    """Refuse (``UnusableInputError``) to write ``output`` over the input file, over an existing
    file without ``--force``, as a directory, or into a folder that does not exist."""
    from labwright.protocols.errors import UnusableInputError

    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise UnusableInputError(f"{output} is the input file", hint="choose another output path")
    if output.exists() and not force:
        raise UnusableInputError(f"{output} already exists", hint="pass --force to overwrite it")
    if output.exists() and output.is_dir():
        raise UnusableInputError(f"{output} is a directory", hint="give a file name, e.g. my_protocol.py")
    if not output.parent.exists():
        raise UnusableInputError(f"folder {output.parent} does not exist", hint="create it first")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename: a
    reader sees the old file or the whole new one, never a part (nor a part after a crash)."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def refuse_overwrite(output: Path, overwrite: bool, as_json: bool) -> None:
    """Exit 2 before any work when ``output`` exists and ``--overwrite`` was not given."""
    if output.exists() and not overwrite:
        fail(f"{output} already exists", "choose another -o path or pass --overwrite", as_json)


@contextmanager
def progress_bars() -> Iterator[Any]:
    """Rich progress bars on stderr (shown only on a terminal): description, bar, done/total,
    elapsed and remaining time. Yields the ``rich.progress.Progress``."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as progress:
        yield progress
