"""Chemistry twins: measurements predicted from what was really mixed in each well.

A chemistry twin reads the deck twin's record of a run (each measured well's composition and
volume, and the module conditions it spent the time under: ``MeasureEvent``) and returns what
an instrument would report, with seeded, realistic noise. The ``twin`` backend calls one
through its measurement hook; the closed-loop campaigns (``labwright campaign run``) choose one
by name. Each module documents its equations, parameters and sources:

* ``colour``: dye stocks mixed by Beer-Lambert absorbance spectra, read as a CIELAB colour;
  objective: the CIEDE2000 difference to a target colour (``cie``: the colorimetry).
* ``snar``: the SnAr reaction of 2,4-difluoronitrobenzene with pyrrolidine (Hone et al.
  2017 kinetics, as in Schweidtmann et al. 2018): yield, E-factor and space-time yield of a
  batch run in heated, shaken wells.
* ``mit_kinetics``: the simulated catalyst-selection cases of Baumgartner et al. (2018): yield
  over a categorical catalyst, its loading, time and temperature.

``base`` holds what they share (stocks, well contents, noise); ``kinetics`` integrates batch
kinetics over a well's temperature history; ``registry`` builds a twin by name.
"""
