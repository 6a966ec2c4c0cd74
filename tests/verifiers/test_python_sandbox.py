"""Issue 13: an Opentrons Python protocol is analysed in a sandbox. Every attack found on main
before the analyzer moved to a sandboxed child is replayed here, through the real CLI
(``labwright validate``, in-process with typer's runner, or as a command where the process
itself matters):

(a) reading the signing key from ``$LABWRIGHT_HOME``; (b) writing outside the scratch directory;
(c) replacing labwright's verifier functions in a protocol with two over-aspirations;
(d) ``raise SystemExit(0)`` validated together with a faulty YAML; (e) an endless loop with SIGINT
ignored; (f) a memory bomb; (g) network access; (h) top-level code running twice; (i) processes
that outlive the analysis. Also: ``os._exit`` and a self-SIGKILL are unusable input (exit 2),
never certified; without namespaces the report says so.

The filesystem, network and key attacks need the Linux namespaces; where the machine has none,
they are skipped with the reason (the limits still apply and are tested).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from labwright.simulators.opentrons_interop.analyzer import (
    AnalysisLimitExceeded,
    AnalysisLimits,
    analyze_opentrons_text,
    run_opentrons_analysis,
)
from labwright.verifiers.opentrons_python import verify_opentrons_python
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
FAULTY_YAML = ROOT / "examples" / "protocols" / "faulty" / "safety_incompatible_bleach_into_acid.yaml"
CLEAN_YAML = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
HEADER = 'import os, signal, socket, subprocess, sys, time\nmetadata = {"apiLevel": "2.20"}\n'
LOAD = (
    "    tips = protocol.load_labware('opentrons_96_tiprack_300ul', 1)\n"
    "    plate = protocol.load_labware('corning_96_wellplate_360ul_flat', 2)\n"
    "    p300 = protocol.load_instrument('p300_single_gen2', 'left', tip_racks=[tips])\n"
)

# run() runs in a worker thread, where signal.signal() is refused: ignore signals process-wide
IGNORE_SIGNALS = (
    "    import ctypes\n"
    "    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGXCPU, signal.SIGHUP):\n"
    "        ctypes.CDLL(None).signal(int(sig), ctypes.c_void_p(1))  # SIG_IGN\n"
)


@pytest.fixture(scope="module")
def isolation() -> dict[str, Any]:
    """How this machine sandboxes an analysis (namespaces, or limits only)."""
    return analyze_opentrons_text(HEADER + "def run(protocol):\n    pass\n").sandbox


def needs_namespaces(isolation: dict[str, Any]) -> None:
    if isolation.get("isolation") != "namespaces":
        pytest.skip(f"no Linux namespaces here ({isolation.get('reason')}): the sandbox is limits-only")


def validate(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    """`labwright validate --json ARGS` in-process: (exit code, JSON lines, stderr)."""
    result = CliRunner().invoke(app, ["validate", "--json", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def marked(mark: str) -> list[int]:
    """Live (not zombie) processes with ``mark`` in their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if mark.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


# ------------------------------------------------------------------------- (a) the signing key


def test_a_protocol_cannot_read_the_signing_key(
    tmp_path: Path, labwright_home: Path, isolation: dict
) -> None:
    needs_namespaces(isolation)
    key = b"f00d" * 16
    (labwright_home / "certificate.key").write_bytes(key)
    (Path.home() / ".labwright-sandbox-test").write_text("user's private file")  # a file in $HOME
    tries = [
        str(labwright_home / "certificate.key"),
        str(Path.home() / ".labwright-sandbox-test"),
        f"/proc/{os.getpid()}/root{labwright_home}/certificate.key",  # through the caller's root
        "/proc/1/root" + str(labwright_home / "certificate.key"),
    ]
    protocol = write(
        tmp_path,
        "steal.py",
        HEADER
        + "def run(protocol):\n"
        + "    got = ['env:' + str(os.environ.get('LABWRIGHT_HOME'))]\n"
        + f"    for path in {tries!r}:\n"
        + "        try:\n"
        + "            got.append('READ:' + open(path).read())\n"
        + "        except OSError as exc:\n"
        + "            got.append('blocked:' + type(exc).__name__)\n"
        + "    protocol.comment(' '.join(got))\n"
        + "    raise RuntimeError('LEAK ' + ' '.join(got))\n",
    )
    try:
        code, lines, err = validate(str(protocol))
    finally:
        (Path.home() / ".labwright-sandbox-test").unlink()
    out = json.dumps(lines) + err
    assert key.decode() not in out and "user's private file" not in out
    assert code == 1 and lines[0]["certificate"] is None  # the RuntimeError: a rejection
    assert "env:None" in out, "no LABWRIGHT_* variable in the sandbox"
    rejected = next(f["message"] for f in lines[0]["findings"] if f["code"] == "OPENTRONS_REJECTED")
    assert rejected.count("blocked:") == len(tries) and "READ:" not in out


