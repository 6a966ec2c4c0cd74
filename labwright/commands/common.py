"""Helpers shared by the command modules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def fail(message: str, hint: str, as_json: bool, code: int = EXIT_UNUSABLE) -> NoReturn:
    """Report a user mistake (message + hint, no traceback) and exit, 2 by default."""
    from rich.console import Console

    if as_json:
        typer.echo(json.dumps({"error": message, "hint": hint}))
    else:
        err = Console(stderr=True)
        err.print(f"[bold red]error:[/] {message}")
        if hint:
            err.print(f"[yellow]hint:[/] {hint}")
    raise typer.Exit(code)


def fail_invalid(exc: Any, as_json: bool, hint: str = "see --help") -> NoReturn:
    """Report the first error of a pydantic ``ValidationError`` as a user mistake (exit 2)."""
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or "input"
    fail(f"invalid option {where}: {first.get('msg')}", hint, as_json)


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
