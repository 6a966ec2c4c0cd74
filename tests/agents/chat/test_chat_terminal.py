"""The interactive chat in a pseudo-terminal: progress, protocol, findings, deck map, and a person's
answer (approval, refusal, resume), as a user at a terminal sees them."""

from __future__ import annotations

import os
import re
import select
import subprocess
import time
from pathlib import Path

import pytest
from chat_cli import chat_args, chat_env
from chat_drafts import FAULTY, good
from chat_fake_openai import FakeOpenAI
from chat_llm_fakes import Brain, submit, understanding
from chat_support import dispatches, settings
from labwright.agents.chat.durability import ChatStore
from labwright.agents.chat.runner import ChatRunner

pytest.importorskip("langchain_openai", reason="the openai extra is not installed")

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")
REQUEST = "Make a 1:2 serial dilution of fluorescein in PBS down column 1, then read fluorescence."


class Terminal:
    """A process on a pseudo-terminal: read its screen as text, type into it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        env = {**env, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "60"}
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.text = ""

    def expect(self, pattern: str, timeout_s: float = 300.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if re.search(pattern, self.text):
                return self.text
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the process closed the terminal
                    chunk = b""
                if not chunk:
                    break
                self.text += ANSI.sub("", chunk.decode("utf-8", errors="replace"))
        raise AssertionError(f"never saw {pattern!r}; the screen:\n{self.text[-4000:]}")

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=120)
        finally:
            os.close(self.master)


def test_a_person_approves_at_the_prompt_and_the_protocol_is_dispatched(tmp_path: Path):
    store = tmp_path / "chat.sqlite"
    brain = Brain(
        understand=[
            understanding(
                "a 1:2 fluorescein dilution series",
                "a calibration curve",
                ["fill column 1", "dilute", "read"],
            )
        ],
        draft=[submit(FAULTY["location"])],
        repair=[submit(good(), ["aspirate 1 mm above the bottom"])],
    )
    with FakeOpenAI(brain) as server:
        term = Terminal(chat_args(store, server.url), chat_env())
        term.expect(r"describe an experiment")
        term.type(REQUEST)
        screen = term.expect(r"Dispatch protocol [0-9a-f]{12} to the twin backend\? \[y/N\]")
        term.type("y")
        screen = term.expect(r"Dispatched as run chat-\S+")
        term.expect(r"> ")
        term.type("quit")
        code = term.close()
    assert code == 0
    # progress while the work ran, the understanding, the repair, the protocol, the verdict, the deck
    for seen in (
        "✓ understand",
        "✓ verify",
        "a 1:2 fluorescein dilution series",
        "purpose",
        "repair round 1",
        "planner: aspirate 1 mm above the bottom",
        "removed /steps/0/aspirate_offset_mm",
        "Fluorescein serial dilution",
        "CERTIFIED",
        "deck",
        "legend",
        "fluorescein",
        "corning_96_wellplate_360ul_flat",
    ):
        assert seen in screen, seen
    assert re.search(r"succeeded", term.text)
    [record] = dispatches(store)
    assert record.state.value == "succeeded"


def test_a_refused_request_shows_why_and_asks_nothing(tmp_path: Path):
    store = tmp_path / "chat.sqlite"
    brain = Brain(
        understand=[understanding("bleach onto acid-stopped wells")], draft=[submit(FAULTY["safety"])]
    )
    with FakeOpenAI(brain) as server:
        term = Terminal(chat_args(store, server.url), chat_env())
        term.expect(r"describe an experiment")
        term.type("Add bleach to the wells stopped with 1 M HCl")
        screen = term.expect(r"not dispatched .*SAFETY_INCOMPATIBLE")
        term.expect(r"> ")
        term.type("quit")
        code = term.close()
    assert code == 0
    assert "REJECTED" in screen and "chlorine" in screen
    assert "Dispatch protocol" not in screen
    assert dispatches(store) == []


def test_resume_in_a_terminal_shows_the_protocol_and_asks_again(tmp_path: Path):
    store = tmp_path / "chat.sqlite"
    brain = Brain(understand=[understanding("a dilution")], draft=[submit(good())])
    with FakeOpenAI(brain) as server:
        chat_store = ChatStore(store)
        waiting = ChatRunner(chat_store).start(REQUEST, settings(approve="ask", base_url=server.url))
        chat_store.close()
    assert waiting.awaiting_approval
    term = Terminal(chat_args(store, None, "--resume", waiting.run_id), chat_env())
    screen = term.expect(r"Dispatch protocol [0-9a-f]{12} to the twin backend\? \[y/N\]")
    assert waiting.protocol_sha256[:12] in screen and "CERTIFIED" in screen and "legend" in screen
    term.type("n")
    term.expect(r"Nothing was dispatched: not approved")
    assert term.close() == 1
    assert dispatches(store) == []
