"""Pydantic records: a chemical, its physical data, a resolved component, a resolution of a name.

Data only; every other module of the safety package builds on these (they import nothing from
it but the concentration parser and the identity keys).
"""

from __future__ import annotations

from typing import Any, Literal

from labwright.verifiers.safety.concentration import Concentration
from labwright.verifiers.safety.identity import mol_from_smiles
from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["chemical", "buffer", "biological", "dye", "material", "mixture"]


class PropertyValue(BaseModel):
    """One physical property: the lowest measured value and the source that gave it."""

    model_config = ConfigDict(frozen=True)

    celsius: float
    source: str = Field(description="`chemicals` data source giving the lowest value")
    all_sources: dict[str, float] = Field(default_factory=dict, description="source -> degC")


class PhysicalData(BaseModel):
    """Measured boiling point, flash point and autoignition temperature (see physical.py)."""

    model_config = ConfigDict(frozen=True)

    cas: str | None = None
    boiling_point: PropertyValue | None = None
    flash_point: PropertyValue | None = None
    autoignition: PropertyValue | None = None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "boiling_point_c": self.boiling_point.celsius if self.boiling_point else None,
            "flash_point_c": self.flash_point.celsius if self.flash_point else None,
            "autoignition_c": self.autoignition.celsius if self.autoignition else None,
        }


class CwcMatch(BaseModel):
    """A Chemical Weapons Convention schedule entry that a chemical matches."""

    model_config = ConfigDict(frozen=True)

    schedule: int
    item: str
    name: str
    how: str = Field(description="CAS number | name | structure family")


class ChemicalRecord(BaseModel):
    """One chemical (or buffer / biological reagent) with its reactive groups and tags."""

    model_config = ConfigDict(frozen=True)

    name: str
    synonyms: list[str] = Field(default_factory=list)
    cas: str | None = None
    smiles: str | None = Field(default=None, description="canonical (RDKit) SMILES")
    formula: str | None = None
    kind: Kind = "chemical"
    groups: list[int] = Field(default_factory=list, description="EPA reactive groups (1980)")
    tags: list[str] = Field(default_factory=list, description="species classes")
    components: list[str] = Field(default_factory=list)
    hazardous_components: list[str] = Field(default_factory=list)
    note: str = ""
    identity_source: str = ""
    classified_by: list[str] = Field(default_factory=list, description="rules that assigned groups")
    physical: PhysicalData | None = Field(
        default=None, description="measured physical data stored in the database (degC)"
    )
    cwc: list[CwcMatch] | None = Field(
        default=None, description="CWC schedule matches computed when the database was built"
    )

    def mol(self) -> Any:
        """The RDKit molecule (built lazily), or None without a SMILES."""
        return mol_from_smiles(self.smiles) if self.smiles else None


class ResolvedChemical(BaseModel):
    """A chemical as present in a liquid: record, concentration and whether it is dilute."""

    model_config = ConfigDict(frozen=True)

    record: ChemicalRecord
    concentration: Concentration | None = None
    dilute: bool = False
    via: str = Field(default="", description="how the name was matched")

    @property
    def label(self) -> str:
        if self.concentration is not None and str(self.concentration):
            return f"{self.record.name} ({self.concentration})"
        return self.record.name


class Resolution(BaseModel):
    """What a name written in a protocol stands for."""

    model_config = ConfigDict(frozen=True)

    query: str
    components: list[ResolvedChemical] = Field(default_factory=list)
    mixture: str | None = Field(default=None, description="named mixture, if the query was one")
    unknown: bool = False
    note: str = ""
    candidates: list[str] = Field(
        default_factory=list,
        description="an ambiguous name (unknown): the database names it could stand for",
    )
    source: str = Field(default="", description="where the ambiguity is documented")
    via_description: bool = Field(
        default=False, description="identified from the liquid's description, not its name"
    )

    @property
    def label(self) -> str:
        if self.mixture:
            return self.mixture
        if len(self.components) == 1:
            return self.components[0].label
        return self.query
