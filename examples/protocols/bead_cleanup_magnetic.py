"""SPRI bead clean-up of 16 PCR products on a Magnetic Module GEN2

1.8x bead clean-up of 16 x 50 uL PCR products (columns 1-2) with a P300 8-channel: bind to
paramagnetic beads, separate on the magnets, discard the supernatant, wash the beads twice with
80% ethanol, air-dry, elute in 25 uL of 10 mM Tris and move 22 uL of eluate to a fresh plate. A
fresh column of tips for every move into or out of the samples.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
3d055bf0f97b612165ba97405758fa1fae1cb003e645f53b42e416b945282bde). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "SPRI bead clean-up of 16 PCR products on a Magnetic Module GEN2",
    "author": "labwright examples",
    "description": (
        "1.8x bead clean-up of 16 x 50 uL PCR products (columns 1-2) with a P300 8-channel: bind to"
        " paramagnetic beads, separate on the magnets, discard the supernatant, wash the beads "
        "twice with 80% ethanol, air-dry, elute in 25 uL of 10 mM Tris and move 22 uL of eluate to "
        "a fresh plate. A fresh column of tips for every move into or out of the samples."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    magnet = protocol.load_module("magnetic module gen2", "1")
    # labware (definition versions pinned to those labwright verified against)
    tips_a = protocol.load_labware("opentrons_96_tiprack_300ul", "4", version=1)
    tips_b = protocol.load_labware("opentrons_96_tiprack_300ul", "5", version=1)
    samples = magnet.load_labware("biorad_96_wellplate_200ul_pcr", label="PCR products", version=5)
    reagents = protocol.load_labware("nest_12_reservoir_15ml", "2", version=3)
    eluates = protocol.load_labware(
        "biorad_96_wellplate_200ul_pcr",
        "3",
        label="clean DNA",
        version=5,
    )
    # pipettes
    m300 = protocol.load_instrument("p300_multi_gen2", "left", tip_racks=[tips_a, tips_b])
    # liquids
    pcr_product = protocol.define_liquid(
        name="PCR product",
        description="unpurified amplicons in PCR buffer; id: pcr_product",
        display_color="#E07A5F",
    )
    for well in samples.wells()[0:16]:  # A1..H2
        well.load_liquid(liquid=pcr_product, volume=50)
    beads = protocol.define_liquid(
        name="SPRI beads",
        description="carboxyl paramagnetic beads in PEG/NaCl buffer; id: beads",
        display_color="#6D4C41",
    )
    reagents["A1"].load_liquid(liquid=beads, volume=4000)
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
    reagents["A3"].load_liquid(liquid=elution_buffer, volume=2000)

    # step 0: lower the magnets of magnet
    magnet.disengage()

    # step 1: transfer 90 uL from reagents:A1 to 2 wells with m300 (1.8x beads, resuspended before
    #   each draw)
    m300.transfer(
        90,
        reagents["A1"],
        [samples["A1"], samples["A2"]],
        new_tip="always",
        mix_before=(5, 150),
        mix_after=(10, 100),
    )

    # step 2: wait 5 min (DNA binds to the beads)
    protocol.delay(minutes=5)

    # step 3: raise the magnets of magnet to 6 mm
    magnet.engage(height_from_base=6)

    # step 4: wait 3 min (beads collect on the magnets)
    protocol.delay(minutes=3)

    # step 5: transfer 140 uL from 2 wells to reagents:A12 with m300 (discard the supernatant into
    #   the waste column)
    m300.transfer(
        140,
        [samples["A1"].bottom(0.5), samples["A2"].bottom(0.5)],
        reagents["A12"].bottom(10),
        new_tip="always",
    )

    # step 6: transfer 150 uL from reagents:A2 to 2 wells with m300 (ethanol wash 1, dispensed above
    #   the liquid)
    m300.transfer(
        150,
        reagents["A2"],
        [samples["A1"].bottom(10), samples["A2"].bottom(10)],
        new_tip="once",
    )

    # step 7: wait 30 s
    protocol.delay(seconds=30)

    # step 8: transfer 150 uL from 2 wells to reagents:A12 with m300
    m300.transfer(
        150,
        [samples["A1"].bottom(0.5), samples["A2"].bottom(0.5)],
        reagents["A12"].bottom(10),
        new_tip="always",
    )

    # step 9: transfer 150 uL from reagents:A2 to 2 wells with m300 (ethanol wash 2)
    m300.transfer(
        150,
        reagents["A2"],
        [samples["A1"].bottom(10), samples["A2"].bottom(10)],
        new_tip="once",
    )

    # step 10: wait 30 s
    protocol.delay(seconds=30)

    # step 11: transfer 150 uL from 2 wells to reagents:A12 with m300
    m300.transfer(
        150,
        [samples["A1"].bottom(0.5), samples["A2"].bottom(0.5)],
        reagents["A12"].bottom(10),
        new_tip="always",
    )

    # step 12: wait 5 min (air-dry the beads)
    protocol.delay(minutes=5)

    # step 13: lower the magnets of magnet
    magnet.disengage()

    # step 14: transfer 25 uL from reagents:A3 to 2 wells with m300 (resuspend the beads in elution
    #   buffer)
    m300.transfer(
        25,
        reagents["A3"],
        [samples["A1"], samples["A2"]],
        new_tip="always",
        mix_after=(10, 20),
    )

    # step 15: wait 2 min
    protocol.delay(minutes=2)

    # step 16: raise the magnets of magnet to 6 mm
    magnet.engage(height_from_base=6)

    # step 17: wait 2 min
    protocol.delay(minutes=2)

    # step 18: transfer 22 uL from 2 wells to 2 wells with m300 (clean DNA to the output plate)
    m300.transfer(
        22,
        [samples["A1"].bottom(0.5), samples["A2"].bottom(0.5)],
        [eluates["A1"], eluates["A2"]],
        new_tip="always",
    )

    # step 19: lower the magnets of magnet
    magnet.disengage()
