"""Lab policy (YAML): limits, banned substances, approval classes, CWC schedule refusal.

Three levels, from firm to flexible:

1. Chemical Weapons Convention Schedules 1 and 2 are refused whatever any policy says
   (``ALWAYS_REFUSED_SCHEDULES``; source: CWC, Annex on Chemicals). No file, option or API
   argument can make such a chemical certifiable.
2. The baseline: the shipped ``default_policy.yaml``, or the administrator's policy named by the
   ``LABWRIGHT_ADMIN_POLICY`` environment variable of the service (outside a user's reach); the
   administrator's file may set any limit, except level 1.
3. A lab policy file given by the user (``--policy``) may only tighten the baseline: a lower
   maximum temperature or volume, a wider thermal margin, more banned substances, more classes
   needing approval, more schedules refused. A file that loosens anything is refused (exit 2) with
   the list of what it loosens; what it leaves out is taken from the baseline.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from labwright.protocols.documents import parse_yaml, read_text_file
from labwright.protocols.errors import ConfigurationError, UnusableInputError
from labwright.verifiers.safety.data_files import DATA_DIR, load
from labwright.verifiers.safety.identity import canonical_smiles, mol_from_smiles
from labwright.verifiers.safety.identity import normalise as _norm
from labwright.verifiers.safety.records import ChemicalRecord, CwcMatch, Resolution
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_POLICY_PATH = DATA_DIR / "default_policy.yaml"
ADMIN_POLICY_ENV = "LABWRIGHT_ADMIN_POLICY"
# CWC Schedules 1 (agents) and 2 (key precursors): refused by every policy [source: Chemical
# Weapons Convention, Annex on Chemicals]. Schedule 3 (common industrial chemicals) is a policy
# choice: approval by default, refusal in stricter labs.
ALWAYS_REFUSED_SCHEDULES: tuple[int, ...] = (1, 2)


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

    @field_validator("cwc_refuse_schedules")
    @classmethod
    def _always_refused(cls, value: list[int]) -> list[int]:
        return sorted({*value, *ALWAYS_REFUSED_SCHEDULES})

    def refuses(self, schedule: int) -> bool:
        return schedule in ALWAYS_REFUSED_SCHEDULES or schedule in self.cwc_refuse_schedules


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in force: the baseline tightened by the lab policy file at ``path``, if any.

    Raises ConfigurationError (with a hint) when a file is missing, not YAML, invalid, or (for
    ``path``) loosens the baseline. Parsed files are cached per (path, size, modification time).
    """
    baseline = baseline_policy()
    if path is None:
        return baseline
    return _tightened(baseline, _read_cached(Path(path)), Path(path))


def baseline_policy() -> Policy:
    """The administrator's policy (``$LABWRIGHT_ADMIN_POLICY``) or the shipped default."""
    admin = os.environ.get(ADMIN_POLICY_ENV, "").strip()
    file = Path(admin) if admin else DEFAULT_POLICY_PATH
    return _validated(_read_cached(file), file)


def _read_cached(file: Path) -> dict[str, Any]:
    try:
        stat = file.stat()
    except OSError:
        stat = None
    if stat is not None and file.is_file():
        return dict(_read_policy_cached(str(file.resolve()), stat.st_mtime_ns, stat.st_size))
    return _read_policy_file(file)


