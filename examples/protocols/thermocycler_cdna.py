"""cDNA synthesis in the Thermocycler

Sets up 16 x 20 uL reverse-transcription reactions in a PCR plate held at 4 degC in an open
Thermocycler GEN2 (10 uL of RT master mix, then 10 uL of RNA with a fresh tip per sample),
closes the lid, heats the lid to 105 degC, runs primer annealing (25 degC, 10 min), reverse
transcription (50 degC, 30 min) and enzyme inactivation (85 degC, 5 min), and holds the plate at
4 degC until it is collected.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
10ddf60771d51fde07356b9cf8754843b3fd76516b53b89f53df14adb3872770). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "cDNA synthesis in the Thermocycler",
    "author": "labwright examples",
    "description": (
        "Sets up 16 x 20 uL reverse-transcription reactions in a PCR plate held at 4 degC in an "
        "open Thermocycler GEN2 (10 uL of RT master mix, then 10 uL of RNA with a fresh tip per "
        "sample), closes the lid, heats the lid to 105 degC, runs primer annealing (25 degC, 10 "
        "min), reverse transcription (50 degC, 30 min) and enzyme inactivation (85 degC, 5 min), "
        "and holds the plate at 4 degC until it is collected."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    tc = protocol.load_module("thermocycler module gen2", "7")
    # labware (definition versions pinned to those labwright verified against)
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "1", version=1)
    rna = protocol.load_labware(
        "nest_96_wellplate_100ul_pcr_full_skirt",
        "2",
        label="RNA samples",
        version=5,
    )
    tubes = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", "5", version=2)
    rt_plate = tc.load_labware(
        "nest_96_wellplate_100ul_pcr_full_skirt",
        label="RT reactions",
        version=5,
    )
    # pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    # liquids
    rna_sample = protocol.define_liquid(
        name="total RNA",
        description="100 ng total RNA per 10 uL; id: rna_sample",
        display_color="#EF9A9A",
    )
    for well in rna.wells()[0:16]:  # A1..H2
        well.load_liquid(liquid=rna_sample, volume=15)
    rt_mix = protocol.define_liquid(
        name="reverse transcriptase",
        description="reverse transcriptase, dNTPs, random primers, RNase inhibitor; id: rt_mix",
        display_color="#CE93D8",
    )
    tubes["A1"].load_liquid(liquid=rt_mix, volume=220)

    # step 0: open the lid of tc
    tc.open_lid()

    # step 1: set tc block to 4 degC
    tc.set_block_temperature(4)

    # step 2: distribute 10 uL from tubes:A1 to 16 wells with p20 (RT master mix)
    p20.distribute(
        10,
        tubes["A1"],
        rt_plate.wells()[0:16],  # A1..H2
        new_tip="once",
        disposal_volume=0,
    )

    # step 3: transfer 10 uL from 16 wells to 16 wells with p20 (RNA, a fresh tip per sample)
    p20.transfer(
        10,
        rna.wells()[0:16],  # A1..H2
        rt_plate.wells()[0:16],  # A1..H2
        new_tip="always",
        mix_after=(3, 15),
    )

    # step 4: close the lid of tc
    tc.close_lid()

    # step 5: set tc lid to 105 degC
    tc.set_lid_temperature(105)

    # step 6: set tc block to 25 degC
    tc.set_block_temperature(25)

    # step 7: wait 10 min (primer annealing)
    protocol.delay(minutes=10)

    # step 8: set tc block to 50 degC
    tc.set_block_temperature(50)

    # step 9: wait 30 min (reverse transcription)
    protocol.delay(minutes=30)

    # step 10: set tc block to 85 degC
    tc.set_block_temperature(85)

    # step 11: wait 5 min (inactivate the enzyme)
    protocol.delay(minutes=5)

    # step 12: set tc block to 4 degC
    tc.set_block_temperature(4)

    # step 13: pause
    protocol.pause("The cDNA is at 4 degC. Resume to open the lid and switch the thermocycler off.")

    # step 14: open the lid of tc
    tc.open_lid()

    # step 15: switch off tc
    tc.deactivate()
