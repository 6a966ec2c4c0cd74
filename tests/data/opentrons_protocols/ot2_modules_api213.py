"""Two temperature modules, a thermocycler, a Heater-Shaker and a magnetic module on one OT-2
deck (apiLevel 2.13, legacy core: module commands are read from the run log).
"""
from opentrons import protocol_api

metadata = {"protocolName": "Module tour (OT-2, API 2.13)", "apiLevel": "2.13"}


def run(protocol: protocol_api.ProtocolContext):
    cold = protocol.load_module("temperature module gen2", 1)
    warm = protocol.load_module("temperature module gen2", 9)
    cold_block = cold.load_labware("opentrons_24_aluminumblock_nest_1.5ml_snapcap")
    warm_block = warm.load_labware("opentrons_96_aluminumblock_generic_pcr_strip_200ul")
    tc = protocol.load_module("thermocycler module gen2")
    tc_plate = tc.load_labware("nest_96_wellplate_100ul_pcr_full_skirt")
    hs = protocol.load_module("heaterShakerModuleV1", 3)
    hs.load_labware("opentrons_96_pcr_adapter_nest_wellplate_100ul_pcr_full_skirt")
    mag = protocol.load_module("magnetic module gen2", 4)
    mag.load_labware("nest_96_wellplate_100ul_pcr_full_skirt")
    tips = protocol.load_labware("opentrons_96_filtertiprack_20ul", 6)
    p20 = protocol.load_instrument("p20_single_gen2", "left", tip_racks=[tips])

    cold.set_temperature(4)
    warm.set_temperature(37)
    tc.open_lid()
    for i, well in enumerate(tc_plate.wells()[:4]):
        p20.transfer(10, cold_block.wells()[i], well, mix_after=(2, 10))
        p20.transfer(5, warm_block.wells()[i], well)
    tc.set_lid_temperature(105)
    tc.close_lid()
    tc.execute_profile(
        steps=[{"temperature": 95, "hold_time_seconds": 30}, {"temperature": 60, "hold_time_minutes": 0.5}],
        repetitions=3,
        block_max_volume=20,
    )
    tc.set_block_temperature(4, hold_time_seconds=10)
    tc.deactivate_lid()
    tc.open_lid()
    hs.set_target_temperature(40)
    hs.close_labware_latch()
    hs.set_and_wait_for_shake_speed(1500)
    protocol.delay(seconds=30)
    hs.deactivate_shaker()
    hs.deactivate_heater()
    mag.engage(height_from_base=5)
    mag.disengage()
    cold.deactivate()
    warm.deactivate()
