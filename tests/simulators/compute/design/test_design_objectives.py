"""Objectives: parsing, raw values from RDKit, and their [0, 1] scores."""

from __future__ import annotations

import math

import pytest
from labwright.protocols.errors import UnusableInputError
from labwright.simulators.compute.design.objectives import (
    named_targets,
    parse_objective,
    parse_objectives,
    window_score,
)
from rdkit import Chem

CELECOXIB = "Cc1ccc(-c2cc(C(F)(F)F)nn2-c2ccc(S(N)(=O)=O)cc2)cc1"


def mol(smiles: str) -> Chem.Mol:
    m = Chem.MolFromSmiles(smiles)
    assert m is not None
    return m


def test_qed_matches_rdkit_and_is_in_unit_interval() -> None:
    from rdkit.Chem import QED

    obj = parse_objective("qed")
    for smiles in ("CCO", CELECOXIB, "CC(=O)Oc1ccccc1C(=O)O"):
        raw = obj.raw(mol(smiles))
        assert raw == pytest.approx(QED.qed(mol(smiles)))
        assert 0.0 < obj.score(raw) <= 1.0


def test_sa_score_is_rdkit_contrib_normalised_so_easy_is_high() -> None:
    obj = parse_objective("sa")
    easy = obj.raw(mol("CCO"))
    hard = obj.raw(mol("CC1(C)C2CCC1(C)C(=O)C2C1OC2(C)CC3C4CC(C)(C)C4C32C1"))
    assert 1.0 <= easy < hard <= 10.0
    assert obj.score(easy) == pytest.approx((10.0 - easy) / 9.0)
    assert obj.score(easy) > obj.score(hard)
    assert obj.score(1.0) == 1.0 and obj.score(10.0) == 0.0


def test_window_objectives() -> None:
    logp = parse_objective("logp:1:3")
    assert logp.score(2.0) == 1.0
    assert logp.score(4.0) == pytest.approx(math.exp(-0.5))  # default width 1
    mw = parse_objective("mw::300:10")
    assert mw.score(250.0) == 1.0
    assert mw.score(320.0) == pytest.approx(math.exp(-2.0))
    tpsa = parse_objective("tpsa:60:")
    assert tpsa.raw(mol(CELECOXIB)) == pytest.approx(77.98, abs=0.1)
    assert tpsa.score(tpsa.raw(mol(CELECOXIB))) == 1.0
    assert window_score(0.0, 1.0, None, 1.0) < window_score(0.5, 1.0, None, 1.0) < 1.0


def test_similarity_to_named_drug_and_to_smiles() -> None:
    assert "celecoxib" in named_targets()
    named = parse_objective("similarity:celecoxib")
    assert named.raw(mol(CELECOXIB)) == 1.0
    by_smiles = parse_objective(f"similarity:{CELECOXIB}")
    aspirin = mol("CC(=O)Oc1ccccc1C(=O)O")
    assert by_smiles.raw(aspirin) == named.raw(aspirin) < 0.3


def test_substructure_requirement_and_exclusion_are_constraints() -> None:
    need = parse_objective("substructure:c1ccccc1")
    ban = parse_objective("exclude:[CX3](=O)[OX2H1]")
    assert need.kind == ban.kind == "constraint"
    aspirin = mol("CC(=O)Oc1ccccc1C(=O)O")
    assert need.score(need.raw(aspirin)) == 1.0
    assert ban.score(ban.raw(aspirin)) == 0.0  # has a carboxylic acid
    assert need.score(need.raw(mol("CCCCO"))) == 0.0
    assert ban.score(ban.raw(mol("CCCCO"))) == 1.0


def test_gap_objective_is_the_costly_one() -> None:
    gap = parse_objective("gap:3:5")
    assert gap.costly
    assert gap.score(4.0) == 1.0 and gap.score(None) == 0.0
    assert not parse_objective("qed").costly


@pytest.mark.parametrize(
    "spec",
    ["", "foo", "qed:1", "logp", "logp:3:1", "logp:a:b", "logp::", "mw:1:2:-1",
     "similarity:", "similarity:not_a_molecule((", "substructure:[C", "gap"],
)
def test_bad_specs_are_unusable_input_with_a_hint(spec: str) -> None:
    with pytest.raises(UnusableInputError) as info:
        parse_objective(spec)
    assert info.value.hint


def test_weights_must_match_and_names_must_be_unique() -> None:
    objs = parse_objectives(["qed", "sa"], [2.0, 1.0])
    assert [o.weight for o in objs] == [2.0, 1.0]
    with pytest.raises(UnusableInputError):
        parse_objectives(["qed", "sa"], [1.0])
    with pytest.raises(UnusableInputError):
        parse_objectives(["qed", "qed"])
    with pytest.raises(UnusableInputError):
        parse_objective("qed", weight=0.0)
