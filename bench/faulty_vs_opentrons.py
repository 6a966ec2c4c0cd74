"""Which faults of the corpus does the Opentrons simulator itself catch?

For every faulty protocol in tests/data/faulty/ this script

1. verifies the YAML with labwright (the public API, default options) and records whether the
   expected finding (code and category, tests/data/faulty/expected.yaml) is reported;
2. gets an Opentrons Python version of the same protocol: a hand-written analog from
   tests/data/faulty_py/<name>.py when there is one (faults the exporter cannot render, or that
   do not parse as a labwright protocol but have a Python equivalent), otherwise the labwright
   exporter's rendering (labwright.simulators.opentrons_interop.export.export_opentrons); faults with no
   Python equivalent (units: the Python API takes bare numbers in uL, s, degC) are "n/a";
3. runs the real Opentrons simulator on it (`opentrons_simulate`, opentrons 9.0.0, one process per
   file, with a time limit) and records whether it rejects the protocol and with what message.

It writes tests/data/faulty/opentrons_catches.csv (file, code, category, labwright_caught,
opentrons_caught, opentrons_message, python_version, opentrons_seconds) and prints a summary.

    .venv/bin/python bench/faulty_vs_opentrons.py [--timeout 60] [--only NAME ...]
    .venv/bin/python bench/faulty_vs_opentrons.py --repaired   # the clean twins run in Opentrons too
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "verifiers"))

from faulty_corpus import CATEGORIES, FAULTY, expected, faulty_files  # noqa: E402

HAND_WRITTEN = ROOT / "tests" / "data" / "faulty_py"
CSV_PATH = FAULTY / "opentrons_catches.csv"
COLUMNS = [
    "file",
    "code",
    "category",
    "labwright_caught",
    "opentrons_caught",
    "opentrons_message",
    "python_version",
    "opentrons_seconds",
]
_NOISE = re.compile(
    r"(robot_settings\.json|deck_calibration\.json|Deck calibration not found|Loading defaults)"
)


def labwright_caught(path: Path, want: dict) -> bool:
    from labwright.protocols.io import read_document
    from labwright.verifiers.verifier import verify_document

    report = verify_document(read_document(path), source=path.name)
    return any(
        f.severity.value == "error" and f.code == want["code"] and f.category.value == want["category"]
        for f in report.findings
    )


def python_version(path: Path, workdir: Path) -> tuple[str, Path | None, str]:
    """(kind, file, note): kind is hand_written, exported or not_expressible."""
    from labwright.protocols.errors import LabwrightError
    from labwright.protocols.io import read_document
    from labwright.simulators.opentrons_interop.export import export_opentrons
    from labwright.verifiers.passes.schema import schema_pass

    hand = HAND_WRITTEN / f"{path.stem}.py"
    if hand.exists():
        return "hand_written", hand, ""
    protocol, findings = schema_pass(read_document(path))
    if protocol is None:
        return "not_expressible", None, "no Python equivalent: " + findings[0].message
    try:
        text = export_opentrons(protocol)
    except LabwrightError as exc:
        return "not_expressible", None, f"exporter: {exc.message}"
    out = workdir / f"{path.stem}.py"
    out.write_text(text, encoding="utf-8")
    return "exported", out, ""


def opentrons_message(stderr: str, stdout: str) -> str:
    """The simulator's error line (the last naming an ...Error), with its continuation."""
    text = stderr + "\n" + stdout
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not _NOISE.search(ln)]
    picks = [i for i, ln in enumerate(lines) if re.search(r"[A-Za-z]+(Error|Exception)\b", ln)]
    if not picks:
        return re.sub(r"\s+", " ", lines[-1] if lines else "")[:300]
    i = picks[-1]
    msg = lines[i]
    if (msg.endswith(":") or "validation error" in msg) and i + 1 < len(lines):
        msg += " " + " ".join(lines[i + 1 : i + 3])  # the detail lines that follow
    return re.sub(r"\s+", " ", msg)[:300]


