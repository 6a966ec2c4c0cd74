"""Flex bead clean-up with a Heater-Shaker and a Magnetic Block

Bead clean-up of eight 100 uL lysates with a Flex 8-channel 1000 uL pipette and 200 uL tips:
beads are mixed into the samples on a Heater-Shaker, the suspension is moved to a deep-well
plate on the Magnetic Block, the supernatant is discarded, the beads are washed twice with 80%
ethanol and air-dried, resuspended in elution buffer and shaken on the Heater-Shaker; the
suspension goes back onto the magnet and the eluate is moved to a PCR plate.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
61304755d3718b19b319d432ce2f04eb5b52d0eb2e7bfd749286798152042c32). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Flex bead clean-up with a Heater-Shaker and a Magnetic Block",
    "author": "labwright examples",
    "description": (
        "Bead clean-up of eight 100 uL lysates with a Flex 8-channel 1000 uL pipette and 200 uL "
        "tips: beads are mixed into the samples on a Heater-Shaker, the suspension is moved to a "
        "deep-well plate on the Magnetic Block, the supernatant is discarded, the beads are washed "
        "twice with 80% ethanol and air-dried, resuspended in elution buffer and shaken on the "
        "Heater-Shaker; the suspension goes back onto the magnet and the eluate is moved to a PCR "
        "plate."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "Flex", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    hs = protocol.load_module("heaterShakerModuleV1", "D1")
    mag = protocol.load_module("magneticBlockV1", "C1")
    # labware (definition versions pinned to those labwright verified against)
    binding_adapter = hs.load_adapter("opentrons_96_deep_well_adapter")
    binding = binding_adapter.load_labware(
        "nest_96_wellplate_2ml_deep",
        label="binding plate",
        version=5,
    )
    magnet_plate = mag.load_labware(
        "nest_96_wellplate_2ml_deep",
        label="plate on the magnet",
        version=5,
    )
    tips = protocol.load_labware("opentrons_flex_96_tiprack_200ul", "B2", version=1)
    reagents = protocol.load_labware("nest_12_reservoir_15ml", "D2", version=3)
    eluates = protocol.load_labware(
        "nest_96_wellplate_100ul_pcr_full_skirt",
        "C2",
        label="eluates",
        version=5,
    )
    hs.close_labware_latch()  # hold the plate
    # trash and pipettes
    trash = protocol.load_trash_bin("A3")
    m1000 = protocol.load_instrument("flex_8channel_1000", "left", tip_racks=[tips])
    # liquids
    lysate = protocol.define_liquid(
        name="cell lysate",
        description="cleared lysate with nucleic acids; id: lysate",
        display_color="#F2C6B4",
    )
    for well in binding.wells()[0:8]:  # A1..H1
        well.load_liquid(liquid=lysate, volume=100)
    beads = protocol.define_liquid(
        name="SPRI beads",
        description="carboxyl paramagnetic beads in PEG/NaCl buffer; id: beads",
        display_color="#6D4C41",
    )
    reagents["A1"].load_liquid(liquid=beads, volume=3000)
    ethanol = protocol.define_liquid(
        name="ethanol",
        description="id: ethanol; smiles: CCO; cas: 64-17-5; concentration: 80% (v/v)",
        display_color="#B0BEC5",
    )
    reagents["A2"].load_liquid(liquid=ethanol, volume=6000)
    elution_buffer = protocol.define_liquid(
        name="elution buffer",
        description="10 mM Tris-HCl pH 8.5; id: elution_buffer",
        display_color="#81D4FA",
    )
    reagents["A3"].load_liquid(liquid=elution_buffer, volume=1000)

    # step 0: transfer 180 uL from reagents:A1 to binding:A1 with m1000 (1.8x beads)
    m1000.transfer(180, reagents["A1"], binding["A1"], new_tip="once", mix_before=(5, 150))

    # step 1: shake hs at 1500 rpm for 5 min (bind)
    hs.close_labware_latch()
    hs.set_and_wait_for_shake_speed(1500)
    protocol.delay(minutes=5)
    hs.deactivate_shaker()

    # step 2: transfer 280 uL from binding:A1 to magnet_plate:A1 with m1000 (bead suspension onto
    #   the magnet (200 + 80 uL with 200 uL tips, re-suspended before each))
    m1000.transfer(
        280,
        binding["A1"].bottom(0.5),
        magnet_plate["A1"],
        new_tip="once",
        mix_before=(5, 60),
    )

    # step 3: wait 5 min (beads collect on the magnet)
    protocol.delay(minutes=5)

    # step 4: transfer 280 uL from magnet_plate:A1 to reagents:A12 with m1000 (discard the
    #   supernatant into the waste column)
    m1000.transfer(280, magnet_plate["A1"].bottom(0.5), reagents["A12"].bottom(20), new_tip="once")

    # step 5: transfer 200 uL from reagents:A2 to magnet_plate:A1 with m1000 (ethanol wash 1)
    m1000.transfer(200, reagents["A2"], magnet_plate["A1"].bottom(20), new_tip="once")

    # step 6: wait 30 s
    protocol.delay(seconds=30)

    # step 7: transfer 200 uL from magnet_plate:A1 to reagents:A12 with m1000
    m1000.transfer(200, magnet_plate["A1"].bottom(0.5), reagents["A12"].bottom(20), new_tip="once")

    # step 8: transfer 200 uL from reagents:A2 to magnet_plate:A1 with m1000 (ethanol wash 2)
    m1000.transfer(200, reagents["A2"], magnet_plate["A1"].bottom(20), new_tip="once")

    # step 9: wait 30 s
    protocol.delay(seconds=30)

    # step 10: transfer 200 uL from magnet_plate:A1 to reagents:A12 with m1000
    m1000.transfer(200, magnet_plate["A1"].bottom(0.5), reagents["A12"].bottom(20), new_tip="once")

    # step 11: wait 5 min (air-dry the beads)
    protocol.delay(minutes=5)

    # step 12: transfer 60 uL from reagents:A3 to magnet_plate:A1 with m1000 (resuspend the beads in
    #   elution buffer)
    m1000.transfer(60, reagents["A3"], magnet_plate["A1"], new_tip="once", mix_after=(10, 50))

    # step 13: transfer 60 uL from magnet_plate:A1 to binding:A2 with m1000 (suspension to a clean
    #   column of the binding plate)
    m1000.transfer(60, magnet_plate["A1"].bottom(0.5), binding["A2"], new_tip="once")

    # step 14: shake hs at 1800 rpm for 3 min (elute)
    hs.close_labware_latch()
    hs.set_and_wait_for_shake_speed(1800)
    protocol.delay(minutes=3)
    hs.deactivate_shaker()

    # step 15: transfer 60 uL from binding:A2 to magnet_plate:A2 with m1000 (back onto the magnet)
    m1000.transfer(60, binding["A2"].bottom(0.5), magnet_plate["A2"], new_tip="once")

    # step 16: wait 3 min
    protocol.delay(minutes=3)

    # step 17: transfer 50 uL from magnet_plate:A2 to eluates:A1 with m1000 (eluate to the PCR
    #   plate)
    m1000.transfer(50, magnet_plate["A2"].bottom(0.5), eluates["A1"], new_tip="once")
