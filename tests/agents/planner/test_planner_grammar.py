"""The offline planner's parser: a grammar (lark), units in any common spelling, and what it does
not understand reported word for word, never guessed."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from labwright.agents.planner import intents as it
from labwright.agents.planner.parse import parse_request, split_sentences

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
from agent_requests import REQUESTS  # noqa: E402


def _only(text: str) -> it.Intent:
    parsed = parse_request(text)
    assert not parsed.not_understood, parsed.not_understood
    handling = [i for i in parsed.intents if not isinstance(i, it.Setting)]
    assert len(handling) == 1, parsed.intents
    return handling[0]


@pytest.mark.parametrize(
    "amount",
    [
        "50 uL",
        "50 ul",
        "50 µL",
        "50 μl",
        "50uL",
        "0.05 mL",
        "0.05 ml",
        "50 microliters",
        "50 microlitres",
        "50 µ l",
        ".05 mL",
        "50000 nL",
    ],
)
def test_volumes_in_any_common_spelling(amount: str) -> None:
    t = _only(f"Add {amount} of water to well A1 of a 96 well plate")
    assert isinstance(t, it.Transfer) and t.volume_ul == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("text", "seconds", "celsius"),
    [
        ("Incubate at 37 °C for 30 min", 1800, 37),
        ("Incubate at 37 degC for 0.5 h", 1800, 37),
        ("Incubate at 37 degrees C for 1800 secs", 1800, 37),
        ("Incubate at 37 C for 30 minutes", 1800, 37),
        ("Incubate for 1.5 hrs at 4 degrees Celsius", 5400, 4),
        ("Incubate at 37°C for 90 s", 90, 37),
    ],
)
def test_times_and_temperatures(text: str, seconds: float, celsius: float) -> None:
    i = _only(text)
    assert isinstance(i, it.Incubate)
    assert i.seconds == pytest.approx(seconds) and i.celsius == pytest.approx(celsius)


def test_speed_and_wavelength() -> None:
    s = _only("Shake the plate at 1200 RPM for 2 min")
    assert isinstance(s, it.Shake) and (s.rpm, s.seconds) == (1200, 120)
    m = _only("Read OD600")
    assert isinstance(m, it.Measure) and (m.kind, m.wavelength_nm) == ("absorbance", 600)
    m = _only("Measure fluorescence of the plate")
    assert isinstance(m, it.Measure) and m.kind == "fluorescence"


@pytest.mark.parametrize(
    ("ratio", "factor"), [("1:2", 2), ("1:10", 10), ("2-fold", 2), ("ten-fold", 10), ("3x", 3), ("1 in 5", 5)]
)
def test_dilution_factors(ratio: str, factor: float) -> None:
    sd = _only(f"Make a {ratio} serial dilution of fluorescein in PBS down column 1 of a 96 well plate")
    assert isinstance(sd, it.SerialDilution) and sd.factor == factor
    assert sd.stock.name == "fluorescein" and sd.diluent and sd.diluent.name == "PBS"


def test_liquid_names_stop_at_keywords_and_keep_their_concentration() -> None:
    sd = _only("Serially dilute 1 mM sodium chloride 1:3 in phosphate buffered saline across row B")
    assert isinstance(sd, it.SerialDilution)
    assert (sd.stock.name, sd.stock.concentration) == ("sodium chloride", "1 mM")
    assert sd.diluent is not None and sd.diluent.name == "phosphate buffered saline"
    assert sd.place is not None and sd.place.selection == it.Selection("rows", ("B",))


def test_places() -> None:
    t = _only("Transfer 10 uL of water to wells A1, B2 and C3 of a 384 well plate")
    assert t.dest.selection == it.Selection("wells", ("A1", "B2", "C3"))
    assert t.dest.container is not None and t.dest.container.wells == 384
    t = _only("Transfer 10 uL of water to columns 2 to 4 of a deep well plate")
    assert t.dest.selection == it.Selection("columns", ("2", "3", "4"))
    assert t.dest.container is not None and t.dest.container.kind == "deep_plate"
    c = _only("Copy 20 uL of every well of a 96 well plate of samples into 2 new plates")
    assert isinstance(c, it.CopyPlate) and c.dest.container is not None
    assert (c.dest.container.count, c.dest.container.new) == (2, True)
    assert c.source.container is not None and c.source.container.contents == it.LiquidRef("samples")


def test_a_table_written_one_row_per_line_joins_its_sentence() -> None:
    sentences = split_sentences(
        "Normalise the samples to 5 ng/uL in 20 uL with water:\nA1 20\nA2 50\n\nWait 5 min."
    )
    assert sentences == ["Normalise the samples to 5 ng/uL in 20 uL with water: A1 20, A2 50", "Wait 5 min"]
    assert split_sentences("Add 0.5 mL of water to well A1. Then wait 2 min.") == [
        "Add 0.5 mL of water to well A1",
        "Then wait 2 min",
    ]


def test_what_is_not_understood_is_reported_word_for_word() -> None:
    parsed = parse_request(
        "Add 50 uL of water to well A1 of a 96 well plate, then centrifuge the plate at 1000 g, "
        "then wait 5 min. Also make coffee."
    )
    assert parsed.not_understood == ["centrifuge the plate at 1000 g", "Also make coffee"]
    assert [type(i) for i in parsed.intents] == [it.Transfer, it.Wait]


def test_a_number_with_a_unit_of_the_wrong_kind_is_not_read_as_another_quantity() -> None:
    parsed = parse_request("Add 50 kg of water to well A1 of a 96 well plate")
    assert parsed.not_understood and not parsed.intents


def _no_parse_trees(value: object) -> bool:
    """No lark tree left anywhere in an intent: every rule was turned into data."""
    from lark import Tree

    if isinstance(value, Tree):
        return False
    if dataclasses.is_dataclass(value):
        return all(_no_parse_trees(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list | tuple):
        return all(_no_parse_trees(v) for v in value)
    if isinstance(value, dict):
        return all(_no_parse_trees(v) for v in value.values())
    return True


@pytest.mark.parametrize("req", REQUESTS, ids=[f"r{i}" for i in range(len(REQUESTS))])
def test_every_bench_request_parses_into_plain_data(req) -> None:  # noqa: ANN001
    parsed = parse_request(req.text)
    assert all(_no_parse_trees(i) for i in parsed.intents)
    if req.outcome != "not_understood":
        assert not parsed.not_understood, parsed.not_understood


@pytest.mark.parametrize(
    "text",
    [
        "I want to aliquot 200 uL of LB into every well of a deep well plate",
        "Please add 100ul water to all wells of a 96-well plate",
        "Can you add 20 uL of buffer to rows b to d of a 96 well plate?",
        "Add 5 ul of water to wells a1 to a4 of a pcr plate",
        "Dispense 100 uL of water into each well of column 2 of a 96 well plate",
    ],
)
def test_everyday_phrasings(text: str) -> None:
    t = _only(text)
    assert isinstance(t, it.Transfer) and t.volume_ul is not None and t.liquid is not None
