"""Passes 5 and 6, safety and lab policy: the deck twin's record of what met where, and what
was heated, handed to the chemical safety checker in ``labwright.verifiers.safety``.

The twin records a mixing event each time a vessel (well, reservoir, tube or tip) gains a
component, including carry-over from a used tip into a source, and a heating event for each
vessel on a module set above ambient (and for each arrival in a vessel already hot).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from labwright.protocols.findings import Finding
from labwright.protocols.models import Protocol
from labwright.simulators.deck.resolve import ResolvedProtocol
from labwright.simulators.deck.twin import DeckTwin
from labwright.verifiers.passes.context import PassContext
from labwright.verifiers.safety.policy import Policy, load_policy
from labwright.verifiers.safety.safety_pass import Component, safety_pass


def safety_and_policy_pass(resolved: ResolvedProtocol, context: PassContext) -> list[Finding]:
    """Both passes on the twin the replay pass left in ``context``; notes the policy's SHA-256."""
    if context.twin is None:
        raise ValueError("the safety pass runs after the replay pass, on its twin")
    findings, context.policy_sha256 = run_safety(
        resolved.protocol, context.twin, context.policy_path, context.strict
    )
    return findings


def run_safety(
    protocol: Protocol, twin: DeckTwin, policy_path: Path | None, strict: bool = False
) -> tuple[list[Finding], str]:
    """Safety and policy findings, and the SHA-256 of the policy that was applied."""
    policy = load_policy(policy_path)
    components = {
        liq.id: Component(
            liquid_id=liq.id,
            name=liq.name,
            smiles=liq.smiles,
            cas=liq.cas,
            concentration=liq.concentration,
            description=liq.description or None,
        )
        for liq in protocol.liquids
    }
    # liquids declared together in one well meet before the first step (the twin says step -1)
    mixes = [event if event.step >= 0 else replace(event, step=0) for event in twin.mixes]
    findings = safety_pass(components, mixes, twin.heats, policy, strict=strict)
    return findings, policy_sha256(policy)


def policy_sha256(policy: Policy) -> str:
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()
