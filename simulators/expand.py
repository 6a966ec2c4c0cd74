"""Expand protocol steps into primitive actions the way the Opentrons API does.

``transfer``, ``distribute`` and ``consolidate`` follow the Opentrons Python API's complex
liquid-handling semantics: source/destination pairing, splitting volumes larger than the
pipette can hold (chunks of the maximum until at most twice the maximum is left, then two equal
halves), ``new_tip`` = once / always / never, mix before/after, touch tip, blow out, air gaps,
and the distribute disposal volume (default: the pipette's minimum volume, blown out to trash).
"""

from __future__ import annotations

from collections.abc import Iterator

from labwright.protocols import models as m
from labwright.protocols.locations import TRASH, WellRef, parse_location
from labwright.simulators import actions as a
from labwright.simulators.deck_layout import Deck


class ExpansionError(ValueError):
    """A step cannot be expanded (e.g. source and destination lists of unequal length)."""

    def __init__(self, code: str, category: str, message: str, hint: str, pointer: str) -> None:
        super().__init__(message)
        self.code, self.category, self.hint, self.pointer = code, category, hint, pointer


def tip_limited_max(deck: Deck, pipette: str) -> float:
    info = deck.pipettes[pipette]
    tips = [deck.labware[r].info.tip_volume_ul or info.max_volume_ul for r in deck.tipracks.get(pipette, [])]
    return min([info.max_volume_ul, *tips]) if tips else info.max_volume_ul


def split_volume(volume: float, max_volume: float) -> list[float]:
    """Opentrons: chunks of ``max_volume`` until <= 2x max is left, then two equal halves."""
    if max_volume <= 0:
        return [volume]
    out: list[float] = []
    while volume > max_volume * 2:
        out.append(max_volume)
        volume -= max_volume
    if volume > max_volume:
        out += [volume / 2, volume / 2]
    else:
        out.append(volume)
    return out


def _as_list(value: object) -> list:
    return list(value) if isinstance(value, list) else [value]


def pair_transfer(step: m.Transfer, pointer: str) -> list[tuple[float, str, str]]:
    sources, dests = _as_list(step.source), _as_list(step.dest)
    if len(sources) == 1 and len(dests) > 1:
        sources = sources * len(dests)
    elif len(dests) == 1 and len(sources) > 1:
        dests = dests * len(sources)
    elif len(sources) != len(dests):
        raise ExpansionError(
            "TRANSFER_LENGTH_MISMATCH",
            "schema",
            f"{len(sources)} sources and {len(dests)} destinations cannot be paired",
            "give one source, one destination, or equally many of each",
            f"{pointer}/dest",
        )
    volumes = _as_list(step.volume_ul)
    if len(volumes) == 1:
        volumes = volumes * len(sources)
    elif len(volumes) != len(sources):
        raise ExpansionError(
            "TRANSFER_LENGTH_MISMATCH",
            "schema",
            f"{len(volumes)} volumes for {len(sources)} transfers",
            "give one volume, or one per source/destination pair",
            f"{pointer}/volume_ul",
        )
    return list(zip(volumes, sources, dests, strict=True))


