"""Expand protocol steps into primitive actions the way the Opentrons API does.

``transfer``, ``distribute`` and ``consolidate`` follow the Opentrons Python API's complex
liquid-handling semantics: source/destination pairing, splitting volumes larger than the
pipette can hold (chunks of the maximum until at most twice the maximum is left, then two equal
halves), ``new_tip`` = once / always / never, mix before/after, touch tip, blow out, air gaps,
and the distribute disposal volume (default: the pipette's minimum volume, blown out to trash).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from labwright.protocols import models as m
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.layout import Deck
from labwright.simulators.deck.resolve import ResolvedStep


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


def pair_transfer(
    step: m.Transfer, sources: Sequence[WellRef], dests: Sequence[WellRef], pointer: str
) -> list[tuple[float, WellRef, WellRef]]:
    """Pair a transfer's sources, destinations and volumes the way the Opentrons API does."""
    sources, dests = list(sources), list(dests)
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


def expand_step(rs: ResolvedStep, deck: Deck) -> Iterator[a.Action]:
    """The primitive actions of one resolved step, in the order the Opentrons API issues them."""
    step = rs.step
    if isinstance(step, m.Transfer | m.Distribute | m.Consolidate):
        return _LiquidHandling(rs, deck).actions()
    return iter(_EXPANDERS[type(step)](rs, step, deck))


def _offset(position: str, offset: float | None) -> float:
    if offset is not None:
        return offset
    return 1.0 if position == "bottom" else 0.0


def _at(rs: ResolvedStep) -> dict[str, Any]:
    return {"step": rs.index, "pointer": f"/steps/{rs.index}"}  # rs.pointer, inlined


def _liquid_motion(rs: ResolvedStep, step: m.Aspirate | m.Dispense, deck: Deck) -> list[a.Action]:
    """An aspirate or dispense step: one action of the same kind at the resolved well."""
    kind = a.Aspirate if isinstance(step, m.Aspirate) else a.Dispense
    return [
        kind(
            **_at(rs),
            pipette=step.pipette,
            volume_ul=step.volume_ul,
            well=rs.location,
            position=step.position,
            offset_mm=_offset(step.position, step.offset_mm),
        )
    ]


def _mix(rs: ResolvedStep, step: m.Mix, deck: Deck) -> list[a.Action]:
    motion = {
        **_at(rs),
        "pipette": step.pipette,
        "volume_ul": step.volume_ul,
        "well": rs.location,
        "position": step.position,
        "offset_mm": _offset(step.position, step.offset_mm),
    }
    # actions are immutable values: every repetition replays the same two
    return [a.Aspirate(**motion), a.Dispense(**motion)] * step.repetitions


def _measure(rs: ResolvedStep, step: m.Measure, deck: Deck) -> list[a.Action]:
    wells = tuple(step.wells) if step.wells else tuple(deck.labware[step.labware].info.well_names)
    return [
        a.Measure(
            **_at(rs),
            labware=step.labware,
            wells=wells,
            kind=step.kind.value,
            wavelength_nm=step.wavelength_nm,
            module=step.module,
        )
    ]


def _module(
    kind: a.ModuleOp, value: str | None = None, seconds: str | None = None
) -> Callable[..., list[a.Action]]:
    """An expander for a module step: ``value`` and ``seconds`` name the step's fields."""

    def expand(rs: ResolvedStep, step: Any, deck: Deck) -> list[a.Action]:
        extra: dict[str, Any] = {}
        if value is not None:
            extra["value"] = getattr(step, value)
        if seconds is not None:
            extra["seconds"] = getattr(step, seconds)
        if isinstance(step, m.SetTemperature):
            extra["target"] = step.target
        return [a.ModuleAction(**_at(rs), module=step.module, kind=kind, **extra)]

    return expand


