"""Reference ET pinned to FAO-56's published worked examples (Allen et al. 1998): wind brought to
2 m from the anemometer's height (Example 14, eq. 47), humidity from the dew point or relative
humidity (Examples 5 and 20), and ETo itself (Examples 17 and 18)."""

import math

import numpy as np
import pandas as pd
import pytest

from pipelines.agronomy.weather import (
    actual_vapour_pressure_kpa,
    daily_reference_et,
    reference_et_fao56_mm,
    wind_speed_2m_m_s,
)

# FAO-56 Example 18: Brussels (Uccle), 6 July, 50°48'N, 100 m. Tmax 21.5, Tmin 12.3 °C, RHmax 84,
# RHmin 63 %, wind 10 km/h measured at 10 m, 9.25 h of sunshine; the book's intermediates are
# u2 = 2.078 m/s, ea = 1.409 kPa and Rs = 22.07 MJ/m²/day, and ETo = 3.9 mm/day.
UCCLE = {"lat_deg": 50 + 48 / 60, "elevation_m": 100.0}
UCCLE_DAY = "2015-07-06"


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


def test_fao56_example_14_wind_at_10_m_brought_to_2_m() -> None:
    # FAO-56 Example 14: 3.2 m/s measured 10 m above the soil surface is 2.4 m/s at 2 m.
    assert wind_speed_2m_m_s(3.2, 10.0) == pytest.approx(2.4, abs=0.01)
    # Example 18's 10 km/h at 10 m is its u2 = 2.078 m/s.
    assert wind_speed_2m_m_s(10 / 3.6, 10.0) == pytest.approx(2.078, abs=0.0005)


def test_wind_measured_at_2_m_is_used_as_it_is() -> None:
    # Eq. 47's constants give 1.0002 at 2 m; wind measured at 2 m is u2 by definition.
    assert wind_speed_2m_m_s(np.array([0.0, 3.0, 7.5]), 2.0).tolist() == [0.0, 3.0, 7.5]
    assert wind_speed_2m_m_s(3.0, 3.0) < 3.0 < wind_speed_2m_m_s(3.0, 1.0)


@pytest.mark.parametrize("height_m", [0.0, 33.0])
def test_anemometer_height_outside_the_range_names_the_fix(height_m: float) -> None:
    with pytest.raises(ValueError, match="height of the wind sensor above the ground in metres"):
        wind_speed_2m_m_s(3.0, height_m)


@pytest.mark.parametrize(
    ("inputs", "published_kpa", "method"),
    [
        # FAO-56 Example 5: Tmin 18, Tmax 25 °C, RHmax 82, RHmin 54 % give ea = 1.70 kPa (eq.
        # 17); with RHmax only, 1.69 kPa (eq. 18); with RHmean = 68 %, 1.78 kPa (eq. 19).
        ({"rh_max_pct": 82.0, "rh_min_pct": 54.0}, 1.70, "rh_max_min"),
        ({"rh_max_pct": 82.0}, 1.69, "rh_max"),
        ({"rh_mean_pct": 68.0}, 1.78, "rh_mean"),
    ],
)
def test_fao56_example_5_vapour_pressure_from_relative_humidity(
    inputs: dict[str, float], published_kpa: float, method: str
) -> None:
    ea, used = actual_vapour_pressure_kpa(np.array([18.0]), np.array([25.0]), **inputs)
    assert ea[0] == pytest.approx(published_kpa, abs=0.005)
    assert used.tolist() == [method]


def test_fao56_example_20_vapour_pressure_from_the_dew_point() -> None:
    # FAO-56 Example 20 (Lyon, July): the dew point 14.8 °C gives ea = e°(Tdew) = 1.68 kPa (eq. 14).
    ea, used = actual_vapour_pressure_kpa(np.array([14.8]), np.array([26.6]), tdew_degc=[14.8])
    assert ea[0] == pytest.approx(1.68, abs=0.005)
    assert used.tolist() == ["tdew_degc"]


def test_example_18_humidity_from_rh_max_and_min_is_the_books_ea() -> None:
    ea, used = actual_vapour_pressure_kpa([12.3], [21.5], rh_max_pct=[84.0], rh_min_pct=[63.0])
    assert ea[0] == pytest.approx(1.409, abs=0.0005)
    assert used.tolist() == ["rh_max_min"]


