"""Opentrons interop: the pinned Opentrons 9.0.0 analysis, command conversion, import and export.

- ``analyzer``: the one way to run Opentrons' analysis on a Python protocol, in a child process
  (``analysis_worker``, with ``run_log`` recording the Python API's run log) with a time limit and
  cancellation; returns a ``capture.RunCapture``. Used by the importer, the ``opentrons-sim``
  backend and the fake robot.
- ``convert``: the analysis' commands -> the protocol language (``engine_commands`` typed views,
  ``convert_state``, handlers ``convert_loads`` / ``convert_pipetting`` / ``convert_modules``,
  ``convert_document``).
- ``rejections``: the one renderer of an Opentrons error tree (a line of text, or one finding).
- ``liquid_identity``: a liquid's identity in a ``define_liquid`` description (encode and decode).
- ``importer``: analyzer + convert + rejections; ``export``: any labwright protocol as an
  Opentrons Python protocol that ``opentrons_simulate`` accepts.
- ``sources``: which kind of protocol a file holds (labwright, Opentrons Python, Protocol
  Designer JSON), told by its content; ``runtime_parameters``: ``--param`` values checked
  against a protocol's own runtime parameter definitions.

Modules here import ``opentrons`` only inside functions (and only the worker's process runs it).
"""
