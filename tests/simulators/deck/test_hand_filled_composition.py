"""Hand-filled wells (no liquids declared) hold unknown liquids of 0.0 known uL: the twin still
follows which liquids meet where. Aspirates and dispenses that move nothing known and bring
nothing new skip their per-liquid loops (issue 13, must-have 5: at 100,000 steps those loops
were a fifth of the time); the ones that bring a liquid somewhere new must not."""

from __future__ import annotations

import sys
from pathlib import Path

from labwright.protocols.locations import WellRef

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_deck_twin import P300, PLATE, TIPS300, run  # noqa: E402


def _moves(source: str, dest: str, volume: str) -> list[dict]:
    return [
        {"op": "aspirate", "pipette": "p", "volume": volume, "location": source},
        {"op": "dispense", "pipette": "p", "volume": volume, "location": dest},
    ]


def test_liquids_meet_where_the_tip_takes_them_and_repeats_add_nothing() -> None:
    steps = [{"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"}]
    steps += _moves("plate:A1", "plate:A2", "50 uL")  # steps 1-2: A1's liquid reaches A2
    steps += _moves("plate:A1", "plate:A2", "50 uL")  # steps 3-4: nothing new anywhere
    steps += _moves("plate:A2", "plate:A3", "20 uL")  # steps 5-6: the tip meets A2, A3 meets both
    steps += [{"op": "drop_tip", "pipette": "p"}]
    report = run([TIPS300, PLATE], [P300], steps)
    wells = report.twin.wells
    assert wells[WellRef("plate", "A2")].amounts == {"?plate:A2": 0.0, "?plate:A1": 0.0}
    assert list(wells[WellRef("plate", "A3")].amounts) == ["?plate:A3", "?plate:A1", "?plate:A2"]
    assert [(m.step, m.vessel, m.new) for m in report.twin.mixes] == [
        (2, "plate:A2", ("?plate:A1",)),
        (5, "tip:tips:A1", ("?plate:A2",)),
        (6, "plate:A3", ("?plate:A1", "?plate:A2")),
    ]
    assert [f.code for f in report.findings] == ["VOLUME_HAND_FILLED_ASSUMED"]
