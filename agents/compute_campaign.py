"""A computational campaign twin: a closed loop whose "experiments" are compute-module scores.

Each round an optimiser proposes a batch of molecules (round 1: a seeded random pick from the
design seed pool; later rounds: graph-GA mutations and crossovers of the best molecules measured
so far). The batch becomes a generated labwright protocol: one liquid per candidate (name and
SMILES) in its own well of a stock plate, a transfer of each stock into its own well of an assay
plate, and a ``measure`` step. The protocol is verified (formal passes and the safety pass) and
the certified bytes are dispatched through the ledger-backed :class:`Dispatcher` to the ``twin``
backend, whose measurement hook "measures" each well with a design objective (RDKit QED by
default; the GFN2-xTB HOMO-LUMO gap from ``tblite`` with ``gap:LOW:HIGH``). Every round is
therefore one run in the same ledger as liquid-handling runs (``labwright runs list/show``).

The idempotency key of a round is ``<campaign id>:r<round>`` (``agents.closed_loop``, shared
with the experiment-design campaigns of ``agents.campaign``): re-running a campaign (after a
crash, or to add rounds) reads the finished rounds' measurements back from the ledger instead of
dispatching them again, and regenerates the same proposals because the optimiser is seeded.
A round whose in-process run died with its process (``interrupted``) is dispatched again under
``<campaign id>:r<round>:a<attempt>``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from labwright.agents.closed_loop import dispatch_with_attempts, round_key, well_name
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger, RunRecord
from labwright.hardware.twin_backend import TwinBackend
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.io import parse_protocol
from labwright.protocols.models import Protocol
from labwright.protocols.provenance import package_versions
from labwright.simulators.deck.events import MeasureEvent
from labwright.verifiers.verifier import VerifyOptions, verify
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

MAX_BATCH = 96
STOCK_UL = 100.0
ASSAY_UL = 50.0

RoundStatus = Literal["succeeded", "refused", "failed", "interrupted", "stopped"]


class CampaignConfig(BaseModel):
    """What a computational campaign runs."""

    model_config = ConfigDict(extra="forbid")

    rounds: int = Field(default=3, ge=1, le=100)
    batch: int = Field(default=8, ge=1, le=MAX_BATCH, description="candidates per round (wells)")
    objective: str = Field(
        default="qed", description="a design objective spec: qed, sa, gap:LOW:HIGH, logp:LOW:HIGH..."
    )
    seed: int = 0
    campaign_id: str | None = Field(
        default=None, description="default: derived from objective, seed and batch (so re-runs resume)"
    )
    store: Path | None = Field(default=None, description="run ledger file (default: LABWRIGHT_HOME)")
    parents: int = Field(default=4, ge=1, description="best molecules bred from in later rounds")
    crossover_rate: float = Field(default=0.3, ge=0.0, le=1.0)
    min_heavy_atoms: int = Field(default=5, ge=1)
    max_heavy_atoms: int = Field(default=30, ge=1)
    strict: bool = Field(default=False, description="verifier warnings count as errors")


class CandidateResult(BaseModel):
    round: int
    well: str
    liquid: str
    smiles: str
    origin: str = Field(description="'pool', 'mutation of <smiles>' or 'crossover'")
    raw: float | None = None
    score: float | None = None


class RoundResult(BaseModel):
    round: int
    idempotency_key: str
    status: RoundStatus
    run_id: str | None = None
    reused: bool = Field(default=False, description="read back from the ledger, not dispatched now")
    protocol_sha256: str | None = None
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    candidates: list[CandidateResult] = Field(default_factory=list)
    best_in_round: float | None = None
    best_so_far: float | None = None
    best_smiles: str | None = None


class CampaignResult(BaseModel):
    campaign_id: str
    objective: str
    seed: int
    batch: int
    ledger: str
    completed: bool = Field(description="every requested round succeeded")
    rounds: list[RoundResult]
    best_smiles: str | None = None
    best_score: float | None = None
    measured: int = Field(description="distinct molecules measured")
    dispatched: int = Field(description="runs dispatched by this call (0 when all were in the ledger)")
    provenance: dict[str, Any] = Field(
        default_factory=dict, description="measurement hook, objective, seed, package versions"
    )


# -------------------------------------------------------------------------------- ids


def default_campaign_id(config: CampaignConfig) -> str:
    digest = hashlib.sha256(
        f"{config.objective}|{config.seed}|{config.batch}|{config.parents}|{config.crossover_rate}|"
        f"{config.min_heavy_atoms}|{config.max_heavy_atoms}".encode()
    ).hexdigest()[:8]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", config.objective).strip("-")[:24] or "objective"
    return f"compute-{slug}-s{config.seed}-b{config.batch}-{digest}"


def liquid_id(rnd: int, index: int) -> str:
    return f"r{rnd}_c{index:02d}"


# --------------------------------------------------------------------------- protocol


def campaign_protocol(campaign_id: str, rnd: int, smiles: list[str]) -> Protocol:
    """The round's protocol: each candidate stock to its own assay well, then a measurement."""
    if not 1 <= len(smiles) <= MAX_BATCH:
        raise UnusableInputError(
            f"a round holds 1 to {MAX_BATCH} candidates, not {len(smiles)}",
            hint=f"use --batch between 1 and {MAX_BATCH}",
        )
    wells = [well_name(i) for i in range(len(smiles))]
    doc: dict[str, Any] = {
        "labwright": "labwright/1",
        "metadata": {
            "name": f"{campaign_id} round {rnd}",
            "robot": "ot2",
            "description": f"computational campaign {campaign_id}, round {rnd}: "
            f"{len(smiles)} candidate molecules plated and measured by a compute module",
            "author": "labwright.agents.compute_campaign",
        },
        "labware": [
            {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
            {"id": "stocks", "load_name": "corning_96_wellplate_360ul_flat", "slot": "2"},
            {"id": "assay", "load_name": "corning_96_wellplate_360ul_flat", "slot": "3"},
        ],
        "pipettes": [{"id": "p300", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}],
        "liquids": [
            {
                "id": liquid_id(rnd, i),
                "name": f"candidate {i + 1} of round {rnd}",
                "smiles": s,
                "concentration": "10 mM",
                "initial_volumes": {f"stocks:{w}": f"{STOCK_UL:g} uL"},
            }
            for i, (s, w) in enumerate(zip(smiles, wells, strict=True))
        ],
        "steps": [
            {
                "op": "transfer",
                "pipette": "p300",
                "volume": f"{ASSAY_UL:g} uL",
                "source": [f"stocks:{w}" for w in wells],
                "dest": [f"assay:{w}" for w in wells],
                "new_tip": "always",
            },
            {"op": "measure", "labware": "assay", "wells": wells, "kind": "absorbance"},
        ],
    }
    return parse_protocol(doc)


# ------------------------------------------------------------------------ measurement


def compute_hook(objective_spec: str, smiles_of: dict[str, str]) -> Callable[[MeasureEvent], dict]:
    """A twin measurement hook scoring each measured well's candidate with the objective.

    ``smiles_of`` maps liquid ids to SMILES (filled in by the campaign before each dispatch).
    A well must hold exactly one candidate; anything else is a failed measurement.
    """
    from labwright.simulators.compute.design.objectives import parse_objective

    objective = parse_objective(objective_spec)

    def measure(event: MeasureEvent) -> dict[str, dict[str, Any]]:
        from rdkit import Chem

        out: dict[str, dict[str, Any]] = {}
        for well, composition in sorted(event.wells.items()):
            present = sorted(k for k, v in composition.items() if v > 1e-9)
            if not present:
                continue
            if len(present) != 1 or present[0] not in smiles_of:
                raise ValueError(f"well {well} holds {present}, not exactly one known candidate")
            smiles = smiles_of[present[0]]
            mol = Chem.MolFromSmiles(smiles)
            if mol is None:
                raise ValueError(f"well {well}: {smiles!r} is not a valid SMILES")
            raw = objective.raw(mol)
            # score and SMILES first: `labwright runs show` prints a well's first two values
            out[well] = {
                "score": objective.score(raw),
                "smiles": smiles,
                "raw": raw,
                "objective": objective.name,
                "liquid": present[0],
                "dispensed_ul": composition[present[0]],
            }
        return out

    measure.__name__ = f"compute:{objective.name}"
    return measure


# -------------------------------------------------------------------------- optimiser


class Proposer:
    """Seeded proposals: a random pool pick first, then GA children of the best measured."""

    def __init__(self, config: CampaignConfig) -> None:
        from labwright.simulators.compute.design import graph_ops
        from labwright.simulators.compute.design.seeds import load_seed_pool, substituent_counts

        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.pool, _ = load_seed_pool(config.min_heavy_atoms, config.max_heavy_atoms)
        self.limits = graph_ops.Limits(
            min_heavy_atoms=config.min_heavy_atoms, max_heavy_atoms=config.max_heavy_atoms
        )
        self.subs = graph_ops.Substituents.from_counts(substituent_counts())

    def _from_pool(self, n: int, seen: set[str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for i in self.rng.permutation(len(self.pool)):
            s = self.pool[int(i)]
            if s not in seen:
                seen.add(s)
                out.append((s, "pool"))
                if len(out) == n:
                    break
        return out

    def propose(self, measured: dict[str, float]) -> list[tuple[str, str]]:
        """``batch`` new (SMILES, origin) pairs, none already measured."""
        from labwright.simulators.compute.design import graph_ops

        n = self.config.batch
        seen = set(measured)
        if not measured:
            return self._from_pool(n, seen)
        ranked = sorted(measured, key=lambda s: (-measured[s], s))
        parents = ranked[: self.config.parents]
        out: list[tuple[str, str]] = []
        for _ in range(20 * n):
            if len(out) == n:
                break
            a = parents[int(self.rng.integers(len(parents)))]
            if len(parents) > 1 and self.rng.random() < self.config.crossover_rate:
                b = parents[int(self.rng.integers(len(parents)))]
                child, origin = graph_ops.crossover(a, b, self.rng, self.limits), "crossover"
            else:
                child = graph_ops.mutate(a, self.rng, self.limits, substituents=self.subs)
                origin = f"mutation of {a}"
            if child is not None and child not in seen:
                seen.add(child)
                out.append((child, origin))
        if len(out) < n:  # the GA ran dry: fill up from the pool
            out += self._from_pool(n - len(out), seen)
        return out


# ---------------------------------------------------------------------------- the loop


def _dispatch_round(
    dispatcher: Dispatcher,
    ledger: Ledger,
    protocol: Protocol,
    campaign_id: str,
    rnd: int,
    options: VerifyOptions,
) -> tuple[RoundResult, RunRecord | None]:
    base = round_key(campaign_id, rnd)
    report = verify(protocol, options)
    warnings = [f"{f.code}: {f.message}" for f in report.findings if f.severity == "warning"]
    errors = [f"{f.code}: {f.message}" for f in report.findings if f.severity == "error"]
    result = RoundResult(
        round=rnd,
        idempotency_key=base,
        status="refused",
        protocol_sha256=report.protocol_sha256,
        warnings=warnings,
        errors=errors,
    )
    if not report.ok or report.certificate is None:
        if not errors:
            result.errors = ["the verifier issued no certificate"]
        return result, None
    outcome = dispatch_with_attempts(dispatcher, ledger, protocol, report.certificate, base)
    result.idempotency_key = outcome.key
    result.status = outcome.status  # type: ignore[assignment]
    result.errors += outcome.errors
    result.reused = outcome.reused
    if outcome.record is not None:
        result.run_id = outcome.record.run_id
    return result, outcome.record


def run_compute_campaign(
    config: CampaignConfig, on_round: Callable[[RoundResult], None] | None = None
) -> CampaignResult:
    """Run (or resume) the closed loop; stops at the first round that does not succeed."""
    from labwright.simulators.compute.design.objectives import parse_objective
    from labwright.simulators.compute.design.seeds import canonical_smiles

    parse_objective(config.objective)  # unusable specs fail here, before anything is dispatched
    campaign_id = config.campaign_id or default_campaign_id(config)
    ledger = Ledger(config.store)
    smiles_of: dict[str, str] = {}
    hook = compute_hook(config.objective, smiles_of)
    dispatcher = Dispatcher(TwinBackend(hook, hook_name=hook.__name__), ledger)
    dispatcher.reconcile()  # a twin run left unfinished by a dead process becomes 'interrupted'
    proposer = Proposer(config)
    options = VerifyOptions(strict=config.strict)
    measured: dict[str, float] = {}
    rounds: list[RoundResult] = []
    dispatched = 0
    best: tuple[float, str] | None = None
    for rnd in range(1, config.rounds + 1):
        proposals = proposer.propose(measured)
        smiles = [canonical_smiles(s) or s for s, _ in proposals]
        for i, s in enumerate(smiles):
            smiles_of[liquid_id(rnd, i)] = s
        protocol = campaign_protocol(campaign_id, rnd, smiles)
        result, record = _dispatch_round(dispatcher, ledger, protocol, campaign_id, rnd, options)
        dispatched += int(record is not None and not result.reused)
        values: dict[str, dict[str, Any]] = {}
        if record is not None and record.results is not None and record.results.measurements:
            values = record.results.measurements[-1].values
        for i, (s, (_, origin)) in enumerate(zip(smiles, proposals, strict=True)):
            v = values.get(well_name(i), {})
            result.candidates.append(
                CandidateResult(
                    round=rnd,
                    well=well_name(i),
                    liquid=liquid_id(rnd, i),
                    smiles=s,
                    origin=origin,
                    raw=v.get("raw"),
                    score=v.get("score"),
                )
            )
        if result.status == "succeeded":
            scores = [c.score for c in result.candidates if c.score is not None]
            if len(scores) != len(result.candidates):
                result.status = "failed"
                result.errors.append("the run succeeded but not every well was measured")
            else:
                for c in result.candidates:
                    measured[c.smiles] = float(c.score)  # type: ignore[arg-type]
                    if best is None or c.score > best[0]:  # type: ignore[operator]
                        best = (float(c.score), c.smiles)  # type: ignore[arg-type]
                result.best_in_round = max(scores)
        if best is not None:
            result.best_so_far, result.best_smiles = best
        rounds.append(result)
        if on_round is not None:
            on_round(result)
        if result.status != "succeeded":
            log.warning("round %d of %s ended %s: %s", rnd, campaign_id, result.status, result.errors)
            break
    return CampaignResult(
        campaign_id=campaign_id,
        objective=config.objective,
        seed=config.seed,
        batch=config.batch,
        ledger=str(ledger.path),
        completed=len(rounds) == config.rounds and all(r.status == "succeeded" for r in rounds),
        rounds=rounds,
        best_smiles=None if best is None else best[1],
        best_score=None if best is None else best[0],
        measured=len(measured),
        dispatched=dispatched,
        provenance={
            "measurement_hook": hook.__name__,
            "objective": config.objective,
            "seed": config.seed,
            "backend": "twin",
            "versions": package_versions("labwright", "rdkit", "tblite", "numpy", "pydantic"),
        },
    )
