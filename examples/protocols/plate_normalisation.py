"""DNA normalisation to 10 ng/uL

Normalises 16 DNA extracts to 10 ng/uL in 50 uL. Each well of the normalisation plate first
receives its own volume of low-TE buffer (P300, one tip: the buffer goes into empty wells), then
its own volume of DNA (P20, a fresh tip per sample, mixed in). Volumes are computed from the
extracts' concentrations (from 25 to 100 ng/uL).

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
2feaa272230dac99876da2b838a727f517c2fd9c4d9f3dc67e2b1220d8f1fc9e). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "DNA normalisation to 10 ng/uL",
    "author": "labwright examples",
    "description": (
        "Normalises 16 DNA extracts to 10 ng/uL in 50 uL. Each well of the normalisation plate "
        "first receives its own volume of low-TE buffer (P300, one tip: the buffer goes into empty "
        "wells), then its own volume of DNA (P20, a fresh tip per sample, mixed in). Volumes are "
        "computed from the extracts' concentrations (from 25 to 100 ng/uL)."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "1", version=1)
    tips300 = protocol.load_labware("opentrons_96_tiprack_300ul", "4", version=1)
    buffer = protocol.load_labware("nest_12_reservoir_15ml", "2", version=3)
    extracts = protocol.load_labware(
        "biorad_96_wellplate_200ul_pcr",
        "3",
        label="DNA extracts",
        version=5,
    )
    norm = protocol.load_labware(
        "biorad_96_wellplate_200ul_pcr",
        "6",
        label="normalised DNA",
        version=5,
    )
    # pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips300])
    # liquids
    low_te = protocol.define_liquid(
        name="TE buffer",
        description="10 mM Tris-HCl, 0.1 mM EDTA, pH 8.0; id: low_te",
        display_color="#9AD0EC",
    )
    buffer["A1"].load_liquid(liquid=low_te, volume=5000)
    dna = protocol.define_liquid(
        name="genomic DNA",
        description="25-100 ng/uL; id: dna",
        display_color="#E07A5F",
    )
    for well in extracts.wells()[0:16]:  # A1..H2
        well.load_liquid(liquid=dna, volume=40)

    # step 0: transfer 25-45 uL from buffer:A1 to 16 wells with p300 (buffer = 50 uL minus the DNA
    #   volume)
    p300.transfer(
        [30, 37.5, 40, 42, 30.8, 35, 25, 34.4, 43.75, 37.5, 30, 40.9, 33.3, 38.9, 27.8, 45],
        buffer["A1"],
        norm.wells()[0:16],  # A1..H2
        new_tip="once",
    )

    # step 1: transfer 5-25 uL from 16 wells to 16 wells with p20 (DNA volume = 500 ng /
    #   concentration)
    p20.transfer(
        [20, 12.5, 10, 8, 19.2, 15, 25, 15.6, 6.25, 12.5, 20, 9.1, 16.7, 11.1, 22.2, 5],
        extracts.wells()[0:16],  # A1..H2
        norm.wells()[0:16],  # A1..H2
        new_tip="always",
        mix_after=(3, 15),
    )
