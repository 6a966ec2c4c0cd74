"""Opentrons interop: the pinned Opentrons 9.0.0 analysis, import and export.

``analyzer`` runs an Opentrons Python protocol through Opentrons' own analysis and returns its
commands as plain data; ``convert`` turns those commands into the protocol language;
``rejections`` renders an analysis that Opentrons rejected as one finding; ``importer`` ties the
three together; ``export`` renders any labwright protocol as an Opentrons Python protocol that
``opentrons_simulate`` accepts. Modules here import ``opentrons`` only inside functions.
"""
