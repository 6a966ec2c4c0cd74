"""Boiling point, flash point and autoignition temperature from the `chemicals` package.

Only measured data sources are used; the lowest value across them is taken (conservative).
Excluded on purpose: ``JOBACK`` (Joback group-contribution estimate), ``YAWS`` (Yaws'
handbook compilation, which mixes measured and estimated values) and ``Serat DIPPR (2017)``
(flash points from a group-contribution modelling paper; its values disagree with the measured
IEC/NFPA data by tens of degrees for common solvents, e.g. ethanol -13 degC vs 12-13 degC,
methanol -31 degC vs 9-12 degC, so it is treated as containing estimates). `chemicals` is imported
lazily (it takes ~1 s) and lookups are cached.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

KELVIN = 273.15

#: data-source method names in `chemicals` treated as measured data
MEASURED_TB = ("HEOS", "CRC_INORG", "CRC_ORG", "COMMON_CHEMISTRY", "WEBBOOK", "WIKIDATA")
MEASURED_FLASH = ("IEC 60079-20-1 (2010)", "NFPA 497 (2008)", "WIKIDATA")
MEASURED_AUTOIGNITION = ("IEC 60079-20-1 (2010)", "NFPA 497 (2008)", "WIKIDATA")
EXCLUDED_METHODS = ("JOBACK", "YAWS", "Serat DIPPR (2017)")


class PropertyValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    celsius: float
    source: str = Field(description="`chemicals` data source giving the lowest value")
    all_sources: dict[str, float] = Field(default_factory=dict, description="source -> degC")


class PhysicalData(BaseModel):
    model_config = ConfigDict(frozen=True)

    cas: str | None = None
    boiling_point: PropertyValue | None = None
    flash_point: PropertyValue | None = None
    autoignition: PropertyValue | None = None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "boiling_point_c": self.boiling_point.celsius if self.boiling_point else None,
            "flash_point_c": self.flash_point.celsius if self.flash_point else None,
            "autoignition_c": self.autoignition.celsius if self.autoignition else None,
        }


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
    from labwright.verifiers.safety.database import find_by_cas

    record = find_by_cas(cas)
    if record is not None and record.physical is not None:
        return record.physical
    return lookup_physical_data(cas)


@lru_cache(maxsize=2048)
def lookup_physical_data(cas: str | None) -> PhysicalData:
    """Look a CAS number up in `chemicals` (imported lazily), measured sources only."""
    if not cas:
        return PhysicalData()
    from chemicals.phase_change import Tb, Tb_methods
    from chemicals.safety import T_autoignition, T_autoignition_methods, T_flash, T_flash_methods

    return PhysicalData(
        cas=cas,
        boiling_point=_lowest(cas, Tb_methods, Tb, MEASURED_TB),
        flash_point=_lowest(cas, T_flash_methods, T_flash, MEASURED_FLASH),
        autoignition=_lowest(cas, T_autoignition_methods, T_autoignition, MEASURED_AUTOIGNITION),
    )