def expand_step(step: m.Step, index: int, deck: Deck) -> Iterator[a.Action]:  # noqa: C901
    ptr = f"/steps/{index}"
    if isinstance(step, m.Transfer | m.Distribute | m.Consolidate):
        yield from _expand_liquid_handling(step, index, ptr, deck)
    elif isinstance(step, m.Aspirate):
        yield a.Aspirate(
            index,
            ptr,
            step.pipette,
            step.volume_ul,
            parse_location(step.location),
            step.position.value,
            _offset(step.position.value, step.offset_mm),
        )
    elif isinstance(step, m.Dispense):
        yield a.Dispense(
            index,
            ptr,
            step.pipette,
            step.volume_ul,
            parse_location(step.location),
            step.position.value,
            _offset(step.position.value, step.offset_mm),
        )
    elif isinstance(step, m.Mix):
        loc = parse_location(step.location)
        off = _offset(step.position.value, step.offset_mm)
        for _ in range(step.repetitions):
            yield a.Aspirate(index, ptr, step.pipette, step.volume_ul, loc, step.position.value, off)
            yield a.Dispense(index, ptr, step.pipette, step.volume_ul, loc, step.position.value, off)
    elif isinstance(step, m.BlowOut):
        yield a.BlowOut(
            index, ptr, step.pipette, None if step.location == TRASH else parse_location(step.location)
        )
    elif isinstance(step, m.TouchTip):
        yield a.TouchTip(index, ptr, step.pipette, parse_location(step.location) if step.location else None)
    elif isinstance(step, m.AirGap):
        yield a.AirGap(index, ptr, step.pipette, step.volume_ul, step.height_mm)
    elif isinstance(step, m.PickUpTip):
        yield a.PickUpTip(index, ptr, step.pipette, parse_location(step.location) if step.location else None)
    elif isinstance(step, m.DropTip):
        yield a.DropTip(
            index, ptr, step.pipette, None if step.location == TRASH else parse_location(step.location)
        )
    elif isinstance(step, m.ReturnTip):
        yield a.ReturnTip(index, ptr, step.pipette)
    elif isinstance(step, m.SetTemperature):
        yield a.ModuleAction(index, ptr, step.module, "set_temperature", step.celsius, step.target)
    elif isinstance(step, m.Deactivate):
        yield a.ModuleAction(index, ptr, step.module, "deactivate")
    elif isinstance(step, m.EngageMagnets):
        yield a.ModuleAction(index, ptr, step.module, "engage", step.height_mm)
    elif isinstance(step, m.DisengageMagnets):
        yield a.ModuleAction(index, ptr, step.module, "disengage")
    elif isinstance(step, m.Shake):
        yield a.ModuleAction(index, ptr, step.module, "shake", step.rpm, seconds=step.seconds)
    elif isinstance(step, m.OpenLid):
        yield a.ModuleAction(index, ptr, step.module, "open_lid")
    elif isinstance(step, m.CloseLid):
        yield a.ModuleAction(index, ptr, step.module, "close_lid")
    elif isinstance(step, m.Delay):
        yield a.Wait(index, ptr, "delay", seconds=step.seconds)
    elif isinstance(step, m.Pause):
        yield a.Wait(index, ptr, "pause", text=step.message)
    elif isinstance(step, m.Comment):
        yield a.Wait(index, ptr, "comment", text=step.text)
    elif isinstance(step, m.Measure):
        wells = tuple(step.wells) if step.wells else tuple(deck.labware[step.labware].info.well_names)
        yield a.Measure(index, ptr, step.labware, wells, step.kind.value, step.wavelength_nm, step.module)
    else:  # pragma: no cover - the union is closed
        raise TypeError(f"unknown step {step!r}")


def _offset(position: str, offset: float | None) -> float:
    if offset is not None:
        return offset
    return 1.0 if position == "bottom" else 0.0


