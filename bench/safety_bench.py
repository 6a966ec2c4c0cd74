"""Safety checker benchmark: recall on documented incompatible pairs, false-positive rate on
everyday benign pairs (data: verifiers/safety/data/benchmark_pairs.yaml), and timings.

Run: .venv/bin/python bench/safety_bench.py [--json]
(The timing of the safety pass against the formal verifier per example protocol is added by
the verifier's owner once the verifier exists.)
"""

from __future__ import annotations

import argparse
import json
import time


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    report = run()
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


if __name__ == "__main__":
    main()