def _move(rs: ResolvedStep, step: m.MoveLabware) -> a.MoveLabware:
    """A move step: the one destination it names (the schema makes sure there is one)."""
    if step.slot is not None:
        kind, ref = "slot", step.slot
    elif step.module is not None:
        kind, ref = "module", step.module
    elif step.on_labware is not None:
        kind, ref = "labware", step.on_labware
    else:
        kind, ref = ("waste_chute" if step.waste_chute else "off_deck"), ""
    return a.MoveLabware(
        **_at(rs), labware=step.labware, to_kind=kind, to_ref=ref, use_gripper=step.use_gripper
    )


def _wait(
    kind: a.WaitKind, seconds: str | None = None, text: str | None = None
) -> Callable[..., list[a.Action]]:
    def expand(rs: ResolvedStep, step: Any, deck: Deck) -> list[a.Action]:
        extra: dict[str, Any] = {}
        if seconds is not None:
            extra["seconds"] = getattr(step, seconds)
        if text is not None:
            extra["text"] = getattr(step, text)
        return [a.Wait(**_at(rs), kind=kind, **extra)]

    return expand


def _pause(rs: ResolvedStep, step: m.Pause) -> a.Wait:
    """A pause, with what it declares the operator does (None where it declares nothing)."""
    acts = rs.pause
    if acts is None:
        return a.Wait(**_at(rs), kind=a.WaitKind.PAUSE, text=step.message)
    return a.Wait(
        **_at(rs),
        kind=a.WaitKind.PAUSE,
        text=step.message,
        replace_tipracks=acts.replace_tipracks or None,
        refill=acts.refill or None,
        empty=acts.empty or None,
    )


_EXPANDERS: dict[type, Callable[..., Iterable[a.Action]]] = {
    m.Aspirate: _liquid_motion,
    m.Dispense: _liquid_motion,
    m.Mix: _mix,
    m.BlowOut: lambda rs, step, deck: [a.BlowOut(**_at(rs), pipette=step.pipette, well=rs.location)],
    m.TouchTip: lambda rs, step, deck: [a.TouchTip(**_at(rs), pipette=step.pipette, well=rs.location)],
    m.AirGap: lambda rs, step, deck: [
        a.AirGap(**_at(rs), pipette=step.pipette, volume_ul=step.volume_ul, height_mm=step.height_mm)
    ],
    m.PickUpTip: lambda rs, step, deck: [a.PickUpTip(**_at(rs), pipette=step.pipette, location=rs.location)],
    m.DropTip: lambda rs, step, deck: [a.DropTip(**_at(rs), pipette=step.pipette, location=rs.location)],
    m.ReturnTip: lambda rs, step, deck: [a.ReturnTip(**_at(rs), pipette=step.pipette)],
    m.ConfigureNozzles: lambda rs, step, deck: [
        a.ConfigureNozzles(
            **_at(rs), pipette=step.pipette, layout=step.layout, start=step.start, end=step.end
        )
    ],
    m.SetTemperature: _module(a.ModuleOp.SET_TEMPERATURE, value="celsius"),
    m.Deactivate: _module(a.ModuleOp.DEACTIVATE),
    m.EngageMagnets: _module(a.ModuleOp.ENGAGE, value="height_mm"),
    m.DisengageMagnets: _module(a.ModuleOp.DISENGAGE),
    m.Shake: _module(a.ModuleOp.SHAKE, value="rpm", seconds="seconds"),
    m.OpenLid: _module(a.ModuleOp.OPEN_LID),
    m.CloseLid: _module(a.ModuleOp.CLOSE_LID),
    m.OpenLatch: _module(a.ModuleOp.OPEN_LATCH),
    m.CloseLatch: _module(a.ModuleOp.CLOSE_LATCH),
    m.MoveLabware: lambda rs, step, deck: [_move(rs, step)],
    m.Delay: _wait(a.WaitKind.DELAY, seconds="seconds"),
    m.Pause: lambda rs, step, deck: [_pause(rs, step)],
    m.Comment: _wait(a.WaitKind.COMMENT, text="text"),
    m.Measure: _measure,
}


