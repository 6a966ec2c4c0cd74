"""Quick questions about chemicals: one pair, one chemical (used by the CLI and agents)."""

from __future__ import annotations

from typing import Any

from labwright.protocols.errors import LabwrightError
from labwright.verifiers.safety.compatibility import PairAssessment, assess, group_name
from labwright.verifiers.safety.physical import physical_data
from labwright.verifiers.safety.policy import Policy, default_policy, policy_status
from labwright.verifiers.safety.records import Resolution
from labwright.verifiers.safety.resolve import resolve, suggestions


class UnknownChemicalError(LabwrightError):
    """A name that the chemical database cannot resolve."""


def resolve_or_raise(name: str) -> Resolution:
    resolution = resolve(name)
    if resolution.unknown:
        close = suggestions(name)
        raise UnknownChemicalError(
            f"unknown chemical: '{name}'",
            hint=(f"did you mean: {', '.join(close)}? " if close else "")
            + "use a common name, an abbreviation (THF, DCM), a CAS number or a SMILES",
        )
    return resolution


def check_pair(name_a: str, name_b: str) -> PairAssessment:
    """Assess two names; raises UnknownChemicalError if either cannot be resolved."""
    return assess(resolve_or_raise(name_a), resolve_or_raise(name_b))


def chemical_report(name: str, policy: Policy | None = None) -> dict[str, Any]:
    """Identity, groups, tags, physical data and policy status of one name (JSON-ready)."""
    policy = policy or default_policy()
    resolution = resolve(name)
    if resolution.unknown and not policy_status(resolution, policy).cwc:
        resolution = resolve_or_raise(name)
    components = []
    for item in resolution.components:
        rec = item.record
        phys = rec.physical if rec.physical is not None else physical_data(rec.cas)
        components.append({
            "name": rec.name,
            "cas": rec.cas,
            "smiles": rec.smiles,
            "formula": rec.formula,
            "kind": rec.kind,
            "synonyms": rec.synonyms,
            "concentration": str(item.concentration) if item.concentration else None,
            "dilute": item.dilute,
            "matched_by": item.via,
            "groups": [{"id": g, "name": group_name(g)} for g in rec.groups],
            "tags": rec.tags,
            "classified_by": rec.classified_by,
            "identity_source": rec.identity_source,
            "physical": {
                **phys.as_dict(),
                "sources": {
                    key: value.all_sources
                    for key, value in (("boiling_point", phys.boiling_point),
                                       ("flash_point", phys.flash_point),
                                       ("autoignition", phys.autoignition))
                    if value is not None
                },
            },
        })
    status = policy_status(resolution, policy)
    return {
        "query": name,
        "mixture": resolution.mixture,
        "components": components,
        "policy": {"name": policy.name, **status.model_dump()},
    }
