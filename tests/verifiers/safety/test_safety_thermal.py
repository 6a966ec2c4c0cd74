"""The thermal rule (verifiers/safety/thermal.py): error for a neat or major component past its
boiling or flash point, warning for a minor one, error at any share past autoignition; shares
from the liquids' amounts when the replay gives them."""

from __future__ import annotations

from pathlib import Path

from labwright.protocols.findings import Severity
from labwright.simulators.deck.events import HeatEvent
from labwright.verifiers.safety.policy import load_policy
from labwright.verifiers.safety.safety_pass import Component, safety_pass
from labwright.verifiers.safety.thermal import molar_mass


def liquid(lid: str, name: str, concentration: str | None = None) -> Component:
    return Component(liquid_id=lid, name=name, concentration=concentration)


def heat(celsius: float, liquids: list[str], amounts: dict[str, float] | None = None,
         device: str = "heater_shaker", vessel: str = "plate:A1", step: int = 3) -> HeatEvent:
    return HeatEvent(step=step, pointer=f"/steps/{step}", vessel=vessel, celsius=celsius,
                     components=liquids, device=device, amounts_ul=amounts)


def thermal(findings):  # noqa: ANN001, ANN201
    return [f for f in findings if f.code == "SAFETY_THERMAL"]


def figures(finding) -> dict[str, str]:  # noqa: ANN001
    return {f["property"]: f["severity"] for f in finding.data["figures"]}


def test_neat_diethyl_ether_at_60_on_a_heater_shaker_is_an_error() -> None:
    found = thermal(safety_pass({"x": liquid("x", "diethyl ether")}, [], [heat(60, ["x"])]))
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    f = found[0]
    assert "Heater-Shaker" in f.message and "plate:A1" in f.message and "60 degC" in f.message
    assert figures(f) == {"boiling point": "error", "flash point": "error"}
    assert f.data["major"] and f.data["share"] == 1.0
    assert any("chemicals" in s for s in f.data["sources"])


def test_70_percent_ethanol_heated_alone_is_a_major_flammable_component() -> None:
    found = thermal(safety_pass({"e": liquid("e", "70% ethanol")}, [], [heat(37, ["e"])]))
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    assert figures(found[0]) == {"flash point": "error"}  # boils at 78 degC, not reached
    assert abs(found[0].data["share"] - 0.7) < 1e-9


def test_a_little_ethanol_in_an_aqueous_sample_at_37_is_a_warning_from_the_amounts() -> None:
    comps = {"e": liquid("e", "70% ethanol"), "s": liquid("s", "DNA sample")}
    # 10 uL of 70% ethanol in 190 uL of sample: 3.5% ethanol
    event = heat(37, ["e", "s"], amounts={"e": 10.0, "s": 190.0})
    found = thermal(safety_pass(comps, [], [event]))
    assert len(found) == 1 and found[0].severity is Severity.WARNING
    assert abs(found[0].data["share"] - 0.035) < 1e-9 and not found[0].data["major"]
    assert figures(found[0]) == {"flash point": "warning"}
    assert "10 of 200 uL" in found[0].data["share_basis"]
    # without the amounts each liquid counts as if it filled the well: an error (upper bound)
    unknown = thermal(safety_pass(comps, [], [heat(37, ["e", "s"])]))
    assert unknown[0].severity is Severity.ERROR and "not known" in unknown[0].data["share_basis"]


def test_a_residue_key_with_no_liquid_left_is_not_heated() -> None:
    comps = {"e": liquid("e", "ethanol", "80%"), "b": liquid("b", "elution buffer")}
    event = heat(65, ["b", "e"], amounts={"e": 0.0, "b": 25.0})
    assert thermal(safety_pass(comps, [], [event])) == []