@lru_cache(maxsize=64)
def _read_policy_cached(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    return _read_policy_file(Path(path))


def _read_policy_file(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise ConfigurationError(
            f"policy file not found: {file}",
            hint="pass an existing YAML file; start from a copy of "
            f"{DEFAULT_POLICY_PATH}",
        )
    try:
        data = parse_yaml(read_text_file(file, what="policy file"), source=f"policy file {file}")
    except UnusableInputError as exc:
        raise ConfigurationError(exc.message, hint=exc.hint or "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"policy file {file} must contain a mapping of settings, got {type(data).__name__}",
            hint="write keys such as max_temperature_c: 95 at the top level",
        )
    _validated(data, file)  # report an invalid file as such before comparing it
    return data


def _validated(data: dict[str, Any], file: Path) -> Policy:
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


def _tightened(baseline: Policy, data: dict[str, Any], file: Path) -> Policy:
    """The baseline with the file's settings applied; ConfigurationError if any loosens it."""
    given = _validated(data, file)
    looser = _loosenings(baseline, given, data)
    if looser:
        raise ConfigurationError(
            f"policy file {file} loosens the baseline policy '{baseline.name}': {'; '.join(looser)}",
            hint="a lab policy may only tighten the baseline (lower limits, more bans, more "
            f"approvals); an administrator changes the baseline with {ADMIN_POLICY_ENV}="
            "/path/policy.yaml in the service's environment",
        )
    rules, base_rules = given.approval_required, baseline.approval_required
    merged = {
        "name": given.name if "name" in data else baseline.name,
        "max_temperature_c": min(baseline.max_temperature_c, given.max_temperature_c),
        "max_volume_ul": _min_limit(
            baseline.max_volume_ul, given.max_volume_ul if "max_volume_ul" in data else None
        ),
        "thermal_margin_c": max(baseline.thermal_margin_c, given.thermal_margin_c),
        "thermal_minor_percent": min(baseline.thermal_minor_percent, given.thermal_minor_percent),
        "banned": list(dict.fromkeys([*baseline.banned, *given.banned])),
        "cwc_refuse_schedules": sorted({*baseline.cwc_refuse_schedules, *given.cwc_refuse_schedules}),
        "approval_required": ApprovalRules(
            tags=list(dict.fromkeys([*base_rules.tags, *rules.tags])),
            groups=list(dict.fromkeys([*base_rules.groups, *rules.groups])),
            names=list(dict.fromkeys([*base_rules.names, *rules.names])),
        ),
        "unknown_chemical_severity": "error"
        if "error" in (baseline.unknown_chemical_severity, given.unknown_chemical_severity)
        else "warning",
    }
    refused = set(merged["cwc_refuse_schedules"])
    approval = {*baseline.cwc_approval_schedules, *given.cwc_approval_schedules} - refused
    merged["cwc_approval_schedules"] = sorted(approval)
    return Policy.model_validate(merged)


def _min_limit(a: float | None, b: float | None) -> float | None:
    limits = [x for x in (a, b) if x is not None]
    return min(limits) if limits else None


def _loosenings(baseline: Policy, given: Policy, keys: dict[str, Any]) -> list[str]:
    """What ``given`` loosens; ``keys`` is the file as written (before defaults and the CWC floor)."""
    out = []
    if "max_temperature_c" in keys and given.max_temperature_c > baseline.max_temperature_c:
        out.append(f"max_temperature_c {given.max_temperature_c:g} > {baseline.max_temperature_c:g}")
    if "max_volume_ul" in keys and baseline.max_volume_ul is not None and (
        given.max_volume_ul is None or given.max_volume_ul > baseline.max_volume_ul
    ):
        out.append(f"max_volume_ul {given.max_volume_ul} > {baseline.max_volume_ul:g}")
    if "thermal_margin_c" in keys and given.thermal_margin_c < baseline.thermal_margin_c:
        out.append(f"thermal_margin_c {given.thermal_margin_c:g} < {baseline.thermal_margin_c:g}")
    if "thermal_minor_percent" in keys and given.thermal_minor_percent > baseline.thermal_minor_percent:
        out.append(
            f"thermal_minor_percent {given.thermal_minor_percent:g} > {baseline.thermal_minor_percent:g}"
        )
    if "cwc_refuse_schedules" in keys:
        dropped = set(baseline.cwc_refuse_schedules) - set(keys["cwc_refuse_schedules"] or [])
        if dropped:
            out.append(f"cwc_refuse_schedules leaves out {sorted(dropped)}")
    if "cwc_approval_schedules" in keys:
        dropped = set(baseline.cwc_approval_schedules) - set(given.cwc_approval_schedules)
        dropped -= set(given.cwc_refuse_schedules)  # refusing instead of approving is tighter
        if dropped:
            out.append(f"cwc_approval_schedules leaves out {sorted(dropped)}")
    if "approval_required" in keys:
        base, mine = baseline.approval_required, given.approval_required
        for field in ("tags", "groups", "names"):
            missing = [x for x in getattr(base, field) if x not in getattr(mine, field)]
            if missing:
                out.append(f"approval_required.{field} leaves out {', '.join(map(str, missing))}")
    if (
        "unknown_chemical_severity" in keys
        and baseline.unknown_chemical_severity == "error"
        and given.unknown_chemical_severity == "warning"
    ):
        out.append("unknown_chemical_severity warning < error")
    return out


def default_policy() -> Policy:
    """The baseline policy (files are parsed once per modification; the environment is read each call)."""
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
        (entry, frozenset(_norm(n) for n in (entry["name"], *entry.get("synonyms", []))
                          if not _is_code(n, entry)))
        for entry in load("cwc_schedules.yaml")["listed"]
    ]


def _is_code(name: str, entry: dict[str, Any]) -> bool:
    """A military code of up to three characters given as a synonym ("GB", "HD", "L1"): also a
    well label, a lane or a liquid's number ("L1" in Opentrons' own Protocol Designer files), so
    on its own it names nothing (a warning); the agent's own name ("VX") still refuses."""
    return name != entry["name"] and len(_norm(name)) <= 3


@lru_cache(maxsize=1)
def _cwc_codes() -> list[tuple[dict[str, Any], frozenset[str]]]:
    return [
        (entry, frozenset(_norm(n) for n in entry.get("synonyms", []) if _is_code(n, entry)))
        for entry in load("cwc_schedules.yaml")["listed"]
    ]


def cwc_code_match(query: str) -> list[CwcMatch]:
    """Schedule entries whose military code the name is (``_is_code``): possible, not stated."""
    key = _norm(query)
    return [
        CwcMatch(schedule=entry["schedule"], item=entry["item"], name=entry["name"],
                 how="military code")
        for entry, codes in _cwc_codes() if key in codes
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
    possible_cwc: list[CwcMatch] = Field(
        default_factory=list, description="a name that is only a scheduled agent's short code"
    )


def policy_status(resolution: Resolution, policy: Policy) -> PolicyStatus:
    status = PolicyStatus()
    banned = {_norm(b) for b in policy.banned}
    matches: list[CwcMatch] = cwc_name_match(resolution.query) if resolution.unknown else []
    if resolution.unknown and not matches:
        status.possible_cwc = cwc_code_match(resolution.query)
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
        if policy.refuses(match.schedule):
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
