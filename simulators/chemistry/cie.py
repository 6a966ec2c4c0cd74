"""Colorimetry for the colour twin: spectra to CIE XYZ, CIELAB, CIEDE2000 and display sRGB.

Equations and sources
---------------------
* Colour-matching functions: the CIE 1931 2-degree standard observer, as the analytic
  multi-lobe fit of Wyman, Sloan and Shirley, "Simple Analytic Approximations to the CIE XYZ
  Color Matching Functions", Journal of Computer Graphics Techniques 2(2), 2013 (Table 1,
  piecewise Gaussians ``g(l; mu, s1, s2)`` with ``s1`` left and ``s2`` right of ``mu``). The
  fit is within a few percent of the tabulated functions, far below the twin's other errors.
* Illuminant: a black body at 6504 K (Planck's law) stands in for CIE D65, whose tabulated
  spectrum is not shipped here. The white point is integrated with the *same* illuminant and
  observer, so water reads L*=100, a*=b*=0 and colour differences are self-consistent.
* Tristimulus values of a sample with transmittance ``T(l)`` (ASTM E308 / CIE 15 summation):
  ``X = k sum S(l) T(l) xbar(l) dl``, ``k = 100 / sum S(l) ybar(l) dl`` (5 nm, 380-780 nm).
* CIELAB (CIE 15:2004): ``L* = 116 f(Y/Yn) - 16``, ``a* = 500 (f(X/Xn) - f(Y/Yn))``,
  ``b* = 200 (f(Y/Yn) - f(Z/Zn))``, ``f(t) = t^(1/3)`` above ``(6/29)^3``, linear below.
* CIEDE2000 (CIE 142-2001) as written out by Sharma, Wu and Dalal, "The CIEDE2000
  color-difference formula: implementation notes, supplementary test data, and mathematical
  observations", Color Research & Application 30(1), 21-30, 2005; the tests check it against
  pairs of their published test data.
* Display sRGB (IEC 61966-2-1): XYZ -> linear RGB by the standard matrix, then the sRGB
  transfer curve; used only to paint swatches in reports.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

WAVELENGTHS_NM = np.arange(380.0, 781.0, 5.0)
_STEP_NM = 5.0

# Wyman, Sloan & Shirley (2013), multi-lobe fit: (weight, mu, sigma_left, sigma_right)
_XBAR = ((1.056, 599.8, 37.9, 31.0), (0.362, 442.0, 16.0, 26.7), (-0.065, 501.1, 20.4, 26.2))
_YBAR = ((0.821, 568.8, 46.9, 40.5), (0.286, 530.9, 16.3, 31.1))
_ZBAR = ((1.217, 437.0, 11.8, 36.0), (0.681, 459.0, 26.0, 13.8))

_H = 6.62607015e-34  # Planck constant, J s
_C = 2.99792458e8  # speed of light, m/s
_KB = 1.380649e-23  # Boltzmann constant, J/K
ILLUMINANT_K = 6504.0

_SRGB = np.array(
    [
        [3.2404542, -1.5371385, -0.4985314],
        [-0.9692660, 1.8760108, 0.0415560],
        [0.0556434, -0.2040259, 1.0572252],
    ]
)


def _lobes(lam: np.ndarray, lobes: tuple[tuple[float, float, float, float], ...]) -> np.ndarray:
    out = np.zeros_like(lam)
    for weight, mu, s_left, s_right in lobes:
        sigma = np.where(lam < mu, s_left, s_right)
        out += weight * np.exp(-0.5 * ((lam - mu) / sigma) ** 2)
    return out


@lru_cache(maxsize=1)
def cmfs() -> np.ndarray:
    """The 2-degree observer on ``WAVELENGTHS_NM``: shape (3, n) for xbar, ybar, zbar."""
    lam = WAVELENGTHS_NM
    return np.vstack([_lobes(lam, _XBAR), _lobes(lam, _YBAR), _lobes(lam, _ZBAR)])


@lru_cache(maxsize=1)
def illuminant() -> np.ndarray:
    """Relative spectral power of a 6504 K black body on ``WAVELENGTHS_NM`` (1 at 560 nm)."""
    lam_m = WAVELENGTHS_NM * 1e-9
    power = 1.0 / (lam_m**5 * (np.exp(_H * _C / (lam_m * _KB * ILLUMINANT_K)) - 1.0))
    ref = 560e-9
    return power / (1.0 / (ref**5 * (math.exp(_H * _C / (ref * _KB * ILLUMINANT_K)) - 1.0)))


def xyz_from_transmittance(transmittance: np.ndarray) -> np.ndarray:
    """CIE XYZ (Y of a perfect transmitter = 100) of a sample with this transmittance."""
    weights = illuminant() * cmfs()  # (3, n)
    k = 100.0 / float(np.sum(weights[1]) * _STEP_NM)
    return k * (weights @ np.asarray(transmittance, dtype=float)) * _STEP_NM


@lru_cache(maxsize=1)
def white_point() -> tuple[float, float, float]:
    x, y, z = xyz_from_transmittance(np.ones_like(WAVELENGTHS_NM))
    return float(x), float(y), float(z)


def _f(t: float) -> float:
    d = 6.0 / 29.0
    return t ** (1.0 / 3.0) if t > d**3 else t / (3 * d * d) + 4.0 / 29.0


def lab_from_xyz(xyz: np.ndarray | tuple[float, float, float]) -> tuple[float, float, float]:
    xn, yn, zn = white_point()
    fx, fy, fz = _f(float(xyz[0]) / xn), _f(float(xyz[1]) / yn), _f(float(xyz[2]) / zn)
    return 116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)


def xyz_from_lab(lab: tuple[float, float, float]) -> tuple[float, float, float]:
    xn, yn, zn = white_point()
    d = 6.0 / 29.0
    fy = (lab[0] + 16.0) / 116.0
    fx, fz = fy + lab[1] / 500.0, fy - lab[2] / 200.0

    def inv(f: float) -> float:
        return f**3 if f > d else 3 * d * d * (f - 4.0 / 29.0)

    return xn * inv(fx), yn * inv(fy), zn * inv(fz)


def srgb_hex_from_xyz(xyz: np.ndarray | tuple[float, float, float]) -> str:
    """A display colour (clipped to the sRGB gamut) for a swatch."""
    rgb = _SRGB @ (np.asarray(xyz, dtype=float) / 100.0)
    rgb = np.clip(rgb, 0.0, 1.0)
    enc = np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * rgb ** (1 / 2.4) - 0.055)
    r, g, b = (int(round(float(c) * 255)) for c in enc)
    return f"#{r:02X}{g:02X}{b:02X}"


def xyz_from_srgb_hex(text: str) -> tuple[float, float, float]:
    """The XYZ of an sRGB colour written ``#RRGGBB`` (inverse of ``srgb_hex_from_xyz``)."""
    value = text.strip().lstrip("#")
    if len(value) != 6:
        raise ValueError(f"{text!r} is not a colour written #RRGGBB")
    enc = np.array([int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])
    lin = np.where(enc <= 0.04045, enc / 12.92, ((enc + 0.055) / 1.055) ** 2.4)
    x, y, z = np.linalg.solve(_SRGB, lin) * 100.0
    return float(x), float(y), float(z)


