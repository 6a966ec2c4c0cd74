"""Pass 2, references: everything a step names is declared; slots and wells exist.

The checks are made once, while the protocol is resolved against its deck
(``labwright.simulators.deck.resolve``: labware, modules and pipettes against their Opentrons
definitions, typed locations, liquid well specs); this pass reports what they found. Steps whose
references did not resolve are marked there, and the later passes skip or stand in for them.
"""

from __future__ import annotations

from labwright.protocols.findings import Finding
from labwright.simulators.deck.resolve import ResolvedProtocol
from labwright.verifiers.passes.context import PassContext


def references_pass(resolved: ResolvedProtocol, context: PassContext) -> list[Finding]:
    return list(resolved.findings)
