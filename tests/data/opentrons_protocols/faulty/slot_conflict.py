"""Faulty: two labware in slot 2 (OT-2, apiLevel 2.15). The simulator rejects it (deck)."""
from opentrons import protocol_api

metadata = {"protocolName": "Slot conflict", "apiLevel": "2.15"}


def run(protocol: protocol_api.ProtocolContext):
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", 1)
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", 2)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", 2)  # fault: slot 2 is taken
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    p300.transfer(100, reservoir["A1"], plate.wells()[:8])
