"""Cherry-pick four hits into an assay plate (step by step)

Moves 2 uL of four hit compounds (10 mM in DMSO) from a library plate into assay wells holding
98 uL of buffer, each with its own tip from a chosen rack position, written with atomic steps:
aspirate near the bottom, air gap, dispense, mix, blow out in the well, touch tip, drop. A DMSO
vehicle control is added with a tip that is returned to its rack.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
08b1794ccd461e3f1eee5bd49f7584fa97582d5c86d6817ea073215bffd70612). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Cherry-pick four hits into an assay plate (step by step)",
    "author": "labwright examples",
    "description": (
        "Moves 2 uL of four hit compounds (10 mM in DMSO) from a library plate into assay wells "
        "holding 98 uL of buffer, each with its own tip from a chosen rack position, written with "
        "atomic steps: aspirate near the bottom, air gap, dispense, mix, blow out in the well, "
        "touch tip, drop. A DMSO vehicle control is added with a tip that is returned to its rack."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_96_tiprack_20ul", "1", version=1)
    compounds = protocol.load_labware(
        "corning_384_wellplate_112ul_flat",
        "2",
        label="compound library",
        version=5,
    )
    assay = protocol.load_labware(
        "corning_96_wellplate_360ul_flat",
        "3",
        label="assay plate",
        version=5,
    )
    vehicle = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", "5", version=2)
    # pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips])
    # liquids
    library = protocol.define_liquid(
        name="DMSO",
        description="hit compounds, 10 mM in DMSO; id: library",
        display_color="#8D6E63",
    )
    compounds["C4"].load_liquid(liquid=library, volume=20)
    compounds["F7"].load_liquid(liquid=library, volume=20)
    compounds["B10"].load_liquid(liquid=library, volume=20)
    compounds["H2"].load_liquid(liquid=library, volume=20)
    dmso = protocol.define_liquid(
        name="dimethyl sulfoxide",
        description="id: dmso; smiles: CS(C)=O; cas: 67-68-5",
        display_color="#ECEFF1",
    )
    vehicle["A1"].load_liquid(liquid=dmso, volume=500)
    assay_buffer = protocol.define_liquid(
        name="HEPES buffer",
        description="50 mM HEPES pH 7.5, 0.01% Triton X-100; id: assay_buffer",
        display_color="#C5E1A5",
    )
    for well in assay.wells()[0:5]:  # A1..E1
        well.load_liquid(liquid=assay_buffer, volume=98)

    # step 0: pick up tip (tips:A1) with p20
    p20.pick_up_tip(tips["A1"])

    # step 1: aspirate 2 uL at compounds:C4 (bottom) (hit C4)
    p20.aspirate(2, compounds["C4"].bottom(0.5))

    # step 2: air gap with p20
    p20.air_gap(volume=2, height=5)

    # step 3: dispense 4 uL at assay:A1 (bottom)
    p20.dispense(4, assay["A1"].bottom(1))

    # step 4: mix 3 x 15 uL in assay:A1
    p20.mix(3, 15, assay["A1"].bottom(1))

    # step 5: blow out (assay:A1) with p20
    p20.blow_out(assay["A1"])

    # step 6: touch tip (assay:A1) with p20
    p20.touch_tip(assay["A1"])

    # step 7: drop tip (trash) with p20
    p20.drop_tip()

    # step 8: pick up tip (tips:B1) with p20
    p20.pick_up_tip(tips["B1"])

    # step 9: aspirate 2 uL at compounds:F7 (bottom) (hit F7)
    p20.aspirate(2, compounds["F7"].bottom(0.5))

    # step 10: air gap with p20
    p20.air_gap(volume=2, height=5)

    # step 11: dispense 4 uL at assay:B1 (bottom)
    p20.dispense(4, assay["B1"].bottom(1))

    # step 12: mix 3 x 15 uL in assay:B1
    p20.mix(3, 15, assay["B1"].bottom(1))

    # step 13: blow out (assay:B1) with p20
    p20.blow_out(assay["B1"])

    # step 14: touch tip (assay:B1) with p20
    p20.touch_tip(assay["B1"])

    # step 15: drop tip (trash) with p20
    p20.drop_tip()

    # step 16: pick up tip (tips:C1) with p20
    p20.pick_up_tip(tips["C1"])

    # step 17: aspirate 2 uL at compounds:B10 (bottom) (hit B10)
    p20.aspirate(2, compounds["B10"].bottom(0.5))

    # step 18: air gap with p20
    p20.air_gap(volume=2, height=5)

    # step 19: dispense 4 uL at assay:C1 (bottom)
    p20.dispense(4, assay["C1"].bottom(1))

    # step 20: mix 3 x 15 uL in assay:C1
    p20.mix(3, 15, assay["C1"].bottom(1))

    # step 21: blow out (assay:C1) with p20
    p20.blow_out(assay["C1"])

    # step 22: touch tip (assay:C1) with p20
    p20.touch_tip(assay["C1"])

    # step 23: drop tip (trash) with p20
    p20.drop_tip()

    # step 24: pick up tip (tips:D1) with p20
    p20.pick_up_tip(tips["D1"])

    # step 25: aspirate 2 uL at compounds:H2 (bottom) (hit H2)
    p20.aspirate(2, compounds["H2"].bottom(0.5))

    # step 26: air gap with p20
    p20.air_gap(volume=2, height=5)

    # step 27: dispense 4 uL at assay:D1 (bottom)
    p20.dispense(4, assay["D1"].bottom(1))

    # step 28: mix 3 x 15 uL in assay:D1
    p20.mix(3, 15, assay["D1"].bottom(1))

    # step 29: blow out (assay:D1) with p20
    p20.blow_out(assay["D1"])

    # step 30: touch tip (assay:D1) with p20
    p20.touch_tip(assay["D1"])

    # step 31: drop tip (trash) with p20
    p20.drop_tip()

    # step 32: pick up tip (tips:E1) with p20
    p20.pick_up_tip(tips["E1"])

    # step 33: aspirate 2 uL at vehicle:A1 (bottom) (DMSO vehicle control)
    p20.aspirate(2, vehicle["A1"].bottom(2))

    # step 34: dispense 2 uL at assay:E1 (bottom)
    p20.dispense(2, assay["E1"].bottom(1))

    # step 35: mix 3 x 15 uL in assay:E1
    p20.mix(3, 15, assay["E1"].bottom(1))

    # step 36: blow out (assay:E1) with p20
    p20.blow_out(assay["E1"])

    # step 37: return tip with p20
    p20.return_tip()
