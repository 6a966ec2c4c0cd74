"""The computational campaign twin: real verifier, real dispatcher and ledger, real RDKit scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from labwright.agents.compute_campaign import (
    CampaignConfig,
    _dispatch_round,
    campaign_protocol,
    compute_hook,
    run_compute_campaign,
)
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import RunState
from labwright.hardware.twin_backend import TwinBackend
from labwright.protocols.errors import UnusableInputError
from labwright.verifiers.verifier import VerifyOptions
from rdkit import Chem
from rdkit.Chem import QED
from typer.testing import CliRunner


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.mark.slow  # three GA rounds through the ledger (~35 s); the tests below cover the round logic
def test_campaign_rounds_are_ledger_runs_measured_by_rdkit_qed(store: Path) -> None:
    config = CampaignConfig(rounds=3, batch=4, objective="qed", seed=0, store=store)
    result = run_compute_campaign(config)

    assert result.completed
    assert [r.round for r in result.rounds] == [1, 2, 3]
    assert result.dispatched == 3
    assert result.provenance["measurement_hook"] == "compute:qed"
    assert "rdkit" in result.provenance["versions"]
    best = [r.best_so_far for r in result.rounds]
    assert all(b is not None for b in best)
    assert best == sorted(best)  # the best measured score never decreases
    assert result.best_score == best[-1]
    # later rounds are GA children of measured molecules, never a molecule measured before
    assert all(c.origin == "pool" for c in result.rounds[0].candidates)
    assert any(c.origin != "pool" for r in result.rounds[1:] for c in r.candidates)
    all_smiles = [c.smiles for r in result.rounds for c in r.candidates]
    assert len(set(all_smiles)) == len(all_smiles) == result.measured == 12

    ledger = Ledger(store)
    runs = ledger.list()
    assert len(runs) == 3
    for r in result.rounds:
        assert r.idempotency_key == f"{result.campaign_id}:r{r.round}"
        record = ledger.get_by_key(r.idempotency_key)
        assert record is not None and record.run_id == r.run_id
        assert record.state is RunState.SUCCEEDED
        assert record.backend == "twin"
        assert "safety" in record.certificate["passes"]
        (measurement,) = record.results.measurements
        assert measurement.source == "compute:qed"
        assert len(measurement.values) == 4
        for c in r.candidates:
            stored = measurement.values[c.well]
            assert stored["smiles"] == c.smiles
            expected = QED.qed(Chem.MolFromSmiles(c.smiles))
            assert stored["score"] == pytest.approx(expected, abs=1e-12)
            assert c.score == pytest.approx(expected, abs=1e-12)
            assert stored["dispensed_ul"] == pytest.approx(50.0)


def test_rerunning_a_campaign_reads_finished_rounds_from_the_ledger(store: Path) -> None:
    first = run_compute_campaign(CampaignConfig(rounds=2, batch=4, seed=3, store=store))
    assert first.completed and first.dispatched == 2

    again = run_compute_campaign(CampaignConfig(rounds=2, batch=4, seed=3, store=store))
    assert again.campaign_id == first.campaign_id
    assert again.dispatched == 0
    assert all(r.reused for r in again.rounds)
    assert [r.run_id for r in again.rounds] == [r.run_id for r in first.rounds]
    assert again.best_score == first.best_score
    assert len(Ledger(store).list()) == 2

    # adding a round resumes the campaign: only the new round is dispatched
    longer = run_compute_campaign(CampaignConfig(rounds=3, batch=4, seed=3, store=store))
    assert longer.completed and longer.dispatched == 1
    assert [r.reused for r in longer.rounds] == [True, True, False]
    assert len(Ledger(store).list()) == 3


def test_a_round_needing_approval_is_never_dispatched_unattended(store: Path) -> None:
    """Benzyl azide needs a person's approval under the default policy: a strict campaign refuses
    the round at verification; a lenient one gets a certificate (with the warning) but the
    dispatcher refuses it because nobody approved it. Either way nothing reaches the ledger."""
    smiles = ["[N-]=[N+]=NCc1ccccc1", "CC(=O)Oc1ccccc1C(=O)O"]  # benzyl azide, aspirin
    smiles_of = {"r1_c00": smiles[0], "r1_c01": smiles[1]}
    hook = compute_hook("qed", smiles_of)
    ledger = Ledger(store)
    dispatcher = Dispatcher(TwinBackend(hook, hook_name=hook.__name__), ledger)
    protocol = campaign_protocol("hazard-test", 1, smiles)

    strict, record = _dispatch_round(
        dispatcher, ledger, protocol, "hazard-strict", 1, VerifyOptions(strict=True)
    )
    assert strict.status == "refused" and record is None
    assert any("POLICY_APPROVAL_REQUIRED" in e for e in strict.errors)
    assert ledger.list() == []  # nothing was dispatched

    lenient, record = _dispatch_round(dispatcher, ledger, protocol, "hazard-lenient", 1, VerifyOptions())
    assert lenient.status == "refused" and record is None
    assert any("POLICY_APPROVAL_REQUIRED" in w for w in lenient.warnings)
    assert any("a person must approve this protocol first" in e for e in lenient.errors)
    assert ledger.list() == []


def test_an_unusable_objective_fails_before_any_dispatch(store: Path) -> None:
    with pytest.raises(UnusableInputError, match="needs a window"):
        run_compute_campaign(CampaignConfig(rounds=1, batch=2, objective="gap", store=store))
    assert not store.exists() or Ledger(store).list() == []


def test_cli_campaign_compute_json(store: Path) -> None:
    from labwright.commands.campaign import app

    root = typer.Typer()
    root.add_typer(app, name="campaign")
    args = ["campaign", "compute", "--rounds", "2", "--batch", "3", "--seed", "1"]
    res = CliRunner().invoke(root, [*args, "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout.strip().splitlines()[-1])
    assert doc["completed"] and len(doc["rounds"]) == 2 and doc["dispatched"] == 2
    assert all(len(r["candidates"]) == 3 for r in doc["rounds"])

    bad = CliRunner().invoke(root, [*args[:2], "--batch", "200", "--store", str(store), "--json"])
    assert bad.exit_code == 2


_CRASH_DRIVER = """
import os, sys
from pathlib import Path
from labwright.agents.compute_campaign import (
    CampaignConfig, Proposer, campaign_protocol, compute_hook, default_campaign_id, round_key,
)
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger
from labwright.hardware.twin_backend import TwinBackend
from labwright.verifiers.verifier import verify

