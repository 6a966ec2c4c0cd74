"""A small OT-2 protocol with runtime parameters: how much to move, where to, and whether to do
it twice. 200 uL of water sit in A1; twice 150 uL is more than the well holds, a real fault
that only some parameter values produce."""

metadata = {"protocolName": "Runtime parameter transfer", "apiLevel": "2.20"}
requirements = {"robotType": "OT-2"}


def add_parameters(parameters):
    parameters.add_int(
        variable_name="volume",
        display_name="Volume",
        default=50,
        minimum=10,
        maximum=150,
        unit="uL",
    )
    parameters.add_str(
        variable_name="column",
        display_name="Destination column",
        default="2",
        choices=[
            {"display_name": "column 2", "value": "2"},
            {"display_name": "column 3", "value": "3"},
        ],
    )
    parameters.add_bool(variable_name="twice", display_name="Transfer twice", default=False)


def run(protocol):
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", "1")
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", "2")
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    water = protocol.define_liquid("water", description="water", display_color="#0000ff")
    plate["A1"].load_liquid(water, 200)
    params = protocol.params
    p300.pick_up_tip()
    for _ in range(2 if params.twice else 1):
        p300.aspirate(params.volume, plate["A1"])
        p300.dispense(params.volume, plate["A" + params.column])
    p300.drop_tip()
