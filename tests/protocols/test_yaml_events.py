"""YAML read straight from libyaml's events (``labwright.protocols.yaml_events``): the same data
PyYAML's safe loader gives, with every guard of ``labwright.protocols.documents`` kept
(issue 13, must-haves 4 and 5)."""

from __future__ import annotations

import datetime
import time
from dataclasses import replace

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from labwright.protocols.documents import LIMITS, parse_yaml
from labwright.protocols.errors import UnusableInputError

# texts that YAML 1.1 (PyYAML) types: the loader must type them exactly as PyYAML does
TRICKY = [
    "yes", "No", "on", "OFF", "true", "~", "null", "", "0x1F", "0o17", "017", "0b101", "1_000",
    "1:30", "190:20:30.15", "-0", "+12", ".inf", "-.Inf", ".NaN", "1e3", "1.5e-3", "6.8523015e+5",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2002-12-14 21:59:43", "=", "<<", "a: b",
    "- x", "#", "'", '"', "50 uL", "plate:A1", "   padded  ", "tab\there", "multi\nline", "é✓",
]

scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(),
)
keys = st.one_of(st.sampled_from(TRICKY), st.text(max_size=8), st.integers(-5, 5))
data = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=150, deadline=None)
@given(value=data, flow=st.sampled_from([False, True, None]), share=st.booleans())
def test_round_trip_matches_pyyaml(value: object, flow: bool | None, share: bool) -> None:
    """Whatever PyYAML writes (block or flow style, with anchors for shared values), the loader
    reads as PyYAML's own safe loader does."""
    if share:  # the same object twice: safe_dump writes an anchor and an alias
        value = {"first": value, "again": value, "list": [value, value]}
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    assert repr(parse_yaml(text)) == repr(yaml.load(text, Loader=yaml.CSafeLoader))


NASTY = [
    "a: 1", "- b", "c: &x [1, 2]", "d: *x", "e: {f: g}", "<<: *x", "<<: {h: 1}", "? [k]\n: v", "!!str 5",
    "!!binary aGk=", "!!set {p, q}", "!!omap [{a: 1}]", "!!python/object:os.system [x]", "!!int 12",
    "x: !!float 1", "'q'", "|\n  lit", ">\n  fold", "{a: 1, b: 2}", "- - - 1", ": x", "&y 3", "*y", "---",
    "...", "%TAG ! tag:x,2000:", "! 12", "yes: no", "=: 1", "k: =", "[1, 2", "\t", "#c", "1: one",
]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(NASTY) | st.text(max_size=10), min_size=1, max_size=6))
def test_fuzzed_text_loads_as_pyyaml_loads_it_or_is_refused(parts: list[str]) -> None:
    """On any text: a value only where PyYAML gives the same value, and never a traceback."""
    text = "\n".join(parts)
    try:
        value = parse_yaml(text, source="fuzz")
    except UnusableInputError as exc:
        assert exc.message.startswith("fuzz"), exc.message
        return
    expected = yaml.load(text, Loader=yaml.CSafeLoader)  # it read the text, so PyYAML must
    assert repr(value) == repr(expected)


# ------------------------------------------------------------------------------ the guards


def test_duplicate_keys_are_compared_as_the_values_they_become() -> None:
    with pytest.raises(UnusableInputError, match=r"duplicate key 'volume' at lines 2 and 4"):
        parse_yaml("- op: mix\n  volume: 10 uL\n  pipette: p20\n  volume: 20 uL\n")
    # `yes` and `true` are both True: a dict would keep one of them silently
    with pytest.raises(UnusableInputError, match=r"duplicate key True at lines 1 and 3"):
        parse_yaml("yes: 1\nb: 2\ntrue: 3\n")
    with pytest.raises(UnusableInputError, match=r"duplicate key '<<' at lines 2 and 3"):
        parse_yaml("a: &a {x: 1}\nb: {<<: *a,\n    <<: *a}\n")
    assert parse_yaml("1: int\n'1': str\n") == {1: "int", "1": "str"}  # different keys


def test_alias_expansion_is_counted_before_it_is_done() -> None:
    """Every value with aliases written out: root, 2 keys, 2 lists, 3 numbers, 2 aliases of 4."""
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    assert parse_yaml(text, limits=replace(LIMITS, max_nodes=16)) == {"a": [1, 2, 3], "b": [[1, 2, 3]] * 2}
    with pytest.raises(UnusableInputError, match="line 2: the document expands to more than 15 values"):
        parse_yaml(text, limits=replace(LIMITS, max_nodes=15))


def test_aliases_share_their_value_instead_of_copying_it() -> None:
    doc = parse_yaml("mix: &m {repetitions: 3, volume: 50 uL}\nsteps: [*m, *m, *m]\n")
    assert all(step is doc["mix"] for step in doc["steps"])


def test_a_billion_laughs_stops_after_a_few_events() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)]
    start = time.process_time()
    with pytest.raises(UnusableInputError, match=r"line 7: the document expands to more than 4,000,000"):
        parse_yaml("\n".join(lines))
    assert time.process_time() - start < 1.0


