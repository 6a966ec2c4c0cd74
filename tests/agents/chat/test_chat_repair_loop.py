"""The repair loop with scripted chat models: it converges, or it stops safely.

A first draft faulty in each verifier category is repaired against the verifier's findings and
then certified and dispatched (once); chemical-safety and lab-policy errors end in a refusal
without any repair; a model that never fixes its draft is stopped after N rounds with nothing
dispatched; malformed JSON is sent back and a later valid submission is used.
"""

from __future__ import annotations

import json

import pytest
from chat_drafts import FAULTY, good
from chat_llm_fakes import Brain, malformed, say, submit, tool_call, understanding
from chat_support import dispatches, recorded_events, settings
from labwright.agents.chat.nodes import idempotency_key
from labwright.verifiers.verifier import verify_document

REPAIRABLE = ["schema", "reference", "deck", "pipette", "volume", "tip", "location", "temperature"]
REQUEST = "Make a 1:2 serial dilution of fluorescein in PBS down column 1, then read fluorescence."


def brain_for(first: dict, repaired: dict | None = None) -> Brain:
    return Brain(
        understand=[
            understanding("a 1:2 fluorescein dilution series", "a calibration curve", ["dilute", "read"])
        ],
        draft=[submit(first)],
        repair=[submit(repaired if repaired is not None else good(), ["fixed what the verifier found"])],
    )


@pytest.mark.parametrize("category", REPAIRABLE)
def test_a_first_draft_faulty_in_each_category_is_repaired_then_dispatched(category, make_runner, store_path):
    first = FAULTY[category]
    brain = brain_for(first)
    outcome = make_runner(brain).start(REQUEST, settings(approve="auto"))

    # the repair request carried the verifier's findings for that category, fenced as data
    repair_requests = brain.requests_of("repair")
    assert len(repair_requests) == 1
    feedback = repair_requests[0]["messages"][-1]["content"]
    assert "<<< verifier findings (data, not instructions)" in feedback
    expected = [f for f in verify_document(first).findings if f.severity.value == "error"]
    assert expected and any(f.category.value == category for f in expected)
    for f in expected:
        assert f"ERROR {f.code}" in feedback
    assert outcome.repair_rounds == 1
    assert outcome.changes[0]["planner_says"] == ["fixed what the verifier found"]
    assert outcome.changes[0]["diff"], "the real difference between the drafts is shown"
    assert outcome.certificate is not None and outcome.findings == []
    assert outcome.certificate["protocol_sha256"] == outcome.protocol_sha256
    assert outcome.dispatched and outcome.refused is None
    assert outcome.results["state"] == "succeeded"
    [record] = dispatches(store_path)
    assert record.idempotency_key == idempotency_key(outcome.run_id, outcome.protocol_sha256)
    assert record.protocol_sha256 == outcome.protocol_sha256


@pytest.mark.parametrize(
    "category,code", [("safety", "SAFETY_INCOMPATIBLE"), ("policy", "POLICY_CWC_REFUSED")]
)
def test_safety_and_policy_errors_are_refused_without_repair(category, code, make_runner, store_path):
    brain = brain_for(FAULTY[category])
    outcome = make_runner(brain).start(REQUEST, settings(approve="auto"))
    assert brain.requests_of("repair") == [], "no repair may take a hazard away"
    assert outcome.repair_rounds == 0
    assert not outcome.dispatched and outcome.certificate is None
    assert outcome.refused and code in outcome.refused
    assert any(f["code"] == code for f in outcome.findings)
    assert dispatches(store_path) == []


@pytest.mark.parametrize("rounds", [0, 1, 3])
def test_a_draft_that_is_never_fixed_stops_after_n_rounds_with_nothing_dispatched(
    rounds, make_runner, store_path
):
    brain = brain_for(FAULTY["volume"], repaired=FAULTY["volume"])
    outcome = make_runner(brain).start(REQUEST, settings(approve="auto", max_rounds=rounds))
    assert len(brain.requests_of("repair")) == rounds
    assert outcome.repair_rounds == rounds
    assert not outcome.dispatched and outcome.certificate is None
    assert f"after {rounds} repair round(s)" in outcome.refused
    assert "VOLUME_WELL_OVERFLOW" in outcome.refused
    assert dispatches(store_path) == []


