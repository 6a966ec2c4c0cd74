"""Chat graph orchestration overhead per step, with the SQLite checkpointer on disk.

    nice -n 15 .venv/bin/python bench/agent_overhead.py [--repeats 10] [--json]

Runs ``labwright.agents.chat`` requests through the real graph, the real ``SqliteSaver`` in WAL
mode with ``durability="sync"`` (every node's checkpoint is committed before the next node
starts), the real verifier and the twin backend. The planner is the LLM planner over a scripted
chat model that answers at once, so no model time is measured.

Checkpointers: ``sqlite`` is what ``labwright chat`` uses (checkpoints committed with
``synchronous=NORMAL``, the run's approvals, dispatches and end fsynced: see
``labwright.agents.chat.durability``); ``sqlite-fsync`` fsyncs every step's checkpoint (what the
chat did before); ``memory`` is LangGraph's ``InMemorySaver``.

Per request the wall time of the whole run is split into the time spent inside the nodes
(planner, verifier, dispatch, ...), the gaps between one node's end and the next node's start
(the step's checkpoint, on disk before the next node starts, and LangGraph's scheduling and
state merging: the orchestration overhead per step, target under 5 ms), and the fixed cost of
a request (recording and locking the run, compiling the graph, the first and last checkpoints,
reading the outcome). Each gap is measured in wall time and in the process's CPU time (all
threads): on a shared machine the wall time grows with the other work, the CPU time much less.

Scenarios: a clean draft dispatched (8 steps), a faulty draft repaired once (11 steps), a dry
run (6 steps). The peer, measured in the same run and interleaved with the chat runs (one
round = every scenario and the peer once, on every checkpointer), is LangGraph's own 8-node
chain whose nodes do nothing, streamed the way the runner streams (``stream_mode="updates"``,
``durability="sync"``) on the same checkpointer; the ratio chat/peer is the overhead the chat
graph adds to what LangGraph itself costs on this machine at this moment. Also measured: one
fsynced SQLite commit (WAL, FULL), the floor of ``sqlite-fsync``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _document(volume: str = "200 uL") -> dict[str, Any]:
    from labwright.protocols import read_document

    doc = read_document(ROOT / "examples" / "protocols" / "serial_dilution.yaml")
    doc["steps"][0]["volume"] = "100 uL" if volume == "200 uL" else volume
    return doc


def _fake_model(first: dict[str, Any], repaired: dict[str, Any]) -> Any:
    """A chat model that answers at once: understanding, then the first draft, then the repair."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class Instant(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "instant"

        def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
            return self.bind(
                tool_names=[
                    t["function"]["name"]
                    if isinstance(t, dict) and "function" in t
                    else "report_understanding"
                    for t in tools
                ]
            )

        def _generate(
            self, messages: list[Any], stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> ChatResult:
            names = kwargs.get("tool_names") or []
            text = " ".join(str(m.content) for m in messages)
            if "report_understanding" in names:
                args = {
                    "understood": "serial dilution",
                    "purpose": "bench",
                    "plan": ["dilute"],
                    "not_understood": [],
                    "refusal": None,
                }
                call = {"name": "report_understanding", "args": args, "id": "u1"}
            else:
                doc = repaired if "verifier findings" in text else first
                call = {"name": "submit_protocol", "args": {"document": doc}, "id": "s1"}
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content="", tool_calls=[call]))])

    return Instant()


CHECKPOINTERS = ("sqlite", "sqlite-fsync", "memory")
SCENARIOS = ("clean", "repaired once", "dry run")

Span = tuple[float, float, float, float]  # wall start, cpu start, wall end, cpu end


def _timed_nodes(spans: list[Span]) -> None:
    """Wrap the graph's node functions to record when each one starts and ends (wall and CPU)."""
    from labwright.agents.chat import graph

    for name, fn in list(graph.NODES.items()):

        def timed(state: Any, services: Any, _fn: Any = fn) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _fn(state, services)
            finally:
                spans.append((wall, cpu, time.perf_counter(), time.process_time()))

        graph.NODES[name] = timed


