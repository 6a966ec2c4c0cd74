"""The chat agent's bench, offline planner part (issue 15, item 8).

For every request of ``bench/agent_requests.py``: plan it with the offline planner, verify the
protocol with the real verifier (every pass, safety included), repair it with the offline repair
step against the findings (at most 3 rounds), and check the outcome:

* an end-state request succeeds when the final protocol has no error and its replay on the deck
  twin (``labwright.simulators.deck.end_state``) leaves every named well with the expected
  volume and liquids (within 0.05 uL), the wells that must stay empty untouched, and the
  expected time of its timed steps;
* a refusal succeeds when the planner refuses with the expected reason, or the verifier gives
  the expected finding and the repair step gives up on it (nothing certified);
* a not-understood request succeeds when the planner names the part it did not understand and
  returns no protocol.

Then the repair step on faulty drafts: each planned protocol spoiled the way a hasty draft is
(plates too small, one tip rack per pipette, sources loaded with half of what is drawn), verified
and repaired (at most 3 rounds), and checked against the same expected end state.

Prints the success rate, the mean number of repair rounds, and each request's latency (plan,
verification and repair) in a process that has built its parser and loaded the unit registry,
the chemical database and the definitions; that start-up is timed and shown apart (a one-shot
`labwright chat --message` pays it once). Target (issue 15): a whole request under 1 s.

Run: .venv/bin/python bench/agent_bench.py [--json] [--only N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from agent_requests import REQUESTS, Request  # noqa: E402

MAX_ROUNDS = 3
TOLERANCE_UL = 0.05


@dataclass
class Outcome:
    index: int
    text: str
    expected: str
    ok: bool
    got: str
    rounds: int = 0
    plan_s: float = 0.0
    total_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


def verify_and_repair(document: dict[str, Any]) -> tuple[dict[str, Any], Any, int, list[str], bool]:
    """Verify; repair against the findings and verify again, at most ``MAX_ROUNDS`` times.
    Returns the last document, its report, the repair rounds, the changes and whether the repair
    step gave up."""
    from labwright.agents.planner import repair_offline
    from labwright.verifiers.verifier import VerifyOptions, verify_document

    options = VerifyOptions()
    report = verify_document(document, options)
    rounds, changes, gave_up = 0, [], False
    while not report.ok and rounds < MAX_ROUNDS:
        repaired = repair_offline(document, report.findings)
        rounds += 1
        changes += repaired.changes
        if repaired.gave_up and not repaired.changes:
            gave_up = True
            break
        document = repaired.document
        report = verify_document(document, options)
        gave_up = repaired.gave_up and not report.ok
    return document, report, rounds, changes, gave_up


def check_end_state(document: dict[str, Any], req: Request) -> list[str]:
    """What differs between the protocol's end state and the request's expectation."""
    from labwright.protocols.models import Protocol
    from labwright.simulators.deck.end_state import end_state
    from labwright.simulators.deck.resolve import resolve

    state = end_state(resolve(Protocol.model_validate(document)))
    problems = []
    if req.robot and state.robot != req.robot:
        problems.append(f"robot {state.robot}, expected {req.robot}")
    for loc, spec in req.wells.items():
        well = state.well(loc)
        if well is None:
            problems.append(f"{loc}: untouched, expected {spec}")
            continue
        low, high = well.volume_ul
        if abs(low - float(spec["volume_ul"])) > TOLERANCE_UL or abs(high - low) > TOLERANCE_UL:
            problems.append(f"{loc}: holds {low:g}-{high:g} uL, expected {spec['volume_ul']:g}")
        by_name: dict[str, float] = {}
        for key, v in well.composition_ul.items():
            name = state.liquids[key].name if key in state.liquids else key
            by_name[name] = by_name.get(name, 0.0) + v
        want = {k: float(v) for k, v in spec["liquids"].items()}  # type: ignore[union-attr]
        names = set(by_name) | set(want)  # a trace below the tolerance counts as absent
        if any(abs(by_name.get(k, 0.0) - want.get(k, 0.0)) > TOLERANCE_UL for k in names):
            problems.append(f"{loc}: contents {by_name}, expected {want}")
    for loc in req.absent:
        well = state.well(loc)
        if well is not None and well.volume_ul[1] > 0:
            problems.append(f"{loc}: should be untouched, holds {well.volume_ul}")
    if req.duration_s is not None and abs(state.duration_s - req.duration_s) > 1e-6:
        problems.append(f"timed steps last {state.duration_s:g} s, expected {req.duration_s:g}")
    return problems


def run_one(index: int, req: Request) -> Outcome:
    from labwright.agents.planner import plan_offline

    t0 = time.perf_counter()
    plan = plan_offline(req.text)
    plan_s = time.perf_counter() - t0
    out = Outcome(index, req.text, req.outcome, False, "", plan_s=plan_s)
    if plan.document is None:
        out.got = f"refusal: {plan.refusal}" if plan.refusal else f"not understood: {plan.not_understood}"
        out.total_s = time.perf_counter() - t0
        if req.refusal:
            out.ok = plan.refusal is not None and req.refusal.lower() in plan.refusal.lower()
        elif req.not_understood:
            out.ok = any(req.not_understood.lower() in part.lower() for part in plan.not_understood)
        return out
    document, report, rounds, changes, gave_up = verify_and_repair(plan.document)
    out.total_s = time.perf_counter() - t0
    out.rounds, out.changes = rounds, changes
    errors = sorted({f.code for f in report.findings if f.severity.value == "error"})
    if req.refused_by:
        out.got = f"verifier: {errors}, repair gave up: {gave_up}"
        out.ok = req.refused_by in errors and gave_up
        return out
    if errors:
        out.got = f"errors after {rounds} repair rounds: {errors}"
        return out
    if req.outcome != "end_state":
        out.got = "a protocol was planned"
        return out
    out.problems = check_end_state(document, req)
    out.ok = not out.problems
    out.got = "end state as expected" if out.ok else "end state differs"
    return out


# ------------------------------------------------------------------ the repair step on faulty drafts
# The planner's own drafts rarely need a repair, so the repair step is also measured on drafts
# spoiled the way a hasty author (or a language model) spoils them; each must come back to the
# end state its request expects.


def _spoil_small_plate(doc: dict[str, Any]) -> bool:
    """96-well plates whose wells get more than 217 uL become 100 uL PCR plates (overflow)."""
    changed = False
    for lw in doc["labware"]:
        if lw.get("module") or "_96_wellplate_" not in lw["load_name"]:
            continue
        from labwright.simulators.deck.definitions import load_labware

        if min(w.nominal_ul for w in load_labware(lw["load_name"]).wells.values()) > 217:
            lw["load_name"] = "nest_96_wellplate_100ul_pcr_full_skirt"
            changed = True
    return changed


def _spoil_one_rack(doc: dict[str, Any]) -> bool:
    """Every pipette keeps only its first tip rack."""
    changed = False
    for pip in doc["pipettes"]:
        extra = set(pip["tip_racks"][1:])
        if extra:
            pip["tip_racks"] = pip["tip_racks"][:1]
            doc["labware"] = [lw for lw in doc["labware"] if lw["id"] not in extra]
            changed = True
    return changed


def _spoil_dry_sources(doc: dict[str, Any]) -> bool:
    """Every liquid's source gets half of what the plan loads."""
    for liq in doc["liquids"]:
        liq["initial_volumes_ul"] = {k: round(v / 2, 2) for k, v in liq["initial_volumes_ul"].items()}
    return bool(doc["liquids"])


