"""The planner's loaded grammar is cached on disk: the same parses, keyed by the grammar's text,
and a cache file someone else could have written is never loaded."""

from __future__ import annotations

import os

import pytest
from labwright.agents.planner import grammar_cache
from labwright.agents.planner.grammar import GRAMMAR
from lark import Lark
from lark.load_grammar import Grammar

SENTENCES = [
    "Make a 1:2 serial dilution of fluorescein in PBS down column 1 of a 96 well plate, "
    "100 uL final volume per well, then measure fluorescence.",
    "Add 0.05 mL of water to well A1 of a 96 well plate",
    "Incubate for 1.5 hrs at 4 degrees Celsius",
    "Shake the plate at 1200 RPM for 2 min",
    "transfer 50 uL of water from A1 to B1",
]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _parser(grammar) -> Lark:
    return Lark(grammar, parser="earley", lexer="basic", propagate_positions=True, ambiguity="resolve")


def test_the_cached_grammar_parses_exactly_as_the_text(cache_home):
    path = grammar_cache.cache_file(GRAMMAR)
    assert path is not None and str(path).startswith(str(cache_home)) and not path.exists()
    first = grammar_cache.loaded_grammar(GRAMMAR)  # loaded from the text, then written
    assert isinstance(first, Grammar) and path.exists()
    assert path.stat().st_mode & 0o077 == 0
    cached = grammar_cache.loaded_grammar(GRAMMAR)  # read back from the file
    assert isinstance(cached, Grammar) and cached is not first
    from_text, from_cache = _parser(GRAMMAR), _parser(cached)
    for sentence in SENTENCES:
        assert from_cache.parse(sentence) == from_text.parse(sentence), sentence


def test_another_grammar_text_has_another_cache_file(cache_home):
    changed = GRAMMAR.replace('"please"i', '"please"i | "pls"i')
    assert changed != GRAMMAR
    assert grammar_cache.cache_file(changed) != grammar_cache.cache_file(GRAMMAR)
    grammar_cache.loaded_grammar(GRAMMAR)
    parser = _parser(grammar_cache.loaded_grammar(changed))  # not the cached GRAMMAR
    assert parser.parse("pls transfer 50 uL of water from A1 to B1")


@pytest.mark.parametrize("spoil", ["writable by others", "corrupt"])
def test_an_unsafe_or_corrupt_cache_file_is_not_loaded(spoil, cache_home, monkeypatch):
    path = grammar_cache.cache_file(GRAMMAR)
    grammar_cache.loaded_grammar(GRAMMAR)
    if spoil == "corrupt":
        path.write_bytes(b"not a pickle")
    else:
        os.chmod(path, 0o666)
    loads = []
    real_load = grammar_cache.pickle.load
    monkeypatch.setattr(grammar_cache.pickle, "load", lambda f: loads.append(1) or real_load(f))
    grammar = grammar_cache.loaded_grammar(GRAMMAR)  # read from the text instead
    assert isinstance(grammar, Grammar)
    assert loads == ([] if spoil == "writable by others" else [1])
    assert _parser(grammar).parse(SENTENCES[-1])
