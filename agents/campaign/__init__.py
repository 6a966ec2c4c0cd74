"""Unattended closed-loop campaigns: Bayesian experiment design over real, verified protocols.

Python API (the CLI's ``labwright campaign run|resume|show|report`` call these)::

    from labwright.agents.campaign import load_campaign, run_campaign, resume_campaign, campaign_status

    spec = load_campaign("examples/campaigns/colour_match.yaml")
    result = run_campaign(spec, store="ledger.sqlite")          # until target or budget
    result.target_reached_at, result.best, result.experiments[0].certificate
    resume_campaign(result.run_id, store="ledger.sqlite")        # after a crash: nothing lost or repeated

Entry point for the chat agent (``agents/chat``): once a person has approved a campaign the
agent drafted, ``start_campaign_from_document(document, approved_by=NAME)`` validates the
document (the same schema as a campaign file; errors are ``UnusableInputError`` with a hint
the agent can repair against), records the run with who approved it, and starts it: in a
detached ``labwright campaign resume RUN_ID`` process by default (it outlives the chat and
resumes like any campaign), or in this process with ``background=False`` (``on_experiment``
then sees each experiment as it is recorded). It returns the run id; ``campaign_status(run_id)``
reports progress. Approving the campaign does not approve its
protocols: one whose certificate needs a person's approval is still recorded infeasible.

Modules: ``spec`` (the file), ``template`` (parameters -> protocol), ``space`` (encoding,
sampling), ``optimizers`` (BoTorch BO and the random baseline), ``twins`` (the chemistry twin
of a campaign), ``store`` (campaign rows beside the ledger), ``runner`` (the loop),
``results`` (the JSON object), ``offline`` (twin predictions without dispatch), ``pareto``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from labwright.agents.campaign.results import CampaignResult
from labwright.agents.campaign.runner import (
    Callback,
    campaign_status,
    create_campaign,
    resume_campaign,
    run_campaign,
)
from labwright.agents.campaign.spec import CampaignSpec, campaign_from_document, load_campaign, with_overrides
from labwright.protocols.errors import UnusableInputError

__all__ = [
    "CampaignResult",
    "CampaignSpec",
    "campaign_from_document",
    "campaign_status",
    "create_campaign",
    "load_campaign",
    "resume_campaign",
    "run_campaign",
    "start_campaign_from_document",
    "with_overrides",
]


def start_campaign_from_document(
    document: dict[str, Any],
    *,
    approved_by: str,
    store: str | Path | None = None,
    run_id: str | None = None,
    background: bool = True,
    on_experiment: Callback | None = None,
) -> str:
    """Create a campaign from a campaign document a person approved, start it, return its run id."""
    if not approved_by.strip():
        raise UnusableInputError(
            "a campaign starts only after a person approved it",
            hint="pass approved_by with the name of who approved the campaign",
        )
    spec = campaign_from_document(document, source="campaign document")
    run_id = create_campaign(spec, store=store, run_id=run_id, approved_by=approved_by.strip())
    if not background:
        resume_campaign(run_id, store=store, on_experiment=on_experiment)
        return run_id
    command = [sys.executable, "-m", "labwright.cli", "campaign", "resume", run_id, "--quiet"]
    if store is not None:
        command += ["--store", str(store)]
    subprocess.Popen(  # noqa: S603 - our own CLI, arguments we built
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return run_id
