"""Pool 24 sequencing libraries into two pools

Equal-volume pooling of 24 barcoded sequencing libraries: 20 uL of each of libraries 1-12 into
pool A and of libraries 13-24 into pool B (1.5 mL tubes), one consolidate per pool so each pool
is drawn in a single trip with one tip; each pool is then mixed with a fresh tip.

Exported by `labwright export --to opentrons` from a labwright/1 protocol (sha256
109c4588f8c86cc61af128af2185caf1f2caf20059d53b19d49763686ddf3271). Step numbers in the comments
are the verifier's.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Pool 24 sequencing libraries into two pools",
    "author": "labwright examples",
    "description": (
        "Equal-volume pooling of 24 barcoded sequencing libraries: 20 uL of each of libraries 1-12 "
        "into pool A and of libraries 13-24 into pool B (1.5 mL tubes), one consolidate per pool so"
        " each pool is drawn in a single trip with one tip; each pool is then mixed with a fresh "
        "tip."
    ),
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", "1", version=1)
    libraries = protocol.load_labware(
        "biorad_96_wellplate_200ul_pcr",
        "2",
        label="indexed libraries",
        version=5,
    )
    pools = protocol.load_labware(
        "opentrons_24_tuberack_nest_1.5ml_snapcap",
        "3",
        label="pool tubes",
        version=2,
    )
    # pipettes
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    # liquids
    library = protocol.define_liquid(
        name="DNA library",
        description="indexed Illumina libraries, 4 nM; id: library",
        display_color="#26A69A",
    )
    for well in libraries.wells()[0:24]:  # A1..H3
        well.load_liquid(liquid=library, volume=25)

    # step 0: consolidate 20 uL from 12 wells to pools:A1 with p300 (pool A (libraries 1-12))
    p300.consolidate(
        20,
        libraries.wells()[0:12],  # A1..D2
        pools["A1"],
        new_tip="once",
    )

    # step 1: consolidate 20 uL from 12 wells to pools:B1 with p300 (pool B (libraries 13-24))
    p300.consolidate(
        20,
        libraries.wells()[12:24],  # E2..H3
        pools["B1"],
        new_tip="once",
    )

    # step 2: pick up tip with p300
    p300.pick_up_tip()

    # step 3: mix 5 x 150 uL in pools:A1
    p300.mix(5, 150, pools["A1"].bottom(2))

    # step 4: blow out (pools:A1) with p300
    p300.blow_out(pools["A1"])

    # step 5: drop tip (trash) with p300
    p300.drop_tip()

    # step 6: pick up tip with p300
    p300.pick_up_tip()

    # step 7: mix 5 x 150 uL in pools:B1
    p300.mix(5, 150, pools["B1"].bottom(2))

    # step 8: blow out (pools:B1) with p300
    p300.blow_out(pools["B1"])

    # step 9: drop tip (trash) with p300
    p300.drop_tip()

    # step 10: comment
    protocol.comment("Pools A and B hold 240 uL each; quantify before loading.")
