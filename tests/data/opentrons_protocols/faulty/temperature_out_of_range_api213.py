"""Faulty: a Temperature Module set to 120 degC (OT-2, apiLevel 2.13, legacy core).

The legacy simulator accepts it; labwright reports TEMPERATURE_OUT_OF_RANGE.
"""
from opentrons import protocol_api

metadata = {"protocolName": "Temperature out of range", "apiLevel": "2.13"}


def run(protocol: protocol_api.ProtocolContext):
    temp = protocol.load_module("temperature module gen2", 3)
    temp.load_labware("opentrons_24_aluminumblock_nest_1.5ml_snapcap")
    temp.set_temperature(120)  # fault: the module reaches 95 degC at most
