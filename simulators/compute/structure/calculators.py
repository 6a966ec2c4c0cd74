"""Which ASE calculator a search uses, as a small picklable spec (Dask tasks rebuild it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from labwright.protocols.errors import ConfigurationError
from pydantic import BaseModel, ConfigDict

CalculatorName = Literal["lj", "emt", "mace"]

_EMT_ELEMENTS = {"H", "C", "N", "O", "Al", "Ni", "Cu", "Pd", "Ag", "Pt", "Au"}


class CalculatorSpec(BaseModel):
    """``lj`` (exact Lennard-Jones, reduced units), ``emt`` (ASE's EMT) or ``mace`` (a model file)."""

    model_config = ConfigDict(frozen=True)

    name: CalculatorName = "lj"
    model: str | None = None  # path of a MACE model file, for name == "mace" (run on the CPU)

    def check(self, symbols: list[str], periodic: bool) -> None:
        """Raise ConfigurationError when this calculator cannot describe these atoms."""
        if self.name == "lj":
            if periodic:
                raise ConfigurationError(
                    "the exact Lennard-Jones calculator (no cutoff) handles clusters only",
                    hint="drop --periodic, or use --calculator emt for periodic cells",
                )
        elif self.name == "emt":
            missing = sorted(set(symbols) - _EMT_ELEMENTS)
            if missing:
                raise ConfigurationError(
                    f"ASE's EMT has no parameters for {', '.join(missing)}",
                    hint="EMT covers Al, Ni, Cu, Pd, Ag, Pt, Au (and H, C, N, O roughly); "
                    "use --calculator mace --model FILE for other elements",
                )
        elif self.name == "mace":
            if not self.model:
                raise ConfigurationError(
                    "the mace calculator needs a model file",
                    hint="pass --model PATH (e.g. one trained with `labwright mlip train`)",
                )
            if not Path(self.model).is_file():
                raise ConfigurationError(
                    f"MACE model file {self.model!r} does not exist",
                    hint="train one with `labwright mlip train ... -o FILE` and pass its path",
                )

    def build(self) -> Any:
        """A fresh ASE calculator (heavy imports happen here, not at module import)."""
        if self.name == "lj":
            from labwright.simulators.compute.structure.lennard_jones import make_lj_calculator

            return make_lj_calculator()
        if self.name == "emt":
            from ase.calculators.emt import EMT

            return EMT()
        if self.name == "mace":
            # the MLIP module's loader: quiet mace import (no stdout notice), clear errors
            from labwright.simulators.compute.mlip.calculator import mace_calculator

            return mace_calculator([str(self.model)], threads=1)
        raise ConfigurationError(f"unknown calculator {self.name!r}", hint="use lj, emt or mace")

    def energy_unit(self) -> str:
        return "reduced (epsilon)" if self.name == "lj" else "eV"

    def provenance(self) -> dict[str, Any]:
        """Calculator name plus the model file's SHA-256 when there is one."""
        out: dict[str, Any] = {"calculator": self.name}
        if self.model:
            import hashlib

            out["model"] = self.model
            out["model_sha256"] = hashlib.sha256(Path(self.model).read_bytes()).hexdigest()
        return out
