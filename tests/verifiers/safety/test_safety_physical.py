"""Physical data from the `chemicals` package: measured sources only, lowest value."""

from __future__ import annotations

from labwright.verifiers.safety.physical import EXCLUDED_METHODS, physical_data


def test_lowest_measured_value_is_taken() -> None:
    ether = physical_data("60-29-7")
    assert ether.boiling_point is not None
    assert 34.0 < ether.boiling_point.celsius < 35.0
    assert ether.boiling_point.celsius == min(ether.boiling_point.all_sources.values())
    assert ether.autoignition is not None and ether.autoignition.celsius <= 170


def test_estimation_methods_are_excluded() -> None:
    from chemicals.phase_change import Tb_methods

    # ether has a Joback group-contribution estimate in `chemicals`, which must not be used
    assert "JOBACK" in Tb_methods("60-29-7")
    for prop in (physical_data("60-29-7").boiling_point, physical_data("64-17-5").boiling_point):
        assert prop is not None
        assert not set(prop.all_sources) & set(EXCLUDED_METHODS)


def test_flash_point_uses_measured_standards_only() -> None:
    ethanol = physical_data("64-17-5").flash_point
    assert ethanol is not None and 11.0 <= ethanol.celsius <= 14.0  # IEC/NFPA: 12-13 degC
    assert "Serat DIPPR (2017)" not in ethanol.all_sources


def test_no_data_is_none_not_a_guess() -> None:
    empty = physical_data(None)
    assert empty.boiling_point is None and empty.flash_point is None
    assert physical_data("7647-14-5").flash_point is None  # sodium chloride does not burn
