"""Resolve what a protocol calls a liquid ("1 M HCl", "bleach", "THF", "7647-01-0", "CCO")."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from labwright.verifiers.safety import database
from labwright.verifiers.safety.concentration import (
    Concentration,
    parse_concentration,
    split_concentration,
)
from labwright.verifiers.safety.data_files import load
from labwright.verifiers.safety.identity import normalise
from labwright.verifiers.safety.records import ChemicalRecord, Resolution, ResolvedChemical

_SOLUTION_SUFFIX = re.compile(r"^(?P<name>.+?)\s*(?:\(aq\)|,?\s+(?:aqueous\s+)?solution)$", re.I)
_AQUEOUS_PREFIX = re.compile(r"^aqueous\s+(?P<name>.+)$", re.I)
_IN_SOLVENT = re.compile(r"^(?P<solute>.+?)\s+in\s+(?P<solvent>.+)$", re.I)
_WITH = re.compile(r"^(?P<a>.+?)\s+(?:with|plus|\+)\s+(?P<b>.+)$", re.I)
# Words that describe how a liquid is kept or used, not what it is: dropped (only these) when
# the full name is not known ("fresh 70% ethanol", "fluorescein standard", "PBS pH 7.4",
# "library 3", "DNA samples").
_PH = re.compile(r"^(?P<name>.+?)[\s,;(]+pH\s*[~=]?\s*\d+(?:\.\d+)?\)?$", re.I)
_DESCRIPTOR_SUFFIX = re.compile(
    r"^(?P<name>.+?)\s+(?:standards?|stock(?:\s+solution)?|working\s+(?:solution|stock)"
    r"|dilutions?|dilution\s+series|calibrants?|calibrators?)$",
    re.I,
)
_DESCRIPTOR_PREFIX = re.compile(
    r"^(?:fresh(?:ly\s+prepared)?|ice[\s-]cold|cold|chilled|pre-?warmed|warm|sterile|"
    r"sterile[\s-]filtered|filtered|autoclaved|room[\s-]temperature)\s+(?P<name>.+)$",
    re.I,
)
_INDEX_SUFFIX = re.compile(r"^(?P<name>.+?)\s+(?:#?\d{1,3}|[A-H])$")
_SMILES_CHARS = re.compile(r"^[A-Za-z0-9@+\-\[\]()=#$/\\%.:*]+$")
# SMILES syntax beyond a run of atom letters: bonds, branches, rings, brackets, charges,
# stereo, or aromatic (lower-case) atoms
_SMILES_SYNTAX = re.compile(r"[0-9@+\-\[\]()=#$/\\%.:*]|[cnosp]")
_MAX_DEPTH = 3


@lru_cache(maxsize=1)
def _mixtures() -> dict[str, dict]:
    table: dict[str, dict] = {}
    for entry in load("mixtures.yaml")["mixtures"]:
        for key in (entry["name"], *entry.get("synonyms", [])):
            table.setdefault(normalise(key), entry)
    return table


def _apply_concentration_rules(record: ChemicalRecord, conc: Concentration | None) -> ChemicalRecord:
    if conc is None:
        return record
    for rule in load("classification.yaml")["concentration_dependent"]:
        if rule["name"] != record.name:
            continue
        if conc.below(rule.get("below_percent"), rule.get("below_molar")):
            groups = (set(record.groups) - set(rule.get("remove_groups", []))) | set(
                rule.get("add_groups", [])
            )
            tags = (set(record.tags) - set(rule.get("remove_tags", []))) | set(
                rule.get("add_tags", [])
            )
            return record.model_copy(update={"groups": sorted(groups), "tags": sorted(tags)})
    return record


def _resolved(record: ChemicalRecord, conc: Concentration | None, via: str) -> ResolvedChemical:
    record = _apply_concentration_rules(record, conc)
    if conc is not None and (conc.value is not None or conc.qualitative):
        dilute = conc.is_dilute()
    else:
        # buffer chemicals and dyes are used as dilute solutions; buffer *solutions* (group
        # 106) are mostly water and count as water
        dilute = record.kind in ("buffer", "dye") and 106 not in record.groups
    return ResolvedChemical(record=record, concentration=conc, dilute=dilute, via=via)


def _with_hazardous_components(item: ResolvedChemical, depth: int) -> list[ResolvedChemical]:
    out = [item]
    if depth >= _MAX_DEPTH:
        return out
    for text in item.record.hazardous_components:
        sub = _resolve_text(text, depth + 1)
        if sub is not None:
            out.extend(
                c.model_copy(update={"via": f"component of {item.record.name}"}) for c in sub[0]
            )
    return out


def _lookup_record(name: str) -> tuple[ChemicalRecord, str] | None:
    if database.CAS_PATTERN.match(name):
        record = database.find_by_cas(name)
        return (record, "CAS number") if record else None
    found = database.find_by_name(name)
    if found:
        return found
    if " " not in name and _SMILES_CHARS.match(name):
        record = database.find_by_smiles(name)
        if record:
            return record, "SMILES"
        if _reads_as_structure(name):
            record = database.record_from_smiles(name)
            if record:
                return record, "SMILES (not in database)"
    return None


def _reads_as_structure(name: str) -> bool:
    """Whether a bare name not in the database may be read as a SMILES of a new structure.

    An upper-case abbreviation made of atom symbols parses as SMILES ("IPB", Illumina
    Purification Beads, as iodo-phosphino-borane): reading it so would guess an identity the
    protocol never stated. A name counts as a structure only with SMILES syntax (bonds, rings,
    branches, brackets, aromatic atoms) or a carbon chain of two or more atoms ("CCO")."""
    return bool(_SMILES_SYNTAX.search(name)) or name.count("C") - name.count("Cl") >= 2


def _dedupe(items: list[ResolvedChemical]) -> list[ResolvedChemical]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        key = (item.record.name, str(item.concentration or ""))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _resolve_text(
    text: str, depth: int = 0, allow_mixture: bool = True
) -> tuple[list[ResolvedChemical], str | None] | None:
    """Components (and the mixture name) for one piece of text, or None if unknown."""
    found = _resolve_text_raw(text, depth, allow_mixture)
    return (_dedupe(found[0]), found[1]) if found else None


def _resolve_text_raw(
    text: str, depth: int, allow_mixture: bool
) -> tuple[list[ResolvedChemical], str | None] | None:
    text = text.strip().rstrip(".")
    if not text or depth > _MAX_DEPTH:
        return None
    mixture = _mixtures().get(normalise(text)) if allow_mixture else None
    if mixture:
        items: list[ResolvedChemical] = []
        for comp in mixture["components"]:
            sub = _resolve_text(comp, depth + 1, allow_mixture=False)
            if sub:
                items.extend(c.model_copy(update={"via": f"component of {mixture['name']}"})
                             for c in sub[0]
                             # a percentage reads as an aqueous solution, except in a mixture
                             # of organic liquids (phenol:chloroform, ...)
                             if not (mixture.get("no_water") and c.via.startswith("solvent")))
        return items, mixture["name"]
    found = _lookup_record(text)
    if found:
        record, via = found
        return _with_hazardous_components(_resolved(record, None, via), depth), None
    conc, name = split_concentration(text)
    if conc is not None and name != text:
        mixture = _mixtures().get(normalise(name))
        if mixture and conc.percent() is not None:
            # "10% bleach": a dilution of a named mixture
            sub = _resolve_text(name, depth + 1)
            if sub:
                factor = conc.percent() / 100.0
                scaled = [
                    _resolved(c.record, c.concentration.scaled(factor) if c.concentration
                              else None, c.via)
                    for c in sub[0]
                ]
                return scaled, f"{conc} {sub[1]}"
        found = _lookup_record(name)
        if found:
            record, via = found
            items = _with_hazardous_components(_resolved(record, conc, via), depth)
            water = database.find_by_name("water")
            if conc.value is not None and water and record.name != "water":
                items.append(_resolved(water[0], None, "solvent (aqueous solution assumed)"))
            return items, None
    for pattern in (_SOLUTION_SUFFIX, _AQUEOUS_PREFIX):
        match = pattern.match(text)
        if match:
            sub = _resolve_text(match["name"], depth + 1)
            water = database.find_by_name("water")
            if sub and water:
                return [*sub[0], _resolved(water[0], None, "solvent (aqueous)")], sub[1]
    match = _IN_SOLVENT.match(text)
    if match:
        solute = _resolve_text(match["solute"], depth + 1)
        solvent = _resolve_text(match["solvent"], depth + 1)
        if solute and solvent:
            return [*solute[0], *solvent[0]], None
    match = _WITH.match(text)
    if match:
        first = _resolve_text(match["a"], depth + 1)
        second = _resolve_text(match["b"], depth + 1)
        if first and second:
            return [*first[0], *second[0]], None
    for simpler in _simplified(text):
        found = _resolve_text(simpler, depth, allow_mixture)
        if found:
            return found
    return None


def _simplified(text: str) -> list[str]:
    """Shorter names for the same liquid: without a pH, a descriptor word, a sample index, or
    a plural 's' (the last only when the singular is a database name)."""
    out = []
    for pattern in (_PH, _DESCRIPTOR_SUFFIX, _DESCRIPTOR_PREFIX, _INDEX_SUFFIX):
        match = pattern.match(text)
        if match:
            out.append(match["name"].strip())
    if len(text) > 3 and text.endswith("s") and not text.endswith(("ss", "us", "is")):
        singular = text[:-1]
        if database.find_by_name(singular):
            out.append(singular)
    return [name for name in out if name and len(name) < len(text)]


@lru_cache(maxsize=1)
def _ambiguous_table() -> dict[str, dict]:
    table: dict[str, dict] = {}
    for entry in load("ambiguous_names.yaml")["ambiguous"]:
        for key in entry["names"]:
            table[normalise(key)] = entry
    return table


def ambiguity(text: str) -> dict | None:
    """The ``ambiguous_names.yaml`` entry for a name (also after dropping descriptor words, a
    pH or a sample index, as resolution does), or None."""
    table = _ambiguous_table()
    pending = [text.strip().rstrip(".")]
    while pending:
        name = pending.pop()
        entry = table.get(normalise(name))
        if entry is not None:
            return entry
        pending.extend(_simplified(name))
    return None


def _ambiguous(name: str, entry: dict) -> Resolution:
    return Resolution(
        query=name,
        unknown=True,
        candidates=list(entry["candidates"]),
        note=" ".join(entry["reason"].split()),
        source=" ".join(entry["source"].split()),
    )


def _from_description(
    description: str,
) -> tuple[str, tuple[list[ResolvedChemical], str | None]] | None:
    """What a liquid's description names, when it names chemicals: the whole text, its first
    clause, or that clause's solute ("60 mM DTT" of "60 mM DTT in MS grade water, volume per
    well"), with the text that resolved; never an ambiguous name."""
    text = description.strip()
    if not text or len(text) > 200:
        return None
    clause = re.split(r"[,;(]", text, maxsplit=1)[0].strip()
    solute = _IN_SOLVENT.match(clause)
    for candidate in dict.fromkeys([text, clause, solute["solute"] if solute else ""]):
        if candidate and ambiguity(candidate) is None:
            found = _resolve_text(candidate)
            if found:
                return candidate, found
    return None


