"""Flex BSA standard curve for a Bradford assay

On a Flex with a 1-channel and an 8-channel 1000 uL pipette: builds a two-fold BSA dilution
series (2 to 0.0625 mg/mL) in triplicate across rows A-C of a flat 96-well plate, then adds 150
uL of Bradford reagent to columns 1-7 with the 8-channel (rows D-H are reagent blanks).

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
a3a10fd9f511edb3b66c8b3294f04f7f7002ae726eb0716e80fb4850cd31d9f7). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Flex BSA standard curve for a Bradford assay",
    "author": "labwright examples",
    "description": (
        "On a Flex with a 1-channel and an 8-channel 1000 uL pipette: builds a two-fold BSA "
        "dilution series (2 to 0.0625 mg/mL) in triplicate across rows A-C of a flat 96-well plate,"
        " then adds 150 uL of Bradford reagent to columns 1-7 with the 8-channel (rows D-H are "
        "reagent blanks)."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "Flex", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips200 = protocol.load_labware("opentrons_flex_96_tiprack_200ul", "C1", version=1)
    tips1000 = protocol.load_labware("opentrons_flex_96_tiprack_1000ul", "B1", version=1)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "D2", version=3)
    tubes = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", "D1", version=2)
    plate = protocol.load_labware(
        "corning_96_wellplate_360ul_flat",
        "C2",
        label="assay plate",
        version=5,
    )
    # trash and pipettes
    trash = protocol.load_trash_bin("A3")
    single = protocol.load_instrument("flex_1channel_1000", "left", tip_racks=[tips200])
    multi = protocol.load_instrument("flex_8channel_1000", "right", tip_racks=[tips1000])
    # liquids
    pbs = protocol.define_liquid(
        name="phosphate-buffered saline",
        description="1x PBS, pH 7.4; id: pbs",
        display_color="#9AD0EC",
    )
    reservoir["A1"].load_liquid(liquid=pbs, volume=5000)
    bradford = protocol.define_liquid(
        name="Bradford reagent",
        description="Coomassie Brilliant Blue G-250 in phosphoric acid and methanol; id: bradford",
        display_color="#3949AB",
    )
    reservoir["A2"].load_liquid(liquid=bradford, volume=12000)
    bsa = protocol.define_liquid(
        name="bovine serum albumin",
        description="id: bsa; concentration: 2 mg/mL",
        display_color="#F5E6CA",
    )
    tubes["A1"].load_liquid(liquid=bsa, volume=1000)

    # step 0: distribute 100 uL from reservoir:A1 to 18 wells with single (diluent)
    single.distribute(
        100,
        reservoir["A1"],
        [
            plate["A2"], plate["A3"], plate["A4"], plate["A5"], plate["A6"], plate["A7"],
            plate["B2"], plate["B3"], plate["B4"], plate["B5"], plate["B6"], plate["B7"],
            plate["C2"], plate["C3"], plate["C4"], plate["C5"], plate["C6"], plate["C7"],
        ],
        new_tip="once",
    )

    # step 1: transfer 200 uL from tubes:A1 to 3 wells with single (BSA stock, triplicate)
    single.transfer(
        200,
        tubes["A1"],
        plate.wells()[0:3],  # A1..C1
        new_tip="once",
    )

    # step 2: transfer 100 uL from 7 wells to 7 wells with single (row A dilution series; the last
    #   100 uL goes to waste)
    single.transfer(
        100,
        plate.rows()[0][0:7],  # A1..A7
        [
            plate["A2"], plate["A3"], plate["A4"], plate["A5"], plate["A6"], plate["A7"],
            reservoir["A12"],
        ],
        new_tip="once",
        mix_after=(3, 80),
    )

    # step 3: transfer 100 uL from 7 wells to 7 wells with single (row B)
    single.transfer(
        100,
        plate.rows()[1][0:7],  # B1..B7
        [
            plate["B2"], plate["B3"], plate["B4"], plate["B5"], plate["B6"], plate["B7"],
            reservoir["A12"],
        ],
        new_tip="once",
        mix_after=(3, 80),
    )

    # step 4: transfer 100 uL from 7 wells to 7 wells with single (row C)
    single.transfer(
        100,
        plate.rows()[2][0:7],  # C1..C7
        [
            plate["C2"], plate["C3"], plate["C4"], plate["C5"], plate["C6"], plate["C7"],
            reservoir["A12"],
        ],
        new_tip="once",
        mix_after=(3, 80),
    )

    # step 5: distribute 150 uL from reservoir:A2 to 7 wells with multi (Bradford reagent into every
    #   row of columns 1-7, from above the liquid)
    multi.distribute(
        150,
        reservoir["A2"],
        [w.bottom(9) for w in plate.rows()[0][0:7]],  # A1..A7
        new_tip="once",
    )

    # step 6: wait 5 min (colour development)
    protocol.delay(minutes=5)

    # step 7: measure absorbance of plate (read off-deck)
    protocol.comment("Measure absorbance at 595 nm of plate (21 wells, A1..C7)")
