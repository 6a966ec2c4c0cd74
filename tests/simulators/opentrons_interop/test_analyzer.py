"""The one Opentrons analyzer: the real Opentrons 9.0.0 analysis in a child process.

The protocol's code runs in the child only: what it prints, ``sys.exit`` and ``os._exit`` do not
reach the caller; a time limit or a cancel event kills the child and everything it started.
The child is sandboxed (it cannot write outside its scratch directory), so the protocols below
make themselves findable by a process name (``MARK``) instead of writing pid files; the sandbox
itself is tested in ``tests/verifiers/test_python_sandbox.py``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from labwright.protocols.errors import UnusableInputError
from labwright.simulators.opentrons_interop.analyzer import (
    AnalysisCancelled,
    AnalysisTimedOut,
    AnalyzerFailed,
    analyze_opentrons_text,
    run_opentrons_analysis,
)
from labwright.simulators.opentrons_interop.importer import import_opentrons_python
from labwright.simulators.opentrons_interop.liquid_identity import (
    decode_liquid_identity,
    encode_liquid_identity,
)

HEADER = 'import os, subprocess, sys, time\nmetadata = {"apiLevel": "2.20"}\n'


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed orphan may wait for a reaper)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _marked(mark: str) -> list[int]:
    """Live processes named ``mark`` (``/proc/self/comm``) or with ``mark`` in their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if (comm == mark or mark.encode() in cmdline) and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _mark() -> str:
    return f"lw{os.getpid() % 10000}{time.monotonic_ns() % 100000}"[:15]


def _gone(*pids: int, within_s: float = 5.0) -> bool:
    """All ``pids`` end within ``within_s`` (the fork server reaps its children)."""
    deadline = time.monotonic() + within_s
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(_alive(pid) for pid in pids)


def test_the_analysis_runs_in_a_child_and_returns_everything_callers_need(tmp_path: Path) -> None:
    mark = _mark()
    text = HEADER + (
        "def run(protocol):\n"
        f"    open('/proc/self/comm', 'w').write({mark!r})\n"
        "    print('analysed in', os.getpid())\n"
        "    tips = protocol.load_labware('opentrons_96_tiprack_300ul', 1)\n"
        "    plate = protocol.load_labware('corning_96_wellplate_360ul_flat', 2)\n"
        "    water = protocol.define_liquid('water', description='id: water', display_color='#0000FF')\n"
        "    plate['A1'].load_liquid(water, 100)\n"
        "    p300 = protocol.load_instrument('p300_single_gen2', 'left', tip_racks=[tips])\n"
        "    p300.transfer(50, plate['A1'], plate['B1'])\n"
    )
    capture = analyze_opentrons_text(text, filename="child.py")
    assert capture.ok and capture.result == "ok" and not capture.errors
    assert capture.stdout.startswith("analysed in ")
    assert capture.sandbox["isolation"] in {"namespaces", "limits-only"}
    assert not _marked(mark), "the child is gone"
    assert capture.api_level == (2, 20) and capture.robot == "ot2" and not capture.is_legacy
    assert capture.robot_type == "OT-2 Standard"
    assert capture.metadata == {"apiLevel": "2.20"}
    types = [c["commandType"] for c in capture.commands]
    assert {"loadLabware", "loadPipette", "pickUpTip", "aspirate", "dispense"} <= set(types)
    assert [liq["displayName"] for liq in capture.liquids] == ["water"]
    assert capture.call_lines and all(line is not None for _, line in capture.call_lines)
    assert capture.seconds > 0
    robot = capture.robot_analysis()
    assert robot["result"] == "ok" and robot["robotType"] == "OT-2 Standard"
    assert [c["commandType"] for c in robot["commands"]] == types
    assert all(v is not None for c in robot["commands"] for v in c["params"].values())


