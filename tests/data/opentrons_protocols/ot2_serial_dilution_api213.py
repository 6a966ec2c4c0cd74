"""Serial dilution across a 96-well plate (OT-2, apiLevel 2.13, legacy core).

After the Opentrons "serial dilution" tutorial: the diluent (reservoir A1) and the stock
solution (reservoir A2) are poured by hand; no liquids are declared. One tip dilutes a whole
row (new_tip='once'), mixing after each step.
"""
from opentrons import protocol_api

metadata = {
    "protocolName": "Serial Dilution (OT-2, API 2.13)",
    "author": "labwright tests",
    "description": "1:2 serial dilution along each row of a flat-bottom plate",
    "apiLevel": "2.13",
}


def run(protocol: protocol_api.ProtocolContext):
    tiprack = protocol.load_labware("opentrons_96_tiprack_300ul", 1)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", 2)
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", 3)
    p300 = protocol.load_instrument("p300_single_gen2", "left", tip_racks=[tiprack])

    # 100 uL diluent into every well, one tip for all of them
    p300.transfer(100, reservoir["A1"], plate.wells())

    for row in plate.rows()[:4]:
        # stock into the first column, mixed
        p300.transfer(100, reservoir["A2"], row[0], mix_after=(3, 50))
        # one tip for the whole dilution row
        p300.transfer(100, row[:11], row[1:], mix_after=(3, 50), new_tip="once")
        # discard the excess from the last well so every well ends at 100 uL
        p300.pick_up_tip()
        p300.aspirate(100, row[11].bottom(1.5))
        p300.drop_tip()