def test_each_day_uses_the_best_humidity_it_has() -> None:
    # FAO-56 Chapter 3's order: vapour pressure, dew point, RHmax and RHmin, RHmax, RHmean, and
    # with nothing the dew point taken as Tmin (eq. 48).
    nan = np.nan
    ea, used = actual_vapour_pressure_kpa(
        np.full(6, 18.0),
        np.full(6, 25.0),
        vp_kpa=[1.5, nan, nan, nan, nan, nan],
        tdew_degc=[10.0, 14.8, nan, nan, nan, nan],
        rh_max_pct=[82.0, 82.0, 82.0, 82.0, nan, nan],
        rh_min_pct=[54.0, 54.0, 54.0, nan, nan, nan],
        rh_mean_pct=[68.0, 68.0, 68.0, 68.0, 68.0, nan],
    )
    assert used.tolist() == ["vp_kpa", "tdew_degc", "rh_max_min", "rh_max", "rh_mean", "tmin"]
    assert ea == pytest.approx([1.5, 1.68, 1.70, 1.69, 1.78, 2.064], abs=0.005)


def test_fao56_example_18_with_the_wind_measured_at_10_m() -> None:
    eto = reference_et_fao56_mm(
        _one(UCCLE_DAY, 12.3),
        _one(UCCLE_DAY, 21.5),
        _one(UCCLE_DAY, 10 / 3.6),
        wind_height_m=10.0,
        sunshine_h=_one(UCCLE_DAY, 9.25),
        rh_max_pct=_one(UCCLE_DAY, 84),
        rh_min_pct=_one(UCCLE_DAY, 63),
        **UCCLE,
    )
    assert eto.iloc[0] == pytest.approx(3.9, abs=0.05)


def _dew_point_of(ea_kpa: float) -> float:
    """The dew point whose saturation vapour pressure is `ea_kpa` (FAO-56 eq. 11 inverted)."""
    x = math.log(ea_kpa / 0.6108)
    return 237.3 * x / (17.27 - x)


@pytest.mark.parametrize(
    "humidity",
    [
        pytest.param({"rh_max_pct": 84.0, "rh_min_pct": 63.0}, id="rh-max-min"),
        # The dew point of the book's ea (12.0 °C): the same day measured with a dew point.
        pytest.param({"tdew_degc": _dew_point_of(1.409)}, id="dew-point"),
    ],
)
def test_fao56_example_18_from_a_weather_table_at_a_10_m_station(
    humidity: dict[str, float],
) -> None:
    weather = pd.DataFrame(
        {
            "station_id": ["uccle"],
            "date": [pd.Timestamp(UCCLE_DAY)],
            "tmin_degc": [12.3],
            "tmax_degc": [21.5],
            "precip_mm": [0.0],
            "rad_mj_m2": [22.07],  # the book's Rs from 9.25 h of sunshine
            "vp_kpa": [np.nan],
            "rh_pct": [np.nan],
            "wind_m_s": [10 / 3.6],
            **{name: [value] for name, value in humidity.items()},
        }
    )
    stations = pd.DataFrame(
        {
            "station_id": ["uccle"],
            "lat": [UCCLE["lat_deg"]],
            "elevation_m": [UCCLE["elevation_m"]],
            "anemometer_height_m": [10.0],
        }
    )
    row = daily_reference_et(weather, stations).iloc[0]
    assert row["wind_used_m_s"] == pytest.approx(2.078, abs=0.0005)
    assert row["vp_used_kpa"] == pytest.approx(1.409, abs=0.0005)
    assert row["eto_mm"] == pytest.approx(3.9, abs=0.05)
    assert not row["humidity_fallback"] and not row["wind_fallback"]
    if "rh_min_pct" in humidity:  # the measured RHmin feeds the Kc climate adjustment
        assert row["rh_min_pct"] == 63.0
    # Without the station's height the 10 m wind is taken for u2, and ETo comes out too high:
    # 4.0 instead of the book's 3.9.
    at_2_m = daily_reference_et(weather, stations.drop(columns="anemometer_height_m")).iloc[0]
    assert at_2_m["wind_used_m_s"] == pytest.approx(10 / 3.6)
    assert at_2_m["eto_mm"] - row["eto_mm"] > 0.05


def test_forecast_days_keep_their_2_m_wind_at_a_10_m_station() -> None:
    # A forecast's wind is at 2 m already (pipelines/sources/forecast.py brings it there).
    days = pd.date_range(UCCLE_DAY, periods=2, freq="D")
    weather = pd.DataFrame(
        {
            "station_id": "uccle",
            "date": days,
            "tmin_degc": 12.3,
            "tmax_degc": 21.5,
            "rad_mj_m2": 22.07,
            "vp_kpa": 1.409,
            "wind_m_s": 10 / 3.6,
            "is_forecast": [False, True],
        }
    )
    stations = pd.DataFrame(
        {
            "station_id": ["uccle"],
            "lat": [50.8],
            "elevation_m": [100.0],
            "anemometer_height_m": [10.0],
        }
    )
    result = daily_reference_et(weather, stations)
    assert result["wind_used_m_s"].tolist() == pytest.approx([2.078, 10 / 3.6], abs=0.0005)
    assert result["is_forecast"].tolist() == [False, True]
