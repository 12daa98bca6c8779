"""Daily weather forecasts: the `weather.csv` columns for the coming days, so advice can look ahead.

Two ways in, both ending in the columns of a bundle's `forecast.csv` (`pipelines.sources.bundle.
FORECAST_COLUMNS`: station_id, issued_date, date, tmin_degc, tmax_degc, precip_mm, rad_mj_m2,
vp_kpa, rh_pct, wind_m_s), checked once here at the boundary:

- `parse_open_meteo_daily` reads the JSON of an Open-Meteo-compatible `/v1/forecast` endpoint
  (daily arrays), converting units: wind from 10 m to 2 m (FAO-56 eq. 47) and to m/s, dew point to
  vapour pressure (FAO-56 eq. 14);
- `read_forecast_csv` reads a CSV with those columns (a bundle's `forecast.csv`, or one written
  by hand or by another service).

`OpenMeteoClient` fetches the JSON over HTTP from the base URL in `ForecastSettings` (environment
`AGRI_FORECAST_URL`). Nothing else in the product needs it: without a forecast the advice simply
does not look ahead, so everything works offline.
"""

from __future__ import annotations

import json
import math
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.agronomy.weather import saturation_vapour_pressure_kpa
from pipelines.sources.bundle import FORECAST_COLUMNS, check_forecast_rows
from pipelines.tables import ProblemLog, check_table, read_csv_strings

OPEN_METEO_BASE_URL = "https://api.open-meteo.com"
ENV_FORECAST_URL = "AGRI_FORECAST_URL"
ENV_FORECAST_TIMEOUT = "AGRI_FORECAST_TIMEOUT_S"
FORECAST_PATH = "/v1/forecast"
# Open-Meteo serves up to 16 forecast days.
MAX_FORECAST_DAYS = 16

# The daily variables we ask for, and what each becomes.
DAILY_VARIABLES = (
    "temperature_2m_min",
    "temperature_2m_max",
    "precipitation_sum",
    "shortwave_radiation_sum",
    "dew_point_2m_mean",
    "relative_humidity_2m_mean",
    "wind_speed_10m_mean",
)
REQUIRED_VARIABLES = ("temperature_2m_min", "temperature_2m_max", "precipitation_sum")
# Open-Meteo's model wind is at 10 m above ground.
WIND_HEIGHT_M = 10.0
# Wind units Open-Meteo can return (its `wind_speed_unit`), to m/s.
WIND_UNIT_TO_M_S = {"km/h": 1 / 3.6, "m/s": 1.0, "mp/h": 0.44704, "kn": 0.514444}
PRECIPITATION_UNIT_TO_MM = {"mm": 1.0, "inch": 25.4}
FORECAST_COLUMN_NAMES = tuple(spec.name for spec in FORECAST_COLUMNS)


class ForecastUnavailableError(RuntimeError):
    """The forecast service could not be reached or refused the request; the message says why."""


@dataclass(frozen=True)
class ForecastSettings:
    """Where the Open-Meteo-compatible service lives (no key needed), and how long to wait."""

    base_url: str = OPEN_METEO_BASE_URL
    timeout_s: float = 30.0
    forecast_days: int = 14

    def __post_init__(self) -> None:
        if not 1 <= self.forecast_days <= MAX_FORECAST_DAYS:
            raise ValueError(f"forecast_days must be 1 to {MAX_FORECAST_DAYS}")
        if self.timeout_s <= 0:
            raise ValueError(f"{ENV_FORECAST_TIMEOUT} must be a positive number of seconds")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ForecastSettings:
        env = os.environ if environ is None else environ
        timeout = env.get(ENV_FORECAST_TIMEOUT, "").strip()
        try:
            timeout_s = float(timeout) if timeout else cls.timeout_s
        except ValueError:
            raise ValueError(f"{ENV_FORECAST_TIMEOUT} must be a number, not {timeout!r}") from None
        base = env.get(ENV_FORECAST_URL, "").strip() or OPEN_METEO_BASE_URL
        return cls(base_url=base.rstrip("/"), timeout_s=timeout_s)


def wind_at_2m_m_s(wind_m_s: np.ndarray, height_m: float) -> np.ndarray:
    """Wind speed at 2 m from a measurement at `height_m` (FAO-56 eq. 47, log profile)."""
    factor = 4.87 / math.log(67.8 * height_m - 5.42)
    result: np.ndarray = wind_m_s * factor
    return result