SPOILERS = {"small_plate": _spoil_small_plate, "one_rack": _spoil_one_rack, "dry_sources": _spoil_dry_sources}


def run_spoiled(requests: list[tuple[int, Request]]) -> dict[str, Any]:
    """Spoil each planned end-state protocol each way that applies; repair; check the end state."""
    import copy

    from labwright.agents.planner import plan_offline
    from labwright.verifiers.verifier import VerifyOptions, verify_document

    rows = []
    for i, req in requests:
        if req.outcome != "end_state":
            continue
        plan = plan_offline(req.text)
        if plan.document is None:
            continue
        for name, spoil in SPOILERS.items():
            doc = copy.deepcopy(plan.document)
            if not spoil(doc) or verify_document(doc, VerifyOptions()).ok:
                continue  # the fault does not apply to this plan, or is harmless here
            t0 = time.perf_counter()
            fixed, report, rounds, changes, _ = verify_and_repair(doc)
            problems = check_end_state(fixed, req) if report.ok else ["still has errors"]
            rows.append(
                {
                    "index": i,
                    "spoil": name,
                    "ok": not problems,
                    "rounds": rounds,
                    "seconds": time.perf_counter() - t0,
                    "changes": changes,
                    "problems": problems,
                }
            )
    return {
        "drafts": len(rows),
        "repaired": sum(r["ok"] for r in rows),
        "mean_rounds": statistics.fmean(r["rounds"] for r in rows) if rows else 0.0,
        "by_spoil": {
            n: [sum(r["ok"] for r in rows if r["spoil"] == n), sum(r["spoil"] == n for r in rows)]
            for n in SPOILERS
        },
        "rows": rows,
    }


