"""The safety pass over replayed mix and heat events (carry-over, heating, policy, unknowns)."""

from __future__ import annotations

from pathlib import Path

import pytest
from labwright.protocols.errors import ConfigurationError
from labwright.protocols.findings import Category, Severity
from labwright.simulators.deck.events import HeatEvent, MixEvent
from labwright.verifiers.safety.policy import load_policy
from labwright.verifiers.safety.safety_pass import Component, safety_pass


def comps(**names: str) -> dict[str, Component]:
    return {lid: Component(liquid_id=lid, name=name) for lid, name in names.items()}


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_bleach_into_acid_well_is_reported_once_with_chlorine() -> None:
    components = comps(acid="1 M HCl", bleach="bleach", water="water")
    components["acid"] = Component(liquid_id="acid", name="hydrochloric acid", concentration="1 M")
    mixes = [
        MixEvent(step=0, pointer="/steps/0", vessel="plate:A1", components=["acid"], new=["acid"]),
        MixEvent(step=1, pointer="/steps/1", vessel="plate:A1", components=["acid", "water"],
                 new=["water"]),
        MixEvent(step=2, pointer="/steps/2", vessel="plate:A1",
                 components=["acid", "water", "bleach"], new=["bleach"]),
        MixEvent(step=3, pointer="/steps/3", vessel="plate:A1",
                 components=["acid", "water", "bleach"], new=["bleach"]),
    ]
    findings = safety_pass(components, mixes, [])
    bad = [f for f in findings if f.code == "SAFETY_INCOMPATIBLE"]
    assert len(bad) == 1
    f = bad[0]
    assert f.category is Category.SAFETY and f.severity is Severity.ERROR
    assert f.step == 2 and f.pointer == "/steps/2"
    assert "plate:A1" in f.message and "chlorine" in f.message
    assert "sodium hypochlorite" in f.message and "hydrochloric acid" in f.message
    assert "GT" in f.data["codes"] and f.data["sources"]
    assert set(f.data["liquids"]) == {"acid", "bleach"}


def test_carry_over_on_an_unchanged_tip_is_caught() -> None:
    components = comps(cn="potassium cyanide", acid="hydrochloric acid")
    mixes = [
        MixEvent(step=4, vessel="tip:p300#1", components=["cn"], new=["cn"]),
        # the same tip then aspirates acid: cyanide residue meets acid inside the tip
        MixEvent(step=5, vessel="tip:p300#1", components=["cn", "acid"], new=["acid"]),
    ]
    findings = safety_pass(components, mixes, [])
    bad = [f for f in findings if f.code == "SAFETY_INCOMPATIBLE"]
    assert len(bad) == 1 and bad[0].step == 5
    assert "tip:p300#1" in bad[0].message and "hydrogen cyanide" in bad[0].message


def test_same_pair_in_two_vessels_reported_per_vessel() -> None:
    components = comps(a="sodium hydride", b="water")
    mixes = [
        MixEvent(step=1, vessel="plate:A1", components=["a", "b"], new=["a", "b"]),
        MixEvent(step=2, vessel="plate:B1", components=["a", "b"], new=["a", "b"]),
    ]
    found = [f for f in safety_pass(components, mixes, []) if f.code == "SAFETY_INCOMPATIBLE"]
    assert [f.data["vessel"] for f in found] == ["plate:A1", "plate:B1"]
    assert "hydrogen" in found[0].message


def test_buffers_dyes_dna_pass_without_noise() -> None:
    components = comps(
        pbs="PBS", water="nuclease-free water", dmso="DMSO", dye="trypan blue", dna="DNA sample",
        tris="Tris", edta="EDTA", te="TE buffer", mm="PCR master mix", beads="AMPure beads",
        eth="70% ethanol",
    )
    ids = list(components)
    mixes = [
        MixEvent(step=i, vessel="plate:A1", components=ids[: i + 1], new=[lid])
        for i, lid in enumerate(ids)
    ]
    heats = [HeatEvent(step=20, vessel="plate:B1", celsius=95, components=["dna", "mm", "water"],
                       device="thermocycler")]
    assert safety_pass(components, mixes, heats) == []


def test_heating_diethyl_ether_at_60_is_reported_with_figures() -> None:
    components = comps(ether="diethyl ether")
    heats = [HeatEvent(step=7, pointer="/steps/7", vessel="plate:C3", celsius=60,
                       components=["ether"], device="heater-shaker")]
    findings = safety_pass(components, [], heats)
    assert codes(findings) == ["SAFETY_THERMAL"]
    f = findings[0]
    assert f.step == 7 and "heater-shaker" in f.message and "plate:C3" in f.message
    figures = {fig["property"]: fig["celsius"] for fig in f.data["figures"]}
    assert figures["boiling point"] < 40  # 34.4 degC measured
    assert figures["flash point"] < 0


