"""Hand-written Opentrons Python analog of tests/data/faulty/schema_value_absurd_delay.yaml.

Fault: a 90-day delay.
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Substrate incubation (absurd delay)",
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
    substrate = protocol.define_liquid(name="TMB substrate", description="id: substrate")
    reservoir["A1"].load_liquid(liquid=substrate, volume=5000)

    # step 0: distribute 50 uL from reservoir:A1 to 3 wells with p300
    p300.distribute(
        50,
        reservoir["A1"],
        plate.rows()[0][0:3],  # A1..A3
        new_tip="once",
    )

    # step 1: wait 90 s
    protocol.delay(minutes=90 * 24 * 60)