def run_opentrons(py: Path, timeout: float) -> tuple[bool | None, str, float]:
    exe = Path(sys.executable).with_name("opentrons_simulate")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "opentrons.simulate"]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [*cmd, str(py)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=py.parent,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    except subprocess.TimeoutExpired:
        return False, f"no error within {timeout:g} s (still simulating; stopped)", time.perf_counter() - t0
    dt = time.perf_counter() - t0
    if proc.returncode == 0:
        return False, "", dt
    return True, opentrons_message(proc.stderr, proc.stdout), dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per opentrons_simulate run")
    ap.add_argument("--only", nargs="*", help="corpus file names to run (default: all)")
    ap.add_argument("--csv", type=Path, default=CSV_PATH)
    ap.add_argument(
        "--repaired",
        action="store_true",
        help="instead: export every repaired twin and clean/ protocol and check opentrons_simulate "
        "accepts them all (the other direction: what labwright certifies, Opentrons runs)",
    )
    args = ap.parse_args()
    os.environ.setdefault("LABWRIGHT_HOME", tempfile.mkdtemp(prefix="labwright-bench-"))
    if args.repaired:
        check_repaired(args.timeout)
        return

    want_all = expected()
    files = [p for p in faulty_files() if not args.only or p.name in args.only]
    rows: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="faulty-py-") as tmp:
        for i, path in enumerate(files, 1):
            want = want_all[path.name]
            lw = labwright_caught(path, want)
            kind, py, note = python_version(path, Path(tmp))
            if py is None:
                ot, msg, dt = None, note, 0.0
            else:
                ot, msg, dt = run_opentrons(py, args.timeout)
            rows.append(
                {
                    "file": path.name,
                    "code": want["code"],
                    "category": want["category"],
                    "labwright_caught": "yes" if lw else "no",
                    "opentrons_caught": "n/a" if ot is None else ("yes" if ot else "no"),
                    "opentrons_message": msg,
                    "python_version": kind,
                    "opentrons_seconds": f"{dt:.1f}",
                }
            )
            print(
                f"[{i:2d}/{len(files)}] {path.name:52s} labwright={rows[-1]['labwright_caught']:3s} "
                f"opentrons={rows[-1]['opentrons_caught']:3s} ({kind}, {dt:.1f} s)",
                file=sys.stderr,
            )

    if not args.only:
        with args.csv.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {args.csv.relative_to(ROOT)}")
    summarise(rows)


def check_repaired(timeout: float) -> None:
    from faulty_corpus import CLEAN, apply_patch
    from labwright.protocols.io import parse_protocol, read_document
    from labwright.simulators.opentrons_interop.export import export_opentrons
    from labwright.verifiers.verifier import verify_document

    want_all = expected()
    items = [(p.name, apply_patch(read_document(p), want_all[p.name]["fix"])) for p in faulty_files()]
    items += [(p.name, read_document(p)) for p in sorted(CLEAN.glob("*.yaml"))]
    certified = accepted = 0
    with tempfile.TemporaryDirectory(prefix="repaired-py-") as tmp:
        for name, doc in items:
            ok = verify_document(doc).ok
            certified += ok
            py = Path(tmp) / name.replace(".yaml", ".py")
            py.write_text(export_opentrons(parse_protocol(doc)), encoding="utf-8")
            rejected, msg, dt = run_opentrons(py, timeout)
            accepted += not rejected
            verdict = "rejected: " + msg if rejected else "accepted"
            print(
                f"{name:52s} labwright={'certified' if ok else 'REJECTED'} opentrons={verdict} ({dt:.1f} s)"
            )
    print(
        f"repaired twins and clean protocols: {len(items)}; labwright certifies {certified}; "
        f"opentrons_simulate accepts {accepted}"
    )


def summarise(rows: list[dict[str, str]]) -> None:
    n = len(rows)
    lw = sum(r["labwright_caught"] == "yes" for r in rows)
    expressible = [r for r in rows if r["opentrons_caught"] != "n/a"]
    ot = sum(r["opentrons_caught"] == "yes" for r in expressible)
    both = sum(r["opentrons_caught"] == "yes" and r["labwright_caught"] == "yes" for r in expressible)
    only_lw = sum(r["opentrons_caught"] == "no" and r["labwright_caught"] == "yes" for r in expressible)
    only_ot = sum(r["opentrons_caught"] == "yes" and r["labwright_caught"] == "no" for r in expressible)
    kinds = Counter(r["python_version"] for r in rows)
    print(f"faulty protocols: {n}; labwright catches {lw}/{n}")
    print(
        f"as Opentrons Python: {len(expressible)} ({kinds['exported']} exported, "
        f"{kinds['hand_written']} hand-written); {kinds['not_expressible']} have no Python equivalent"
    )
    print(
        f"opentrons_simulate rejects {ot}/{len(expressible)}; both {both}, only labwright {only_lw}, "
        f"only opentrons {only_ot}"
    )
    print(f"{'category':12s} {'files':>5s} {'labwright':>9s} {'python':>6s} {'opentrons':>9s}")
    for cat in CATEGORIES:
        rs = [r for r in rows if r["category"] == cat]
        ex = [r for r in rs if r["opentrons_caught"] != "n/a"]
        print(
            f"{cat:12s} {len(rs):5d} {sum(r['labwright_caught'] == 'yes' for r in rs):9d} {len(ex):6d} "
            f"{sum(r['opentrons_caught'] == 'yes' for r in ex):9d}"
        )


if __name__ == "__main__":
    main()
