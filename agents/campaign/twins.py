"""The chemistry twin a campaign measures with, built from its file.

The twin learns what each protocol liquid holds from the template's stocks: a stock with a
molar ``concentration`` holds its ``species`` (default: its name) at that concentration in its
``solvent``; a stock without a concentration is a neat solvent. Twin options come from
``twin.options`` in the campaign file:

* colour: ``target_lab: [L, a, b]`` or ``target_srgb: "#RRGGBB"``; noise ``pipetting_cv``,
  ``abs_noise_od``, ``abs_noise_rel``. The path length comes from the plate's well geometry.
* snar: noise ``pipetting_cv``, ``rel_noise``.
* mit: ``case`` (1-5); noise ``pipetting_cv``, ``rel_noise``.
"""

from __future__ import annotations

from typing import Any

from labwright.agents.campaign.spec import CampaignSpec
from labwright.protocols.errors import UnusableInputError
from labwright.simulators.chemistry.base import ChemistryTwin, Stock, molar

_OPTIONS = {
    "colour": {"target_lab", "target_srgb", "pipetting_cv", "abs_noise_od", "abs_noise_rel"},
    "snar": {"pipetting_cv", "rel_noise"},
    "mit": {"case", "pipetting_cv", "rel_noise"},
}


def twin_stocks(spec: CampaignSpec) -> dict[str, Stock]:
    out: dict[str, Stock] = {}
    for s in spec.template.stocks:
        if s.concentration is None:
            out[s.id] = Stock(species={}, solvent=s.species or s.name)
            continue
        c = molar(s.concentration)
        if c is None:
            raise UnusableInputError(
                f"stock {s.id!r}: the twin needs a molar concentration, not {s.concentration!r}",
                hint='write concentrations like "150 uM", "2 mM" or "1.5 M"',
            )
        out[s.id] = Stock(species={s.species or s.name: c}, solvent=s.solvent)
    return out


def _colour_options(spec: CampaignSpec, options: dict[str, Any]) -> dict[str, Any]:
    from labwright.simulators.chemistry.cie import lab_from_xyz, xyz_from_srgb_hex
    from labwright.simulators.chemistry.colour import well_area_mm2

    opts = dict(options)
    if "target_srgb" in opts:
        opts["target_lab"] = lab_from_xyz(xyz_from_srgb_hex(str(opts.pop("target_srgb"))))
    if "target_lab" in opts:
        lab = opts["target_lab"]
        if not (isinstance(lab, list | tuple) and len(lab) == 3):
            raise UnusableInputError(
                "twin.options.target_lab: give [L, a, b]", hint="e.g. [62.0, 18.5, -3.0]"
            )
        opts["target_lab"] = tuple(float(v) for v in lab)
    opts["well_area_mm2"] = well_area_mm2(spec.template.plate)
    return opts


def build_twin(spec: CampaignSpec) -> ChemistryTwin:
    """The campaign's chemistry twin, seeded with the campaign's seed."""
    from labwright.simulators.chemistry.registry import make_twin

    kind, options = spec.twin.kind, dict(spec.twin.options)
    unknown = set(options) - _OPTIONS[kind]
    if unknown:
        raise UnusableInputError(
            f"twin.options: the {kind} twin takes no {sorted(unknown)}",
            hint=f"its options are {', '.join(sorted(_OPTIONS[kind]))}",
        )
    if kind == "colour":
        options = _colour_options(spec, options)
    try:
        return make_twin(kind, twin_stocks(spec), seed=spec.seed, **options)
    except (ValueError, TypeError) as exc:
        raise UnusableInputError(f"twin: {exc}", hint="check twin.options and the stocks' species") from None
