"""The campaign file: what is varied, what is measured and wanted, and how one experiment is run.

A campaign file (YAML or JSON, ``labwright: campaign/1``) declares

* ``parameters``: continuous (``low``/``high``), integer, or categorical (``values``; a
  categorical parameter may choose a stock, e.g. a reagent or catalyst);
* ``constraints``: mixtures (``sum`` of parameters equal to a value, e.g. fractions summing
  to 1) and linear inequalities (``linear`` with ``max``/``min``);
* ``objectives``: one or several measured quantities to ``maximise`` or ``minimise``, each
  with an optional ``target`` (the campaign stops once every target is met) and a
  ``reference`` (the worst value worth having: the hypervolume's reference point);
* ``budget`` (experiments) and ``batch`` (experiments proposed together), ``seed``,
  ``optimizer`` (``bo`` or ``random``), ``backend``;
* ``template``: how one parameter set becomes a liquid-handling protocol (stocks, plate,
  pipettes, additions with volumes as expressions of the parameters, temperature, shaking
  time, the measurement), see ``template``;
* ``twin``: the chemistry twin that measures on the ``twin`` backend (``colour``, ``snar``,
  ``mit``) and its options.

Everything a user can get wrong is reported as ``UnusableInputError`` naming the field and the
fix (the CLI exits 2), before any experiment is proposed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from labwright.agents.campaign.expressions import ExpressionError, names_in, parse_expression
from labwright.protocols.errors import UnusableInputError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA = "campaign/1"
MAX_BUDGET = 1000
MAX_BATCH = 24
Expr = float | str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
    type: Literal["continuous", "integer", "categorical"] = "continuous"
    low: float | None = None
    high: float | None = None
    values: list[str] | None = Field(default=None, description="categorical choices")
    unit: str = ""
    description: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Parameter:
        if self.type == "categorical":
            if not self.values or len(set(self.values)) != len(self.values) or len(self.values) < 2:
                raise ValueError(f"categorical parameter {self.name!r} needs at least two distinct values")
            if self.low is not None or self.high is not None:
                raise ValueError(f"categorical parameter {self.name!r} takes values, not low/high")
        else:
            if self.low is None or self.high is None or not self.low < self.high:
                raise ValueError(f"parameter {self.name!r} needs low < high")
            if self.values is not None:
                raise ValueError(f"{self.type} parameter {self.name!r} takes low/high, not values")
            if self.type == "integer" and (self.low != int(self.low) or self.high != int(self.high)):
                raise ValueError(f"integer parameter {self.name!r} needs whole-number bounds")
        return self


class SumConstraint(_Model):
    """A mixture: the parameters add up to ``value`` (e.g. volume fractions summing to 1)."""

    type: Literal["sum"] = "sum"
    parameters: list[str] = Field(min_length=2)
    value: float = 1.0


class LinearConstraint(_Model):
    """``sum(coefficient * parameter)`` at most ``max`` and/or at least ``min``."""

    type: Literal["linear"] = "linear"
    coefficients: dict[str, float] = Field(min_length=1)
    max: float | None = None
    min: float | None = None

    @model_validator(mode="after")
    def _bound(self) -> LinearConstraint:
        if self.max is None and self.min is None:
            raise ValueError("a linear constraint needs max or min")
        return self


Constraint = Annotated[SumConstraint | LinearConstraint, Field(discriminator="type")]


class ColourDifference(_Model):
    """The objective is the CIEDE2000 difference between measured CIELAB values and a target.

    The optimiser then models each measured component (L*, a*, b*: smooth in the mixture) and
    computes the colour difference of its predictions, instead of modelling the difference
    itself (which has a cusp at the target): colour matching needs far fewer experiments so.
    """

    target_lab: tuple[float, float, float] | None = None
    target_srgb: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")
    measured: tuple[str, str, str] = ("L", "a", "b")

    @model_validator(mode="after")
    def _one_target(self) -> ColourDifference:
        if (self.target_lab is None) == (self.target_srgb is None):
            raise ValueError("colour_difference needs target_lab [L, a, b] or target_srgb '#RRGGBB'")
        return self

    def lab(self) -> tuple[float, float, float]:
        if self.target_lab is not None:
            return self.target_lab
        from labwright.simulators.chemistry.cie import lab_from_xyz, xyz_from_srgb_hex

        return lab_from_xyz(xyz_from_srgb_hex(str(self.target_srgb)))


class Objective(_Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
    measurement: str | None = Field(
        default=None, description="the twin's measured value (dotted path); default: the name"
    )
    direction: Literal["maximise", "minimise"] = "maximise"
    target: float | None = Field(default=None, description="good enough: met at or beyond this value")
    reference: float | None = Field(default=None, description="worst value worth having (hypervolume)")
    transform: Literal["none", "log"] = Field(
        default="none", description="'log': the model sees log(value) (positive values spanning decades)"
    )
    colour_difference: ColourDifference | None = Field(
        default=None, description="the value is CIEDE2000 from the measured L*, a*, b* to a target"
    )

    @model_validator(mode="after")
    def _colour(self) -> Objective:
        if self.colour_difference is not None and self.direction != "minimise":
            raise ValueError(f"objective {self.name!r}: a colour difference is minimised")
        return self

    @property
    def key(self) -> str:
        return self.measurement or self.name

    def met(self, value: float) -> bool:
        if self.target is None:
            return False
        return value <= self.target if self.direction == "minimise" else value >= self.target


class StockSpec(_Model):
    """A liquid the robot draws from: a protocol liquid and, for the twin, what it holds."""

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
    name: str = Field(min_length=1)
    smiles: str | None = None
    cas: str | None = None
    concentration: str | None = Field(default=None, description='e.g. "150 uM", "2 M"; none: neat')
    species: str | None = Field(default=None, description="the twin's name for the solute (default: name)")
    solvent: str | None = Field(default=None, description="what it is dissolved in (for mass balances)")
    well: str = Field(description="well of the stock labware, e.g. A1")
    volume: str = Field(default="10 mL", description="volume placed in the stock well")


class PipetteSpec(_Model):
    model: str
    mount: Literal["left", "right"]
    tip_rack: str = Field(description="Opentrons load name of its tip rack")
    tip_slot: str


class ModuleSpec(_Model):
    type: Literal["heater_shaker", "temperature"]
    model: str | None = None
    slot: str
    adapter: str | None = Field(default=None, description="adapter load name between module and plate")


class Addition(_Model):
    stock: str = Field(description="a stock id, or {parameter} for the stock a categorical parameter chose")
    volume: Expr = Field(description="uL, an expression of the parameters")


class Shake(_Model):
    rpm: Expr
    seconds: Expr


class MeasureSpec(_Model):
    kind: Literal["absorbance", "fluorescence", "luminescence"] = "absorbance"
    wavelength_nm: float | None = None


class Template(_Model):
    robot: Literal["ot2", "flex"] = "ot2"
    pipettes: list[PipetteSpec] = Field(min_length=1)
    stock_labware: str = Field(description="Opentrons load name of the stock reservoir or rack")
    stock_slot: str
    stocks: list[StockSpec] = Field(min_length=1)
    plate: str = Field(description="Opentrons load name of the reaction/measurement plate")
    plate_slot: str | None = Field(default=None, description="deck slot, unless it sits on the module")
    module: ModuleSpec | None = None
    additions: list[Addition] = Field(min_length=1)
    mix_repetitions: int = Field(default=3, ge=0, le=20, description="mix the well after the last addition")
    temperature: Expr | None = Field(default=None, description="degC held while the experiment runs")
    shake: Shake | None = None
    delay: Expr | None = Field(default=None, description="seconds to wait before measuring")
    measure: MeasureSpec = MeasureSpec()
    round_ul: float = Field(default=0.1, gt=0, description="volumes are rounded to this resolution")


class TwinSpec(_Model):
    kind: Literal["colour", "snar", "mit"]
    options: dict[str, Any] = Field(default_factory=dict)


class CampaignSpec(_Model):
    labwright: Literal["campaign/1"] = SCHEMA
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    seed: int = Field(default=0, ge=0)
    budget: int = Field(default=24, ge=1, le=MAX_BUDGET)
    batch: int = Field(default=1, ge=1, le=MAX_BATCH)
    initial: int | None = Field(default=None, ge=1, description="space-filling experiments before the model")
    optimizer: Literal["bo", "random"] = "bo"
    backend: Literal["twin", "opentrons-sim", "opentrons-http"] = "twin"
    robot: str | None = Field(default=None, description="robot address for opentrons-http")
    backend_options: dict[str, float | int | str | bool] = Field(
        default_factory=dict,
        description="keyword options of the backend, e.g. {action_delay_s: 0.05} paces the twin like a robot",
    )
    stop_on_target: bool = True
    strict: bool = Field(default=False, description="verifier warnings make an experiment infeasible")
    twin: TwinSpec
    parameters: list[Parameter] = Field(min_length=1, max_length=20)
    constraints: list[Constraint] = Field(default_factory=list)
    objectives: list[Objective] = Field(min_length=1, max_length=3)
    template: Template

    @field_validator("parameters")
    @classmethod
    def _unique(cls, value: list[Parameter]) -> list[Parameter]:
        names = [p.name for p in value]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"parameter names must be unique: {dup}")
        return value

    @model_validator(mode="after")
    def _references(self) -> CampaignSpec:
        check_references(self)
        return self

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)


def check_references(spec: CampaignSpec) -> None:
    """Every name a constraint, objective or template uses is declared, and of the right kind."""
    params = {p.name: p for p in spec.parameters}
    numeric = {n for n, p in params.items() if p.type != "categorical"}
    for c in spec.constraints:
        used = c.parameters if isinstance(c, SumConstraint) else list(c.coefficients)
        bad = [n for n in used if params.get(n) is None or params[n].type != "continuous"]
        if bad:
            raise ValueError(f"constraint over {bad}: constraints take continuous parameters only")
    stocks = {s.id for s in spec.template.stocks}
    for add in spec.template.additions:
        if add.stock.startswith("{") and add.stock.endswith("}"):
            choice = params.get(add.stock[1:-1])
            if choice is None or choice.type != "categorical":
                raise ValueError(f"addition stock {add.stock}: no categorical parameter of that name")
            missing = [v for v in choice.values or [] if v not in stocks]
            if missing:
                raise ValueError(f"parameter {choice.name!r} chooses stocks {missing} that are not declared")
        elif add.stock not in stocks:
            raise ValueError(f"addition stock {add.stock!r} is not one of the stocks {sorted(stocks)}")
    t = spec.template
    exprs = [a.volume for a in t.additions] + [t.temperature, t.delay]
    exprs += [t.shake.rpm, t.shake.seconds] if t.shake else []
    for e in exprs:
        if isinstance(e, str):
            try:
                parse_expression(e)
                unknown = names_in(e) - numeric
            except ExpressionError as exc:
                raise ValueError(str(exc)) from None
            if unknown:
                raise ValueError(f"expression {e!r} uses {sorted(unknown)}: not numeric parameters")
    if (t.temperature is not None or t.shake is not None) and t.module is None:
        raise ValueError("template.temperature and template.shake need template.module")
    if t.shake is not None and t.module is not None and t.module.type != "heater_shaker":
        raise ValueError("template.shake needs a heater_shaker module")
    if t.plate_slot is None and t.module is None:
        raise ValueError("template.plate_slot is needed when the plate is not on a module")
    names = [o.name for o in spec.objectives]
    if any(o.colour_difference for o in spec.objectives) and len(names) > 1:
        raise ValueError("a colour_difference objective must be the campaign's only objective")
    if len(set(names)) != len(names):
        raise ValueError(f"objective names must be unique: {names}")


# ------------------------------------------------------------------------------ loading


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ()))
    msg = str(first.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def campaign_from_document(doc: Any, source: str = "<campaign>") -> CampaignSpec:
    """Validate a campaign document (a dict read from YAML/JSON, or built by an agent)."""
    if not isinstance(doc, dict):
        raise UnusableInputError(
            f"{source}: a campaign file is a mapping, not a {type(doc).__name__}",
            hint="see examples/campaigns/colour_match.yaml",
        )
    if doc.get("labwright") != SCHEMA:
        raise UnusableInputError(
            f"{source}: not a campaign file (its 'labwright' key is {doc.get('labwright')!r})",
            hint=f"start the file with `labwright: {SCHEMA}`; protocols go to `labwright run`",
        )
    try:
        return CampaignSpec.model_validate(doc)
    except ValidationError as exc:
        raise UnusableInputError(
            f"{source}: {_first_error(exc)}",
            hint="fix the campaign file (see the Campaigns section of the README)",
        ) from None


def load_campaign(path: str | Path) -> CampaignSpec:
    from labwright.protocols.documents import parse_json, parse_yaml, read_text_file

    path = Path(path)
    text = read_text_file(path, what="campaign file")
    doc = (
        parse_json(text, source=str(path))
        if path.suffix.lower() == ".json"
        else parse_yaml(text, source=str(path))
    )
    return campaign_from_document(doc, str(path))


def with_overrides(spec: CampaignSpec, **overrides: Any) -> CampaignSpec:
    """The spec with command-line overrides (seed, budget, batch, optimizer, backend...) applied."""
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return spec
    try:
        return CampaignSpec.model_validate(spec.model_dump(mode="json") | given)
    except ValidationError as exc:
        raise UnusableInputError(
            f"option {_first_error(exc)}", hint="see `labwright campaign run --help`"
        ) from None