def _names_same_chemicals(found: tuple[list[ResolvedChemical], str | None],
                          described: tuple[list[ResolvedChemical], str | None]) -> bool:
    """The description names the name's chemicals and says more (a concentration)."""
    named = {c.record.name for c in found[0]}
    told = {c.record.name: c for c in described[0]}
    return named <= set(told) and any(
        told[n].concentration is not None for n in named
    ) and all(c.concentration is None for c in found[0])


@lru_cache(maxsize=4096)
def resolve(
    name: str,
    smiles: str | None = None,
    cas: str | None = None,
    concentration: str | None = None,
    description: str | None = None,
) -> Resolution:
    """Resolve a liquid's name (plus optional SMILES, CAS, concentration, description) to its
    chemicals.

    Unresolvable input gives ``Resolution(unknown=True)``: unknown is never treated as safe. A
    name that stands for different chemicals in different kits (``ambiguous_names.yaml``) is
    unknown with its ``candidates``, unless a CAS number or a SMILES states the identity. A
    description gives the concentration a known name lacks ("DTT" described as "60 mM DTT in
    water"); for a name that is unknown or ambiguous, what the description names is the one
    candidate (checked for hazards as a warning: a description is free text).
    """
    conc = parse_concentration(concentration)
    if cas and database.CAS_PATTERN.match(cas.strip()):
        record = database.find_by_cas(cas.strip())
        if record:
            return Resolution(query=name, components=_with_hazardous_components(
                _resolved(record, conc, "CAS number"), 0))
    if smiles:
        record = database.find_by_smiles(smiles) or database.record_from_smiles(smiles, name)
        if record:
            return Resolution(query=name, components=_with_hazardous_components(
                _resolved(record, conc, "SMILES"), 0))
    entry = ambiguity(name)
    found = None
    if entry is None:
        text = name if conc is None else f"{concentration} {name}"
        found = _resolve_text(name if conc is None else text) or (
            _resolve_text(name) if conc is not None else None
        )
    described = _from_description(description) if description else None
    if described and found and _names_same_chemicals(found, described[1]):
        # the name states the identity, the description its concentration
        items, mixture = described[1]
        return Resolution(query=name, components=items, mixture=mixture, via_description=True)
    if described and not found:
        # only the description names chemicals: free text, often copied from another liquid
        # (Opentrons corpus pl_microBioID_beads_touchtip.py: "TNNE" described as "ETHANOL"),
        # so it is a candidate, checked like an ambiguous name's: warnings, never errors
        return Resolution(
            query=name, unknown=True, candidates=[described[0]],
            note=f"only its description names a chemical ('{described[0]}')",
            source="the protocol's description of the liquid",
        )
    if entry is not None:
        return _ambiguous(name, entry)
    if not found:
        return Resolution(query=name, unknown=True, note="not in the chemical database")
    items, mixture = found
    return Resolution(query=name, components=items, mixture=mixture)


def suggestions(name: str, limit: int = 3) -> list[str]:
    """Close database names, for hints on unknown chemicals."""
    index = database._index()
    keys = list(index.folded)
    close = difflib.get_close_matches(name.casefold(), keys, n=limit, cutoff=0.75)
    return [database.record_at(index.folded[k]).name for k in close]
