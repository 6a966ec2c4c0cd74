"""Options given with `labwright chat --resume`: each one applies or is refused, never ignored.

The approval mode, the backend and the robot may change a run whose approval is not decided
yet (stored in the run table first, then given to the graph); once the approval is decided, or
the run has ended, a change is refused with exit 2. The request, the planner, the repair rounds,
the policy and the strictness are the run's own: giving one with --resume is refused.
"""

from __future__ import annotations

import json

import pytest
from chat_drafts import good
from chat_llm_fakes import Brain, submit, understanding
from chat_support import dispatches, settings
from labwright.agents.chat.durability import ChatStore, ResumeOptionError
from labwright.hardware.registry import make_backend
from labwright.protocols.errors import LabwrightError
from typer.testing import CliRunner

REQUEST = "Make a 1:2 serial dilution of fluorescein in PBS down column 1, then read fluorescence."


def _brain() -> Brain:
    return Brain(understand=[understanding("a 1:2 fluorescein dilution series")], draft=[submit(good())])


def _waiting(make_runner) -> str:
    waiting = make_runner(_brain()).start(REQUEST, settings(approve="ask"))
    assert waiting.awaiting_approval and not waiting.dispatched
    return waiting.run_id


def _stored(store_path, run_id):
    store = ChatStore(store_path)
    try:
        return store.get_run(run_id).settings
    finally:
        store.close()


def test_approve_never_at_resume_turns_a_waiting_run_into_a_dry_run(make_runner, store_path):
    run_id = _waiting(make_runner)
    done = make_runner(_brain()).resume(run_id, changes={"approve": "never"})
    assert not done.awaiting_approval and done.finished and not done.dispatched
    assert done.approval["mode"] == "never" and done.approval["approved"] is False
    assert _stored(store_path, run_id).approve == "never"
    assert dispatches(store_path) == []


def test_approve_auto_at_resume_dispatches_a_certified_protocol_nothing_flags(make_runner, store_path):
    run_id = _waiting(make_runner)
    done = make_runner(_brain()).resume(run_id, changes={"approve": "auto"})
    assert done.dispatched and done.results["state"] == "succeeded"
    assert done.approval == {**done.approval, "approved": True, "by": "auto", "mode": "auto"}
    [record] = dispatches(store_path)
    assert record.run_id == run_id


def test_a_new_backend_at_resume_is_the_one_the_dispatch_uses(make_runner, store_path):
    run_id = _waiting(make_runner)
    used = []

    def backend(s):  # records what the dispatch node asked for, then runs on the twin
        used.append((s.backend, s.robot))
        return make_backend("twin")

    done = make_runner(_brain(), make_backend=backend).resume(
        run_id,
        decision={"approved": True, "by": "Alice"},
        changes={"backend": "opentrons-http", "robot": "10.0.0.7"},
    )
    assert done.dispatched and done.approval["by"] == "Alice"
    assert used == [("opentrons-http", "10.0.0.7")]
    assert (_stored(store_path, run_id).backend, _stored(store_path, run_id).robot) == (
        "opentrons-http",
        "10.0.0.7",
    )


def test_a_change_stored_before_a_kill_is_applied_by_the_next_resume(make_runner, store_path):
    """``set_settings`` runs before the graph sees the change; a process killed in between leaves
    the change in the run table only, and a resume without options applies it."""
    run_id = _waiting(make_runner)
    store = ChatStore(store_path)
    store.set_settings(run_id, settings(approve="never"))
    store.close()
    done = make_runner(_brain()).resume(run_id)
    assert done.finished and not done.dispatched and done.approval["mode"] == "never"
    assert dispatches(store_path) == []


def test_after_the_approval_is_decided_a_change_is_refused_and_nothing_changes(make_runner, store_path):
    def broken(_settings):
        raise RuntimeError("backend down")

    with pytest.raises(RuntimeError, match="backend down"):  # stops at dispatch, approval decided
        make_runner(_brain(), make_backend=broken).start(REQUEST, settings(approve="auto"))
    store = ChatStore(store_path)
    [run_id] = [r[0] for r in store._db.execute("SELECT run_id FROM chat_runs")]
    store.close()
    with pytest.raises(
        ResumeOptionError,
        match=r"--backend opentrons-sim cannot apply .*approval was already decided \(approved by auto",
    ):
        make_runner(_brain()).resume(run_id, changes={"backend": "opentrons-sim"})
    assert _stored(store_path, run_id).backend == "twin"
    done = make_runner(_brain()).resume(run_id)  # the lock was released; the run continues as it was
    assert done.dispatched and len(dispatches(store_path)) == 1


def test_a_change_to_an_ended_run_is_refused(make_runner, store_path):
    ended = make_runner(_brain()).start(REQUEST, settings(approve="never"))
    assert ended.finished
    with pytest.raises(ResumeOptionError, match="the run has ended"):
        make_runner(_brain()).resume(ended.run_id, changes={"approve": "auto"})
    # restating what the run already has is not a change
    again = make_runner(_brain()).resume(ended.run_id, changes={"approve": "never"})
    assert again.finished and not again.dispatched


# ------------------------------------------------------------------------------ the CLI


def _cli(*args: str):
    from labwright.cli import app

    return CliRunner().invoke(app, ["chat", *args])


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--message", "transfer 50 uL of water from A1 to B1"),
        ("--model", "offline"),
        ("--max-rounds", "3"),
        ("--policy", "policy.yaml"),
        ("--strict", None),
    ],
)
def test_cli_options_a_resumed_run_cannot_take_exit_2_naming_them(option, value, make_runner, store_path):
    run_id = _waiting(make_runner)
    given = [option] if value is None else [option, value]
    result = _cli("--store", str(store_path), "--resume", run_id, *given, "--json")
    assert result.exit_code == 2, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["error"].startswith(f"{option} cannot be used with --resume: ")
    assert out["run_id"] == run_id
    assert _stored(store_path, run_id) == settings(approve="ask")  # nothing was applied
    assert dispatches(store_path) == []


def test_cli_approve_never_at_resume_applies(make_runner, store_path):
    run_id = _waiting(make_runner)
    result = _cli("--store", str(store_path), "--resume", run_id, "--approve", "never", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["finished"] and not out["dispatched"] and out["approval"]["mode"] == "never"


def test_cli_a_refused_change_exits_2_with_the_reason(make_runner, store_path):
    ended = make_runner(_brain()).start(REQUEST, settings(approve="never"))
    result = _cli(
        "--store", str(store_path), "--resume", ended.run_id, "--backend", "opentrons-sim", "--json"
    )
    assert result.exit_code == 2, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert (
        out["error"] == f"--backend opentrons-sim cannot apply to chat run {ended.run_id}: the run has ended"
    )
    assert issubclass(ResumeOptionError, LabwrightError)
