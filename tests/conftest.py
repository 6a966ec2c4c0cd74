"""Shared test fixtures: every test gets its own labwright home (certificate key, stores)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "protocols"


@pytest.fixture(autouse=True)
def labwright_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("labwright-home")
    monkeypatch.setenv("LABWRIGHT_HOME", str(home))
    return home
