"""The chat graph: a LangGraph ``StateGraph`` over :class:`~labwright.agents.chat.state.ChatState`.

The topology is data (:data:`NODES`, :data:`ROUTES`), and the graph's version is a hash of it,
of the state's keys and of :data:`REVISION` (raised when a node's meaning changes): a run is
stored with the version that started it and resumed only by the same version
(``labwright.agents.chat.durability``).

Each node is wrapped with the crash-test seam (``nodes.hold``): ``before:NODE`` holds after the
previous node's checkpoint is on disk, ``after:NODE`` holds once the node's work is done and
before its checkpoint is written (a resumed run then runs the node again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial
from typing import Any

from labwright.agents.chat import nodes
from labwright.agents.chat.state import ChatState

#: raise when what a node does changes in a way a stored run must not be resumed across
REVISION = 2

NODES: dict[str, Callable[..., dict[str, Any]]] = {
    "understand": nodes.understand,
    "plan": nodes.plan,
    "compile": nodes.compile_draft,
    "verify": nodes.verify,
    "repair": nodes.repair,
    "approve": nodes.approve,
    "dispatch": nodes.dispatch,
    "observe": nodes.observe,
    "respond": nodes.respond,
}
#: node -> (router, the nodes it may route to); nodes without a router have one fixed edge
ROUTES: dict[str, tuple[Callable[[ChatState], str], tuple[str, ...]]] = {
    "understand": (nodes.after_understand, ("plan", "respond")),
    "plan": (nodes.after_plan, ("compile", "respond")),
    "verify": (nodes.after_verify, ("approve", "repair", "respond")),
    "repair": (nodes.after_repair, ("compile", "respond")),
    "approve": (nodes.after_approve, ("dispatch", "respond")),
}
EDGES: tuple[tuple[str, str], ...] = (("compile", "verify"), ("dispatch", "observe"), ("observe", "respond"))


def graph_version() -> str:
    """``chat-graph/<revision>-<hash of the topology and the state's keys>``."""
    shape = {
        "revision": REVISION,
        "nodes": list(NODES),
        "routes": {k: list(v[1]) for k, v in ROUTES.items()},
        "edges": [list(e) for e in EDGES],
        "state": sorted(ChatState.__annotations__),
    }
    digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:12]
    return f"chat-graph/{REVISION}-{digest}"


def _wrapped(
    name: str, fn: Callable[..., dict[str, Any]], services: nodes.Services
) -> Callable[[ChatState], Any]:
    def node(state: ChatState) -> dict[str, Any]:
        nodes.hold(services, f"before:{name}")
        out = fn(state, services)
        nodes.hold(services, f"after:{name}")
        return out

    node.__name__ = name
    return node


def build_graph(services: nodes.Services, checkpointer: Any = None) -> Any:
    """The compiled graph; with a checkpointer, every node's result is a checkpoint."""
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(ChatState)
    for name, fn in NODES.items():
        builder.add_node(name, _wrapped(name, fn, services))
    builder.add_edge(START, "understand")
    for name, (router, targets) in ROUTES.items():
        builder.add_conditional_edges(name, partial(_route, router, targets), list(targets))
    for a, b in EDGES:
        builder.add_edge(a, b)
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)


def _route(router: Callable[[ChatState], str], targets: tuple[str, ...], state: ChatState) -> str:
    target = router(state)
    if target not in targets:  # a labwright bug, never a model's doing
        raise RuntimeError(f"router {router.__name__} chose {target!r}, not one of {targets}")
    return target


def recursion_limit(max_rounds: int) -> int:
    """Enough steps for every repair round (compile, verify, repair per round) and the rest."""
    return 12 + 3 * (max_rounds + 1)
