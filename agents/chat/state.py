"""What a chat run holds: its settings, the graph's state, and the outcome it reports.

The graph's state is plain JSON (strings, numbers, lists, dicts): the SQLite checkpointer stores
it between nodes, and a run resumed by another process, or by a later labwright, reads it
without unpickling any class. Pydantic models sit at the boundaries: :class:`ChatSettings`
(what the user chose, stored with the run) and :class:`ChatOutcome` (what ``labwright chat
--json`` prints).

Everything a planner (offline or a language model) produced is *untrusted data*: ``draft`` is
what the planner proposed; ``protocol``, ``protocol_sha256``, ``findings`` and ``certificate``
are written only by the compile and verify nodes, from labwright's own code.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field

ApproveMode = Literal["ask", "auto", "never"]
APPROVE_MODES: tuple[str, ...] = ("ask", "auto", "never")
DEFAULT_MAX_ROUNDS = 3


class ChatSettings(BaseModel):
    """What the user chose for one run; stored with the run and reused on resume."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    approve: ApproveMode = Field(
        default="ask",
        description="ask: a person approves (interrupt); auto: certified protocols with nothing that "
        "needs a person; never: dry run, nothing is dispatched",
    )
    backend: str = "twin"
    robot: str | None = None
    max_rounds: int = Field(default=DEFAULT_MAX_ROUNDS, ge=0, le=10, description="repair rounds at most")
    model: str = Field(default="offline", description="planner: 'offline' or a provider:model spec")
    base_url: str | None = None
    policy_path: str | None = None
    strict: bool = False
    campaign_background: bool = Field(
        default=False,
        description="an approved campaign runs in a detached process (interactive chat) instead of "
        "inside the dispatch node, which waits for it and reports its result (scripts, --json)",
    )


class ChatState(TypedDict, total=False):
    """The graph's state (JSON only). Nodes return the keys they change."""

    run_id: str
    request: str
    settings: dict[str, Any]
    # understand
    understood: str
    purpose: str
    plan: list[str]
    not_understood: list[str]
    # a campaign request: the campaign document the campaign grammar built (understand), validated
    # and summarised by the plan node (``labwright.agents.chat.campaigns``); its first proposal's
    # protocol is the draft
    campaign: dict[str, Any] | None
    # plan / repair: the planner's proposal (untrusted)
    draft: dict[str, Any] | None
    draft_note: str
    # compile / verify: labwright's own results
    protocol: dict[str, Any] | None
    protocol_sha256: str | None
    findings: list[dict[str, Any]]
    certificate: dict[str, Any] | None
    end_state: dict[str, Any] | None
    repair_rounds: int
    changes: list[dict[str, Any]]
    # approve / dispatch / observe
    approval: dict[str, Any] | None
    dispatch: dict[str, Any] | None
    dispatched: bool
    results: dict[str, Any] | None
    campaign_run: dict[str, Any] | None
    refused: str | None
    response: str
    # what happened, in order (appended by every node)
    events: Annotated[list[dict[str, Any]], operator.add]


class ChatOutcome(BaseModel):
    """One chat run as ``labwright chat --json`` prints it."""

    run_id: str
    request: str = ""
    understood: str = ""
    purpose: str = ""
    plan: list[str] = Field(default_factory=list)
    not_understood: list[str] = Field(default_factory=list)
    protocol: dict[str, Any] | None = Field(default=None, description="final protocol document")
    protocol_sha256: str | None = None
    findings: list[dict[str, Any]] = Field(default_factory=list)
    repair_rounds: int = 0
    changes: list[dict[str, Any]] = Field(default_factory=list)
    certificate: dict[str, Any] | None = None
    end_state: dict[str, Any] | None = None
    awaiting_approval: bool = False
    approval: dict[str, Any] | None = None
    dispatched: bool = False
    refused: str | None = None
    results: dict[str, Any] | None = None
    campaign: dict[str, Any] | None = Field(
        default=None,
        description="a campaign request: what was asked (summary, document, first proposal) and, once "
        "started, run_id, state, experiments (count), best, target_reached_at",
    )
    response: str = ""
    planner: str = "offline"
    graph_version: str = ""
    finished: bool = False

    @classmethod
    def from_state(
        cls, state: dict[str, Any], *, awaiting: bool, graph_version: str, finished: bool
    ) -> ChatOutcome:
        settings = state.get("settings") or {}
        return cls(
            run_id=state.get("run_id", ""),
            request=state.get("request", ""),
            understood=state.get("understood", ""),
            purpose=state.get("purpose", ""),
            plan=list(state.get("plan") or []),
            not_understood=list(state.get("not_understood") or []),
            protocol=state.get("protocol"),
            protocol_sha256=state.get("protocol_sha256"),
            findings=list(state.get("findings") or []),
            repair_rounds=int(state.get("repair_rounds") or 0),
            changes=list(state.get("changes") or []),
            certificate=state.get("certificate"),
            end_state=state.get("end_state"),
            awaiting_approval=awaiting,
            approval=state.get("approval"),
            dispatched=bool(state.get("dispatched")),
            refused=state.get("refused"),
            results=state.get("results"),
            campaign=_campaign(state),
            response=state.get("response", ""),
            planner=settings.get("model", "offline"),
            graph_version=graph_version,
            finished=finished,
        )


def _campaign(state: dict[str, Any]) -> dict[str, Any] | None:
    """The ``campaign`` object of the outcome: the request's campaign and, once started, its run."""
    asked = state.get("campaign")
    if asked is None:
        return None
    out = {
        k: asked.get(k) for k in ("summary", "document", "first_proposal", "reach", "source") if k in asked
    }
    return {**out, **(state.get("campaign_run") or {})}
