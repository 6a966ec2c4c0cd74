"""labwright.verifiers.safety: chemical identity, compatibility, thermal and policy checks.

Public API (imported lazily; RDKit and `chemicals` load only when a chemical is classified or
its physical data is looked up):

- ``resolve(name, smiles=None, cas=None, concentration=None) -> Resolution``
- ``assess(a: Resolution, b: Resolution) -> PairAssessment``; ``check_pair(name_a, name_b)``
- ``physical_data(cas) -> PhysicalData``
- ``load_policy(path) -> Policy``; ``default_policy()``; ``policy_status(resolution, policy)``
- ``safety_pass(components, mixes, heats, policy, strict=False) -> list[Finding]`` with the
  inputs ``Component``, ``MixEvent``, ``HeatEvent`` (``HeatEvent.amounts_ul``: uL of each liquid
  in the heated vessel, when the replay knows them)

The thermal rule (error for a neat or major component heated past its boiling or flash point,
warning for a minor one, error at any share past autoignition) and its sources are documented
in ``labwright.verifiers.safety.thermal``. Example protocols for every finding are in
``examples/protocols/faulty/``; a stricter example policy is ``examples/policies/strict_lab.yaml``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ChemicalRecord": "records",
    "ResolvedChemical": "records",
    "Resolution": "records",
    "Concentration": "concentration",
    "parse_concentration": "concentration",
    "resolve": "resolve",
    "Hazard": "compatibility",
    "PairAssessment": "compatibility",
    "assess": "compatibility",
    "check_pair": "pair",
    "chemical_report": "pair",
    "UnknownChemicalError": "pair",
    "PhysicalData": "records",
    "physical_data": "physical",
    "Policy": "policy",
    "PolicyStatus": "policy",
    "load_policy": "policy",
    "default_policy": "policy",
    "policy_status": "policy",
    "Component": "safety_pass",
    "MixEvent": "safety_pass",
    "HeatEvent": "safety_pass",
}

__all__ = sorted([*_EXPORTS, "safety_pass"])

# The function shares its name with its module: bind it eagerly, otherwise importing the
# submodule (``labwright.verifiers.safety.safety_pass``) would shadow it with the module.
# (Light: pydantic and YAML only; RDKit and `chemicals` stay unimported.)
from labwright.verifiers.safety.safety_pass import safety_pass as safety_pass  # noqa: E402


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
