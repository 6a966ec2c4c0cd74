"""`labwright schema` describes what the parser accepts: checked with jsonschema on real files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from labwright.protocols import dump_json, json_schema, load_protocol, parse_protocol
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "protocols").glob("*.yaml"))
FAULTY = ROOT / "tests" / "data" / "faulty"
# faulty files whose fault is structural (a JSON Schema can say it); the others are faults of
# value or meaning (a NaN, a unit of the wrong dimension, a missing well) only the parser and
# the verifier can see
STRUCTURAL = [
    "schema_initial_volume_unit_missing.yaml",
    "schema_missing_field.yaml",
    "schema_mix_repetitions_type.yaml",
    "schema_robot_not_allowed.yaml",
    "schema_unit_missing_delay.yaml",
    "schema_unit_missing_volume.yaml",
    "schema_unknown_field.yaml",
    "schema_unknown_op.yaml",
    "temperature_unit_missing.yaml",
]


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: Any, doc: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message[:120]}" for e in validator.iter_errors(doc)]


def test_there_are_examples_to_check() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_as_written_and_as_exported_matches_the_schema(
    validator: Any, path: Path
) -> None:
    written = yaml.safe_load(path.read_text())
    assert _errors(validator, written) == []  # short unit keys: "volume: 50 uL"
    exported = json.loads(dump_json(load_protocol(path)))
    assert _errors(validator, exported) == []  # canonical fields: "volume_ul: 50"


@pytest.mark.parametrize("name", STRUCTURAL)
def test_structural_faults_are_rejected_by_the_schema_as_by_the_parser(
    validator: Any, name: str
) -> None:
    doc = yaml.safe_load((FAULTY / name).read_text())
    assert _errors(validator, doc) != []
    with pytest.raises(ValidationError):
        parse_protocol(doc)


def _parses(doc: dict[str, Any]) -> bool:
    try:
        parse_protocol(doc)
    except ValidationError:
        return False
    return True


def _first_transfer(doc: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in doc["steps"] if s["op"] == "transfer")


def test_short_and_canonical_keys_one_or_the_other(validator: Any) -> None:
    doc = yaml.safe_load((ROOT / "examples" / "protocols" / "serial_dilution.yaml").read_text())
    step = _first_transfer(doc)
    assert "volume" in step
    for variant, ok in (
        ({"volume_ul": 50}, True),
        ({"volume_ul": "50 uL"}, True),
        ({"volume": {"value": 50, "unit": "uL"}}, True),
        ({"volume": 50}, False),  # a short key needs its unit
        ({"volume": "50 uL", "volume_ul": 50}, False),  # both
        ({}, False),  # neither: volume is required
    ):
        d = copy.deepcopy(doc)
        s = _first_transfer(d)
        s.pop("volume")
        s.update(variant)
        schema_ok = _errors(validator, d) == []
        assert schema_ok is ok, variant
        assert _parses(d) is ok, variant  # the schema and the parser agree


def test_integer_slots_are_in_the_schema(validator: Any) -> None:
    doc = yaml.safe_load((ROOT / "examples" / "protocols" / "serial_dilution.yaml").read_text())
    d = copy.deepcopy(doc)
    d["labware"][0]["slot"] = 3
    assert _errors(validator, d) == []
    assert parse_protocol(d).labware[0].slot == "3"


def test_two_short_keys_for_one_field_are_refused_by_both(validator: Any) -> None:
    doc = yaml.safe_load((ROOT / "examples" / "protocols" / "serial_dilution.yaml").read_text())
    for step, ok in (
        ({"op": "delay", "duration": "30 s"}, True),
        ({"op": "delay", "time": "30 s"}, True),
        ({"op": "delay", "seconds": 30}, True),
        ({"op": "delay", "duration": "30 s", "time": "30 s"}, False),
        ({"op": "delay"}, False),
    ):
        d = copy.deepcopy(doc)
        d["steps"] = [step]
        assert (_errors(validator, d) == []) is ok, step
        assert _parses(d) is ok, step
