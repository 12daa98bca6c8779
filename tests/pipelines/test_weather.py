"""Reference ET pinned to FAO-56's published worked examples (Allen et al. 1998)."""

import pandas as pd
import pytest

from pipelines.agronomy.weather import reference_et_fao56_mm


def _one(day: str, value: float) -> pd.Series:
    return pd.Series([value], index=pd.DatetimeIndex([day]))


def test_fao56_example_18_daily_uccle() -> None:
    # Brussels (Uccle), 6 July, 50°48'N, 100 m: FAO-56 Example 18 gives ETo = 3.9 mm/day.
    day = "2015-07-06"
    eto = reference_et_fao56_mm(
        _one(day, 12.3),
        _one(day, 21.5),
        _one(day, 2.078),
        elevation_m=100,
        lat_deg=50 + 48 / 60,
        sunshine_h=_one(day, 9.25),
        rh_max_pct=_one(day, 84),
        rh_min_pct=_one(day, 63),
    )
    assert eto.iloc[0] == pytest.approx(3.9, abs=0.05)


def test_fao56_example_17_monthly_bangkok() -> None:
    # Bangkok, April, 13°44'N, 2 m: ea 2.85 kPa, u2 2 m/s, n 8.5 h, G = 0.14 (30.2 - 29.2).
    # FAO-56 Example 17 gives ETo = 5.72 mm/day. Mid-April stands for the month.
    day = "2015-04-15"
    eto = reference_et_fao56_mm(
        _one(day, 25.6),
        _one(day, 34.8),
        _one(day, 2.0),
        elevation_m=2,
        lat_deg=13 + 44 / 60,
        sunshine_h=_one(day, 8.5),
        vp_kpa=_one(day, 2.85),
        soil_heat_flux_mj_m2=0.14 * (30.2 - 29.2),
    )
    assert eto.iloc[0] == pytest.approx(5.72, abs=0.01)


def test_missing_inputs_name_the_fix() -> None:
    day = "2015-07-06"
    with pytest.raises(ValueError, match="give rad_mj_m2 or sunshine_h"):
        reference_et_fao56_mm(
            _one(day, 12),
            _one(day, 21),
            _one(day, 2),
            elevation_m=0,
            lat_deg=50,
            vp_kpa=_one(day, 1.4),
        )
    with pytest.raises(ValueError, match="not a latitude in degrees"):
        reference_et_fao56_mm(
            _one(day, 12),
            _one(day, 21),
            _one(day, 2),
            elevation_m=0,
            lat_deg=150,
            vp_kpa=_one(day, 1.4),
            rad_mj_m2=_one(day, 20),
        )
