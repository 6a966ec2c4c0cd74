"""The built-in offline planner: plain English -> a labwright protocol, and its repair step.

    plan_offline("Make a 1:2 serial dilution of fluorescein in PBS down column 1 of a 96 well "
                 "plate, 100 uL final volume per well, then measure fluorescence.")

parses the request with a grammar (``grammar``, lark), compiles what it understood into a draft
(``compile``, ``compile_dilutions``, ``compile_devices``) and renders it with labware, pipettes
and tips chosen from the Opentrons catalogue (``render``, ``catalogue``), every liquid declared
with its chemical identity (``chemistry``). It never guesses: a part of the request it did not
understand is listed in ``not_understood`` (and then no protocol is returned, since a protocol
that leaves out a step the chemist asked for would be a guess), and a request no Opentrons
hardware can carry out gets a ``refusal`` that names the reason.

``plan_campaign_offline(request)`` reads a campaign request ("run the campaign FILE with a budget
of 12 experiments", "optimise a mix of three dyes to match Lab 50 20 -30") with its own grammar
(``campaign_grammar``, ``campaign_request``) into a campaign document (``campaign_plan``); it
answers None for a request that is not about a campaign.

``repair_offline(document, findings)`` acts on the verifier's findings (``repair``): another
pipette or tip size, another labware, split volumes, more tips, more liquid in a source.
"""

from __future__ import annotations

from typing import Any

from labwright.agents.planner.campaign_plan import CampaignPlan
from labwright.agents.planner.results import PlanResult, RepairResult
from labwright.protocols.findings import Finding


def plan_offline(request: str) -> PlanResult:
    from labwright.agents.planner.plan import plan

    return plan(request)


def plan_campaign_offline(request: str) -> CampaignPlan | None:
    from labwright.agents.planner.campaign_plan import plan_campaign

    return plan_campaign(request)


def repair_offline(document: dict[str, Any], findings: list[Finding]) -> RepairResult:
    from labwright.agents.planner.repair import repair

    return repair(document, findings)


__all__ = [
    "CampaignPlan",
    "PlanResult",
    "RepairResult",
    "plan_campaign_offline",
    "plan_offline",
    "repair_offline",
]