def _expand_liquid_handling(
    step: m.Transfer | m.Distribute | m.Consolidate, index: int, ptr: str, deck: Deck
) -> Iterator[a.Action]:
    pip = step.pipette
    info = deck.pipettes[pip]
    cap = tip_limited_max(deck, pip)
    gap = step.air_gap_ul
    new_tip = step.new_tip
    asp_off, disp_off = step.aspirate_offset_mm, step.dispense_offset_mm

    def pick() -> Iterator[a.Action]:
        yield a.PickUpTip(index, ptr, pip)

    def drop() -> Iterator[a.Action]:
        yield a.DropTip(index, ptr, pip)

    def mix(spec: m.MixSpec | None, well: WellRef, offset: float) -> Iterator[a.Action]:
        if spec is None:
            return
        for _ in range(spec.repetitions):
            yield a.Aspirate(
                index, f"{ptr}/mix_before" if well else ptr, pip, spec.volume_ul, well, "bottom", offset
            )
            yield a.Dispense(index, ptr, pip, spec.volume_ul, well, "bottom", offset)

    def after_aspirate(src: WellRef) -> Iterator[a.Action]:
        if step.touch_tip:
            yield a.TouchTip(index, ptr, pip, src)
        if gap > 0:
            yield a.AirGap(index, f"{ptr}/air_gap_ul", pip, gap)

    def after_dispense(dst: WellRef) -> Iterator[a.Action]:
        if step.mix_after:
            for _ in range(step.mix_after.repetitions):
                yield a.Aspirate(
                    index, f"{ptr}/mix_after", pip, step.mix_after.volume_ul, dst, "bottom", disp_off
                )
                yield a.Dispense(
                    index, f"{ptr}/mix_after", pip, step.mix_after.volume_ul, dst, "bottom", disp_off
                )
        if step.touch_tip:
            yield a.TouchTip(index, ptr, pip, dst)
        if step.blow_out:
            yield a.BlowOut(index, ptr, pip, None)

    if new_tip is m.NewTip.ONCE:
        yield from pick()

    if isinstance(step, m.Transfer):
        for vol, src_s, dst_s in pair_transfer(step, ptr):
            src, dst = parse_location(src_s), parse_location(dst_s)
            for chunk in split_volume(vol, max(cap - gap, 0.0)):
                if new_tip is m.NewTip.ALWAYS:
                    yield from pick()
                if step.mix_before:
                    for _ in range(step.mix_before.repetitions):
                        yield a.Aspirate(
                            index, f"{ptr}/mix_before", pip, step.mix_before.volume_ul, src, "bottom", asp_off
                        )
                        yield a.Dispense(
                            index, f"{ptr}/mix_before", pip, step.mix_before.volume_ul, src, "bottom", asp_off
                        )
                yield a.Aspirate(index, f"{ptr}/volume_ul", pip, chunk, src, "bottom", asp_off)
                yield from after_aspirate(src)
                yield a.Dispense(index, f"{ptr}/volume_ul", pip, chunk + gap, dst, "bottom", disp_off)
                yield from after_dispense(dst)
                if new_tip is m.NewTip.ALWAYS:
                    yield from drop()
    elif isinstance(step, m.Distribute):
        src = parse_location(step.source)
        dests = [parse_location(d) for d in step.dest]
        vols = _as_list(step.volume_ul)
        if len(vols) == 1:
            vols = vols * len(dests)
        elif len(vols) != len(dests):
            raise ExpansionError(
                "TRANSFER_LENGTH_MISMATCH",
                "schema",
                f"{len(vols)} volumes for {len(dests)} destinations",
                "give one volume, or one per destination",
                f"{ptr}/volume_ul",
            )
        disposal = info.min_volume_ul if step.disposal_volume_ul is None else step.disposal_volume_ul
        room = cap - disposal
        pairs: list[tuple[float, WellRef]] = []
        for v, d in zip(vols, dests, strict=True):
            pairs += [(c, d) for c in split_volume(v, max(room, 0.0))]
        groups: list[list[tuple[float, WellRef]]] = []
        for v, d in pairs:
            if groups and sum(x for x, _ in groups[-1]) + v <= room + 1e-9:
                groups[-1].append((v, d))
            else:
                groups.append([(v, d)])
        for group in groups:
            if new_tip is m.NewTip.ALWAYS:
                yield from pick()
            total = sum(v for v, _ in group) + disposal
            yield from mix(step.mix_before, src, asp_off)
            yield a.Aspirate(index, f"{ptr}/volume_ul", pip, total, src, "bottom", asp_off)
            if step.touch_tip:
                yield a.TouchTip(index, ptr, pip, src)
            for v, d in group:
                yield a.Dispense(index, f"{ptr}/volume_ul", pip, v, d, "bottom", disp_off)
                if step.touch_tip:
                    yield a.TouchTip(index, ptr, pip, d)
            if disposal > 0 or step.blow_out:
                yield a.BlowOut(index, f"{ptr}/disposal_volume_ul", pip, None)
            if new_tip is m.NewTip.ALWAYS:
                yield from drop()
    else:  # consolidate
        dst = parse_location(step.dest)
        sources = [parse_location(s) for s in step.source]
        vols = _as_list(step.volume_ul)
        if len(vols) == 1:
            vols = vols * len(sources)
        elif len(vols) != len(sources):
            raise ExpansionError(
                "TRANSFER_LENGTH_MISMATCH",
                "schema",
                f"{len(vols)} volumes for {len(sources)} sources",
                "give one volume, or one per source",
                f"{ptr}/volume_ul",
            )
        room = cap
        pairs = []
        for v, s in zip(vols, sources, strict=True):
            pairs += [(c, s) for c in split_volume(v, max(room - gap, 0.0))]
        groups = []
        for v, s in pairs:
            need = v + gap
            if groups and sum(x + gap for x, _ in groups[-1]) + need <= room + 1e-9:
                groups[-1].append((v, s))
            else:
                groups.append([(v, s)])
        for group in groups:
            if new_tip is m.NewTip.ALWAYS:
                yield from pick()
            for k, (v, s) in enumerate(group):
                yield a.Aspirate(index, f"{ptr}/volume_ul", pip, v, s, "bottom", asp_off, pooling=k > 0)
                if step.touch_tip:
                    yield a.TouchTip(index, ptr, pip, s)
                if gap > 0:
                    yield a.AirGap(index, f"{ptr}/air_gap_ul", pip, gap)
            yield a.Dispense(
                index, f"{ptr}/volume_ul", pip, sum(v + gap for v, _ in group), dst, "bottom", disp_off
            )
            yield from after_dispense(dst)
            if new_tip is m.NewTip.ALWAYS:
                yield from drop()

    if new_tip is m.NewTip.ONCE:
        yield from drop()
