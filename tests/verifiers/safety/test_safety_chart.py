"""Integrity of the transcribed EPA compatibility chart and of the rule data."""

from __future__ import annotations

from labwright.verifiers.safety.compatibility import chart_cell
from labwright.verifiers.safety.data_files import load
from labwright.verifiers.safety.database import record_at, size


def test_chart_cells_are_well_formed() -> None:
    groups = load("reactive_groups.yaml")["groups"]
    codes = set(load("reactive_groups.yaml")["codes"])
    chart = load("compatibility_chart.yaml")
    seen = set()
    for cell in chart["cells"]:
        key = frozenset((cell["a"], cell["b"]))
        assert key not in seen, cell
        seen.add(key)
        assert cell["a"] in groups and cell["b"] in groups and cell["a"] != cell["b"]
        assert set(cell["codes"]) <= codes
        assert cell["basis"] in {"read-and-confirmed", "second-transcription", "recalled-only"}
    assert len(groups) == 41


def test_known_chart_cells() -> None:
    assert chart_cell(2, 3)["codes"] == ["H", "G"]  # organic acids x oxidizing mineral acids
    assert set(chart_cell(11, 1)["codes"]) == {"GT", "GF"}  # cyanides x mineral acids
    assert chart_cell(15, 1)["codes"] == ["GT"]  # inorganic fluorides x acids
    assert set(chart_cell(21, 106)["codes"]) == {"H", "GF"}  # alkali metals x water
    assert "E" in chart_cell(17, 21)["codes"]  # halogenated organics x alkali metals
    assert chart_cell(16, 1) is None  # aromatic hydrocarbons x non-oxidizing acids: blank


def test_every_rule_cites_a_source() -> None:
    for rule in load("specific_rules.yaml")["rules"]:
        assert rule["source"] and rule["codes"] and rule["a"] and rule["b"], rule
    for rule in load("classification.yaml")["rules"]:
        assert rule.get("source"), rule["id"]
    for entry in load("mixtures.yaml")["mixtures"]:
        assert entry.get("source"), entry["name"]


def test_every_organic_record_classifies() -> None:
    unclassified = []
    for i in range(size()):
        rec = record_at(i)
        mol = rec.mol()
        if rec.kind != "chemical" or mol is None:
            continue
        organic = any(a.GetSymbol() == "C" and a.GetTotalNumHs() > 0 for a in mol.GetAtoms())
        if organic and not rec.groups:
            unclassified.append(rec.name)
    # organic chemicals always land in at least one reactive group (101 as the fallback)
    assert unclassified == []


def test_stored_classification_matches_fresh_smarts_classification() -> None:
    """chemicals.yaml stores groups/tags/CWC matches (so checks need no RDKit at run time);
    they must equal what the SMARTS rules give now (re-run build_chemicals if this fails)."""
    from labwright.verifiers.safety.database import _index, classify_entry
    from labwright.verifiers.safety.policy import _cwc_matches_cached

    stale = []
    for entry in _index().raw:
        groups, tags, rules = classify_entry(entry)
        stored = entry["classified"]
        if (stored["groups"], stored["tags"], stored["rules"]) != (groups, tags, rules):
            stale.append(entry["name"])
        fresh = _cwc_matches_cached(entry["name"], tuple(entry["synonyms"]), entry.get("cas"),
                                    entry.get("smiles"), "")
        if [m.model_dump() for m in fresh] != entry["cwc"]:
            stale.append(f"{entry['name']} (cwc)")
    assert stale == []


def test_json_copy_of_the_database_matches_the_yaml() -> None:
    from labwright.verifiers.safety.data_files import load_json

    assert load_json("chemicals.json") == load("chemicals.yaml")
