"""The chat creates a campaign from a request and starts it after approval (issue 16, must-have 5).

Real behaviour, in this process (the offline planner, the real verifier, the twin backend, the
colour twin): a request naming a campaign file starts a real colour campaign, whose store then
holds its experiments with their certificates, the first of them exactly the protocol the chat
verified and showed; ``--approve never`` starts nothing; an unknown file and a colour the dyes
cannot make are refused before anything starts; a chat run resumed after its campaign was started
does not start a second one. The subprocess tests (SIGKILL, ``--json``, the terminal) are in
``test_chat_campaign_cli.py`` (slow).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chat_support import dispatches
from labwright.agents.campaign import campaign_status
from labwright.agents.campaign.store import CampaignStore
from labwright.agents.chat import campaigns
from labwright.agents.chat.durability import ChatStore
from labwright.agents.chat.runner import ChatRunner
from labwright.agents.chat.state import ChatSettings
from labwright.hardware.ledger import Ledger

FILE_REQUEST = (
    "Run the colour matching campaign examples/campaigns/colour_match.yaml with a budget of 3 "
    "experiments and seed 3"
)


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[ChatRunner]:
    store = ChatStore(tmp_path / "chat.sqlite")
    yield ChatRunner(store)  # the default planner: offline
    store.close()


def _campaign_rows(store_path: Path) -> list[str]:
    with Ledger(store_path) as ledger:
        cstore = CampaignStore(ledger)
        try:
            return [r.run_id for r in cstore.list()]
        finally:
            cstore.close()


def test_a_request_naming_a_campaign_file_starts_a_real_colour_campaign(runner: ChatRunner) -> None:
    out = runner.start(FILE_REQUEST, ChatSettings(approve="auto"))
    assert out.refused is None, out.response
    assert out.certificate is not None and out.dispatched
    c = out.campaign
    assert c is not None
    assert c["run_id"] == campaigns.campaign_run_id(out.run_id)
    assert c["summary"]["budget"] == 3 and c["summary"]["seed"] == 3 and c["summary"]["backend"] == "twin"
    assert c["started"] is True and c["state"] == "finished" and c["stop_reason"] == "budget spent"
    assert c["experiments"] == 3
    # the campaign's own store: three experiments, each a dispatched protocol with its certificate
    result = campaign_status(c["run_id"], store=runner.ledger_path)
    assert [e.index for e in result.experiments] == [1, 2, 3]
    for e in result.experiments:
        assert e.status == "measured", e.errors
        assert e.certificate is not None and e.certificate["protocol_sha256"] == e.protocol_sha256
        assert e.idempotency_key and e.idempotency_key.startswith(c["run_id"] + ":")
        assert e.objectives is not None and "delta_e" in e.objectives
    # the protocol the chat verified and showed is experiment 1's, byte for byte
    assert result.experiments[0].protocol_sha256 == out.protocol_sha256
    assert result.experiments[0].parameters == pytest.approx(c["first_proposal"])
    assert c["best"]["objectives"]["delta_e"] == min(e.objectives["delta_e"] for e in result.experiments)
    # the approver is recorded with the campaign; the ledger holds exactly the three runs
    with Ledger(runner.ledger_path) as ledger:
        assert CampaignStore(ledger).get(c["run_id"]).approved_by == "auto"
    assert len(dispatches(runner.ledger_path)) == 3


def test_approve_never_starts_nothing(runner: ChatRunner) -> None:
    out = runner.start(FILE_REQUEST, ChatSettings(approve="never"))
    assert out.certificate is not None  # the campaign's first protocol was verified
    assert not out.dispatched and out.refused is None
    assert out.campaign is not None and "run_id" not in out.campaign
    assert "Dry run: the campaign was not started" in out.response
    assert _campaign_rows(runner.ledger_path) == []
    assert dispatches(runner.ledger_path) == []


def test_an_unknown_campaign_file_is_refused_and_nothing_starts(runner: ChatRunner) -> None:
    out = runner.start("Run the campaign examples/campaigns/no_such.yaml", ChatSettings(approve="auto"))
    assert out.refused is not None and "no campaign file examples/campaigns/no_such.yaml" in out.refused
    assert "colour_match.yaml" in out.refused  # the fix: the bundled campaigns
    assert out.protocol is None and not out.dispatched
    assert _campaign_rows(runner.ledger_path) == [] and dispatches(runner.ledger_path) == []


def test_a_colour_the_dyes_cannot_make_is_refused_and_nothing_starts(runner: ChatRunner) -> None:
    request = "Optimise a mix of three dyes to match the colour Lab 50 20 -30 within 20 experiments"
    out = runner.start(request, ChatSettings(approve="auto"))
    assert out.refused is not None and "out of reach" in out.refused, out.refused
    assert "Lab (50.0, 20.0, -30.0)" in out.refused
    assert not out.dispatched and _campaign_rows(runner.ledger_path) == []


def test_a_reachable_colour_goal_builds_a_campaign_from_the_bundled_template(runner: ChatRunner) -> None:
    request = "Optimise a mix of three dyes to match the colour Lab 60 25 10 within 12 experiments"
    out = runner.start(request, ChatSettings(approve="never"))
    assert out.refused is None and out.certificate is not None
    c = out.campaign
    assert c is not None and c["reach"]["reachable"] and c["reach"]["closest_delta_e"] <= 2.0
    objective = c["document"]["objectives"][0]
    assert objective["colour_difference"]["target_lab"] == [60.0, 25.0, 10.0]
    assert (
        c["document"]["budget"] == 12
        and c["document"]["template"]["plate"] == "corning_96_wellplate_360ul_flat"
    )


def test_a_chat_resumed_after_its_campaign_started_does_not_start_it_again(runner: ChatRunner) -> None:
    """The chat waits for approval; the campaign is then started under its key, as a process killed
    inside the dispatch node (after starting it, before the node's checkpoint) leaves it. The chat
    resumed with the approval finds it and starts no second campaign and no second experiment."""
    request = FILE_REQUEST.replace("budget of 3", "budget of 2")
    waiting = runner.start(request, ChatSettings(approve="ask"))
    assert waiting.awaiting_approval and waiting.campaign is not None
    key = campaigns.campaign_run_id(waiting.run_id)
    campaigns.start(
        waiting.campaign["document"],
        run_id=key,
        approved_by="A. Person",
        store=runner.ledger_path,
        background=False,
    )
    assert len(dispatches(runner.ledger_path)) == 2
    out = runner.resume(waiting.run_id, decision={"approved": True, "by": "A. Person"})
    assert out.dispatched and out.campaign is not None
    assert out.campaign["run_id"] == key and out.campaign["started"] is False
    assert out.campaign["experiments"] == 2 and out.campaign["state"] == "finished"
    assert _campaign_rows(runner.ledger_path) == [key]
    assert len(dispatches(runner.ledger_path)) == 2  # nothing dispatched twice
    assert "continued (it had been started before)" in out.response


def test_a_campaign_whose_template_gives_no_verified_protocol_is_refused(
    runner: ChatRunner, tmp_path: Path
) -> None:
    """A template whose stock reservoir holds too little for one experiment: the verifier's finding
    is the reason, and nothing starts."""
    import yaml

    doc = yaml.safe_load(
        Path(campaigns.__file__)
        .resolve()
        .parents[2]
        .joinpath("examples", "campaigns", "colour_match.yaml")
        .read_text()
    )
    for stock in doc["template"]["stocks"]:
        stock["volume"] = "10 uL"
    path = tmp_path / "thin_stocks.yaml"
    path.write_text(yaml.safe_dump(doc))
    out = runner.start(
        f"Run the campaign {path} with a budget of 3 experiments", ChatSettings(approve="auto")
    )
    assert out.certificate is None and not out.dispatched
    assert out.refused is not None and "does not give a verified protocol" in out.refused, out.refused
    assert out.repair_rounds == 0  # the template makes every experiment: no repair of one draft
    assert out.findings and _campaign_rows(runner.ledger_path) == []


def test_a_campaign_request_is_read_by_the_campaign_grammar_whichever_planner_is_configured(
    make_runner, store_path: Path
) -> None:
    """With a (scripted) language model as the planner, a campaign request still becomes the
    campaign: the model is never asked (its brain has no script, and would fail if it were)."""
    from chat_llm_fakes import Brain
    from chat_support import settings

    brain = Brain()
    out = make_runner(brain).start(FILE_REQUEST, settings(approve="never"))
    assert brain.requests == []
    assert out.refused is None and out.certificate is not None
    assert out.campaign is not None and out.campaign["summary"]["name"] == "colour-match"
    assert out.campaign["summary"]["budget"] == 3 and _campaign_rows(store_path) == []
