"""The chat graph: a LangGraph ``StateGraph`` over :class:`~labwright.agents.chat.state.ChatState`.

The topology is data (:data:`NODES`, :data:`ROUTES`), and the graph's version is a hash of it,
of the state's keys and of :data:`REVISION` (raised when a node's meaning changes): a run is
stored with the version that started it and resumed only by the same version
(``labwright.agents.chat.durability``).

Each node is wrapped with the crash-test seam (``nodes.hold``): ``before:NODE`` holds after the
previous node's checkpoint is on disk, ``after:NODE`` holds once the node's work is done and
before its checkpoint is written (a resumed run then runs the node again).

A node with a router returns ``Command(update=..., goto=router(state after the update))``
instead of LangGraph's conditional edge: same route, same state, but a conditional edge makes
LangGraph build a fresh copy of every channel to read the state the router sees
(``pregel._algo.local_read``), about 0.2-0.4 ms of CPU per routed step here, against a budget
of 5 ms per step (revision 2).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any, get_origin, get_type_hints

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


#: state keys with a reducer (``events``: appended to, not replaced)
REDUCED: frozenset[str] = frozenset(
    key
    for key, hint in get_type_hints(ChatState, include_extras=True).items()
    if get_origin(hint) is Annotated
)


def after_update(state: ChatState, update: dict[str, Any]) -> dict[str, Any]:
    """The state as LangGraph holds it once ``update`` is applied (what a router sees)."""
    merged: dict[str, Any] = dict(state)
    for key, value in update.items():
        merged[key] = [*(state.get(key) or []), *value] if key in REDUCED else value  # type: ignore[misc]
    return merged


def _wrapped(
    name: str, fn: Callable[..., dict[str, Any]], services: nodes.Services
) -> Callable[[ChatState], Any]:
    route = ROUTES.get(name)

    def node(state: ChatState) -> Any:
        from langgraph.types import Command

        nodes.hold(services, f"before:{name}")
        out = fn(state, services)
        nodes.hold(services, f"after:{name}")
        if route is None:
            return out
        router, targets = route
        return Command(update=out, goto=_route(router, targets, after_update(state, out)))  # type: ignore[arg-type]

    node.__name__ = name
    return node


def build_graph(services: nodes.Services, checkpointer: Any = None) -> Any:
    """The compiled graph; with a checkpointer, every node's result is a checkpoint."""
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(ChatState)
    for name, fn in NODES.items():
        targets = ROUTES[name][1] if name in ROUTES else None
        builder.add_node(name, _wrapped(name, fn, services), destinations=targets)
    builder.add_edge(START, "understand")
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
