"""Reagent mixing on an OT-2 Heater-Shaker (apiLevel 2.16).

From 2.16 the OT-2 drops tips and blows out into the fixed trash as an addressable area
(moveToAddressableArea + ...InPlace commands). The plate on the Heater-Shaker is an
adapter-and-plate combination definition. Reservoir filled by hand.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Heater-Shaker mixing (OT-2, API 2.16)", "apiLevel": "2.16"}


def run(protocol: protocol_api.ProtocolContext):
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", 1)
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", 2)
    reservoir = protocol.load_labware("nest_12_reservoir_15ml", 3)
    hs = protocol.load_module("heaterShakerModuleV1", 10)
    hs_plate = hs.load_labware("opentrons_96_pcr_adapter_nest_wellplate_100ul_pcr_full_skirt")
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])

    hs.close_labware_latch()
    hs.set_and_wait_for_temperature(37)
    p300.transfer(
        50, reservoir["A1"], hs_plate.wells()[:8], mix_after=(2, 20), blow_out=True, blowout_location="trash"
    )
    hs.set_and_wait_for_shake_speed(1000)
    protocol.delay(minutes=2)
    hs.deactivate_shaker()

    p300.distribute(30, reservoir["A2"], plate.columns()[1], disposal_volume=10)
    p300.consolidate(20, plate.columns()[1], reservoir["A12"])
    p300.pick_up_tip()
    p300.aspirate(100, reservoir["A3"])
    p300.dispense(50, plate["A3"])
    p300.blow_out(protocol.fixed_trash)
    p300.drop_tip()
    hs.deactivate_heater()
    hs.open_labware_latch()
