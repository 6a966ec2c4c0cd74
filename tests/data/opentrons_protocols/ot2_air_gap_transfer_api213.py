"""Viscous sample transfer with air gaps (OT-2, apiLevel 2.13, legacy core).

Air gaps are aspirations at or above the well top: air, not liquid.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Air-gap transfer", "apiLevel": "2.13"}


def run(protocol: protocol_api.ProtocolContext):
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", 1)
    tubes = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", 2)
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", 3)
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])

    # complex command with an air gap after every aspirate
    p300.transfer(60, tubes["A1"], plate.columns()[0], air_gap=20, new_tip="always")

    # the same by hand
    for well in plate.columns()[1]:
        p300.pick_up_tip()
        p300.aspirate(60, tubes["A2"].bottom(2))
        p300.touch_tip(tubes["A2"])
        p300.air_gap(20)
        p300.dispense(80, well)
        p300.blow_out(well.top())
        p300.drop_tip()
