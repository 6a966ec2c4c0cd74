"""Hand-written Opentrons Python analog of tests/data/faulty/reference_unknown_module.yaml.

Fault: a module variable `tempdeck` that was never loaded.
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Cold block enzyme addition (unknown module id)",
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    temp = protocol.load_module("temperature module gen2", "3")
    # labware (definition versions pinned to those labwright verified against)
    tips20 = protocol.load_labware("opentrons_96_tiprack_20ul", "1", version=1)
    tubes = protocol.load_labware(
        "opentrons_24_tuberack_eppendorf_1.5ml_safelock_snapcap",
        "2",
        version=3,
    )
    block = temp.load_labware("opentrons_96_aluminumblock_nest_wellplate_100ul", version=1)
    # trash and pipettes
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips20])
    # liquids
    enzyme = protocol.define_liquid(name="Taq polymerase", description="id: enzyme")
    tubes["A1"].load_liquid(liquid=enzyme, volume=100)

    # step 0: set temp to 4 degC
    tempdeck.set_temperature(4)

    # step 1: transfer 2 uL from tubes:A1 to 2 wells with p20
    p20.transfer(2, tubes["A1"], [block["A1"], block["B1"]], new_tip="always")

    # step 2: deactivate temp
    temp.deactivate()
