"""Passes 5 and 6, safety and lab policy: the deck twin's record of what met where, and what
was heated, handed to the chemical safety checker in ``labwright.verifiers.safety``.

The twin records a mixing event each time a vessel (well, reservoir, tube or tip) gains a
component, including carry-over from a used tip into a source, and a heating event for each
vessel on a module set above ambient (and for each arrival in a vessel already hot).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from labwright.protocols.models import Protocol
from labwright.simulators.deck_twin import DeckTwin
from labwright.verifiers.findings import Finding

if TYPE_CHECKING:
    from labwright.verifiers.verifier import VerifyOptions


def run_safety(protocol: Protocol, twin: DeckTwin, options: VerifyOptions) -> tuple[list[Finding], str]:
    """Safety and policy findings, and the SHA-256 of the policy that was applied."""
    from labwright.verifiers.safety.policy import load_policy
    from labwright.verifiers.safety.safety_pass import Component, HeatEvent, MixEvent, safety_pass

    policy = load_policy(options.policy_path)
    components = {
        liq.id: Component(
            liquid_id=liq.id,
            name=liq.name,
            smiles=liq.smiles,
            cas=liq.cas,
            concentration=liq.concentration,
        )
        for liq in protocol.liquids
    }
    mixes = [
        MixEvent(
            step=max(m.step, 0),
            pointer=m.pointer,
            vessel=m.vessel,
            components=list(m.components),
            new=list(m.new),
            volume_ul=m.volume_ul,
        )
        for m in twin.mixes
    ]
    heats = [
        HeatEvent(
            step=h.step,
            pointer=h.pointer,
            vessel=h.vessel,
            celsius=h.celsius,
            components=list(h.components),
            device=h.device,
            amounts_ul=dict(h.amounts) or None,
        )
        for h in twin.heats
    ]
    findings = safety_pass(components, mixes, heats, policy, strict=options.strict)
    return findings, policy_sha256(policy)


def policy_sha256(policy: object) -> str:
    dump = getattr(policy, "model_dump_json", None)
    text = dump() if dump else repr(policy)
    return hashlib.sha256(text.encode()).hexdigest()