config = CampaignConfig(rounds=2, batch=4, seed=5, store=Path(sys.argv[1]))
cid = default_campaign_id(config)
smiles = [s for s, _ in Proposer(config).propose({})]
protocol = campaign_protocol(cid, 1, smiles)
report = verify(protocol)
hook = compute_hook("qed", {})
dispatcher = Dispatcher(TwinBackend(hook, action_delay_s=1.0), Ledger(config.store))
dispatcher.dispatch(protocol, report.certificate, idempotency_key=round_key(cid, 1), wait=False)
os._exit(0)  # the process dies with its in-process twin run unfinished
"""


def test_a_round_whose_process_died_is_run_again_under_a_new_attempt_key(store: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _CRASH_DRIVER, str(store)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    (orphan,) = Ledger(store).list()
    assert not orphan.terminal

    result = run_compute_campaign(CampaignConfig(rounds=2, batch=4, seed=5, store=store))
    assert result.completed and result.dispatched == 2
    assert result.rounds[0].idempotency_key == f"{result.campaign_id}:r1:a2"
    ledger = Ledger(store)
    assert ledger.get(orphan.run_id).state is RunState.INTERRUPTED
    assert ledger.get_by_key(f"{result.campaign_id}:r1:a2").state is RunState.SUCCEEDED
    assert len(ledger.list()) == 3


def test_tblite_gap_campaign_measures_the_gfn2_homo_lumo_gap(store: Path) -> None:
    from labwright.simulators.compute.design.xtb import homo_lumo_gap

    config = CampaignConfig(rounds=2, batch=3, objective="gap:3.5:", seed=0, store=store)
    result = run_compute_campaign(config)
    assert result.completed
    record = Ledger(store).get(result.rounds[-1].run_id)
    assert record.results.measurements[0].source == "compute:gap:3.5:"
    for c in result.rounds[-1].candidates:
        expected = homo_lumo_gap(Chem.MolFromSmiles(c.smiles))
        assert expected is not None and c.raw == pytest.approx(expected, abs=1e-6)
        assert 0.0 <= c.score <= 1.0


def test_reusing_a_campaign_id_for_other_proposals_is_a_refused_round_not_a_crash(
    store: Path,
) -> None:
    first = run_compute_campaign(
        CampaignConfig(rounds=1, batch=3, seed=0, campaign_id="shared-id", store=store)
    )
    assert first.completed
    other = run_compute_campaign(
        CampaignConfig(rounds=2, batch=3, seed=1, campaign_id="shared-id", store=store)
    )
    assert not other.completed and len(other.rounds) == 1
    assert other.rounds[0].status == "refused" and other.dispatched == 0
    assert any("another protocol" in e for e in other.rounds[0].errors)
    assert len(Ledger(store).list()) == 1
