"""The verifier pauses Python's cyclic garbage collector while it works and gives it back as it
found it (issue 13, must-have 5: at 100,000 steps the collector's walks over millions of
long-lived objects were an eighth of the time)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from labwright.protocols import read_document
from labwright.verifiers import verifier
from labwright.verifiers.verifier import VerifyOptions, verify_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"


@pytest.mark.parametrize("enabled_before", [True, False])
def test_collector_is_paused_during_verification_and_restored(
    monkeypatch: pytest.MonkeyPatch, enabled_before: bool
) -> None:
    seen: list[bool] = []

    def spy(resolved: object, context: object) -> list:
        seen.append(gc.isenabled())
        return []

    monkeypatch.setattr(verifier, "FORMAL_PASSES", (*verifier.FORMAL_PASSES, ("spy", spy)))
    doc = read_document(EXAMPLE)
    was = gc.isenabled()
    try:
        gc.enable() if enabled_before else gc.disable()
        report = verify_document(doc, VerifyOptions(), source=str(EXAMPLE))
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable() if was else gc.disable()
    assert report.protocol_sha256 and seen == [False]


def test_an_error_inside_verification_restores_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(resolved: object, context: object) -> list:
        raise RuntimeError("a pass that fails")

    monkeypatch.setattr(verifier, "FORMAL_PASSES", (("broken", broken),))
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="a pass that fails"):
        verify_document(read_document(EXAMPLE), VerifyOptions())
    assert gc.isenabled()
