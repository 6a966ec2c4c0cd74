"""labwright.simulators: everything that simulates, one sub-package per thing simulated.

- ``deck``: the deck twin. Resolves a protocol against a robot deck (Opentrons definitions, slots,
  modules, typed well locations), expands its steps into primitive actions and replays them,
  tracking every well's volume interval, composition and every tip over time.
- ``opentrons_interop``: Opentrons in and out. Runs the pinned Opentrons analysis on a Python
  protocol, converts its commands into the protocol language, renders its rejections as findings,
  and exports any protocol as an Opentrons Python protocol.
- ``chemistry``: chemistry twins that turn what was really mixed into measurements.
- ``compute``: computational chemistry (MLIPs, structure search, inverse design) and the Dask
  helper that scales it out. Only this sub-package needs torch, ASE or RDKit.

Nothing in ``deck``, ``opentrons_interop`` or ``chemistry`` imports ``compute``: validating or
dispatching a protocol never loads torch (an import-linter contract and a test keep it so).
"""
