"""Colour-mixing plate with absorbance reads (Flex plate reader)

Mixes three food dyes (tartrazine, allura red AC, brilliant blue FCF) and water into twelve 200
uL recipes across row A of a flat plate, then reads absorbance at 450, 562 and 650 nm on the
Flex Absorbance Plate Reader. The measurements feed the colour-mixing chemistry twin (Beer-
Lambert); water and the first two dyes are dispensed from above the liquid with one tip each,
the blue dye goes in last with a fresh tip per well and is mixed in.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
205d0b141abf352f5d39bb092e7ac3d0d965f3c4d0bf424c83cde2f342031add). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Colour-mixing plate with absorbance reads (Flex plate reader)",
    "author": "labwright examples",
    "description": (
        "Mixes three food dyes (tartrazine, allura red AC, brilliant blue FCF) and water into "
        "twelve 200 uL recipes across row A of a flat plate, then reads absorbance at 450, 562 and "
        "650 nm on the Flex Absorbance Plate Reader. The measurements feed the colour-mixing "
        "chemistry twin (Beer-Lambert); water and the first two dyes are dispensed from above the "
        "liquid with one tip each, the blue dye goes in last with a fresh tip per well and is mixed"
        " in."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "Flex", "apiLevel": "2.21"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    reader = protocol.load_module("absorbanceReaderV1", "D3")
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_flex_96_tiprack_200ul", "C1", version=1)
    dyes = protocol.load_labware("nest_12_reservoir_15ml", "D2", label="dye stocks", version=3)
    plate = protocol.load_labware(
        "corning_96_wellplate_360ul_flat",
        "C2",
        label="colour plate",
        version=5,
    )
    # trash and pipettes
    trash = protocol.load_trash_bin("A3")
    p1000 = protocol.load_instrument("flex_1channel_1000", "left", tip_racks=[tips])
    # liquids
    water = protocol.define_liquid(
        name="water",
        description="id: water; smiles: O; cas: 7732-18-5",
        display_color="#E3F2FD",
    )
    dyes["A1"].load_liquid(liquid=water, volume=5000)
    yellow = protocol.define_liquid(
        name="tartrazine",
        description="id: yellow; cas: 1934-21-0; concentration: 50 uM",
        display_color="#F5C400",
    )
    dyes["A2"].load_liquid(liquid=yellow, volume=3000)
    red = protocol.define_liquid(
        name="allura red AC",
        description="id: red; cas: 25956-17-6; concentration: 50 uM",
        display_color="#D32F2F",
    )
    dyes["A3"].load_liquid(liquid=red, volume=3000)
    blue = protocol.define_liquid(
        name="brilliant blue FCF",
        description="id: blue; cas: 3844-45-9; concentration: 10 uM",
        display_color="#1565C0",
    )
    dyes["A4"].load_liquid(liquid=blue, volume=3000)

    # step 0: transfer 50-100 uL from dyes:A1 to 12 wells with p1000 (water)
    p1000.transfer(
        [80, 90, 90, 90, 90, 80, 90, 90, 90, 60, 100, 50],
        dyes["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:12]],  # A1..A12
        new_tip="once",
    )

    # step 1: transfer 10-100 uL from dyes:A2 to 12 wells with p1000 (yellow)
    p1000.transfer(
        [100, 80, 60, 40, 20, 10, 60, 40, 20, 60, 30, 50],
        dyes["A2"],
        [w.bottom(9) for w in plate.rows()[0][0:12]],  # A1..A12
        new_tip="once",
    )

    # step 2: transfer 10-100 uL from dyes:A3 to 12 wells with p1000 (red)
    p1000.transfer(
        [10, 20, 40, 60, 80, 100, 20, 40, 60, 60, 30, 50],
        dyes["A3"],
        [w.bottom(9) for w in plate.rows()[0][0:12]],  # A1..A12
        new_tip="once",
    )

    # step 3: transfer 10-50 uL from dyes:A4 to 12 wells with p1000 (blue, then mix)
    p1000.transfer(
        [10, 10, 10, 10, 10, 10, 30, 30, 30, 20, 40, 50],
        dyes["A4"],
        plate.rows()[0][0:12],  # A1..A12
        new_tip="always",
        mix_after=(3, 100),
    )

    # step 4: measure absorbance of plate
    # Measure absorbance at 450 nm of plate (12 wells, A1..A12)
    reader.close_lid()
    reader.initialize("single", [450])
    reader.open_lid()
    protocol.move_labware(plate, reader, use_gripper=True)
    reader.close_lid()
    reader.read(export_filename="plate_450nm")
    reader.open_lid()
    protocol.move_labware(plate, "C2", use_gripper=True)

    # step 5: measure absorbance of plate
    # Measure absorbance at 562 nm of plate (12 wells, A1..A12)
    reader.close_lid()
    reader.initialize("single", [562])
    reader.open_lid()
    protocol.move_labware(plate, reader, use_gripper=True)
    reader.close_lid()
    reader.read(export_filename="plate_562nm")
    reader.open_lid()
    protocol.move_labware(plate, "C2", use_gripper=True)

    # step 6: measure absorbance of plate
    # Measure absorbance at 650 nm of plate (12 wells, A1..A12)
    reader.close_lid()
    reader.initialize("single", [650])
    reader.open_lid()
    protocol.move_labware(plate, reader, use_gripper=True)
    reader.close_lid()
    reader.read(export_filename="plate_650nm")
    reader.open_lid()
    protocol.move_labware(plate, "C2", use_gripper=True)
