"""`labwright chat` starts campaigns, as a script and a person use it (real processes; slow).

* ``--message ... --approve auto --json``: one JSON object with the usual keys and ``campaign``
  (run id, experiments, best, target reached at); ``--approve never`` starts nothing; an unknown
  campaign file is refused (exit 1);
* SIGKILL while the campaign runs inside the dispatch node, and at ``after:dispatch`` (the
  campaign done, the node's checkpoint not written): ``labwright chat --resume`` continues the
  same campaign (its run id is the key) and no experiment is measured twice;
* the interactive chat shows the campaign, asks, and starts it in the background with its run id.
"""

from __future__ import annotations

import getpass
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from chat_cli import LABWRIGHT, chat_args, chat_env, only_json, popen_chat, run_chat
from chat_support import dispatches
from labwright.agents.campaign import campaign_status
from labwright.agents.campaign.store import CampaignStore
from labwright.hardware.ledger import Ledger
from test_chat_terminal import Terminal

pytestmark = pytest.mark.slow

BUDGET = 4
REQUEST = (
    f"Run the colour matching campaign examples/campaigns/colour_match.yaml with a budget of {BUDGET} "
    "experiments and seed 3"
)


def _assert_campaign(store: Path, run_id: str, approved_by: str) -> None:
    """The campaign's store: BUDGET experiments, each measured once, each with its certificate."""
    result = campaign_status(run_id, store=store)
    assert [e.index for e in result.experiments] == list(range(1, BUDGET + 1))
    assert all(e.status == "measured" and e.certificate is not None for e in result.experiments)
    succeeded = [r for r in dispatches(store) if r.state.value == "succeeded"]
    per_experiment = Counter(r.idempotency_key.rsplit(":a", 1)[0] for r in succeeded)
    assert len(per_experiment) == BUDGET and set(per_experiment.values()) == {1}, per_experiment
    with Ledger(store) as ledger:
        cstore = CampaignStore(ledger)
        assert [c.run_id for c in cstore.list()] == [run_id]  # one campaign, never a second
        assert cstore.get(run_id).approved_by == approved_by


def test_json_reports_the_campaign_it_started(tmp_path: Path) -> None:
    store = tmp_path / "chat.sqlite"
    done = run_chat(store, None, "--message", REQUEST, "--approve", "auto", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    out = only_json(done.stdout)
    for key in (
        "understood",
        "plan",
        "protocol",
        "findings",
        "repair_rounds",
        "certificate",
        "run_id",
        "results",
    ):
        assert key in out
    assert out["dispatched"] is True and out["refused"] is None and out["certificate"] is not None
    c = out["campaign"]
    assert c["run_id"] == f"{out['run_id']}.campaign" and c["experiments"] == BUDGET
    assert c["best"]["objectives"]["delta_e"] > 0 and "target_reached_at" in c
    assert c["summary"]["budget"] == BUDGET and c["summary"]["backend"] == "twin"
    _assert_campaign(store, c["run_id"], "auto")


def test_approve_never_and_an_unknown_file_start_nothing(tmp_path: Path) -> None:
    store = tmp_path / "chat.sqlite"
    never = run_chat(store, None, "--message", REQUEST, "--approve", "never", "--json")
    assert never.returncode == 0, never.stderr[-3000:]
    out = only_json(never.stdout)
    assert out["dispatched"] is False and out["certificate"] is not None and "run_id" not in out["campaign"]
    unknown = run_chat(
        store, None, "--message", "Run the campaign no/such/file.yaml", "--approve", "auto", "--json"
    )
    assert unknown.returncode == 1
    out = only_json(unknown.stdout)
    assert "no campaign file no/such/file.yaml" in out["refused"] and out["dispatched"] is False
    assert dispatches(store) == []


def _kill_when(proc: subprocess.Popen[str], marker: str, timeout_s: float = 300.0) -> str:
    """SIGKILL the process once a stderr line contains ``marker``; return what it printed."""
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
        if marker in line:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return "".join(seen)
    proc.kill()
    raise AssertionError(f"never saw {marker!r}:\n{''.join(seen)[-3000:]}")


@pytest.mark.parametrize(
    ("hold", "marker"),
    [
        (None, "experiment 2 of at most"),  # inside the dispatch node, while the campaign runs
        ("after:dispatch", "HOLD after:dispatch"),  # the campaign done, its checkpoint not written
    ],
)
def test_killed_while_starting_the_campaign_a_resumed_chat_continues_it_once(
    tmp_path: Path, hold: str | None, marker: str
) -> None:
    store = tmp_path / "chat.sqlite"
    env = chat_env(LABWRIGHT_CHAT_HOLD_AT=hold) if hold else chat_env()
    proc = popen_chat(store, None, "--message", REQUEST, "--approve", "auto", "--json", env=env)
    printed = _kill_when(proc, marker)
    chat_run = next(x for x in printed.splitlines() if x.startswith("chat run ")).split()[2]
    done = run_chat(store, None, "--resume", chat_run, "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    out = only_json(done.stdout)
    c = out["campaign"]
    assert out["dispatched"] is True and c["run_id"] == f"{chat_run}.campaign"
    assert c["started"] is False  # found under its key, continued, not started again
    assert c["experiments"] == BUDGET and c["state"] == "finished"
    _assert_campaign(store, c["run_id"], "auto")


def test_the_interactive_chat_asks_and_starts_the_campaign_in_the_background(tmp_path: Path) -> None:
    store = tmp_path / "chat.sqlite"
    term = Terminal(chat_args(store, None), chat_env())
    term.expect(r"describe an experiment")
    term.type(REQUEST)
    screen = term.expect(r"Start the campaign \(4 experiments, first protocol [0-9a-f]{12}\) on the twin")
    for seen in (
        "the campaign",
        "water + yellow + red + blue = 1",
        "delta_e: minimise",
        "CERTIFIED",
        "legend",
    ):
        assert seen in screen, seen
    term.type("y")
    screen = term.expect(r"runs in the background: `labwright campaign show \S+\.campaign`")
    term.expect(r"> ")
    term.type("quit")
    assert term.close() == 0
    found = re.search(r"`labwright campaign show (\S+\.campaign)`", screen)
    assert found is not None
    run_id = found.group(1)
    deadline = time.monotonic() + 240
    while campaign_status(run_id, store=store).state != "finished":
        assert time.monotonic() < deadline, campaign_status(run_id, store=store).model_dump_json()[-2000:]
        time.sleep(1.0)
    _assert_campaign(store, run_id, getpass.getuser())
    shown = subprocess.run(
        [*LABWRIGHT, "campaign", "show", run_id, "--json", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert json.loads(shown.stdout)["run_id"] == run_id
