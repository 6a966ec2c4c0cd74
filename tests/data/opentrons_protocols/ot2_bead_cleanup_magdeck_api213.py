"""Magnetic-bead clean-up of PCR products (OT-2, Magnetic Module GEN2, apiLevel 2.13).

The shape of the Opentrons Protocol Library clean-up protocols: 1.8x beads, mix, bind, engage,
discard the supernatant, two 80% ethanol washes (one tip set per wash for the additions), dry,
elute in water, move the eluate to a fresh plate. Reservoir and sample plate are filled by
hand; the reservoir's last column collects liquid waste.
"""
from opentrons import protocol_api

metadata = {
    "protocolName": "Bead clean-up (Magnetic Module GEN2)",
    "author": "labwright tests",
    "apiLevel": "2.13",
}

SAMPLE_UL = 50
BEADS_UL = 90
ETHANOL_UL = 150
ELUTION_UL = 30
COLUMNS = 3


def run(protocol: protocol_api.ProtocolContext):
    mag = protocol.load_module("magnetic module gen2", 1)
    plate = mag.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", "samples")
    elution = protocol.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", 2, "eluates")
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", 3)
    racks = [protocol.load_labware("opentrons_96_tiprack_300ul", slot) for slot in (4, 5, 6)]
    m300 = protocol.load_instrument("p300_multi_gen2", "left", tip_racks=racks)

    beads, ethanol, water, waste = reservoir["A1"], reservoir["A3"], reservoir["A5"], reservoir["A12"]
    samples = plate.rows()[0][:COLUMNS]

    mag.disengage()
    for col in samples:
        m300.pick_up_tip()
        m300.mix(5, 60, beads)
        m300.aspirate(BEADS_UL, beads)
        m300.dispense(BEADS_UL, col)
        m300.mix(10, 100, col)
        m300.blow_out(col.top(-2))
        m300.drop_tip()

    protocol.delay(minutes=5, msg="binding")
    mag.engage()
    protocol.delay(minutes=3, msg="beads settle")

    for col in samples:
        m300.pick_up_tip()
        m300.aspirate(SAMPLE_UL + BEADS_UL, col.bottom(0.5), rate=0.25)
        m300.dispense(SAMPLE_UL + BEADS_UL, waste.top(-5))
        m300.drop_tip()

    for _wash in range(2):
        m300.pick_up_tip()
        for col in samples:
            m300.aspirate(ETHANOL_UL, ethanol)
            m300.air_gap(20)
            m300.dispense(ETHANOL_UL + 20, col.top(-2))
            m300.blow_out(col.top(-2))
        m300.drop_tip()
        protocol.delay(seconds=30)
        for col in samples:
            m300.pick_up_tip()
            m300.aspirate(ETHANOL_UL, col.bottom(0.5), rate=0.25)
            m300.air_gap(20)
            m300.dispense(ETHANOL_UL + 20, waste.top(-5))
            m300.drop_tip()

    protocol.delay(minutes=5, msg="air-dry the beads")
    mag.disengage()
    for col in samples:
        m300.pick_up_tip()
        m300.aspirate(ELUTION_UL, water)
        m300.dispense(ELUTION_UL, col.bottom(1))
        m300.mix(10, 20, col.bottom(1))
        m300.drop_tip()

    protocol.delay(minutes=2)
    mag.engage()
    protocol.delay(minutes=2)
    for i, col in enumerate(samples):
        m300.pick_up_tip()
        m300.aspirate(ELUTION_UL - 2, col.bottom(0.5), rate=0.25)
        m300.dispense(ELUTION_UL - 2, elution.rows()[0][i])
        m300.drop_tip()
    mag.disengage()
