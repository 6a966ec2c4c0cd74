"""Build ``data/chemicals.yaml`` from the curated ``data/chemicals_source.yaml``.

For every entry without a hand-entered SMILES or CAS number, the identity (CAS, SMILES, formula)
is taken from the `chemicals` package's identifier database (``chemicals.identifiers``, which
compiles PubChem identifiers); hand-entered SMILES are cross-checked against that database when
the CAS number is known there. SMILES are canonicalised with RDKit. Entries that neither the
database nor the curator could identify keep no SMILES and must carry explicit groups.

Measured physical data (boiling point, flash point, autoignition temperature; lowest measured
value, see physical.py) are stored with each record so that checking a protocol does not need
to import `chemicals`.

This is a maintenance tool, run by hand (``python -m labwright.verifiers.safety.build_chemicals``);
the library only reads the generated file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import yaml
from labwright.verifiers.safety.database import classify_entry
from labwright.verifiers.safety.identity import canonical_smiles
from labwright.verifiers.safety.identity import formula as molecular_formula
from labwright.verifiers.safety.physical import lookup_physical_data
from labwright.verifiers.safety.policy import _cwc_matches_cached

# RDKit and `chemicals` (optional, slow to import) are imported inside the functions that use
# them, as everywhere in the safety package.

DATA = Path(__file__).parent / "data"
log = logging.getLogger(__name__)


def _lookup(ids: list[str]) -> Any:
    from chemicals.identifiers import search_chemical

    for ident in ids:
        try:
            return search_chemical(ident)
        except Exception:  # noqa: BLE001 - the package raises bare Exceptions for misses
            continue
    return None


def build_entry(src: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One curated entry -> one record dict, plus a list of problems found."""
    problems: list[str] = []
    name = src["n"]
    out: dict[str, Any] = {"name": name, "synonyms": src.get("s", [])}
    kind = src.get("k", "chemical")
    smiles = src.get("smiles")
    cas = src.get("cas")
    formula = None
    identity_source = "curated"
    biological = src.get("nosmarts", False) and not smiles
    if not biological:
        hit = _lookup([cas] if cas else [name, *src.get("s", [])])
        if hit is not None:
            if smiles is None and cas is None:
                smiles, cas = hit.smiles, hit.CASs
                identity_source = "chemicals package identifier database (PubChem-derived)"
            elif cas and hit.CASs == cas and smiles:
                a, b = canonical_smiles(smiles), canonical_smiles(hit.smiles) if hit.smiles else None
                if a and b and a != b:
                    problems.append(f"{name}: curated SMILES {a} differs from database {b}")
                identity_source = "curated; CAS cross-checked in chemicals package"
            formula = hit.formula if (hit.CASs == cas) else None
        elif smiles is None:
            problems.append(f"{name}: not found in the chemicals database and no SMILES given")
    if smiles:
        canon = canonical_smiles(smiles)
        if canon is None:
            problems.append(f"{name}: RDKit cannot parse SMILES {smiles}")
        else:
            smiles = canon
            if formula is None:
                formula = molecular_formula(canon)
    physical = None
    if cas:
        data = lookup_physical_data(cas)
        physical = data.model_dump(exclude_none=True, exclude={"cas"}) or None
    out.update(
        {
            "cas": cas,
            "smiles": smiles,
            "formula": formula,
            "kind": kind,
            "groups": src.get("g", []),
            "tags": src.get("t", []),
            "classify": not src.get("nosmarts", False),
            "components": src.get("comp", []),
            "hazardous_components": src.get("hz", []),
            "note": src.get("note", ""),
            "identity_source": identity_source,
            "physical": physical,
        }
    )
    return out, problems


def add_derived(rec: dict[str, Any]) -> None:
    """Store the classification and CWC matches (checked against fresh ones by the tests)."""
    groups, tags, rules = classify_entry(rec)
    rec["classified"] = {"groups": groups, "tags": tags, "rules": rules}
    matches = _cwc_matches_cached(
        rec["name"], tuple(rec["synonyms"]), rec.get("cas"), rec.get("smiles"), ""
    )
    rec["cwc"] = [m.model_dump() for m in matches]


def main() -> None:
    from rdkit import RDLogger

    RDLogger.DisableLog("rdApp.*")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    source = yaml.safe_load((DATA / "chemicals_source.yaml").read_text())
    records, problems = [], []
    for entry in source:
        rec, probs = build_entry(entry)
        records.append(rec)
        problems.extend(probs)
    for rec in records:
        add_derived(rec)
    header = (
        "# GENERATED by labwright.verifiers.safety.build_chemicals from chemicals_source.yaml;\n"
        "# edit the source file and re-run the builder. Identity data: see identity_source.\n"
    )
    body = yaml.safe_dump(
        records, sort_keys=False, allow_unicode=True, width=200, default_flow_style=None
    )
    (DATA / "chemicals.yaml").write_text(header + body)
    (DATA / "chemicals.json").write_text(json.dumps(records, ensure_ascii=False, indent=0) + "\n")
    for p in problems:
        log.warning("%s", p)
    log.info("%d records written, %d problems", len(records), len(problems))


if __name__ == "__main__":
    main()
