"""Does `labwright validate` scale to 100,000-step protocols? (issue 13, must-have 5)

Target: 100,000 steps validate in under 10 s wall and 500 MB peak RSS, with memory growing
linearly with the protocol (not with its YAML alias expansion).

Generates realistic large protocols in a temporary folder and runs ``labwright validate FILE
--json`` on each, as a user would (a fresh process), measuring wall time and the child's peak
RSS (``resource.getrusage(RUSAGE_CHILDREN)`` read in a fresh measuring process per run, so one
run's peak is not another's). Variants:

  liquids   JSON; declared liquids (exact volumes): reagent reservoirs, sample plates, a waste
            reservoir; parked tips (return_tip) per reagent and per sample well
  hand      block-style YAML (one key per line, as people write it); the same steps with no
            liquids declared: every well hand-filled, [0, capacity]
  anchors   YAML whose repeated step bodies are anchors and aliases (``- *mix``); liquids declared

Steps: pick_up_tip, aspirate, dispense, transfer (new_tip: never, some with mix_after), mix,
return_tip, drop_tip at the end, comments and delays, over four 96-well plates, a 12-well
reservoir, a waste reservoir and five tip racks on an OT-2 with a P300 and a P20.

A peer is measured in the same run for context: the time to merely load the same file with
PyYAML's C loader (``yaml.load(..., CSafeLoader)``) or ``json.load``, and the ratio of the
whole validation to it (below 1: validating the file takes less than PyYAML takes to load it).

    .venv/bin/python bench/validate_scale.py                    # 10k, 30k, 100k; 3 runs each
    .venv/bin/python bench/validate_scale.py --steps 5000 20000 --repeats 1 --variants liquids
    .venv/bin/python bench/validate_scale.py --json             # one JSON object on stdout

Timings on a shared machine are noisy: each figure is the median of ``--repeats`` runs, and the
load average is printed with them.
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

BIN = Path(sys.executable).parent
VARIANTS = ("liquids", "hand", "anchors")
FORMATS = {"liquids": "JSON", "hand": "block YAML", "anchors": "YAML aliases"}
PLATES = ("plate_1", "plate_2", "plate_3", "plate_4")
ROWS = "ABCDEFGH"
WELLS = [f"{r}{c}" for c in range(1, 13) for r in ROWS]  # definition order
REAGENTS = 12  # reservoir wells A1..A12, one parked P300 tip each


def _header(liquids: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "labwright": "labwright/1",
        "metadata": {
            "name": "scale bench: repeated reagent additions and washes over four plates",
            "robot": "ot2",
            "author": "bench/validate_scale.py",
        },
        "labware": [
            {"id": "tips_r", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
            {"id": "tips_1", "load_name": "opentrons_96_tiprack_20ul", "slot": "2"},
            {"id": "tips_2", "load_name": "opentrons_96_tiprack_20ul", "slot": "3"},
            {"id": "tips_3", "load_name": "opentrons_96_tiprack_20ul", "slot": "4"},
            {"id": "tips_4", "load_name": "opentrons_96_tiprack_20ul", "slot": "5"},
            {"id": "reagents", "load_name": "nest_12_reservoir_15ml", "slot": "6"},
            {"id": "waste", "load_name": "agilent_1_reservoir_290ml", "slot": "7"},
            *(
                {"id": p, "load_name": "corning_96_wellplate_360ul_flat", "slot": str(8 + i)}
                for i, p in enumerate(PLATES)
            ),
        ],
        "pipettes": [
            {"id": "p300", "model": "p300_single_gen2", "mount": "left", "tip_racks": ["tips_r"]},
            {
                "id": "p20",
                "model": "p20_single_gen2",
                "mount": "right",
                "tip_racks": ["tips_1", "tips_2", "tips_3", "tips_4"],
            },
        ],
    }
    if liquids:
        names = [
            ("water", "water", "O"),
            ("ethanol", "ethanol", "CCO"),
            ("tris", "Tris buffer", None),
            ("nacl", "sodium chloride", None),
            ("glycerol", "glycerol", "OCC(O)CO"),
            ("dmso", "dimethyl sulfoxide", "CS(C)=O"),
            ("edta", "EDTA solution", None),
            ("pbs", "phosphate-buffered saline", None),
            ("hepes", "HEPES buffer", None),
            ("glucose", "glucose solution", None),
            ("bsa", "bovine serum albumin solution", None),
            ("tween", "Tween-20 solution", None),
        ]
        doc["liquids"] = [
            {
                "id": lid,
                "name": name,
                **({"smiles": smiles} if smiles else {}),
                "initial_volumes": {f"reagents:A{i + 1}": "15000 uL"},
            }
            for i, (lid, name, smiles) in enumerate(names)
        ] + [
            {
                "id": "samples",
                "name": "cell lysate",
                "description": "sample wells, 100 uL each",
                "initial_volumes": {f"{p}:*": "100 uL" for p in PLATES},
            }
        ]
    return doc


def _steps(n: int) -> list[dict[str, Any]]:
    """``n`` steps: rounds of reagent additions and washes, one well at a time.

    Per well: the reagent's parked P300 tip adds 10 or 20 uL (aspirate/dispense or a transfer with
    new_tip: never), then the well's own parked P20 tip mixes it and moves as much to waste; every
    volume balances, so a 100,000-step run neither empties a reservoir nor overflows a well.
    """
    out: list[dict[str, Any]] = []
    k = 0
    tips_of_well = {}
    for i, (plate, well) in enumerate((p, w) for p in PLATES for w in WELLS):
        tips_of_well[(plate, well)] = f"tips_{i // 96 + 1}:{WELLS[i % 96]}"
    slots = [(p, w) for p in PLATES for w in WELLS]
    while len(out) < n:
        plate, well = slots[k % len(slots)]
        r = (k // len(slots)) % REAGENTS
        loc = f"{plate}:{well}"
        k += 1
        removed = "20 uL" if k % 4 == 0 else "10 uL"  # what the reagent addition below added
        out.append({"op": "pick_up_tip", "pipette": "p300", "location": f"tips_r:{WELLS[r]}"})
        if k % 4:
            out.append(
                {"op": "aspirate", "pipette": "p300", "volume": "30 uL", "location": f"reagents:A{r + 1}"}
            )
            out.append({"op": "dispense", "pipette": "p300", "volume": "10 uL", "location": loc})
            out.append(
                {
                    "op": "dispense",
                    "pipette": "p300",
                    "volume": "20 uL",
                    "location": f"reagents:A{r + 1}",
                    "position": "top",
                    "offset": "-2 mm",
                }
            )
        else:
            out.append(
                {
                    "op": "transfer",
                    "pipette": "p300",
                    "volume": "20 uL",
                    "source": f"reagents:A{r + 1}",
                    "dest": loc,
                    "new_tip": "never",
                    **({"mix_after": {"repetitions": 2, "volume": "20 uL"}} if k % 8 == 0 else {}),
                }
            )
        out.append({"op": "return_tip", "pipette": "p300"})
        out.append({"op": "pick_up_tip", "pipette": "p20", "location": tips_of_well[(plate, well)]})
        out.append({"op": "mix", "pipette": "p20", "repetitions": 3, "volume": "15 uL", "location": loc})
        out.append({"op": "aspirate", "pipette": "p20", "volume": removed, "location": loc})
        out.append(
            {
                "op": "dispense",
                "pipette": "p20",
                "volume": removed,
                "location": "waste:A1",
                "position": "top",
                "offset": "-5 mm",
            }
        )
        out.append({"op": "return_tip", "pipette": "p20"})
        if k % 96 == 0:
            out.append({"op": "comment", "text": f"plate {plate} column done, round {k // len(slots) + 1}"})
            out.append({"op": "delay", "duration": "30 s"})
    return out[:n]


def protocol_document(n: int, *, liquids: bool = True) -> dict[str, Any]:
    return {**_header(liquids), "steps": _steps(n)}


def write_protocol(folder: Path, n: int, variant: str) -> Path:
    """Write one protocol of ``n`` steps; anchors: YAML with repeated step bodies as aliases."""
    import yaml

    if variant == "anchors":
        return _write_anchored(folder, n)
    doc = protocol_document(n, liquids=variant == "liquids")
    if variant == "hand":
        path = folder / f"scale_{variant}_{n}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, width=200))
    else:
        path = folder / f"scale_{variant}_{n}.json"
        path.write_text(json.dumps(doc))
    return path


def _write_anchored(folder: Path, n: int) -> Path:
    """YAML with anchors: each distinct step body is written once and aliased after that."""
    import yaml

    doc = protocol_document(n, liquids=True)
    steps = doc.pop("steps")
    head = yaml.safe_dump(doc, sort_keys=False, width=200)
    lines = [head.rstrip("\n"), "steps:"]
    anchors: dict[str, str] = {}
    for step in steps:
        body = json.dumps(step, separators=(", ", ": "))  # JSON is YAML flow style
        name = anchors.get(body)
        if name is None:
            name = anchors[body] = f"s{len(anchors)}"
            lines.append(f"  - &{name} {body}")
        else:
            lines.append(f"  - *{name}")
    path = folder / f"scale_anchors_{n}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------------------------- measuring

_MEASURE = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
try:
    report = json.loads(done.stdout.splitlines()[0])
    counts, ok = report.get("counts"), report.get("ok")
except Exception:
    counts, ok = None, None
print(json.dumps({"wall_s": wall, "peak_mb": ru.ru_maxrss / 1024, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "rc": done.returncode, "counts": counts, "ok": ok,
                  "stdout_bytes": len(done.stdout), "stderr": done.stderr.decode()[-2000:]}))
"""


