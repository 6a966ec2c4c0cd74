"""Cold start of `labwright chat --message ... --approve never --json` (the offline planner).

    nice -n 15 .venv/bin/python bench/chat_cold_start.py [--repeats 5] [--json]

Each run is a fresh process (nothing imported, nothing built), as a user's first request is.
Measured per process: wall time and CPU time (user + system, from the kernel's accounting of
the child), which on a shared machine grows much less than the wall time with the other work.

Runs, interleaved round by round so that they share the machine's load:

- ``chat, grammar cache cold``: the planner's grammar cache folder is empty (``XDG_CACHE_HOME``
  points at a new folder each time), so the process loads the grammar from its text;
- ``chat, grammar cache warm``: the same folder every time (filled by the first run);
- peers: ``python -c pass`` (the interpreter) and a process that only imports what the chat
  cannot run without, LangGraph with its SQLite checkpointer (``langgraph.graph``,
  ``langgraph.types``, ``langgraph.checkpoint.sqlite``).

Then, in one more fresh process, where the CPU time of a cold start goes (phases in order).

``--compare-python PATH`` adds a row for the same request run by another installation's
interpreter (e.g. ``/work/main/.venv/bin/python``: the code before a change), in the same
rounds. Every child runs in a scratch folder, so each interpreter imports its own labwright.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REQUEST = (
    "Make a 1:2 serial dilution of fluorescein in PBS down column 1 of a 96 well plate, "
    "100 uL final volume per well, then measure fluorescence."
)
LANGGRAPH = "import langgraph.graph, langgraph.types, langgraph.checkpoint.sqlite"

PHASES = """
import sys, tempfile, time
from pathlib import Path
clock, rows = time.process_time(), []
def mark(name):
    global clock
    now = time.process_time(); rows.append((name, now - clock)); clock = now
import labwright.cli, labwright.commands.chat; mark("import labwright.cli")
import langgraph.graph, langgraph.types, langgraph.checkpoint.sqlite; mark("import LangGraph + SQLite saver")
import labwright.agents.chat.runner; mark("import the chat graph")
from labwright.agents.planner import grammar; mark("import the grammar")
grammar.parser(); mark("build the Earley parser")
from labwright.agents.planner import plan_offline
result = plan_offline(sys.argv[1]); mark("first plan (parse, compile, render)")
from labwright.agents.chat.durability import ChatStore
from labwright.agents.chat.runner import ChatRunner
from labwright.agents.chat.state import ChatSettings
store = ChatStore(Path(tempfile.mkdtemp()) / "s.sqlite")
ChatRunner(store).start(sys.argv[1], ChatSettings(approve="never")); mark("the chat run (verify, twin)")
print(repr(rows))
"""


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child: its wall seconds, its CPU seconds (user + system: ``RUSAGE_CHILDREN`` before and
    after; one child at a time) and its stdout."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        args, capture_output=True, env=env, text=True, stdin=subprocess.DEVNULL, cwd=tempfile.gettempdir()
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{args[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def _chat(folder: Path, python: str = sys.executable) -> list[str]:
    store = folder / f"chat-{time.perf_counter_ns()}.sqlite"
    return [
        python,
        "-c",
        "from labwright.cli import main; main()",
        "chat",
        "--message",
        REQUEST,
        "--approve",
        "never",
        "--json",
        "--store",
        str(store),
    ]


def measure(repeats: int, compare_python: str | None = None) -> dict[str, Any]:
    runs: dict[str, list[tuple[float, float]]] = {
        "chat, grammar cache cold": [],
        "chat, grammar cache warm": [],
        "peer: python -c pass": [],
        "peer: import LangGraph + SQLite saver": [],
    }
    if compare_python:
        runs["chat, --compare-python"] = []
    base = {k: v for k, v in os.environ.items() if not k.startswith("LABWRIGHT_") and k != "OPENAI_API_KEY"}
    base["OMP_NUM_THREADS"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warm_cache = folder / "cache-warm"
        home = folder / "home"
        env = {**base, "LABWRIGHT_HOME": str(home)}
        _timed(_chat(folder), {**env, "XDG_CACHE_HOME": str(warm_cache)})  # fills the cache
        for i in range(repeats):
            cold = folder / f"cache-cold-{i}"
            wall, cpu, out = _timed(_chat(folder), {**env, "XDG_CACHE_HOME": str(cold)})
            if json.loads(out)["certificate"] is None:
                raise SystemExit("the request was not certified: the benchmark is broken")
            runs["chat, grammar cache cold"].append((wall, cpu))
            wall, cpu, _ = _timed(_chat(folder), {**env, "XDG_CACHE_HOME": str(warm_cache)})
            runs["chat, grammar cache warm"].append((wall, cpu))
            runs["peer: python -c pass"].append(_timed([sys.executable, "-c", "pass"], env)[:2])
            runs["peer: import LangGraph + SQLite saver"].append(
                _timed([sys.executable, "-c", LANGGRAPH], env)[:2]
            )
            if compare_python:
                other = {**env, "XDG_CACHE_HOME": str(folder / f"cache-other-{i}")}
                runs["chat, --compare-python"].append(_timed(_chat(folder, compare_python), other)[:2])
        _, _, out = _timed(
            [sys.executable, "-c", PHASES, REQUEST], {**env, "XDG_CACHE_HOME": str(warm_cache)}
        )
    phases = eval(out.strip().splitlines()[-1], {})  # noqa: S307 - our own child's repr of (str, float) pairs
    return {
        "runs": {
            name: {
                "wall_s_median": statistics.median(w for w, _ in rows),
                "cpu_s_median": statistics.median(c for _, c in rows),
                "cpu_s_min": min(c for _, c in rows),
            }
            for name, rows in runs.items()
        },
        "phases_cpu_s": dict(phases),
        "repeats": repeats,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--compare-python", help="another installation's python, run in the same rounds")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    result = measure(args.repeats, args.compare_python)
    result["load_average_1min_at_start"] = load
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    print(
        f"cold start, fresh processes ({args.repeats} interleaved rounds; load average {load:.2f} at start)"
    )
    print(f"{'':40} {'wall s':>8} {'cpu s':>8} {'cpu min':>8}")
    for name, r in result["runs"].items():
        print(f"{name:40} {r['wall_s_median']:>8.3f} {r['cpu_s_median']:>8.3f} {r['cpu_s_min']:>8.3f}")
    print("where the CPU goes in one cold process (grammar cache warm):")
    for name, seconds in result["phases_cpu_s"].items():
        print(f"  {name:40} {seconds:>6.3f} s")
    print(f"  {'total':40} {sum(result['phases_cpu_s'].values()):>6.3f} s")


if __name__ == "__main__":
    main()