def parse_open_meteo_daily(
    payload: Mapping[str, Any], *, station_id: str, issued_date: date
) -> pd.DataFrame:
    """The daily arrays of an Open-Meteo forecast response as `forecast.csv` rows.

    Needs `daily.time` and the daily min/max temperature and precipitation; radiation
    (`shortwave_radiation_sum`, MJ/m²), humidity (`dew_point_2m_mean`, else
    `relative_humidity_2m_mean`) and wind (`wind_speed_10m_mean`) are used when present and left
    empty otherwise, for the ETo fallbacks. Units are read from `daily_units` and converted, or
    refused with the request parameter that fixes them.
    """
    if payload.get("error"):
        raise ForecastUnavailableError(
            f"the forecast service refused the request: {payload.get('reason', 'no reason given')}"
        )
    daily = payload.get("daily")
    units = payload.get("daily_units") or {}
    if not isinstance(daily, Mapping) or "time" not in daily:
        raise ValueError("not an Open-Meteo daily forecast: the response has no daily.time array")
    missing = [v for v in REQUIRED_VARIABLES if v not in daily]
    if missing:
        raise ValueError(
            f"the forecast lacks {', '.join(missing)}; request them with daily="
            + ",".join(DAILY_VARIABLES)
        )
    n = len(daily["time"])

    def values(name: str) -> np.ndarray:
        raw = daily.get(name)
        if raw is None:
            return np.full(n, np.nan)
        if len(raw) != n:
            raise ValueError(f"daily.{name} has {len(raw)} values for {n} days")
        return np.array([np.nan if v is None else float(v) for v in raw], dtype=np.float64)

    for name in ("temperature_2m_min", "temperature_2m_max", "dew_point_2m_mean"):
        unit = units.get(name, "°C")
        if name in daily and unit != "°C":
            raise ValueError(f"daily.{name} is in {unit}; request temperature_unit=celsius")
    rain_unit = units.get("precipitation_sum", "mm")
    if rain_unit not in PRECIPITATION_UNIT_TO_MM:
        raise ValueError(f"precipitation in {rain_unit!r}; request precipitation_unit=mm")
    wind_unit = units.get("wind_speed_10m_mean", "km/h")
    if "wind_speed_10m_mean" in daily and wind_unit not in WIND_UNIT_TO_M_S:
        raise ValueError(f"wind speed in {wind_unit!r}; request wind_speed_unit=ms")
    rad_unit = units.get("shortwave_radiation_sum", "MJ/m²")
    if "shortwave_radiation_sum" in daily and rad_unit != "MJ/m²":
        raise ValueError(f"radiation in {rad_unit!r}; expected the daily sum in MJ/m²")

    dew_point = values("dew_point_2m_mean")
    with np.errstate(invalid="ignore"):
        vp = np.where(np.isfinite(dew_point), saturation_vapour_pressure_kpa(dew_point), np.nan)
    wind = values("wind_speed_10m_mean") * WIND_UNIT_TO_M_S.get(wind_unit, np.nan)
    frame = pd.DataFrame(
        {
            "station_id": station_id,
            "issued_date": issued_date.isoformat(),
            "date": [str(d) for d in daily["time"]],
            "tmin_degc": values("temperature_2m_min"),
            "tmax_degc": values("temperature_2m_max"),
            "precip_mm": values("precipitation_sum") * PRECIPITATION_UNIT_TO_MM[rain_unit],
            "rad_mj_m2": values("shortwave_radiation_sum"),
            "vp_kpa": vp,
            # The mean RH is only needed where there is no dew point (vp_kpa takes precedence).
            "rh_pct": np.where(np.isfinite(vp), np.nan, values("relative_humidity_2m_mean")),
            "wind_m_s": wind_at_2m_m_s(wind, WIND_HEIGHT_M),
        }
    )
    return _checked(_as_strings(frame), "forecast response")


def read_forecast_csv(path: str | Path) -> pd.DataFrame:
    """A CSV with the `forecast.csv` columns, checked; raises `InputError` listing the fixes."""
    path = Path(path)
    log = ProblemLog()
    raw = read_csv_strings(path, path.name, log)
    log.raise_if_any("forecast file")
    assert raw is not None
    return _checked(raw, path.name)


def write_forecast_csv(forecast: pd.DataFrame, path: str | Path) -> None:
    """Write forecast rows as a bundle's `forecast.csv` (ISO dates, empty cells for unknown)."""
    out = forecast[list(FORECAST_COLUMN_NAMES)].copy()
    for column in ("issued_date", "date"):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.3f", lineterminator="\n")


