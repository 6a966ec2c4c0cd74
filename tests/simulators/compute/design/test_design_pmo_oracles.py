"""The PMO oracles against their published definitions and the published scores of known drugs."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("rdkit")

from labwright.protocols.errors import UnusableInputError  # noqa: E402
from labwright.simulators.compute.design import pmo_oracles as pmo  # noqa: E402
from labwright.simulators.compute.design.objectives import parse_objective  # noqa: E402
from rdkit import Chem, DataStructs, RDLogger  # noqa: E402
from rdkit.Chem import Descriptors  # noqa: E402

MOLS = [
    pmo.TARGETS["ranolazine"],
    pmo.TARGETS["osimertinib"],
    "CC(=O)Nc1ccc(O)cc1",
    "NC(=O)c1ccc(cc1)C(N)P(=O)(Cl)C(F)F",
    "CC1(C)C2CCC1(C)C(=O)C2",
]


def test_count_fingerprints_match_the_legacy_calls_tdc_and_guacamol_make() -> None:
    """TDC/GuacaMol call GetMorganFingerprint(mol, 2[, useFeatures]) / (mol, 3) and
    GetAtomPairFingerprint(mol, maxLength=10); the generators must give the same similarities."""
    from rdkit.Chem import AllChem

    RDLogger.DisableLog("rdApp.*")
    legacy = {
        "ECFP4": lambda m: AllChem.GetMorganFingerprint(m, 2),
        "ECFP6": lambda m: AllChem.GetMorganFingerprint(m, 3),
        "FCFP4": lambda m: AllChem.GetMorganFingerprint(m, 2, useFeatures=True),
        "AP": lambda m: AllChem.GetAtomPairFingerprint(m, maxLength=10),
    }
    mols = [Chem.MolFromSmiles(s) for s in MOLS]
    for kind, old in legacy.items():
        for a in mols:
            for b in mols:
                new_sim = DataStructs.TanimotoSimilarity(
                    pmo.fingerprint(a, kind), pmo.fingerprint(b, kind)
                )
                assert new_sim == pytest.approx(DataStructs.TanimotoSimilarity(old(a), old(b)))


def test_rediscovery_target_scores_one_in_any_spelling() -> None:
    kekule = "CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F"
    aromatic = "Cc1ccc(-c2cc(C(F)(F)F)nn2-c2ccc(S(N)(=O)=O)cc2)cc1"
    assert pmo.score_smiles("celecoxib_rediscovery", kekule) == 1.0
    assert pmo.score_smiles("celecoxib_rediscovery", aromatic) == 1.0
    assert pmo.score_smiles("celecoxib_rediscovery", "CC(=O)Nc1ccc(O)cc1") < 0.2


@pytest.mark.parametrize(
    ("smiles", "paper", "rdkit_documented"),
    [  # Bickerton et al. 2012 (paper) and RDKit's own regression values for the same drugs
        ("c1cc2OCOc2cc1OCC1CNCCC1c1ccc(F)cc1", 0.935, 0.934),  # paroxetine
        ("C1=NOC(C)=C1C(=O)Nc1ccc(cc1)C(F)(F)F", 0.929, 0.911),  # leflunomide
        ("CN(C)CCCN1c2ccccc2CCc2ccc(Cl)cc21", 0.779, 0.818),  # clomipramine
        ("CCCCCNC(=N)NN=CC1=CNc2ccc(CO)cc21", 0.213, 0.235),  # tegaserod
    ],
)
def test_qed_of_known_drugs(smiles: str, paper: float, rdkit_documented: float) -> None:
    """PMO's QED is RDKit's, which differs from the paper's table by at most 0.04."""
    value = pmo.score_smiles("qed", smiles)
    assert value == pytest.approx(rdkit_documented, abs=5e-4)
    assert value == pytest.approx(paper, abs=0.045)


