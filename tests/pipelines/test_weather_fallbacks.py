"""Reference ET when radiation, humidity or wind are missing (FAO-56 Chapter 3), and GDD."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.agronomy.weather import (
    DEFAULT_WIND_M_S,
    KRS_COASTAL,
    KRS_INTERIOR,
    clear_sky_radiation_mj_m2,
    daily_reference_et,
    extraterrestrial_radiation_mj_m2,
    growing_degree_days,
    reference_et_fao56_mm,
    reference_et_with_fallbacks_mm,
    saturation_vapour_pressure_kpa,
    solar_radiation_from_temperature_mj_m2,
)

SAMPLE_WEATHER = Path(__file__).resolve().parents[2] / "sample_data" / "demo" / "weather.csv"


def _one(day: str, value: float) -> pd.Series:
    return pd.Series([value], index=pd.DatetimeIndex([day]))


def test_fao56_example_8_extraterrestrial_radiation() -> None:
    # FAO-56 Example 8: 3 September at 20°S gives Ra = 32.2 MJ/m²/day.
    ra = extraterrestrial_radiation_mj_m2(pd.DatetimeIndex(["2015-09-03"]), -20.0)
    assert ra[0] == pytest.approx(32.2, abs=0.05)


@pytest.mark.parametrize(("t_degc", "published_kpa"), [(15.0, 1.705), (24.5, 3.075)])
def test_fao56_example_3_saturation_vapour_pressure(t_degc: float, published_kpa: float) -> None:
    # FAO-56 Example 3 (and Annex 2 Table 2.3): e°(15) = 1.705 kPa, e°(24.5) = 3.075 kPa.
    assert saturation_vapour_pressure_kpa(t_degc) == pytest.approx(published_kpa, abs=0.001)


def test_radiation_from_temperature_follows_eq_50_and_stops_at_clear_sky() -> None:
    ra = np.array([32.2, 32.2])  # FAO-56 Example 8
    rs = solar_radiation_from_temperature_mj_m2(
        np.array([10.0, 0.0]), np.array([19.0, 30.0]), ra, elevation_m=0.0
    )
    # eq. 50: 0.16 × √9 × 32.2 = 15.456; a 30 °C range would give 28.2 > Rso = 0.75 Ra (eq. 37)
    assert rs[0] == pytest.approx(0.16 * 3 * 32.2)
    assert rs[1] == pytest.approx(clear_sky_radiation_mj_m2(32.2, 0.0)) == pytest.approx(24.15)
    coastal = solar_radiation_from_temperature_mj_m2(10.0, 19.0, 32.2, elevation_m=0, krs=0.19)
    assert coastal / rs[0] == pytest.approx(KRS_COASTAL / KRS_INTERIOR)


def test_example_18_published_intermediates_give_its_eto() -> None:
    # FAO-56 Example 18 (Uccle, 6 July, 50°48'N, 100 m) derives Rs ≈ 22.1 MJ/m²/day (22.07 in
    # pyet's intermediate) from sunshine and ea = 1.409 kPa from RHmax/RHmin on its way to
    # ETo = 3.9 mm/day: the same day through the fallback function with nothing missing.
    day = "2015-07-06"
    result = reference_et_with_fallbacks_mm(
        _one(day, 12.3),
        _one(day, 21.5),
        elevation_m=100,
        lat_deg=50 + 48 / 60,
        rad_mj_m2=_one(day, 22.07),
        vp_kpa=_one(day, 1.409),
        wind_m_s=_one(day, 2.078),
    )
    assert result["eto_mm"].iloc[0] == pytest.approx(3.9, abs=0.05)
    assert not result[["rad_fallback", "humidity_fallback", "wind_fallback"]].to_numpy().any()


def _week() -> dict[str, pd.Series]:
    days = pd.date_range("2024-07-01", periods=7, freq="D")
    return {
        "tmin_degc": pd.Series([12.0, 13.5, 11.0, 14.0, 15.5, 12.5, 10.0], index=days),
        "tmax_degc": pd.Series([22.0, 25.0, 19.5, 27.0, 29.0, 21.0, 18.0], index=days),
        "rad_mj_m2": pd.Series([21.0, 24.0, 12.0, 25.5, 26.0, 15.0, 9.0], index=days),
        "vp_kpa": pd.Series([1.30, 1.45, 1.25, 1.50, 1.70, 1.35, 1.15], index=days),
        "wind_m_s": pd.Series([2.5, 3.1, 4.0, 1.8, 2.2, 3.5, 5.0], index=days),
    }


def _with_fallbacks(inputs: dict[str, pd.Series], **kw: object) -> pd.DataFrame:
    return reference_et_with_fallbacks_mm(
        inputs["tmin_degc"],
        inputs["tmax_degc"],
        elevation_m=9.0,
        lat_deg=51.95,
        rad_mj_m2=inputs.get("rad_mj_m2"),
        vp_kpa=inputs.get("vp_kpa"),
        rh_pct=inputs.get("rh_pct"),
        wind_m_s=inputs.get("wind_m_s"),
        **kw,  # type: ignore[arg-type]
    )


def test_complete_weather_is_plain_penman_monteith() -> None:
    week = _week()
    result = _with_fallbacks(week)
    plain = reference_et_fao56_mm(
        week["tmin_degc"],
        week["tmax_degc"],
        week["wind_m_s"],
        elevation_m=9.0,
        lat_deg=51.95,
        rad_mj_m2=week["rad_mj_m2"],
        vp_kpa=week["vp_kpa"],
    )
    np.testing.assert_allclose(result["eto_mm"], plain, rtol=1e-12)
    assert not result[["rad_fallback", "humidity_fallback", "wind_fallback"]].to_numpy().any()


def test_each_fallback_is_used_only_on_its_days_and_flagged() -> None:
    week = _week()
    week["rad_mj_m2"].iloc[2] = np.nan
    week["vp_kpa"].iloc[4] = np.nan
    week["wind_m_s"].iloc[[5, 6]] = np.nan
    result = _with_fallbacks(week)
    assert result["rad_fallback"].tolist() == [False, False, True, False, False, False, False]
    assert result["humidity_fallback"].tolist() == [False] * 4 + [True, False, False]
    assert result["wind_fallback"].tolist() == [False] * 5 + [True, True]

    ra = extraterrestrial_radiation_mj_m2(pd.DatetimeIndex([week["tmin_degc"].index[2]]), 51.95)
    expected_rs = KRS_INTERIOR * np.sqrt(19.5 - 11.0) * ra[0]  # FAO-56 eq. 50
    assert result["rad_used_mj_m2"].iloc[2] == pytest.approx(expected_rs)
    assert result["vp_used_kpa"].iloc[4] == pytest.approx(saturation_vapour_pressure_kpa(15.5))
    assert (result["wind_used_m_s"].iloc[5:] == DEFAULT_WIND_M_S).all()
    # The ETo of every day is plain Penman-Monteith on the values actually used.
    plain = reference_et_fao56_mm(
        week["tmin_degc"],
        week["tmax_degc"],
        result["wind_used_m_s"],
        elevation_m=9.0,
        lat_deg=51.95,
        rad_mj_m2=result["rad_used_mj_m2"],
        vp_kpa=result["vp_used_kpa"],
    )
    np.testing.assert_allclose(result["eto_mm"], plain, rtol=1e-12)
    complete = _with_fallbacks(_week())
    untouched = np.array([0, 1, 3])
    np.testing.assert_allclose(result["eto_mm"].iloc[untouched], complete["eto_mm"].iloc[untouched])


def test_mean_relative_humidity_gives_vapour_pressure_by_eq_19_without_a_flag() -> None:
    week = _week()
    week["vp_kpa"] = week["vp_kpa"] * np.nan
    week["rh_pct"] = pd.Series(70.0, index=week["tmin_degc"].index)
    result = _with_fallbacks(week)
    es = (
        saturation_vapour_pressure_kpa(week["tmax_degc"])
        + saturation_vapour_pressure_kpa(week["tmin_degc"])
    ) / 2
    np.testing.assert_allclose(result["vp_used_kpa"], 0.70 * es)
    assert not result["humidity_fallback"].any()


def test_nothing_but_temperature() -> None:
    week = _week()
    result = _with_fallbacks({k: week[k] for k in ("tmin_degc", "tmax_degc")})
    assert result[["rad_fallback", "humidity_fallback", "wind_fallback"]].to_numpy().all()
    assert result["eto_mm"].between(0.5, 8).all()


@settings(max_examples=40, deadline=None)
@given(
    missing=st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=7, max_size=7)
)
def test_flags_are_exactly_the_missing_values(missing: list[tuple[bool, bool, bool]]) -> None:
    week = _week()
    mask = np.array(missing)
    for k, name in enumerate(("rad_mj_m2", "vp_kpa", "wind_m_s")):
        week[name] = week[name].where(~mask[:, k])
    result = _with_fallbacks(week)
    flags = result[["rad_fallback", "humidity_fallback", "wind_fallback"]].to_numpy()
    np.testing.assert_array_equal(flags, mask)
    assert np.isfinite(result["eto_mm"]).all() and (result["eto_mm"] >= 0).all()
    # A day's ETo depends on that day only.
    complete = _with_fallbacks(_week())
    same = ~mask.any(axis=1)
    np.testing.assert_allclose(
        result["eto_mm"].to_numpy()[same], complete["eto_mm"].to_numpy()[same], rtol=1e-12
    )


def test_fallbacks_on_real_dutch_weather_stay_close_to_measured() -> None:
    # Sanity check on the sample data's real Wageningen weather (not a published number): with
    # all of radiation, humidity and wind replaced by their fallbacks, summer ETo stays within
    # 15 % of the measured-input value and follows it day by day.
    weather = pd.read_csv(SAMPLE_WEATHER, parse_dates=["date"])
    weather = weather[weather["station_id"] == "wx-meent"]
    stations = pd.DataFrame({"station_id": ["wx-meent"], "lat": [52.02], "elevation_m": [9.0]})
    full = daily_reference_et(weather, stations)
    bare = daily_reference_et(
        weather.assign(rad_mj_m2=np.nan, vp_kpa=np.nan, wind_m_s=np.nan), stations
    )
    summer = full["date"].dt.month.isin([5, 6, 7, 8]).to_numpy()
    ratio = bare["eto_mm"][summer].mean() / full["eto_mm"][summer].mean()
    assert 0.85 < ratio < 1.15
    assert np.corrcoef(full["eto_mm"], bare["eto_mm"])[0, 1] > 0.9
    assert bare[["rad_fallback", "humidity_fallback", "wind_fallback"]].to_numpy().all()


def test_daily_reference_et_per_station_and_coastal_krs() -> None:
    week = _week()
    rows = pd.DataFrame(
        {
            "date": week["tmin_degc"].index,
            **{k: v.to_numpy() for k, v in week.items()},
        }
    ).assign(rad_mj_m2=np.nan)
    weather = pd.concat([rows.assign(station_id="inland"), rows.assign(station_id="coast")])
    stations = pd.DataFrame(
        {"station_id": ["inland", "coast"], "lat": [51.95, 51.95], "elevation_m": [9.0, 9.0]}
    )
    result = daily_reference_et(weather, stations, krs={"coast": KRS_COASTAL})
    inland = result[result["station_id"] == "inland"]["rad_used_mj_m2"].to_numpy()
    coast = result[result["station_id"] == "coast"]["rad_used_mj_m2"].to_numpy()
    np.testing.assert_allclose(coast / inland, KRS_COASTAL / KRS_INTERIOR)
    with pytest.raises(ValueError, match="no location for station"):
        daily_reference_et(weather, stations.iloc[:1])


@pytest.mark.parametrize(
    ("tmin", "tmax", "base", "cap", "expected"),
    [
        (5.0, 15.0, 0.0, 30.0, 10.0),  # mean 10, base 0
        (5.0, 15.0, 10.0, 30.0, 0.0),  # at the base: nothing
        (2.0, 12.0, 10.0, 30.0, 0.0),  # below the base: 0, never negative
        (24.0, 40.0, 10.0, 30.0, 20.0),  # mean 32 capped at 30
        (-6.0, 2.0, 0.0, 30.0, 0.0),
    ],
)
def test_growing_degree_days(
    tmin: float, tmax: float, base: float, cap: float, expected: float
) -> None:
    assert growing_degree_days(tmin, tmax, base, cap) == pytest.approx(expected)


def test_growing_degree_days_broadcast_over_crops_and_days() -> None:
    tmin = np.array([[8.0, 12.0, 20.0]])
    tmax = np.array([[16.0, 22.0, 38.0]])
    base = np.array([[0.0], [10.0]])  # wheat, maize (crop table)
    gdd = growing_degree_days(tmin, tmax, base, 30.0)
    np.testing.assert_allclose(gdd, [[12.0, 17.0, 29.0], [2.0, 7.0, 19.0]])
