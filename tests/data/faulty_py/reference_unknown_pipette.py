"""Hand-written Opentrons Python analog of tests/data/faulty/reference_unknown_pipette.yaml.

Fault: a pipette variable `p20` that was never loaded.
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Primer addition (undeclared pipette)",
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", "1", version=1)
    tubes = protocol.load_labware(
        "opentrons_24_tuberack_eppendorf_1.5ml_safelock_snapcap",
        "2",
        version=3,
    )
    pcr = protocol.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", "3", version=5)
    # trash and pipettes
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    # liquids
    mastermix = protocol.define_liquid(name="PCR master mix", description="id: mastermix")
    tubes["A1"].load_liquid(liquid=mastermix, volume=1000)
    primers = protocol.define_liquid(name="primer mix", description="id: primers")
    tubes["A2"].load_liquid(liquid=primers, volume=200)

    # step 0: distribute 40 uL from tubes:A1 to 3 wells with p300
    p300.distribute(
        40,
        tubes["A1"],
        pcr.wells()[0:3],  # A1..C1
        new_tip="once",
    )

    # step 1: transfer 5 uL from tubes:A2 to 3 wells with p20
    p20.transfer(
        5,
        tubes["A2"],
        pcr.wells()[0:3],  # A1..C1
        new_tip="always",
    )
