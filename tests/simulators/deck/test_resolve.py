"""A protocol is resolved against its deck once: every location string is parsed once per
verification, and every pass, the twin backend, the step map and the export read the typed
references of that one resolved form."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from labwright.protocols import locations
from labwright.protocols.io import load_protocol
from labwright.protocols.locations import TRASH, WellRef
from labwright.protocols.models import Protocol
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.replay import expand_resolved
from labwright.simulators.deck.resolve import ResolvedProtocol, resolve
from labwright.verifiers.verifier import FORMAL_PASSES, VerifyOptions, verify

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "protocols").glob("*.yaml"))


def _location_strings(protocol: Protocol) -> list[str]:
    out: list[str] = []
    for step in protocol.steps:
        for name in ("location", "source", "dest"):
            value = getattr(step, name, None)
            for text in value if isinstance(value, list) else [value]:
                if text is not None and text != TRASH:
                    out.append(text)
    return out


def _count_calls(code: Any, fn: Any) -> int:
    calls = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call" and frame.f_code is code:
            calls += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_location_is_parsed_once_per_verification(path: Path) -> None:
    protocol = load_protocol(path)
    expected = len(_location_strings(protocol))
    assert expected > 0
    calls = _count_calls(locations.parse_location.__code__, lambda: verify(protocol, VerifyOptions()))
    assert calls == expected


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_resolved_steps_hold_typed_references(path: Path) -> None:
    protocol = load_protocol(path)
    resolved = resolve(protocol)
    assert isinstance(resolved, ResolvedProtocol) and not resolved.findings
    assert [s.index for s in resolved.steps] == list(range(len(protocol.steps)))
    typed = [r for s in resolved.steps for r in (s.location, *s.sources, *s.dests) if r is not None]
    assert all(isinstance(r, WellRef) for r in typed)
    assert sorted(map(str, typed)) == sorted(_location_strings(protocol))
    # the actions the twin replays carry the same typed references
    actions, _ = expand_resolved(resolved)
    wells = {x.well for x in actions if isinstance(x, a.Aspirate | a.Dispense)}
    assert wells <= set(typed)


def test_every_pass_after_the_schema_reads_the_resolved_form() -> None:
    for _, run in FORMAL_PASSES:
        assert list(inspect.signature(run).parameters) == ["resolved", "context"]


def test_unresolved_steps_are_marked_with_their_findings() -> None:
    protocol = load_protocol(ROOT / "examples" / "protocols" / "serial_dilution.yaml")
    doc = protocol.model_dump(mode="json")
    doc["steps"][1]["source"] = "nowhere:A1"
    resolved = resolve(Protocol.model_validate(doc))
    assert resolved.bad_steps == {1}
    assert [f.code for f in resolved.findings] == ["UNKNOWN_LABWARE"]
    assert resolved.findings[0].pointer == "/steps/1/source"
    assert resolved.steps[1].sources == (WellRef("nowhere", "A1"),)
