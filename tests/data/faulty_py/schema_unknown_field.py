"""Hand-written Opentrons Python analog of tests/data/faulty/schema_unknown_field.yaml.

Fault: misspelled keyword `new_tips="always"` (the API's is new_tip).
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Buffer fill (misspelled option)",
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", "1", version=1)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "2", version=3)
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", "3", version=5)
    # trash and pipettes
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    # liquids
    buffer = protocol.define_liquid(name="PBS buffer", description="id: buffer")
    reservoir["A1"].load_liquid(liquid=buffer, volume=10000)

    # step 0: transfer 100 uL from reservoir:A1 to 4 wells with p300
    p300.transfer(
        100,
        reservoir["A1"],
        plate.wells()[0:4],  # A1..D1
        new_tips="always",
    )
