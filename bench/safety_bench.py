"""Safety checker benchmark: recall on documented incompatible pairs, false-positive rate on
everyday benign pairs (data: verifiers/safety/data/benchmark_pairs.yaml), and timings.

Also prints the time the safety pass adds to verifying each example protocol
(examples/protocols/*.yaml): in one process, each protocol is verified with
VerifyOptions(safety=True) and VerifyOptions(safety=False) alternately, warm, and the median of
several runs of each is taken (a garbage collection before each run); the median of the paired
differences is the time of the safety + policy passes, shown per protocol and as the median
share of the verifier's total (target: under 20%). On a shared machine the medians are noisy;
the same share computed from the fastest run of each mode, and the safety adapter + pass
(verifiers/passes/safety.run_safety) timed alone on the replayed twin, are printed as
cross-checks.

Run: .venv/bin/python bench/safety_bench.py [--json] [--repeats N]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "protocols"


def _caught(pair: dict, result) -> bool:
    codes = {h.code for h in result.hazards}
    if not codes & set(pair["expect"]):
        return False
    if pair.get("product"):
        texts = " | ".join(h.text for h in result.hazards).lower()
        return pair["product"].lower() in texts
    return True


def run() -> dict:
    t0 = time.perf_counter()
    from labwright.verifiers.safety.compatibility import assess
    from labwright.verifiers.safety.data_files import load
    from labwright.verifiers.safety.resolve import resolve

    pairs = load("benchmark_pairs.yaml")
    t_import = time.perf_counter() - t0

    t1 = time.perf_counter()
    missed, flagged_any = [], 0
    for pair in pairs["incompatible"]:
        result = assess(resolve(pair["a"]), resolve(pair["b"]))
        flagged_any += int(not result.compatible)
        if not _caught(pair, result):
            missed.append(f"{pair['a']} + {pair['b']} (got {sorted({h.code for h in result.hazards})})")
    false_pos = []
    for pair in pairs["benign"]:
        result = assess(resolve(pair["a"]), resolve(pair["b"]))
        if not result.compatible:
            false_pos.append(f"{pair['a']} + {pair['b']}: {result.summary()}")
    t_cold = time.perf_counter() - t1

    holdout = pairs.get("holdout_incompatible", [])
    holdout_missed = []
    for pair in holdout:
        result = assess(resolve(pair["a"]), resolve(pair["b"]))
        if not _caught(pair, result):
            holdout_missed.append(
                f"{pair['a']} + {pair['b']} (got {sorted({h.code for h in result.hazards})})"
            )

    # warm: resolutions are cached; this is the per-pair cost inside a safety pass
    t2 = time.perf_counter()
    n_warm = 0
    for _ in range(5):
        for pair in pairs["incompatible"] + pairs["benign"]:
            assess(resolve(pair["a"]), resolve(pair["b"]))
            n_warm += 1
    t_warm = (time.perf_counter() - t2) / n_warm

    n_inc, n_ben = len(pairs["incompatible"]), len(pairs["benign"])
    return {
        "incompatible_pairs": n_inc,
        "caught_with_expected_hazard": n_inc - len(missed),
        "recall": (n_inc - len(missed)) / n_inc,
        "recall_any_flag": flagged_any / n_inc,
        "benign_pairs": n_ben,
        "false_positives": len(false_pos),
        "false_positive_rate": len(false_pos) / n_ben,
        "missed": missed,
        "holdout_pairs": len(holdout),
        "holdout_recall": (len(holdout) - len(holdout_missed)) / len(holdout) if holdout else None,
        "holdout_missed": holdout_missed,
        "false_positive_pairs": false_pos,
        "seconds_import_and_data_load": round(t_import, 3),
        "seconds_first_pass_all_pairs_cold": round(t_cold, 3),
        "microseconds_per_pair_warm": round(t_warm * 1e6, 1),
    }


def verifier_overhead(repeats: int = 25) -> dict:
    """Time of verifying each example with and without the safety pass (warm medians)."""
    import logging

    from labwright.protocols import read_document
    from labwright.verifiers.passes.safety import run_safety
    from labwright.verifiers.verifier import VerifyOptions, verify_document

    logging.disable(logging.WARNING)
    with_safety = VerifyOptions(safety=True, certify=False)
    without = VerifyOptions(safety=False, certify=False)
    paths = sorted(EXAMPLES.glob("*.yaml"))
    docs = {p.name: read_document(p) for p in paths}
    # cold: the first safety-checked verification in this process loads the chemical database
    first = next(iter(docs.values()))
    verify_document(first, without)
    t0 = time.perf_counter()
    verify_document(first, with_safety)
    cold_ms = (time.perf_counter() - t0) * 1000
    rows = []
    for name, doc in docs.items():
        on, off, diff, findings = [], [], [], 0
        verify_document(doc, with_safety)  # warm this protocol's lookups
        for _ in range(repeats):
            gc.collect()
            t = time.perf_counter()
            report = verify_document(doc, with_safety)
            on.append(time.perf_counter() - t)
            gc.collect()
            t = time.perf_counter()
            verify_document(doc, without)
            off.append(time.perf_counter() - t)
            diff.append(on[-1] - off[-1])
            findings = sum(f.category.value in ("safety", "policy") for f in report.findings)
        # the pass itself, timed directly on this protocol's replayed deck twin
        direct = []
        for _ in range(repeats):
            t = time.perf_counter()
            run_safety(report.protocol, report.twin, with_safety.policy_path, with_safety.strict)
            direct.append(time.perf_counter() - t)
        direct_ms = statistics.median(direct) * 1000
        total, base = statistics.median(on) * 1000, statistics.median(off) * 1000
        added = max(statistics.median(diff) * 1000, 0.0)
        best_total, best_base = min(on) * 1000, min(off) * 1000
        rows.append({"protocol": name, "verify_ms": round(total, 2),
                     "verify_without_safety_ms": round(base, 2),
                     "safety_added_ms": round(added, 2),
                     "safety_share_percent": round(100 * added / total, 1),
                     "min_verify_ms": round(best_total, 2),
                     "min_verify_without_safety_ms": round(best_base, 2),
                     "min_based_share_percent": round(
                         100 * max(best_total - best_base, 0.0) / best_total, 1),
                     "safety_pass_direct_ms": round(direct_ms, 3),
                     "direct_share_percent": round(100 * direct_ms / total, 1),
                     "safety_findings": findings})
    shares = [r["safety_share_percent"] for r in rows]
    min_shares = [r["min_based_share_percent"] for r in rows]
    direct_shares = [r["direct_share_percent"] for r in rows]
    return {
        "repeats": repeats,
        "protocols": rows,
        "median_safety_share_percent": round(statistics.median(shares), 1),
        "median_min_based_share_percent": round(statistics.median(min_shares), 1),
        "median_direct_share_percent": round(statistics.median(direct_shares), 1),
        "max_safety_share_percent": max(shares),
        "target_percent": 20,
        "cold_first_safety_verification_ms": round(cold_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=25, help="timed runs per protocol")
    args = parser.parse_args()
    report = run()
    report["verifier"] = verifier_overhead(args.repeats)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"incompatible pairs: {report['incompatible_pairs']}")
    print(f"  recall (expected hazard code/product): {report['recall']:.3f} "
          f"({report['caught_with_expected_hazard']}/{report['incompatible_pairs']})")
    print(f"  recall (flagged at all):               {report['recall_any_flag']:.3f}")
    for line in report["missed"]:
        print(f"  missed: {line}")
    if report["holdout_pairs"]:
        print(f"hold-out incompatible pairs (not used to tune rules): {report['holdout_pairs']}")
        print(f"  recall: {report['holdout_recall']:.3f}")
        for line in report["holdout_missed"]:
            print(f"  missed: {line}")
    print(f"benign pairs: {report['benign_pairs']}")
    print(f"  false-positive rate: {report['false_positive_rate']:.3f} "
          f"({report['false_positives']}/{report['benign_pairs']})")
    for line in report["false_positive_pairs"]:
        print(f"  false positive: {line}")
    print(f"timing: import+data {report['seconds_import_and_data_load']} s, "
          f"first pass over all pairs (cold: RDKit, classification) "
          f"{report['seconds_first_pass_all_pairs_cold']} s, "
          f"warm {report['microseconds_per_pair_warm']} us/pair")
    ver = report["verifier"]
    print(f"time the safety pass adds to verifying each example protocol "
          f"(warm, median of {ver['repeats']} runs each, safety=True vs safety=False):")
    print(f"  {'protocol':<36} {'verify ms':>10} {'w/o safety':>11} {'safety ms':>10} "
          f"{'share':>7} {'(fastest runs:':>15} {'share)':>7} {'pass alone':>11} {'share':>6}")
    for row in ver["protocols"]:
        print(f"  {row['protocol']:<36} {row['verify_ms']:>10.2f} "
              f"{row['verify_without_safety_ms']:>11.2f} {row['safety_added_ms']:>10.2f} "
              f"{row['safety_share_percent']:>6.1f}% {row['min_verify_ms']:>6.2f} vs "
              f"{row['min_verify_without_safety_ms']:>5.2f} ms {row['min_based_share_percent']:>5.1f}% "
              f"{row['safety_pass_direct_ms']:>8.3f} ms {row['direct_share_percent']:>5.1f}%")
    verdict = "met" if ver["median_safety_share_percent"] < ver["target_percent"] else "NOT met"
    print(f"  median share of the verifier's total: {ver['median_safety_share_percent']}% "
          f"(max {ver['max_safety_share_percent']}%; target < {ver['target_percent']}%: "
          f"{verdict}); from the fastest runs: {ver['median_min_based_share_percent']}%; "
          f"the pass timed alone: {ver['median_direct_share_percent']}%")
    print(f"  first safety-checked verification in a fresh process (database load): "
          f"{ver['cold_first_safety_verification_ms']} ms")


if __name__ == "__main__":
    main()
