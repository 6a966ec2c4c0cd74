"""The shipped chemical database (``data/chemicals.yaml``): indexes by name, synonym, CAS, SMILES.

Records are classified into reactive groups lazily, on first lookup, and cached. The
classification and the physical data stored at build time are used, so looking up a database
chemical needs neither RDKit nor `chemicals`; only structures that are not in the database are
classified with RDKit (through ``identity`` and ``classify``, which import it lazily).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from labwright.verifiers.safety.classify import classify
from labwright.verifiers.safety.data_files import load, load_json
from labwright.verifiers.safety.identity import canonical_smiles, formula, normalise
from labwright.verifiers.safety.records import ChemicalRecord, CwcMatch, PhysicalData

CAS_PATTERN = re.compile(r"^\d{2,7}-\d{2}-\d$")


def cas_is_valid(cas: str) -> bool:
    """Check digit of a CAS registry number."""
    digits = cas.replace("-", "")
    if not CAS_PATTERN.match(cas) or not digits.isdigit():
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (i + 1) for i, d in enumerate(reversed(body)))
    return total % 10 == check


class _Index:
    def __init__(self, raw: list[dict[str, Any]]) -> None:
        self.raw = raw
        self.exact: dict[str, int] = {}
        self.folded: dict[str, int] = {}
        self.loose: dict[str, int] = {}
        self.cas: dict[str, int] = {}
        self.smiles: dict[str, int] = {}
        # names first so that a record's own name wins over another record's synonym
        for pass_synonyms in (False, True):
            for i, entry in enumerate(raw):
                keys = entry.get("synonyms", []) if pass_synonyms else [entry["name"]]
                for key in keys:
                    self.exact.setdefault(key, i)
                    self.folded.setdefault(key.casefold(), i)
                    self.loose.setdefault(normalise(key), i)
        for i, entry in enumerate(raw):
            if entry.get("cas"):
                self.cas.setdefault(entry["cas"], i)
            if entry.get("smiles"):
                self.smiles.setdefault(entry["smiles"], i)


@lru_cache(maxsize=1)
def _index() -> _Index:
    # chemicals.json is the machine copy of chemicals.yaml (same content, ~10x faster to load);
    # both are written by build_chemicals and a test checks they agree
    return _Index(load_json("chemicals.json"))


def classify_entry(entry: dict[str, Any]) -> tuple[list[int], list[str], list[str]]:
    """Reactive groups, tags and rule ids of a database entry (SMARTS + species + explicit)."""
    groups, tags, rules = classify(
        entry["name"],
        entry.get("smiles"),
        entry.get("groups", []),
        entry.get("tags", []),
        use_smarts=entry.get("classify", True),
    )
    if entry.get("kind") in ("buffer", "dye"):
        ignored = set(load("classification.yaml")["buffer_and_dye_ignored_tags"])
        tags = [t for t in tags if t not in ignored]
    return groups, tags, rules


@lru_cache(maxsize=2048)
def record_at(i: int) -> ChemicalRecord:
    """The record at index i; uses the classification stored at build time when present
    (tests check it equals a fresh classification), so RDKit is not needed at run time."""
    entry = _index().raw[i]
    stored = entry.get("classified")
    if stored is not None:
        groups, tags, rules = stored["groups"], stored["tags"], stored["rules"]
    else:
        groups, tags, rules = classify_entry(entry)
    return ChemicalRecord(
        name=entry["name"],
        synonyms=entry.get("synonyms", []),
        cas=entry.get("cas"),
        smiles=entry.get("smiles"),
        formula=entry.get("formula"),
        kind=entry.get("kind", "chemical"),
        groups=groups,
        tags=tags,
        components=entry.get("components", []),
        hazardous_components=entry.get("hazardous_components", []),
        note=entry.get("note", ""),
        identity_source=entry.get("identity_source", ""),
        classified_by=rules,
        # stored at build time; an empty record means `chemicals` has no measured data
        physical=PhysicalData.model_validate({"cas": entry["cas"], **(entry.get("physical") or {})})
        if entry.get("cas")
        else None,
        cwc=[CwcMatch.model_validate(m) for m in entry["cwc"]] if "cwc" in entry else None,
    )


def size() -> int:
    return len(_index().raw)


def all_records() -> list[ChemicalRecord]:
    return [record_at(i) for i in range(size())]


def find_by_name(name: str) -> tuple[ChemicalRecord, str] | None:
    """Exact (case-sensitive: CoCl2 vs COCl2), then case-insensitive, then loose match."""
    index = _index()
    key = name.strip()
    for table, how, probe in (
        (index.exact, "name", key),
        (index.folded, "name (case-insensitive)", key.casefold()),
        (index.loose, "name (loose)", normalise(key)),
    ):
        if probe in table:
            return record_at(table[probe]), how
    return None


def find_by_cas(cas: str) -> ChemicalRecord | None:
    i = _index().cas.get(cas.strip())
    return record_at(i) if i is not None else None


def find_by_smiles(smiles: str) -> ChemicalRecord | None:
    exact = _index().smiles.get(smiles.strip())  # already canonical: no RDKit needed
    if exact is not None:
        return record_at(exact)
    canon = canonical_smiles(smiles)
    if canon is None:
        return None
    i = _index().smiles.get(canon)
    return record_at(i) if i is not None else None


def record_from_smiles(smiles: str, name: str | None = None) -> ChemicalRecord | None:
    """A record for a structure that is not in the database (classified from its SMILES)."""
    canon = canonical_smiles(smiles)
    if canon is None:
        return None
    groups, tags, rules = classify(name or canon, canon, [], [])
    return ChemicalRecord(
        name=name or canon,
        smiles=canon,
        formula=formula(canon),
        groups=groups,
        tags=tags,
        identity_source="structure given by the user (SMILES), classified by SMARTS",
        classified_by=rules,
    )
