"""Enzyme digestion at 37 degC on a Temperature Module

Restriction digest of 16 plasmid samples: a PCR plate on the 96-well aluminium block of a
Temperature Module (GEN2) is brought to 37 degC, receives 40 uL of buffered plasmid DNA per well
and 10 uL of enzyme mix (fresh tip per well, mixed), incubates for 30 minutes, and the reaction
is stopped with 10 uL of loading dye before the module is switched off.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
43d51cd9042141b97f78018bad9c3952613b1231b868e5c7ae57287e7f7c2d4e). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Enzyme digestion at 37 degC on a Temperature Module",
    "author": "labwright examples",
    "description": (
        "Restriction digest of 16 plasmid samples: a PCR plate on the 96-well aluminium block of a "
        "Temperature Module (GEN2) is brought to 37 degC, receives 40 uL of buffered plasmid DNA "
        "per well and 10 uL of enzyme mix (fresh tip per well, mixed), incubates for 30 minutes, "
        "and the reaction is stopped with 10 uL of loading dye before the module is switched off."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    heat_block = protocol.load_module("temperature module gen2", "3")
    # labware (definition versions pinned to those labwright verified against)
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "1", version=1)
    tips300 = protocol.load_labware("opentrons_96_tiprack_300ul", "4", version=1)
    reaction_plate = heat_block.load_labware(
        "opentrons_96_aluminumblock_nest_wellplate_100ul",
        version=1,
    )
    tubes = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", "2", version=2)
    dna_plate = protocol.load_labware(
        "nest_96_wellplate_100ul_pcr_full_skirt",
        "5",
        label="plasmid DNA in buffer",
        version=5,
    )
    # pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips300])
    # liquids
    plasmid = protocol.define_liquid(
        name="plasmid DNA",
        description="1 ug plasmid in 1x digestion buffer; id: plasmid",
        display_color="#E07A5F",
    )
    for well in dna_plate.wells()[0:16]:  # A1..H2
        well.load_liquid(liquid=plasmid, volume=45)
    enzyme_mix = protocol.define_liquid(
        name="restriction enzyme",
        description="EcoRI-HF and BamHI-HF in 1x buffer, kept on ice; id: enzyme_mix",
        display_color="#7B61FF",
    )
    tubes["A1"].load_liquid(liquid=enzyme_mix, volume=250)
    loading_dye = protocol.define_liquid(
        name="gel loading dye",
        description="6x purple loading dye with SDS; id: loading_dye",
        display_color="#8E44AD",
    )
    tubes["A2"].load_liquid(liquid=loading_dye, volume=300)

    # step 0: set heat_block to 37 degC
    heat_block.set_temperature(37)

    # step 1: transfer 40 uL from 16 wells to 16 wells with p300 (plasmid into the warm plate)
    p300.transfer(
        40,
        dna_plate.wells()[0:16],  # A1..H2
        reaction_plate.wells()[0:16],  # A1..H2
        new_tip="always",
    )

    # step 2: transfer 10 uL from tubes:A1 to 16 wells with p20 (start the digests)
    p20.transfer(
        10,
        tubes["A1"],
        reaction_plate.wells()[0:16],  # A1..H2
        new_tip="always",
        mix_after=(3, 15),
    )

    # step 3: wait 30 min (digestion)
    protocol.delay(minutes=30)

    # step 4: transfer 10 uL from tubes:A2 to 16 wells with p20 (stop with loading dye)
    p20.transfer(
        10,
        tubes["A2"],
        reaction_plate.wells()[0:16],  # A1..H2
        new_tip="always",
        mix_after=(2, 15),
    )

    # step 5: switch off heat_block
    heat_block.deactivate()
