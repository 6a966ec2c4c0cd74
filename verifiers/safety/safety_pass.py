"""The safety pass: replayed mixing and heating events -> findings.

The caller (the verifier, replaying the deck twin) gives every liquid once (``Component``),
then, step by step, what each vessel (well, reservoir, tip) holds after a step (``MixEvent``)
and every heating step (``HeatEvent``). Each incompatible pair is reported once per vessel, at
the step where the two first meet; heating is checked against measured boiling point, flash
point and autoignition temperature; the lab policy is applied to every liquid.
"""

from __future__ import annotations

from labwright.verifiers.findings import Category, Finding, Severity
from labwright.verifiers.safety.compatibility import Hazard, assess, severity_of, summarise
from labwright.verifiers.safety.physical import physical_data
from labwright.verifiers.safety.policy import Policy, default_policy, policy_status
from labwright.verifiers.safety.records import Resolution
from labwright.verifiers.safety.resolve import resolve, suggestions
from pydantic import BaseModel, Field

UNKNOWN_PREFIX = "?"


class Component(BaseModel):
    """One liquid as declared in the protocol."""

    liquid_id: str
    name: str
    smiles: str | None = None
    cas: str | None = None
    concentration: str | None = None


class MixEvent(BaseModel):
    """What a vessel holds after a step (``new``: liquids that just arrived)."""

    step: int
    pointer: str = ""
    vessel: str = Field(description='e.g. "plate:A1" or "tip:p300#3"')
    components: list[str]
    new: list[str] = Field(default_factory=list)
    volume_ul: float | None = Field(default=None, description="total volume after the step")


class HeatEvent(BaseModel):
    """A heating step applied to a vessel."""

    step: int
    pointer: str = ""
    vessel: str
    celsius: float
    components: list[str]
    device: str = ""


def resolve_component(component: Component) -> Resolution:
    return resolve(component.name, component.smiles, component.cas, component.concentration)


