"""The protocol language: units at the boundary, round trips, identity, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labwright.protocols import (
    canonical_json,
    dump_json,
    dump_yaml,
    json_schema,
    load_protocol,
    parse_protocol,
    protocol_sha256,
)
from labwright.protocols.io import parse_document_text
from pydantic import ValidationError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "protocols"

BASE = {
    "labwright": "labwright/1",
    "metadata": {"name": "t", "robot": "ot2"},
    "labware": [{"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "1"}],
    "pipettes": [{"id": "p", "model": "p300_single_gen2", "mount": "left"}],
}


def with_step(**step: object) -> dict:
    return {**BASE, "steps": [step]}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("50 uL", 50.0),
        ("0.05 mL", 50.0),
        ("50 µL", 50.0),
        ("1e-5 L", 10.0),
        ({"value": 2, "unit": "uL"}, 2.0),
    ],
)
def test_volume_units_are_converted_to_microlitres(written: object, expected: float) -> None:
    p = parse_protocol(with_step(op="aspirate", pipette="p", location="plate:A1", volume=written))
    assert p.steps[0].volume_ul == pytest.approx(expected)


def test_time_and_temperature_units() -> None:
    p = parse_protocol(
        {
            **BASE,
            "modules": [{"id": "t", "type": "temperature", "slot": "3"}],
            "steps": [
                {"op": "delay", "duration": "2 min"},
                {"op": "set_temperature", "module": "t", "temperature": "37 degC"},
                {"op": "set_temperature", "module": "t", "temperature": "310.15 K"},
            ],
        }
    )
    assert p.steps[0].seconds == 120
    assert p.steps[1].celsius == pytest.approx(37)
    assert p.steps[2].celsius == pytest.approx(37)


def test_unit_named_field_takes_a_bare_number() -> None:
    p = parse_protocol(with_step(op="aspirate", pipette="p", location="plate:A1", volume_ul=20))
    assert p.steps[0].volume_ul == 20


@pytest.mark.parametrize(
    ("written", "error_type"),
    [
        ("50", "unit_missing"),
        (50, "unit_missing"),
        ("2 min", "unit_dimension"),
        ("50 blorbs", "unit_invalid"),
        ("-5 uL", "value_negative"),
        ("nan", "value_not_finite"),
        ("1e12 uL", "value_absurd"),
    ],
)
def test_bad_quantities_are_rejected_with_a_specific_error(written: object, error_type: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_protocol(with_step(op="aspirate", pipette="p", location="plate:A1", volume=written))
    assert error_type in {e["type"] for e in exc.value.errors()}


def test_models_are_frozen() -> None:
    p = parse_protocol(with_step(op="comment", text="hi"))
    with pytest.raises(ValidationError):
        p.metadata.name = "other"  # type: ignore[misc]


def test_yaml_and_json_round_trip_loss_free_for_every_example() -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert files
    for path in files:
        p = load_protocol(path)
        again_yaml = parse_protocol(parse_document_text(dump_yaml(p)))
        again_json = parse_protocol(json.loads(dump_json(p)))
        assert again_yaml == p, path
        assert again_json == p, path
        assert protocol_sha256(again_yaml) == protocol_sha256(p)


def test_identity_ignores_formatting_but_not_content() -> None:
    a = parse_protocol(with_step(op="aspirate", pipette="p", location="plate:A1", volume="50 uL"))
    b = parse_protocol(with_step(op="aspirate", pipette="p", location="plate:A1", volume_ul=50.0))
    c = parse_protocol(with_step(op="aspirate", pipette="p", location="plate:A1", volume_ul=50.5))
    assert protocol_sha256(a) == protocol_sha256(b)
    assert protocol_sha256(a) != protocol_sha256(c)
    doc = json.loads(canonical_json(a))
    assert doc["steps"][0]["volume_ul"] == 50  # normalised number


def test_json_schema_describes_every_step_op() -> None:
    schema = json_schema()
    text = json.dumps(schema)
    for op in ("transfer", "distribute", "consolidate", "air_gap", "engage_magnets", "measure"):
        assert f'"{op}"' in text
    assert schema["title"].startswith("labwright protocol")
