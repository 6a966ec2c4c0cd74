"""The chemical-weapons refusal is not a setting; a lab policy only tightens the baseline; an
administrator's policy (``LABWRIGHT_ADMIN_POLICY``) sets the baseline (issue 13, must-have 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labwright.protocols.errors import ConfigurationError
from labwright.protocols.findings import Severity
from labwright.simulators.deck.events import MixEvent
from labwright.verifiers.safety.policy import ADMIN_POLICY_ENV, Policy, default_policy, load_policy
from labwright.verifiers.safety.safety_pass import Component, safety_pass
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[3]
FAULTY = ROOT / "examples" / "protocols" / "faulty"
SARIN = FAULTY / "policy_cwc_schedule1_by_name.yaml"
HOT = FAULTY / "policy_max_temperature_denaturation.yaml"  # heats to 95 degC
runner = CliRunner()


def validate(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["validate", "--json", *args])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[0])


def codes(report: dict) -> set[str]:
    return {f["code"] for f in report.get("findings", []) if f["severity"] == "error"}


def test_a_policy_file_cannot_unrefuse_schedule_1(tmp_path: Path) -> None:
    loose = tmp_path / "loose.yaml"
    loose.write_text("name: anything goes\ncwc_refuse_schedules: []\nmax_temperature_c: 150\n")
    with pytest.raises(ConfigurationError, match=r"leaves out \[1, 2\]") as info:
        load_policy(loose)
    assert "max_temperature_c 150 > 110" in info.value.message and ADMIN_POLICY_ENV in info.value.hint
    code, out = validate("--policy", str(loose), str(SARIN))
    assert code == 2 and out["certificate"] is None and "loosens the baseline" in out["error"]


def test_run_with_a_loosening_policy_dispatches_nothing(tmp_path: Path) -> None:
    loose = tmp_path / "loose.yaml"
    loose.write_text("cwc_refuse_schedules: []\n")
    store = tmp_path / "ledger.sqlite"
    result = runner.invoke(app, ["run", str(SARIN), "--policy", str(loose), "--store", str(store), "--json"])
    assert result.exit_code == 2
    listed = runner.invoke(app, ["runs", "list", "--store", str(store), "--json"])
    assert json.loads(listed.stdout)["runs"] == []


def test_an_administrator_policy_moves_the_baseline_but_not_the_cwc_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = tmp_path / "admin.yaml"
    admin.write_text(
        "name: admin\nmax_temperature_c: 150\ncwc_refuse_schedules: []\ncwc_approval_schedules: []\n"
    )
    code, out = validate(str(HOT))
    assert code == 0, out  # 95 degC is within the shipped 110 degC
    monkeypatch.setenv(ADMIN_POLICY_ENV, str(admin))
    assert default_policy().max_temperature_c == 150 and default_policy().cwc_refuse_schedules == [1, 2]
    code, out = validate(str(SARIN))
    assert code == 1 and "POLICY_CWC_REFUSED" in codes(out)
    # below the administrator's baseline, a lab file may tighten again
    lab = tmp_path / "lab.yaml"
    lab.write_text("max_temperature_c: 90\n")
    code, out = validate("--policy", str(lab), str(HOT))
    assert code == 1 and "POLICY_MAX_TEMPERATURE" in codes(out)
    lab.write_text("max_temperature_c: 160\n")  # above the administrator's 150: loosening
    code, out = validate("--policy", str(lab), str(HOT))
    assert code == 2 and "max_temperature_c 160 > 150" in out["error"]


def test_the_api_cannot_unrefuse_schedule_1_either() -> None:
    policy = Policy(cwc_refuse_schedules=[], cwc_approval_schedules=[])
    assert policy.cwc_refuse_schedules == [1, 2] and policy.refuses(1) and policy.refuses(2)
    components = {
        "x": Component(liquid_id="x", name="sarin"),
        "y": Component(liquid_id="y", name="water"),
    }
    mixes = [MixEvent(step=0, vessel="plate:A1", components=["x", "y"], new=["x", "y"])]
    refused = [f for f in safety_pass(components, mixes, [], policy) if f.code == "POLICY_CWC_REFUSED"]
    assert refused and refused[0].severity is Severity.ERROR


def test_a_tightening_file_keeps_what_it_leaves_out_from_the_baseline(tmp_path: Path) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text("name: our lab\nbanned: [benzene]\nthermal_margin_c: 10\n")
    policy, base = load_policy(lab), default_policy()
    assert policy.name == "our lab" and policy.banned == ["benzene"]
    assert policy.thermal_margin_c == 10
    assert policy.max_temperature_c == base.max_temperature_c
    assert policy.approval_required == base.approval_required
    assert policy.cwc_approval_schedules == base.cwc_approval_schedules


def test_dropping_an_approval_class_is_loosening(tmp_path: Path) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text("approval_required: {tags: [explosive]}\nunknown_chemical_severity: warning\n")
    with pytest.raises(ConfigurationError, match="approval_required.tags leaves out pyrophoric"):
        load_policy(lab)


def test_garbage_and_nested_policy_files_are_unusable_input(tmp_path: Path) -> None:
    for text in ("a: [" * 200, "- " * 300 + "x", "\x00\x01", "max_temperature_c: 1\nmax_temperature_c: 2\n"):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        with pytest.raises(ConfigurationError):
            load_policy(bad)
        code, out = validate("--policy", str(bad), str(SARIN))
        assert code == 2 and out["certificate"] is None