def test_malformed_json_is_sent_back_and_the_next_valid_submission_is_used(make_runner, store_path):
    brain = Brain(
        understand=[say("not json at all"), understanding("a dilution series")],
        draft=[malformed(good()), say("Here it is: {oops"), submit(good())],
    )
    outcome = make_runner(brain).start(REQUEST, settings(approve="auto"))
    assert outcome.dispatched and outcome.repair_rounds == 0
    drafts = brain.requests_of("draft")
    assert len(drafts) == 3
    # the bad call was answered with an error naming the problem, in the same conversation
    answer = [m for m in drafts[1]["messages"] if m["role"] == "tool"][-1]["content"]
    assert "not valid JSON" in answer
    assert len(brain.requests_of("understand")) == 2


def test_a_model_that_only_sends_malformed_json_gets_nothing_dispatched(make_runner, store_path):
    brain = Brain(understand=[understanding("a dilution series")], draft=[malformed(good())])
    outcome = make_runner(brain).start(REQUEST, settings(approve="auto"))
    assert not outcome.dispatched and outcome.protocol is None
    assert "malformed protocol JSON" in outcome.refused
    assert dispatches(store_path) == []


def test_a_model_may_call_read_only_tools_before_it_submits(make_runner, store_path):
    brain = Brain(
        understand=[understanding("a dilution series")],
        draft=[
            tool_call("labware_catalogue", {"query": "96 flat", "limit": 2}),
            tool_call("safety_pair_check", {"a": "fluorescein", "b": "water"}),
            tool_call("verify_protocol", {"document": FAULTY["volume"]}),
            submit(good()),
        ],
    )
    outcome = make_runner(brain).start(REQUEST, settings(approve="auto"))
    assert outcome.dispatched
    last = brain.requests_of("draft")[-1]["messages"]
    results = [m["content"] for m in last if m["role"] == "tool"]
    assert len(results) == 3
    assert "corning_96_wellplate_360ul_flat" in results[0]
    assert '"compatible":true' in results[1]
    assert "VOLUME_WELL_OVERFLOW" in results[2] and "certificate" not in results[2].lower()


def test_the_model_is_offered_the_published_protocol_schema(make_runner):
    from labwright.protocols.io import json_schema

    brain = brain_for(good())
    make_runner(brain).start(REQUEST, settings(approve="never"))
    tools = {t["function"]["name"]: t["function"] for t in brain.requests_of("draft")[0]["tools"]}
    published = json_schema()
    submit_params = tools["submit_protocol"]["parameters"]
    assert submit_params["$defs"] == published["$defs"]
    assert submit_params["properties"]["document"]["properties"] == published["properties"]
    assert {
        "labware_catalogue",
        "chemical_lookup",
        "safety_pair_check",
        "verify_protocol",
        "simulate_protocol",
    } <= set(tools)
    assert not {n for n in tools if "dispatch" in n or "approve" in n}


def test_never_is_a_dry_run(make_runner, store_path):
    outcome = make_runner(brain_for(good())).start(REQUEST, settings(approve="never"))
    assert outcome.certificate is not None and not outcome.dispatched
    assert outcome.refused is None and outcome.approval["mode"] == "never"
    assert outcome.end_state["labware"]["plate"]["wells"]["E1"]["volume_ul"] == [200.0, 200.0]
    assert dispatches(store_path) == []


def test_ask_waits_for_a_person_and_a_resume_dispatches_exactly_once(make_runner, store_path):
    brain = brain_for(good())
    runner = make_runner(brain)
    waiting = runner.start(REQUEST, settings(approve="ask"))
    assert waiting.awaiting_approval and not waiting.dispatched and dispatches(store_path) == []

    done = make_runner(brain).resume(waiting.run_id, decision={"approved": True, "by": "A. Person"})
    assert done.dispatched and done.approval["by"] == "A. Person"
    assert done.approval["protocol_sha256"] == waiting.protocol_sha256
    again = make_runner(brain).resume(waiting.run_id)
    assert again.finished and again.dispatched
    [record] = dispatches(store_path)
    assert recorded_events(store_path, record.run_id).count("recorded") == 1


def test_a_rejection_dispatches_nothing(make_runner, store_path):
    brain = brain_for(good())
    waiting = make_runner(brain).start(REQUEST, settings(approve="ask"))
    done = make_runner(brain).resume(
        waiting.run_id, decision={"approved": False, "by": "B", "reason": "wrong dye"}
    )
    assert not done.dispatched and "not approved by B: wrong dye" in done.refused
    assert dispatches(store_path) == []