def test_integer_digits_are_checked_before_int_sees_them() -> None:
    ok = "9" * LIMITS.max_int_digits
    assert parse_yaml(f"n: {ok}") == {"n": int(ok)}
    for text in (f"n: {ok}9", f"n: !!int {ok}9", f"n: -{'1_' * 60}1", "n: " + "9" * 100_000):
        with pytest.raises(UnusableInputError, match=r"line 1: a number with \d+ digits"):
            parse_yaml(text)
    assert parse_yaml(f"n: '{ok}9'") == {"n": ok + "9"}  # a quoted number is text


def test_depth_counts_scalars_and_aliases_as_the_composer_does() -> None:
    depth = LIMITS.max_depth
    inside = "[" * (depth - 1) + "x" + "]" * (depth - 1)  # x is the 64th level
    assert parse_yaml(inside) is not None
    alias_too_deep = "a: &a 1\nb: " + "[" * (depth - 1) + "*a" + "]" * (depth - 1)
    for text in ("[" * depth + "x" + "]" * depth, alias_too_deep):
        with pytest.raises(UnusableInputError, match="nested more than 64 levels deep"):
            parse_yaml(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &m {self: *m}\n", "an alias refers to the value that contains it"),
        ("a: *nowhere\n", "not valid YAML: found undefined alias 'nowhere'"),
        ("a: &x 1\nb: &x 2\n", "the anchor &x is defined twice .lines 1 and 2."),
        ("a: 1\n---\nb: 2\n", "not valid YAML: expected a single document in the stream"),
        ("? [a, b]\n: c\n", "line 1: a mapping key that is itself a list"),
        ("a: <<\n", "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'"),
        ("a: =\n", "could not determine a constructor for the tag 'tag:yaml.org,2002:value'"),
        ("a: {<<: [{x: 1}, 2]}\n", "line 1: a merge key .<<. takes a mapping or a list of mappings, not int"),
        ("a: {<<: 5}\n", "line 1: a merge key .<<. takes a mapping or a list of mappings, not int"),
        ("a: !!python/name:os.system x\n", "could not determine a constructor"),
        ("a: !!python/object:os.system [x]\n", "could not determine a constructor"),
        ("a: !custom {b: 1}\n", "could not determine a constructor for the tag '!custom'"),
        ("a: !!set [b]\n", "tag:yaml.org,2002:set takes a mapping"),
        ("a: !!omap {b: 1}\n", "tag:yaml.org,2002:omap takes a sequence"),
        ("a: !!pairs [{b: 1, c: 2}]\n", "line 1: pairs takes a list of mappings with one key each"),
        ("a: !!timestamp not-a-date\n", "unusable YAML"),
    ],
)
def test_unusable_yaml_is_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(UnusableInputError, match=message.replace("[", r"\[")):
        parse_yaml(text, source="p.yaml")


# --------------------------------------------------------------------------- what it reads


def test_merge_keys_follow_the_yaml_merge_key_spec() -> None:
    text = (
        "base: &b {pipette: p20, volume: 10 uL, position: top}\n"
        "more: &m {volume: 15 uL, offset: 2 mm}\n"
        "one: {<<: *b, volume: 20 uL}\n"
        "two:\n  <<: [*m, *b]\n  op: mix\n"
    )
    doc = parse_yaml(text)
    assert doc["one"] == {"pipette": "p20", "volume": "20 uL", "position": "top"}  # explicit wins
    # in a merged list the earlier mapping wins; the mapping's own keys come after the merged ones
    two = {"volume": "15 uL", "offset": "2 mm", "pipette": "p20", "position": "top", "op": "mix"}
    assert doc["two"] == two and list(doc["two"]) == list(two)
    assert parse_yaml("=: 1\n'<<': 2\n") == {"=": 1, "<<": 2}


def test_tags_are_read_as_pyyaml_reads_them() -> None:
    doc = parse_yaml(
        "s: !!str 12\nf: !!float 1\nb: !!binary aGk=\nn: ! 12\nq: !!str\nd: 2001-12-14\n"
        "t: 2001-12-14 21:59:43.10\nset: !!set {a, b}\nomap: !!omap [{x: 1}, {y: 2}]\nseq: !!seq [1]\n"
    )
    assert doc == {
        "s": "12", "f": 1.0, "b": b"hi", "n": 12, "q": "", "d": datetime.date(2001, 12, 14),
        "t": datetime.datetime(2001, 12, 14, 21, 59, 43, 100000), "set": {"a", "b"},
        "omap": [("x", 1), ("y", 2)], "seq": [1],
    }


def test_empty_and_scalar_documents() -> None:
    assert parse_yaml("") is None
    assert parse_yaml("# only a comment\n") is None
    assert parse_yaml("---\n...\n") is None
    assert parse_yaml("--- 5\n") == 5
    assert parse_yaml("plate:A1") == "plate:A1"


def test_repeated_values_share_one_object() -> None:
    """A protocol repeats its values (pipettes, volumes, wells): one object per distinct text."""
    doc = parse_yaml("- {pipette: p300, volume: 10 uL}\n- {pipette: p300, volume: 10 uL}\n")
    assert doc[0]["pipette"] is doc[1]["pipette"] and doc[0]["volume"] is doc[1]["volume"]
