"""Reactive groups and species tags of a chemical: SMARTS rules plus explicit species lists.

Rules live in ``data/classification.yaml`` (each cites its source). RDKit is imported only when
a record with a SMILES is classified (it is optional and slow to import; the shipped database
stores the classification of its records, so checking them never imports it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from labwright.verifiers.safety.data_files import load
from labwright.verifiers.safety.identity import mol_from_smiles

WATER_GROUP = 106


@lru_cache(maxsize=1)
def _compiled_rules() -> list[tuple[dict[str, Any], list[Any]]]:
    from rdkit import Chem  # lazy: see the module docstring

    compiled = []
    for rule in load("classification.yaml")["rules"]:
        patterns = []
        for smarts in rule.get("smarts", []):
            pattern = Chem.MolFromSmarts(smarts)
            if pattern is None:
                raise ValueError(f"bad SMARTS in classification rule {rule['id']}: {smarts}")
            patterns.append(pattern)
        compiled.append((rule, patterns))
    return compiled


@lru_cache(maxsize=1)
def _species_index() -> dict[str, list[dict[str, Any]]]:
    index: dict[str, list[dict[str, Any]]] = {}
    for entry in load("classification.yaml")["species"]:
        for name in entry["names"]:
            index.setdefault(name.lower(), []).append(entry)
    return index


def _is_saturated_hydrocarbon(mol: Any) -> bool:
    atoms = list(mol.GetAtoms())
    if not atoms or any(a.GetSymbol() not in ("C", "H") for a in atoms):
        return False
    if any(a.GetIsAromatic() or a.GetFormalCharge() for a in atoms):
        return False
    return all(b.GetBondTypeAsDouble() == 1.0 for b in mol.GetBonds())


def _is_organic(mol: Any) -> bool:
    return any(a.GetSymbol() == "C" and a.GetTotalNumHs() > 0 for a in mol.GetAtoms())


ORGANIC_GROUPS = {3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 16, 17, 18, 19, 20, 26, 27, 28, 29, 30, 31, 32, 34}


def classify(
    name: str,
    smiles: str | None,
    explicit_groups: list[int],
    explicit_tags: list[str],
    use_smarts: bool = True,
) -> tuple[list[int], list[str], list[str]]:
    """Return (groups, tags, rule ids) for a chemical."""
    groups: set[int] = set(explicit_groups)
    tags: set[str] = set(explicit_tags)
    rules: list[str] = ["explicit"] if explicit_groups or explicit_tags else []
    for entry in _species_index().get(name.lower(), []):
        groups.update(entry.get("groups", []))
        tags.update(entry.get("tags", []))
        rules.append(entry["id"])
    if use_smarts and smiles:
        mol = mol_from_smiles(smiles)
        if mol is not None:
            from rdkit import Chem  # lazy: see the module docstring

            single = len(Chem.GetMolFrags(mol)) == 1
            smarts_groups, smarts_tags, smarts_rules = _apply_smarts(mol, single, tags)
            groups |= smarts_groups
            tags |= smarts_tags
            rules.extend(smarts_rules)
            if smiles == "O":
                groups.add(WATER_GROUP)
                rules.append("water")
            if _is_saturated_hydrocarbon(mol):
                groups.add(29)
                rules.append("saturated_hydrocarbon")
            if _is_organic(mol) and not (groups & ORGANIC_GROUPS):
                groups.add(101)
                rules.append("combustible_fallback")
    if WATER_GROUP in groups:
        tags.add("water")
    if 107 in groups:
        tags.add("water_reactive")
    if groups & {4}:
        tags.add("alcohol")
    return sorted(groups), sorted(tags), list(dict.fromkeys(rules))


def _apply_smarts(mol: Any, single: bool, tags: set[str]) -> tuple[set[int], set[str], list[str]]:
    groups: set[int] = set()
    new_tags: set[str] = set()
    rules: list[str] = []
    for rule, patterns in _compiled_rules():
        if rule.get("single_fragment") and not single:
            continue
        if set(rule.get("exclude_tags", [])) & (tags | new_tags):
            continue
        min_count = rule.get("min_count", 1)
        hits = 0
        for pattern in patterns:
            hits += len(mol.GetSubstructMatches(pattern)) if min_count > 1 else int(
                mol.HasSubstructMatch(pattern)
            )
            if hits >= min_count:
                break
        if hits >= min_count:
            groups.update(rule.get("groups", []))
            new_tags.update(rule.get("tags", []))
            rules.append(rule["id"])
    return groups, new_tags, rules
