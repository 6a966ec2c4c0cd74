"""What a protocol leaves on the deck, for the agent to show before it asks for approval.

The one adapter between the chat and ``labwright simulate``'s end state
(``labwright.simulators.deck.end_state``, built on another branch). Until that lands,
:func:`end_state` computes the same shape here from the deck twin's own replay (the replay the
verifier runs), and :func:`deck_svg` says that the SVG deck map is not available yet.

Shape (the one ``labwright simulate --json`` prints): ``labware`` id -> ``load_name``, ``slot``,
``wells`` (well -> ``volume_ul`` ``[low, high]`` and ``composition_ul`` liquid id -> uL; wells
never filled are left out), ``liquids`` id -> ``name``, ``steps``, ``duration_s``.
"""

from __future__ import annotations

from typing import Any

from labwright.protocols.models import Protocol

EPS = 1e-9


def end_state(protocol: Protocol) -> dict[str, Any]:
    """The deck after the protocol ran: every labware's filled wells, the liquids, the duration."""
    # interim until simulators.deck.end_state is merged; then:
    #   return simulators.deck.end_state.end_state(protocol).model_dump(mode="json")
    from labwright.simulators.deck.replay import replay
    from labwright.simulators.deck.resolve import resolve

    done = replay(resolve(protocol))
    twin = done.twin
    labware: dict[str, Any] = {}
    for lw in protocol.labware:
        labware[lw.id] = {"load_name": lw.load_name, "slot": lw.slot or lw.module, "wells": {}}
    for ref, well in twin.wells.items():
        if well.high <= EPS or ref.labware not in labware:
            continue
        labware[ref.labware]["wells"][ref.well] = {
            "volume_ul": [round(well.low, 6), round(well.high, 6)],
            "composition_ul": {k: round(v, 6) for k, v in sorted(well.amounts.items()) if v > EPS},
        }
    return {
        "labware": labware,
        "liquids": {liq.id: {"name": liq.name} for liq in protocol.liquids},
        "steps": len(protocol.steps),
        "duration_s": twin.elapsed_s,
    }


def deck_svg(protocol: Protocol) -> str | None:
    """The deck map as SVG, or None when this labwright cannot draw it yet."""
    # interim until simulators.deck.end_state is merged (it draws the map)
    return None
