"""PCR set-up filling a 100 uL PCR plate to 150 uL (OT-2, apiLevel 2.15).

Real protocols run PCR plates past their nominal volume; that is a warning, not an error.
Master mix and samples sit on a cold temperature module, poured by hand.
"""
from opentrons import protocol_api

metadata = {"protocolName": "PCR set-up, 150 uL reactions", "apiLevel": "2.15"}


def run(protocol: protocol_api.ProtocolContext):
    tips300 = protocol.load_labware("opentrons_96_filtertiprack_200ul", 1)
    tips20 = protocol.load_labware("opentrons_96_filtertiprack_20ul", 4)
    temp = protocol.load_module("temperature module gen2", 3)
    cold = temp.load_labware("opentrons_24_aluminumblock_nest_1.5ml_snapcap")
    samples = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", 5)
    pcr = protocol.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", 2)
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips300])
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])

    temp.set_temperature(4)
    reactions = pcr.wells()[:8]
    p300.distribute(135, cold["A1"], reactions, disposal_volume=10)
    for i, well in enumerate(reactions):
        p20.transfer(15, samples.wells()[i], well, mix_after=(2, 15))
    temp.deactivate()
