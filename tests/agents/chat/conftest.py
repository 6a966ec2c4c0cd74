"""Fixtures for the chat tests: runners whose planner is a scripted chat model, over one store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chat_llm_fakes import Brain, ScriptedChatModel
from chat_support import SPEC
from labwright.agents.chat.durability import ChatStore
from labwright.agents.chat.llm_planner import LlmPlanner
from labwright.agents.chat.runner import ChatRunner


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "chat.sqlite"


@pytest.fixture
def make_runner(store_path: Path) -> Iterator[Callable[..., ChatRunner]]:
    """``make_runner(brain, **runner_options)``: a runner whose planner is ``ScriptedChatModel(brain)``."""
    stores: list[ChatStore] = []

    def make(brain: Brain, **kwargs: Any) -> ChatRunner:
        store = ChatStore(store_path)
        stores.append(store)
        return ChatRunner(
            store, planner_factory=lambda settings: LlmPlanner(ScriptedChatModel(brain=brain), SPEC), **kwargs
        )

    yield make
    for store in stores:
        store.close()