def _describe(component: Component, resolution: Resolution, involved: set[str]) -> str:
    """'bleach' (sodium hypochlorite 5.25%): the liquid and its chemicals that react."""
    labels = [c.label for c in resolution.components if c.record.name in involved]
    label = ", ".join(labels) or resolution.label
    if label.casefold() == component.name.casefold():
        return f"'{component.name}'"
    return f"'{component.name}' ({label})"


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
        self.first_seen: dict[str, tuple[int, str]] = {}
        self.pair_cache: dict[frozenset[str], list[Hazard]] = {}

    # ------------------------------------------------------------------ helpers
    def _known(self, liquid_id: str) -> bool:
        res = self.resolutions.get(liquid_id)
        return res is not None and not res.unknown

    def _see(self, liquid_id: str, step: int, pointer: str) -> None:
        self.first_seen.setdefault(liquid_id, (step, pointer))

    def _hazards(self, a: str, b: str) -> list[Hazard]:
        key = frozenset((a, b))
        if key not in self.pair_cache:
            self.pair_cache[key] = assess(self.resolutions[a], self.resolutions[b]).hazards
        return self.pair_cache[key]

    # ------------------------------------------------------------------ mixing
    def mixes(self, events: list[MixEvent]) -> None:
        met: dict[str, set[frozenset[str]]] = {}
        volume_reported: set[str] = set()
        for event in sorted(events, key=lambda e: e.step):
            present = list(dict.fromkeys([*event.components, *event.new]))
            for lid in present:
                self._see(lid, event.step, event.pointer)
            self._volume(event, volume_reported)
            seen = met.setdefault(event.vessel, set())
            arrivals = event.new or present
            for new in arrivals:
                for other in present:
                    key = frozenset((new, other))
                    if new == other or key in seen:
                        continue
                    seen.add(key)
                    if not (self._known(new) and self._known(other)):
                        continue
                    hazards = self._hazards(new, other)
                    if hazards:
                        self._incompatible(event, other, new, hazards)

    def _incompatible(self, event: MixEvent, first: str, second: str, hazards: list[Hazard]) -> None:
        ca, cb = self.components[first], self.components[second]
        ra, rb = self.resolutions[first], self.resolutions[second]
        summary = summarise(hazards)
        sources = sorted({h.source for h in hazards})
        involved = {name for h in hazards for name in h.chemicals}
        self.findings.append(Finding(
            code="SAFETY_INCOMPATIBLE",
            category=Category.SAFETY,
            severity=Severity(severity_of(hazards)),
            message=(
                f"step {event.step}: {_describe(ca, ra, involved)} and "
                f"{_describe(cb, rb, involved)} meet in "
                f"{event.vessel}: {summary} [source: {'; '.join(sources)}]"
            ),
            hint=(
                "keep these liquids apart: use separate wells/reservoirs, change the tip "
                "between them (carry-over counts), or replace one of them"
            ),
            step=event.step,
            pointer=event.pointer,
            data={
                "vessel": event.vessel,
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
        if event.volume_ul > limit:
            reported.add(event.vessel)
            self.findings.append(Finding(
                code="POLICY_MAX_VOLUME", category=Category.POLICY, severity=Severity.ERROR,
                message=(f"step {event.step}: {event.vessel} holds {event.volume_ul:g} uL, above "
                         f"the policy limit of {limit:g} uL ({self.policy.name})"),
                hint="split the volume over several vessels or ask for a policy change",
                step=event.step, pointer=event.pointer,
                data={"vessel": event.vessel, "volume_ul": event.volume_ul, "limit_ul": limit},
            ))

    # ------------------------------------------------------------------ heating
    def heats(self, events: list[HeatEvent]) -> None:
        reported: set[tuple[str, str, str]] = set()
        margin = self.policy.thermal_margin_c
        for event in sorted(events, key=lambda e: e.step):
            for lid in event.components:
                self._see(lid, event.step, event.pointer)
            if event.celsius > self.policy.max_temperature_c:
                self.findings.append(Finding(
                    code="POLICY_MAX_TEMPERATURE", category=Category.POLICY,
                    severity=Severity.ERROR,
                    message=(f"step {event.step}: {event.device or 'heater'} set to "
                             f"{event.celsius:g} degC for {event.vessel}, above the policy "
                             f"maximum of {self.policy.max_temperature_c:g} degC"),
                    hint="lower the temperature or ask for a policy change",
                    step=event.step, pointer=event.pointer,
                    data={"vessel": event.vessel, "celsius": event.celsius,
                          "limit_c": self.policy.max_temperature_c},
                ))
            limit = event.celsius + margin
            for lid in event.components:
                if not self._known(lid):
                    continue
                for item in self.resolutions[lid].components:
                    if item.dilute:
                        continue
                    key = (event.vessel, lid, item.record.name)
                    if key in reported:
                        continue
                    figures = self._exceeded(item.record, limit)
                    if figures:
                        reported.add(key)
                        self._thermal(event, lid, item.record.name, figures, margin)

    @staticmethod
    def _exceeded(record, limit: float) -> list[dict[str, object]]:
        if not record.cas:
            return []
        data = record.physical if record.physical is not None else physical_data(record.cas)
        out = []
        props = [("autoignition temperature", data.autoignition),
                 ("flash point", data.flash_point)]
        if "water" not in record.tags:
            props.append(("boiling point", data.boiling_point))
        for label, value in props:
            if value is not None and value.celsius <= limit:
                out.append({"property": label, "celsius": value.celsius, "source": value.source,
                            "all_sources": value.all_sources})
        return out

    def _thermal(self, event: HeatEvent, lid: str, chemical: str,
                 figures: list[dict[str, object]], margin: float) -> None:
        facts = ", ".join(f"{f['property']} {f['celsius']:g} degC" for f in figures)
        self.findings.append(Finding(
            code="SAFETY_THERMAL", category=Category.SAFETY, severity=Severity.ERROR,
            message=(
                f"step {event.step}: heating {event.vessel} to {event.celsius:g} degC"
                f"{' on ' + event.device if event.device else ''} with {chemical} "
                f"(liquid '{self.components[lid].name}'): {facts} - at or below the set "
                f"temperature plus the {margin:g} degC margin"
            ),
            hint="lower the temperature, use a less volatile/flammable solvent, or do this "
                 "step off-deck in a fume hood",
            step=event.step, pointer=event.pointer,
            data={"vessel": event.vessel, "liquid": lid, "chemical": chemical,
                  "celsius": event.celsius, "margin_c": margin, "figures": figures,
                  "sources": ["measured data via the `chemicals` package "
                              f"({', '.join(sorted({str(f['source']) for f in figures}))}); "
                              "lowest value across measured sources"]},
        ))

    # ------------------------------------------------------------------ identity & policy
    def identities(self) -> None:
        for lid, component in self.components.items():
            step, pointer = self.first_seen.get(lid, (None, ""))
            resolution = self.resolutions[lid]
            status = policy_status(resolution, self.policy)
            if status.refused:
                worst = min((m for m in status.cwc if m.schedule in
                             self.policy.cwc_refuse_schedules), key=lambda m: m.schedule)
                self.findings.append(Finding(
                    code="POLICY_CWC_REFUSED", category=Category.POLICY, severity=Severity.ERROR,
                    message=(f"'{component.name}' is a Chemical Weapons Convention Schedule "
                             f"{worst.schedule} chemical ({worst.item}: {worst.name}, matched by "
                             f"{worst.how}): refused"),
                    hint="this protocol cannot be run; scheduled chemicals are refused outright",
                    step=step, pointer=pointer,
                    data={"liquid": lid, "schedule": worst.schedule, "item": worst.item,
                          "matches": [m.model_dump() for m in status.cwc],
                          "sources": ["Chemical Weapons Convention, Annex on Chemicals"]},
                ))
            if status.banned:
                self.findings.append(Finding(
                    code="POLICY_BANNED_SUBSTANCE", category=Category.POLICY,
                    severity=Severity.ERROR,
                    message=f"'{component.name}' is banned by lab policy '{self.policy.name}'",
                    hint="remove it from the protocol or ask for a policy change",
                    step=step, pointer=pointer, data={"liquid": lid},
                ))
            if status.requires_approval and not status.refused:
                self.findings.append(Finding(
                    code="POLICY_APPROVAL_REQUIRED", category=Category.POLICY,
                    severity=Severity.WARNING,
                    message=(f"'{component.name}' needs a person's approval: "
                             f"{'; '.join(r for r in status.reasons)}"),
                    hint="a person must approve this protocol before dispatch",
                    step=step, pointer=pointer, requires_approval=True,
                    data={"liquid": lid, "reasons": status.reasons},
                ))
            if (resolution.unknown and not status.refused
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
