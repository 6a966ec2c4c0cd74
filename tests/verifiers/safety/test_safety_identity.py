"""Identity resolution against the shipped database (real RDKit, real `chemicals` data)."""

from __future__ import annotations

import pytest
from labwright.verifiers.safety import database
from labwright.verifiers.safety.concentration import parse_concentration, split_concentration
from labwright.verifiers.safety.resolve import resolve


def names(query: str) -> list[str]:
    return [c.record.name for c in resolve(query).components]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("THF", "tetrahydrofuran"),
        ("DCM", "dichloromethane"),
        ("IPA", "isopropanol"),
        ("DMSO", "dimethyl sulfoxide"),
        ("DMF", "N,N-dimethylformamide"),
        ("EtOH", "ethanol"),
        ("TFA", "trifluoroacetic acid"),
        ("methylene chloride", "dichloromethane"),
        ("7647-01-0", "hydrochloric acid"),
        ("67-64-1", "acetone"),
        ("CCO", "ethanol"),
        ("OCC", "ethanol"),  # non-canonical SMILES
        ("CoCl2", "cobalt(II) chloride"),
        ("COCl2", "phosgene"),
        ("Tris", "tris(hydroxymethyl)aminomethane"),
        ("PBS", "phosphate-buffered saline"),
        ("Taq polymerase", "DNA polymerase"),
        ("trypan blue", "trypan blue"),
    ],
)
def test_names_abbreviations_cas_smiles(query: str, expected: str) -> None:
    assert names(query)[0] == expected


def test_database_size_and_integrity() -> None:
    from rdkit import Chem

    records = database.all_records()
    assert len(records) >= 400
    kinds = {r.kind for r in records}
    assert {"chemical", "buffer", "biological", "dye"} <= kinds
    for rec in records:
        if rec.cas:
            assert database.cas_is_valid(rec.cas), f"bad CAS check digit: {rec.name} {rec.cas}"
        if rec.smiles:
            assert Chem.MolFromSmiles(rec.smiles) is not None, rec.name
        else:
            # no structure: the record must say how it reacts (groups) or be explicitly inert
            assert rec.kind != "chemical" or rec.groups, rec.name


def test_record_molecule_is_lazy_rdkit() -> None:
    rec = resolve("acetone").components[0].record
    mol = rec.mol()
    assert mol.GetNumAtoms() == 4
    assert rec.formula == "C3H6O"


@pytest.mark.parametrize(
    ("text", "value", "unit", "dilute"),
    [
        ("1 M", 1.0, "M", True),
        ("30%", 30.0, "%", False),
        ("10 mM", 10.0, "mM", True),
        ("0.5 N", 0.5, "N", True),
        ("5 % (w/v)", 5.0, "%w/v", True),
        ("100 uM", 100.0, "µM", True),
    ],
)
def test_concentration_parser(text: str, value: float, unit: str, dilute: bool) -> None:
    conc = parse_concentration(text)
    assert conc is not None and conc.value == value and conc.unit == unit
    assert conc.is_dilute() is dilute


def test_split_concentration_forms() -> None:
    for text in ("1 M HCl", "HCl (1 M)", "HCl, 1 M"):
        conc, name = split_concentration(text)
        assert name == "HCl" and conc is not None and conc.molar() == 1.0
    conc, name = split_concentration("concentrated sulfuric acid")
    assert name == "sulfuric acid" and conc is not None and conc.qualitative == "concentrated"


def test_solutions_resolve_to_components_with_concentration() -> None:
    hcl = resolve("1 M HCl")
    assert [c.record.name for c in hcl.components] == ["hydrochloric acid", "water"]
    assert hcl.components[0].dilute and str(hcl.components[0].concentration) == "1 M"
    peroxide = resolve("30% H2O2").components[0]
    assert peroxide.record.name == "hydrogen peroxide" and 104 in peroxide.record.groups
    weak = resolve("3% H2O2").components[0]
    assert 104 not in weak.record.groups  # concentration-dependent class (3% is not a strong oxidiser)


@pytest.mark.parametrize(
    ("mixture", "contains"),
    [
        ("bleach", {"sodium hypochlorite", "water"}),
        ("piranha", {"sulfuric acid", "hydrogen peroxide"}),
        ("aqua regia", {"hydrochloric acid", "nitric acid"}),
        ("70% ethanol", {"ethanol", "water"}),
        ("Buffer RLT", {"guanidine thiocyanate"}),
        ("TRIzol", {"phenol", "guanidine thiocyanate"}),
    ],
)
def test_named_mixtures(mixture: str, contains: set[str]) -> None:
    assert contains <= set(names(mixture))


def test_diluted_mixture_scales_concentration() -> None:
    hypo = resolve("10% bleach").components[0]
    assert hypo.record.name == "sodium hypochlorite"
    assert hypo.concentration is not None and abs(hypo.concentration.value - 0.525) < 1e-9


def test_unknown_is_reported_not_guessed() -> None:
    result = resolve("unobtainium extract")
    assert result.unknown and not result.components


@pytest.mark.parametrize(
    ("query", "group"),
    [
        ("acetone", 19), ("ethanol", 4), ("acetic acid", 3), ("hydrochloric acid", 1),
        ("nitric acid", 2), ("sodium hydroxide", 10), ("potassium cyanide", 11),
        ("ethyl acetate", 13), ("diethyl ether", 14), ("toluene", 16), ("chloroform", 17),
        ("phenyl isocyanate", 18), ("ethanethiol", 20), ("sodium", 21), ("zinc", 22),
        ("acetonitrile", 26), ("nitrobenzene", 27), ("n-hexane", 29), ("benzoyl peroxide", 30),
        ("phenol", 31), ("malathion", 32), ("sodium sulfide", 33), ("propylene oxide", 34),
        ("picric acid", 102), ("styrene", 103), ("potassium permanganate", 104),
        ("sodium hypochlorite", 104), ("sodium hydride", 105), ("water", 106),
        ("thionyl chloride", 107), ("n-butyllithium", 107), ("formaldehyde", 5),
        ("triethylamine", 7), ("hydrazine", 8), ("sodium fluoride", 15), ("mercury(II) chloride", 24),
    ],
)
def test_reactive_group_classification(query: str, group: int) -> None:
    groups = {g for c in resolve(query).components for g in c.record.groups}
    assert group in groups


def test_species_tags_for_ionic_forms() -> None:
    tags = lambda q: set(resolve(q).components[0].record.tags)  # noqa: E731
    assert {"hypochlorite", "oxidizer"} <= tags("calcium hypochlorite")
    assert "azide_ion" in tags("sodium azide")
    assert "cyanide" in tags("copper(I) cyanide")
    assert "cyanide" not in tags("potassium ferricyanide")  # complexed cyanide
    assert {"hydride", "water_reactive"} <= tags("lithium aluminium hydride")
    assert "pyrophoric" in tags("tert-butyllithium")
    assert "peroxide_former" in tags("diisopropyl ether")


def test_user_smiles_not_in_database_is_classified() -> None:
    result = resolve("mystery ester", smiles="CCCCOC(=O)CCCl")
    rec = result.components[0].record
    assert not result.unknown and {13, 17} <= set(rec.groups)
