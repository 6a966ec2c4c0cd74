"""Sample normalisation with tip parking (OT-2, apiLevel 2.15).

Buffer goes into each destination well with its own tip, which is parked back in the rack;
the second buffer top-up re-picks the *same* tip for the *same* buffer and well. Samples come
from a hand-filled sample plate; nothing is declared with load_liquid.
"""
from opentrons import protocol_api

metadata = {
    "protocolName": "Normalisation with tip parking",
    "author": "labwright tests",
    "apiLevel": "2.15",
}

BUFFER_UL = [88.0, 75.5, 62.0, 80.0, 95.0, 68.5, 72.0, 90.0]
SAMPLE_UL = [12.0, 24.5, 38.0, 20.0, 5.0, 31.5, 28.0, 10.0]


def run(protocol: protocol_api.ProtocolContext):
    tips = protocol.load_labware("opentrons_96_filtertiprack_200ul", 1)
    tips20 = protocol.load_labware("opentrons_96_filtertiprack_20ul", 4)
    samples = protocol.load_labware("biorad_96_wellplate_200ul_pcr", 2, "samples (hand-filled)")
    dest = protocol.load_labware("biorad_96_wellplate_200ul_pcr", 3, "normalised")
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", 5)
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    buffer = reservoir["A1"]

    # first half of the buffer; each tip is parked in its rack well afterwards
    for i, vol in enumerate(BUFFER_UL):
        p300.pick_up_tip(tips.wells()[i])
        p300.aspirate(vol / 2, buffer)
        p300.dispense(vol / 2, dest.wells()[i])
        p300.blow_out(dest.wells()[i].top(-2))
        p300.return_tip()

    protocol.comment("second half of the buffer with the parked tips")
    for i, vol in enumerate(BUFFER_UL):
        p300.pick_up_tip(tips.wells()[i])  # the same tip, the same buffer, the same well
        p300.aspirate(vol / 2, buffer)
        p300.dispense(vol / 2, dest.wells()[i])
        p300.drop_tip()

    for i, vol in enumerate(SAMPLE_UL):
        pip = p20 if vol <= 20 else p300
        pip.pick_up_tip()
        pip.aspirate(vol, samples.wells()[i])
        pip.dispense(vol, dest.wells()[i])
        pip.mix(3, 10 if pip is p20 else 30, dest.wells()[i])
        pip.blow_out(dest.wells()[i].top())
        pip.drop_tip()
