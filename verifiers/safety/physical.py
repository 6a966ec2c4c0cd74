"""Boiling point, flash point and autoignition temperature from the `chemicals` package.

Only measured data sources are used; the lowest value across them is taken (conservative).
Excluded on purpose: ``JOBACK`` (Joback group-contribution estimate), ``YAWS`` (Yaws'
handbook compilation, which mixes measured and estimated values) and ``Serat DIPPR (2017)``
(flash points from a group-contribution modelling paper; its values disagree with the measured
IEC/NFPA data by tens of degrees for common solvents, e.g. ethanol -13 degC vs 12-13 degC,
methanol -31 degC vs 9-12 degC, so it is treated as containing estimates). `chemicals` is imported
lazily (an optional dependency that takes ~1 s to import; the shipped database stores the data of
its chemicals, so checking them never imports it) and lookups are cached.

The records (:class:`PhysicalData`, :class:`PropertyValue`) live in ``records``, below the
database, which stores them; this module reads the database first, then `chemicals`.
"""

from __future__ import annotations

from functools import lru_cache

from labwright.verifiers.safety.database import find_by_cas
from labwright.verifiers.safety.records import PhysicalData, PropertyValue

KELVIN = 273.15

#: data-source method names in `chemicals` treated as measured data
MEASURED_TB = ("HEOS", "CRC_INORG", "CRC_ORG", "COMMON_CHEMISTRY", "WEBBOOK", "WIKIDATA")
MEASURED_FLASH = ("IEC 60079-20-1 (2010)", "NFPA 497 (2008)", "WIKIDATA")
MEASURED_AUTOIGNITION = ("IEC 60079-20-1 (2010)", "NFPA 497 (2008)", "WIKIDATA")
EXCLUDED_METHODS = ("JOBACK", "YAWS", "Serat DIPPR (2017)")


def _lowest(cas: str, methods_fn, value_fn, allowed: tuple[str, ...]) -> PropertyValue | None:
    try:
        methods = methods_fn(cas)
    except Exception:  # noqa: BLE001 - unknown CAS numbers raise generic errors
        return None
    values: dict[str, float] = {}
    for method in methods:
        if method not in allowed or method in EXCLUDED_METHODS:
            continue
        try:
            kelvin = value_fn(cas, method=method)
        except Exception:  # noqa: BLE001
            continue
        if kelvin is not None and kelvin == kelvin:  # not NaN
            values[method] = round(float(kelvin) - KELVIN, 2)
    if not values:
        return None
    source = min(values, key=values.__getitem__)
    return PropertyValue(celsius=values[source], source=source, all_sources=values)


def physical_data(cas: str | None) -> PhysicalData:
    """Measured boiling point, flash point and autoignition temperature for a CAS number.

    Uses the data stored in the shipped database (built from `chemicals` by
    build_chemicals.py) when the CAS number is there, else looks it up in `chemicals`.
    """
    if not cas:
        return PhysicalData()
    record = find_by_cas(cas)
    if record is not None and record.physical is not None:
        return record.physical
    return lookup_physical_data(cas)


@lru_cache(maxsize=2048)
def lookup_physical_data(cas: str | None) -> PhysicalData:
    """Look a CAS number up in `chemicals` (imported lazily), measured sources only."""
    if not cas:
        return PhysicalData()
    # lazy: optional and slow to import (module docstring)
    from chemicals.phase_change import Tb, Tb_methods
    from chemicals.safety import T_autoignition, T_autoignition_methods, T_flash, T_flash_methods

    return PhysicalData(
        cas=cas,
        boiling_point=_lowest(cas, Tb_methods, Tb, MEASURED_TB),
        flash_point=_lowest(cas, T_flash_methods, T_flash, MEASURED_FLASH),
        autoignition=_lowest(cas, T_autoignition_methods, T_autoignition, MEASURED_AUTOIGNITION),
    )
