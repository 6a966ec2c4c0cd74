"""The safety pass: replayed mixing and heating events -> findings.

The caller (the verifier, replaying the deck twin) gives every liquid once (``Component``),
then, step by step, what each vessel (well, reservoir, tip) holds after a step (``MixEvent``)
and every heating step (``HeatEvent``). Each incompatible pair is reported once per vessel, at
the step where the two first meet; heating is checked against measured boiling point, flash
point and autoignition temperature by the rule in thermal.py (error for a neat or major
component, warning for a minor one, from the shares of what the vessel holds); the lab policy is
applied to every liquid.
"""

from __future__ import annotations

from labwright.protocols.findings import Category, Finding, Severity
from labwright.simulators.deck.events import HeatEvent, MixEvent
from labwright.verifiers.safety.compatibility import Hazard, assess, severity_of, summarise
from labwright.verifiers.safety.policy import Policy, PolicyStatus, default_policy, policy_status
from labwright.verifiers.safety.records import Resolution
from labwright.verifiers.safety.resolve import resolve, suggestions
from labwright.verifiers.safety.thermal import ThermalResult, judge, vessel_shares
from pydantic import BaseModel

UNKNOWN_PREFIX = "?"

# Resolutions (resolve() is cached) and policies (load_policy() is cached) are reused objects:
# what the policy says about a resolution is kept across verifications, keyed by identity and
# holding both objects so that the ids stay valid.
_STATUS_CACHE: dict[tuple[int, int], tuple[Resolution, Policy, PolicyStatus]] = {}


_PAIR_CACHE: dict[tuple[int, int], tuple[Resolution, Resolution, list[Hazard]]] = {}


def _pair_hazards(a: Resolution, b: Resolution) -> list[Hazard]:
    """Hazards of two resolved liquids, kept across verifications (see _STATUS_CACHE)."""
    key = (id(a), id(b))
    hit = _PAIR_CACHE.get(key)
    if hit is not None and hit[0] is a and hit[1] is b:
        return hit[2]
    if len(_PAIR_CACHE) > 8192:
        _PAIR_CACHE.clear()
    hazards = assess(a, b).hazards
    _PAIR_CACHE[key] = (a, b, hazards)
    return hazards


def _policy_status(resolution: Resolution, policy: Policy) -> PolicyStatus:
    key = (id(resolution), id(policy))
    hit = _STATUS_CACHE.get(key)
    if hit is not None and hit[0] is resolution and hit[1] is policy:
        return hit[2]
    if len(_STATUS_CACHE) > 4096:
        _STATUS_CACHE.clear()
    status = policy_status(resolution, policy)
    _STATUS_CACHE[key] = (resolution, policy, status)
    return status


class Component(BaseModel):
    """One liquid as declared in the protocol."""

    liquid_id: str
    name: str
    smiles: str | None = None
    cas: str | None = None
    concentration: str | None = None
    description: str | None = None


DEVICE_NAMES = {
    "heater_shaker": "Heater-Shaker",
    "temperature": "Temperature Module",
    "thermocycler": "Thermocycler",
}


def device_name(device: str) -> str:
    return DEVICE_NAMES.get(device, device or "heater")


def resolve_component(component: Component) -> Resolution:
    return resolve(component.name, component.smiles, component.cas, component.concentration,
                   component.description or None)


def _describe(component: Component, resolution: Resolution, involved: set[str]) -> str:
    """'bleach' (sodium hypochlorite 5.25%): the liquid and its chemicals that react."""
    labels = [c.label for c in resolution.components if c.record.name in involved]
    label = ", ".join(labels) or resolution.label
    name = component.name
    if label.casefold() == name.casefold():
        return f"'{name}'"
    if label.casefold().startswith(name.casefold() + " (") and label.endswith(")"):
        return f"'{name}' {label[len(name) + 1:]}"  # 'hydrochloric acid' (1 M)
    return f"'{name}' ({label})"


