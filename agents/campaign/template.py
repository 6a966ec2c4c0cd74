"""One parameter set -> one labwright protocol (the campaign file's ``template``).

The protocol an experiment runs is generated, then verified like any other: nothing here
bypasses the verifier. Experiment ``n`` (1-based) uses well ``n`` of the plate in column-major
order (A1, B1, ... H1, A2, ...; wrapping after 96), so a campaign's experiments fill one plate.

Steps, in order:

1. ``set_temperature`` of the module (waiting for it), when the template holds a temperature;
2. one ``transfer`` per addition with a volume above zero, from its stock to the experiment's
   well with a fresh tip; each volume is rounded to ``round_ul`` and pipetted by the smallest
   pipette whose range holds it (the largest when none does: the transfer then splits it);
   the last addition mixes the well;
3. ``shake`` (rpm, seconds) on a Heater-Shaker, or a ``delay``, when the template has them;
4. ``deactivate`` the module, then ``measure`` the well.
"""

from __future__ import annotations

from typing import Any

from labwright.agents.campaign.expressions import ExpressionError, evaluate
from labwright.agents.campaign.spec import CampaignSpec, Template
from labwright.agents.closed_loop import well_name
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.io import parse_protocol
from labwright.protocols.models import Protocol

PLATE_WELLS = 96


class InfeasibleProposal(ValueError):
    """A parameter set the template cannot turn into a protocol (e.g. a negative volume)."""


def experiment_well(index: int) -> str:
    """The plate well of experiment ``index`` (1-based)."""
    return well_name((index - 1) % PLATE_WELLS)


def _pipette_for(volume_ul: float, template: Template) -> str:
    from labwright.simulators.deck.definitions import load_pipette

    ranges = []
    for i, p in enumerate(template.pipettes):
        info = load_pipette(p.model)
        ranges.append((info.max_volume_ul, info.min_volume_ul, f"p{i + 1}"))
    ranges.sort()
    for vmax, vmin, pid in ranges:
        if vmin <= volume_ul <= vmax:
            return pid
    return ranges[-1][2] if volume_ul > ranges[-1][0] else ranges[0][2]


def _labware(template: Template) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    labware: list[dict[str, Any]] = []
    for i, p in enumerate(template.pipettes):
        labware.append({"id": f"tips{i + 1}", "load_name": p.tip_rack, "slot": p.tip_slot})
    labware.append({"id": "stocks", "load_name": template.stock_labware, "slot": template.stock_slot})
    plate: dict[str, Any] = {"id": "plate", "load_name": template.plate}
    modules: list[dict[str, Any]] = []
    if template.module is not None:
        mod = template.module
        modules.append(
            {"id": "module", "type": mod.type, "slot": mod.slot} | ({"model": mod.model} if mod.model else {})
        )
        plate["module"] = "module"
        if mod.adapter:
            plate["adapter"] = mod.adapter
    else:
        plate["slot"] = template.plate_slot
    labware.append(plate)
    return labware, modules


def _value(expr: float | str, values: dict[str, Any], what: str) -> float:
    try:
        return evaluate(expr, values)
    except ExpressionError as exc:
        raise UnusableInputError(
            f"template {what}: {exc}", hint="fix the expression in the campaign file"
        ) from None