# ----------------------------------------------------------------- (b) writing outside scratch


def test_a_protocol_cannot_write_outside_its_scratch_directory(
    tmp_path: Path, labwright_home: Path, isolation: dict
) -> None:
    needs_namespaces(isolation)
    outside = [tmp_path / "pwned.txt", labwright_home / "certificate.key", Path.home() / ".lw-pwned"]
    protocol = write(
        tmp_path,
        "writer.py",
        HEADER
        + "def run(protocol):\n"
        + "    open('scratch.txt', 'w').write('scratch is writable')\n"
        + "    results = [open('scratch.txt').read()]\n"
        + f"    for path in {[str(p) for p in outside]!r}:\n"
        + "        try:\n"
        + "            open(path, 'w').write('pwned')\n"
        + "            results.append('WROTE ' + path)\n"
        + "        except OSError as exc:\n"
        + "            results.append('refused:' + type(exc).__name__)\n"
        + "    print(results)\n"
        + LOAD,
    )
    capture = run_opentrons_analysis(protocol)
    assert capture.ok, capture.errors
    assert "scratch is writable" in capture.stdout and "WROTE" not in capture.stdout
    assert capture.stdout.count("refused:") == len(outside)
    assert not any(p.exists() for p in outside)
    assert capture.sandbox["scratch"] == "/tmp"


# ------------------------------------------------------------ (c) replacing labwright's verifier

OVER_ASPIRATING = (
    "    water = protocol.define_liquid('water', description='id: water', display_color='#0000FF')\n"
    "    plate['A1'].load_liquid(water, 50)\n"
    "    p300.pick_up_tip()\n"
    "    p300.aspirate(200, plate['A1'])\n"  # 200 uL from a well holding 50
    "    p300.dispense(200, plate['B1'])\n"
    "    p300.aspirate(250, plate['A1'])\n"  # and again, from an empty well
    "    p300.dispense(250, plate['C1'])\n"
    "    p300.drop_tip()\n"
)


def test_a_protocol_cannot_replace_the_verifier(tmp_path: Path, labwright_home: Path) -> None:
    protocol = write(
        tmp_path,
        "patcher.py",
        HEADER
        + "import labwright.protocols.findings as findings\n"
        + "import labwright.verifiers.verifier as verifier\n"
        + "import labwright.verifiers.opentrons_python as opentrons_python\n"
        + "import labwright.verifiers.certificate as certificate\n"
        + "findings.has_errors = lambda found: False\n"
        + "opentrons_python.has_errors = lambda found: False\n"
        + "verifier.verify = lambda *a, **k: None\n"
        + "certificate.verify_certificate = lambda *a, **k: True\n"
        + "def run(protocol):\n"
        + LOAD
        + OVER_ASPIRATING,
    )
    code, lines, _ = validate(str(protocol))
    assert code == 1
    errors = [f for f in lines[0]["findings"] if f["severity"] == "error"]
    assert len([f for f in errors if f["category"] == "volume"]) >= 2, errors
    assert lines[0]["certificate"] is None and lines[0]["ok"] is False


# --------------------------------------------------------------- (d) SystemExit(0) in a batch


