"""SnAr kinetic twin: 2,4-difluoronitrobenzene + pyrrolidine, run as a batch in heated wells.

Reaction network and kinetics
-----------------------------
C. A. Hone, N. Holmes, G. R. Akien, R. A. Bourne and F. L. Muller, "Rapid multistep kinetic
model generation from transient flow data", React. Chem. Eng. 2, 103-108 (2017), as used by
Schweidtmann, Clayton, Holmes, Bradford, Bourne and Lapkin, "Machine learning meets
continuous flow chemistry: Automated optimization towards the Pareto front of multiple
objectives", Chem. Eng. J. 352, 277-282 (2018):

    1 + 2 -> 3   (ortho product, k_a)      3 + 2 -> 5   (bis product, k_c)
    1 + 2 -> 4   (para product,  k_b)      4 + 2 -> 5   (bis product, k_d)

1 = 2,4-difluoronitrobenzene, 2 = pyrrolidine, 3 = 1-(5-fluoro-2-nitrophenyl)pyrrolidine
(the desired ortho product), 4 = 1-(3-fluoro-4-nitrophenyl)pyrrolidine, 5 = the
2,4-dipyrrolidinyl product. Each step is first order in each reactant:

    d[1]/dt = -(k_a + k_b)[1][2]
    d[2]/dt = -(k_a + k_b)[1][2] - k_c[3][2] - k_d[4][2]
    d[3]/dt =  k_a[1][2] - k_c[3][2]
    d[4]/dt =  k_b[1][2] - k_d[4][2]
    d[5]/dt =  k_c[3][2] + k_d[4][2]

with Arrhenius constants about T_ref = 90 degC, ``k = k_ref exp(-Ea/R (1/T - 1/T_ref))``:
k_ref = 57.9, 2.70, 0.865, 1.63 (x 10^-2 L mol^-1 s^-1) and Ea = 33.3, 35.3, 38.9, 44.8
kJ/mol for a, b, c, d (the values of Hone et al. as transcribed in the SnAr benchmark of
Summit, Felton, Rittig and Lapkin, Chemistry-Methods 1, 116 (2021); that transcription uses
273.71 K for 0 degC and k_a in the para equation, which this twin corrects to 273.15 K and k_b).

Batch, not flow: the published model describes a plug-flow reactor with residence time tau;
here the reagents are pipetted into a well on a Heater-Shaker and the well is held at the set
temperature while shaking for the reaction time. Residence time becomes the time the well
spent since its last reagent arrived, integrated over its temperature history
(``MeasureEvent.exposures``). The kinetics were measured in ethanol; a heated open plate of
ethanol is refused by labwright's thermal safety rule (flash point 12 degC), so the campaign
uses a solvent with a flash point above the Heater-Shaker's range and the twin keeps the
published rate constants: a documented simplification (solvent effects on SnAr rates are real).

Measurement (an HPLC-like assay of the well): the concentrations of 1-5 with relative noise
(``rel_noise``, default 2 %), and from them
* ``yield_pct`` = 100 [3] / [1]_0,
* ``e_factor`` (Schweidtmann et al.'s definition): mass of everything in the well except the
  product (solvent + unreacted reagents + by-products) / mass of product; capped at 1000
  when almost no product forms,
* ``sty_kg_m3_h``: space-time yield, product mass per well volume per hour of reaction time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from labwright.simulators.chemistry.base import ChemistryTwin, Stock, WellContents, temperature_profile
from labwright.simulators.chemistry.kinetics import KELVIN, arrhenius, integrate

SPECIES = (
    "2,4-difluoronitrobenzene",
    "pyrrolidine",
    "ortho product",
    "para product",
    "bis product",
)
MOLAR_MASS = (159.09, 71.12, 210.21, 210.21, 261.33)  # g/mol
T_REF_K = 90.0 + KELVIN
# (k_ref in L/mol/s, Ea in kJ/mol) for steps a, b, c, d
K_REF = (57.9e-2, 2.70e-2, 0.865e-2, 1.63e-2)
EA = (33.3, 35.3, 38.9, 44.8)
E_FACTOR_CAP = 1000.0
SOLVENT_DENSITY = {  # g/mL at 20-25 degC
    "ethanol": 0.789,
    "ethylene glycol": 1.113,
    "propylene glycol": 1.036,
    "dimethyl sulfoxide": 1.100,
    "water": 0.997,
}


def rate_constants(kelvin: float) -> tuple[float, float, float, float]:
    ka, kb, kc, kd = (arrhenius(k, e, kelvin, T_REF_K) for k, e in zip(K_REF, EA, strict=True))
    return ka, kb, kc, kd


def rates(c: np.ndarray, kelvin: float) -> np.ndarray:
    ka, kb, kc, kd = rate_constants(kelvin)
    c1, c2, c3, c4, _ = c
    r_a, r_b, r_c, r_d = ka * c1 * c2, kb * c1 * c2, kc * c3 * c2, kd * c4 * c2
    return np.array([-(r_a + r_b), -(r_a + r_b + r_c + r_d), r_a - r_c, r_b - r_d, r_c + r_d])


def simulate(c1_0: float, c2_0: float, profile: list[tuple[float, float]]) -> np.ndarray:
    """Final concentrations of the five species after the (seconds, degC) profile."""
    return integrate(rates, np.array([c1_0, c2_0, 0.0, 0.0, 0.0]), profile)


def species_key(name: str) -> int | None:
    aliases = {"dfnb": 0, "2,4-difluoronitrobenzene": 0, "1,3-difluoro-4-nitrobenzene": 0, "pyrrolidine": 1}
    return aliases.get(name.strip().lower())


def e_factor(final: np.ndarray, volume_ml: float, solvents_ml: Mapping[str, float]) -> float:
    product_g = MOLAR_MASS[2] * final[2] * volume_ml * 1e-3
    if product_g <= 1e-12:
        return E_FACTOR_CAP
    others_g = sum(MOLAR_MASS[i] * final[i] * volume_ml * 1e-3 for i in (0, 1, 3, 4))
    solvent_g = sum(SOLVENT_DENSITY.get(s.lower(), 1.0) * ml for s, ml in solvents_ml.items())
    return min((solvent_g + others_g) / product_g, E_FACTOR_CAP)


class SnArTwin(ChemistryTwin):
    """The SnAr batch twin (see the module docstring)."""

    name = "snar"

    def __init__(
        self,
        stocks: Mapping[str, Stock],
        *,
        seed: int = 0,
        key: str = "",
        pipetting_cv: float = 0.01,
        rel_noise: float = 0.02,
    ) -> None:
        super().__init__(stocks, seed=seed, key=key)
        unknown = [s for st in self.stocks.values() for s in st.species if species_key(s) is None]
        if unknown:
            raise ValueError(
                f"the SnAr twin knows 2,4-difluoronitrobenzene and pyrrolidine, not {', '.join(unknown)}"
            )
        self.pipetting_cv = pipetting_cv
        self.rel_noise = rel_noise

    def measure(self, contents: WellContents, rng: np.random.Generator) -> dict[str, Any]:
        c0 = [0.0, 0.0]
        for name, c in contents.concentrations.items():
            c0[species_key(name)] += c  # type: ignore[index]
        profile = temperature_profile(contents.exposures)
        final = simulate(c0[0], c0[1], profile)
        measured = np.clip(final * (1.0 + self.rel_noise * rng.standard_normal(final.shape)), 0.0, None)
        volume_ml = contents.volume_ul * 1e-3
        hours = sum(s for s, _ in profile) / 3600.0
        product_kg_m3 = MOLAR_MASS[2] * measured[2]  # g/L = kg/m^3
        return {
            "yield_pct": 100.0 * measured[2] / c0[0] if c0[0] > 0 else 0.0,
            "e_factor": e_factor(measured, volume_ml, {k: v * 1e-3 for k, v in contents.solvents_ul.items()}),
            "sty_kg_m3_h": product_kg_m3 / hours if hours > 0 else 0.0,
            "concentrations_M": {n: float(v) for n, v in zip(SPECIES, measured, strict=True)},
            "initial_M": {SPECIES[0]: c0[0], SPECIES[1]: c0[1]},
            "reaction_s": sum(s for s, _ in profile),
            "max_celsius": max((t for _, t in profile), default=None),
            "volume_ul": contents.volume_ul,
        }
