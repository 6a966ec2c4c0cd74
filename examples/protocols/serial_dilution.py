"""Serial dilution of a dye standard

Two-fold serial dilution across row A of a flat 96-well plate (OT-2, P300 single).

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
877878c0d2e1aff4d6c069ae4fcc68554d158074e5b53537edb9cb679cce382e). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Serial dilution of a dye standard",
    "description": (
        "Two-fold serial dilution across row A of a flat 96-well plate (OT-2, P300 single)."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", "1", version=1)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "2", version=3)
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", "3", version=5)
    # pipettes
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    # liquids
    diluent = protocol.define_liquid(
        name="water",
        description="id: diluent; smiles: O",
        display_color="#3A7BD5",
    )
    reservoir["A1"].load_liquid(liquid=diluent, volume=10000)
    dye = protocol.define_liquid(
        name="tartrazine",
        description="id: dye; concentration: 1 mM",
        display_color="#F5C400",
    )
    plate["A1"].load_liquid(liquid=dye, volume=200)

    # step 0: distribute 100 uL from reservoir:A1 to 11 wells with p300
    p300.distribute(
        100,
        reservoir["A1"],
        plate.rows()[0][1:12],  # A2..A12
        new_tip="once",
    )

    # step 1: transfer 100 uL from 10 wells to 10 wells with p300
    p300.transfer(
        100,
        plate.rows()[0][0:10],  # A1..A10
        plate.rows()[0][1:11],  # A2..A11
        new_tip="once",
        mix_after=(3, 50),
    )

    # step 2: measure absorbance of plate
    protocol.comment("Measure absorbance at 427 nm of plate (12 wells, A1..A12)")