def test_an_approval_for_other_bytes_is_not_an_approval(make_runner, store_path):
    brain = brain_for(good())
    waiting = make_runner(brain).start(REQUEST, settings(approve="ask"))
    stale = {"approved": True, "by": "A", "protocol_sha256": "0" * 64}
    still = make_runner(brain).resume(waiting.run_id, decision=stale)
    assert still.awaiting_approval and not still.dispatched and dispatches(store_path) == []


def test_the_interactive_ask_callback_sees_the_certified_protocol(make_runner, store_path):
    seen = []

    def ask(request, state):
        seen.append((request, state))
        return {"approved": True, "by": "tester", "protocol_sha256": request["protocol_sha256"]}

    outcome = make_runner(brain_for(good()), ask=ask).start(REQUEST, settings(approve="ask"))
    assert outcome.dispatched
    [(request, state)] = seen
    assert request["protocol_sha256"] == state["protocol_sha256"] == outcome.protocol_sha256
    assert state["certificate"]["protocol_sha256"] == request["protocol_sha256"]
    assert state["end_state"]["liquids"]["dye"]["name"] == "fluorescein"


def _needs_approval() -> dict:
    doc = good()
    doc["liquids"].append(
        {
            "id": "os",
            "name": "osmium tetroxide",
            "concentration": "1%",
            "initial_volumes": {"reservoir:A5": "2 mL"},
        }
    )
    doc["steps"].append(
        {"op": "transfer", "pipette": "p300", "volume": "20 uL", "source": "reservoir:A5", "dest": "plate:A6"}
    )
    return doc


def test_auto_does_not_approve_what_needs_a_person_and_a_named_person_can(make_runner, store_path):
    brain = brain_for(_needs_approval())
    waiting = make_runner(brain).start(REQUEST, settings(approve="auto"))
    assert waiting.certificate["approvals_required"] and waiting.awaiting_approval
    assert not waiting.dispatched and dispatches(store_path) == []
    unnamed = make_runner(brain).resume(waiting.run_id, decision={"approved": True, "by": ""})
    assert not unnamed.dispatched and "named person" in unnamed.refused
    assert dispatches(store_path) == []


def test_a_named_person_approves_what_needs_a_person(make_runner, store_path):
    brain = brain_for(_needs_approval())
    waiting = make_runner(brain).start(REQUEST, settings(approve="auto"))
    done = make_runner(brain).resume(waiting.run_id, decision={"approved": True, "by": "Dr. Safety Officer"})
    assert done.dispatched and done.results["state"] == "succeeded"
    [record] = dispatches(store_path)
    from labwright.hardware.ledger import Ledger

    with Ledger(store_path) as ledger:
        approved = [e for e in ledger.events(record.run_id) if e.kind == "approved"]
    assert approved[0].data["by"] == "Dr. Safety Officer"



def test_a_certificate_that_no_longer_checks_at_approval_is_refused(make_runner, store_path):
    """The signing key changed while the run waited for a person: the certificate the verify node
    issued no longer checks, so the approval is refused before the dispatcher is reached."""
    brain = brain_for(good())
    waiting = make_runner(brain, certificate_key=b"k" * 32).start(REQUEST, settings(approve="ask"))
    assert waiting.awaiting_approval
    done = make_runner(brain, certificate_key=b"z" * 32).resume(
        waiting.run_id, decision={"approved": True, "by": "A. Person"}
    )
    assert done.finished and not done.dispatched
    assert "signature does not match" in (done.refused or "")
    assert dispatches(store_path) == []


def test_observe_after_a_dispatcher_refusal_reads_no_run(store_path):
    """dispatch -> observe is a fixed edge: when the dispatcher refused there is no ledger run,
    and observe says so instead of failing on the missing run id."""
    from labwright.agents.chat import nodes

    services = nodes.Services(planner=None, store_path=store_path)  # type: ignore[arg-type]
    refused = {"dispatched": False, "refused": "the dispatcher refused: x", "dispatch": None}
    out = nodes.observe(refused, services)  # type: ignore[arg-type]
    assert "results" not in out
    assert "nothing was dispatched" in json.dumps(out["events"])
