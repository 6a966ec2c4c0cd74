"""Campaigns run for real: verifier, dispatcher, ledger, twin backend and chemistry twin.

Random proposals keep these fast; the Bayesian optimiser is exercised in test_campaign_design
and by the slow end-to-end tests.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from labwright.agents.campaign import (
    campaign_from_document,
    campaign_status,
    load_campaign,
    resume_campaign,
    run_campaign,
    start_campaign_from_document,
    with_overrides,
)
from labwright.agents.campaign.store import CampaignStore
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import RunState
from labwright.protocols.errors import ConfigurationError, UnusableInputError
from labwright.protocols.io import protocol_sha256

ROOT = Path(__file__).resolve().parents[3]
CAMPAIGNS = ROOT / "examples" / "campaigns"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


def _colour(**overrides: object):  # noqa: ANN202
    return with_overrides(load_campaign(CAMPAIGNS / "colour_match.yaml"), optimizer="random", **overrides)


def test_every_experiment_is_a_verified_dispatched_protocol_measured_by_the_twin(store: Path) -> None:
    result = run_campaign(_colour(budget=4, seed=2), store=store, run_id="colour-t1")
    assert result.state == "finished" and result.stop_reason == "budget spent"
    assert [e.index for e in result.experiments] == [1, 2, 3, 4]
    assert [e.round for e in result.experiments] == [1, 1, 2, 2]  # batch 2
    assert result.dispatched_now == 4
    ledger = Ledger(store)
    for e in result.experiments:
        assert e.status == "measured"
        assert e.idempotency_key == f"colour-t1:r{e.round}:e{e.index}"
        record = ledger.get_by_key(e.idempotency_key)
        assert record is not None and record.state is RunState.SUCCEEDED and record.backend == "twin"
        assert record.run_id == e.ledger_run_id and record.protocol_sha256 == e.protocol_sha256
        # the certificate in the result is the one the dispatched bytes carried
        assert e.certificate == record.certificate and e.certificate["protocol_sha256"] == e.protocol_sha256
        assert {"safety", "policy"} <= set(e.certificate["passes"])
        # the measurement is the ledger's: the colour twin read the replayed well
        values = record.results.measurements[-1].values[e.well]
        assert e.measurement["L"] == values["L"] and e.measurement["source"] == "chemistry:colour"
        assert e.objectives["delta_e"] > 0
        # the protocol's volumes are the parameters' (200 uL split by the fractions)
        from labwright.agents.campaign.template import compile_experiment

        protocol = compile_experiment(load_campaign(CAMPAIGNS / "colour_match.yaml"), e.parameters, e.index)
        assert protocol_sha256(protocol) == e.protocol_sha256
    best = min(result.experiments, key=lambda e: e.objectives["delta_e"])
    assert result.best["index"] == best.index
    assert result.target_reached_at is None


def test_a_finished_campaign_resumed_dispatches_nothing_and_reads_the_same(store: Path) -> None:
    first = run_campaign(_colour(budget=3, seed=1), store=store, run_id="colour-t2")
    again = resume_campaign("colour-t2", store=store)
    assert again.dispatched_now == 0
    assert [e.model_dump() for e in again.experiments] == [e.model_dump() for e in first.experiments]
    assert len(Ledger(store).list()) == 3
    with pytest.raises(ConfigurationError, match="already exists"):
        run_campaign(_colour(budget=3, seed=1), store=store, run_id="colour-t2")


def test_the_target_stops_the_campaign_at_the_first_experiment_meeting_it(store: Path) -> None:
    spec = _colour(budget=6, seed=3)
    o = spec.objectives[0].model_copy(update={"target": 60.0})  # any colour mixed here is closer
    spec = spec.model_copy(update={"objectives": [o]})
    result = run_campaign(spec, store=store)
    assert result.target_reached_at == 1 and result.stop_reason == "target reached"
    assert len(result.experiments) == 2  # the rest of the first batch still ran


def test_proposals_the_verifier_refuses_are_infeasible_and_never_dispatched(store: Path) -> None:
    """The published catalyst case spans 30-110 degC; the Heater-Shaker holds 37-95 degC. A
    proposal above 95 degC is refused by the hardware pass: recorded infeasible, with the finding."""
    doc = yaml.safe_load((CAMPAIGNS / "catalyst_selection.yaml").read_text())
    temperature = next(p for p in doc["parameters"] if p["name"] == "temperature")
    temperature.update(low=90.0, high=110.0)
    spec = with_overrides(campaign_from_document(doc), optimizer="random", budget=6, seed=0)
    result = run_campaign(spec, store=store)
    hot = [e for e in result.experiments if e.parameters["temperature"] > 95.0]
    cool = [e for e in result.experiments if e.parameters["temperature"] <= 95.0]
    assert hot and cool
    for e in hot:
        assert e.status == "infeasible" and e.ledger_run_id is None and e.certificate is None
        assert any(err.startswith("MODULE_") or "95" in err for err in e.errors), e.errors
    assert all(e.status == "measured" for e in cool)
    assert len(Ledger(store).list()) == len(cool)  # nothing refused reached the ledger
    assert result.counts["infeasible"] == len(hot)


def test_a_proposal_the_template_cannot_make_is_infeasible(store: Path) -> None:
    """SnAr with 1.9 M stocks: conc x (1 + equiv) over 1.9 M would need a negative solvent volume."""
    doc = yaml.safe_load((CAMPAIGNS / "snar_pareto.yaml").read_text())
    for p in doc["parameters"]:
        if p["name"] == "conc":
            p.update(low=0.45, high=0.5)
        if p["name"] == "equiv":
            p.update(low=4.0, high=5.0)
    spec = with_overrides(campaign_from_document(doc), optimizer="random", budget=2)
    result = run_campaign(spec, store=store)
    assert [e.status for e in result.experiments] == ["infeasible", "infeasible"]
    assert all(e.errors[0].startswith("TEMPLATE_INFEASIBLE") for e in result.experiments)
    assert Ledger(store).list() == []


def test_the_snar_campaign_measures_two_objectives_and_a_pareto_front(store: Path) -> None:
    spec = with_overrides(load_campaign(CAMPAIGNS / "snar_pareto.yaml"), optimizer="random", budget=4, seed=5)
    result = run_campaign(spec, store=store)
    measured = [e for e in result.experiments if e.status == "measured"]
    assert measured
    for e in measured:
        assert set(e.objectives) == {"sty", "e_factor"}
        assert e.objectives["sty"] == e.measurement["sty_kg_m3_h"]
        assert e.measurement["reaction_s"] == pytest.approx(e.parameters["tau"] * 60, abs=0.06)
        assert e.measurement["max_celsius"] == pytest.approx(e.parameters["temperature"], abs=0.006)
    assert result.best is not None and result.best["pareto_front"]
    assert result.hypervolume is not None and result.hypervolume >= 0


def test_show_reads_a_campaign_and_unknown_runs_are_clear_errors(store: Path) -> None:
    run_campaign(_colour(budget=2), store=store, run_id="colour-t3")
    shown = campaign_status("colour-t3", store=store)
    assert shown.state == "finished" and len(shown.experiments) == 2
    with pytest.raises(ConfigurationError, match="no campaign run 'nope'"):
        campaign_status("nope", store=store)


def test_the_chat_entry_point_needs_approval_and_starts_the_campaign(store: Path) -> None:
    doc = yaml.safe_load((CAMPAIGNS / "colour_match.yaml").read_text())
    doc.update(optimizer="random", budget=2)
    with pytest.raises(UnusableInputError, match="after a person approved it"):
        start_campaign_from_document(doc, approved_by=" ", store=store)
    bad = dict(doc, budget="lots")
    with pytest.raises(UnusableInputError, match="budget"):
        start_campaign_from_document(bad, approved_by="A. Chemist", store=store)
    run_id = start_campaign_from_document(doc, approved_by="A. Chemist", store=store, background=False)
    record = CampaignStore(Ledger(store)).get(run_id)
    assert record.approved_by == "A. Chemist" and record.state == "finished"
    assert campaign_status(run_id, store=store).counts["measured"] == 2


def test_the_chat_entry_point_starts_a_detached_campaign_process(store: Path) -> None:
    doc = yaml.safe_load((CAMPAIGNS / "colour_match.yaml").read_text())
    doc.update(optimizer="random", budget=2)
    run_id = start_campaign_from_document(doc, approved_by="A. Chemist", store=store)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = campaign_status(run_id, store=store)
        if status.state == "finished":
            break
        time.sleep(1.0)
    assert status.state == "finished", status.state
    assert status.counts["measured"] == 2


def test_the_opentrons_simulator_backend_runs_the_protocol_and_the_twin_predicts_the_reading(
    store: Path,
) -> None:
    """The Opentrons simulator has no plate reader: it runs the exported protocol (a simulator
    error would fail the experiment) and the chemistry twin predicts the reading from the deck
    twin's replay of the same certified bytes."""
    result = run_campaign(_colour(budget=1, seed=6, backend="opentrons-sim"), store=store)
    (e,) = result.experiments
    assert e.status == "measured", e.errors
    assert e.measurement["source"] == "chemistry:colour prediction (opentrons-sim)"
    record = Ledger(store).get(e.ledger_run_id)
    assert record.backend == "opentrons-sim" and record.state is RunState.SUCCEEDED
    assert record.results.commands  # the simulator's command list


@pytest.mark.slow
def test_the_http_backend_dispatches_to_a_robot(store: Path) -> None:
    from labwright.hardware.fake_robot import FakeRobot

    with FakeRobot() as robot:
        spec = _colour(budget=2, backend="opentrons-http", robot=robot.url, backend_options={"poll_s": 0.05})
        result = run_campaign(spec, store=store)
        assert [e.status for e in result.experiments] == ["measured", "measured"]
        for e in result.experiments:
            assert len(robot.runs_of_key(e.idempotency_key)) == 1  # one robot run per experiment


def test_a_multi_objective_report_draws_the_pareto_front(store: Path, tmp_path: Path) -> None:
    from labwright.campaign_report import write_report

    spec = with_overrides(load_campaign(CAMPAIGNS / "snar_pareto.yaml"), optimizer="random", budget=5, seed=1)
    result = run_campaign(spec, store=store)
    html = write_report(result, tmp_path / "snar.html", baseline_seeds=1).read_text()
    assert 'id="chart-pareto"' in html and "Pareto-optimal" in html and "Hypervolume vs experiments" in html
    front = result.best["pareto_front"]
    assert html.count('fill="#d62728"') >= len(front)  # a red marker per Pareto-optimal experiment
