"""What an experiment would measure, without dispatching it: verify, then read the twin.

The verifier replays the protocol on the deck twin (``Report.twin``); the chemistry twin reads
that replay's measurement event, exactly as the ``twin`` backend's hook reads its own replay.
Used for the random baseline drawn in reports, for benchmarks of optimisers, and for the
measurement of backends without an instrument (``opentrons-sim``: the Opentrons simulator runs
the protocol, the twin predicts what the plate reader would read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labwright.agents.campaign.spec import CampaignSpec
from labwright.agents.campaign.template import InfeasibleProposal, compile_experiment, experiment_well
from labwright.protocols.models import Protocol
from labwright.simulators.chemistry.base import ChemistryTwin
from labwright.verifiers.verifier import Report, VerifyOptions, verify


@dataclass
class OfflineResult:
    feasible: bool
    measurement: dict[str, Any] | None
    errors: list[str] = field(default_factory=list)
    protocol_sha256: str | None = None


def findings_text(report: Report, severity: str) -> list[str]:
    return [f"{f.code}: {f.message}" for f in report.findings if f.severity == severity]


def predicted_measurement(protocol: Protocol, twin: ChemistryTwin, well: str) -> dict[str, Any] | None:
    """The twin's reading of ``well`` at the protocol's last measurement (deck twin replay)."""
    from labwright.simulators.deck.replay import replay
    from labwright.simulators.deck.resolve import resolve

    events = replay(resolve(protocol)).twin.measurements
    return twin(events[-1]).get(well) if events else None


def evaluate_offline(
    spec: CampaignSpec, params: dict[str, Any], index: int, twin: ChemistryTwin, key: str
) -> OfflineResult:
    try:
        protocol = compile_experiment(spec, params, index)
    except InfeasibleProposal as exc:
        return OfflineResult(False, None, [f"TEMPLATE_INFEASIBLE: {exc}"])
    report = verify(protocol, VerifyOptions(strict=spec.strict))
    if not report.ok or report.twin is None or not report.twin.measurements:
        return OfflineResult(False, None, findings_text(report, "error"), report.protocol_sha256)
    values = twin.for_experiment(key)(report.twin.measurements[-1])
    return OfflineResult(True, values.get(experiment_well(index)), [], report.protocol_sha256)
