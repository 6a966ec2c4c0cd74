"""Chat graph orchestration overhead per step, with the SQLite checkpointer on disk.

    .venv/bin/python bench/agent_overhead.py [--repeats 10] [--json]

Runs ``labwright.agents.chat`` requests through the real graph, the real ``SqliteSaver`` (WAL,
``synchronous=FULL``, ``durability="sync"``: every node's checkpoint is on disk before the next
node starts), the real verifier and the twin backend. The planner is the LLM planner over a
scripted chat model that answers at once, so no model time is measured.

Per request the wall time of the whole run is split into the time spent inside the nodes
(planner, verifier, dispatch, ...), the gaps between one node's end and the next node's start
(the step's checkpoint, on disk before the next node starts, and LangGraph's scheduling and
state merging: the orchestration overhead per step, target under 5 ms), and the fixed cost of
a request (recording and locking the run, compiling the graph, the first and last checkpoints,
reading the outcome). For comparison the same runs with LangGraph's in-memory checkpointer show
what the disk costs.

Scenarios: a clean draft dispatched (8 steps), a faulty draft repaired once (11 steps), a dry
run (6 steps). Measured in the same run, as floors: one fsynced SQLite commit, and the per-step
gap of an 8-node LangGraph chain whose nodes do nothing, on the same two checkpointers.
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


def _timed_nodes(spans: list[tuple[float, float]]) -> None:
    """Wrap the graph's node functions to record when each one starts and ends."""
    from labwright.agents.chat import graph

    for name, fn in list(graph.NODES.items()):

        def timed(state: Any, services: Any, _fn: Any = fn) -> Any:
            start = time.perf_counter()
            try:
                return _fn(state, services)
            finally:
                spans.append((start, time.perf_counter()))

        graph.NODES[name] = timed


def _run(
    scenario: str, checkpointer: str, folder: Path, spans: list[tuple[float, float]]
) -> dict[str, float]:
    from labwright.agents.chat.durability import ChatStore
    from labwright.agents.chat.llm_planner import LlmPlanner
    from labwright.agents.chat.providers import ModelSpec
    from labwright.agents.chat.runner import ChatRunner
    from labwright.agents.chat.state import ChatSettings

    first = _document("900 uL") if scenario == "repaired once" else _document()
    model = _fake_model(first, _document())
    store = ChatStore(folder / f"{scenario}-{checkpointer}-{time.perf_counter_ns()}.sqlite")
    if checkpointer == "memory":
        from langgraph.checkpoint.memory import InMemorySaver

        saver = InMemorySaver()
        store.checkpointer = lambda: saver  # type: ignore[method-assign]
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
    inside = sum(end - begin for begin, end in spans)
    # between one node's end and the next node's start: the step's checkpoint write (on disk before
    # the next node starts) and LangGraph's scheduling and state merging
    gaps = [spans[i + 1][0] - spans[i][1] for i in range(len(spans) - 1)]
    return {
        "total_s": total,
        "inside_s": inside,
        "steps": len(spans),
        "overhead_ms_per_step": statistics.mean(gaps) * 1000,
        "fixed_ms": (total - inside - sum(gaps)) * 1000,
    }


def _floors(folder: Path, repeats: int) -> dict[str, float]:
    """What any graph pays on this machine now: one fsynced SQLite commit (WAL, FULL), and the
    per-step gap of an 8-node LangGraph chain that does nothing, on the same checkpointers."""
    import sqlite3

    from labwright.agents.chat.durability import ChatStore
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import END, START, StateGraph
    from typing_extensions import TypedDict

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

    class S(TypedDict, total=False):
        n: int

    spans: list[tuple[float, float]] = []

    def step(state: S) -> dict[str, int]:
        start = time.perf_counter()
        spans.append((start, start))
        return {"n": state.get("n", 0) + 1}

    builder = StateGraph(S)
    names = [f"n{i}" for i in range(8)]
    for name in names:
        builder.add_node(name, step)
    for a, b in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(a, b)
    out = {"fsync_commit_ms": statistics.median(commits) * 1000}
    for kind in ("sqlite", "memory"):
        gaps = []
        for i in range(repeats):
            store = ChatStore(folder / f"noop-{kind}-{i}.sqlite")
            graph = builder.compile(
                checkpointer=store.checkpointer() if kind == "sqlite" else InMemorySaver()
            )
            spans.clear()
            graph.invoke({"n": 0}, {"configurable": {"thread_id": "t"}}, durability="sync")
            gaps += [spans[j + 1][0] - spans[j][1] for j in range(len(spans) - 1)]
            store.close()
        out[f"noop_graph_{kind}_ms_per_step"] = statistics.median(gaps) * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    spans: list[tuple[float, float]] = []
    _timed_nodes(spans)
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _run("clean", "sqlite", folder, spans)  # warm-up: imports, safety data, definitions
        for scenario in ("clean", "repaired once", "dry run"):
            for checkpointer in ("sqlite", "memory"):
                runs = [_run(scenario, checkpointer, folder, spans) for _ in range(args.repeats)]
                per_step = [r["overhead_ms_per_step"] for r in runs]
                rows[f"{scenario} / {checkpointer}"] = {
                    "steps": runs[0]["steps"],
                    "overhead_ms_per_step_median": statistics.median(per_step),
                    "overhead_ms_per_step_max": max(per_step),
                    "request_s_median": statistics.median(r["total_s"] for r in runs),
                    "fixed_ms_median": statistics.median(r["fixed_ms"] for r in runs),
                    "inside_nodes_s_median": statistics.median(r["inside_s"] for r in runs),
                }
        floors = _floors(folder, args.repeats)
    if args.json:
        sys.stdout.write(json.dumps({"chat": rows, "floors": floors}, indent=2) + "\n")
        return
    print(f"chat graph overhead per step ({args.repeats} runs each; target < 5 ms/step with SQLite)")
    print(
        f"{'scenario / checkpointer':32} {'steps':>5} {'ms/step med':>12} {'ms/step max':>12} "
        f"{'request s':>10} {'in nodes s':>11} {'fixed ms':>9}"
    )
    for name, r in rows.items():
        print(
            f"{name:32} {r['steps']:>5} {r['overhead_ms_per_step_median']:>12.2f} "
            f"{r['overhead_ms_per_step_max']:>12.2f} {r['request_s_median']:>10.3f} "
            f"{r['inside_nodes_s_median']:>11.3f} {r['fixed_ms_median']:>9.1f}"
        )
    print(
        f"floors now: one fsynced SQLite commit {floors['fsync_commit_ms']:.2f} ms; an 8-node "
        f"LangGraph chain doing nothing: {floors['noop_graph_sqlite_ms_per_step']:.2f} ms/step with "
        f"this SQLite checkpointer, {floors['noop_graph_memory_ms_per_step']:.2f} ms/step in memory"
    )


if __name__ == "__main__":
    main()
