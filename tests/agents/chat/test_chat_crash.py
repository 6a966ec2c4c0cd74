"""Durability: SIGKILL a real `labwright chat` at each node boundary, resume, count dispatches.

The process is held at a boundary by ``$LABWRIGHT_CHAT_HOLD_AT`` (``before:NODE``: the previous
node's checkpoint is on disk; ``after:NODE``: the node's work is done and its checkpoint is not
yet written) and killed there with SIGKILL. Then ``labwright chat --resume RUN_ID`` runs in a
new process. Afterwards:

* the run ends dispatched, exactly once: one dispatch in the ledger, one ``recorded`` event, under
  the idempotency key ``<run id>:<protocol sha256>``, and the twin run succeeded;
* an approval given before the kill is not lost: the resumed run dispatches without asking
  again, and the ledger names the person who approved.

Also: a second process resuming a run that another process holds is refused with a clear
message, and a run is resumed only by the graph version that started it.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from chat_cli import chat_env, only_json, popen_chat, run_chat
from chat_drafts import good
from chat_fake_openai import FakeOpenAI
from chat_llm_fakes import Brain, submit, understanding
from chat_support import dispatches, recorded_events, settings
from labwright.agents.chat.durability import ChatStore, GraphVersionError
from labwright.agents.chat.nodes import idempotency_key
from labwright.agents.chat.runner import ChatRunner

pytest.importorskip("langchain_openai", reason="the openai extra is not installed")

REQUEST = "Make a 1:2 serial dilution of fluorescein in PBS down column 1, then read fluorescence."
#: boundaries crossed before the approval (the killed process started the run)
BEFORE_APPROVAL = [
    "before:understand",
    "before:plan",
    "before:compile",
    "before:verify",
    "after:verify",
    "before:approve",
]
#: boundaries crossed after a person approved (the killed process carried the approval)
AFTER_APPROVAL = [
    "before:approve",
    "after:approve",
    "before:dispatch",
    "after:dispatch",
    "before:observe",
    "after:observe",
    "before:respond",
]


@pytest.fixture(scope="module")
def server():
    brain = Brain(understand=[understanding("a 1:2 fluorescein dilution series")], draft=[submit(good())])
    with FakeOpenAI(brain) as running:
        yield running


def _hold_and_kill(proc: subprocess.Popen[str], point: str, timeout_s: float = 300.0) -> str:
    """Wait for the process to say it holds at ``point``, SIGKILL it; return what it printed.

    A thread reads stderr line by line (select on a buffered pipe would miss lines already in
    the buffer)."""
    assert proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if line.strip() == f"HOLD {point}":
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            return "".join(seen)
    proc.kill()
    raise AssertionError(f"the process never held at {point}:\n{''.join(seen)[-3000:]}")


def _run_id(stderr: str) -> str:
    line = next(x for x in stderr.splitlines() if x.startswith("chat run "))
    return line.split()[2]


def _assert_dispatched_once(store: Path, run_id: str, out: dict, by: str) -> None:
    assert out["dispatched"] is True and out["refused"] is None, out
    assert out["results"]["state"] == "succeeded"
    assert out["approval"]["approved"] is True and out["approval"]["by"] == by
    [record] = dispatches(store)
    assert record.run_id == run_id
    assert record.idempotency_key == idempotency_key(run_id, out["protocol_sha256"])
    assert record.state.value == "succeeded" and record.completed_steps == record.total_steps
    assert recorded_events(store, run_id).count("recorded") == 1


def _sweep(points: list[str], default: set[str]) -> list:
    """Every node boundary; the default run kills at the ones in ``default`` (a real process
    takes 15-20 s here), the whole sweep runs with ``-m slow``."""
    return [p if p in default else pytest.param(p, marks=pytest.mark.slow) for p in points]


@pytest.mark.parametrize("point", _sweep(BEFORE_APPROVAL, {"before:verify"}))
def test_killed_before_the_approval_the_run_resumes_and_dispatches_once(point, server, tmp_path):
    store = tmp_path / "chat.sqlite"
    proc = popen_chat(
        store,
        server.url,
        "--message",
        REQUEST,
        "--approve",
        "ask",
        "--json",
        env=chat_env(LABWRIGHT_CHAT_HOLD_AT=point),
    )
    run_id = _run_id(_hold_and_kill(proc, point))
    assert dispatches(store) == []
    done = run_chat(store, None, "--resume", run_id, "--approved-by", "Alice", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_dispatched_once(store, run_id, only_json(done.stdout), "Alice")


@pytest.mark.parametrize("point", _sweep(AFTER_APPROVAL, {"after:dispatch"}))
def test_killed_after_the_approval_the_approval_is_kept_and_nothing_is_dispatched_twice(
    point, server, tmp_path
):
    store = tmp_path / "chat.sqlite"
    chat_store = ChatStore(store)
    waiting = ChatRunner(chat_store).start(REQUEST, settings(approve="ask", base_url=server.url))
    chat_store.close()
    assert waiting.awaiting_approval
    proc = popen_chat(
        store,
        None,
        "--resume",
        waiting.run_id,
        "--approved-by",
        "Alice",
        "--json",
        env=chat_env(LABWRIGHT_CHAT_HOLD_AT=point),
    )
    _hold_and_kill(proc, point)
    done = run_chat(store, None, "--resume", waiting.run_id, "--json")  # no approval given this time
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_dispatched_once(store, waiting.run_id, only_json(done.stdout), "Alice")


def test_a_second_process_resuming_a_held_run_is_refused(server, tmp_path):
    store = tmp_path / "chat.sqlite"
    chat_store = ChatStore(store)
    waiting = ChatRunner(chat_store).start(REQUEST, settings(approve="ask", base_url=server.url))
    chat_store.close()
    holder = popen_chat(
        store,
        None,
        "--resume",
        waiting.run_id,
        "--approved-by",
        "Alice",
        env=chat_env(LABWRIGHT_CHAT_HOLD_AT="before:dispatch"),
    )
    try:
        assert holder.stderr is not None
        while (line := holder.stderr.readline()) and line.strip() != "HOLD before:dispatch":
            pass
        second = run_chat(store, None, "--resume", waiting.run_id, "--approved-by", "Bob", "--json")
        assert second.returncode == 2
        out = only_json(second.stdout)
        assert out["error"].startswith(f"chat run {waiting.run_id} is open in another labwright process")
        assert f"pid:start {os.uname().nodename}:{holder.pid}:" in out["error"]
        assert dispatches(store) == []
    finally:
        holder.kill()
        holder.wait(timeout=30)
    done = run_chat(store, None, "--resume", waiting.run_id, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    _assert_dispatched_once(store, waiting.run_id, only_json(done.stdout), "Alice")


def test_a_run_is_resumed_only_by_the_graph_version_that_started_it(server, tmp_path):
    store = tmp_path / "chat.sqlite"
    chat_store = ChatStore(store)
    waiting = ChatRunner(chat_store).start(REQUEST, settings(approve="ask", base_url=server.url))
    with sqlite3.connect(store) as db:
        stored = db.execute(
            "SELECT graph_version FROM chat_runs WHERE run_id=?", (waiting.run_id,)
        ).fetchone()[0]
        assert stored == waiting.graph_version
        db.execute(
            "UPDATE chat_runs SET graph_version='chat-graph/0-000000000000' WHERE run_id=?", (waiting.run_id,)
        )
    with pytest.raises(GraphVersionError, match="was started by chat graph chat-graph/0-000000000000"):
        ChatRunner(chat_store).resume(waiting.run_id, decision={"approved": True, "by": "Alice"})
    chat_store.close()
    assert dispatches(store) == []
