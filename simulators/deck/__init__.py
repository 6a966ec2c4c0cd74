"""The deck twin: a protocol resolved against a robot's deck, expanded and replayed.

Everything the verifier, the twin backend, the step map and the export need to know about a
deck comes from here: the Opentrons labware, pipette, module and deck definitions
(``definitions``, ``well_volume``), the placement of labware and modules in slots (``layout``),
the protocol resolved once against that deck with typed locations (``resolve``), the expansion
of protocol steps into primitive actions (``actions``, ``expand``), and the replay of those
actions (``replay``) on interval volumes, tips, modules and labware places (``twin``: the
``state`` and its reducers ``tips``, ``liquids``, ``modules``, ``moves``; where each labware is
during the run is ``placement``, and what may stand on what is ``stacking``).
"""
