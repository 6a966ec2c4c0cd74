"""Helpers shared by the chat tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labwright.agents.chat.providers import ModelSpec
from labwright.agents.chat.state import ChatSettings
from labwright.hardware.ledger import Ledger

SPEC = ModelSpec(provider="openai", model="scripted")


def settings(**kwargs: Any) -> ChatSettings:
    return ChatSettings(model="openai:scripted", **kwargs)


def dispatches(store_path: Path) -> list[Any]:
    """Every dispatch the ledger holds (the ledger lives in the chat store)."""
    if not store_path.exists():
        return []
    with Ledger(store_path) as ledger:
        return ledger.list()


def recorded_events(store_path: Path, run_id: str) -> list[str]:
    with Ledger(store_path) as ledger:
        return [e.kind for e in ledger.events(run_id)]
