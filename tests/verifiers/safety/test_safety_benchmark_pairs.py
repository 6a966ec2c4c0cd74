"""Documented incompatible pairs are caught with a correct hazard; everyday pairs are not flagged.

The pairs (with expected hazard codes and references) are data shared with
bench/safety_bench.py: verifiers/safety/data/benchmark_pairs.yaml.
"""

from __future__ import annotations

import pytest
from labwright.verifiers.safety.compatibility import assess
from labwright.verifiers.safety.data_files import load
from labwright.verifiers.safety.resolve import resolve

PAIRS = load("benchmark_pairs.yaml")


def test_benchmark_is_large_enough() -> None:
    assert len(PAIRS["incompatible"]) >= 80
    assert len(PAIRS["benign"]) >= 40
    for pair in PAIRS["incompatible"]:
        assert pair["ref"] in PAIRS["refs"], pair


@pytest.mark.parametrize(
    "pair", PAIRS["incompatible"], ids=[f"{p['a']}+{p['b']}" for p in PAIRS["incompatible"]]
)
def test_incompatible_pair_is_caught(pair: dict) -> None:
    for a, b in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):  # symmetric
        ra, rb = resolve(a), resolve(b)
        assert not ra.unknown and not rb.unknown
        result = assess(ra, rb)
        assert not result.compatible
        codes = {h.code for h in result.hazards}
        assert codes & set(pair["expect"]), (pair, sorted(codes))
        if pair.get("product"):
            texts = " | ".join(h.text for h in result.hazards).lower()
            assert pair["product"].lower() in texts, (pair, texts)
        assert all(h.source for h in result.hazards)


@pytest.mark.parametrize(
    "pair", PAIRS["benign"], ids=[f"{p['a']}+{p['b']}" for p in PAIRS["benign"]]
)
def test_benign_pair_is_not_flagged(pair: dict) -> None:
    ra, rb = resolve(pair["a"]), resolve(pair["b"])
    assert not ra.unknown and not rb.unknown
    result = assess(ra, rb)
    assert result.compatible, result.summary()