def delta_e2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), after Sharma, Wu & Dalal (2005)."""
    return float(delta_e2000_array(np.asarray(lab1, dtype=float), np.asarray(lab2, dtype=float), np))


def delta_e2000_array(lab1: Any, lab2: Any, xp: Any) -> Any:
    """CIEDE2000 over the leading dimensions of ``lab1`` and ``lab2`` (..., 3), broadcast.

    ``xp`` is the array library: ``numpy`` here, ``torch`` in the campaign's acquisition, where
    Monte-Carlo samples of predicted L*, a*, b* become samples of the difference to a target and
    gradients must flow. Zero chroma (hue undefined) follows Sharma et al.: hue 0, no hue
    difference, the mean hue is the sum. Square roots take a 1e-24 floor so that the gradient at
    zero chroma stays finite; that changes values by less than 1e-12.
    """
    eps = 1e-24
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (xp.sqrt(a1**2 + b1**2 + eps) + xp.sqrt(a2**2 + b2**2 + eps)) / 2.0
    g = 0.5 * (1.0 - xp.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = xp.sqrt(a1p**2 + b1**2 + eps), xp.sqrt(a2p**2 + b2**2 + eps)
    neutral = (a1p**2 + b1**2) * (a2p**2 + b2**2) == 0  # either colour without hue
    h1p = xp.rad2deg(xp.arctan2(b1, a1p)) % 360.0
    h2p = xp.rad2deg(xp.arctan2(b2, a2p)) % 360.0
    diff = h2p - h1p
    dh = xp.where(abs(diff) <= 180.0, diff, xp.where(h2p > h1p, diff - 360.0, diff + 360.0))
    dh = xp.where(neutral, 0.0 * dh, dh)
    d_big_h = 2.0 * xp.sqrt(c1p * c2p) * xp.sin(xp.deg2rad(dh / 2.0))
    dl, dc = l2 - l1, c2p - c1p
    l_bar, cp_bar = (l1 + l2) / 2.0, (c1p + c2p) / 2.0
    total = h1p + h2p
    hp_bar = xp.where(
        abs(h1p - h2p) <= 180.0,
        total / 2.0,
        xp.where(total < 360.0, (total + 360.0) / 2.0, (total - 360.0) / 2.0),
    )
    hp_bar = xp.where(neutral, total, hp_bar)
    t = (
        1.0
        - 0.17 * xp.cos(xp.deg2rad(hp_bar - 30.0))
        + 0.24 * xp.cos(xp.deg2rad(2.0 * hp_bar))
        + 0.32 * xp.cos(xp.deg2rad(3.0 * hp_bar + 6.0))
        - 0.20 * xp.cos(xp.deg2rad(4.0 * hp_bar - 63.0))
    )
    d_theta = 30.0 * xp.exp(-(((hp_bar - 275.0) / 25.0) ** 2))
    r_c = 2.0 * xp.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / xp.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_bar
    s_h = 1.0 + 0.015 * cp_bar * t
    r_t = -xp.sin(xp.deg2rad(2.0 * d_theta)) * r_c
    inner = (dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_big_h / s_h) ** 2 + r_t * (dc / s_c) * (d_big_h / s_h)
    return xp.sqrt(inner.clip(min=0.0) + eps)