def test_system_exit_does_not_hide_the_other_files_of_the_batch(tmp_path: Path, labwright_home: Path) -> None:
    top = write(tmp_path, "exit_top.py", HEADER + "raise SystemExit(0)\ndef run(protocol):\n    pass\n")
    inside = write(
        tmp_path, "exit_run.py", HEADER + "def run(protocol):\n" + LOAD + "    raise SystemExit(0)\n"
    )
    underscore = write(tmp_path, "exit_os.py", HEADER + "def run(protocol):\n" + LOAD + "    os._exit(0)\n")
    env = {**os.environ, "LABWRIGHT_HOME": str(labwright_home)}
    cmd = [
        sys.executable,
        "-m",
        "labwright.cli",
        "validate",
        "--json",
        str(top),
        str(inside),
        str(underscore),
    ]
    proc = subprocess.run([*cmd, str(FAULTY_YAML)], capture_output=True, text=True, env=env, timeout=600)
    lines = {Path(d["file"]).name: d for d in map(json.loads, proc.stdout.splitlines())}
    assert proc.returncode == 2, proc.stdout + proc.stderr  # the worst: os._exit is unusable input
    assert list(lines) == ["exit_top.py", "exit_run.py", "exit_os.py", FAULTY_YAML.name]
    assert all(d["certificate"] is None and d["ok"] is False for d in lines.values())
    for name in ("exit_top.py", "exit_run.py"):  # the analysis rejects it: never certified
        assert any(
            f["code"] == "OPENTRONS_REJECTED" and "sys.exit(0)" in f["message"]
            for f in lines[name]["findings"]
        )
    assert lines["exit_os.py"]["unusable"] and "never certified" in lines["exit_os.py"]["error"]
    assert any(f["severity"] == "error" for f in lines[FAULTY_YAML.name]["findings"])


def test_a_protocol_killing_its_analysis_is_unusable_input(tmp_path: Path, labwright_home: Path) -> None:
    protocol = write(
        tmp_path,
        "kill.py",
        HEADER + "def run(protocol):\n" + LOAD + "    os.kill(os.getpid(), signal.SIGKILL)\n",
    )
    code, lines, err = validate(str(protocol), str(CLEAN_YAML))
    assert code == 2
    assert lines[0]["unusable"] and "SIGKILL" in lines[0]["error"] and "never certified" in lines[0]["error"]
    assert lines[1]["ok"] is True and lines[1]["certificate"] is not None  # the batch goes on


# ------------------------------------------------------------------------ (e) endless loops


@pytest.mark.parametrize("loop", ["        pass\n", "        time.sleep(0.05)\n"], ids=["cpu", "sleep"])
def test_an_endless_loop_ignoring_signals_is_stopped_by_the_limit(
    tmp_path: Path, labwright_home: Path, loop: str
) -> None:
    protocol = write(
        tmp_path,
        "forever.py",
        HEADER + "def run(protocol):\n" + IGNORE_SIGNALS + "    while True:\n" + loop,
    )
    analyze_opentrons_text(HEADER + "def run(protocol):\n    pass\n")  # the fork server is warm
    start = time.monotonic()
    code, lines, err = validate("--analysis-timeout", "3", str(protocol), str(CLEAN_YAML))
    assert time.monotonic() - start < 3 + 20
    assert code == 2
    assert lines[0]["unusable"] and "limit" in lines[0]["error"] and "never certified" in lines[0]["error"]
    assert "--analysis-timeout" in lines[0]["hint"]
    assert lines[1]["ok"] is True


def test_the_cpu_time_limit_kills_a_spinning_analysis_before_the_wall_time(tmp_path: Path) -> None:
    text = HEADER + "def run(protocol):\n" + IGNORE_SIGNALS + "    while True:\n        pass\n"
    with pytest.raises(AnalysisLimitExceeded) as info:
        analyze_opentrons_text(text, limits=AnalysisLimits(wall_s=60, cpu_s=2))
    assert info.value.limit == "cpu" and "CPU-time limit of 2 s" in info.value.message


# ----------------------------------------------------------------------------- (f) memory


def test_a_memory_bomb_is_stopped_by_the_memory_limit(tmp_path: Path, labwright_home: Path) -> None:
    protocol = write(
        tmp_path,
        "bomb.py",
        HEADER
        + "def run(protocol):\n    hog = []\n    while True:\n        hog.append(bytearray(64 * 2**20))\n",
    )
    eager = write(tmp_path, "eager.py", HEADER + "def run(protocol):\n    x = bytearray(50 * 2**30)\n")
    code, lines, err = validate("--analysis-memory-mb", "256", str(protocol), str(eager), str(CLEAN_YAML))
    assert code == 2
    for d in lines[:2]:
        assert d["unusable"] and "memory limit of 256 MB" in d["error"] and "never certified" in d["error"]
        assert "--analysis-memory-mb" in d["hint"]
    assert lines[2]["ok"] is True  # the caller is unaffected


# ---------------------------------------------------------------------------- (g) network


def test_a_protocol_has_no_network(tmp_path: Path, isolation: dict) -> None:
    needs_namespaces(isolation)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[Any] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    text = (
        HEADER
        + "def run(protocol):\n"
        + "    try:\n"
        + f"        socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'exfiltrated')\n"
        + "        print('CONNECTED')\n"
        + "    except OSError as exc:\n"
        + "        print('refused', type(exc).__name__, exc)\n"
    )
    try:
        capture = analyze_opentrons_text(text)
    finally:
        stop.set()
        thread.join()
        server.close()
    assert "refused" in capture.stdout and "CONNECTED" not in capture.stdout
    assert not accepted


