"""Hostile and careless documents: each is refused with exit 2 and one clear message, before
the work is done, with no traceback (issue 13, must-have 4: the document loaders).

Every case goes through `labwright validate --json` as a user runs it (typer's CliRunner, in
process) and, where the limit itself is the point, through ``labwright.protocols.documents``.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from labwright.protocols.documents import LIMITS, parse_json, parse_yaml, read_text_file
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.io import MAX_STEPS
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
RUNNER = CliRunner()


def validate(path: Path) -> tuple[int, dict]:
    result = RUNNER.invoke(app, ["validate", "--json", str(path)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[0])


def alias_bomb(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_duplicate_key_in_a_step_names_the_key_and_both_lines(tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    assert "volume: 100 uL\n" in text
    bad = tmp_path / "dup.yaml"
    bad.write_text(text.replace("volume: 100 uL\n", "volume: 100 uL\n    volume: 250 uL\n", 1))
    line = text[: text.index("volume: 100 uL\n")].count("\n") + 1
    code, out = validate(bad)
    assert code == 2 and out["certificate"] is None
    assert f"duplicate key 'volume' at lines {line} and {line + 1}" in out["error"]


def test_duplicate_key_in_json_names_the_key_and_both_lines(tmp_path: Path) -> None:
    bad = tmp_path / "dup.json"
    bad.write_text('{\n  "labwright": "labwright/1",\n  "metadata": {"name": "x", "robot": "ot2"},\n'
                   '  "metadata": {"name": "y", "robot": "flex"}\n}\n')
    code, out = validate(bad)
    assert code == 2
    assert "duplicate key 'metadata' at lines 3 and 4" in out["error"]


def test_yaml_alias_bomb_is_refused_quickly_and_without_expanding_it(tmp_path: Path) -> None:
    bomb = alias_bomb(9)  # 10**9 leaves if expanded; ~1 KB of text
    assert len(bomb) < 2100
    doc = tmp_path / "bomb.yaml"
    nested = "".join("  " + line + "\n" for line in bomb.splitlines())
    doc.write_text(EXAMPLE.read_text() + "custom_labware:\n" + nested)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    code, out = validate(doc)
    elapsed = time.perf_counter() - start
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert code == 2 and "aliases that multiply" in out["error"]
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert grown_mb < 200, f"peak memory grew by {grown_mb:.0f} MB"


def test_a_modest_alias_use_still_loads() -> None:
    assert parse_yaml("mix: &m {repetitions: 3, volume: 50 uL}\nagain: *m\n")["again"]["volume"] == "50 uL"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_deep_nesting_is_refused(tmp_path: Path, suffix: str) -> None:
    for depth in (LIMITS.max_depth + 1, 900, 200_000):
        path = tmp_path / f"deep{depth}{suffix}"
        path.write_text('{"metadata": ' + "[" * depth + "]" * depth + "}")
        code, out = validate(path)
        assert code == 2 and "nested more than 64 levels deep" in out["error"], (depth, out)


def test_nesting_within_the_limit_loads() -> None:
    depth = LIMITS.max_depth - 1
    assert parse_json("[" * depth + "]" * depth) is not None
    assert parse_yaml("[" * depth + "]" * depth) is not None


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_integers_of_thousands_of_digits_are_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"big{suffix}"
    path.write_text('{"labwright": "labwright/1", "metadata": {"name": "x", "robot": "ot2"}, '
                    '"steps": [{"op": "delay", "seconds": ' + "9" * 5000 + "}]}")
    code, out = validate(path)
    assert code == 2 and "digits" in out["error"]


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("labwright: labwright/1\nmetadata: &m {name: x, robot: ot2, self: *m}\n")
    code, out = validate(path)
    assert code == 2 and out["certificate"] is None


def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "protocol.yaml"
    os.mkfifo(fifo)
    start = time.perf_counter()
    code, out = validate(fifo)  # opening a FIFO with no writer would block forever
    assert code == 2 and "not a regular file" in out["error"]
    assert time.perf_counter() - start < 5
    with pytest.raises(UnusableInputError, match="not a regular file"):
        read_text_file("/dev/zero")


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:  # sparse: the size is there, the bytes are not written
        handle.truncate(LIMITS.max_bytes + 1)
    code, out = validate(big)
    assert code == 2 and "MB limit" in out["error"]


def test_too_many_steps_are_refused_before_parsing_them(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    steps = ",".join(['{"op":"comment","text":"x"}'] * (MAX_STEPS + 1))
    head = '{"labwright": "labwright/1", "metadata": {"name": "x", "robot": "ot2"}, "steps": ['
    path.write_text(head + steps + "]}")
    code, out = validate(path)
    assert code == 2 and f"over the limit of {MAX_STEPS:,}" in out["error"]


NASTY = [
    "\x00", "\ufeff", "{", "[", ": :", "? ? ?", "!!python/object:os.system ['true']", "&a *a", "*unknown",
    "%YAML 9.9\n---\n", "--- !!binary 'AAAA'", "a: !!timestamp not-a-date", "\t- tab", "'unterminated",
    "{a: 1, a: 2}", "- &x 1\n- *x\n- *y", "a: 1\n---\nb: 2", "!!set {a, b}", "?\n:",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(NASTY) | st.text(max_size=20), min_size=1, max_size=6))
def test_fuzzed_yaml_text_never_escapes_as_a_traceback(parts: list[str]) -> None:
    text = "\n".join(parts)
    for parse in (parse_yaml, parse_json):
        try:
            parse(text, source="fuzz")
        except UnusableInputError as exc:
            assert exc.message.startswith("fuzz"), exc.message