def test_a_protocol_exiting_is_an_analysis_error_not_the_callers_exit(tmp_path: Path) -> None:
    path = tmp_path / "exits.py"
    path.write_text(
        HEADER + "def run(protocol):\n    print('bye')\n    protocol.comment('x')\n    sys.exit(3)\n"
    )
    capture = run_opentrons_analysis(path)  # the test process is still here
    assert capture.result == "not-ok" and capture.errors[0]["errorType"] == "SystemExit"
    assert capture.stdout == "bye\n"
    assert "comment" in [c["commandType"] for c in capture.commands]
    result = import_opentrons_python(path)
    assert result.rejected
    assert any(i.code == "OPENTRONS_REJECTED" and "sys.exit(3)" in i.message for i in result.issues)


def test_a_protocol_killing_its_process_is_unusable_input(tmp_path: Path) -> None:
    path = tmp_path / "kills.py"
    path.write_text(HEADER + "def run(protocol):\n    os._exit(0)\n")
    with pytest.raises(AnalyzerFailed) as info:
        run_opentrons_analysis(path)
    assert isinstance(info.value, UnusableInputError)  # `labwright validate` exits 2
    assert str(path) in info.value.message and "without a result" in info.value.message


def test_cancel_kills_the_child_and_what_it_started(tmp_path: Path) -> None:
    mark = _mark()
    text = HEADER + (
        "def run(protocol):\n"
        f"    subprocess.Popen(['/bin/sh', '-c', 'sleep 300; : {mark}'])\n"
        f"    open('/proc/self/comm', 'w').write({mark!r})\n"
        "    while True:\n"
        "        time.sleep(0.01)\n"
    )
    cancel = threading.Event()
    seen: list[int] = []

    def cancel_when_running() -> None:
        deadline = time.monotonic() + 120
        while len(seen) < 2 and time.monotonic() < deadline:
            seen[:] = _marked(mark)
            time.sleep(0.02)
        cancel.set()

    threading.Thread(target=cancel_when_running, daemon=True).start()
    with pytest.raises(AnalysisCancelled):
        analyze_opentrons_text(text, filename="loops.py", cancel=cancel)
    assert len(seen) == 2, "the protocol and its subprocess ran"
    assert _gone(*seen)


def test_time_limit_kills_the_child(tmp_path: Path) -> None:
    mark = _mark()
    seen: list[int] = []
    text = HEADER + (
        "def run(protocol):\n"
        f"    open('/proc/self/comm', 'w').write({mark!r})\n"
        "    while True:\n"
        "        time.sleep(0.01)\n"
    )
    analyze_opentrons_text(HEADER + "def run(protocol):\n    pass\n")  # the fork server is warm
    def watch() -> None:
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            seen[:] = _marked(mark)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.monotonic()
    with pytest.raises(AnalysisTimedOut) as info:
        analyze_opentrons_text(text, filename="forever.py", timeout_s=4.0)
    assert time.monotonic() - start < 4.0 + 5.0
    assert "4 s" in info.value.message and info.value.hint
    watcher.join()
    assert seen, "the protocol ran before the time limit"
    assert _gone(*seen)


def test_not_a_protocol_is_refused_before_a_child_starts(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("print('not a protocol')\n")
    start = time.monotonic()
    with pytest.raises(UnusableInputError, match="no run"):
        run_opentrons_analysis(path)
    assert time.monotonic() - start < 1.0


def test_liquid_identity_encoding_round_trips() -> None:
    fields = {"id": "stop", "smiles": "OS(=O)(=O)O", "cas": "7664-93-9", "concentration": "0.16 M"}
    text = encode_liquid_identity("ELISA stop solution", fields)
    assert text == "ELISA stop solution; id: stop; smiles: OS(=O)(=O)O; cas: 7664-93-9; concentration: 0.16 M"
    assert decode_liquid_identity(text) == ("ELISA stop solution", fields)
    assert encode_liquid_identity(None, {"id": "water", "cas": None}) == "id: water"
    assert decode_liquid_identity("id: water") == ("", {"id": "water"})
