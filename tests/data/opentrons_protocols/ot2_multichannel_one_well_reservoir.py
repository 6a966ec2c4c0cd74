"""Fill a deep-well plate column by column from a one-well reservoir (OT-2, apiLevel 2.15).

An 8-channel pipette draws from the single well of a 195 mL reservoir: every aspirate takes
8 x the volume from that one well. The reservoir is filled by hand.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Plate fill from a 1-well reservoir", "apiLevel": "2.15"}


def run(protocol: protocol_api.ProtocolContext):
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", 1)
    reservoir = protocol.load_labware("nest_1_reservoir_195ml", 2)
    plate = protocol.load_labware("nest_96_wellplate_2ml_deep", 3)
    m300 = protocol.load_instrument("p300_multi_gen2", "left", tip_racks=[tips])

    m300.pick_up_tip()
    for column in plate.rows()[0]:
        m300.aspirate(250, reservoir["A1"])
        m300.dispense(250, column.top(-5))
        m300.blow_out(column.top(-5))
    # a second layer with the same tips, dispensed from above
    m300.distribute(150, reservoir["A1"], plate.rows()[0][:6], new_tip="never",
                    disposal_volume=10)
    m300.drop_tip()
