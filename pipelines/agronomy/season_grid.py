"""Daily inputs of field-seasons aligned by sowing date, cut at an as-of date.

The water balance (`pipelines.agronomy.waterbalance`) and the in-season features
(`pipelines.agronomy.features`) work
on one `xarray.Dataset` with dims `(row, day)`: a row is one request `(field_id, season, as_of)`,
and `day` counts days after sowing (day 0 is the sowing day). Winter wheat sown in October and
maize sown in April therefore line up by crop age, never by calendar year, and a season that
crosses 1 January is one contiguous row.

Leakage safety is built in here, once: a row holds data from its sowing day up to its *end*, the
earlier of `as_of` and the harvest date (the harvest date only when it is on or before `as_of`:
before the harvest, its date is not yet known). Every daily value after the end is NaN, so code
downstream cannot see the future even by mistake.

The Dataset holds, per row: the soil (field capacity, wilting point, rooting depth), the crop's
parameters from the crop table (a crop is a row of that table, never a code path), and the number
of valid days `n_days`; per row and day: weather with reference ET (`pipelines.agronomy.weather.
daily_reference_et`), gross irrigation, the raw satellite observations (for the leakage-safe
cleaning of `pipelines.agronomy.index_cleaning`), and the daily sensor aggregates per probe
depth.
Sources are checked once here; code past this point trusts the Dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd
import xarray as xr

from pipelines.agronomy.weather import daily_reference_et

# Daily weather variables on the grid; `wind_used_m_s` and `rh_min_pct` feed the FAO-56 eq. 62
# climate adjustment of Kc, with FAO-56's fallbacks already applied by `daily_reference_et`.
WEATHER_VARIABLES = ("tmin_degc", "tmax_degc", "precip_mm", "eto_mm", "wind_used_m_s", "rh_min_pct")
# Weather every valid day must have; the others are filled by the ETo fallbacks.
REQUIRED_WEATHER = ("tmin_degc", "tmax_degc", "precip_mm", "eto_mm")
SATELLITE_VARIABLES = ("ndvi_mean", "ndre_mean", "cloud_free_fraction")
CROP_PARAMETERS = (
    "base_temp_degc",
    "cap_temp_degc",
    "kc_ini",
    "kc_mid",
    "kc_end",
    "max_height_m",
    "stage_ini_days",
    "stage_dev_days",
    "stage_mid_days",
    "stage_late_days",
    "root_depth_max_m",
    "depletion_fraction_p",
)
SOIL_PARAMETERS = ("field_capacity_m3_m3", "wilting_point_m3_m3", "root_depth_max_cm")
SENSOR_COLUMNS = ("field_id", "date", "depth_cm", "vwc_m3_m3")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass(frozen=True)
class SeasonSources:
    """What the water balance and the features read, as validated tables.

    `weather` has the `weather.csv` columns plus reference ET (`daily_reference_et`); `sensors`
    holds daily aggregates of quality-checked probe readings (`field_id, date, depth_cm,
    vwc_m3_m3`, the daily mean in m³/m³). Satellite, operations and sensors may be empty: a field
    without them gets NaN features for them.
    """

    fields: pd.DataFrame
    seasons: pd.DataFrame
    crops: pd.DataFrame
    weather: pd.DataFrame
    operations: pd.DataFrame = dataclass_field(
        default_factory=lambda: _empty(("field_id", "date", "operation", "amount", "season"))
    )
    satellite: pd.DataFrame = dataclass_field(
        default_factory=lambda: _empty(("field_id", "date", *SATELLITE_VARIABLES))
    )
    sensors: pd.DataFrame = dataclass_field(default_factory=lambda: _empty(SENSOR_COLUMNS))


class SeasonTables(Protocol):
    """Tables with the bundle's columns: a `pipelines.sources.bundle.Bundle` or the workspace
    loader's `WorkspaceData` (this module imports neither)."""

    @property
    def fields(self) -> pd.DataFrame: ...
    @property
    def seasons(self) -> pd.DataFrame: ...
    @property
    def crops(self) -> pd.DataFrame: ...
    @property
    def stations(self) -> pd.DataFrame: ...
    @property
    def weather(self) -> pd.DataFrame: ...
    @property
    def operations(self) -> pd.DataFrame: ...
    @property
    def satellite(self) -> pd.DataFrame: ...


