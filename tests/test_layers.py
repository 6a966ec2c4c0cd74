"""The import layers go one way (DESIGN.md): checked with import-linter's layers contract.

The distribution maps top-level folders to ``labwright.<folder>``; import-linter (grimp) finds
sub-packages by walking the package's folder, so the test lays the folders out as one package
tree of symlinks and runs ``lint-imports`` on it with the contract from pyproject.toml. A second
run adds a module that breaks the contract, to show the check can fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = ["protocols", "simulators", "verifiers", "hardware", "agents"]


def _tree(tmp: Path, extra: dict[str, str] | None = None) -> Path:
    pkg = tmp / "labwright"
    pkg.mkdir(parents=True)
    for item in (ROOT / "labwright").iterdir():
        if item.name != "__pycache__":
            (pkg / item.name).symlink_to(item)
    for layer in LAYERS:
        if extra and layer in extra:
            (pkg / layer).mkdir()
            for item in (ROOT / layer).iterdir():
                if item.name != "__pycache__":
                    (pkg / layer / item.name).symlink_to(item)
            (pkg / layer / "_violation.py").write_text(extra[layer])
        else:
            (pkg / layer).symlink_to(ROOT / layer)
    return tmp


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_layers_contract_kept(tmp_path: Path) -> None:
    result = _lint(_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


def test_layers_contract_catches_an_upward_import(tmp_path: Path) -> None:
    result = _lint(_tree(tmp_path, {"protocols": "import labwright.verifiers.verifier\n"}))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "labwright.protocols._violation" in result.stdout
