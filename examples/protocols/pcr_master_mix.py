"""PCR master-mix setup on a cold block

Keeps the master mix at 4 degC on a Temperature Module (GEN2) with a 24-tube aluminium block,
distributes 20 uL of master mix into 24 wells of a PCR plate, adds 5 uL of each of 22 DNA
templates (new tip per template, mixed in) and 5 uL of water to two no-template controls.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
d4cfc8a6a813e3f5f417ea89c0ab1b0f1bf0d7221cf78b58aadd729ac9a410ab). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "PCR master-mix setup on a cold block",
    "author": "labwright examples",
    "description": (
        "Keeps the master mix at 4 degC on a Temperature Module (GEN2) with a 24-tube aluminium "
        "block, distributes 20 uL of master mix into 24 wells of a PCR plate, adds 5 uL of each of "
        "22 DNA templates (new tip per template, mixed in) and 5 uL of water to two no-template "
        "controls."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    temp = protocol.load_module("temperature module gen2", "3")
    # labware (definition versions pinned to those labwright verified against)
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "1", version=1)
    pcr_plate = protocol.load_labware(
        "opentrons_96_aluminumblock_nest_wellplate_100ul",
        "2",
        label="PCR plate on aluminium block",
        version=1,
    )
    cold_block = temp.load_labware("opentrons_24_aluminumblock_nest_1.5ml_snapcap", version=3)
    tips300 = protocol.load_labware("opentrons_96_tiprack_300ul", "4", version=1)
    templates = protocol.load_labware(
        "nest_96_wellplate_100ul_pcr_full_skirt",
        "5",
        label="DNA templates",
        version=5,
    )
    # pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips300])
    # liquids
    master_mix = protocol.define_liquid(
        name="PCR master mix",
        description="2x polymerase master mix with primers; id: master_mix",
        display_color="#7B61FF",
    )
    cold_block["A1"].load_liquid(liquid=master_mix, volume=600)
    water = protocol.define_liquid(
        name="water",
        description="nuclease-free water; id: water; smiles: O; cas: 7732-18-5",
        display_color="#3A7BD5",
    )
    cold_block["B1"].load_liquid(liquid=water, volume=500)
    template = protocol.define_liquid(
        name="DNA template",
        description="purified genomic DNA, about 10 ng/uL; id: template",
        display_color="#F2994A",
    )
    for well in templates.wells()[0:22]:  # A1..F3
        well.load_liquid(liquid=template, volume=30)

    # step 0: set temp to 4 degC (chill the master mix before use)
    temp.set_temperature(4)

    # step 1: distribute 20 uL from cold_block:A1 to 24 wells with p300 (master mix into 24 reaction
    #   wells)
    p300.distribute(
        20,
        cold_block["A1"],
        pcr_plate.wells()[0:24],  # A1..H3
        new_tip="once",
    )

    # step 2: transfer 5 uL from 22 wells to 22 wells with p20 (one template per well, a fresh tip
    #   each)
    p20.transfer(
        5,
        templates.wells()[0:22],  # A1..F3
        pcr_plate.wells()[0:22],  # A1..F3
        new_tip="always",
        mix_after=(3, 10),
    )

    # step 3: transfer 5 uL from cold_block:B1 to 2 wells with p20 (no-template controls)
    p20.transfer(
        5,
        cold_block["B1"],
        [pcr_plate["G3"], pcr_plate["H3"]],
        new_tip="always",
        mix_after=(3, 10),
    )

    # step 4: pause
    protocol.pause("Seal the PCR plate and move it to the thermocycler.")

    # step 5: switch off temp
    temp.deactivate()
