"""Replicate a 96-well culture plate with an 8-channel pipette

Stamps 20 uL of every well of an overnight culture plate into two plates pre-filled with 180 uL
of fresh medium (a 1:10 dilution, two replicates), column by column with a P300 8-channel GEN2
and a fresh column of tips for every column, mixing the new cultures.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
9ca422809bbd6b6099197419e9d9f61d534dcb3672e9809d84ebe386b437130b). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Replicate a 96-well culture plate with an 8-channel pipette",
    "author": "labwright examples",
    "description": (
        "Stamps 20 uL of every well of an overnight culture plate into two plates pre-filled with "
        "180 uL of fresh medium (a 1:10 dilution, two replicates), column by column with a P300 "
        "8-channel GEN2 and a fresh column of tips for every column, mixing the new cultures."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips_a = protocol.load_labware("opentrons_96_tiprack_300ul", "1", version=1)
    tips_b = protocol.load_labware("opentrons_96_tiprack_300ul", "4", version=1)
    source = protocol.load_labware(
        "corning_96_wellplate_360ul_flat",
        "2",
        label="overnight cultures",
        version=5,
    )
    replica_1 = protocol.load_labware(
        "corning_96_wellplate_360ul_flat",
        "3",
        label="replica 1",
        version=5,
    )
    replica_2 = protocol.load_labware(
        "corning_96_wellplate_360ul_flat",
        "6",
        label="replica 2",
        version=5,
    )
    # pipettes
    m300 = protocol.load_instrument("p300_multi_gen2", "left", tip_racks=[tips_a, tips_b])
    # liquids
    culture = protocol.define_liquid(
        name="E. coli culture",
        description="overnight cultures in LB; id: culture",
        display_color="#C9A227",
    )
    for well in source.wells():
        well.load_liquid(liquid=culture, volume=150)
    medium = protocol.define_liquid(
        name="LB medium",
        description="id: medium",
        display_color="#F3E9D2",
    )
    for well in replica_1.wells():
        well.load_liquid(liquid=medium, volume=180)
    for well in replica_2.wells():
        well.load_liquid(liquid=medium, volume=180)

    # step 0: transfer 20 uL from 12 wells to 12 wells with m300 (replica 1)
    m300.transfer(
        20,
        source.rows()[0][0:12],  # A1..A12
        replica_1.rows()[0][0:12],  # A1..A12
        new_tip="always",
        mix_before=(3, 100),
        mix_after=(3, 100),
    )

    # step 1: transfer 20 uL from 12 wells to 12 wells with m300 (replica 2)
    m300.transfer(
        20,
        source.rows()[0][0:12],  # A1..A12
        replica_2.rows()[0][0:12],  # A1..A12
        new_tip="always",
        mix_after=(3, 100),
    )
