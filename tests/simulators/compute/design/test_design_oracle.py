"""The oracle counts unique molecules (canonical SMILES) against its budget."""

from __future__ import annotations

import pytest
from labwright.simulators.compute.design.objectives import parse_objectives
from labwright.simulators.compute.design.oracle import Oracle
from rdkit import Chem
from rdkit.Chem import QED


def test_spellings_of_one_molecule_cost_one_call_and_invalid_costs_none() -> None:
    oracle = Oracle(parse_objectives(["qed"]), budget=10)
    out = oracle.score(["OCC", "CCO", "C(O)C", "not-a-smiles", "c1ccccc1"])
    assert oracle.calls == 2
    assert [m.smiles for m in out] == ["CCO", "CCO", "CCO", "c1ccccc1"]
    assert out[0].score == pytest.approx(QED.qed(Chem.MolFromSmiles("CCO")))
    assert [m.call for m in oracle.records.values()] == [1, 2]
    oracle.score(["CCO"])
    assert oracle.calls == 2  # already scored: free


def test_budget_truncates_a_batch() -> None:
    oracle = Oracle(parse_objectives(["qed"]), budget=3)
    out = oracle.score(["C", "CC", "CCC", "CCCC", "CCCCC"])
    assert oracle.calls == 3 and oracle.exhausted
    assert [m.smiles for m in out] == ["C", "CC", "CCC"]
    assert oracle.score(["CCCCCC"]) == []


def test_combined_score_is_the_weighted_geometric_mean() -> None:
    oracle = Oracle(parse_objectives(["qed", "sa"], [2.0, 1.0]), budget=5)
    (m,) = oracle.score(["CC(=O)Oc1ccccc1C(=O)O"])
    q, s = m.objectives["qed"], m.objectives["sa"]
    assert m.score == pytest.approx((q**2 * s) ** (1 / 3))
    assert m.raw["sa"] == pytest.approx(10 - 9 * s)


def test_costly_objective_is_skipped_when_a_constraint_already_fails() -> None:
    oracle = Oracle(parse_objectives(["exclude:c1ccccc1", "gap:0:20"]), budget=5)
    benzene, hexane = oracle.score(["c1ccccc1", "CCCCCC"])
    assert benzene.raw["gap:0:20"] is None and benzene.score == 0.0
    assert hexane.raw["gap:0:20"] is not None and hexane.score == 1.0
