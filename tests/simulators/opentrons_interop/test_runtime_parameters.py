"""``--param NAME=VALUE`` against a protocol's runtime parameter definitions.

The definitions are taken from the real Opentrons 9.0.0 analysis of the corpus' "golden" RTP
protocol (every kind of parameter Opentrons has: int and float ranges and choices, bool, str
choices), so the checks run on the shapes Opentrons really reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from labwright.protocols.errors import UnusableInputError
from labwright.simulators.opentrons_interop.runtime_parameters import (
    ParameterValueProblem,
    coerce_values,
    describe,
    parse_param_options,
    values_of,
)

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = (
    ROOT
    / ".."
    / "shared"
    / "corpora"
    / "opentrons-analyses"
    / "protocols"
    / "OT2_S_v2_18_NO_PIPETTES_GoldenRTP_OT2.py"
)


@pytest.fixture(scope="module")
def definitions() -> list[dict[str, Any]]:
    if not GOLDEN.is_file():
        pytest.skip(f"the public Opentrons corpus is not at {GOLDEN.parent} (../shared is absent)")
    from labwright.simulators.opentrons_interop.analyzer import run_opentrons_analysis

    capture = run_opentrons_analysis(GOLDEN)
    assert capture.ok, capture.errors
    return capture.parameters


def test_the_analysis_reports_every_definition_with_its_default(definitions: list[dict[str, Any]]) -> None:
    values = values_of(definitions)
    assert len(values) == 19
    # an int parameter with a range is reported as a float by Opentrons: it is the integer 6
    assert values["min_max_all_fields"] == 6 and type(values["min_max_all_fields"]) is int
    assert values["float_min_max_no_unit"] == 1.8 and values["bool_all_fields"] is False
    assert values["str_choices_all_many_fields"] == "E"


def test_text_values_take_their_parameter_type(definitions: list[dict[str, Any]]) -> None:
    given = {
        "min_max_all_fields": "12",
        "int_choices_all_fields": "16",
        "float_min_max_no_unit": "2.5",
        "float_choices_all_fields": "50",
        "bool_all_fields": "true",
        "bool_no_desc": "No",
        "str_choices_all_fields": "flex_8channel_50",
    }
    typed = coerce_values(given, definitions)
    assert typed == {
        "min_max_all_fields": 12,
        "int_choices_all_fields": 16,
        "float_min_max_no_unit": 2.5,
        "float_choices_all_fields": 50.0,
        "bool_all_fields": True,
        "bool_no_desc": False,
        "str_choices_all_fields": "flex_8channel_50",
    }
    assert [
        type(typed[k]) for k in ("min_max_all_fields", "float_choices_all_fields", "bool_all_fields")
    ] == [
        int,
        float,
        bool,
    ]
    # typed values (from a certificate) pass the same check unchanged
    assert coerce_values(typed, definitions) == typed


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (
            {"min_max_all_fields": "13"},
            "min_max_all_fields=13: out of range; the protocol defines "
            "min_max_all_fields (integer, 1 to 12 unit, default 6)",
        ),
        ({"min_max_all_fields": "6.5"}, "not a valid integer"),
        ({"float_min_max_no_unit": "1.4"}, "float_min_max_no_unit (number, 1.5 to 3, default 1.8)"),
        ({"float_min_max_no_unit": "nan"}, "not a valid number"),
        (
            {"int_choices_all_fields": "17"},
            "not one of the allowed choices; the protocol defines "
            "int_choices_all_fields (integer, one of 20, 16, default 20)",
        ),
        ({"str_choices_all_many_fields": "G"}, "one of 'A', 'B', 'C', 'D', 'E', 'F'"),
        (
            {"bool_all_fields": "maybe"},
            "not a valid boolean; the protocol defines bool_all_fields (boolean, true or false",
        ),
        ({"bool_all_fields": 1}, "not a valid boolean"),
        ({"min_max_all_fields": True}, "not a valid integer"),
        ({"str_choices_all_fields": 5}, "not a valid string"),
        ({"volume": "5"}, "defines no runtime parameter 'volume' (it defines: min_max_all_fields (integer"),
    ],
)
def test_values_the_definitions_do_not_allow_are_refused_naming_what_they_allow(
    definitions: list[dict[str, Any]], given: dict[str, Any], words: str
) -> None:
    with pytest.raises(ParameterValueProblem) as info:
        coerce_values(given, definitions)
    assert words in info.value.message
    assert info.value.hint


def test_describe_names_type_range_unit_choices_and_default(definitions: list[dict[str, Any]]) -> None:
    by_name = {d["variableName"]: d for d in definitions}
    assert describe(by_name["float_min_max_all_fields"]) == (
        "float_min_max_all_fields (number, 20 to 30 unit, default 30)"
    )
    assert describe(by_name["str_choices_no_desc"]) == (
        "str_choices_no_desc (string, one of 'flex_1channel_50', 'flex_8channel_50', "
        "default 'flex_1channel_50')"
    )


def test_param_options_are_name_equals_value() -> None:
    assert parse_param_options(["volume=50", "name=a=b", "empty="]) == {
        "volume": "50",
        "name": "a=b",
        "empty": "",
    }
    assert parse_param_options(None) == {}
    for bad, words in (
        (["volume"], "is not NAME=VALUE"),
        (["1x=2"], "is not NAME=VALUE"),
        (["v=1", "v=2"], "given twice"),
    ):
        with pytest.raises(UnusableInputError, match=words):
            parse_param_options(bad)
