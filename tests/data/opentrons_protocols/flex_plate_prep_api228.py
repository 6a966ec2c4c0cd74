"""Plate preparation on the Flex at the newest API level (2.28).

Runtime parameters, a declared liquid, an aspirate relative to the meniscus, air gaps
(airGapInPlace), liquid waste dispensed into the trash bin, and a plate brought onto the deck
from off-deck during the run.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Flex plate prep (API 2.28)", "author": "labwright tests"}
requirements = {"robotType": "Flex", "apiLevel": "2.28"}


def add_parameters(parameters):
    parameters.add_int(
        variable_name="columns", display_name="columns", default=2, minimum=1, maximum=12
    )


def run(protocol: protocol_api.ProtocolContext):
    trash = protocol.load_trash_bin("A3")
    tips200 = protocol.load_labware("opentrons_flex_96_tiprack_200ul", "C1")
    tips50 = protocol.load_labware("opentrons_flex_96_tiprack_50ul", "C2")
    plate = protocol.load_labware("nest_96_wellplate_200ul_flat", "D2")
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "D1")
    pcr = protocol.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", protocol_api.OFF_DECK)
    p1000 = protocol.load_instrument("flex_1channel_1000", "left", tip_racks=[tips200])
    p50 = protocol.load_instrument("flex_8channel_50", "right", tip_racks=[tips50])

    buffer = protocol.define_liquid("buffer", "assay buffer", "#1C7ED6")
    reservoir["A1"].load_liquid(liquid=buffer, volume=10000)

    p1000.pick_up_tip()
    p1000.aspirate(100, reservoir["A1"])
    p1000.air_gap(10)
    p1000.dispense(110, plate["A1"])
    p1000.aspirate(50, reservoir["A1"].meniscus(z=-1))
    p1000.dispense(50, trash)
    p1000.drop_tip()
    p1000.transfer(20, reservoir["A1"], plate.wells()[1:4], new_tip="always", air_gap=5)

    protocol.move_labware(pcr, "B2", use_gripper=False)
    p50.pick_up_tip()
    for column in pcr.rows()[0][: protocol.params.columns]:
        p50.aspirate(20, reservoir["A1"])
        p50.dispense(20, column)
    p50.drop_tip()
