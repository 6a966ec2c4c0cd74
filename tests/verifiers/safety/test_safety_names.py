"""Common laboratory names resolve to the right records; generic names stay unknown."""

from __future__ import annotations

import pytest
from labwright.simulators.deck.events import MixEvent
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


@pytest.mark.parametrize("name, candidate", [
    ("Stop Solution", "ELISA stop solution"),   # Opentrons corpus: a nucleic-acid kit's reagent
    ("lysis buffer", "guanidine lysis buffer"),
    ("fresh Lysis Buffer 2", "guanidine lysis buffer"),
    ("IAA", "iodoacetamide"),
    ("MEDIUM", "LB medium"),
])
def test_ambiguous_names_resolve_to_unknown_with_candidates(name: str, candidate: str) -> None:
    resolution = resolve(name)
    assert resolution.unknown and not resolution.components
    assert candidate in resolution.candidates and len(resolution.candidates) >= 2
    assert resolution.source and resolution.note


@pytest.mark.parametrize("name, record", [
    ("ELISA stop solution", "sulfuric acid"),
    ("Buffer AL", "guanidine thiocyanate"),
    ("iodoacetamide", "iodoacetamide"),
])
def test_a_specific_name_still_states_the_identity(name: str, record: str) -> None:
    assert record in [c.record.name for c in resolve(name).components]


def test_a_description_gives_a_concentration_or_a_candidate() -> None:
    # Opentrons corpus pl_SamplePrep_MS_Digest_Flex_upto96.py: "DTT", described with its
    # concentration: a dilute reagent, not neat dithiothreitol
    dtt = resolve("DTT", description="60 mM DTT in MS grade water, volume per well")
    assert dtt.components[0].label == "dithiothreitol (60 mM)" and dtt.components[0].dilute
    assert dtt.via_description
    # a description that names something else does not replace a clear name
    assert resolve("EtOH", description="AMPure Beads").components[0].record.name == "ethanol"
    # Opentrons corpus pl_microBioID_beads_touchtip.py: "TNNE" (a Tris/NaCl/NP-40/EDTA wash)
    # described as "ETHANOL": free text names a candidate, not an identity
    tnne = resolve("TNNE", description="ETHANOL")
    assert tnne.unknown and tnne.candidates == ["ETHANOL"]
    stop = resolve("Stop Solution", description="ELISA stop solution (2 N H2SO4)")
    assert stop.unknown and stop.candidates == ["ELISA stop solution"]


def test_a_refused_chemical_named_only_by_the_description_is_refused() -> None:
    comps = {"a": Component(liquid_id="a", name="sample 1", description="sarin")}
    mixes = [MixEvent(step=0, vessel="plate:A1", components=["a"], new=["a"])]
    [refused] = [f for f in safety_pass(comps, mixes, []) if f.code == "POLICY_CWC_REFUSED"]
    assert refused.severity == "error" and "Schedule 1" in refused.message


def test_hazards_named_only_by_a_description_are_warnings() -> None:
    comps = {"a": Component(liquid_id="a", name="TNNE", description="ETHANOL"),
             "b": Component(liquid_id="b", name="nitric acid", concentration="70%")}
    mixes = [MixEvent(step=0, vessel="plate:A1", components=["a"], new=["a"]),
             MixEvent(step=1, vessel="plate:A1", components=["a", "b"], new=["b"])]
    found = safety_pass(comps, mixes, [])
    assert not [f for f in found if f.code == "SAFETY_INCOMPATIBLE"]
    [possible] = [f for f in found if f.code == "SAFETY_POSSIBLY_INCOMPATIBLE"]
    assert possible.severity == "warning" and "ethanol" in possible.message


def test_an_abbreviation_is_not_read_as_a_new_structure() -> None:
    # Opentrons corpus Flex_S_v2_18_Illumina_DNA_PCR_Free.py: "IPB" (Illumina Purification
    # Beads) parses as the SMILES I-P-B; a protocol naming a structure uses SMILES syntax
    assert resolve("IPB").unknown
    assert [c.record.name for c in resolve("CCO").components] == ["ethanol"]


def _bleach_meets(name: str) -> list:
    comps = {"a": Component(liquid_id="a", name=name),
             "b": Component(liquid_id="b", name="bleach")}
    mixes = [MixEvent(step=0, vessel="plate:A1", components=["a"], new=["a"]),
             MixEvent(step=1, vessel="plate:A1", components=["a", "b"], new=["b"])]
    return safety_pass(comps, mixes, [])


def test_an_ambiguous_liquid_is_checked_through_its_candidates_as_a_warning() -> None:
    found = {f.code: f for f in _bleach_meets("lysis buffer")}
    assert "SAFETY_INCOMPATIBLE" not in found
    possible = found["SAFETY_POSSIBLY_INCOMPATIBLE"]
    assert possible.severity == "warning" and "cyanide" in possible.message
    assert "guanidine" in possible.message
    ambiguous = found["SAFETY_AMBIGUOUS_CHEMICAL"]
    assert ambiguous.severity == "warning" and "guanidine lysis buffer" in ambiguous.message
    assert ambiguous.data["candidates"] == resolve("lysis buffer").candidates
    # named exactly, the same meeting is an error
    [exact] = [f for f in _bleach_meets("Buffer AL") if f.code == "SAFETY_INCOMPATIBLE"]
    assert exact.severity == "error" and "cyanide" in exact.message
    # candidates without a hazard against bleach: no pair finding
    assert not [f for f in _bleach_meets("MEDIUM") if "INCOMPATIBLE" in f.code]


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


@pytest.mark.parametrize("name, agent", [("L1", "lewisite 1"), ("GB", "Sarin"), ("HD", "sulfur mustard")])
def test_a_military_code_alone_is_a_warning_not_a_refusal(name: str, agent: str) -> None:
    """Opentrons' own Protocol Designer smoke files name their liquids "L1" and "L2": a code that
    is also a label refuses nothing; the agent's name, CAS number or structure still refuses."""
    present = [MixEvent(step=0, vessel="p:A1", components=["a"], new=["a"])]
    comps = {"a": Component(liquid_id="a", name=name)}
    found = {f.code: f for f in safety_pass(comps, present, [])}
    assert "POLICY_CWC_REFUSED" not in found
    possible = found["POLICY_CWC_POSSIBLE"]
    assert possible.severity == "warning" and agent in possible.message and "Schedule 1" in possible.message
    named = {"a": Component(liquid_id="a", name=agent)}
    refused = [f for f in safety_pass(named, present, []) if f.code == "POLICY_CWC_REFUSED"]
    assert refused and refused[0].severity == "error"
