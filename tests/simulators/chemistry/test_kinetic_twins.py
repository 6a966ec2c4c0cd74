"""Kinetic twins (SnAr, Baumgartner catalyst cases) and the deck twin's record of time and heat.

The kinetics are checked against conservation laws and an analytic solution; the twins are
checked on real protocols replayed by the deck twin, whose shaking, delays and set
temperatures must decide the measurement.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from labwright.protocols.io import parse_protocol
from labwright.simulators.chemistry.base import Stock
from labwright.simulators.chemistry.mit_kinetics import MitKineticsTwin, yield_of
from labwright.simulators.chemistry.snar import EA, K_REF, T_REF_K, SnArTwin, rate_constants, simulate
from labwright.simulators.deck.events import Exposure
from labwright.simulators.deck.replay import replay
from labwright.simulators.deck.resolve import resolve


def test_snar_rate_constants_are_the_published_ones_at_the_reference_temperature() -> None:
    assert rate_constants(T_REF_K) == pytest.approx(K_REF)
    # Arrhenius: the ratio between two temperatures follows from Ea alone
    ka_60, *_ = rate_constants(60 + 273.15)
    assert ka_60 / K_REF[0] == pytest.approx(math.exp(-EA[0] / 8.314462618e-3 * (1 / 333.15 - 1 / T_REF_K)))


def test_snar_conserves_the_aromatic_ring_and_the_pyrrolidine() -> None:
    c1, c2 = 0.4, 1.0
    final = simulate(c1, c2, [(45.0, 40.0), (90.0, 90.0), (30.0, 25.0)])
    assert final[0] + final[2] + final[3] + final[4] == pytest.approx(c1, rel=1e-6)
    assert final[1] + final[2] + final[3] + 2 * final[4] == pytest.approx(c2, rel=1e-6)
    assert final[2] > final[3] > 0  # ortho (k_a) beats para (k_b)
    # hotter and longer: more of the substrate converted, more over-reaction to the bis product
    cool = simulate(c1, c2, [(30.0, 40.0)])
    hot = simulate(c1, c2, [(120.0, 90.0)])
    assert hot[0] < cool[0] and hot[4] > cool[4]


def test_mit_case_1_matches_the_analytic_second_order_solution() -> None:
    # A + B -> R with constant k: A(t) = A0 (B0 - A0) / (B0 exp((B0 - A0) k t) - A0)
    a0, b0, loading, seconds, celsius = 0.167, 0.250, 2e-3, 300.0, 70.0
    k = math.sqrt(loading) * 3.1e7 * math.exp(-(55.0 + 0.3) / (8.314462618e-3 * (celsius + 273.15)))
    a = a0 * (b0 - a0) / (b0 * math.exp((b0 - a0) * k * seconds) - a0)
    assert yield_of(1, 1, loading, seconds, celsius, a0, b0) == pytest.approx((a0 - a) / a0, rel=1e-6)


def test_mit_case_5_catalyst_1_deactivates_above_80_degC() -> None:
    at = {t: yield_of(5, 0, 4.175e-3, 600.0, t) for t in (60.0, 76.0, 95.0)}
    assert at[76.0] > at[60.0] and at[76.0] > at[95.0]  # an optimum inside the range
    assert yield_of(5, 0, 4.175e-3, 600.0, 76.0) > yield_of(5, 7, 4.175e-3, 600.0, 76.0)  # catalyst 1 > 8
    # case 1 has no deactivation: hotter is better
    assert yield_of(1, 0, 4.175e-3, 600.0, 95.0) > yield_of(1, 0, 4.175e-3, 600.0, 76.0)


def _snar_protocol(celsius: float, seconds: float, delay_before: float = 0.0) -> dict:
    steps: list[dict] = [{"op": "set_temperature", "module": "hs", "celsius": celsius}]
    steps.append(
        {"op": "transfer", "pipette": "p300", "volume": "200 uL", "source": "stocks:A1", "dest": "plate:A1"}
    )
    if delay_before:
        steps.append({"op": "delay", "seconds": delay_before})  # solvent only: nothing reacts yet
    steps += [
        {"op": "transfer", "pipette": "p300", "volume": "100 uL", "source": "stocks:A2", "dest": "plate:A1"},
        {"op": "transfer", "pipette": "p300", "volume": "100 uL", "source": "stocks:A3", "dest": "plate:A1"},
        {"op": "shake", "module": "hs", "rpm": 1000, "seconds": seconds},
        {"op": "deactivate", "module": "hs"},
        {"op": "delay", "seconds": 10},  # at ambient before the measurement
        {"op": "measure", "labware": "plate", "wells": ["A1"]},
    ]
    return {
        "labwright": "labwright/1",
        "metadata": {"name": "snar batch", "robot": "ot2"},
        "labware": [
            {
                "id": "plate",
                "load_name": "nest_96_wellplate_2ml_deep",
                "module": "hs",
                "adapter": "opentrons_96_deep_well_adapter",
            },
            {"id": "stocks", "load_name": "nest_12_reservoir_15ml", "slot": "2"},
            {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "4"},
        ],
        "modules": [{"id": "hs", "type": "heater_shaker", "slot": "1"}],
        "pipettes": [{"id": "p300", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}],
        "liquids": [
            {
                "id": "eg",
                "name": "ethylene glycol",
                "smiles": "OCCO",
                "initial_volumes": {"stocks:A1": "5 mL"},
            },
            {
                "id": "dfnb",
                "name": "2,4-difluoronitrobenzene",
                "concentration": "1.6 M",
                "initial_volumes": {"stocks:A2": "5 mL"},
            },
            {
                "id": "pyr",
                "name": "pyrrolidine",
                "concentration": "1.6 M",
                "initial_volumes": {"stocks:A3": "5 mL"},
            },
        ],
        "steps": steps,
    }


STOCKS = {
    "eg": Stock({}, "ethylene glycol"),
    "dfnb": Stock({"2,4-difluoronitrobenzene": 1.6}, "ethylene glycol"),
    "pyr": Stock({"pyrrolidine": 1.6}, "ethylene glycol"),
}


def _event(doc: dict):  # noqa: ANN202
    return replay(resolve(parse_protocol(doc))).twin.measurements[-1]


def test_the_deck_twin_records_what_the_well_went_through_since_its_reagents_met() -> None:
    event = _event(_snar_protocol(70.0, 90.0, delay_before=300.0))
    assert event.elapsed_s == pytest.approx(400.0)  # 300 s delay, 90 s shaking, 10 s delay
    assert event.exposures["A1"] == (
        Exposure(start_s=300.0, end_s=390.0, celsius=70.0, rpm=1000.0),
        Exposure(start_s=390.0, end_s=400.0),  # deactivated: ambient, not shaking
    )


def test_the_snar_twin_measures_what_the_protocol_did() -> None:
    twin = SnArTwin(STOCKS, pipetting_cv=0.0, rel_noise=0.0)
    base = twin(_event(_snar_protocol(70.0, 90.0)))["A1"]
    # 100 uL of each 1.6 M stock in 400 uL: 0.4 M each; 90 s at 70 degC, then 10 s at 25 degC
    expected = simulate(0.4, 0.4, [(90.0, 70.0), (10.0, 25.0)])
    assert base["yield_pct"] == pytest.approx(100 * expected[2] / 0.4, rel=1e-6)
    assert base["initial_M"]["pyrrolidine"] == pytest.approx(0.4)
    assert base["reaction_s"] == pytest.approx(100.0)
    # the delay before the reagents met changes nothing; longer shaking or more heat does
    assert twin(_event(_snar_protocol(70.0, 90.0, delay_before=300.0)))["A1"]["yield_pct"] == pytest.approx(
        base["yield_pct"], rel=1e-9
    )
    longer = twin(_event(_snar_protocol(70.0, 180.0)))["A1"]
    cooler = twin(_event(_snar_protocol(40.0, 90.0)))["A1"]
    assert (
        longer["concentrations_M"]["2,4-difluoronitrobenzene"]
        < base["concentrations_M"]["2,4-difluoronitrobenzene"]
    )
    assert (
        cooler["concentrations_M"]["2,4-difluoronitrobenzene"]
        > base["concentrations_M"]["2,4-difluoronitrobenzene"]
    )
    # E-factor: everything but the product over the product; the solvent dominates
    assert 5 < base["e_factor"] < 100


def test_the_mit_twin_reads_catalyst_and_conditions_from_the_protocol() -> None:
    doc = _snar_protocol(76.0, 600.0)
    doc = copy.deepcopy(doc)
    doc["liquids"] = [
        {"id": "eg", "name": "ethylene glycol", "smiles": "OCCO", "initial_volumes": {"stocks:A1": "5 mL"}},
        {
            "id": "a",
            "name": "substrate A (simulated)",
            "concentration": "0.668 M",
            "initial_volumes": {"stocks:A2": "5 mL"},
        },
        {
            "id": "b",
            "name": "reagent B (simulated)",
            "concentration": "1.0 M",
            "initial_volumes": {"stocks:A3": "5 mL"},
        },
        {
            "id": "cat",
            "name": "catalyst 1 (simulated)",
            "concentration": "20 mM",
            "initial_volumes": {"stocks:A4": "5 mL"},
        },
    ]
    doc["steps"][1]["volume"] = "100 uL"  # solvent
    doc["steps"].insert(
        4,
        {"op": "transfer", "pipette": "p300", "volume": "100 uL", "source": "stocks:A4", "dest": "plate:A1"},
    )
    stocks = {
        "eg": Stock({}, "ethylene glycol"),
        "a": Stock({"A": 0.668}),
        "b": Stock({"B": 1.0}),
        "cat": Stock({"catalyst 1": 0.02}),
    }
    twin = MitKineticsTwin(stocks, case=5, pipetting_cv=0.0, rel_noise=0.0)
    got = twin(_event(doc))["A1"]
    assert got["initial_M"] == pytest.approx({"A": 0.167, "B": 0.25, "catalyst 1": 0.005})
    from labwright.simulators.chemistry.mit_kinetics import simulate as mit_simulate

    final = mit_simulate(5, 0.167, 0.25, {0: 0.005}, [(600.0, 76.0), (10.0, 25.0)])
    assert got["yield_pct"] == pytest.approx(100 * final[2] / 0.167, rel=1e-6)
    with pytest.raises(ValueError, match="knows species A, B"):
        MitKineticsTwin({"x": Stock({"palladium acetate": 0.01})})
    with pytest.raises(ValueError, match="no MIT case 9"):
        MitKineticsTwin(stocks, case=9)


def test_noise_is_realistic_and_seeded() -> None:
    twin = SnArTwin(STOCKS, seed=3)
    event = _event(_snar_protocol(70.0, 90.0))
    draws = [twin.for_experiment(f"k{i}")(event)["A1"]["yield_pct"] for i in range(30)]
    assert twin.for_experiment("k0")(event)["A1"]["yield_pct"] == draws[0]
    rel_sd = float(np.std(draws) / np.mean(draws))
    assert 0.005 < rel_sd < 0.06  # ~2 % assay noise and ~1 % pipetting: a few percent