def season_sources(tables: SeasonTables, sensors: pd.DataFrame | None = None) -> SeasonSources:
    """The `SeasonSources` of bundle-shaped tables, with reference ET computed per station."""
    return SeasonSources(
        fields=tables.fields,
        seasons=tables.seasons,
        crops=tables.crops,
        weather=daily_reference_et(tables.weather, tables.stations),
        operations=tables.operations,
        satellite=tables.satellite,
        sensors=_empty(SENSOR_COLUMNS) if sensors is None else sensors,
    )


def season_requests(
    seasons: pd.DataFrame,
    reference_date: date | pd.Timestamp,
    *,
    every_days: int | None = None,
) -> pd.DataFrame:
    """Requests `(field_id, season, as_of)` for the seasons sown by `reference_date`.

    Without `every_days`: one row per season, as of its harvest date (or `reference_date` while it
    is in progress). With `every_days`: also every `every_days` days after sowing until then, the
    in-season forecasting dates a model trains on.
    """
    reference = pd.Timestamp(reference_date)
    sown = seasons[seasons["sowing_date"] <= reference]
    end = sown["harvest_date"].where(sown["harvest_date"] <= reference, reference)
    end = end.fillna(reference)
    parts = [pd.DataFrame({"field_id": sown["field_id"], "season": sown["season"], "as_of": end})]
    if every_days is not None:
        if every_days < 1:
            raise ValueError("every_days must be at least 1")
        span = (end - sown["sowing_date"]).dt.days.to_numpy()
        counts = np.maximum(span // every_days, 0)
        repeat = np.repeat(np.arange(len(sown)), counts)
        # 1, 2, … counts[i] for each season i, without a Python loop
        step = np.arange(len(repeat)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
        parts.append(
            pd.DataFrame(
                {
                    "field_id": sown["field_id"].to_numpy()[repeat],
                    "season": sown["season"].to_numpy()[repeat],
                    "as_of": sown["sowing_date"].to_numpy()[repeat]
                    + pd.to_timedelta(np.asarray(step, dtype=np.int64) * every_days, unit="D"),
                }
            )
        )
    requests = pd.concat(parts, ignore_index=True).drop_duplicates()
    return requests.sort_values(["field_id", "season", "as_of"], ignore_index=True)


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as integer day numbers (days since 1970-01-01)."""
    as_dates = pd.to_datetime(pd.Series(np.asarray(values)))
    return as_dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _check_columns(frame: pd.DataFrame, columns: tuple[str, ...] | list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks the columns {', '.join(missing)}")


def season_inputs(sources: SeasonSources, requests: pd.DataFrame) -> xr.Dataset:
    """The `(row, day)` Dataset of the module docstring, one row per request, in request order.

    Raises ValueError naming the request and the fix when a request's season, field, crop or
    weather is missing.
    """
    _check_columns(requests, ["field_id", "season", "as_of"], "requests")
    _check_columns(sources.weather, ["station_id", "date", *WEATHER_VARIABLES], "weather")
    _check_columns(sources.satellite, ["field_id", "date", *SATELLITE_VARIABLES], "satellite")
    _check_columns(sources.sensors, SENSOR_COLUMNS, "sensors")
    rows = _row_table(sources, requests)
    n_rows = len(rows)

    sowing = _days(rows["sowing_date"])
    as_of = _days(rows["as_of"])
    harvest = rows["harvest_date"]
    harvest_days = np.where(
        harvest.notna(), _days(harvest.fillna(rows["as_of"])), np.iinfo(int).max
    )
    # The harvest date counts only once it has happened (on or before as_of).
    end = np.where(harvest_days <= as_of, harvest_days, as_of)
    n_days = np.maximum(end - sowing + 1, 0)
    n_grid = max(int(n_days.max(initial=0)), 1)
    day = np.arange(n_grid)
    calendar = sowing[:, None] + day[None, :]
    valid = day[None, :] < n_days[:, None]

    data: dict[str, Any] = {}
    weather = _weather_grid(sources.weather, rows["station_id"].to_numpy(), calendar, valid)
    _check_weather_coverage(weather, valid, rows)
    for name in WEATHER_VARIABLES:
        data[name] = (("row", "day"), weather[name])

    irrigation = _field_daily_sum(
        sources.operations[sources.operations["operation"] == "irrigation"],
        "amount",
        rows["field_id"].to_numpy(),
        calendar,
    )
    data["irrigation_gross_mm"] = (("row", "day"), np.where(valid, irrigation, np.nan))

    satellite = _satellite_grid(sources.satellite, rows["field_id"].to_numpy(), calendar, valid)
    for name, values in satellite.items():
        data[f"{name}_obs"] = (("row", "day"), values)

    depth_cm, vwc = _sensor_grid(sources.sensors, rows["field_id"].to_numpy(), calendar, valid)
    data["sensor_depth_cm"] = (("row", "probe"), depth_cm)
    data["sensor_vwc_m3_m3"] = (("row", "day", "probe"), vwc)

    for name in (*CROP_PARAMETERS, *SOIL_PARAMETERS):
        data[name] = ("row", rows[name].to_numpy(dtype=np.float64))
    data["n_days"] = ("row", n_days.astype(np.int64))
    data["harvested"] = ("row", harvest_days <= as_of)

    coords = {
        "row": np.arange(n_rows),
        "day": ("day", day, {"long_name": "days after sowing (0 = sowing day)"}),
        "probe": np.arange(depth_cm.shape[1]),
        "field_id": ("row", rows["field_id"].to_numpy(dtype=object)),
        "season": ("row", rows["season"].to_numpy(dtype=np.int64)),
        "crop": ("row", rows["crop"].to_numpy(dtype=object)),
        "as_of": ("row", rows["as_of"].to_numpy(dtype="datetime64[ns]")),
        "sowing_date": ("row", rows["sowing_date"].to_numpy(dtype="datetime64[ns]")),
    }
    return xr.Dataset(data, coords=coords, attrs={"title": "field-season daily inputs"})


def _row_table(sources: SeasonSources, requests: pd.DataFrame) -> pd.DataFrame:
    """Requests joined with their season, field and crop; errors name what is missing."""
    req = requests[["field_id", "season", "as_of"]].copy()
    req["as_of"] = pd.to_datetime(req["as_of"])
    req["season"] = req["season"].astype(np.int64)
    seasons = sources.seasons[["field_id", "season", "crop", "sowing_date", "harvest_date"]].copy()
    seasons["season"] = seasons["season"].astype(np.int64)
    rows = req.merge(seasons, on=["field_id", "season"], how="left", validate="many_to_one")
    unknown = rows["sowing_date"].isna()
    if unknown.any():
        first = rows.loc[unknown].iloc[0]
        raise ValueError(
            f"{int(unknown.sum())} request(s) name a season that is not in seasons, e.g. field "
            f"'{first['field_id']}' season {first['season']}; request only existing seasons"
        )
    fields = sources.fields[["field_id", "station_id", *SOIL_PARAMETERS]]
    rows = rows.merge(fields, on="field_id", how="left", validate="many_to_one")
    if rows["station_id"].isna().any():
        missing = sorted(set(rows.loc[rows["station_id"].isna(), "field_id"]))
        raise ValueError(f"field(s) {', '.join(missing[:5])} are not in fields")
    crops = sources.crops[["crop_id", *CROP_PARAMETERS]].rename(columns={"crop_id": "crop"})
    rows = rows.merge(crops, on="crop", how="left", validate="many_to_one")
    if rows["kc_mid"].isna().any():
        missing = sorted(set(rows.loc[rows["kc_mid"].isna(), "crop"]))
        raise ValueError(
            f"crop(s) {', '.join(missing)} are not in the crop table; add a row with its "
            "parameters (see pipelines/reference/crops.md)"
        )
    return rows


def _gather(grid: np.ndarray, key: np.ndarray, calendar: np.ndarray, start: int) -> np.ndarray:
    """grid[key, calendar − start] per row and day; NaN for a key of −1 or a day off the grid."""
    position = calendar - start
    inside = (key[:, None] >= 0) & (position >= 0) & (position < grid.shape[1])
    values = grid[np.maximum(key, 0)[:, None], np.clip(position, 0, grid.shape[1] - 1)]
    return np.where(inside, values, np.nan)


def _weather_grid(
    weather: pd.DataFrame, station_of_row: np.ndarray, calendar: np.ndarray, valid: np.ndarray
) -> dict[str, np.ndarray]:
    stations = pd.Index(pd.unique(station_of_row))
    keep = weather[weather["station_id"].isin(stations)]
    day = _days(keep["date"])
    start = int(day.min()) if len(day) else 0
    width = int(day.max()) - start + 1 if len(day) else 1
    station_code = stations.get_indexer(pd.Index(keep["station_id"]))
    key = stations.get_indexer(pd.Index(station_of_row))
    out = {}
    for name in WEATHER_VARIABLES:
        grid = np.full((len(stations), width), np.nan)
        grid[station_code, day - start] = keep[name].to_numpy(dtype=np.float64, na_value=np.nan)
        out[name] = np.where(valid, _gather(grid, key, calendar, start), np.nan)
    return out


def _check_weather_coverage(
    weather: dict[str, np.ndarray], valid: np.ndarray, rows: pd.DataFrame
) -> None:
    complete = np.all([np.isfinite(weather[name]) for name in REQUIRED_WEATHER], axis=0)
    gap = valid & ~complete
    if gap.any():
        row, day = np.argwhere(gap)[0]
        first_day = (rows["sowing_date"].iloc[row] + pd.Timedelta(days=int(day))).date()
        raise ValueError(
            f"weather at station '{rows['station_id'].iloc[row]}' lacks "
            f"{', '.join(REQUIRED_WEATHER)} on {first_day} (field '{rows['field_id'].iloc[row]}' "
            f"season {rows['season'].iloc[row]}, {int(gap.sum())} row-day(s) in all); weather "
            "must cover every requested season from sowing to as_of (is as_of after the last "
            "weather day?)"
        )


def _field_keys(field_of_row: np.ndarray, frame: pd.DataFrame) -> tuple[pd.Index, np.ndarray]:
    fields = pd.Index(pd.unique(field_of_row))
    return fields, fields.get_indexer(pd.Index(frame["field_id"]))


def _field_daily_sum(
    frame: pd.DataFrame, column: str, field_of_row: np.ndarray, calendar: np.ndarray
) -> np.ndarray:
    """Per row and day, the sum of `column` of the field's rows of that day (0 where none)."""
    fields, code = _field_keys(field_of_row, frame)
    keep = code >= 0
    if not keep.any():
        return np.zeros(calendar.shape)
    day = _days(frame.loc[keep, "date"])
    start, width = int(day.min()), int(day.max() - day.min()) + 1
    grid = np.zeros((len(fields), width))
    np.add.at(grid, (code[keep], day - start), frame.loc[keep, column].to_numpy(dtype=np.float64))
    values = _gather(grid, fields.get_indexer(pd.Index(field_of_row)), calendar, start)
    return np.nan_to_num(values, nan=0.0)


def _satellite_grid(
    satellite: pd.DataFrame, field_of_row: np.ndarray, calendar: np.ndarray, valid: np.ndarray
) -> dict[str, np.ndarray]:
    fields, code = _field_keys(field_of_row, satellite)
    keep = code >= 0
    day = _days(satellite.loc[keep, "date"])
    out = {}
    if not keep.any():
        return {name: np.full(calendar.shape, np.nan) for name in SATELLITE_VARIABLES}
    start, width = int(day.min()), int(day.max() - day.min()) + 1
    if np.unique(code[keep].astype(np.int64) * width + (day - start)).size != day.size:
        raise ValueError("satellite holds more than one row for a field and date")
    key = fields.get_indexer(pd.Index(field_of_row))
    for name in SATELLITE_VARIABLES:
        grid = np.full((len(fields), width), np.nan)
        values = satellite.loc[keep, name].to_numpy(dtype=np.float64, na_value=np.nan)
        grid[code[keep], day - start] = values
        out[name] = np.where(valid, _gather(grid, key, calendar, start), np.nan)
    return out


def _sensor_grid(
    sensors: pd.DataFrame, field_of_row: np.ndarray, calendar: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Probe depths per row (sorted, NaN-padded) and daily water content per row, day and probe."""
    fields, code = _field_keys(field_of_row, sensors)
    keep = sensors[code >= 0]
    code = code[code >= 0]
    n_rows, n_days = calendar.shape
    if keep.empty:
        return np.full((n_rows, 0), np.nan), np.full((n_rows, n_days, 0), np.nan)
    vwc = keep["vwc_m3_m3"].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.nanmax(vwc) > 1.0 or np.nanmin(vwc) < 0.0:
        raise ValueError("sensor vwc_m3_m3 has values outside 0-1: is it in percent? divide by 100")
    depth = keep["depth_cm"].to_numpy(dtype=np.float64)
    probes = pd.DataFrame({"code": code, "depth": depth}).drop_duplicates()
    probes = probes.sort_values(["code", "depth"], ignore_index=True)
    probes["slot"] = probes.groupby("code").cumcount()
    n_slots = int(probes["slot"].max()) + 1
    depth_of_field = np.full((len(fields), n_slots), np.nan)
    depth_of_field[probes["code"], probes["slot"]] = probes["depth"]
    slot = (
        pd.DataFrame({"code": code, "depth": depth})
        .merge(probes, on=["code", "depth"], how="left")["slot"]
        .to_numpy()
    )
    day = _days(keep["date"])
    start, width = int(day.min()), int(day.max() - day.min()) + 1
    grid = np.full((len(fields), width, n_slots), np.nan)
    grid[code, day - start, slot] = vwc
    key = fields.get_indexer(pd.Index(field_of_row))
    out = np.full((n_rows, n_days, n_slots), np.nan)
    for k in range(n_slots):
        out[:, :, k] = np.where(valid, _gather(grid[:, :, k], key, calendar, start), np.nan)
    depth_of_row = np.where(key[:, None] >= 0, depth_of_field[np.maximum(key, 0)], np.nan)
    return depth_of_row, out


def blockwise(func: Callable[[xr.Dataset], xr.Dataset], inputs: xr.Dataset) -> xr.Dataset:
    """`func(inputs)`, block by block over `row` when `inputs` is chunked with dask.

    `func` maps a block of rows to a Dataset of variables along `row` (and other dims of fixed
    size); a row's result may depend only on that row. With numpy-backed inputs this is simply
    `func(inputs)`; with dask-backed inputs it is `xarray.map_blocks`, so the same code runs on a
    Dask cluster (the active `distributed.Client`, if any).
    """
    if not inputs.chunks:
        return func(inputs)
    import dask.array as da

    sample = func(inputs.isel(row=slice(0, 1)).compute())
    row_chunks = inputs.chunks["row"]
    template = xr.Dataset(
        {
            name: (
                var.dims,
                da.empty(
                    tuple(inputs.sizes["row"] if d == "row" else var.sizes[d] for d in var.dims),
                    dtype=var.dtype,
                    chunks=tuple(row_chunks if d == "row" else (var.sizes[d],) for d in var.dims),
                ),
                var.attrs,
            )
            for name, var in sample.data_vars.items()
        },
        coords={name: inputs[name].to_numpy() for name in sample.coords if name in inputs.dims},
    )
    return cast(xr.Dataset, xr.map_blocks(func, inputs, template=template))