# ----------------------------------------------------------------------- (h) top-level code


@pytest.mark.parametrize("parameters", [False, True], ids=["plain", "add_parameters"])
def test_top_level_code_runs_once(parameters: bool) -> None:
    text = (
        'import os\nrequirements = {"robotType": "OT-2", "apiLevel": "2.20"}\n'
        "print('TOP-LEVEL')\n"
        "with open('count.txt', 'a') as fh:\n"
        "    fh.write('x')\n"
        "COUNT = len(open('count.txt').read())\n"
    )
    if parameters:
        text += (
            "def add_parameters(parameters):\n"
            "    parameters.add_int(variable_name='n', display_name='n', default=2, minimum=1, maximum=9)\n"
        )
    text += "def run(protocol):\n    print('count', COUNT, len(open('count.txt').read()))\n"
    capture = analyze_opentrons_text(text)
    assert capture.ok, capture.errors
    assert capture.stdout.count("TOP-LEVEL") == 1
    assert "count 1 1" in capture.stdout


# --------------------------------------------------------------- (i) processes left behind


def test_processes_a_protocol_starts_do_not_outlive_its_analysis(tmp_path: Path) -> None:
    mark = f"lw-sandbox-{os.getpid()}-{time.monotonic_ns()}"
    text = (
        HEADER
        + "def run(protocol):\n"
        + "    for _ in range(10):\n"  # new sessions: out of the analysis' process group
        + f"        subprocess.Popen(['/bin/sh', '-c', 'sleep 300; : {mark}'], start_new_session=True)\n"
        + "    if os.fork() == 0:\n"  # a double-forked daemon
        + "        os.setsid()\n"
        + "        if os.fork() == 0:\n"
        + f"            os.execv('/bin/sh', ['/bin/sh', '-c', 'sleep 300; : {mark}'])\n"
        + "        os._exit(0)\n"
        + "    time.sleep(0.5)\n"
        + LOAD
    )
    capture = analyze_opentrons_text(text)
    assert capture.ok, capture.errors
    deadline = time.monotonic() + 10
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not marked(mark)


def test_a_fork_bomb_is_contained(tmp_path: Path, isolation: dict) -> None:
    needs_namespaces(isolation)
    mark = f"lw-bomb-{os.getpid()}-{time.monotonic_ns()}"
    text = (
        HEADER
        + "def run(protocol):\n"
        + "    started = 0\n"
        + "    try:\n"
        + "        for _ in range(200):\n"
        + f"            subprocess.Popen(['/bin/sh', '-c', 'sleep 300; : {mark}'], start_new_session=True)\n"
        + "            started += 1\n"
        + "    except OSError as exc:\n"
        + "        print('refused after', started, type(exc).__name__)\n"
        + "    print('started', started)\n"
    )
    capture = analyze_opentrons_text(text, limits=AnalysisLimits(wall_s=120))
    assert "started" in capture.stdout
    if os.getuid() != 0:  # RLIMIT_NPROC (per user namespace) does not bind root
        assert "refused after" in capture.stdout
    deadline = time.monotonic() + 10
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not marked(mark)


# ---------------------------------------------------------------- what is isolated, and where


def test_the_environment_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox-test-secret")
    text = HEADER + "def run(protocol):\n    print(sorted(os.environ.items()), os.getcwd())\n"
    capture = analyze_opentrons_text(text)
    assert "sandbox-test-secret" not in capture.stdout and "LABWRIGHT" not in capture.stdout
    assert "('LC_ALL', 'C.UTF-8')" in capture.stdout and "('PYTHONHASHSEED', '0')" in capture.stdout


def test_the_report_says_when_the_analysis_was_not_isolated(tmp_path: Path, labwright_home: Path) -> None:
    protocol = write(tmp_path, "plain.py", HEADER + "def run(protocol):\n" + LOAD)
    report = verify_opentrons_python(protocol, limits=AnalysisLimits(isolate=False))
    notes = [f for f in report.findings if f.code == "OPENTRONS_ANALYSIS_NOT_ISOLATED"]
    assert len(notes) == 1 and notes[0].severity == "info" and notes[0].data["isolation"] == "limits-only"
    assert report.certificate is not None  # an info note; the limits still applied
