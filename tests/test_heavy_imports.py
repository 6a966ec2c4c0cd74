"""Validating or dispatching a protocol never loads the computational chemistry.

The import-linter contract ``no-compute`` (tests/test_layers.py) checks the import graph; this
test checks what really happens: a fresh interpreter runs ``labwright validate`` on a labwright
protocol and on an Opentrons Python protocol, and ``labwright run`` on the twin backend, through
``labwright.cli.main`` as the console script does, then reports ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "protocols"

HEAVY = ("torch", "ase", "mace", "e3nn", "tblite", "dask", "distributed")
COMPUTE = "labwright.simulators.compute"

CHILD = """
import json, sys
from labwright.cli import main

def call(*args):
    sys.argv = ["labwright", *args]
    try:
        main()
    except SystemExit as done:
        return done.code
    return 0

report, yaml, py, store = sys.argv[1:5]
codes = [
    call("validate", yaml),
    call("validate", py),
    call("run", yaml, "--backend", "twin", "--store", store),
]
with open(report, "w") as fh:
    json.dump({"codes": codes, "modules": sorted(sys.modules)}, fh)
"""


def test_validate_and_dispatch_load_no_computational_chemistry(tmp_path: Path, labwright_home: Path) -> None:
    report = tmp_path / "report.json"
    args = [
        str(report),
        str(EXAMPLES / "serial_dilution.yaml"),
        str(EXAMPLES / "serial_dilution.py"),
        str(tmp_path / "ledger.sqlite"),
    ]
    env = dict(os.environ, LABWRIGHT_HOME=str(labwright_home))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=600, env=env
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    done = json.loads(report.read_text())
    assert done["codes"] == [0, 0, 0], proc.stdout[-2000:] + proc.stderr[-2000:]
    modules = set(done["modules"])
    # the three commands really ran: the verifier, the Opentrons importer, the twin backend
    for ran in ("labwright.verifiers.verifier", "labwright.simulators.opentrons_interop.importer",
                "labwright.hardware.twin_backend"):
        assert ran in modules, ran
    loaded = sorted(
        m for m in modules
        if m.split(".")[0] in HEAVY or m == COMPUTE or m.startswith(COMPUTE + ".")
    )
    assert loaded == [], f"validating or dispatching loaded {loaded}"
