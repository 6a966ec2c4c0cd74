"""The safety and policy passes cannot be skipped (issue 12, must-have 5).

A certificate always names both passes; when the safety checker cannot be loaded, validation
exits 2 with a clear message and certifies nothing; a report made without them carries no
certificate.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from labwright.protocols.io import read_document
from labwright.verifiers.certificate import REQUIRED_PASSES
from labwright.verifiers.verifier import VerifyOptions, verify_document

ROOT = Path(__file__).resolve().parents[2]
SERIAL = ROOT / "examples" / "protocols" / "serial_dilution.yaml"


def _validate_with_blocked_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `labwright validate` in a fresh interpreter in which importing ``module`` fails, as it
    would with a broken installation (``sys.modules[name] = None`` makes the import raise)."""
    code = (
        "import sys; "
        f"sys.modules[{module!r}] = None; "
        "from labwright.cli import main; "
        f"sys.argv = ['labwright', 'validate', *{list(args)!r}]; "
        "main()"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_certificate_names_safety_and_policy() -> None:
    report = verify_document(read_document(SERIAL), VerifyOptions())
    assert report.certificate is not None
    assert set(REQUIRED_PASSES) <= set(report.certificate.passes)
    assert {"safety", "policy"} <= set(report.passes)


def test_without_the_safety_pass_nothing_is_certified() -> None:
    report = verify_document(read_document(SERIAL), VerifyOptions(safety=False, certify=True))
    assert report.ok, "the formal passes find nothing wrong with the example"
    assert report.certificate is None
    assert "safety" not in report.passes


def test_unloadable_safety_checker_exits_2_and_certifies_nothing() -> None:
    result = _validate_with_blocked_module("labwright.verifiers.safety.safety_pass", str(SERIAL), "--json")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    out = json.loads(result.stdout.splitlines()[0])
    assert out["ok"] is False and out["certificate"] is None
    assert "safety checker could not be loaded" in out["error"]
    human = _validate_with_blocked_module("labwright.verifiers.safety.policy", str(SERIAL))
    assert human.returncode == 2
    assert "safety checker could not be loaded" in human.stderr and "Traceback" not in human.stderr
