"""Lab policy (YAML): limits, banned substances, approval classes, CWC schedule refusal."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from labwright.protocols.errors import ConfigurationError
from labwright.verifiers.safety.data_files import DATA_DIR, load
from labwright.verifiers.safety.identity import canonical_smiles, mol_from_smiles
from labwright.verifiers.safety.identity import normalise as _norm
from labwright.verifiers.safety.records import ChemicalRecord, CwcMatch, Resolution
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_POLICY_PATH = DATA_DIR / "default_policy.yaml"


class ApprovalRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(default_factory=list)
    groups: list[int] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)


class Policy(BaseModel):
    """A lab's safety policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "unnamed policy"
    max_temperature_c: float = Field(default=110.0, gt=-100, lt=1000)
    max_volume_ul: float | None = Field(default=None, gt=0)
    thermal_margin_c: float = Field(default=5.0, ge=0, le=200)
    thermal_minor_percent: float = Field(
        default=10.0, gt=0, le=100,
        description="below this share of a heated vessel a chemical is a minor component "
        "(thermal findings are warnings, see labwright.verifiers.safety.thermal)",
    )
    banned: list[str] = Field(default_factory=list)
    cwc_refuse_schedules: list[Literal[1, 2, 3]] = Field(default_factory=lambda: [1, 2])
    cwc_approval_schedules: list[Literal[1, 2, 3]] = Field(default_factory=lambda: [3])
    approval_required: ApprovalRules = Field(default_factory=ApprovalRules)
    unknown_chemical_severity: Literal["warning", "error"] = "warning"


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy YAML file (the shipped default when path is None).

    Raises ConfigurationError (with a hint) when the file is missing, not YAML, or invalid.
    Parsed policies are cached per file (path, size and modification time).
    """
    file = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        stat = file.stat()
    except OSError:
        stat = None
    if stat is not None and file.is_file():
        return _load_policy_cached(str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    return _load_policy_file(file)


@lru_cache(maxsize=64)
def _load_policy_cached(path: str, mtime_ns: int, size: int) -> Policy:
    return _load_policy_file(Path(path))


def _load_policy_file(file: Path) -> Policy:
    if not file.is_file():
        raise ConfigurationError(
            f"policy file not found: {file}",
            hint="pass an existing YAML file; start from a copy of "
            f"{DEFAULT_POLICY_PATH}",
        )
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationError(
            f"policy file {file} is not valid YAML: {exc}",
            hint="fix the YAML syntax (indentation, colons, quotes)",
        ) from exc
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"policy file {file} must contain a mapping of settings, got {type(data).__name__}",
            hint="write keys such as max_temperature_c: 95 at the top level",
        )
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(
            f"policy file {file} is invalid: {problems}",
            hint="allowed keys: " + ", ".join(Policy.model_fields),
        ) from exc


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    return load_policy(None)


@lru_cache(maxsize=1)
def _cwc_compiled() -> list[tuple[dict[str, Any], Any]]:
    # lazy: RDKit is optional and slow to import; database records carry their CWC matches
    from rdkit import Chem

    return [(f, Chem.MolFromSmarts(f["smarts"])) for f in load("cwc_schedules.yaml")["families"]]


@lru_cache(maxsize=1)
def _exempt_smiles() -> frozenset[str]:
    entries = load("cwc_schedules.yaml")["exempt_cas"]
    return frozenset(canonical_smiles(e["smiles"]) or "" for e in entries if e.get("smiles"))


@lru_cache(maxsize=1)
def _cwc_names() -> list[tuple[dict[str, Any], frozenset[str]]]:
    return [
        (entry, frozenset(_norm(n) for n in (entry["name"], *entry.get("synonyms", []))))
        for entry in load("cwc_schedules.yaml")["listed"]
    ]


def cwc_matches(record: ChemicalRecord, query: str = "") -> list[CwcMatch]:
    """CWC schedule entries that a chemical is (by CAS or name) or belongs to (by structure).

    Database records carry the matches computed when the database was built (no RDKit at run
    time); the query text is still matched by name.
    """
    if record.cwc is not None:
        found = {(m.schedule, m.item, m.name): m for m in record.cwc}
        for match in cwc_name_match(query) if query else []:
            found.setdefault((match.schedule, match.item, match.name), match)
        return sorted(found.values(), key=lambda m: (m.schedule, m.item))
    return list(_cwc_matches_cached(record.name, tuple(record.synonyms), record.cas,
                                    record.smiles, query))


@lru_cache(maxsize=4096)
def _cwc_matches_cached(
    name: str, synonyms: tuple[str, ...], cas: str | None, smiles: str | None, query: str
) -> tuple[CwcMatch, ...]:
    data = load("cwc_schedules.yaml")
    exempt = {e["cas"] for e in data["exempt_cas"]}
    if cas and cas in exempt:
        return ()
    if smiles and smiles in _exempt_smiles():
        return ()
    names = {_norm(n) for n in (name, *synonyms, query) if n}
    out: list[CwcMatch] = []
    for entry, entry_names in _cwc_names():
        if cas and cas == entry["cas"]:
            out.append(CwcMatch(schedule=entry["schedule"], item=entry["item"],
                                name=entry["name"], how="CAS number"))
        elif names & entry_names:
            out.append(CwcMatch(schedule=entry["schedule"], item=entry["item"],
                                name=entry["name"], how="name"))
    mol = mol_from_smiles(smiles) if smiles else None
    if mol is not None:
        for family, pattern in _cwc_compiled():
            hits = len(mol.GetSubstructMatches(pattern))
            if hits >= family.get("min_count", 1):
                out.append(CwcMatch(schedule=family["schedule"], item=family["item"],
                                    name=family["name"], how="structure family"))
    return tuple(sorted(out, key=lambda m: (m.schedule, m.item)))


def cwc_name_match(query: str) -> list[CwcMatch]:
    """Schedule entries matched by a name or CAS alone (for chemicals not in the database)."""
    key = _norm(query)
    out = []
    for entry, names in _cwc_names():
        if query.strip() == entry["cas"] or key in names:
            out.append(CwcMatch(schedule=entry["schedule"], item=entry["item"],
                                name=entry["name"],
                                how="CAS number" if query.strip() == entry["cas"] else "name"))
    return out


class PolicyStatus(BaseModel):
    """What the policy says about one liquid."""

    refused: bool = False
    banned: bool = False
    requires_approval: bool = False
    cwc: list[CwcMatch] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


def policy_status(resolution: Resolution, policy: Policy) -> PolicyStatus:
    status = PolicyStatus()
    banned = {_norm(b) for b in policy.banned}
    matches: list[CwcMatch] = cwc_name_match(resolution.query) if resolution.unknown else []
    for item in resolution.components:
        rec = item.record
        matches.extend(cwc_matches(rec, resolution.query))
        keys = {_norm(n) for n in (rec.name, *rec.synonyms)} | ({rec.cas} if rec.cas else set())
        if banned & keys or _norm(resolution.query) in banned:
            status.banned = True
            status.reasons.append(f"{rec.name} is banned by policy '{policy.name}'")
        rules = policy.approval_required
        why = sorted(set(rec.tags) & set(rules.tags)) + [
            f"group {g}" for g in sorted(set(rec.groups) & set(rules.groups))
        ]
        if _norm(rec.name) in {_norm(n) for n in rules.names}:
            why.append("listed by name")
        if why:
            status.requires_approval = True
            status.reasons.append(f"{rec.name} needs approval ({', '.join(why)})")
    unique = {(m.schedule, m.item, m.name): m for m in matches}
    status.cwc = sorted(unique.values(), key=lambda m: (m.schedule, m.item))
    for match in status.cwc:
        if match.schedule in policy.cwc_refuse_schedules:
            status.refused = True
            status.reasons.append(
                f"CWC Schedule {match.schedule} ({match.item}: {match.name}, by {match.how}): "
                "refused"
            )
        elif match.schedule in policy.cwc_approval_schedules:
            status.requires_approval = True
            status.reasons.append(
                f"CWC Schedule {match.schedule} ({match.item}: {match.name}): needs approval"
            )
    return status