def _additions(spec: CampaignSpec, params: dict[str, Any], well: str) -> list[dict[str, Any]]:
    t = spec.template
    numeric = {k: v for k, v in params.items() if not isinstance(v, str)}
    stock_well = {s.id: s.well for s in t.stocks}
    steps: list[dict[str, Any]] = []
    for i, add in enumerate(t.additions):
        stock = str(params[add.stock[1:-1]]) if add.stock.startswith("{") else add.stock
        volume = round(_value(add.volume, numeric, f"additions[{i}].volume") / t.round_ul) * t.round_ul
        if volume < 0:
            raise InfeasibleProposal(
                f"addition {i + 1} ({stock}) would need {volume:.4g} uL: "
                "the other additions overfill the well"
            )
        if volume == 0:
            continue
        steps.append(
            {
                "op": "transfer",
                "pipette": _pipette_for(volume, t),
                "volume_ul": round(volume, 6),
                "source": f"stocks:{stock_well[stock]}",
                "dest": f"plate:{well}",
                "new_tip": "always",
                "note": f"{stock}",
            }
        )
    if steps and t.mix_repetitions:
        last = steps[-1]
        mix_ul = min(max(float(last["volume_ul"]), 1.0), 20.0 if last["pipette"] != _largest(t) else 50.0)
        last["mix_after"] = {"repetitions": t.mix_repetitions, "volume_ul": mix_ul}
    return steps


def _largest(template: Template) -> str:
    from labwright.simulators.deck.definitions import load_pipette

    sizes = [(load_pipette(p.model).max_volume_ul, f"p{i + 1}") for i, p in enumerate(template.pipettes)]
    return max(sizes)[1]


def compile_experiment(spec: CampaignSpec, params: dict[str, Any], index: int) -> Protocol:
    """The protocol of experiment ``index`` (1-based) with these parameter values."""
    t = spec.template
    well = experiment_well(index)
    numeric = {k: v for k, v in params.items() if not isinstance(v, str)}
    labware, modules = _labware(t)
    steps: list[dict[str, Any]] = []
    if t.temperature is not None:
        celsius = round(_value(t.temperature, numeric, "temperature"), 2)
        steps.append({"op": "set_temperature", "module": "module", "celsius": celsius, "wait": True})
    steps += _additions(spec, params, well)
    if t.shake is not None:
        rpm = round(_value(t.shake.rpm, numeric, "shake.rpm"))
        seconds = round(_value(t.shake.seconds, numeric, "shake.seconds"), 1)
        steps.append({"op": "shake", "module": "module", "rpm": rpm, "seconds": seconds})
    if t.delay is not None:
        steps.append({"op": "delay", "seconds": round(_value(t.delay, numeric, "delay"), 1)})
    if t.module is not None and (t.temperature is not None or t.shake is not None):
        steps.append({"op": "deactivate", "module": "module"})
    measure: dict[str, Any] = {"op": "measure", "labware": "plate", "wells": [well], "kind": t.measure.kind}
    if t.measure.wavelength_nm is not None:
        measure["wavelength_nm"] = t.measure.wavelength_nm
    steps.append(measure)
    shown = ", ".join(f"{k}={_fmt(v)}" for k, v in params.items())
    doc: dict[str, Any] = {
        "labwright": "labwright/1",
        "metadata": {
            "name": f"{spec.name} experiment {index}",
            "robot": t.robot,
            "author": "labwright.agents.campaign",
            "description": f"campaign {spec.name}, experiment {index} in plate well {well}: {shown}",
        },
        "labware": labware,
        "modules": modules,
        "pipettes": [
            {"id": f"p{i + 1}", "model": p.model, "mount": p.mount, "tip_racks": [f"tips{i + 1}"]}
            for i, p in enumerate(t.pipettes)
        ],
        "liquids": [_liquid(s) for s in t.stocks],
        "steps": steps,
    }
    try:
        return parse_protocol(doc)
    except ValueError as exc:  # pydantic: a template that cannot make a protocol at all
        raise UnusableInputError(
            f"the template does not make a protocol for experiment {index}: {str(exc).splitlines()[0]}",
            hint="check the template's labware, pipettes and stocks",
        ) from None


def _liquid(stock: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": stock.id,
        "name": stock.name,
        "initial_volumes": {f"stocks:{stock.well}": stock.volume},
    }
    for key in ("smiles", "cas", "concentration"):
        if getattr(stock, key):
            out[key] = getattr(stock, key)
    if stock.solvent:
        out["description"] = f"in {stock.solvent}"
    return out


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
