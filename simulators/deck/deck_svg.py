"""The deck map as plain SVG text: labware in their slots, each well coloured by what it holds.

Geometry comes from the Opentrons definitions the deck was resolved against: slot positions
from the deck definition's cutouts (plus the staging-area offset of the Flex's column 4), well
positions, shapes and sizes from each labware's definition. Colours: a liquid's declared
``color``, else one of a fixed palette by the liquid's place in the protocol; a well holding
several liquids takes their volume-weighted mean; contents the operator fills by hand (no
liquid declared) are grey. A tip rack shows fresh tips light and used tips dark.

No drawing library: the map is a few hundred ``<rect>``/``<circle>`` elements, each well with a
``<title>`` (hover text: well, volume, contents) and ``data-well`` / ``data-fill`` attributes
for tools and tests.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from labwright.simulators.deck.definitions import deck_definition
from labwright.simulators.deck.end_state import EndState, WellEnd
from labwright.simulators.deck.layout import Deck, PlacedLabware

# Okabe-Ito colour-blind-safe palette, then a few more
PALETTE = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
    "#9467BD",
)
UNKNOWN_FILL = "#9E9E9E"
EMPTY_FILL = "#FFFFFF"
UNTOUCHED_FILL = "#F3F3F3"
TIP_FRESH = "#FFF3D6"
TIP_USED = "#6D6D6D"
SLOT_W, SLOT_H = 128.0, 86.0
MARGIN = 12.0


def slot_origins(robot: str) -> dict[str, tuple[float, float]]:
    """Deck coordinates (mm, y up) of the front-left corner of every slot."""
    deck = deck_definition(robot)
    cutouts = {c["id"].removeprefix("cutout"): c["position"] for c in deck["locations"]["cutouts"]}
    out = {slot: (float(pos[0]), float(pos[1])) for slot, pos in cutouts.items()}
    if robot == "flex":  # staging slots sit 164 mm right of column 3 (deck definition offsets)
        for row in "ABCD":
            x, y = out[f"{row}3"]
            out[f"{row}4"] = (x + 164.0, y)
    return out


def liquid_colours(state: EndState) -> dict[str, str]:
    """Liquid id -> colour: its own, else the palette in declaration order."""
    return {lid: liq.color or PALETTE[i % len(PALETTE)] for i, (lid, liq) in enumerate(state.liquids.items())}


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def well_fill(well: WellEnd | None, colours: dict[str, str]) -> str:
    """The colour of one well: the volume-weighted mean of its contents' colours."""
    if well is None:
        return UNTOUCHED_FILL
    parts = [(colours.get(k, UNKNOWN_FILL), v) for k, v in well.composition_ul.items() if v > 0]
    if any(k.startswith("?") for k in well.composition_ul) and well.volume_ul[1] > 0:
        return UNKNOWN_FILL
    if not parts:
        return UNKNOWN_FILL if well.volume_ul[1] > 0 else EMPTY_FILL
    total = sum(v for _, v in parts)
    rgb = [sum(_hex(c)[i] * v for c, v in parts) / total for i in range(3)]
    return "#" + "".join(f"{round(x):02X}" for x in rgb)


def _describe(name: str, well: WellEnd | None, state: EndState) -> str:
    if well is None:
        return f"{name}: untouched"
    low, high = well.volume_ul
    vol = f"{low:g} uL" if abs(high - low) < 1e-6 else f"{low:g}-{high:g} uL"
    contents = ", ".join(
        f"{state.liquids[k].name} {v:g} uL" if k in state.liquids else "hand-filled, amount unknown"
        for k, v in well.composition_ul.items()
    )
    return f"{name}: {vol}" + (f" ({contents})" if contents else "")


