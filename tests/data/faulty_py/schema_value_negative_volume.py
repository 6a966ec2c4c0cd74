"""Hand-written Opentrons Python analog of tests/data/faulty/schema_value_negative_volume.yaml.

Fault: aspirate a negative volume.
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Standard addition (negative volume)",
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
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", "3", version=5)
    # trash and pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    # liquids
    standard = protocol.define_liquid(
        name="fluorescein standard",
        description="id: standard; concentration: 10 uM",
    )
    tubes["A1"].load_liquid(liquid=standard, volume=500)

    # step 0: pick up tip with p20
    p20.pick_up_tip()

    # step 1: aspirate 20 uL at tubes:A1 (bottom)
    p20.aspirate(-20, tubes["A1"].bottom(1))

    # step 2: dispense 20 uL at plate:A1 (bottom)
    p20.dispense(20, plate["A1"].bottom(1))

    # step 3: drop tip (trash) with p20
    p20.drop_tip()
