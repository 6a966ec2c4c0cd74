"""Chemistry twins: measurements predicted from what was really mixed in each well.

A chemistry twin reads the deck twin's record of a run (each well's composition and volume at a
``measure`` step) and returns what an instrument would report, with realistic noise: colour by
Beer-Lambert mixing, reaction yields from kinetic models. The twin backend calls one through its
measurement hook. This package holds no twin yet; the closed-loop campaign work adds them here.
"""