def _gaps(spans: list[Span]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds between one node's end and the next node's start."""
    pairs = list(zip(spans, spans[1:], strict=False))
    return [b[0] - a[2] for a, b in pairs], [b[1] - a[3] for a, b in pairs]


def _store(folder: Path, name: str, checkpointer: str) -> Any:
    from labwright.agents.chat.durability import ChatStore

    store = ChatStore(
        folder / f"{name}-{checkpointer}-{time.perf_counter_ns()}.sqlite",
        fsync_each_step=checkpointer == "sqlite-fsync",
    )
    if checkpointer == "memory":
        from langgraph.checkpoint.memory import InMemorySaver

        saver = InMemorySaver()
        store.checkpointer = lambda: saver  # type: ignore[method-assign]
    return store


def _run(scenario: str, checkpointer: str, folder: Path, spans: list[Span]) -> dict[str, float]:
    from labwright.agents.chat.llm_planner import LlmPlanner
    from labwright.agents.chat.providers import ModelSpec
    from labwright.agents.chat.runner import ChatRunner
    from labwright.agents.chat.state import ChatSettings

    first = _document("900 uL") if scenario == "repaired once" else _document()
    model = _fake_model(first, _document())
    store = _store(folder, scenario.replace(" ", "-"), checkpointer)
    spec = ModelSpec(provider="openai", model="instant")
    runner = ChatRunner(store, planner_factory=lambda s: LlmPlanner(model, spec, tools={}))
    approve = "never" if scenario == "dry run" else "auto"
    spans.clear()
    start = time.perf_counter()
    outcome = runner.start("make a serial dilution", ChatSettings(approve=approve, model="openai:instant"))
    total = time.perf_counter() - start
    store.close()
    if scenario != "dry run" and not outcome.dispatched:
        raise SystemExit(f"{scenario}: not dispatched ({outcome.refused}): the benchmark is broken")
    inside = sum(s[2] - s[0] for s in spans)
    wall, cpu = _gaps(spans)
    return {
        "total_s": total,
        "inside_s": inside,
        "steps": len(spans),
        "overhead_ms_per_step": statistics.mean(wall) * 1000,
        "overhead_cpu_ms_per_step": statistics.mean(cpu) * 1000,
        "fixed_ms": (total - inside - sum(wall)) * 1000,
    }


def _noop_chain(spans: list[Span]) -> Any:
    """LangGraph's 8-node chain whose nodes do nothing (the peer), not yet compiled."""
    from langgraph.graph import END, START, StateGraph
    from typing_extensions import TypedDict

    class S(TypedDict, total=False):
        n: int

    def step(state: S) -> dict[str, int]:
        wall, cpu = time.perf_counter(), time.process_time()
        spans.append((wall, cpu, wall, cpu))
        return {"n": state.get("n", 0) + 1}

    builder = StateGraph(S)
    names = [f"n{i}" for i in range(8)]
    for name in names:
        builder.add_node(name, step)
    for a, b in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(a, b)
    return builder


def _peer(builder: Any, checkpointer: str, folder: Path, spans: list[Span]) -> dict[str, float]:
    store = _store(folder, "noop", checkpointer)
    graph = builder.compile(checkpointer=store.checkpointer())
    spans.clear()
    for _chunk in graph.stream(
        {"n": 0}, {"configurable": {"thread_id": "t"}}, stream_mode="updates", durability="sync"
    ):
        pass
    store.close()
    wall, cpu = _gaps(spans)
    return {
        "overhead_ms_per_step": statistics.mean(wall) * 1000,
        "overhead_cpu_ms_per_step": statistics.mean(cpu) * 1000,
    }


def _fsync_commit_ms(folder: Path) -> float:
    """The median of 50 commits of 4 KiB in WAL mode with synchronous=FULL (one fsync each)."""
    import sqlite3

    db = sqlite3.connect(folder / "fsync.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (x BLOB)")
    commits = []
    for _ in range(50):
        start = time.perf_counter()
        db.execute("BEGIN")
        db.execute("INSERT INTO t VALUES (?)", (b"x" * 4096,))
        db.execute("COMMIT")
        commits.append(time.perf_counter() - start)
    db.close()
    return statistics.median(commits) * 1000


def measure(repeats: int) -> dict[str, Any]:
    """Every scenario and the peer on every checkpointer, ``repeats`` interleaved rounds."""
    spans: list[Span] = []
    _timed_nodes(spans)
    builder = _noop_chain(spans)
    chat: dict[str, list[dict[str, float]]] = {f"{s} / {c}": [] for s in SCENARIOS for c in CHECKPOINTERS}
    peer: dict[str, list[dict[str, float]]] = {c: [] for c in CHECKPOINTERS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _run("clean", "sqlite", folder, spans)  # warm-up: imports, safety data, definitions
        for checkpointer in CHECKPOINTERS:
            _peer(builder, checkpointer, folder, spans)
        fsync_ms = _fsync_commit_ms(folder)
        for _ in range(repeats):
            for checkpointer in CHECKPOINTERS:
                peer[checkpointer].append(_peer(builder, checkpointer, folder, spans))
                for scenario in SCENARIOS:
                    chat[f"{scenario} / {checkpointer}"].append(_run(scenario, checkpointer, folder, spans))
    peers = {
        c: {
            "ms_per_step_median": statistics.median(r["overhead_ms_per_step"] for r in runs),
            "cpu_ms_per_step_median": statistics.median(r["overhead_cpu_ms_per_step"] for r in runs),
        }
        for c, runs in peer.items()
    }
    rows: dict[str, dict[str, Any]] = {}
    for name, runs in chat.items():
        checkpointer = name.split(" / ")[1]
        per_step = [r["overhead_ms_per_step"] for r in runs]
        cpu = statistics.median(r["overhead_cpu_ms_per_step"] for r in runs)
        rows[name] = {
            "steps": runs[0]["steps"],
            "overhead_ms_per_step_median": statistics.median(per_step),
            "overhead_ms_per_step_max": max(per_step),
            "overhead_cpu_ms_per_step_median": cpu,
            "ratio_to_peer": statistics.median(per_step) / peers[checkpointer]["ms_per_step_median"],
            "cpu_ratio_to_peer": cpu / peers[checkpointer]["cpu_ms_per_step_median"],
            "request_s_median": statistics.median(r["total_s"] for r in runs),
            "fixed_ms_median": statistics.median(r["fixed_ms"] for r in runs),
            "inside_nodes_s_median": statistics.median(r["inside_s"] for r in runs),
        }
    return {"chat": rows, "peer_noop_chain": peers, "fsync_commit_ms": fsync_ms, "repeats": repeats}


def main() -> None:
    import os

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    result = measure(args.repeats)
    result["load_average_1min_at_start"] = load
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    print(
        f"chat graph overhead per step ({args.repeats} interleaved rounds; load average {load:.2f} at start; "
        "target < 5 ms/step with sqlite)"
    )
    print(
        f"{'scenario / checkpointer':30} {'steps':>5} {'ms/step':>8} {'max':>7} {'cpu ms':>7} "
        f"{'x peer':>7} {'x cpu':>6} {'request s':>10} {'in nodes s':>11} {'fixed ms':>9}"
    )
    for name, r in result["chat"].items():
        print(
            f"{name:30} {r['steps']:>5} {r['overhead_ms_per_step_median']:>8.2f} "
            f"{r['overhead_ms_per_step_max']:>7.2f} {r['overhead_cpu_ms_per_step_median']:>7.2f} "
            f"{r['ratio_to_peer']:>7.2f} {r['cpu_ratio_to_peer']:>6.2f} {r['request_s_median']:>10.3f} "
            f"{r['inside_nodes_s_median']:>11.3f} {r['fixed_ms_median']:>9.1f}"
        )
    print("peer, LangGraph's 8-node chain doing nothing, same rounds (ms/step wall, cpu):")
    for name, r in result["peer_noop_chain"].items():
        print(f"  {name:14} {r['ms_per_step_median']:>7.2f} {r['cpu_ms_per_step_median']:>7.2f}")
    print(f"one fsynced SQLite commit (WAL, FULL), median of 50: {result['fsync_commit_ms']:.2f} ms")


if __name__ == "__main__":
    main()
