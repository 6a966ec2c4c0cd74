"""Faulty: a 50 uL aspirate with a P20 (OT-2, apiLevel 2.15). The simulator rejects it (pipette)."""
from opentrons import protocol_api

metadata = {"protocolName": "Volume above the pipette maximum", "apiLevel": "2.15"}


def run(protocol: protocol_api.ProtocolContext):
    tips = protocol.load_labware("opentrons_96_tiprack_20ul", 1)
    tubes = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", 2)
    plate = protocol.load_labware("biorad_96_wellplate_200ul_pcr", 3)
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips])
    p20.pick_up_tip()
    p20.aspirate(50, tubes["A1"])  # fault: a P20 holds 20 uL
    p20.dispense(50, plate["A1"])
    p20.drop_tip()
