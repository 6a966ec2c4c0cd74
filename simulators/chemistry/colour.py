"""Colour-mixing twin: dye stocks combined by Beer-Lambert, read as a colour with noise.

Model
-----
Each dye ``i`` has a molar absorption spectrum ``eps_i(l)`` (L mol^-1 cm^-1), a sum of
Gaussian bands ``eps_max * exp(-(l - l_max)^2 / (2 s^2))`` with ``s = FWHM / 2.3548``.
A well holding dyes at concentrations ``c_i`` (mol/L, after the volumes mix) is read
vertically by a plate reader through the liquid column, of path length
``l = V / A_well`` (cm; V the liquid volume, A_well the well's cross-section from its
Opentrons labware definition; the meniscus is ignored). Absorbances add (Beer-Lambert):

    A(l) = sum_i eps_i(l) c_i l        T(l) = 10^-A(l)

The transmitted spectrum is turned into CIE XYZ and CIELAB (``cie``), and the objective is
the CIEDE2000 difference to a target colour.

Noise (seeded, ``base.noise_rng``): each liquid's delivered volume varies by
``pipetting_cv`` (default 1 %, the order of the Opentrons GEN2 single-channel specification
at mid volumes) and each absorbance reading by ``abs_noise_od + abs_noise_rel * A``
(default 0.003 OD + 0.5 %, the order of a microplate reader's stated photometric precision).

Parameters and sources
----------------------
Peak positions and peak molar absorptivities of the three food dyes come from the
identification tests of their EU purity specifications (Commission Regulation (EU) No
231/2012, following JECFA): specific absorbance E(1 %, 1 cm) in water of 530 at about 426 nm
(tartrazine, E 102), 540 at about 504 nm (allura red AC, E 129) and 1630 at about 630 nm
(brilliant blue FCF, E 133); eps_max = E(1 %, 1 cm) x M / 10 with the molar masses of the
sodium salts (534.36, 496.42 and 792.85 g/mol). Band widths (and brilliant blue's small band
near 410 nm) are estimates chosen to resemble published aqueous spectra, not fitted to data:
the twin is a realistic benchmark, not a spectrophotometric reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from labwright.simulators.chemistry.base import ChemistryTwin, Stock, WellContents
from labwright.simulators.chemistry.cie import (
    WAVELENGTHS_NM,
    delta_e2000,
    lab_from_xyz,
    srgb_hex_from_xyz,
    xyz_from_transmittance,
)

FWHM_TO_SIGMA = 1.0 / 2.354820045


@dataclass(frozen=True)
class Dye:
    name: str
    cas: str
    molar_mass: float  # g/mol (sodium salt)
    bands: tuple[tuple[float, float, float], ...]  # (peak nm, FWHM nm, eps L/mol/cm)

    def epsilon(self, lam: np.ndarray) -> np.ndarray:
        out = np.zeros_like(lam, dtype=float)
        for peak, fwhm, eps in self.bands:
            s = fwhm * FWHM_TO_SIGMA
            out += eps * np.exp(-0.5 * ((lam - peak) / s) ** 2)
        return out


def _eps(e1pct: float, molar_mass: float) -> float:
    return e1pct * molar_mass / 10.0


DYES: dict[str, Dye] = {
    "tartrazine": Dye("tartrazine", "1934-21-0", 534.36, ((426.0, 105.0, _eps(530, 534.36)),)),
    "allura red AC": Dye("allura red AC", "25956-17-6", 496.42, ((504.0, 95.0, _eps(540, 496.42)),)),
    "brilliant blue FCF": Dye(
        "brilliant blue FCF",
        "3844-45-9",
        792.85,
        ((630.0, 62.0, _eps(1630, 792.85)), (410.0, 60.0, 0.07 * _eps(1630, 792.85))),
    ),
}


def dye(name: str) -> Dye:
    key = next((k for k in DYES if k.lower() == name.strip().lower()), None)
    if key is None:
        raise ValueError(f"the colour twin knows no dye {name!r}; it knows {', '.join(DYES)}")
    return DYES[key]


@lru_cache(maxsize=64)
def well_area_mm2(load_name: str) -> float:
    """Cross-section of the plate's wells (mm^2) from its Opentrons definition (first well)."""
    from labwright.simulators.deck.definitions import load_labware

    info = load_labware(load_name)
    geo = next(iter(info.wells.values()))
    if geo.shape == "circular" and geo.diameter:
        return float(np.pi * (geo.diameter / 2.0) ** 2)
    if geo.x_dim and geo.y_dim:
        return float(geo.x_dim * geo.y_dim)
    raise ValueError(f"{load_name}: its wells have no usable cross-section in the definition")


def absorbance_spectrum(concentrations: Mapping[str, float], path_cm: float) -> np.ndarray:
    """Noise-free A(l) on ``WAVELENGTHS_NM`` (dyes the twin does not know absorb nothing)."""
    a = np.zeros_like(WAVELENGTHS_NM)
    for name, c in concentrations.items():
        key = next((k for k in DYES if k.lower() == name.lower()), None)
        if key is not None and c > 0:
            a = a + DYES[key].epsilon(WAVELENGTHS_NM) * c * path_cm
    return a


def lab_of_absorbance(a: np.ndarray) -> tuple[float, float, float]:
    return lab_from_xyz(xyz_from_transmittance(10.0 ** (-np.asarray(a))))


class ColourTwin(ChemistryTwin):
    """Beer-Lambert colour mixing read by a plate reader (see the module docstring)."""

    name = "colour"

    def __init__(
        self,
        stocks: Mapping[str, Stock],
        *,
        well_area_mm2: float,
        target_lab: tuple[float, float, float] | None = None,
        seed: int = 0,
        key: str = "",
        pipetting_cv: float = 0.01,
        abs_noise_od: float = 0.003,
        abs_noise_rel: float = 0.005,
    ) -> None:
        super().__init__(stocks, seed=seed, key=key)
        for stock in self.stocks.values():
            for species in stock.species:
                dye(species)  # an unknown dye is a configuration error, found before any run
        self.well_area_mm2 = well_area_mm2
        self.target_lab = target_lab
        self.pipetting_cv = pipetting_cv
        self.abs_noise_od = abs_noise_od
        self.abs_noise_rel = abs_noise_rel

    def measure(self, contents: WellContents, rng: np.random.Generator) -> dict[str, Any]:
        path_cm = 0.1 * contents.volume_ul / self.well_area_mm2
        a = absorbance_spectrum(contents.concentrations, path_cm)
        a = a + rng.standard_normal(a.shape) * (self.abs_noise_od + self.abs_noise_rel * a)
        xyz = xyz_from_transmittance(10.0 ** (-a))
        lab = lab_from_xyz(xyz)
        out: dict[str, Any] = {}
        if self.target_lab is not None:
            out["delta_e"] = delta_e2000(lab, self.target_lab)
        out |= {
            "srgb": srgb_hex_from_xyz(xyz),
            "L": lab[0],
            "a": lab[1],
            "b": lab[2],
            "path_length_cm": path_cm,
            "volume_ul": contents.volume_ul,
            "concentrations_uM": {k: v * 1e6 for k, v in sorted(contents.concentrations.items())},
        }
        for nm in (426, 504, 630):
            out[f"A{nm}"] = float(np.interp(nm, WAVELENGTHS_NM, a))
        return out