def test_perindopril_itself_is_penalised_for_having_no_aromatic_ring() -> None:
    # similarity 1, aromatic rings 0 against a Gaussian at 2 (sigma 0.5): exp(-8); gmean exp(-4)
    assert pmo.score_smiles("perindopril_mpo", pmo.TARGETS["perindopril"]) == pytest.approx(
        math.exp(-4.0)
    )


def test_isomer_score_is_one_for_the_exact_formula_and_counts_hydrogens() -> None:
    exact = "NC(=O)c1ccc(cc1)C(N)P(=O)(Cl)C(F)F"  # C9H10N2O2PF2Cl
    assert pmo.score_smiles("isomers_c9h10n2o2pf2cl", exact) == pytest.approx(1.0)
    longer = "NC(=O)c1ccc(cc1)CC(N)P(=O)(Cl)C(F)F"  # one CH2 more: C10H12N2O2PF2Cl
    expected = math.exp(
        (math.log(pmo.gaussian(10, 9, 1)) + math.log(pmo.gaussian(12, 10, 1))
         + math.log(pmo.gaussian(30, 27, 2))) / 8  # 7 elements + the total count
    )
    assert pmo.score_smiles("isomers_c9h10n2o2pf2cl", longer) == pytest.approx(expected)


def test_osimertinib_mpo_penalises_the_drug_itself_above_085_ecfp6_similarity() -> None:
    mol = Chem.MolFromSmiles(pmo.TARGETS["osimertinib"])
    tpsa, logp = Descriptors.TPSA(mol), Descriptors.MolLogP(mol)
    terms = [
        math.exp(-0.5 * ((min(tpsa, 100) - 100) / 10) ** 2),
        math.exp(-0.5 * ((max(logp, 1) - 1) / 1) ** 2),
        1.0,  # FCFP4 similarity 1, clipped at 0.8
        math.exp(-0.5 * ((1.0 - 0.85) / 0.1) ** 2),
    ]
    expected = math.prod(terms) ** 0.25
    assert pmo.score_smiles("osimertinib_mpo", pmo.TARGETS["osimertinib"]) == pytest.approx(
        expected
    )
    assert expected < 0.5


def test_median1_is_the_geometric_mean_of_two_similarities() -> None:
    camphor = pmo.TARGETS["camphor"]
    sim = pmo.similarity(Chem.MolFromSmiles(camphor), "menthol", "ECFP4")
    assert 0.0 < sim < 1.0
    assert pmo.score_smiles("median1", camphor) == pytest.approx(math.sqrt(sim))


def test_ranolazine_mpo_wants_one_fluorine_and_high_logp() -> None:
    ranolazine = pmo.TARGETS["ranolazine"]
    fluoro = ranolazine.replace("COc1ccccc1", "COc1ccc(F)cc1", 1)
    assert pmo.score_smiles("ranolazine_mpo", fluoro) > pmo.score_smiles(
        "ranolazine_mpo", ranolazine
    )


def test_modifiers_follow_guacamol() -> None:
    assert pmo.min_gaussian(0.5, 1.0, 1.0) == 1.0
    assert pmo.max_gaussian(120, 100, 10) == 1.0
    assert pmo.max_gaussian(90, 100, 10) == pytest.approx(math.exp(-0.5))
    assert pmo.clipped(0.35, 0.7) == pytest.approx(0.5)
    assert pmo.clipped(0.9, 0.7) == 1.0
    assert pmo.gmean([0.25, 1.0]) == pytest.approx(0.5)
    assert pmo.gmean([0.0, 1.0]) == 0.0


def test_unparsable_smiles_scores_zero() -> None:
    assert pmo.score_smiles("qed", "C1CC(") == 0.0


def test_pmo_objective_spec() -> None:
    obj = parse_objective("pmo:QED")
    assert obj.name == "pmo:qed"
    mol = Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1")
    assert obj.score(obj.raw(mol)) == pytest.approx(pmo.qed(mol))
    assert parse_objective("pmo:celecoxib_rediscovery").params["holdout"]
    with pytest.raises(UnusableInputError) as err:
        parse_objective("pmo:drd2")
    assert "zaleplon_mpo" in (err.value.hint or "")