def _plan_warm_up() -> dict[str, Any]:
    from labwright.agents.planner import plan_offline

    doc = plan_offline("Add 10 uL of water to well A1 of a 96 well plate.").document
    assert doc is not None
    return doc


def run(only: int | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    from labwright.agents.planner.grammar import parser

    parser()
    warm_s = time.perf_counter() - t0
    # what a process pays once, before its first request: the unit registry (pint), the chemical
    # database, the definitions (a first plan, verification and replay load them)
    from labwright.protocols.units import _registry

    t1 = time.perf_counter()
    _registry()
    verify_and_repair(_plan_warm_up())
    first_s = time.perf_counter() - t1
    outcomes = [run_one(i, r) for i, r in enumerate(REQUESTS) if only is None or i == only]
    planned = [o for o in outcomes if o.expected == "end_state" or o.rounds]
    totals = [o.total_s for o in outcomes]
    return {
        "requests": len(outcomes),
        "succeeded": sum(o.ok for o in outcomes),
        "success_rate": sum(o.ok for o in outcomes) / len(outcomes),
        "by_outcome": {
            k: [sum(o.ok for o in outcomes if o.expected == k), sum(o.expected == k for o in outcomes)]
            for k in ("end_state", "refusal", "not_understood")
        },
        "mean_repair_rounds": statistics.fmean(o.rounds for o in planned) if planned else 0.0,
        "parser_build_s": warm_s,
        "other_start_up_s": first_s,
        "latency_s": {
            "median": statistics.median(totals),
            "max": max(totals),
            "mean": statistics.fmean(totals),
        },
        "under_1s": sum(t < 1.0 for t in totals),
        "outcomes": [o.__dict__ for o in outcomes],
        "spoiled": run_spoiled([(i, r) for i, r in enumerate(REQUESTS) if only is None or i == only]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    ap.add_argument("--only", type=int, default=None, help="run one request (its index)")
    args = ap.parse_args()
    result = run(args.only)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for o in result["outcomes"]:
        mark = "ok  " if o["ok"] else "FAIL"
        print(
            f"{mark} #{o['index']:<2} {o['total_s'] * 1000:7.0f} ms  plan {o['plan_s'] * 1000:5.0f} ms  "
            f"rounds {o['rounds']}  [{o['expected']}] {o['text'][:70]!r}"
        )
        if not o["ok"]:
            print(f"       got: {o['got']}")
            for p in o["problems"][:6]:
                print(f"       - {p}")
        for c in o["changes"]:
            print(f"       repair: {c}")
    lat = result["latency_s"]
    print()
    print(
        f"offline planner: {result['succeeded']}/{result['requests']} requests succeeded "
        f"({result['success_rate']:.1%}); by outcome (ok/total): {result['by_outcome']}"
    )
    print(f"mean repair rounds (planned protocols): {result['mean_repair_rounds']:.2f}")
    print(
        f"latency per request (plan + verify + repair): median {lat['median'] * 1000:.0f} ms, "
        f"mean {lat['mean'] * 1000:.0f} ms, max {lat['max'] * 1000:.0f} ms; "
        f"{result['under_1s']}/{result['requests']} under 1 s"
    )
    print(
        f"once per process, before the first request: parser build {result['parser_build_s'] * 1000:.0f} ms, "
        f"unit registry + chemical database + definitions {result['other_start_up_s'] * 1000:.0f} ms"
    )
    sp = result["spoiled"]
    for row in sp["rows"]:
        if not row["ok"]:
            print(f"FAIL spoiled #{row['index']} {row['spoil']}: {row['problems'][:3]} {row['changes'][:3]}")
    print(
        f"repair step on spoiled drafts: {sp['repaired']}/{sp['drafts']} back to the expected end state, "
        f"mean repair rounds {sp['mean_rounds']:.2f}; by fault (ok/total): {sp['by_spoil']}"
    )


if __name__ == "__main__":
    main()