def test_heating_margin_is_configurable(tmp_path: Path) -> None:
    # dichloromethane (no flash point) boils at 39.8 degC: heating to 32 degC is outside the
    # default 5 degC margin, within a 10 degC margin (a lab policy may only widen it)
    components = comps(eth="dichloromethane")
    heats = [HeatEvent(step=1, vessel="plate:A1", celsius=32, components=["eth"])]
    assert safety_pass(components, [], heats) == []
    file = tmp_path / "lab.yaml"
    file.write_text("name: careful\nthermal_margin_c: 10\n")
    assert codes(safety_pass(components, [], heats, load_policy(file))) == ["SAFETY_THERMAL"]


def test_dilute_solvent_is_a_thermal_warning_not_an_error() -> None:
    # 2% ethanol at 90 degC: a minor component past its boiling and flash points (the rule in
    # thermal.py): reported, as a warning
    components = {"e": Component(liquid_id="e", name="ethanol", concentration="2%")}
    heats = [HeatEvent(step=1, vessel="plate:A1", celsius=90, components=["e"])]
    findings = safety_pass(components, [], heats)
    assert codes(findings) == ["SAFETY_THERMAL"]
    assert findings[0].severity is Severity.WARNING and not findings[0].data["major"]


def test_policy_maximum_temperature() -> None:
    components = comps(w="water")
    heats = [HeatEvent(step=3, vessel="plate:A1", celsius=130, components=["w"])]
    assert "POLICY_MAX_TEMPERATURE" in codes(safety_pass(components, [], heats))


def test_schedule_1_agent_is_refused_naming_the_schedule() -> None:
    components = comps(x="sarin", y="water")
    mixes = [MixEvent(step=2, vessel="plate:A1", components=["x", "y"], new=["x", "y"])]
    findings = safety_pass(components, mixes, [])
    refusal = [f for f in findings if f.code == "POLICY_CWC_REFUSED"]
    assert len(refusal) == 1
    assert refusal[0].category is Category.POLICY and refusal[0].severity is Severity.ERROR
    assert "Schedule 1" in refusal[0].message and refusal[0].data["schedule"] == 1


def test_schedule_family_is_refused_from_a_structure() -> None:
    # an O-alkyl methylphosphonofluoridate given only as a SMILES
    components = {"x": Component(liquid_id="x", name="compound 7", smiles="CCCOP(C)(=O)F")}
    findings = safety_pass(components, [], [])
    refusal = [f for f in findings if f.code == "POLICY_CWC_REFUSED"]
    assert refusal and refusal[0].data["item"] == "1A(1)"


def test_schedule_3_needs_approval_not_refusal() -> None:
    findings = safety_pass(comps(t="thionyl chloride"), [], [])
    assert codes(findings) == ["POLICY_APPROVAL_REQUIRED"]
    assert findings[0].requires_approval and "Schedule 3" in findings[0].message


def test_approval_class_from_policy() -> None:
    findings = safety_pass(comps(az="sodium azide"), [], [])
    assert findings and findings[0].requires_approval


def test_banned_substance_and_volume_from_a_policy_file(tmp_path: Path) -> None:
    file = tmp_path / "lab.yaml"
    file.write_text("name: our lab\nbanned: [benzene]\nmax_volume_ul: 1000\n")
    policy = load_policy(file)
    components = comps(b="benzene")
    mixes = [MixEvent(step=1, vessel="reservoir:A1", components=["b"], new=["b"],
                      volume_ul=5000)]
    found = codes(safety_pass(components, mixes, [], policy))
    assert "POLICY_BANNED_SUBSTANCE" in found and "POLICY_MAX_VOLUME" in found


def test_unknown_chemical_warning_then_error_under_strict() -> None:
    components = comps(g="glorp reagent", h="?unlabelled tube")
    mixes = [MixEvent(step=1, vessel="plate:A1", components=["g", "h"], new=["g", "h"])]
    normal = safety_pass(components, mixes, [])
    assert codes(normal) == ["SAFETY_UNKNOWN_CHEMICAL"]  # the '?' liquid is not reported
    assert normal[0].severity is Severity.WARNING and normal[0].step == 1
    strict = safety_pass(components, mixes, [], strict=True)
    assert strict[0].severity is Severity.ERROR


def test_policy_file_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("max_temperature_c: [\n")
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_policy(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("max_temprature_c: 90\n")
    with pytest.raises(ConfigurationError, match="max_temprature_c") as info:
        load_policy(typo)
    assert "max_temperature_c" in info.value.hint
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("cwc_refuse_schedules: [4]\n")
    with pytest.raises(ConfigurationError, match="cwc_refuse_schedules"):
        load_policy(wrong)
