"""Proteinase K lysis with heater-shaker mixing

Lyses eight 200 uL cell suspensions in a deep-well plate held on a Heater-Shaker: the plate
starts warming to 56 degC while 20 uL of proteinase K (P20, fresh tips) and 400 uL of lysis
buffer (P1000, dispensed from above the liquid) are added; the plate is shaken to mix, held at
56 degC with shaking for 10 minutes, and the module is switched off.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
cc7b14453a770edf4a2fbf19649eb91e8e24040e13a79c5d13dddf6881098b1e). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Proteinase K lysis with heater-shaker mixing",
    "author": "labwright examples",
    "description": (
        "Lyses eight 200 uL cell suspensions in a deep-well plate held on a Heater-Shaker: the "
        "plate starts warming to 56 degC while 20 uL of proteinase K (P20, fresh tips) and 400 uL "
        "of lysis buffer (P1000, dispensed from above the liquid) are added; the plate is shaken to"
        " mix, held at 56 degC with shaking for 10 minutes, and the module is switched off."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    hs = protocol.load_module("heaterShakerModuleV1", "1")
    # labware (definition versions pinned to those labwright verified against)
    lysis_plate_adapter = hs.load_adapter("opentrons_96_deep_well_adapter")
    lysis_plate = lysis_plate_adapter.load_labware("nest_96_wellplate_2ml_deep", version=5)
    buffers = protocol.load_labware("nest_12_reservoir_15ml", "2", version=3)
    tubes = protocol.load_labware("opentrons_24_tuberack_nest_1.5ml_snapcap", "3", version=2)
    tips1000 = protocol.load_labware("opentrons_96_tiprack_1000ul", "4", version=1)
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "5", version=1)
    hs.close_labware_latch()  # hold the plate
    # pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    p1000 = protocol.load_instrument("p1000_single_gen2", "right", tip_racks=[tips1000])
    # liquids
    cells = protocol.define_liquid(
        name="cell suspension",
        description="HEK293 cells in PBS, about 1e6 cells; id: cells",
        display_color="#F2C6B4",
    )
    for well in lysis_plate.wells()[0:8]:  # A1..H1
        well.load_liquid(liquid=cells, volume=200)
    proteinase_k = protocol.define_liquid(
        name="proteinase K",
        description="id: proteinase_k; concentration: 20 mg/mL",
        display_color="#A3C4BC",
    )
    tubes["A1"].load_liquid(liquid=proteinase_k, volume=400)
    lysis_buffer = protocol.define_liquid(
        name="guanidine lysis buffer",
        description="Buffer AL type lysis buffer; id: lysis_buffer",
        display_color="#FFE082",
    )
    buffers["A1"].load_liquid(liquid=lysis_buffer, volume=6000)

    # step 0: set hs to 56 degC (start warming while pipetting)
    hs.set_target_temperature(56)

    # step 1: transfer 20 uL from tubes:A1 to 8 wells with p20
    p20.transfer(
        20,
        tubes["A1"],
        lysis_plate.wells()[0:8],  # A1..H1
        new_tip="always",
    )

    # step 2: transfer 400 uL from buffers:A1 to 8 wells with p1000 (from above the liquid, so one
    #   tip serves all wells)
    p1000.transfer(
        400,
        buffers["A1"],
        [w.bottom(30) for w in lysis_plate.wells()[0:8]],  # A1..H1
        new_tip="once",
    )

    # step 3: shake hs at 1400 rpm for 1 min (mix)
    hs.close_labware_latch()
    hs.set_and_wait_for_shake_speed(1400)
    protocol.delay(minutes=1)
    hs.deactivate_shaker()

    # step 4: set hs to 56 degC (wait for 56 degC)
    hs.set_and_wait_for_temperature(56)

    # step 5: shake hs at 1000 rpm for 10 min (digest)
    hs.close_labware_latch()
    hs.set_and_wait_for_shake_speed(1000)
    protocol.delay(minutes=10)
    hs.deactivate_shaker()

    # step 6: switch off hs
    hs.deactivate_heater()
    hs.deactivate_shaker()

    # step 7: comment
    protocol.comment("Lysates are ready for nucleic-acid extraction.")
