"""A liquid's chemical identity, through the safety checker's own resolver.

The planner declares every liquid with the name the chemist used, and adds the CAS number and
SMILES when the name stands for one chemical the safety database knows (a dilute solution of
one chemical in water counts: "1 mM fluorescein"). Mixtures and biological reagents (PBS, LB,
DNA samples) keep their name only, which the safety checker resolves the same way; a name it
cannot resolve is declared as written and reported in the plan, since the safety checker will
flag it as unknown (unknown is never safe).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    name: str
    cas: str | None = None
    smiles: str | None = None
    known_as: str | None = None  # the database's name, when it differs from what was written
    unknown: bool = False


def identify(name: str, concentration: str | None = None) -> Identity:
    from labwright.verifiers.safety.resolve import resolve

    found = resolve(name, concentration=concentration)
    if found.unknown:
        return Identity(name, unknown=True)
    solutes = [c for c in found.components if not c.via.startswith("solvent")]
    if found.mixture is None and len(solutes) == 1:
        record = solutes[0].record
        known = record.name if record.name.casefold() != name.casefold() else None
        return Identity(name, record.cas, record.smiles, known)
    label = found.mixture or (solutes[0].record.name if len(solutes) == 1 else None)
    return Identity(name, known_as=label if label and label.casefold() != name.casefold() else None)
