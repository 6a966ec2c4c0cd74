"""Run the Opentrons protocol analyzer (the simulator behind ``opentrons analyze``) on a file.

``analyze_opentrons_python(text)`` writes the Python protocol to a temporary folder and runs
``python -m opentrons.cli analyze --json-output`` from the pinned ``opentrons`` package in a
subprocess: the protocol engine simulates the protocol and lists every command it would send
(``commandType``, ``params``, ``key``, ``status``, ``error``), the robot type, and any error. This
is the same analysis a robot runs on an uploaded protocol (robot-server's ``CompletedAnalysis``).
A subprocess keeps the Opentrons engine's global state and slow import out of our process and
bounds the time a protocol may take.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from labwright.hardware.errors import BackendError
from pydantic import BaseModel, Field


class OpentronsAnalysis(BaseModel):
    ok: bool
    result: str = Field(description="the analyzer's verdict: ok, not-ok, parameter-value-required")
    robot_type: str | None = None
    commands: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    seconds: float = 0.0

    def error_messages(self) -> list[str]:
        return [describe_error(e) for e in self.errors]


def describe_error(error: dict[str, Any]) -> str:
    """One line for an Opentrons ErrorOccurrence: type, code and detail, plus wrapped causes."""
    parts = [str(error.get("errorType") or "error")]
    if error.get("errorCode"):
        parts[0] += f" [{error['errorCode']}]"
    detail = str(error.get("detail") or "").strip()
    text = f"{parts[0]}: {detail}" if detail else parts[0]
    wrapped = [describe_error(w) for w in error.get("wrappedErrors") or [] if isinstance(w, dict)]
    if wrapped:
        text += " (caused by " + "; ".join(wrapped) + ")"
    return text


class AnalysisCancelled(BackendError):
    """The analysis was cancelled (the run was stopped)."""


def analyze_opentrons_python(
    text: str,
    *,
    filename: str = "protocol.py",
    timeout_s: float = 600.0,
    cancel: threading.Event | None = None,
) -> OpentronsAnalysis:
    """Analyze an Opentrons Python protocol with the pinned Opentrons simulator.

    Setting ``cancel`` kills the simulator and raises ``AnalysisCancelled``.
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="labwright-ot-") as tmp:
        src = Path(tmp) / filename
        out = Path(tmp) / "analysis.json"
        src.write_text(text, encoding="utf-8")
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        cmd = [sys.executable, "-m", "opentrons.cli", "analyze", "--json-output", str(out), str(src)]
        log_path = Path(tmp) / "analyzer.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp)
            try:
                while proc.poll() is None:
                    if cancel is not None and cancel.is_set():
                        raise AnalysisCancelled("the simulation was cancelled")
                    if time.perf_counter() - start > timeout_s:
                        raise BackendError(
                            f"the Opentrons simulator did not finish within {timeout_s:.0f} s",
                            hint="a protocol with very many commands needs a longer --timeout",
                        )
                    time.sleep(0.05)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        seconds = time.perf_counter() - start
        if not out.exists():
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            return OpentronsAnalysis(
                ok=False,
                result="not-ok",
                seconds=seconds,
                errors=[
                    {"errorType": "AnalyzerFailed", "detail": " | ".join(tail) or f"exit {proc.returncode}"}
                ],
            )
        doc = json.loads(out.read_text(encoding="utf-8"))
    errors = list(doc.get("errors") or [])
    result = str(doc.get("result") or ("not-ok" if errors else "ok"))
    return OpentronsAnalysis(
        ok=result == "ok" and not errors,
        result=result,
        robot_type=doc.get("robotType"),
        commands=list(doc.get("commands") or []),
        errors=errors,
        metadata=dict(doc.get("metadata") or {}),
        seconds=seconds,
    )
