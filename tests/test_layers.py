"""The import rules of DESIGN.md, checked with the import-linter contracts in pyproject.toml.

- ``layers``: protocols <- simulators <- verifiers <- hardware <- agents <- the shell;
- ``simulators``: inside the simulators, compute <- chemistry <- opentrons_interop <- deck;
- ``acyclic``: the sub-packages and modules of every package import each other without cycles;
- ``no-compute``: protocols, the deck twin, Opentrons interop, the chemistry twins, the verifier
  and the hardware never import the computational chemistry, torch, ASE, MACE, e3nn, tblite or
  Dask, not even through another module.

The distribution maps top-level folders to ``labwright.<folder>``; import-linter (grimp) finds
sub-packages by walking the package's folder, so the test lays the folders out as one package
tree of symlinks and runs ``lint-imports`` on it. Every contract is shown to be kept, and to be
broken by a module that violates it (the folders on that module's path are then real folders of
symlinks, so the module is added to the tree and not to the source).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = ["protocols", "simulators", "verifiers", "hardware", "agents"]
CONTRACTS = {"layers", "simulators", "acyclic", "no-compute"}


def _link_children(source: Path, target: Path) -> None:
    target.mkdir()
    for item in source.iterdir():
        if item.name != "__pycache__":
            (target / item.name).symlink_to(item)


def _tree(tmp: Path, extra: dict[str, str] | None = None) -> Path:
    """A package tree ``tmp/labwright`` of symlinks; ``extra`` maps 'folder/.../name.py' to source."""
    pkg = tmp / "labwright"
    _link_children(ROOT / "labwright", pkg)
    for layer in LAYERS:
        (pkg / layer).symlink_to(ROOT / layer)
    for rel, text in (extra or {}).items():
        parts = Path(rel).parts
        assert parts[0] in LAYERS, rel
        here, source = pkg, ROOT
        for part in parts[:-1]:  # each linked folder on the way becomes a folder of links
            here, source = here / part, source / part
            if here.is_symlink():
                here.unlink()
                _link_children(source, here)
        (here / parts[-1]).write_text(text)
    return tmp


def _lint(tree: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    exe = Path(sys.executable).with_name("lint-imports")
    only = [arg for c in contracts for arg in ("--contract", c)]
    return subprocess.run(
        [str(exe), "--no-cache", *only, str(ROOT / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_contracts_are_the_ones_documented() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config["include_external_packages"] is True
    assert {c["id"] for c in config["contracts"]} == CONTRACTS


def test_every_contract_is_kept(tmp_path: Path) -> None:
    result = _lint(_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


# (contract, {module file in the tree: its source}, the module named in the report)
VIOLATIONS = [
    pytest.param(
        "layers",
        {"protocols/_violation.py": "import labwright.verifiers.verifier\n"},
        "labwright.protocols._violation",
        id="layers: the protocol language imports the verifier",
    ),
    pytest.param(
        "simulators",
        {"simulators/deck/_violation.py": "import labwright.simulators.opentrons_interop.export\n"},
        "labwright.simulators.deck._violation",
        id="simulators: the deck twin imports Opentrons interop",
    ),
    pytest.param(
        "simulators",
        {"simulators/chemistry/_violation.py": "import labwright.simulators.compute.cluster\n"},
        "labwright.simulators.chemistry._violation",
        id="simulators: a chemistry twin imports the computational chemistry",
    ),
    pytest.param(
        "acyclic",
        # passes.safety imports safety.policy; safety importing passes closes a cycle
        {"verifiers/safety/_violation.py": "from labwright.verifiers.passes import safety\n"},
        "No cycles are allowed in labwright.verifiers.",
        id="acyclic: the safety package imports the passes that import it",
    ),
    pytest.param(
        "acyclic",
        {
            "verifiers/safety/_violation_a.py": "from labwright.verifiers.safety import _violation_b\n",
            "verifiers/safety/_violation_b.py": "from labwright.verifiers.safety import _violation_a\n",
        },
        "_violation_",
        id="acyclic: two modules of one package import each other",
    ),
    pytest.param(
        "no-compute",
        {"verifiers/_violation.py": "def f():\n    import torch\n"},
        "labwright.verifiers._violation",
        id="no-compute: the verifier imports torch, even inside a function",
    ),
    pytest.param(
        "no-compute",
        {"hardware/_violation.py": "import labwright.simulators.compute.mlip.tool\n"},
        "labwright.hardware._violation",
        id="no-compute: the hardware imports an MLIP tool",
    ),
    pytest.param(
        "no-compute",
        {"simulators/deck/_violation.py": "import dask.array\n"},
        "labwright.simulators.deck._violation",
        id="no-compute: the deck twin imports Dask",
    ),
]


@pytest.mark.parametrize(("contract", "modules", "named"), VIOLATIONS)
def test_every_contract_can_fail(tmp_path: Path, contract: str, modules: dict[str, str], named: str) -> None:
    result = _lint(_tree(tmp_path, modules), contract)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and "Contracts: 0 kept, 1 broken." in result.stdout
    assert named in result.stdout
    for rel in modules:  # the source tree itself is untouched
        assert not (ROOT / rel).exists()
