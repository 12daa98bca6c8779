"""Daily weather: FAO-56 reference evapotranspiration through pyet, with FAO-56's fallbacks for
missing radiation, humidity and wind, wind brought to 2 m from the anemometer's height, and growing
degree days. Units are in the names."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyet
from numpy.typing import ArrayLike, NDArray

# FAO-56 defines ETo for wind measured at 2 m above the grass (Chapter 3, "Wind speed").
STANDARD_WIND_HEIGHT_M = 2.0
# The anemometer heights eq. 47's log profile over short grass is used for: agrometeorological
# masts (2-3 m) to synoptic stations (10 m), with room either side. The bundle checks the same
# range (pipelines/sources/bundle.py, `station_anemometer_height_m`).
WIND_HEIGHT_RANGE_M = (0.5, 20.0)
# How each day's actual vapour pressure was found, best first (FAO-56 Chapter 3, "Actual vapour
# pressure"): given, from the dew point (eq. 14), from RHmax and RHmin (eq. 17), from RHmax alone
# (eq. 18), from the mean RH (eq. 19), and with no humidity at all the dew point taken as Tmin
# (eq. 48, the fallback).
HUMIDITY_METHODS = ("vp_kpa", "tdew_degc", "rh_max_min", "rh_max", "rh_mean", "tmin")


def wind_speed_2m_m_s(wind_m_s: ArrayLike, height_m: ArrayLike) -> NDArray[np.float64]:
    """Wind speed at 2 m from wind measured at `height_m` above the ground (FAO-56 eq. 47).

    u2 = uz × 4.87 / ln(67.8 z − 5.42), the log profile over short grass. Wind measured at 2 m
    is u2 as it is: the formula's own value there is 1.0002, a rounding of its constants.
    """
    height = np.asarray(height_m, dtype=np.float64)
    lo, hi = WIND_HEIGHT_RANGE_M
    if np.any((height < lo) | (height > hi)):
        raise ValueError(
            f"anemometer height {height.min():g}-{height.max():g} m is outside {lo:g}-{hi:g} m; "
            "give the height of the wind sensor above the ground in metres"
        )
    with np.errstate(divide="ignore"):
        factor = np.where(
            height == STANDARD_WIND_HEIGHT_M, 1.0, 4.87 / np.log(67.8 * height - 5.42)
        )
    result: NDArray[np.float64] = np.asarray(wind_m_s, dtype=np.float64) * factor
    return result


def actual_vapour_pressure_kpa(
    tmin_degc: ArrayLike,
    tmax_degc: ArrayLike,
    *,
    vp_kpa: ArrayLike | None = None,
    tdew_degc: ArrayLike | None = None,
    rh_max_pct: ArrayLike | None = None,
    rh_min_pct: ArrayLike | None = None,
    rh_mean_pct: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.str_]]:
    """Each day's actual vapour pressure ea (kPa) from the best humidity measured that day.

    FAO-56 Chapter 3's order, day by day (a day missing one input falls to the next):
    `vp_kpa` as given; the dew point, ea = e°(Tdew) (eq. 14); RHmax and RHmin,
    ea = [e°(Tmin) RHmax/100 + e°(Tmax) RHmin/100] / 2 (eq. 17); RHmax alone,
    ea = e°(Tmin) RHmax/100 (eq. 18); the mean RH, ea = RHmean/100 × [e°(Tmax) + e°(Tmin)]/2
    (eq. 19); with none of them, the dew point is taken as Tmin, ea = e°(Tmin) (eq. 48). Returns
    ea and, per day, the method used (one of `HUMIDITY_METHODS`).
    """
    tmin = np.asarray(tmin_degc, dtype=np.float64)
    tmax = np.asarray(tmax_degc, dtype=np.float64)

    def given(values: ArrayLike | None) -> NDArray[np.float64]:
        if values is None:
            return np.full(tmin.shape, np.nan)
        return np.broadcast_to(np.asarray(values, dtype=np.float64), tmin.shape)

    vp, tdew = given(vp_kpa), given(tdew_degc)
    rh_max, rh_min, rh_mean = given(rh_max_pct), given(rh_min_pct), given(rh_mean_pct)
    e_tmin, e_tmax = saturation_vapour_pressure_kpa(tmin), saturation_vapour_pressure_kpa(tmax)
    with np.errstate(invalid="ignore"):
        candidates = (
            vp,
            saturation_vapour_pressure_kpa(tdew),
            (e_tmin * rh_max / 100 + e_tmax * rh_min / 100) / 2,
            e_tmin * rh_max / 100,
            rh_mean / 100 * (e_tmax + e_tmin) / 2,
            e_tmin,
        )
    ea = np.full(tmin.shape, np.nan)
    method = np.full(tmin.shape, "", dtype="<U10")
    for name, value in zip(HUMIDITY_METHODS, candidates, strict=True):
        use = np.isnan(ea) & np.isfinite(value)
        ea = np.where(use, value, ea)
        method = np.where(use, name, method)
    return ea, method


def reference_et_fao56_mm(
    tmin_degc: pd.Series,
    tmax_degc: pd.Series,
    wind_m_s: pd.Series,
    *,
    elevation_m: float,
    lat_deg: float,
    wind_height_m: float = STANDARD_WIND_HEIGHT_M,
    rad_mj_m2: pd.Series | None = None,
    sunshine_h: pd.Series | None = None,
    vp_kpa: pd.Series | None = None,
    tdew_degc: pd.Series | None = None,
    rh_max_pct: pd.Series | None = None,
    rh_min_pct: pd.Series | None = None,
    soil_heat_flux_mj_m2: pd.Series | float = 0.0,
) -> pd.Series:
    """Daily (or monthly-mean daily) FAO-56 reference ET in mm/day.

    Inputs are Series on a DatetimeIndex (pyet derives day of year from it). Mean temperature is
    the mean of Tmax and Tmin (FAO-56 eq. 9). Wind measured at `wind_height_m` is brought to 2 m
    (eq. 47). Give either measured radiation or sunshine hours, and vapour pressure, the dew
    point, or RHmax and RHmin (used in that order, day by day: `actual_vapour_pressure_kpa`).
    """
    if rad_mj_m2 is None and sunshine_h is None:
        raise ValueError("give rad_mj_m2 or sunshine_h (or estimate radiation first)")
    if vp_kpa is None and tdew_degc is None and (rh_max_pct is None or rh_min_pct is None):
        raise ValueError("give vp_kpa, tdew_degc, or both rh_max_pct and rh_min_pct")
    if not -90 <= lat_deg <= 90:
        raise ValueError(f"lat_deg={lat_deg} is not a latitude in degrees")
    tmean = (tmax_degc + tmin_degc) / 2
    ea, _ = actual_vapour_pressure_kpa(
        tmin_degc,
        tmax_degc,
        vp_kpa=vp_kpa,
        tdew_degc=tdew_degc,
        rh_max_pct=rh_max_pct,
        rh_min_pct=rh_min_pct,
    )
    u2 = wind_speed_2m_m_s(wind_m_s, wind_height_m)
    eto = pyet.pm_fao56(
        tmean,
        pd.Series(u2, index=tmean.index),
        rs=rad_mj_m2,
        g=soil_heat_flux_mj_m2,
        tmax=tmax_degc,
        tmin=tmin_degc,
        elevation=elevation_m,
        lat=np.deg2rad(lat_deg),  # pyet takes radians
        n=sunshine_h,
        ea=pd.Series(ea, index=tmean.index),
    )
    return pd.Series(eto, index=tmean.index, name="eto_mm")


# FAO-56 eq. 50 (Hargreaves' radiation formula): kRs for interior locations, where land mass
# dominates and air masses are not strongly influenced by a large water body, and for coastal
# locations on or adjacent to the coast of a large land mass.
KRS_INTERIOR = 0.16
KRS_COASTAL = 0.19
# FAO-56 Chapter 3, "Missing wind speed data": 2 m/s, the average over 2000 weather stations
# around the globe, as a temporary estimate.
DEFAULT_WIND_M_S = 2.0

FALLBACK_FLAGS = ("rad_fallback", "humidity_fallback", "wind_fallback")


def saturation_vapour_pressure_kpa(t_degc: ArrayLike) -> NDArray[np.float64]:
    """Saturation vapour pressure e°(T) in kPa (FAO-56 eq. 11)."""
    t = np.asarray(t_degc, dtype=np.float64)
    result: NDArray[np.float64] = 0.6108 * np.exp(17.27 * t / (t + 237.3))
    return result


def extraterrestrial_radiation_mj_m2(
    dates: pd.DatetimeIndex, lat_deg: float
) -> NDArray[np.float64]:
    """Daily extraterrestrial radiation Ra in MJ/m²/day (FAO-56 eq. 21, through pyet)."""
    ra = pyet.extraterrestrial_r(dates, np.deg2rad(lat_deg))
    return np.asarray(ra, dtype=np.float64)


def clear_sky_radiation_mj_m2(ra_mj_m2: ArrayLike, elevation_m: float) -> NDArray[np.float64]:
    """Clear-sky solar radiation Rso in MJ/m²/day (FAO-56 eq. 37)."""
    result: NDArray[np.float64] = (0.75 + 2e-5 * elevation_m) * np.asarray(ra_mj_m2, np.float64)
    return result


def solar_radiation_from_temperature_mj_m2(
    tmin_degc: ArrayLike,
    tmax_degc: ArrayLike,
    ra_mj_m2: ArrayLike,
    *,
    elevation_m: float,
    krs: float = KRS_INTERIOR,
) -> NDArray[np.float64]:
    """Solar radiation from the daily temperature range (FAO-56 eq. 50), at most Rso (eq. 37).

    Rs = kRs √(Tmax − Tmin) Ra: the range is wider under clear skies. Rs cannot exceed the
    clear-sky radiation, so the estimate is capped at Rso.
    """
    tmin = np.asarray(tmin_degc, dtype=np.float64)
    tmax = np.asarray(tmax_degc, dtype=np.float64)
    ra = np.asarray(ra_mj_m2, dtype=np.float64)
    rs = krs * np.sqrt(np.maximum(tmax - tmin, 0.0)) * ra
    result: NDArray[np.float64] = np.minimum(rs, clear_sky_radiation_mj_m2(ra, elevation_m))
    return result


def reference_et_with_fallbacks_mm(
    tmin_degc: pd.Series,
    tmax_degc: pd.Series,
    *,
    elevation_m: float,
    lat_deg: float,
    rad_mj_m2: pd.Series | None = None,
    vp_kpa: pd.Series | None = None,
    rh_pct: pd.Series | None = None,
    wind_m_s: pd.Series | None = None,
    krs: float = KRS_INTERIOR,
    tdew_degc: pd.Series | None = None,
    rh_max_pct: pd.Series | None = None,
    rh_min_pct: pd.Series | None = None,
    wind_height_m: ArrayLike = STANDARD_WIND_HEIGHT_M,
) -> pd.DataFrame:
    """Daily FAO-56 reference ET where some of radiation, humidity and wind may be missing.

    Each day uses what was measured and FAO-56's documented estimate for what was not (Chapter 3,
    "Missing data"), and says so in a flag column:

    - `rad_fallback`: radiation from the temperature range (eq. 50 with `krs`, capped at Rso);
    - `humidity_fallback`: no vapour pressure, dew point or relative humidity, so the dew point
      is taken as Tmin and ea = e°(Tmin) (eq. 48). Otherwise ea comes from the best humidity
      measured that day (`actual_vapour_pressure_kpa`: vapour pressure, dew point, RHmax and
      RHmin, RHmax, mean RH), which is not a fallback;
    - `wind_fallback`: 2 m/s (at 2 m).

    Measured wind is brought from `wind_height_m` (one height, or one per day) to 2 m (eq. 47).
    Inputs are Series on one DatetimeIndex; missing values are NaN, and a missing Series means
    missing every day. Returns, on the same index: `eto_mm`, the values used (`rad_used_mj_m2`,
    `vp_used_kpa`, `wind_used_m_s` at 2 m), `rh_min_pct` (the measured RHmin, else estimated as
    100 ea / e°(Tmax), as FAO-56 Chapter 6 does from the dew point, for the Kc climate
    adjustment) and the three flags.
    """
    index = tmin_degc.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError("inputs need a DatetimeIndex (pyet derives the day of year from it)")

    def values(series: pd.Series | None) -> NDArray[np.float64]:
        if series is None:
            return np.full(len(index), np.nan)
        return series.to_numpy(dtype=np.float64, na_value=np.nan)

    tmin, tmax = values(tmin_degc), values(tmax_degc)
    rad, wind = values(rad_mj_m2), values(wind_m_s)

    rad_fallback = ~np.isfinite(rad)
    ra = extraterrestrial_radiation_mj_m2(index, lat_deg)
    rs_estimate = solar_radiation_from_temperature_mj_m2(
        tmin, tmax, ra, elevation_m=elevation_m, krs=krs
    )
    rad_used = np.where(rad_fallback, rs_estimate, rad)

    vp_used, method = actual_vapour_pressure_kpa(
        tmin,
        tmax,
        vp_kpa=values(vp_kpa),
        tdew_degc=values(tdew_degc),
        rh_max_pct=values(rh_max_pct),
        rh_min_pct=values(rh_min_pct),
        rh_mean_pct=values(rh_pct),
    )
    humidity_fallback = method == "tmin"
    rh_min = values(rh_min_pct)
    with np.errstate(invalid="ignore"):
        rh_min_estimate = np.clip(100 * vp_used / saturation_vapour_pressure_kpa(tmax), 0.0, 100.0)
    rh_min_used = np.where(np.isfinite(rh_min), rh_min, rh_min_estimate)

    wind_fallback = ~np.isfinite(wind)
    heights = np.broadcast_to(np.asarray(wind_height_m, dtype=np.float64), wind.shape)
    wind_used = np.where(
        wind_fallback,
        DEFAULT_WIND_M_S,
        wind_speed_2m_m_s(np.where(wind_fallback, 0.0, wind), heights),
    )

    eto = reference_et_fao56_mm(
        pd.Series(tmin, index=index),
        pd.Series(tmax, index=index),
        pd.Series(wind_used, index=index),
        elevation_m=elevation_m,
        lat_deg=lat_deg,
        rad_mj_m2=pd.Series(rad_used, index=index),
        vp_kpa=pd.Series(vp_used, index=index),
    )
    return pd.DataFrame(
        {
            "eto_mm": eto.to_numpy(dtype=np.float64),
            "rad_used_mj_m2": rad_used,
            "vp_used_kpa": vp_used,
            "wind_used_m_s": wind_used,
            "rh_min_pct": rh_min_used,
            "rad_fallback": rad_fallback,
            "humidity_fallback": humidity_fallback,
            "wind_fallback": wind_fallback,
        },
        index=index,
    )


def daily_reference_et(
    weather: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    krs: float | Mapping[str, float] = KRS_INTERIOR,
) -> pd.DataFrame:
    """`weather.csv`-shaped rows with reference ET and its fallback flags, station by station.

    `stations` has `station_id`, `lat`, `elevation_m` and optionally `anemometer_height_m`
    (as `Bundle.stations`; 2 m when absent or empty): the height the station's `wind_m_s` is
    measured at. Rows with a true `is_forecast` (`pipelines.sources.forecast.weather_with_forecast`)
    carry forecast wind, which is at 2 m already. The humidity columns used, when present, are
    `vp_kpa`, `tdew_degc`, `rh_max_pct`, `rh_min_pct` and `rh_pct` (in that order of preference,
    day by day). `krs` is one value or one per station_id (use `KRS_COASTAL` for stations near the
    sea). Returns the weather rows (sorted by station and date) with the columns of
    `reference_et_with_fallbacks_mm` added (its `rh_min_pct` replaces the measured one: the
    measured value where there is one).
    """
    missing = {"station_id", "date", "tmin_degc", "tmax_degc"} - set(weather.columns)
    if missing:
        raise ValueError(f"weather lacks the columns {', '.join(sorted(missing))}")
    unknown = set(weather["station_id"]) - set(stations["station_id"])
    if unknown:
        raise ValueError(
            f"no location for station(s) {', '.join(sorted(map(str, unknown)))}; "
            "add them to the stations table (lat, elevation_m)"
        )
    lat_of = dict(zip(stations["station_id"], stations["lat"].astype(float), strict=True))
    elevation_of = dict(
        zip(stations["station_id"], stations["elevation_m"].astype(float), strict=True)
    )
    heights = (
        stations["anemometer_height_m"].astype(float).fillna(STANDARD_WIND_HEIGHT_M)
        if "anemometer_height_m" in stations.columns
        else pd.Series(STANDARD_WIND_HEIGHT_M, index=stations.index)
    )
    height_of = dict(zip(stations["station_id"], heights, strict=True))
    parts = []
    for station_id, rows in weather.sort_values(["station_id", "date"]).groupby(
        "station_id", sort=True
    ):
        day = pd.DatetimeIndex(pd.to_datetime(rows["date"]))
        station_krs = (
            krs if isinstance(krs, float | int) else krs.get(str(station_id), KRS_INTERIOR)
        )
        wind_height = np.full(len(rows), height_of[station_id])
        if "is_forecast" in rows.columns:
            forecast_day = rows["is_forecast"].eq(True).to_numpy(dtype=bool)
            wind_height[forecast_day] = STANDARD_WIND_HEIGHT_M
        et = reference_et_with_fallbacks_mm(
            _column(rows, "tmin_degc", day),
            _column(rows, "tmax_degc", day),
            elevation_m=elevation_of[station_id],
            lat_deg=lat_of[station_id],
            rad_mj_m2=_column(rows, "rad_mj_m2", day),
            vp_kpa=_column(rows, "vp_kpa", day),
            rh_pct=_column(rows, "rh_pct", day),
            wind_m_s=_column(rows, "wind_m_s", day),
            krs=float(station_krs),
            tdew_degc=_column(rows, "tdew_degc", day),
            rh_max_pct=_column(rows, "rh_max_pct", day),
            rh_min_pct=_column(rows, "rh_min_pct", day),
            wind_height_m=wind_height,
        )
        kept = rows.drop(columns=[c for c in et.columns if c in rows.columns])
        parts.append(pd.concat([kept.reset_index(drop=True), et.reset_index(drop=True)], axis=1))
    if not parts:
        raise ValueError("weather has no rows")
    return pd.concat(parts, ignore_index=True)


def _column(rows: pd.DataFrame, name: str, day: pd.DatetimeIndex) -> pd.Series:
    """A float column of `rows` on the day index; all NaN when the table lacks it."""
    if name not in rows.columns:
        return pd.Series(np.nan, index=day)
    return pd.Series(rows[name].to_numpy(dtype=np.float64, na_value=np.nan), index=day)


def growing_degree_days(
    tmin_degc: ArrayLike,
    tmax_degc: ArrayLike,
    base_temp_degc: ArrayLike,
    cap_temp_degc: ArrayLike,
) -> NDArray[np.float64]:
    """Daily growing degree days (°C·d) with a crop's base and cap temperatures.

    The daily mean (Tmax + Tmin)/2 is capped at `cap_temp_degc`, then the base is subtracted and
    negative values set to 0: McMaster & Wilhelm (1997, Agric. For. Meteorol. 87:291) method 1,
    with the upper cut-off of the crop table (`pipelines/reference/crops.md`). Arguments
    broadcast, so one call serves many fields and days; dask arrays stay lazy.
    """
    # ufuncs rather than np.asarray, so dask arrays dispatch and stay lazy
    tmean = np.divide(np.add(tmin_degc, tmax_degc), 2.0)
    capped = np.minimum(tmean, cap_temp_degc)
    result: NDArray[np.float64] = np.maximum(np.subtract(capped, base_temp_degc), 0.0)
    return result
