"""Expand protocol steps into primitive actions the way the Opentrons API does.

``transfer``, ``distribute`` and ``consolidate`` follow the Opentrons Python API's complex
liquid-handling semantics: source/destination pairing, splitting volumes larger than the
pipette can hold (chunks of the maximum until at most twice the maximum is left, then two equal
halves), ``new_tip`` = once / always / never, mix before/after, touch tip, blow out, air gaps,
and the distribute disposal volume (default: the pipette's minimum volume, blown out to trash).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from labwright.protocols import models as m
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import TRASH, WellRef, parse_location
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.layout import Deck


class ExpansionError(ValueError):
    """A step cannot be expanded (e.g. source and destination lists of unequal length).

    Carries the error ``finding`` that says why; the caller sets its step index.
    """

    def __init__(self, code: str, category: str, message: str, hint: str, pointer: str) -> None:
        super().__init__(message)
        self.finding: Finding = finding(code, category, "error", message, hint, pointer=pointer)


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


def _expand_liquid_handling(  # noqa: C901
    step: m.Transfer | m.Distribute | m.Consolidate, index: int, ptr: str, deck: Deck
) -> Iterator[a.Action]:
    """Mirror of the Opentrons API's transfer planner (``opentrons.protocols.advanced_control.
    transfers.transfer.TransferPlan``, used by ``transfer``/``distribute``/``consolidate`` at every
    apiLevel of opentrons 9.0.0):

    - volumes are split against the *pipette's* maximum (less air gap, and disposal volume for
      distribute); a transfer then aspirates each split part in pieces of at most the *tip's*
      capacity less the air gap; distribute and consolidate group parts while they fit the tip;
    - after each aspirate: air gap first, then touch tip;
    - distribute with an air gap dispenses volume + air gap and takes a new air gap (and touch
      tip) between dispenses;
    - ``new_tip: always`` in distribute and consolidate uses one tip for the whole step;
    - zero volumes are skipped;
    - a distribute/consolidate part that does not fit the tip stops the step (the API then skips
      the remaining wells without an error): reported as a finding.
    """
    pip = step.pipette
    info = deck.pipettes[pip]
    cap = tip_limited_max(deck, pip)
    gap = step.air_gap_ul
    new_tip = step.new_tip
    asp_off, disp_off = step.aspirate_offset_mm, step.dispense_offset_mm
    # distribute and consolidate: "always" falls back to one tip for the whole step
    once = new_tip is m.NewTip.ONCE or (new_tip is m.NewTip.ALWAYS and not isinstance(step, m.Transfer))

    def pick() -> Iterator[a.Action]:
        yield a.PickUpTip(index, ptr, pip)

    def drop() -> Iterator[a.Action]:
        yield a.DropTip(index, ptr, pip)

    def mix_at(spec: m.MixSpec | None, well: WellRef, offset: float, where: str) -> Iterator[a.Action]:
        if spec is None:
            return
        for _ in range(spec.repetitions):
            yield a.Aspirate(index, f"{ptr}/{where}", pip, spec.volume_ul, well, "bottom", offset)
            yield a.Dispense(index, f"{ptr}/{where}", pip, spec.volume_ul, well, "bottom", offset)

    def after_aspirate(src: WellRef) -> Iterator[a.Action]:
        if gap > 0:
            yield a.AirGap(index, f"{ptr}/air_gap_ul", pip, gap)
        if step.touch_tip:
            yield a.TouchTip(index, ptr, pip, src)

    def after_last_dispense(dst: WellRef, mix_after: bool, blow_out: bool) -> Iterator[a.Action]:
        if mix_after:
            yield from mix_at(step.mix_after, dst, disp_off, "mix_after")
        if step.touch_tip:
            yield a.TouchTip(index, ptr, pip, dst)
        if blow_out:
            yield a.BlowOut(index, ptr, pip, None)

    def too_big(volume: float, room: float) -> ExpansionError:
        return ExpansionError(
            "TRANSFER_PART_EXCEEDS_TIP",
            "tip",
            f"a {volume:g} uL part of this {step.op} does not fit the {room:g} uL left in the tip "
            "(tip capacity less disposal volume and air gap); the Opentrons API stops the step here "
            "and skips the remaining wells",
            "use larger tips, or give smaller volumes / a smaller disposal volume or air gap",
            f"{ptr}/volume_ul",
        )

    if once:
        yield from pick()

    if isinstance(step, m.Transfer):
        piece = cap - gap
        for vol, src_s, dst_s in pair_transfer(step, ptr):
            src, dst = parse_location(src_s), parse_location(dst_s)
            for part in split_volume(vol, max(info.max_volume_ul - gap, 0.0)):
                if new_tip is m.NewTip.ALWAYS:
                    yield from pick()
                done = 0.0
                while done < part:
                    chunk = min(piece, part - done) if piece > 0 else part - done
                    yield from mix_at(step.mix_before, src, asp_off, "mix_before")
                    yield a.Aspirate(index, f"{ptr}/volume_ul", pip, chunk, src, "bottom", asp_off)
                    yield from after_aspirate(src)
                    yield a.Dispense(index, f"{ptr}/volume_ul", pip, chunk + gap, dst, "bottom", disp_off)
                    yield from after_last_dispense(dst, True, step.blow_out)
                    done += chunk
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
        parts: list[tuple[float, WellRef]] = []
        for v, d in zip(vols, dests, strict=True):
            parts += [(c, d) for c in split_volume(v, max(info.max_volume_ul - disposal - gap, 0.0))]
        groups, stuck = _group(
            parts, lambda group, v: sum(x for x, _ in group) + disposal + gap + v <= cap + 1e-9
        )
        for group in groups:
            yield from mix_at(step.mix_before, src, asp_off, "mix_before")
            total = sum(v for v, _ in group) + disposal
            yield a.Aspirate(index, f"{ptr}/volume_ul", pip, total, src, "bottom", asp_off)
            yield from after_aspirate(src)
            for k, (v, d) in enumerate(group):
                yield a.Dispense(index, f"{ptr}/volume_ul", pip, v + gap, d, "bottom", disp_off)
                if k < len(group) - 1:
                    yield from after_aspirate(d)  # air gap and touch tip between dispenses
                else:
                    yield from after_last_dispense(d, False, disposal > 0 or step.blow_out)
        if stuck is not None:
            if once:
                yield from drop()
            raise too_big(stuck, cap - disposal - gap)
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
        parts = []
        for v, s_ in zip(vols, sources, strict=True):
            parts += [(c, s_) for c in split_volume(v, info.max_volume_ul)]
        groups, stuck = _group(
            parts, lambda group, v: sum(x for x, _ in group) + gap * len(group) + v <= cap + 1e-9
        )
        for group in groups:
            for k, (v, s_) in enumerate(group):
                yield a.Aspirate(index, f"{ptr}/volume_ul", pip, v, s_, "bottom", asp_off, pooling=k > 0)
                yield from after_aspirate(s_)
            pooled = sum(v + gap for v, _ in group)
            yield a.Dispense(index, f"{ptr}/volume_ul", pip, pooled, dst, "bottom", disp_off)
            yield from after_last_dispense(dst, True, step.blow_out)
        if stuck is not None:
            if once:
                yield from drop()
            raise too_big(stuck, cap - gap)

    if once:
        yield from drop()


def _group(
    parts: list[tuple[float, WellRef]], fits: Callable[[list[tuple[float, WellRef]], float], bool]
) -> tuple[list[list[tuple[float, WellRef]]], float | None]:
    """Group parts the way the Opentrons planner does; zero volumes are skipped.

    Returns the groups and, when a part fits no group (even an empty one), its volume: the
    planner stops there.
    """
    groups: list[list[tuple[float, WellRef]]] = []
    current: list[tuple[float, WellRef]] = []
    for v, well in parts:
        if v <= 0:
            continue
        if not fits(current, v):
            if not current:
                return groups, v
            groups.append(current)
            current = []
            if not fits(current, v):
                return groups, v
        current.append((v, well))
    if current:
        groups.append(current)
    return groups, None