def _as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as the strings a CSV would hold, so the one boundary check applies to both inputs."""
    return frame.apply(
        lambda col: col.map(lambda v: "" if isinstance(v, float) and not np.isfinite(v) else str(v))
    )


def _checked(raw: pd.DataFrame, label: str) -> pd.DataFrame:
    log = ProblemLog()
    frame = check_table(raw, FORECAST_COLUMNS, label, log)
    if frame is not None:
        check_forecast_rows(frame, label, log)
    log.raise_if_any(label)
    assert frame is not None
    return frame.sort_values(["station_id", "issued_date", "date"], ignore_index=True)


class OpenMeteoClient:
    """Fetches daily forecasts from an Open-Meteo-compatible `/v1/forecast` endpoint."""

    def __init__(self, settings: ForecastSettings) -> None:
        self.settings = settings

    def request_url(self, lat: float, lon: float, days: int | None = None) -> str:
        query = {
            "latitude": f"{lat:.4f}",
            "longitude": f"{lon:.4f}",
            "daily": ",".join(DAILY_VARIABLES),
            "timezone": "auto",  # daily sums over the station's local days, as in weather.csv
            "forecast_days": str(days or self.settings.forecast_days),
            "wind_speed_unit": "ms",
        }
        return f"{self.settings.base_url}{FORECAST_PATH}?{urllib.parse.urlencode(query)}"

    def daily_forecast(
        self,
        *,
        station_id: str,
        lat: float,
        lon: float,
        issued_date: date,
        days: int | None = None,
    ) -> pd.DataFrame:
        """The forecast for one station as `forecast.csv` rows."""
        url = self.request_url(lat, lon, days)
        try:
            with urllib.request.urlopen(url, timeout=self.settings.timeout_s) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            reason = _error_reason(exc.read())
            raise ForecastUnavailableError(
                f"forecast request for station '{station_id}' failed with HTTP {exc.code}"
                + (f": {reason}" if reason else "")
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ForecastUnavailableError(
                f"cannot reach the forecast service at {self.settings.base_url} ({exc}); "
                f"check {ENV_FORECAST_URL} or work without a forecast"
            ) from None
        try:
            payload = json.loads(body)
        except json.JSONDecodeError:
            raise ForecastUnavailableError(
                f"the forecast service at {self.settings.base_url} did not answer with JSON"
            ) from None
        return parse_open_meteo_daily(payload, station_id=station_id, issued_date=issued_date)

    def station_forecasts(
        self, stations: pd.DataFrame, issued_date: date, days: int | None = None
    ) -> pd.DataFrame:
        """Forecasts for every station of a `Bundle.stations`-shaped table (id, lat, lon)."""
        parts = [
            self.daily_forecast(
                station_id=str(row.station_id),
                lat=float(row.lat),  # type: ignore[arg-type]
                lon=float(row.lon),  # type: ignore[arg-type]
                issued_date=issued_date,
                days=days,
            )
            for row in stations.itertuples(index=False)
        ]
        if not parts:
            raise ValueError("no stations to fetch a forecast for")
        return pd.concat(parts, ignore_index=True)


def _error_reason(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    return str(payload.get("reason", "")) if isinstance(payload, dict) else ""


def weather_with_forecast(
    weather: pd.DataFrame, forecast: pd.DataFrame, stations: Sequence[str] | None = None
) -> pd.DataFrame:
    """Observed weather followed by forecast days, with `is_forecast` saying which is which.

    For each station, the latest forecast issued on or before its last observed day supplies the
    days after that day; observed days always win. The result has the weather value columns, so
    the reference ET and the water balance can run ahead over it.
    """
    value_columns = [c for c in FORECAST_COLUMN_NAMES if c not in ("station_id", "issued_date")]
    observed = weather[[c for c in value_columns + ["station_id"] if c in weather.columns]]
    observed = observed.assign(is_forecast=False)
    if stations is not None:
        observed = observed[observed["station_id"].isin(stations)]
    last = observed.groupby("station_id")["date"].max().rename("last_observed")
    ahead = forecast.merge(last, left_on="station_id", right_index=True, how="inner")
    ahead = ahead[ahead["issued_date"] <= ahead["last_observed"]]
    latest = ahead.groupby("station_id")["issued_date"].transform("max")
    ahead = ahead[(ahead["issued_date"] == latest) & (ahead["date"] > ahead["last_observed"])]
    ahead = ahead[observed.columns.drop("is_forecast")].assign(is_forecast=True)
    combined = pd.concat([observed, ahead], ignore_index=True)
    return combined.sort_values(["station_id", "date"], ignore_index=True)
