"""Sample pooling with air gaps (third gap does not fit)

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
68ac886524d470fc05ecebcae1815129d9398b0a779fc1d90af2cb3b9a7ac7da). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Sample pooling with air gaps (third gap does not fit)",
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "1")
    pcr = protocol.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", "2")
    tubes = protocol.load_labware("opentrons_24_tuberack_eppendorf_1.5ml_safelock_snapcap", "3")
    # trash and pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    # liquids
    lib1 = protocol.define_liquid(name="library 1", description="id: lib1")
    pcr["A1"].load_liquid(liquid=lib1, volume=30)
    lib2 = protocol.define_liquid(name="library 2", description="id: lib2")
    pcr["B1"].load_liquid(liquid=lib2, volume=30)
    lib3 = protocol.define_liquid(name="library 3", description="id: lib3")
    pcr["C1"].load_liquid(liquid=lib3, volume=30)

    # step 0: consolidate 5 uL from 3 wells to tubes:A1 with p20
    p20.consolidate(
        5,
        pcr.wells()[0:3],  # A1..C1
        tubes["A1"],
        new_tip="once",
        air_gap=2,
    )
