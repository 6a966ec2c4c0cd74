"""labwright's verdict beside Opentrons' own on the public Opentrons analysis corpus.

Reads the corpus in place (``../shared/corpora/opentrons-analyses/``, Apache-2.0; see its README)
and writes ``tests/data/opentrons_corpus.csv``: per protocol, Opentrons 9.0.0's verdict (from
``python -m opentrons.cli analyze`` with the corpus' custom labware), labwright's verdict (from
``labwright validate --json -L labware/``), labwright's error codes, and the justification kept
in ``tests/data/opentrons_corpus_justifications.yaml`` for every protocol where they differ.
Prints the summary counts.

    python bench/opentrons_corpus.py                      # both verdicts (Opentrons' reused from the table)
    python bench/opentrons_corpus.py --refresh-opentrons  # run Opentrons' analysis again (slow)
    python bench/opentrons_corpus.py --workers 2 --only 'pl_*'

Opentrons' verdict depends only on the pinned opentrons package and the file, so it is kept in
the table and rerun with ``--refresh-opentrons`` (about 70 CPU minutes for the whole corpus on
this 2-core machine, with labwright's own validation of every file).
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "opentrons-analyses"
TABLE = ROOT / "tests" / "data" / "opentrons_corpus.csv"
JUSTIFICATIONS = ROOT / "tests" / "data" / "opentrons_corpus_justifications.yaml"
BIN = Path(sys.executable).parent
FIELDS = [
    "file",
    "kind",
    "opentrons",
    "opentrons_error",
    "labwright",
    "labwright_exit",
    "error_codes",
    "warning_codes",
    "agree",
    "justification",
]


def kind_of(name: str) -> str:
    if name.startswith("pl_"):
        return "pl"
    return "X" if "_X_" in name else "S"


def labware_files() -> list[Path]:
    return sorted((CORPUS / "labware").glob("*.json"))


def opentrons_verdict(path: Path, timeout_s: float = 600.0) -> tuple[str, str]:
    """('ok' | 'error' | 'crash', first error type and detail) from Opentrons' own analysis."""
    with tempfile.TemporaryDirectory(prefix="lw-corpus-") as tmp:
        out = Path(tmp) / "analysis.json"
        cmd = [sys.executable, "-m", "opentrons.cli", "analyze", "--json-output", str(out), str(path)]
        cmd += [str(p) for p in labware_files()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, cwd=tmp)
        except subprocess.TimeoutExpired:
            return "crash", f"timed out after {timeout_s:.0f} s"
        if not out.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()
            return "crash", tail[-1] if tail else "no output"
        doc = json.loads(out.read_text())
    errors = doc.get("errors") or []
    if not errors:
        return "ok", ""
    first = errors[0]
    return "error", f"{first.get('errorType')}: {str(first.get('detail') or '')[:160]}"


def labwright_verdict(path: Path) -> tuple[str, int, list[str], list[str], str]:
    cmd = [str(BIN / "labwright"), "validate", "--json", "-L", str(CORPUS / "labware"), str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    line = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "{}"
    try:
        doc = json.loads(line)
    except json.JSONDecodeError:
        doc = {}
    findings = doc.get("findings") or []
    errors = sorted({f["code"] for f in findings if f["severity"] == "error"})
    warnings = sorted({f["code"] for f in findings if f["severity"] == "warning"})
    if proc.returncode == 0:
        verdict = "ok"
    elif proc.returncode == 1:
        verdict = "error"
    else:
        verdict = "unusable"
    return verdict, proc.returncode, errors, warnings, str(doc.get("error") or "")


def load_table() -> dict[str, dict[str, str]]:
    if not TABLE.exists():
        return {}
    with TABLE.open(newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def load_justifications() -> dict[str, str]:
    if not JUSTIFICATIONS.exists():
        return {}
    import yaml

    return {str(k): str(v).strip() for k, v in (yaml.safe_load(JUSTIFICATIONS.read_text()) or {}).items()}


def row_for(path: Path, old: dict[str, str] | None, refresh: bool, why: dict[str, str]) -> dict[str, Any]:
    if old is not None and not refresh and old.get("opentrons"):
        ot, ot_error = old["opentrons"], old["opentrons_error"]
    else:
        ot, ot_error = opentrons_verdict(path)
    lw, code, errors, warnings, unusable = labwright_verdict(path)
    agree = (ot == "ok") == (lw == "ok")
    return {
        "file": path.name,
        "kind": kind_of(path.name),
        "opentrons": ot,
        "opentrons_error": ot_error,
        "labwright": lw,
        "labwright_exit": code,
        "error_codes": " ".join(errors) or (unusable[:120] if lw == "unusable" else ""),
        "warning_codes": " ".join(warnings),
        "agree": "yes" if agree else "no",
        "justification": why.get(path.name, ""),
    }


def summary(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for kind in ("S", "pl", "X"):
        sel = [r for r in rows if r["kind"] == kind]
        accepted = [r for r in sel if r["opentrons"] == "ok"]
        clean = [r for r in accepted if r["labwright"] == "ok"]
        rejected_ot = [r for r in sel if r["opentrons"] != "ok"]
        caught = [r for r in rejected_ot if r["labwright"] != "ok"]
        out.append(
            f"{kind:>2}: {len(sel):3d} protocols; Opentrons accepts {len(accepted):3d}, of those labwright "
            f"validates {len(clean):3d} with no errors; Opentrons rejects {len(rejected_ot):3d}, of those "
            f"labwright reports an error or refuses {len(caught):3d}"
        )
    unjustified = [r["file"] for r in rows if r["agree"] == "no" and not r["justification"]]
    out.append(f"disagreements without a justification: {len(unjustified)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh-opentrons", action="store_true", help="run Opentrons' analysis again")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="*", help="glob of corpus file names")
    parser.add_argument("--no-write", action="store_true", help="print, do not rewrite the table")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    files = sorted(
        p for p in (CORPUS / "protocols").iterdir()
        if p.suffix in {".py", ".json"} and fnmatch.fnmatch(p.name, args.only)
    )
    old, why = load_table(), load_justifications()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        rows = list(pool.map(lambda p: row_for(p, old.get(p.name), args.refresh_opentrons, why), files))
    if args.only != "*":  # keep the rows not re-run
        done = {r["file"] for r in rows}
        rows = sorted([*rows, *(r for n, r in old.items() if n not in done)], key=lambda r: r["file"])
    if not args.no_write:
        TABLE.parent.mkdir(parents=True, exist_ok=True)
        with TABLE.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    for line in summary(rows):
        print(line)
    print(f"{len(files)} protocols in {time.perf_counter() - start:.0f} s ({os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
