"""Faulty: aspirates 2 mm *below* the well bottom (OT-2, apiLevel 2.13, legacy core).

The legacy core's analysis reports every well location as the top with offset 0, so the fault
is visible only in the run log; labwright must report LOCATION_BELOW_BOTTOM.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Reagent addition, bottom(-2)", "apiLevel": "2.13"}


def run(protocol: protocol_api.ProtocolContext):
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", 1)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", 2)
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", 3)
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])

    p300.pick_up_tip()
    for well in plate.columns()[0]:
        p300.aspirate(50, reservoir["A1"].bottom(-2))  # fault: below the bottom
        p300.dispense(50, well)
    p300.drop_tip()
