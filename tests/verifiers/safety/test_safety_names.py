"""Common laboratory names resolve to the right records; generic names stay unknown."""

from __future__ import annotations

import pytest
from labwright.simulators.deck.events import MixEvent
from labwright.verifiers.safety.compatibility import assess
from labwright.verifiers.safety.resolve import resolve
from labwright.verifiers.safety.safety_pass import Component, safety_pass


@pytest.mark.parametrize("name, record", [
    ("Tris buffer", "Tris buffer"),
    ("low-TE buffer", "Tris-EDTA buffer"),
    ("IDTE", "Tris-EDTA buffer"),
    ("sequencing library", "DNA sample"),
    ("NGS library", "DNA sample"),
    ("library 3", "DNA sample"),             # sample index dropped
    ("DNA samples", "DNA sample"),           # plural
    ("SSC", "saline-sodium citrate buffer"),  # not the SMILES C-S-S-H
    ("20x SSC", "saline-sodium citrate buffer"),
    ("AMPure XP beads", "magnetic beads"),
    ("10x PCR buffer", "enzyme reaction buffer"),
    ("CutSmart buffer", "enzyme reaction buffer"),
    ("Laemmli buffer", "Laemmli sample buffer"),
    ("whole blood", "clinical sample"),
    ("CellTiter-Glo", "luciferase assay reagent"),
    ("PBS pH 7.4", "phosphate-buffered saline"),   # pH dropped
    ("ice-cold PBS", "phosphate-buffered saline"),  # descriptor dropped
    ("fluorescein standard", "fluorescein"),
    ("water, nuclease-free", "water"),
    ("ethanol absolute", "ethanol"),
    ("spent medium", "DMEM"),
])
def test_common_lab_names(name: str, record: str) -> None:
    resolution = resolve(name)
    assert not resolution.unknown, name
    assert resolution.components[0].record.name == record


def test_ph_does_not_hide_the_concentration() -> None:
    items = resolve("1 M Tris-HCl pH 8.0").components
    assert items[0].record.name == "Tris hydrochloride" and str(items[0].concentration) == "1 M"


def test_with_combines_both_liquids() -> None:
    names = [c.record.name for c in resolve("PBS with 0.05% Tween-20").components]
    assert "phosphate-buffered saline" in names and "Tween 20" in names


def test_unspecified_lysis_buffer_is_treated_as_chaotropic() -> None:
    resolution = resolve("lysis buffer")
    assert "guanidine thiocyanate" in [c.record.name for c in resolution.components]
    hazards = assess(resolution, resolve("bleach"))
    assert not hazards.compatible and "cyanide" in hazards.summary()


def test_organic_mixtures_carry_no_water() -> None:
    labels = [c.label for c in resolve("phenol:chloroform:isoamyl alcohol").components]
    assert labels == ["phenol (50%)", "chloroform (48%)", "isoamyl alcohol (2%)"]


@pytest.mark.parametrize("name", ["sample", "wash buffer", "buffer A", "substrate", "control"])
def test_generic_names_stay_unknown(name: str) -> None:
    assert resolve(name).unknown


def test_same_pair_in_many_wells_of_one_step_is_one_finding() -> None:
    comps = {"a": Component(liquid_id="a", name="hydrochloric acid", concentration="1 M"),
             "b": Component(liquid_id="b", name="bleach")}
    mixes = [MixEvent(step=0, vessel=f"plate:{w}", components=["a"], new=["a"])
             for w in ("A1", "B1", "C1")]
    mixes += [MixEvent(step=4, vessel=f"plate:{w}", components=["a", "b"], new=["b"])
              for w in ("A1", "B1", "C1")]
    mixes.append(MixEvent(step=4, vessel="other:A1", components=["a", "b"], new=["a", "b"]))
    found = [f for f in safety_pass(comps, mixes, []) if f.code == "SAFETY_INCOMPATIBLE"]
    assert [f.data["vessels"] for f in found] == [["plate:A1", "plate:B1", "plate:C1"],
                                                  ["other:A1"]]
    assert "plate:A1, B1, C1 (3 wells)" in found[0].message


def test_a_tip_drawing_an_existing_mixture_is_not_a_new_meeting() -> None:
    comps = {"a": Component(liquid_id="a", name="potassium cyanide"),
             "b": Component(liquid_id="b", name="hydrochloric acid")}
    mixes = [
        MixEvent(step=1, vessel="plate:A1", components=["a", "b"], new=["b"]),
        # step 2: a tip that held buffer mixes the well: cyanide and acid arrive together
        MixEvent(step=2, vessel="tip:tips:A1", components=["a", "b"], new=["a", "b"]),
        # step 3: a tip that carries cyanide draws acid: a new meeting in the tip
        MixEvent(step=3, vessel="tip:tips:B1", components=["a"], new=["a"]),
        MixEvent(step=3, vessel="tip:tips:B1", components=["a", "b"], new=["b"]),
    ]
    found = [f for f in safety_pass(comps, mixes, []) if f.code == "SAFETY_INCOMPATIBLE"]
    assert [(f.step, f.data["vessel"]) for f in found] == [(1, "plate:A1"), (3, "tip:tips:B1")]