def _labware_svg(
    lw: PlacedLabware, state: EndState, colours: dict[str, str], ox: float, oy: float
) -> list[str]:
    """One labware: its outline, its name and one shape per well (``ox, oy``: SVG top-left)."""
    info = lw.info
    end = state.labware.get(lw.id)
    out = [
        f'<g class="labware" data-labware={quoteattr(lw.id)}>',
        f'<rect x="{ox:.2f}" y="{oy:.2f}" width="{SLOT_W:.2f}" height="{SLOT_H:.2f}" rx="3" '
        'fill="#FAFAFA" stroke="#555" stroke-width="0.6"/>',
    ]
    # labware definitions put wells in mm from the labware's front-left corner, y up
    for name in info.well_names:
        geo = info.wells[name]
        cx, cy = ox + geo.x, oy + SLOT_H - geo.y
        if info.is_tiprack:
            fresh = _tip_fresh(state, lw.id, name)
            fill, title = (TIP_FRESH, f"{name}: fresh tip") if fresh else (TIP_USED, f"{name}: tip used")
        else:
            well = end.wells.get(name) if end else None
            fill, title = well_fill(well, colours), _describe(name, well, state)
        attrs = (
            f'data-well={quoteattr(f"{lw.id}:{name}")} data-fill="{fill}" fill="{fill}" '
            'stroke="#444" stroke-width="0.3"'
        )
        if geo.shape == "circular" and geo.diameter:
            shape = f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="{geo.diameter / 2:.2f}" {attrs}>'
            out.append(f"{shape}<title>{escape(title)}</title></circle>")
        else:
            w, h = geo.x_dim or 4.0, geo.y_dim or 4.0
            x, y = cx - w / 2, cy - h / 2
            shape = f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" {attrs}>'
            out.append(f"{shape}<title>{escape(title)}</title></rect>")
    # the name inside the labware's top edge, over the wells, with a white halo to stay legible
    out.append(
        f'<text x="{ox + 2:.2f}" y="{oy + 4.5:.2f}" font-size="4.2" font-family="sans-serif" '
        f'stroke="#FFFFFF" stroke-width="1.2" paint-order="stroke">'
        f"{escape(lw.id)} · {escape(info.load_name)}</text>"
    )
    out.append("</g>")
    return out


def _tip_fresh(state: EndState, rack: str, well: str) -> bool:
    end = state.labware.get(rack)
    return end is None or well not in end.tips_used


def deck_svg(deck: Deck, state: EndState) -> str:
    """The whole deck: every slot, modules as a frame, labware with coloured wells, a legend."""
    origins = slot_origins(deck.robot)
    xs = [x for x, _ in origins.values()]
    ys = [y for _, y in origins.values()]
    width = max(xs) + SLOT_W + 2 * MARGIN
    deck_h = max(ys) + SLOT_H
    colours = liquid_colours(state)
    legend_h = 10.0 * (len(state.liquids) + 1)
    height = deck_h + 2 * MARGIN + legend_h

    def top_left(slot: str) -> tuple[float, float]:
        x, y = origins[slot]
        return MARGIN + x, MARGIN + deck_h - y - SLOT_H

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.1f} {height:.1f}" '
        f'width="{width * 2:.0f}" height="{height * 2:.0f}">',
        f'<rect x="0" y="0" width="{width:.1f}" height="{height:.1f}" fill="#FFFFFF"/>',
    ]
    for slot in origins:
        sx, sy = top_left(slot)
        label = "trash" if slot == deck.trash_slot else slot
        out.append(
            f'<g class="slot" data-slot={quoteattr(slot)}><rect x="{sx:.2f}" y="{sy:.2f}" width="{SLOT_W}" '
            f'height="{SLOT_H}" fill="#ECEFF1" stroke="#B0BEC5" stroke-width="0.5"/>'
            f'<text x="{sx + 2:.2f}" y="{sy + SLOT_H - 2:.2f}" font-size="7" fill="#90A4AE" '
            f'font-family="sans-serif">{escape(label)}</text></g>'
        )
    for mod in deck.modules.values():
        if mod.slot in origins:
            sx, sy = top_left(mod.slot)
            out.append(
                f'<rect class="module" x="{sx - 2:.2f}" y="{sy - 2:.2f}" width="{SLOT_W + 4}" '
                f'height="{SLOT_H + 4}" fill="none" stroke="#3F51B5" stroke-width="1.2" '
                'stroke-dasharray="3,2">'
                f"<title>{escape(mod.id)}: {escape(mod.info.display_name)}</title></rect>"
            )
    for lw in deck.labware.values():
        if lw.slot in origins:
            out += _labware_svg(lw, state, colours, *top_left(lw.slot))
    y = MARGIN + deck_h + 12
    for lid, liq in state.liquids.items():
        out.append(
            f'<rect x="{MARGIN}" y="{y - 6:.1f}" width="7" height="7" fill="{colours[lid]}" stroke="#444" '
            f'stroke-width="0.3"/><text x="{MARGIN + 10}" y="{y:.1f}" font-size="6" '
            f'font-family="sans-serif">{escape(lid)}: {escape(liq.name)}</text>'
        )
        y += 10
    out.append("</svg>")
    return "\n".join(out) + "\n"