class _LiquidHandling:
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

    def __init__(self, rs: ResolvedStep, deck: Deck) -> None:
        step = rs.step
        assert isinstance(step, m.Transfer | m.Distribute | m.Consolidate)
        self.rs = rs
        self.step = step
        self.index = rs.index
        self.ptr = rs.pointer
        self.pip = step.pipette
        self.info = deck.pipettes[step.pipette]
        self.cap = tip_limited_max(deck, step.pipette)
        self.gap = step.air_gap_ul
        # distribute and consolidate: "always" falls back to one tip for the whole step
        self.once = step.new_tip is m.NewTip.ONCE or (
            step.new_tip is m.NewTip.ALWAYS and not isinstance(step, m.Transfer)
        )

    def actions(self) -> Iterator[a.Action]:
        if self.once:
            yield self.pick()
        if isinstance(self.step, m.Transfer):
            yield from self.transfer(self.step)
        elif isinstance(self.step, m.Distribute):
            yield from self.distribute(self.step)
        else:
            yield from self.consolidate(self.step)
        if self.once:
            yield self.drop()

    # motions --------------------------------------------------------------------------

    def pick(self) -> a.Action:
        return a.PickUpTip(step=self.index, pointer=self.ptr, pipette=self.pip)

    def drop(self) -> a.Action:
        return a.DropTip(step=self.index, pointer=self.ptr, pipette=self.pip)

    def aspirate(self, volume: float, well: WellRef, pooling: bool = False) -> a.Action:
        return a.Aspirate(
            step=self.index,
            pointer=f"{self.ptr}/volume_ul",
            pipette=self.pip,
            volume_ul=volume,
            well=well,
            offset_mm=self.step.aspirate_offset_mm,
            pooling=pooling,
        )

    def dispense(self, volume: float, well: WellRef) -> a.Action:
        return a.Dispense(
            step=self.index,
            pointer=f"{self.ptr}/volume_ul",
            pipette=self.pip,
            volume_ul=volume,
            well=well,
            offset_mm=self.step.dispense_offset_mm,
        )

    def mix_at(self, spec: m.MixSpec | None, well: WellRef, offset: float, where: str) -> Iterator[a.Action]:
        if spec is None:
            return
        motion = {
            "step": self.index,
            "pointer": f"{self.ptr}/{where}",
            "pipette": self.pip,
            "volume_ul": spec.volume_ul,
            "well": well,
            "offset_mm": offset,
        }
        # actions are immutable values: every repetition replays the same two
        yield from [a.Aspirate(**motion), a.Dispense(**motion)] * spec.repetitions

    def mix_before(self, src: WellRef) -> Iterator[a.Action]:
        return self.mix_at(self.step.mix_before, src, self.step.aspirate_offset_mm, "mix_before")

    def after_aspirate(self, src: WellRef) -> Iterator[a.Action]:
        if self.gap > 0:
            yield a.AirGap(
                step=self.index, pointer=f"{self.ptr}/air_gap_ul", pipette=self.pip, volume_ul=self.gap
            )
        if self.step.touch_tip:
            yield a.TouchTip(step=self.index, pointer=self.ptr, pipette=self.pip, well=src)

    def after_last_dispense(self, dst: WellRef, mix_after: bool, blow_out: bool) -> Iterator[a.Action]:
        if mix_after:
            yield from self.mix_at(self.step.mix_after, dst, self.step.dispense_offset_mm, "mix_after")
        if self.step.touch_tip:
            yield a.TouchTip(step=self.index, pointer=self.ptr, pipette=self.pip, well=dst)
        if blow_out:
            yield a.BlowOut(step=self.index, pointer=self.ptr, pipette=self.pip)

    def too_big(self, volume: float, room: float) -> ExpansionError:
        return ExpansionError(
            "TRANSFER_PART_EXCEEDS_TIP",
            "tip",
            f"a {volume:g} uL part of this {self.step.op} does not fit the {room:g} uL left in the tip "
            "(tip capacity less disposal volume and air gap); the Opentrons API stops the step here "
            "and skips the remaining wells",
            "use larger tips, or give smaller volumes / a smaller disposal volume or air gap",
            f"{self.ptr}/volume_ul",
        )

    def volumes(self, count: int, what: str) -> list[float]:
        vols = _as_list(self.step.volume_ul)
        if len(vols) == 1:
            return vols * count
        if len(vols) != count:
            raise ExpansionError(
                "TRANSFER_LENGTH_MISMATCH",
                "schema",
                f"{len(vols)} volumes for {count} {what}",
                f"give one volume, or one per {what.rstrip('s')}",
                f"{self.ptr}/volume_ul",
            )
        return vols

    # the three planners ---------------------------------------------------------------

    def transfer(self, step: m.Transfer) -> Iterator[a.Action]:
        piece = self.cap - self.gap
        always = step.new_tip is m.NewTip.ALWAYS
        for vol, src, dst in pair_transfer(step, self.rs.sources, self.rs.dests, self.ptr):
            for part in split_volume(vol, max(self.info.max_volume_ul - self.gap, 0.0)):
                if always:
                    yield self.pick()
                done = 0.0
                while done < part:
                    chunk = min(piece, part - done) if piece > 0 else part - done
                    yield from self.mix_before(src)
                    yield self.aspirate(chunk, src)
                    yield from self.after_aspirate(src)
                    yield self.dispense(chunk + self.gap, dst)
                    yield from self.after_last_dispense(dst, True, step.blow_out)
                    done += chunk
                if always:
                    yield self.drop()

    def distribute(self, step: m.Distribute) -> Iterator[a.Action]:
        src, dests, gap = self.rs.source, self.rs.dests, self.gap
        vols = self.volumes(len(dests), "destinations")
        disposal = self.info.min_volume_ul if step.disposal_volume_ul is None else step.disposal_volume_ul
        parts: list[tuple[float, WellRef]] = []
        for v, d in zip(vols, dests, strict=True):
            parts += [(c, d) for c in split_volume(v, max(self.info.max_volume_ul - disposal - gap, 0.0))]
        groups, stuck = _group(
            parts, lambda group, v: sum(x for x, _ in group) + disposal + gap + v <= self.cap + 1e-9
        )
        for group in groups:
            yield from self.mix_before(src)
            yield self.aspirate(sum(v for v, _ in group) + disposal, src)
            yield from self.after_aspirate(src)
            for k, (v, d) in enumerate(group):
                yield self.dispense(v + gap, d)
                if k < len(group) - 1:
                    yield from self.after_aspirate(d)  # air gap and touch tip between dispenses
                else:
                    yield from self.after_last_dispense(d, False, disposal > 0 or step.blow_out)
        if stuck is not None:
            if self.once:
                yield self.drop()
            raise self.too_big(stuck, self.cap - disposal - gap)

    def consolidate(self, step: m.Consolidate) -> Iterator[a.Action]:
        dst, sources, gap = self.rs.dest, self.rs.sources, self.gap
        vols = self.volumes(len(sources), "sources")
        parts: list[tuple[float, WellRef]] = []
        for v, s_ in zip(vols, sources, strict=True):
            parts += [(c, s_) for c in split_volume(v, self.info.max_volume_ul)]
        groups, stuck = _group(
            parts, lambda group, v: sum(x for x, _ in group) + gap * len(group) + v <= self.cap + 1e-9
        )
        for group in groups:
            for k, (v, s_) in enumerate(group):
                yield self.aspirate(v, s_, pooling=k > 0)
                yield from self.after_aspirate(s_)
            yield self.dispense(sum(v + gap for v, _ in group), dst)
            yield from self.after_last_dispense(dst, True, step.blow_out)
        if stuck is not None:
            if self.once:
                yield self.drop()
            raise self.too_big(stuck, self.cap - gap)


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
