"""ELISA detection steps with plate washes

Detection half of a sandwich ELISA on six columns of a coated, blocked plate whose samples have
been incubated and removed: three washes (250 uL, 30 s soak, aspirate to a waste reservoir), 100
uL of HRP detection antibody for 1 h, three more washes, 100 uL of TMB substrate for 15 min and
50 uL of stop solution, all with a P300 8-channel dispensing from above the liquid; the plate is
then read at 450 nm off-deck.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
ce8f33440da137c74bfd7db5312a74195079333634783c530d0891156a7fbb4d). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "ELISA detection steps with plate washes",
    "author": "labwright examples",
    "description": (
        "Detection half of a sandwich ELISA on six columns of a coated, blocked plate whose samples"
        " have been incubated and removed: three washes (250 uL, 30 s soak, aspirate to a waste "
        "reservoir), 100 uL of HRP detection antibody for 1 h, three more washes, 100 uL of TMB "
        "substrate for 15 min and 50 uL of stop solution, all with a P300 8-channel dispensing from"
        " above the liquid; the plate is then read at 450 nm off-deck."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips_a = protocol.load_labware("opentrons_96_tiprack_300ul", "1", version=1)
    tips_b = protocol.load_labware("opentrons_96_tiprack_300ul", "4", version=1)
    wash = protocol.load_labware("nest_1_reservoir_195ml", "2", label="wash buffer", version=5)
    reagents = protocol.load_labware("nest_12_reservoir_15ml", "3", version=3)
    waste = protocol.load_labware("nest_1_reservoir_195ml", "5", label="liquid waste", version=5)
    plate = protocol.load_labware(
        "thermofisher_nunc_maxisorp_lockwell_elisa",
        "6",
        label="ELISA plate",
        version=1,
    )
    # pipettes
    m300 = protocol.load_instrument("p300_multi_gen2", "left", tip_racks=[tips_a, tips_b])
    # liquids
    wash_buffer = protocol.define_liquid(
        name="PBS-Tween",
        description="wash buffer, PBS with 0.05% Tween-20; id: wash_buffer",
        display_color="#B3E5FC",
    )
    wash["A1"].load_liquid(liquid=wash_buffer, volume=150000)
    detection_antibody = protocol.define_liquid(
        name="HRP conjugate",
        description=(
            "HRP-conjugated detection antibody, 1:5000 in blocking buffer; id: detection_antibody"
        ),
        display_color="#FFCC80",
    )
    reagents["A1"].load_liquid(liquid=detection_antibody, volume=6000)
    tmb = protocol.define_liquid(
        name="TMB substrate",
        description="3,3',5,5'-tetramethylbenzidine substrate solution; id: tmb",
        display_color="#4FC3F7",
    )
    reagents["A2"].load_liquid(liquid=tmb, volume=6000)
    stop_solution = protocol.define_liquid(
        name="sulfuric acid",
        description="ELISA stop solution; id: stop_solution; cas: 7664-93-9; concentration: 0.16 M",
        display_color="#FFF59D",
    )
    reagents["A3"].load_liquid(liquid=stop_solution, volume=4000)

    # step 0: comment
    protocol.comment("Plate: coated, blocked, samples incubated and removed.")

    # step 1: distribute 250 uL from wash:A1 to 6 wells with m300 (wash 1, from above the liquid)
    m300.distribute(
        250,
        wash["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 2: wait 30 s (soak)
    protocol.delay(seconds=30)

    # step 3: transfer 250 uL from 6 wells to waste:A1 with m300 (empty the wells)
    m300.transfer(
        250,
        [w.bottom(0.5) for w in plate.rows()[0][0:6]],  # A1..A6
        waste["A1"].bottom(20),
        new_tip="once",
    )

    # step 4: distribute 250 uL from wash:A1 to 6 wells with m300 (wash 2, from above the liquid)
    m300.distribute(
        250,
        wash["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 5: wait 30 s (soak)
    protocol.delay(seconds=30)

    # step 6: transfer 250 uL from 6 wells to waste:A1 with m300 (empty the wells)
    m300.transfer(
        250,
        [w.bottom(0.5) for w in plate.rows()[0][0:6]],  # A1..A6
        waste["A1"].bottom(20),
        new_tip="once",
    )

    # step 7: distribute 250 uL from wash:A1 to 6 wells with m300 (wash 3, from above the liquid)
    m300.distribute(
        250,
        wash["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 8: wait 30 s (soak)
    protocol.delay(seconds=30)

    # step 9: transfer 250 uL from 6 wells to waste:A1 with m300 (empty the wells)
    m300.transfer(
        250,
        [w.bottom(0.5) for w in plate.rows()[0][0:6]],  # A1..A6
        waste["A1"].bottom(20),
        new_tip="once",
    )

    # step 10: distribute 100 uL from reagents:A1 to 6 wells with m300 (detection antibody)
    m300.distribute(
        100,
        reagents["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 11: wait 60 min (incubate)
    protocol.delay(minutes=60)

    # step 12: transfer 100 uL from 6 wells to waste:A1 with m300 (remove the antibody)
    m300.transfer(
        100,
        [w.bottom(0.5) for w in plate.rows()[0][0:6]],  # A1..A6
        waste["A1"].bottom(20),
        new_tip="once",
    )

    # step 13: distribute 250 uL from wash:A1 to 6 wells with m300 (wash 4, from above the liquid)
    m300.distribute(
        250,
        wash["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 14: wait 30 s (soak)
    protocol.delay(seconds=30)

    # step 15: transfer 250 uL from 6 wells to waste:A1 with m300 (empty the wells)
    m300.transfer(
        250,
        [w.bottom(0.5) for w in plate.rows()[0][0:6]],  # A1..A6
        waste["A1"].bottom(20),
        new_tip="once",
    )

    # step 16: distribute 250 uL from wash:A1 to 6 wells with m300 (wash 5, from above the liquid)
    m300.distribute(
        250,
        wash["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 17: wait 30 s (soak)
    protocol.delay(seconds=30)

    # step 18: transfer 250 uL from 6 wells to waste:A1 with m300 (empty the wells)
    m300.transfer(
        250,
        [w.bottom(0.5) for w in plate.rows()[0][0:6]],  # A1..A6
        waste["A1"].bottom(20),
        new_tip="once",
    )

    # step 19: distribute 250 uL from wash:A1 to 6 wells with m300 (wash 6, from above the liquid)
    m300.distribute(
        250,
        wash["A1"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 20: wait 30 s (soak)
    protocol.delay(seconds=30)

    # step 21: transfer 250 uL from 6 wells to waste:A1 with m300 (empty the wells)
    m300.transfer(
        250,
        [w.bottom(0.5) for w in plate.rows()[0][0:6]],  # A1..A6
        waste["A1"].bottom(20),
        new_tip="once",
    )

    # step 22: distribute 100 uL from reagents:A2 to 6 wells with m300 (TMB substrate)
    m300.distribute(
        100,
        reagents["A2"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 23: wait 15 min (colour development in the dark)
    protocol.delay(minutes=15)

    # step 24: distribute 50 uL from reagents:A3 to 6 wells with m300 (stop solution)
    m300.distribute(
        50,
        reagents["A3"],
        [w.bottom(9) for w in plate.rows()[0][0:6]],  # A1..A6
        new_tip="once",
    )

    # step 25: measure absorbance of plate (read on a plate reader off-deck)
    protocol.comment("Measure absorbance at 450 nm of plate (48 wells, A1..H6)")
