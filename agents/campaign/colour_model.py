"""CIEDE2000 on torch tensors: the colour difference of model predictions, inside an acquisition.

The same equations as ``labwright.simulators.chemistry.cie.delta_e2000`` (Sharma, Wu & Dalal
2005), vectorised over the leading dimensions of ``lab`` (..., 3) so that Monte-Carlo samples
of predicted L*, a*, b* become samples of the colour difference to a target. The tests check
it against the scalar version.
"""

from __future__ import annotations

from typing import Any


def delta_e2000_torch(lab: Any, target: tuple[float, float, float]) -> Any:
    import torch

    l1, a1, b1 = lab[..., 0], lab[..., 1], lab[..., 2]
    l2 = torch.full_like(l1, target[0])
    a2 = torch.full_like(l1, target[1])
    b2 = torch.full_like(l1, target[2])
    eps = 1e-12
    c1 = torch.sqrt(a1**2 + b1**2 + eps)
    c2 = torch.sqrt(a2**2 + b2**2 + eps)
    c_bar = (c1 + c2) / 2.0
    g = 0.5 * (1.0 - torch.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p = torch.sqrt(a1p**2 + b1**2 + eps)
    c2p = torch.sqrt(a2p**2 + b2**2 + eps)
    h1p = torch.rad2deg(torch.atan2(b1, a1p)) % 360.0
    h2p = torch.rad2deg(torch.atan2(b2, a2p)) % 360.0
    dl, dc = l2 - l1, c2p - c1p
    diff = h2p - h1p
    dh = torch.where(diff.abs() <= 180.0, diff, torch.where(h2p > h1p, diff - 360.0, diff + 360.0))
    d_big_h = 2.0 * torch.sqrt(c1p * c2p) * torch.sin(torch.deg2rad(dh / 2.0))
    l_bar, cp_bar = (l1 + l2) / 2.0, (c1p + c2p) / 2.0
    total = h1p + h2p
    hp_bar = torch.where(
        (h1p - h2p).abs() <= 180.0,
        total / 2.0,
        torch.where(total < 360.0, (total + 360.0) / 2.0, (total - 360.0) / 2.0),
    )
    t = (
        1.0
        - 0.17 * torch.cos(torch.deg2rad(hp_bar - 30.0))
        + 0.24 * torch.cos(torch.deg2rad(2.0 * hp_bar))
        + 0.32 * torch.cos(torch.deg2rad(3.0 * hp_bar + 6.0))
        - 0.20 * torch.cos(torch.deg2rad(4.0 * hp_bar - 63.0))
    )
    d_theta = 30.0 * torch.exp(-(((hp_bar - 275.0) / 25.0) ** 2))
    r_c = 2.0 * torch.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / torch.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_bar
    s_h = 1.0 + 0.015 * cp_bar * t
    r_t = -torch.sin(torch.deg2rad(2.0 * d_theta)) * r_c
    inner = (dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_big_h / s_h) ** 2 + r_t * (dc / s_c) * (d_big_h / s_h)
    return torch.sqrt(inner.clamp_min(0.0) + eps)