def measure(argv: list[str]) -> dict[str, Any]:
    """Wall time, CPU time and peak RSS of one command, in a fresh measuring process."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def validate_argv(path: Path) -> list[str]:
    return [str(BIN / "labwright"), "validate", str(path), "--json"]


_PEER = r"""
import json, sys, time, yaml
path = sys.argv[1]
t0 = time.perf_counter()
with open(path) as f:
    doc = json.load(f) if path.endswith(".json") else yaml.load(f, Loader=yaml.CSafeLoader)
print(len(doc["steps"]))
"""


def peer_argv(path: Path) -> list[str]:
    return [sys.executable, "-c", _PEER, str(path)]


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run_bench(steps: list[int], variants: list[str], repeats: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="labwright-scale-") as tmp:
        folder = Path(tmp)
        for variant in variants:
            for n in steps:
                path = write_protocol(folder, n, variant)
                runs = [measure(validate_argv(path)) for _ in range(repeats)]
                peers = [measure(peer_argv(path)) for _ in range(repeats)]
                first = runs[0]
                if first["rc"] not in (0, 1):
                    raise SystemExit(
                        f"labwright validate failed on {path} (exit {first['rc']}):\n{first['stderr']}"
                    )
                wall = statistics.median(r["wall_s"] for r in runs)
                rows.append(
                    {
                        "variant": variant,
                        "steps": n,
                        "file_mb": path.stat().st_size / 1e6,
                        "wall_s": wall,
                        "wall_runs": [round(r["wall_s"], 2) for r in runs],
                        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                        "peak_mb": statistics.median(r["peak_mb"] for r in runs),
                        "s_per_10k": wall / n * 10_000,
                        "peer_s": statistics.median(p["wall_s"] for p in peers),
                        "peer_mb": statistics.median(p["peak_mb"] for p in peers),
                        "exit": first["rc"],
                        "counts": first["counts"],
                        "load": load_average(),
                    }
                )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    os.environ.setdefault("LABWRIGHT_HOME", tempfile.mkdtemp(prefix="labwright-bench-"))
    t0 = time.perf_counter()
    rows = run_bench(args.steps, args.variants, args.repeats)
    if args.json:
        print(json.dumps({"rows": rows, "cpus": os.cpu_count()}))
        return
    print(
        f"validate_scale: labwright validate FILE --json, fresh process, median of {args.repeats}; "
        f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}"
    )
    print("target: 100,000 steps < 10 s wall and < 500 MB peak RSS\n")
    print(
        f"{'variant':8s} {'format':12s} {'steps':>7s} {'file MB':>8s} {'wall s':>7s} {'cpu s':>6s} "
        f"{'peak MB':>8s} {'s/10k':>6s} {'load s':>7s} {'x load':>6s} {'exit':>4s}  {'findings e/w/i':15s} "
        "load avg"
    )
    for r in rows:
        c = r["counts"] or {}
        counts = f"{c.get('error', '?')}/{c.get('warning', '?')}/{c.get('info', '?')}"
        print(
            f"{r['variant']:8s} {FORMATS[r['variant']]:12s} {r['steps']:7d} {r['file_mb']:8.1f} "
            f"{r['wall_s']:7.2f} {r['cpu_s']:6.2f} {r['peak_mb']:8.0f} {r['s_per_10k']:6.2f} "
            f"{r['peer_s']:7.2f} {r['wall_s'] / r['peer_s']:6.2f} {r['exit']:4d}  {counts:15s} {r['load']}"
        )
    print(
        "\nload s: a peer, the time to merely load the same file (json / PyYAML CSafeLoader), fresh "
        "process; x load: wall s / load s"
    )
    print(f"total bench time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
