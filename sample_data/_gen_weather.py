"""Weather for the sample-data generator: real Wageningen (NL1) years, re-dated and perturbed.

The CABO files ``NL1.976`` … ``NL1.999`` ship inside the pcse wheel (``pcse/tests/test_data``).
A profile maps each calendar year it needs to one real year, leap years to leap years. The
sample re-dates 1977-1986 by +40 years (1977 → 2017 … 1986 → 2026; the leap years 1980/1984 line
up with 2020/2024); the shifted profile draws on 1989-1999 (see ``generate.PROFILES``). Each
station then gets a seeded delta-change (temperature offset, rain, radiation and wind factors)
and small daily noise. The values are rounded to the precision written to ``weather.csv``
*before* they drive WOFOST, so the crop model sees exactly the weather in the bundle (except
inside a deliberate radiation gap, where the bundle has empty cells and the model keeps the
station's values).
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np

YEAR_SHIFT = 40
REAL_YEARS = list(range(1977, 1987))
# The sample's calendar: target year -> real NL1 year.
SAMPLE_YEARS = {y + YEAR_SHIFT: y for y in REAL_YEARS}
# NL1.990 lacks 4 days and NL1.991 lacks Sep-Dec: the CABO reader would raise on them.
GAP_YEARS = (1990, 1991)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# Delta-change ranges of the sample stations: (low, high) of a uniform draw.
SAMPLE_PERTURBATION = {
    "temperature_offset_degc": (-0.4, 0.6),
    "rain_factor": (0.85, 1.15),
    "radiation_factor": (0.96, 1.04),
    "wind_factor": (0.85, 1.15),
}
ANGSTA, ANGSTB = 0.18, 0.55  # NL1 header gives -0.18 -0.55 (negative = irradiation column)


def read_nl1(year: int) -> dict[dt.date, tuple[float, ...]]:
    """Parse one CABO NL1 file: {date: (irrad_kJ, tmin, tmax, vap_kPa, wind, rain_mm)}."""
    import pcse

    path = os.path.join(
        os.path.dirname(pcse.__file__), "tests", "test_data", f"NL1.{year % 1000:03d}"
    )
    out: dict[dt.date, tuple[float, ...]] = {}
    with open(path, encoding="latin-1") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("*")]
    for ln in lines[1:]:  # first non-comment line is the station line
        parts = ln.split()
        if int(float(parts[0])) < 0:  # quality-flag lines (station number -999)
            continue
        yr, doy = int(parts[1]), int(parts[2])
        vals = tuple(float(p) for p in parts[3:9])
        if any(v <= -99 for v in vals):
            raise ValueError(f"missing value in NL1 {yr} day {doy}")
        out[dt.date(yr, 1, 1) + dt.timedelta(days=doy - 1)] = vals
    return out


def sat_vp_kpa(t_degc: np.ndarray) -> np.ndarray:
    """FAO-56 saturation vapour pressure (kPa)."""
    return 0.6108 * np.exp(17.27 * t_degc / (t_degc + 237.3))


def base_weather(
    start: dt.date, end: dt.date, year_map: dict[int, int] | None = None
) -> dict[str, np.ndarray]:
    """Real NL1 weather re-dated by `year_map` (target year -> real year), over [start, end].

    The default is the sample's +40 years. Each real year must be complete (not 1990 or 1991)
    and a leap year exactly when its target year is, so that every date maps to one real day.
    """
    year_map = SAMPLE_YEARS if year_map is None else year_map
    for target, real in year_map.items():
        if real in GAP_YEARS:
            raise ValueError(f"NL1 {real} has missing days; map {target} to a complete year")
        if _is_leap(target) != _is_leap(real):
            raise ValueError(f"{target} -> {real}: map leap years to leap years")
    raw: dict[dt.date, tuple[float, ...]] = {}
    for y in sorted(set(year_map.values())):
        raw.update(read_nl1(y))
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    vals = np.array([raw[dt.date(year_map[d.year], d.month, d.day)] for d in days])
    return {
        "date": np.array(days, dtype=object),
        "irrad_kj": vals[:, 0],
        "tmin": vals[:, 1],
        "tmax": vals[:, 2],
        "vap": vals[:, 3],
        "wind": vals[:, 4],
        "rain": vals[:, 5],
    }


def perturb(
    base: dict[str, np.ndarray],
    rng: np.random.Generator,
    ranges: dict[str, tuple[float, float]] | None = None,
) -> tuple[dict, dict]:
    """Station-specific delta-change plus daily noise.

    `ranges` gives the (low, high) of the uniform draws of ``temperature_offset_degc``,
    ``rain_factor``, ``radiation_factor`` and ``wind_factor`` (default: the sample's). With
    ``"vapour_pressure": "constant_rh"`` in `ranges` the vapour pressure follows the temperature
    offset (relative humidity at Tmin is kept, as delta-change methods usually do); otherwise it
    stays the real one, which is fine for the sample's small offsets but would make the air
    much drier for offsets of several degrees. Returns (rounded daily arrays, parameters).
    """
    ranges = SAMPLE_PERTURBATION if ranges is None else ranges
    n = len(base["date"])
    p = {
        "temperature_offset_degc": round(float(rng.uniform(*ranges["temperature_offset_degc"])), 3),
        "rain_factor": round(float(rng.uniform(*ranges["rain_factor"])), 3),
        "radiation_factor": round(float(rng.uniform(*ranges["radiation_factor"])), 3),
        "wind_factor": round(float(rng.uniform(*ranges["wind_factor"])), 3),
        "daily_temperature_noise_sd_degc": 0.3,
        "daily_rain_lognormal_sd": 0.25,
        "daily_radiation_noise_sd_rel": 0.03,
    }
    # AR(1) temperature noise shared by tmin/tmax plus a small independent part
    e = rng.normal(0.0, 0.3, n)
    ar = np.empty(n)
    acc = 0.0
    for i in range(n):
        acc = 0.6 * acc + np.sqrt(1 - 0.36) * e[i]
        ar[i] = acc
    tmin = base["tmin"] + p["temperature_offset_degc"] + ar + rng.normal(0, 0.15, n)
    tmax = base["tmax"] + p["temperature_offset_degc"] + ar + rng.normal(0, 0.15, n)
    tmin = np.round(tmin, 1)
    tmax = np.round(np.maximum(tmax, tmin + 0.1), 1)
    rain = base["rain"] * p["rain_factor"] * np.exp(rng.normal(-0.03, 0.25, n))
    rain = np.round(np.where(base["rain"] > 0, rain, 0.0), 1)
    rad = base["irrad_kj"] / 1000.0 * p["radiation_factor"] * (1 + rng.normal(0, 0.03, n))
    rad = np.round(np.clip(rad, 0.1, 40.0), 2)
    vp = base["vap"] * np.exp(rng.normal(0, 0.03, n))
    if ranges.get("vapour_pressure") == "constant_rh":
        offset = p["temperature_offset_degc"]
        vp = vp * sat_vp_kpa(base["tmin"] + offset) / sat_vp_kpa(base["tmin"])
        p["vapour_pressure"] = "relative humidity at Tmin kept"
    vp = np.minimum(vp, np.floor(sat_vp_kpa(tmin) * 1000) / 1000)
    vp = np.round(np.maximum(vp, 0.05), 3)
    wind = np.round(
        np.maximum(base["wind"] * p["wind_factor"] * (1 + rng.normal(0, 0.05, n)), 0.1), 1
    )
    return (
        {
            "date": base["date"],
            "tmin": tmin,
            "tmax": tmax,
            "rain": rain,
            "rad": rad,
            "vp": vp,
            "wind": wind,
        },
        p,
    )


def make_provider(w: dict, lat: float, lon: float, elev: float):
    """In-memory pcse WeatherDataProvider driven by exactly the given (rounded) arrays: the
    product's own (`pipelines.agronomy.cropmodel.weather_provider`, PCSE's reference ET with
    the same Angstrom coefficients), so the generator and the advice simulate alike."""
    import pandas as pd

    from pipelines.agronomy.cropmodel import ANGSTROM_A, ANGSTROM_B, weather_provider

    assert (ANGSTROM_A, ANGSTROM_B) == (ANGSTA, ANGSTB)
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(list(w["date"])),
            "tmin_degc": np.asarray(w["tmin"], dtype=float),
            "tmax_degc": np.asarray(w["tmax"], dtype=float),
            "precip_mm": np.asarray(w["rain"], dtype=float),
            "rad_mj_m2": np.asarray(w["rad"], dtype=float),
            "vp_kpa": np.asarray(w["vp"], dtype=float),
            "wind_m_s": np.asarray(w["wind"], dtype=float),
        }
    )
    return weather_provider(frame, lat, lon, elev)


FORECAST_DAYS = 14


def forecast(
    w: dict[str, np.ndarray], issued: dt.date, rng: np.random.Generator, days: int = FORECAST_DAYS
) -> list[dict]:
    """A synthetic daily forecast issued on `issued` for the next `days` days.

    It is the station's own (perturbed, rounded) weather for those days, the weather the crop model
    saw, plus errors that grow with lead time: a temperature error shared by Tmin and Tmax with
    sd 0.6 + 0.2 x lead degC, rain on a share 0.04 x lead of the days swapped with another day of
    the window (a misplaced front) and scaled by a log-normal factor, and relative errors for
    radiation, vapour pressure and wind. `rng` is the forecast's own stream, so the other outputs
    of the generator do not change when the forecast does.
    """
    index = {d: i for i, d in enumerate(w["date"])}
    first = index[issued + dt.timedelta(days=1)]
    sl = slice(first, first + days)
    lead = np.arange(1, days + 1, dtype=float)
    t_err = rng.normal(0.0, 0.6 + 0.2 * lead)
    tmin = np.round(w["tmin"][sl] + t_err + rng.normal(0.0, 0.3, days), 1)
    tmax = np.round(np.maximum(w["tmax"][sl] + t_err + rng.normal(0.0, 0.3, days), tmin + 0.1), 1)
    rain = w["rain"][sl].copy()
    swap = rng.random(days) < 0.04 * lead
    rain = np.where(swap, rain[rng.permutation(days)], rain)
    rain = np.round(rain * np.exp(rng.normal(0.0, 0.2 + 0.06 * lead)), 1)
    rad = np.round(np.clip(w["rad"][sl] * (1 + rng.normal(0.0, 0.04 + 0.02 * lead)), 0.5, 40.0), 2)
    vp = w["vp"][sl] * np.exp(rng.normal(0.0, 0.03 + 0.01 * lead))
    vp = np.round(np.maximum(np.minimum(vp, np.floor(sat_vp_kpa(tmin) * 1000) / 1000), 0.05), 3)
    wind = np.round(np.maximum(w["wind"][sl] * np.exp(rng.normal(0.0, 0.1 + 0.02 * lead)), 0.1), 1)
    return [
        {
            "date": w["date"][first + k],
            "tmin": float(tmin[k]),
            "tmax": float(tmax[k]),
            "rain": float(rain[k]),
            "rad": float(rad[k]),
            "vp": float(vp[k]),
            "wind": float(wind[k]),
        }
        for k in range(days)
    ]
