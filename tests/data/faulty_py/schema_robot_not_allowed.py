"""Hand-written Opentrons Python analog of tests/data/faulty/schema_robot_not_allowed.yaml.

Fault: robotType "OT-3" (the Flex's development name).
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Flex plate fill (unknown robot)",
    "source": "labwright export",
}
requirements = {"robotType": "OT-3", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_flex_96_tiprack_1000ul", "C1", version=1)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "D1", version=3)
    plate = protocol.load_labware("nest_96_wellplate_2ml_deep", "D2", version=5)
    # trash and pipettes
    trash = protocol.load_trash_bin("A3")
    p1000 = protocol.load_instrument("flex_1channel_1000", "left", tip_racks=[tips])
    # liquids
    media = protocol.define_liquid(name="LB medium", description="id: media")
    reservoir["A1"].load_liquid(liquid=media, volume=12000)

    # step 0: transfer 500 uL from reservoir:A1 to 2 wells with p1000
    p1000.transfer(500, reservoir["A1"], [plate["A1"], plate["B1"]], new_tip="once")