def test_minor_component_less_volatile_than_water_in_an_aqueous_vessel_is_not_reported() -> None:
    # phenol: flash point 75-79 degC, boils at 182 degC. 5% in water at 95 degC: the vapour is
    # mostly water; nothing to report. 5% in DMSO (no water): a warning.
    aqueous = safety_pass({"p": liquid("p", "phenol", "5%")}, [], [heat(95, ["p"])])
    assert thermal(aqueous) == []
    comps = {"p": liquid("p", "phenol"), "d": liquid("d", "DMSO")}
    in_dmso = thermal(safety_pass(comps, [], [heat(95, ["p", "d"], {"p": 5.0, "d": 95.0})]))
    assert [f.severity for f in in_dmso] == [Severity.WARNING]
    assert in_dmso[0].data["chemical"] == "phenol"
    # TRIzol (38% phenol) at 75 degC: phenol is a major component past its flash point
    trizol = thermal(safety_pass({"t": liquid("t", "TRIzol")}, [], [heat(75, ["t"])]))
    assert trizol and trizol[0].severity is Severity.ERROR and trizol[0].data["chemical"] == "phenol"


def test_autoignition_is_an_error_at_any_share() -> None:
    # carbon disulfide self-ignites at 90 degC: 1% in a vessel heated to 88 degC (+5 margin)
    comps = {"c": liquid("c", "carbon disulfide", "1%")}
    found = thermal(safety_pass(comps, [], [heat(88, ["c"], device="thermocycler")]))
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    assert figures(found[0])["autoignition temperature"] == "error"
    assert figures(found[0])["boiling point"] == "warning"
    assert "Thermocycler" in found[0].message


def test_molar_concentration_becomes_a_mass_share() -> None:
    assert abs(molar_mass("C2H6O") - 46.069) < 0.01
    assert molar_mass("XeF2") is None
    # 2 M methanol = 64 g/L, about 6.4%: minor -> warnings at 65 degC
    found = thermal(safety_pass({"m": liquid("m", "methanol", "2 M")}, [], [heat(65, ["m"])]))
    assert len(found) == 1 and found[0].severity is Severity.WARNING
    assert abs(found[0].data["share"] - 0.0641) < 0.001
    # 10 M methanol (32%): major -> error
    major = thermal(safety_pass({"m": liquid("m", "methanol", "10 M")}, [], [heat(65, ["m"])]))
    assert major[0].severity is Severity.ERROR


def test_minor_threshold_comes_from_the_policy(tmp_path: Path) -> None:
    file = tmp_path / "lab.yaml"
    file.write_text("name: careful\nthermal_minor_percent: 1\n")
    comps = {"e": liquid("e", "ethanol", "2%")}
    default = thermal(safety_pass(comps, [], [heat(90, ["e"])]))
    careful = thermal(safety_pass(comps, [], [heat(90, ["e"])], load_policy(file)))
    assert default[0].severity is Severity.WARNING and careful[0].severity is Severity.ERROR


def test_one_thermal_finding_per_vessel_at_the_first_step_wells_of_a_step_grouped() -> None:
    comps = {"x": liquid("x", "diethyl ether")}
    events = [heat(60, ["x"], step=4), heat(60, ["x"], step=9),
              heat(60, ["x"], step=4, vessel="plate:B1"), heat(60, ["x"], step=9,
                                                             vessel="other:A1")]
    found = thermal(safety_pass(comps, [], events))
    assert [(f.data["vessels"], f.step) for f in found] == [
        (["plate:A1", "plate:B1"], 4), (["other:A1"], 9)]
    assert "plate:A1, B1 (2 wells)" in found[0].message


def test_buffers_and_dna_in_a_thermocycler_at_98_are_silent() -> None:
    comps = {"d": liquid("d", "DNA sample"), "m": liquid("m", "PCR master mix"),
             "w": liquid("w", "nuclease-free water"), "b": liquid("b", "Laemmli sample buffer"),
             "t": liquid("t", "TE buffer")}
    events = [heat(98, list(comps), device="thermocycler")]
    assert safety_pass(comps, [], events) == []


def test_policy_maximum_temperature_is_reported_once_per_labware() -> None:
    comps = {"w": liquid("w", "water")}
    events = [heat(120, ["w"], vessel=f"block:{w}", device="temperature", step=1)
              for w in ("A1", "B1", "C1")]
    events.append(heat(120, ["w"], vessel="block:A1", device="temperature", step=5))
    found = [f for f in safety_pass(comps, [], events) if f.code == "POLICY_MAX_TEMPERATURE"]
    assert len(found) == 1 and found[0].step == 1
    assert "Temperature Module" in found[0].message and "'block'" in found[0].message
