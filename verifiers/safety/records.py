"""Pydantic records: a chemical, a resolved component, a resolution of a name."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from labwright.verifiers.safety.concentration import Concentration
from labwright.verifiers.safety.physical import PhysicalData
from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["chemical", "buffer", "biological", "dye", "material", "mixture"]


@lru_cache(maxsize=4096)
def mol_from_smiles(smiles: str) -> Any:
    """RDKit molecule for a SMILES (cached; RDKit is imported on first use)."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    return Chem.MolFromSmiles(smiles)


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

    @property
    def label(self) -> str:
        if self.mixture:
            return self.mixture
        if len(self.components) == 1:
            return self.components[0].label
        return self.query
