"""Bead clean-up on the Flex: heater-shaker for binding, magnetic block for separation, the
gripper moving the plate, liquid waste into the waste chute (apiLevel 2.19).

Liquids are declared (beads, 80% ethanol, water, the PCR products): mixing beads, ethanol and
buffer into the sample wells is the point of a clean-up, not a hazard. There is no trash bin:
tips and liquid waste go to the waste chute in D3, so slot A3 holds a reservoir.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Flex bead clean-up (magnetic block)", "author": "labwright tests"}
requirements = {"robotType": "Flex", "apiLevel": "2.19"}


def run(protocol: protocol_api.ProtocolContext):
    chute = protocol.load_waste_chute()
    hs = protocol.load_module("heaterShakerModuleV1", "D1")
    hs_adapter = hs.load_adapter("opentrons_96_deep_well_adapter")
    mag = protocol.load_module("magneticBlockV1", "C1")
    plate = hs_adapter.load_labware("nest_96_wellplate_2ml_deep", "samples")
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "A3")
    elution = protocol.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", "B2")
    tips = [protocol.load_labware("opentrons_flex_96_tiprack_1000ul", s) for s in ("A2", "B3")]
    p1000 = protocol.load_instrument("flex_8channel_1000", "left", tip_racks=tips)

    beads, ethanol, water = reservoir["A1"], reservoir["A3"], reservoir["A5"]
    samples = plate.rows()[0][:2]

    bead_liquid = protocol.define_liquid("magnetic beads", "SPRI beads in PEG/NaCl buffer", "#7F6000")
    ethanol_liquid = protocol.define_liquid("ethanol 80%", "freshly prepared", "#CFE2F3")
    water_liquid = protocol.define_liquid("water", "nuclease-free water", "#3D85C6")
    sample_liquid = protocol.define_liquid("PCR product", "amplicons in PCR buffer", "#CC0000")
    beads.load_liquid(liquid=bead_liquid, volume=5000)
    ethanol.load_liquid(liquid=ethanol_liquid, volume=12000)
    water.load_liquid(liquid=water_liquid, volume=2000)
    for well in plate.columns()[0] + plate.columns()[1]:
        well.load_liquid(liquid=sample_liquid, volume=100)

    hs.close_labware_latch()
    for col in samples:
        p1000.pick_up_tip()
        p1000.mix(5, 200, beads)
        p1000.aspirate(180, beads)
        p1000.dispense(180, col)
        p1000.drop_tip(chute)
    hs.set_and_wait_for_shake_speed(1800)
    protocol.delay(minutes=5)
    hs.deactivate_shaker()
    hs.open_labware_latch()

    protocol.move_labware(plate, mag, use_gripper=True)
    protocol.delay(minutes=3)
    for col in samples:
        p1000.pick_up_tip()
        p1000.aspirate(280, col.bottom(1))
        p1000.dispense(280, chute)
        p1000.drop_tip(chute)

    for _wash in range(2):
        p1000.pick_up_tip()
        for col in samples:
            p1000.aspirate(300, ethanol)
            p1000.dispense(300, col.top(-3))
        p1000.drop_tip(chute)
        protocol.delay(seconds=30)
        for col in samples:
            p1000.pick_up_tip()
            p1000.aspirate(300, col.bottom(0.5))
            p1000.dispense(300, chute)
            p1000.drop_tip(chute)

    protocol.move_labware(plate, hs_adapter, use_gripper=True)
    hs.close_labware_latch()
    for col in samples:
        p1000.pick_up_tip()
        p1000.aspirate(40, water)
        p1000.dispense(40, col.bottom(1))
        p1000.drop_tip(chute)
    hs.set_and_wait_for_shake_speed(2000)
    protocol.delay(minutes=2)
    hs.deactivate_shaker()
    hs.open_labware_latch()
    protocol.move_labware(plate, mag, use_gripper=True)
    protocol.delay(minutes=2)
    for i, col in enumerate(samples):
        p1000.pick_up_tip()
        p1000.aspirate(38, col.bottom(0.5))
        p1000.dispense(38, elution.rows()[0][i])
        p1000.drop_tip(chute)
