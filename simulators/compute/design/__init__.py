"""labwright.simulators.compute.design: inverse molecular design over RDKit (and tblite) oracles.

A graph GA (GB-GA style crossover and mutation on molecular graphs), a SELFIES GA and a random
screen of RDKit's bundled molecules, against objectives such as QED, SA score, property windows,
ECFP4 similarity, substructure constraints and a GFN2-xTB HOMO-LUMO gap. Entry points:

- ``run_design(DesignConfig(...)) -> DesignResult`` (``labwright.simulators.compute.design.run``)
- ``run_design_tool(DesignInput(...)) -> DesignOutput`` (``labwright.simulators.compute.design.tool``)
- ``labwright design --objective qed --budget 1000 --json`` (the CLI)

Importing this package is cheap: RDKit and friends load with the modules that need them.
"""

from labwright.simulators.compute.design.models import DesignConfig, DesignResult, ScoredMolecule

__all__ = ["DesignConfig", "DesignResult", "ScoredMolecule"]
