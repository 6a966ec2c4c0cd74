"""Replay set-up: a resolved protocol expanded into primitive actions and replayed on a deck
twin that starts with the protocol's declared liquids.

``expand_resolved`` is the one expansion the verifier, the twin backend and the step map use;
``initial_twin`` is the twin before the first step; ``replay`` runs the one on the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labwright.protocols import models as m
from labwright.protocols.findings import Finding
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.expand import ExpansionError, expand_step
from labwright.simulators.deck.resolve import ResolvedProtocol, ResolvedStep
from labwright.simulators.deck.twin import DeckTwin


@dataclass
class Replay:
    twin: DeckTwin
    actions: list[a.Action]
    findings: list[Finding] = field(default_factory=list)  # steps that could not be expanded


def expand_resolved(resolved: ResolvedProtocol) -> tuple[list[a.Action], list[Finding]]:
    """Every step's primitive actions; a step that did not resolve gets a stand-in (below)."""
    actions: list[a.Action] = []
    out: list[Finding] = []
    for rs in resolved.steps:
        if not rs.ok:
            actions.extend(_tip_stand_in(rs, resolved))
            continue
        try:
            # the actions before the fault stay: the Opentrons API runs them too
            actions.extend(expand_step(rs, resolved.deck))
        except ExpansionError as exc:
            out.append(exc.finding.model_copy(update={"step": rs.index}))
    return actions, out


def _tip_stand_in(rs: ResolvedStep, resolved: ResolvedProtocol) -> list[a.Action]:
    """A step whose location did not resolve (already reported) still changes what the pipette
    holds: replay a tip step with the default location (next fresh tip / the trash) and an
    aspirate/dispense as moving an unknown amount, so the steps after it are not reported again
    (TIP_MISSING, TIP_ALREADY_ATTACHED, VOLUME_DISPENSE_EXCEEDS_TIP)."""
    step = rs.step
    pip = getattr(step, "pipette", None)
    if pip not in resolved.deck.pipettes:
        return []
    at = {"step": rs.index, "pointer": rs.pointer, "pipette": pip}
    if isinstance(step, m.Aspirate | m.Dispense) and rs.location is not None:
        # the twin treats a well it does not know as unknown contents (interval semantics)
        kind = a.Aspirate if isinstance(step, m.Aspirate) else a.Dispense
        return [kind(**at, volume_ul=step.volume_ul, well=rs.location)]
    if isinstance(step, m.PickUpTip):
        return [a.PickUpTip(**at)]
    if isinstance(step, m.DropTip | m.ReturnTip):
        return [a.DropTip(**at)]
    return []


def initial_twin(resolved: ResolvedProtocol) -> DeckTwin:
    """The deck before the first step: fresh tips, and the declared liquids in their wells."""
    twin = DeckTwin(
        resolved.deck, declares_liquids=resolved.declares_liquids, liquid_names=liquid_identities(resolved)
    )
    for entry in resolved.liquid_wells:
        if not entry.in_tiprack:
            twin.load_liquid(entry.liquid.id, entry.wells, entry.volume_ul, entry.pointer)
    return twin


def liquid_identities(resolved: ResolvedProtocol) -> dict[str, str]:
    """Liquid id -> identity: liquids declared under one name (or one CAS number) are one
    liquid, as real protocols declare a reagent split over wells once per well."""
    out: dict[str, str] = {}
    for liq in resolved.protocol.liquids:
        out[liq.id] = f"cas:{liq.cas.strip()}" if liq.cas else f"name:{' '.join(liq.name.lower().split())}"
    return out


def replay(resolved: ResolvedProtocol) -> Replay:
    """Expand the protocol, replay every action on its initial twin, and let the twin judge
    what waited on the end of the run (``DeckTwin.finish``)."""
    actions, findings = expand_resolved(resolved)
    twin = initial_twin(resolved)
    twin.run(actions)
    twin.finish()
    return Replay(twin, actions, findings)
