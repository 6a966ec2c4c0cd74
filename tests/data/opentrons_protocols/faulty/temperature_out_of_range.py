"""Faulty: a Temperature Module set to 120 degC (Flex, apiLevel 2.18). The simulator rejects it
(temperature)."""
from opentrons import protocol_api

metadata = {"protocolName": "Temperature out of range"}
requirements = {"robotType": "Flex", "apiLevel": "2.18"}


def run(protocol: protocol_api.ProtocolContext):
    protocol.load_trash_bin("A3")
    temp = protocol.load_module("temperature module gen2", "C1")
    temp.load_labware("opentrons_24_aluminumblock_nest_1.5ml_snapcap")
    temp.set_temperature(120)  # fault: the module reaches 95 degC at most
