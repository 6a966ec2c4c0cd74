"""Flex gripper moves - shake, magnetise, incubate, elute

A sample plate travels with the Flex gripper: it is shaken with bead buffer on a Heater-Shaker
(on its PCR adapter), moved onto the Magnetic Block to remove the supernatant, incubated in the
Thermocycler, and set back on the Heater-Shaker's adapter. A spare tip rack waits in staging
slot A4 and is brought in by the gripper; the elution plate starts off the deck and is placed by
the operator (the robot pauses); the used sample plate is thrown away through the waste chute.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
ddaa16a3523a33163dba2f185e5c62f74e184eae03f4aa3c2b1c69913cbaa56b). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Flex gripper moves - shake, magnetise, incubate, elute",
    "author": "labwright examples",
    "description": (
        "A sample plate travels with the Flex gripper: it is shaken with bead buffer on a "
        "Heater-Shaker (on its PCR adapter), moved onto the Magnetic Block to remove the "
        "supernatant, incubated in the Thermocycler, and set back on the Heater-Shaker's adapter. A"
        " spare tip rack waits in staging slot A4 and is brought in by the gripper; the elution "
        "plate starts off the deck and is placed by the operator (the robot pauses); the used "
        "sample plate is thrown away through the waste chute."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "Flex", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    hs = protocol.load_module("heaterShakerModuleV1", "D1")
    mag = protocol.load_module("magneticBlockV1", "C1")
    tc = protocol.load_module("thermocycler module gen2", "B1")
    # labware (definition versions pinned to those labwright verified against)
    hs_adapter = hs.load_adapter("opentrons_96_pcr_adapter", version=1)
    tips = protocol.load_labware("opentrons_flex_96_tiprack_200ul", "B2", version=1)
    spare_tips = protocol.load_labware(
        "opentrons_flex_96_tiprack_200ul",
        "A4",
        label="spare tips (staging)",
        version=1,
    )
    reagents = protocol.load_labware("nest_12_reservoir_15ml", "D2", version=3)
    eluates = protocol.load_labware(
        "opentrons_96_wellplate_200ul_pcr_full_skirt",
        protocol_api.OFF_DECK,
        label="elution plate",
        version=4,
    )
    samples = hs_adapter.load_labware(
        "nest_96_wellplate_100ul_pcr_full_skirt",
        label="sample plate",
        version=5,
    )
    hs.close_labware_latch()  # hold the plate
    # trash and pipettes
    trash = protocol.load_trash_bin("B3")  # A3 is taken
    p1000 = protocol.load_instrument("flex_1channel_1000", "left", tip_racks=[tips, spare_tips])
    waste_chute = protocol.load_waste_chute()  # labware is thrown away through it
    # liquids
    sample = protocol.define_liquid(
        name="cell lysate",
        description="id: sample",
        display_color="#F2C6B4",
    )
    for well in samples.wells()[0:4]:  # A1..D1
        well.load_liquid(liquid=sample, volume=40)
    beads = protocol.define_liquid(
        name="SPRI beads",
        description="carboxyl paramagnetic beads in PEG/NaCl buffer; id: beads",
        display_color="#6D4C41",
    )
    reagents["A1"].load_liquid(liquid=beads, volume=2000)
    elution_buffer = protocol.define_liquid(
        name="elution buffer",
        description="10 mM Tris-HCl pH 8.5; id: elution_buffer",
        display_color="#81D4FA",
    )
    reagents["A3"].load_liquid(liquid=elution_buffer, volume=1000)

    # step 0: transfer 40 uL from reagents:A1 to 4 wells with p1000 (beads into the samples)
    p1000.transfer(
        40,
        reagents["A1"],
        samples.wells()[0:4],  # A1..D1
        new_tip="always",
    )

    # step 1: shake hs at 1200 rpm for 2 min (bind)
    hs.close_labware_latch()
    hs.set_and_wait_for_shake_speed(1200)
    protocol.delay(minutes=2)
    hs.deactivate_shaker()

    # step 2: open the labware latch of hs
    hs.open_labware_latch()

    # step 3: move samples to mag with the gripper (beads to the magnet)
    protocol.move_labware(samples, mag, use_gripper=True)

    # step 4: wait 3 min (beads collect)
    protocol.delay(minutes=3)

    # step 5: transfer 70 uL from 4 wells to reagents:A12 with p1000 (supernatant to the waste
    #   column)
    p1000.transfer(
        70,
        [w.bottom(0.5) for w in samples.wells()[0:4]],  # A1..D1
        reagents["A12"].bottom(20),
        new_tip="always",
    )

    # step 6: transfer 30 uL from reagents:A3 to 4 wells with p1000 (elution buffer)
    p1000.transfer(
        30,
        reagents["A3"],
        samples.wells()[0:4],  # A1..D1
        new_tip="always",
    )

    # step 7: open the lid of tc
    tc.open_lid()

    # step 8: move samples to tc with the gripper
    protocol.move_labware(samples, tc, use_gripper=True, drop_offset={"x": 0, "y": 0, "z": 1})

    # step 9: close the lid of tc
    tc.close_lid()

    # step 10: set tc lid to 60 degC
    tc.set_lid_temperature(60)

    # step 11: set tc block to 50 degC
    tc.set_block_temperature(50)

    # step 12: wait 5 min (elute)
    protocol.delay(minutes=5)

    # step 13: switch off tc
    tc.deactivate()

    # step 14: open the lid of tc
    tc.open_lid()

    # step 15: move samples onto hs_adapter with the gripper
    protocol.move_labware(samples, hs_adapter, use_gripper=True)

    # step 16: close the labware latch of hs
    hs.close_labware_latch()

    # step 17: move spare_tips to slot A2 with the gripper (fresh tips from staging)
    protocol.move_labware(spare_tips, "A2", use_gripper=True)

    # step 18: move eluates to slot C2 by hand (the robot pauses) (the operator places the elution
    #   plate)
    protocol.move_labware(eluates, "C2", use_gripper=False)

    # step 19: pick up tip (spare_tips:A1) with p1000
    p1000.pick_up_tip(spare_tips["A1"])

    # step 20: aspirate 25 uL at samples:A1 (bottom)
    p1000.aspirate(25, samples["A1"].bottom(1))

    # step 21: dispense 25 uL at eluates:A1 (bottom)
    p1000.dispense(25, eluates["A1"].bottom(1))

    # step 22: drop tip (trash) with p1000
    p1000.drop_tip()

    # step 23: open the labware latch of hs
    hs.open_labware_latch()

    # step 24: move samples to the waste chute with the gripper (discard)
    protocol.move_labware(samples, waste_chute, use_gripper=True)
