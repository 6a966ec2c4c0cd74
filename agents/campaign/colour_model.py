"""CIEDE2000 on torch tensors: the colour difference of model predictions, inside an acquisition.

The equations are ``labwright.simulators.chemistry.cie.delta_e2000_array`` (Sharma, Wu & Dalal
2005), run with torch as the array library over the leading dimensions of ``lab`` (..., 3), so
that Monte-Carlo samples of predicted L*, a*, b* become samples of the colour difference to a
target and the acquisition's gradient flows through them.
"""

from __future__ import annotations

from typing import Any

from labwright.simulators.chemistry.cie import delta_e2000_array


def delta_e2000_torch(lab: Any, target: tuple[float, float, float]) -> Any:
    import torch

    return delta_e2000_array(lab, torch.tensor(target, dtype=lab.dtype, device=lab.device), torch)
