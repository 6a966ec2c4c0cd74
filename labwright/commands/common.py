"""Helpers shared by the command modules."""

from __future__ import annotations

import json
from typing import NoReturn

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
