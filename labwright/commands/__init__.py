"""CLI sub-commands: each module exposes a typer app named ``app``."""
