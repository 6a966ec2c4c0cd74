"""The `labwright` command line.

Sub-command groups live in ``labwright.commands.<name>`` and expose a ``typer.Typer`` named
``app``; they are registered here. Command modules must import heavy libraries (torch, rdkit,
opentrons, ase) inside their functions, never at module level: start-up stays fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="labwright",
    help="Verify, safety-check and dispatch liquid-handling protocols; run closed-loop campaigns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module name under labwright.commands, command/group name, help)
_GROUPS: list[tuple[str, str]] = [
    ("validate", ""),
    ("simulate", ""),
    ("demo", ""),
    ("export", ""),
    ("importing", ""),
    ("run", ""),
    ("runs", "runs"),
    ("campaign", "campaign"),
    ("mlip", "mlip"),
    ("structure", "structure"),
    ("design", "design"),
    ("safety", "safety"),
    ("chat", ""),
    ("mcp", ""),
]


def _register() -> None:
    for module_name, group in _GROUPS:
        try:
            module = importlib.import_module(f"labwright.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"labwright.commands.{module_name}":
                continue  # command not built yet
            raise
        if group:
            app.add_typer(module.app, name=group)
        else:
            app.registered_commands.extend(module.app.registered_commands)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