def _vessel_group(vessel: str) -> tuple[str, str]:
    """'plate:A1' -> ('plate', 'A1'); 'tip:tips:A1' -> ('tip:tips', 'A1')."""
    prefix, _, well = vessel.rpartition(":")
    return (prefix, well) if prefix else (vessel, "")


def _vessels_text(vessels: list[str]) -> str:
    if len(vessels) == 1:
        return vessels[0]
    prefix = _vessel_group(vessels[0])[0]
    wells = [_vessel_group(v)[1] for v in vessels]
    return f"{prefix}:{', '.join(wells)} ({len(vessels)} wells)"


def _hazard_data(hazards: list[Hazard]) -> list[dict[str, str]]:
    return [
        {"code": h.code, "text": h.text, "rule": h.rule, "source": h.source,
         "chemicals": " + ".join(h.chemicals), **({"basis": h.basis} if h.basis else {})}
        for h in hazards
    ]


class _Pass:
    def __init__(
        self, components: dict[str, Component], policy: Policy, strict: bool
    ) -> None:
        self.components = components
        self.policy = policy
        self.strict = strict
        self.findings: list[Finding] = []
        self.resolutions = {lid: resolve_component(c) for lid, c in components.items()}
        # an ambiguous name (unknown, with candidates) is paired through its candidates: a
        # candidate's hazard is a warning ("if it is ..."), never an error
        self.candidates = {
            lid: [resolve(name) for name in res.candidates]
            for lid, res in self.resolutions.items() if res.unknown and res.candidates
        }
        self.first_seen: dict[str, tuple[int, str]] = {}
        self.pair_cache: dict[frozenset[str], list[Hazard]] = {}
        self.thermal_cache: dict[tuple[object, ...], dict[str, ThermalResult]] = {}

    # ------------------------------------------------------------------ helpers
    def _known(self, liquid_id: str) -> bool:
        res = self.resolutions.get(liquid_id)
        return res is not None and not res.unknown

    def _see(self, liquid_id: str, step: int, pointer: str) -> None:
        self.first_seen.setdefault(liquid_id, (step, pointer))

    def _hazards(self, a: str, b: str) -> list[Hazard]:
        key = frozenset((a, b))
        if key not in self.pair_cache:
            if a in self.candidates or b in self.candidates:
                self.pair_cache[key] = [
                    h for ra in self.candidates.get(a, [self.resolutions[a]])
                    for rb in self.candidates.get(b, [self.resolutions[b]])
                    for h in _pair_hazards(ra, rb)
                ]
            else:
                self.pair_cache[key] = _pair_hazards(self.resolutions[a], self.resolutions[b])
        return self.pair_cache[key]

    # ------------------------------------------------------------------ mixing
    def mixes(self, events: list[MixEvent]) -> None:
        """Every pair of liquids that first meets in a vessel; the same pair meeting at the same
        step in several wells of one labware (a multi-channel or plate-wide step) is one finding
        listing the wells."""
        met: dict[str, set[frozenset[str]]] = {}
        volume_reported: set[str] = set()
        groups: dict[tuple[int, str, str, str], list[MixEvent]] = {}
        known = {lid for lid, res in self.resolutions.items() if not res.unknown}
        known |= set(self.candidates)
        first_seen = self.first_seen
        check_volume = self.policy.max_volume_ul is not None
        for event in sorted(events, key=lambda e: e.step):
            present = list(dict.fromkeys([*event.components, *event.new]))
            for lid in present:
                if lid not in first_seen:
                    first_seen[lid] = (event.step, event.pointer)
            if check_volume:
                self._volume(event, volume_reported)
            # only pairs of known liquids can be hazards: unknown ones (a hand-filled well's
            # contents, one key per well) are not paired, so a waste well that gathers n of
            # them costs n, not n^2
            present_known = [lid for lid in present if lid in known]
            if len(present_known) < 2:
                continue
            seen = met.setdefault(event.vessel, set())
            arrivals = event.new or present
            # a tip that draws liquids which arrive together takes up a mixture that already
            # exists in the well it draws from (reported there): not a new meeting
            drawn_mixture = len(event.new) > 1 and event.vessel.startswith("tip:")
            for new in arrivals:
                if new not in known:
                    continue
                for other in present_known:
                    if new == other:
                        continue
                    key = frozenset((new, other))
                    if key in seen:
                        continue
                    seen.add(key)
                    if drawn_mixture and other in event.new:
                        continue
                    if self._hazards(new, other):
                        group = (event.step, _vessel_group(event.vessel)[0], other, new)
                        groups.setdefault(group, []).append(event)
        for (_, _, first, second), found in groups.items():
            self._incompatible(found, first, second, self._hazards(first, second))

    def _incompatible(
        self, events: list[MixEvent], first: str, second: str, hazards: list[Hazard]
    ) -> None:
        event = events[0]
        vessels = list(dict.fromkeys(e.vessel for e in events))
        ca, cb = self.components[first], self.components[second]
        ra, rb = self.resolutions[first], self.resolutions[second]
        summary = summarise(hazards)
        sources = sorted({h.source for h in hazards})
        involved = {name for h in hazards for name in h.chemicals}
        possible = first in self.candidates or second in self.candidates
        if possible:
            # an ambiguous name: the hazard is one of its candidates'; what the liquid really
            # is, the protocol does not say (issue 14: a warning, never an error)
            severity = Severity.ERROR if self.strict else Severity.WARNING
            summary = f"if {' and '.join(sorted(involved))} meet: {summary}"
        else:
            severity = Severity(severity_of(hazards))
        self.findings.append(Finding(
            code="SAFETY_POSSIBLY_INCOMPATIBLE" if possible else "SAFETY_INCOMPATIBLE",
            category=Category.SAFETY,
            severity=severity,
            message=(
                f"step {event.step}: {_describe(ca, ra, involved)} and "
                f"{_describe(cb, rb, involved)} meet in "
                f"{_vessels_text(vessels)}: {summary} [source: {'; '.join(sources)}]"
            ),
            hint=(
                "name the liquid that could be several chemicals (a specific name, a CAS number "
                "or a SMILES) so that it can be checked exactly"
                if possible else
                "keep these liquids apart: use separate wells/reservoirs, change the tip "
                "between them (carry-over counts), or replace one of them"
            ),
            step=event.step,
            pointer=event.pointer,
            data={
                "vessel": event.vessel,
                "vessels": vessels,
                "liquids": [first, second],
                "chemicals": [ra.label, rb.label],
                "codes": sorted({h.code for h in hazards}),
                "hazards": _hazard_data(hazards),
                "sources": sources,
            },
        ))

    def _volume(self, event: MixEvent, reported: set[str]) -> None:
        limit = self.policy.max_volume_ul
        if limit is None or event.volume_ul is None or event.vessel in reported:
            return
        if event.volume_ul <= limit:
            return
        reported.add(event.vessel)
        # An error only for what the protocol itself puts in the vessel (the lower bound). The
        # upper bound also counts what a vessel the protocol never filled may hold (its
        # capacity: an operator's hand-filled reservoir); above the limit only by that, the
        # protocol does not say it holds too much: a warning (issue 14: errors must be faults
        # given what the protocol says).
        low = event.volume_low_ul if event.volume_low_ul is not None else event.volume_ul
        certain = low > limit
        held = f"{event.volume_ul:g} uL" if certain else (
            f"between {low:g} and {event.volume_ul:g} uL (what it held before the protocol is "
            "not declared)")
        self.findings.append(Finding(
            code="POLICY_MAX_VOLUME", category=Category.POLICY,
            severity=Severity.ERROR if certain else Severity.WARNING,
            message=(f"step {event.step}: {event.vessel} holds {held}, above "
                     f"the policy limit of {limit:g} uL ({self.policy.name})"),
            hint="split the volume over several vessels or ask for a policy change" if certain
            else "declare what the vessel holds (initial_volumes) so the limit can be checked",
            step=event.step, pointer=event.pointer,
            data={"vessel": event.vessel, "volume_ul": event.volume_ul, "volume_low_ul": low,
                  "limit_ul": limit},
        ))

    # ------------------------------------------------------------------ heating
    def heats(self, events: list[HeatEvent]) -> None:
        """Policy maximum temperature, then the thermal rule (see thermal.py) per vessel."""
        reported: set[tuple[str, str]] = set()
        over_policy: set[tuple[str, str, float]] = set()
        groups: dict[tuple[int, str, str, str, float], list[tuple[HeatEvent, ThermalResult]]] = {}
        margin = self.policy.thermal_margin_c
        minor = self.policy.thermal_minor_percent / 100.0
        for event in sorted(events, key=lambda e: e.step):
            for lid in event.components:
                self._see(lid, event.step, event.pointer)
            if event.celsius > self.policy.max_temperature_c:
                labware = event.vessel.split(":")[0]
                key = (event.device, labware, event.celsius)
                if key not in over_policy:
                    over_policy.add(key)
                    self._over_temperature(event, device_name(event.device), labware)
            results = self._judged(event, margin, minor)
            for name, result in results.items():
                if (event.vessel, name) in reported:
                    continue
                if result is not None:
                    reported.add((event.vessel, name))
                    key = (event.step, _vessel_group(event.vessel)[0], name, result.severity,
                           event.celsius)
                    groups.setdefault(key, []).append((event, result))
        for found in groups.values():
            self._thermal(found, margin)

    def _judged(self, event: HeatEvent, margin: float, minor: float) -> dict[str, ThermalResult]:
        """Thermal results per chemical for one heated vessel; replicate wells (same liquids,
        same amounts, same temperature) are judged once."""
        amounts = tuple(sorted(event.amounts_ul.items())) if event.amounts_ul is not None else None
        key = (tuple(sorted(event.components)), amounts, event.celsius)
        if key not in self.thermal_cache:
            shares, records, water = vessel_shares(
                self.resolutions, event.components, event.amounts_ul, minor
            )
            judged = {name: judge(records[name], share, water, event.celsius + margin, minor)
                      for name, share in shares.items()}
            self.thermal_cache[key] = {k: v for k, v in judged.items() if v is not None}
        return self.thermal_cache[key]

    def _over_temperature(self, event: HeatEvent, device: str, labware: str) -> None:
        limit = self.policy.max_temperature_c
        self.findings.append(Finding(
            code="POLICY_MAX_TEMPERATURE", category=Category.POLICY, severity=Severity.ERROR,
            message=(f"step {event.step}: {device} set to {event.celsius:g} degC with "
                     f"'{labware}' on it ({event.vessel} holds liquid), above the maximum of "
                     f"{limit:g} degC of policy '{self.policy.name}'"),
            hint="lower the temperature or ask for a policy change",
            step=event.step, pointer=event.pointer,
            data={"vessel": event.vessel, "labware": labware, "device": event.device,
                  "celsius": event.celsius, "limit_c": limit, "policy": self.policy.name},
        ))

    def _thermal(self, found: list[tuple[HeatEvent, ThermalResult]], margin: float) -> None:
        """One finding for a chemical heated past a figure in one or more wells of a labware
        at one step (the largest share decides the wording)."""
        event = found[0][0]
        result = max((r for _, r in found), key=lambda r: r.share.fraction)
        vessels = list(dict.fromkeys(e.vessel for e, _ in found))
        liquids = list(dict.fromkeys(lid for _, r in found for lid in r.share.liquids))
        names = ", ".join(f"'{self.components[lid].name}'" for lid in liquids)
        facts = ", ".join(f"{f.property} {f.celsius:g} degC ({f.severity})"
                          for f in result.figures)
        pct = f"{result.share.fraction * 100:.3g}%"
        share = f"~{pct} of the vessel" if result.share.from_amounts else (
            f"up to {pct}: the liquids' amounts are not known")
        device = device_name(event.device)
        self.findings.append(Finding(
            code="SAFETY_THERMAL", category=Category.SAFETY, severity=Severity(result.severity),
            message=(
                f"step {event.step}: heating {_vessels_text(vessels)} to {event.celsius:g} degC "
                f"on the {device} with {result.chemical} "
                f"({'major' if result.major else 'minor'} component, {share}; from {names}): "
                f"{facts} - at or below the set temperature plus the {margin:g} degC margin "
                f"[source: measured data via the `chemicals` package, lowest measured value]"
            ),
            hint=("lower the temperature, use a less volatile/flammable solvent, or do this "
                  "step off-deck in a fume hood" if result.severity == "error" else
                  "check the mixture's flash/boiling point, or lower the temperature"),
            step=event.step, pointer=event.pointer,
            data={
                "vessel": event.vessel, "vessels": vessels, "device": event.device,
                "liquids": liquids, "liquid": liquids[0] if liquids else None,
                "chemical": result.chemical, "celsius": event.celsius, "margin_c": margin,
                "share": result.share.fraction, "share_from_amounts": result.share.from_amounts,
                "major": result.major, "share_basis": result.share.basis,
                "minor_threshold_percent": self.policy.thermal_minor_percent,
                "figures": [f.model_dump() for f in result.figures],
                "sources": ["measured data via the `chemicals` package ("
                            + ", ".join(sorted({f.source for f in result.figures}))
                            + "); lowest value across measured sources",
                            "thermal rule: labwright.verifiers.safety.thermal"],
            },
        ))

    # ------------------------------------------------------------------ identity & policy
    def identities(self) -> None:
        for lid, component in self.components.items():
            step, pointer = self.first_seen.get(lid, (None, ""))
            resolution = self.resolutions[lid]
            status = _policy_status(resolution, self.policy)
            # a refused chemical named only as a candidate (e.g. by the description) is refused
            # all the same: the refusal does not wait for certainty
            named = list(self.candidates.get(lid, []))
            if resolution.unknown and component.description:
                named.append(resolve(component.description.strip()[:200]))
            refused = [c for c in (_policy_status(r, self.policy) for r in named) if c.refused]
            if refused and not status.refused:
                status = refused[0]
            if status.refused:
                worst = min((m for m in status.cwc if self.policy.refuses(m.schedule)),
                            key=lambda m: m.schedule)
                self.findings.append(Finding(
                    code="POLICY_CWC_REFUSED", category=Category.POLICY, severity=Severity.ERROR,
                    message=(f"'{component.name}' is a Chemical Weapons Convention Schedule "
                             f"{worst.schedule} chemical ({worst.item}: {worst.name}, matched by "
                             f"{worst.how}): refused [source: Chemical Weapons Convention, "
                             f"Annex on Chemicals, Schedule {worst.schedule}]"),
                    hint="this protocol cannot be run; scheduled chemicals are refused outright",
                    step=step, pointer=pointer,
                    data={"liquid": lid, "schedule": worst.schedule, "item": worst.item,
                          "matches": [m.model_dump() for m in status.cwc],
                          "sources": ["Chemical Weapons Convention, Annex on Chemicals"]},
                ))
            source = f"[source: lab policy '{self.policy.name}']"
            if status.banned:
                banned = [r for r in status.reasons if " is banned " in r]
                self.findings.append(Finding(
                    code="POLICY_BANNED_SUBSTANCE", category=Category.POLICY,
                    severity=Severity.ERROR,
                    message=(f"'{component.name}' is banned by lab policy '{self.policy.name}': "
                             f"{'; '.join(banned)} {source}"),
                    hint="remove it from the protocol or ask for a policy change",
                    step=step, pointer=pointer,
                    data={"liquid": lid, "reasons": banned, "policy": self.policy.name},
                ))
            if status.requires_approval and not status.refused:
                why = [r for r in status.reasons if "approval" in r]
                self.findings.append(Finding(
                    code="POLICY_APPROVAL_REQUIRED", category=Category.POLICY,
                    severity=Severity.WARNING,
                    message=(f"'{component.name}' needs a person's approval: "
                             f"{'; '.join(why)} {source}"),
                    hint="a person must approve this protocol before dispatch",
                    step=step, pointer=pointer, requires_approval=True,
                    data={"liquid": lid, "reasons": why, "policy": self.policy.name},
                ))
            if status.possible_cwc and not status.refused:
                self._possible_cwc(lid, component, status, step, pointer)
            if resolution.unknown and resolution.candidates and not status.refused:
                self._ambiguous(lid, component, resolution, step, pointer)
            elif (resolution.unknown and not status.refused
                    and not component.name.startswith(UNKNOWN_PREFIX)):
                close = suggestions(component.name)
                severity = Severity.ERROR if (
                    self.strict or self.policy.unknown_chemical_severity == "error"
                ) else Severity.WARNING
                self.findings.append(Finding(
                    code="SAFETY_UNKNOWN_CHEMICAL", category=Category.SAFETY, severity=severity,
                    message=(f"liquid '{component.name}' ({lid}) could not be identified: its "
                             "compatibility and thermal hazards are unknown (unknown is never "
                             "safe)"),
                    hint=("give a known name, a CAS number or a SMILES for this liquid"
                          + (f" (did you mean: {', '.join(close)}?)" if close else "")),
                    step=step, pointer=pointer, data={"liquid": lid, "suggestions": close},
                ))


    def _possible_cwc(self, lid: str, component: Component, status: PolicyStatus,
                      step: int | None, pointer: str) -> None:
        match = status.possible_cwc[0]
        self.findings.append(Finding(
            code="POLICY_CWC_POSSIBLE", category=Category.POLICY, severity=Severity.WARNING,
            message=(f"liquid '{component.name}' ({lid}) is also the military code of "
                     f"{match.name} (Chemical Weapons Convention Schedule {match.schedule}, "
                     f"{match.item}); a code alone does not say what the liquid is, so this is "
                     "not refused; a liquid that is this agent is refused whatever it is called "
                     f"[source: Chemical Weapons Convention, Annex on Chemicals, Schedule "
                     f"{match.schedule}]"),
            hint="give the liquid a descriptive name (or a CAS number or SMILES)",
            step=step, pointer=pointer,
            data={"liquid": lid, "schedule": match.schedule, "item": match.item,
                  "agent": match.name},
        ))

    def _ambiguous(self, lid: str, component: Component, resolution: Resolution,
                   step: int | None, pointer: str) -> None:
        severity = Severity.ERROR if (
            self.strict or self.policy.unknown_chemical_severity == "error"
        ) else Severity.WARNING
        names = resolution.candidates
        could = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        self.findings.append(Finding(
            code="SAFETY_AMBIGUOUS_CHEMICAL", category=Category.SAFETY, severity=severity,
            message=(f"liquid '{component.name}' ({lid}) could be {could}: {resolution.note}; "
                     "it is checked as unknown, each candidate against the liquids it meets "
                     f"[source: {resolution.source}]"),
            hint=("say which it is: a specific name (e.g. 'ELISA stop solution', 'Buffer AL'), "
                  "a CAS number or a SMILES, or a description naming its chemicals"),
            step=step, pointer=pointer,
            data={"liquid": lid, "candidates": names, "source": resolution.source},
        ))


def safety_pass(
    components: dict[str, Component],
    mixes: list[MixEvent],
    heats: list[HeatEvent],
    policy: Policy | None = None,
    strict: bool = False,
) -> list[Finding]:
    """Check a replayed protocol: incompatible meetings, heating, policy, unknown chemicals."""
    run = _Pass(components, policy or default_policy(), strict)
    run.mixes(mixes)
    run.heats(heats)
    run.identities()
    return sorted(run.findings, key=Finding.sort_key)
