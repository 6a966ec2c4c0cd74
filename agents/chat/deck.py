"""What a protocol leaves on the deck, for the agent to show before it asks for approval.

The one adapter between the chat and ``labwright simulate``'s end state: both come from
``labwright.simulators.deck.end_state`` (the deck twin's own replay, the one the verifier runs)
and the SVG deck map from ``labwright.simulators.deck.deck_svg``.

Shape (the one ``labwright simulate --json`` prints): ``labware`` id -> ``load_name``, ``slot``,
``wells`` (well -> ``volume_ul`` ``[low, high]`` and ``composition_ul`` liquid id -> uL; wells
never filled are left out), ``liquids`` id -> ``name``, ``steps``, ``duration_s``.
"""

from __future__ import annotations

from typing import Any

from labwright.protocols.models import Protocol


def end_state(protocol: Protocol) -> dict[str, Any]:
    """The deck after the protocol ran: every labware's filled wells, the liquids, the duration."""
    from labwright.simulators.deck.end_state import end_state as deck_end_state
    from labwright.simulators.deck.resolve import resolve

    return deck_end_state(resolve(protocol)).model_dump(mode="json")


def deck_svg(protocol: Protocol) -> str | None:
    """The deck map as SVG (labware in their slots, wells coloured by content)."""
    from labwright.simulators.deck.deck_svg import deck_svg as draw
    from labwright.simulators.deck.end_state import end_state as deck_end_state
    from labwright.simulators.deck.resolve import resolve

    resolved = resolve(protocol)
    return draw(resolved.deck, deck_end_state(resolved))
