"""The colour twin: colorimetry against published test data, Beer-Lambert, and real protocols.

The measurement must come from what the deck twin says the well holds: a protocol's real
pipetting (volumes, which stock went where) is replayed and the twin reads that replay.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from labwright.protocols.io import parse_protocol
from labwright.simulators.chemistry.base import Stock, UnknownLiquidError, molar, well_contents
from labwright.simulators.chemistry.cie import (
    delta_e2000,
    lab_from_xyz,
    white_point,
    xyz_from_lab,
    xyz_from_transmittance,
)
from labwright.simulators.chemistry.colour import (
    DYES,
    ColourTwin,
    absorbance_spectrum,
    lab_of_absorbance,
    well_area_mm2,
)
from labwright.simulators.deck.replay import replay
from labwright.simulators.deck.resolve import resolve

# Sharma, Wu & Dalal (2005), Table 1: pairs 1, 2, 3, 7, 17 and 25 with their CIEDE2000
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA_PAIRS)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected) -> None:  # noqa: ANN001
    assert delta_e2000(lab1, lab2) == pytest.approx(expected, abs=5e-5)
    assert delta_e2000(lab2, lab1) == pytest.approx(expected, abs=5e-5)  # symmetric


def test_a_perfect_transmitter_is_the_white_point_and_lab_round_trips() -> None:
    lab = lab_from_xyz(xyz_from_transmittance(np.ones(81)))
    assert lab == pytest.approx((100.0, 0.0, 0.0), abs=1e-9)
    assert white_point()[1] == pytest.approx(100.0)
    for sample in [(70.6, 18.8, 33.3), (30.0, -20.0, -40.0), (95.0, 2.0, 60.0)]:
        assert lab_from_xyz(xyz_from_lab(sample)) == pytest.approx(sample, abs=1e-9)


def test_beer_lambert_absorbance_is_linear_in_concentration_and_path() -> None:
    one = absorbance_spectrum({"tartrazine": 5e-5}, 0.5)
    assert absorbance_spectrum({"tartrazine": 1e-4}, 0.5) == pytest.approx(2 * one)
    assert absorbance_spectrum({"tartrazine": 5e-5}, 1.0) == pytest.approx(2 * one)
    mixed = absorbance_spectrum({"tartrazine": 5e-5, "brilliant blue FCF": 1e-5}, 0.5)
    assert mixed == pytest.approx(one + absorbance_spectrum({"brilliant blue FCF": 1e-5}, 0.5))
    # the peak molar absorptivity is E(1%, 1cm) x M / 10 at the band's peak
    peak = DYES["brilliant blue FCF"].epsilon(np.array([630.0]))[0]
    assert peak == pytest.approx(1630 * 792.85 / 10, rel=0.02)  # the small 410 nm band adds a little


def test_dyes_give_the_colours_a_chemist_expects() -> None:
    path = 0.54
    yellow = lab_of_absorbance(absorbance_spectrum({"tartrazine": 1.5e-4}, path))
    red = lab_of_absorbance(absorbance_spectrum({"allura red AC": 1.5e-4}, path))
    blue = lab_of_absorbance(absorbance_spectrum({"brilliant blue FCF": 3e-5}, path))
    assert yellow[2] > 50 and abs(yellow[1]) < 20  # strongly yellow (b*), little red/green
    assert red[1] > 40  # red (a*)
    assert blue[2] < -10 and blue[1] < 0  # blue (b* < 0), greenish-blue (a* < 0)


def test_well_contents_mix_stock_volumes() -> None:
    stocks = {"y": Stock({"tartrazine": 1.5e-4}, "water"), "w": Stock({}, "water")}
    c = well_contents("A1", {"y": 50.0, "w": 150.0}, stocks)
    assert c.volume_ul == 200.0
    assert c.concentrations["tartrazine"] == pytest.approx(1.5e-4 / 4)
    assert c.solvents_ul == {"water": 200.0}
    with pytest.raises(UnknownLiquidError, match="not one of this twin's stocks"):
        well_contents("A1", {"mystery": 10.0}, stocks)
    assert molar("150 uM") == pytest.approx(1.5e-4) and molar("2 mM") == 2e-3 and molar("30%") is None


PROTOCOL = {
    "labwright": "labwright/1",
    "metadata": {"name": "two colours", "robot": "ot2"},
    "labware": [
        {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
        {"id": "stocks", "load_name": "nest_12_reservoir_15ml", "slot": "2"},
        {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "3"},
    ],
    "pipettes": [{"id": "p300", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}],
    "liquids": [
        {"id": "water", "name": "water", "smiles": "O", "initial_volumes": {"stocks:A1": "10 mL"}},
        {
            "id": "yellow",
            "name": "tartrazine",
            "cas": "1934-21-0",
            "concentration": "150 uM",
            "initial_volumes": {"stocks:A2": "10 mL"},
        },
    ],
    "steps": [
        {"op": "transfer", "pipette": "p300", "volume": "150 uL", "source": "stocks:A1", "dest": "plate:A1"},
        {"op": "transfer", "pipette": "p300", "volume": "50 uL", "source": "stocks:A2", "dest": "plate:A1"},
        {"op": "transfer", "pipette": "p300", "volume": "100 uL", "source": "stocks:A2", "dest": "plate:B1"},
        {"op": "transfer", "pipette": "p300", "volume": "100 uL", "source": "stocks:A1", "dest": "plate:B1"},
        {"op": "measure", "labware": "plate", "wells": ["A1", "B1"]},
    ],
}
STOCKS = {"water": Stock({}, "water"), "yellow": Stock({"tartrazine": 1.5e-4}, "water")}


def _event(doc: dict) -> object:
    return replay(resolve(parse_protocol(doc))).twin.measurements[-1]


def test_the_twin_reads_what_the_replayed_protocol_put_in_each_well() -> None:
    area = well_area_mm2("corning_96_wellplate_360ul_flat")
    assert area == pytest.approx(math.pi * (6.86 / 2) ** 2, rel=0.01)  # from the Opentrons definition
    quiet = ColourTwin(STOCKS, well_area_mm2=area, pipetting_cv=0, abs_noise_od=0, abs_noise_rel=0)
    values = quiet(_event(PROTOCOL))
    assert set(values) == {"A1", "B1"}
    # A1: 50 of 200 uL yellow stock; B1: 100 of 200 uL: twice the dye, the same path length
    for well, share in (("A1", 0.25), ("B1", 0.5)):
        expected = lab_of_absorbance(absorbance_spectrum({"tartrazine": 1.5e-4 * share}, 0.1 * 200 / area))
        got = (values[well]["L"], values[well]["a"], values[well]["b"])
        assert got == pytest.approx(expected, abs=1e-9)
        assert values[well]["volume_ul"] == pytest.approx(200.0)
    assert values["B1"]["A426"] == pytest.approx(2 * values["A1"]["A426"], rel=1e-9)
    assert values["B1"]["b"] > values["A1"]["b"]  # more dye, more yellow


def test_changing_the_protocol_changes_the_reading_and_noise_is_seeded_per_experiment() -> None:
    area = well_area_mm2("corning_96_wellplate_360ul_flat")
    twin = ColourTwin(STOCKS, well_area_mm2=area, target_lab=(90.0, -5.0, 60.0), seed=7)
    event = _event(PROTOCOL)
    first = twin.for_experiment("run:r1:e1")(event)
    again = twin.for_experiment("run:r1:e1")(event)
    other = twin.for_experiment("run:r1:e2")(event)
    assert first == again  # the same experiment reads the same (a resumed run records the same values)
    assert first["A1"]["L"] != other["A1"]["L"]  # noise differs between experiments
    assert abs(first["A1"]["L"] - other["A1"]["L"]) < 1.0  # ...by realistic amounts
    assert "delta_e" in first["A1"] and first["A1"]["delta_e"] > 0
    doc = {**PROTOCOL, "steps": [dict(s) for s in PROTOCOL["steps"]]}
    doc["steps"][1]["volume"] = "20 uL"  # less yellow in A1
    changed = twin.for_experiment("run:r1:e1")(_event(doc))
    assert changed["A1"]["b"] < first["A1"]["b"] - 5


def test_an_unknown_liquid_in_a_measured_well_is_a_failed_measurement() -> None:
    area = well_area_mm2("corning_96_wellplate_360ul_flat")
    twin = ColourTwin({"water": Stock({}, "water")}, well_area_mm2=area)
    with pytest.raises(UnknownLiquidError, match="'yellow'"):
        twin(_event(PROTOCOL))
    with pytest.raises(ValueError, match="knows no dye"):
        ColourTwin({"x": Stock({"indigo carmine": 1e-4})}, well_area_mm2=area)
