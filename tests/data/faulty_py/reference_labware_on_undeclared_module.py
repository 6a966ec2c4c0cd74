"""Hand-written Opentrons Python analog of tests/data/faulty/reference_labware_on_undeclared_module.yaml.

Fault: labware loaded onto `magdeck`, a module variable that was never loaded.
The rest is the labwright export of the repaired protocol.
"""

from opentrons import protocol_api

metadata = {
    "protocolName": "Bead clean-up (plate on an undeclared module)",
    "source": "labwright export",
}
requirements = {"robotType": "OT-2", "apiLevel": "2.20"}


def run(protocol: protocol_api.ProtocolContext) -> None:
    # modules
    mag = protocol.load_module("magnetic module gen2", "1")
    # labware (definition versions pinned to those labwright verified against)
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", "4", version=1)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", "2", version=3)
    plate = magdeck.load_labware("nest_96_wellplate_100ul_pcr_full_skirt", version=5)
    # trash and pipettes
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    # liquids
    beads = protocol.define_liquid(name="SPRI beads", description="id: beads")
    reservoir["A1"].load_liquid(liquid=beads, volume=5000)

    # step 0: engage the magnets of mag
    mag.engage()  # the labware default height

    # step 1: wait 120 s
    protocol.delay(minutes=2)

    # step 2: disengage magnets mag
    mag.disengage()
