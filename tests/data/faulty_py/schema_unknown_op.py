"""Hand-written Opentrons Python analog of tests/data/faulty/schema_unknown_op.yaml.

Fault: misspelled method: `p20.aspirat(...)`.
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "PCR master mix setup (typo in op)",
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "1", version=1)
    tubes = protocol.load_labware(
        "opentrons_24_tuberack_eppendorf_1.5ml_safelock_snapcap",
        "2",
        version=3,
    )
    pcr = protocol.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", "3", version=5)
    # trash and pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    # liquids
    mastermix = protocol.define_liquid(name="PCR master mix", description="id: mastermix")
    tubes["A1"].load_liquid(liquid=mastermix, volume=1000)

    # step 0: pick up tip with p20
    p20.pick_up_tip()

    # step 1: aspirate 15 uL at tubes:A1 (bottom)
    p20.aspirat(15, tubes["A1"].bottom(1))

    # step 2: dispense 15 uL at pcr:A1 (bottom)
    p20.dispense(15, pcr["A1"].bottom(1))

    # step 3: drop tip (trash) with p20
    p20.drop_tip()
