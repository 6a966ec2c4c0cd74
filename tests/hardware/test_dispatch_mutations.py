"""Property: any change to a certified protocol is refused by the dispatcher, every time.

Hypothesis mutates the certified protocol's document (volumes, wells, steps added / removed /
reordered, metadata, labware, pipettes, liquids), parses it back into a ``Protocol`` (the model
the dispatcher receives) and offers it with the original certificate. Every mutation that
changes the protocol at all must be refused; nothing may reach the backend or the ledger.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from dispatch_support import FAST_POLICY, certify
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger
from labwright.hardware.twin_backend import TwinBackend
from labwright.protocols import parse_protocol
from labwright.protocols.errors import DispatchRefusedError
from labwright.protocols.io import canonical_json

ROWS = "ABCDEFGH"
WELLS = [f"{r}{c}" for r in ROWS for c in range(1, 13)]


def _locations(step: dict[str, Any]) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for key in ("source", "dest", "location"):
        value = step.get(key)
        if isinstance(value, str) and ":" in value:
            out.append((key, None))
        elif isinstance(value, list):
            out += [(key, i) for i, v in enumerate(value) if isinstance(v, str) and ":" in v]
    return out


@st.composite
def mutations(draw: st.DrawFn, base: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    doc = copy.deepcopy(base)
    steps = doc["steps"]
    kind = draw(
        st.sampled_from(
            [
                "volume",
                "well",
                "add_step",
                "remove_step",
                "swap_steps",
                "metadata",
                "liquid_volume",
                "labware_slot",
                "mount",
                "mix",
                "new_tip",
                "offset",
                "measure_wells",
                "liquid_name",
            ]
        )
    )
    if kind == "volume":
        step = draw(st.sampled_from([s for s in steps if "volume_ul" in s]))
        step["volume_ul"] = draw(
            st.floats(min_value=1, max_value=300, allow_nan=False).filter(lambda v: v != step["volume_ul"])
        )
    elif kind == "well":
        i = draw(st.sampled_from([i for i, s in enumerate(steps) if _locations(s)]))
        key, j = draw(st.sampled_from(_locations(steps[i])))
        old = steps[i][key] if j is None else steps[i][key][j]
        lw = old.split(":")[0]
        new = f"{lw}:{draw(st.sampled_from(WELLS))}"
        if j is None:
            steps[i][key] = new
        else:
            steps[i][key][j] = new
    elif kind == "add_step":
        new_step = draw(
            st.one_of(
                st.builds(lambda t: {"op": "comment", "text": t}, st.text(min_size=1, max_size=20)),
                st.builds(lambda s: {"op": "delay", "seconds": s}, st.floats(min_value=0.1, max_value=600)),
                st.builds(lambda m: {"op": "pause", "message": m}, st.text(max_size=20)),
            )
        )
        steps.insert(draw(st.integers(0, len(steps))), new_step)
    elif kind == "remove_step":
        steps.pop(draw(st.integers(0, len(steps) - 1)))
    elif kind == "swap_steps":
        i, j = draw(st.lists(st.integers(0, len(steps) - 1), min_size=2, max_size=2, unique=True))
        steps[i], steps[j] = steps[j], steps[i]
    elif kind == "metadata":
        field = draw(st.sampled_from(["name", "description", "author"]))
        doc["metadata"][field] = draw(st.text(min_size=1, max_size=40))
    elif kind == "liquid_volume":
        liquid = draw(st.sampled_from(doc["liquids"]))
        loc = draw(st.sampled_from(sorted(liquid["initial_volumes_ul"])))
        liquid["initial_volumes_ul"][loc] = draw(st.floats(min_value=1, max_value=300))
    elif kind == "labware_slot":
        lw = draw(st.sampled_from(doc["labware"]))
        lw["slot"] = draw(st.sampled_from([str(i) for i in range(1, 12)]))
    elif kind == "mount":
        pip = doc["pipettes"][0]
        pip["mount"] = "left" if pip["mount"] == "right" else "right"
    elif kind == "mix":
        step = next(s for s in steps if s.get("op") == "transfer")
        step["mix_after"] = {
            "repetitions": draw(st.integers(1, 10)),
            "volume_ul": draw(st.floats(min_value=1, max_value=300)),
        }
    elif kind == "new_tip":
        step = draw(st.sampled_from([s for s in steps if "new_tip" in s]))
        step["new_tip"] = draw(st.sampled_from(["once", "always", "never"]))
    elif kind == "offset":
        step = draw(st.sampled_from([s for s in steps if "aspirate_offset_mm" in s]))
        field = draw(st.sampled_from(["aspirate_offset_mm", "dispense_offset_mm"]))
        step[field] = draw(st.floats(min_value=0, max_value=20))
    elif kind == "measure_wells":
        step = next(s for s in steps if s.get("op") == "measure")
        step["wells"] = draw(st.lists(st.sampled_from(WELLS), min_size=1, max_size=12, unique=True))
    elif kind == "liquid_name":
        liquid = draw(st.sampled_from(doc["liquids"]))
        liquid["name"] = draw(st.text(min_size=1, max_size=30))
    return kind, doc


@pytest.fixture
def certified() -> tuple[Any, Any, dict[str, Any]]:
    protocol, cert = certify()
    return protocol, cert, json.loads(canonical_json(protocol))


def test_any_change_to_a_certified_protocol_is_refused(certified, tmp_path_factory) -> None:  # noqa: ANN001
    protocol, cert, base = certified
    backend = TwinBackend()
    ledger = Ledger(Path(tmp_path_factory.mktemp("mut")) / "ledger.sqlite")
    dispatcher = Dispatcher(backend, ledger, FAST_POLICY)
    original = canonical_json(protocol)
    seen: dict[str, int] = {}

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutations(base))
    def check(mutation: tuple[str, dict[str, Any]]) -> None:
        kind, doc = mutation
        try:
            mutated = parse_protocol(doc)
        except ValueError:
            assume(False)  # not a protocol any more: it cannot even be offered
        assume(canonical_json(mutated) != original)
        seen[kind] = seen.get(kind, 0) + 1
        with pytest.raises(DispatchRefusedError, match="changed after it was certified"):
            dispatcher.dispatch(mutated, cert, idempotency_key=f"mut-{sum(seen.values())}")

    check()
    assert backend._runs == {} and ledger.list() == [], "no mutated protocol reached the backend or ledger"
    assert len(seen) >= 10, f"mutation kinds exercised: {seen}"
    print("mutations refused:", sum(seen.values()), seen)
    # the unchanged protocol still goes through
    assert dispatcher.dispatch(protocol, cert, idempotency_key="original").state.value == "succeeded"
