"""PCR master-mix set-up on the Flex with declared liquids (apiLevel 2.20).

Liquids are declared with define_liquid / load_liquid, so the verifier tracks exact volumes
and what is in each well. The trash bin sits in D3 (not the default A3) and a reservoir is in
A3. Temperature module keeps the reagents cold; the thermocycler runs the PCR.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Flex PCR set-up with declared liquids", "author": "labwright tests"}
requirements = {"robotType": "Flex", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext):
    protocol.load_trash_bin("D3")
    tips50 = protocol.load_labware("opentrons_flex_96_tiprack_50ul", "C3")
    tips1000 = protocol.load_labware("opentrons_flex_96_tiprack_1000ul", "C2")
    temp = protocol.load_module("temperature module gen2", "D1")
    block = temp.load_labware("opentrons_96_aluminumblock_nest_wellplate_100ul")
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "A3")
    tc = protocol.load_module("thermocyclerModuleV2")
    pcr = tc.load_labware("nest_96_wellplate_100ul_pcr_full_skirt")
    p50 = protocol.load_instrument("flex_8channel_50", "right", tip_racks=[tips50])
    p1000 = protocol.load_instrument("flex_1channel_1000", "left", tip_racks=[tips1000])

    master_mix = protocol.define_liquid("master mix", "2x PCR master mix", "#6AA84F")
    water = protocol.define_liquid("water", "nuclease-free water", "#3D85C6")
    template = protocol.define_liquid("template DNA", "samples", "#CC0000")
    reservoir["A1"].load_liquid(liquid=master_mix, volume=3000)
    reservoir["A2"].load_liquid(liquid=water, volume=5000)
    for well in block.columns()[0]:
        well.load_liquid(liquid=template, volume=40)

    temp.set_temperature(4)
    tc.open_lid()
    tc.set_block_temperature(4)
    tc.set_lid_temperature(105)

    # water to the first column of the cold block with the single channel
    p1000.pick_up_tip()
    for well in block.columns()[1]:
        p1000.aspirate(20, reservoir["A2"])
        p1000.dispense(20, well)
    p1000.drop_tip()

    # master mix to three columns of the PCR plate with one set of tips
    p50.pick_up_tip()
    for col in pcr.rows()[0][:3]:
        p50.aspirate(25, reservoir["A1"])
        p50.dispense(25, col)
        p50.blow_out(col.top())
    p50.drop_tip()

    # template and water into the reactions, fresh tips per column
    for col, src in zip(pcr.rows()[0][:3], [block["A1"], block["A1"], block["A2"]], strict=True):
        p50.pick_up_tip()
        p50.aspirate(10, src)
        p50.air_gap(5)
        p50.dispense(15, col)
        p50.mix(3, 20, col)
        p50.drop_tip()

    tc.close_lid()
    tc.execute_profile(
        steps=[{"temperature": 95, "hold_time_seconds": 180}], repetitions=1, block_max_volume=35
    )
    tc.execute_profile(
        steps=[
            {"temperature": 95, "hold_time_seconds": 15},
            {"temperature": 60, "hold_time_seconds": 30},
            {"temperature": 72, "hold_time_seconds": 30},
        ],
        repetitions=30,
        block_max_volume=35,
    )
    tc.set_block_temperature(4, hold_time_minutes=2)
    tc.deactivate_lid()
    tc.open_lid()
    temp.deactivate()
