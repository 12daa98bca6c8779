"""In-season features per (field_id, season, as_of), using only data up to as_of.

`build_features(sources, requests)` returns one row per request, indexed by
`(field_id, season, as_of)`; `docs/features.md` lists every column with its unit and meaning.

How leakage is kept out:

- all daily data come from `pipelines.agronomy.season_grid.season_inputs`, which cuts every row at
  the
  earlier of `as_of` and the harvest date (the harvest counts only once it has happened) and
  aligns it by sowing date (so a winter wheat season crossing 1 January is one row, by crop age);
- the satellite series is cleaned and smoothed from the observations up to that end only
  (`pipelines.agronomy.index_cleaning`'s filters, applied per row on the sowing-aligned grid:
  the same
  result as `clean_time_series(..., start=sowing, end=end)` for that field);
- the water balance is causal (`pipelines.agronomy.waterbalance`);
- the NDVI/NDRE anomaly compares with the field's own past seasons of the same crop that were
  harvested by as_of, at the same thermal time;
- management sums operations dated up to as_of; the field's past mean yield uses seasons
  harvested by as_of.

Everything runs on 2-D arrays (rows × days after sowing) in blocks of rows: with `chunk_rows`
the inputs become dask arrays chunked over rows (sorted by field) and the same block function
runs through `xarray.map_blocks` on whatever dask scheduler is active, e.g. a
`distributed.Client`.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import partial

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from pipelines.agronomy.index_cleaning import (
    ACCEPTED,
    CleaningParameters,
    daily_smoothed,
    reject_observations,
)
from pipelines.agronomy.season_grid import SeasonSources, blockwise, season_inputs
from pipelines.agronomy.waterbalance import (
    STAGES,
    WaterBalanceParameters,
    crop_stage,
    water_balance_block,
)
from pipelines.agronomy.weather import growing_degree_days

Array = NDArray[np.float64]

WINDOWS = (*STAGES, "to_date")
INDICES = ("ndvi", "ndre")


@dataclass(frozen=True)
class FeatureParameters:
    """Thresholds and windows of the features (crop-specific ones come from the crop table).

    A heat day has Tmax above the crop's `cap_temp_degc`; a frost day Tmin below
    `frost_below_degc`. The index slope is taken over the last `slope_days` days of the smoothed
    series. Past seasons' index curves are sampled every `thermal_step_degc_d` of thermal time,
    `thermal_steps` points from 0.
    """

    frost_below_degc: float = 0.0
    slope_days: int = 14
    thermal_step_degc_d: float = 50.0
    thermal_steps: int = 121
    cleaning: CleaningParameters = dataclass_field(default_factory=CleaningParameters)
    water_balance: WaterBalanceParameters = dataclass_field(default_factory=WaterBalanceParameters)

    def __post_init__(self) -> None:
        if self.slope_days < 1 or self.thermal_steps < 2 or self.thermal_step_degc_d <= 0:
            raise ValueError("need slope_days >= 1, thermal_steps >= 2, thermal_step_degc_d > 0")


def _weather_feature_names() -> list[str]:
    units = {"gdd": "degc_d", "rain": "mm", "eto": "mm", "cwb": "mm"}
    names = [f"{q}_{w}_{u}" for q, u in units.items() for w in WINDOWS]
    names += [f"{q}_{w}_d" for q in ("heat_days", "frost_days") for w in WINDOWS]
    return names


ARRAY_FEATURES = (
    "days_after_sowing_d",
    "crop_stage_code",
    *_weather_feature_names(),
    "ks_below_1_d",
    "ks_mean",
    "dr_last_mm",
    "depletion_fraction_last",
    "taw_last_mm",
    "eta_sum_mm",
    "et_deficit_sum_mm",
    "deep_percolation_sum_mm",
    "runoff_sum_mm",
    "sensor_days_d",
    "sensor_vwc_mean_m3_m3",
    "sensor_vwc_last_m3_m3",
    "sensor_correction_mean_mm",
    *(
        f"{index}_{name}"
        for index in INDICES
        for name in (
            "latest_index",
            "peak_index",
            "peak_das_d",
            "integral_index_d",
            "slope_per_d",
            "anomaly_index",
            "obs_count",
        )
    ),
    "sat_last_obs_age_d",
)
TABLE_FEATURES = (
    "season_year",
    "past_mean_yield_t_ha",
    "past_seasons_count",
    "field_capacity_m3_m3",
    "wilting_point_m3_m3",
    "soil_root_depth_cm",
    "taw_max_mm",
    "sand_pct",
    "clay_pct",
    "soc_pct",
    "irrigated_flag",
    "n_applied_kg_ha",
    "n_applications_count",
    "irrigation_applied_mm",
    "irrigation_events_count",
)
FEATURE_COLUMNS = ("crop", *ARRAY_FEATURES, *TABLE_FEATURES)


def build_features(
    sources: SeasonSources,
    requests: pd.DataFrame,
    params: FeatureParameters | None = None,
    *,
    chunk_rows: int | None = None,
    block_rows: int = 2000,
) -> pd.DataFrame:
    """Features for each request `(field_id, season, as_of)`, in request order.

    With `chunk_rows`, the inputs become dask arrays in chunks of that many rows and the blocks
    run on the active dask scheduler (a `distributed.Client` if one is open). Without, the same
    block function runs in-process on `block_rows` requests at a time, which bounds the memory.
    Both give the same numbers (to rounding).
    """
    params = params or FeatureParameters()
    requests = requests[["field_id", "season", "as_of"]].assign(
        as_of=lambda r: pd.to_datetime(r["as_of"]), season=lambda r: r["season"].astype(np.int64)
    )
    if requests.duplicated().any():
        raise ValueError("requests hold the same (field_id, season, as_of) more than once")
    requests = requests.reset_index(drop=True)
    if chunk_rows:
        table = _features_for(sources, requests, params, chunk_rows)
    else:
        blocks = [
            _features_for(sources, requests.iloc[start : start + block_rows], params, None)
            for start in range(0, max(len(requests), 1), block_rows)
        ]
        table = pd.concat(blocks)
    table.index = pd.MultiIndex.from_frame(requests)
    return table


def _features_for(
    sources: SeasonSources,
    requests: pd.DataFrame,
    params: FeatureParameters,
    chunk_rows: int | None,
) -> pd.DataFrame:
    inputs = season_inputs(sources, requests)
    for index, curve in past_index_curves(sources, requests, params, chunk_rows).items():
        inputs[f"{index}_past_curve"] = (("row", "thermal"), curve)
    if chunk_rows:
        inputs = inputs.chunk({"row": chunk_rows})
    arrays = blockwise(partial(_features_block, params=params), inputs).compute()
    table = pd.DataFrame({name: arrays[name].to_numpy() for name in ARRAY_FEATURES})
    table = pd.concat([table, _table_features(sources, requests, inputs)], axis=1)
    table.insert(0, "crop", inputs["crop"].to_numpy())
    return table[list(FEATURE_COLUMNS)]


# --------------------------------------------------------------------------- array features


def _last_valid_index(finite: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Per row, the last column where `finite` holds; −1 where none does."""
    n = finite.shape[1]
    last = n - 1 - np.argmax(finite[:, ::-1], axis=1)
    result: NDArray[np.int64] = np.where(finite.any(axis=1), last, -1)
    return result


def _at(values: Array, index: NDArray[np.int64]) -> Array:
    """values[row, index[row]], NaN where index is −1."""
    picked = np.take_along_axis(values, np.maximum(index, 0)[:, None], axis=1)[:, 0]
    result: Array = np.where(index >= 0, picked, np.nan)
    return result


def _masked_sum(values: Array, mask: NDArray[np.bool_]) -> Array:
    total = np.where(mask, values, 0.0).sum(axis=1)
    result: Array = np.where(mask.any(axis=1), total, np.nan)
    return result


def _thermal_time(inputs: xr.Dataset) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Daily GDD, GDD summed from the sowing day (both NaN after the row's end), valid days."""
    valid = inputs["day"].to_numpy()[None, :] < inputs["n_days"].to_numpy()[:, None]
    gdd = growing_degree_days(
        inputs["tmin_degc"].to_numpy(),
        inputs["tmax_degc"].to_numpy(),
        inputs["base_temp_degc"].to_numpy()[:, None],
        inputs["cap_temp_degc"].to_numpy()[:, None],
    )
    gdd = np.where(valid, gdd, np.nan)
    cumulative: Array = np.where(valid, np.cumsum(np.where(valid, gdd, 0.0), axis=1), np.nan)
    return gdd, cumulative, valid


def _smoothed_indices(
    inputs: xr.Dataset, cleaning: CleaningParameters
) -> tuple[dict[str, Array], NDArray[np.bool_]]:
    """Cleaned, daily-smoothed NDVI and NDRE per row (cleaning.py's filters on the row's own
    observations up to its end), and which observations were accepted."""
    day_number = inputs["day"].to_numpy()
    ndvi = inputs["ndvi_mean_obs"].to_numpy()
    flag = reject_observations(
        ndvi, inputs["cloud_free_fraction_obs"].to_numpy(), day_number, cleaning
    )
    accepted = flag == ACCEPTED
    smoothed = {
        index: daily_smoothed(
            np.where(accepted, inputs[f"{index}_mean_obs"].to_numpy(), np.nan), cleaning
        )
        for index in INDICES
    }
    return smoothed, accepted


def _curve_block(inputs: xr.Dataset, params: FeatureParameters) -> xr.Dataset:
    """Each row's NDVI and NDRE on the first day its thermal time reached each grid value."""
    _, cumulative, valid = _thermal_time(inputs)
    smoothed, _ = _smoothed_indices(inputs, params.cleaning)
    grid = params.thermal_step_degc_d * np.arange(params.thermal_steps)
    n_rows = cumulative.shape[0]
    first_day = np.empty((n_rows, grid.size), dtype=np.int64)
    # Thermal time never decreases, so a binary search per row finds the first day at or above
    # each grid value; rows are few enough (one per past season) that this loop is cheap.
    reached = np.where(valid, cumulative, np.inf)
    for r in range(n_rows):
        first_day[r] = np.searchsorted(reached[r], grid, side="left")
    inside = first_day < inputs["n_days"].to_numpy()[:, None]
    out = {}
    for index in INDICES:
        values = np.take_along_axis(smoothed[index], np.minimum(first_day, reached.shape[1] - 1), 1)
        out[f"{index}_curve"] = (("row", "thermal"), np.where(inside, values, np.nan))
    return xr.Dataset(out, coords={"row": inputs["row"].to_numpy()})


def past_index_curves(
    sources: SeasonSources,
    requests: pd.DataFrame,
    params: FeatureParameters,
    chunk_rows: int | None = None,
) -> dict[str, Array]:
    """Per request, the mean NDVI/NDRE of its field's past seasons of the same crop, harvested by
    as_of, on the thermal-time grid (`FeatureParameters`); NaN where no past season has a value.
    """
    seasons = sources.seasons[["field_id", "season", "crop", "harvest_date"]]
    rows = requests.reset_index(drop=True).reset_index(names="row")
    rows = rows.merge(seasons[["field_id", "season", "crop"]], on=["field_id", "season"])
    pairs = rows.merge(seasons, on=["field_id", "crop"], suffixes=("", "_past"))
    pairs = pairs[
        (pairs["season_past"] < pairs["season"])
        & pairs["harvest_date"].notna()
        & (pairs["harvest_date"] <= pairs["as_of"])
    ]
    n_steps = params.thermal_steps
    empty = {index: np.full((len(requests), n_steps), np.nan) for index in INDICES}
    if pairs.empty:
        return empty
    past = pairs[["field_id", "season_past", "harvest_date"]].drop_duplicates()
    past = past.rename(columns={"season_past": "season", "harvest_date": "as_of"})
    past = past.sort_values(["field_id", "season"], ignore_index=True)
    past_inputs = season_inputs(sources, past)
    if chunk_rows:
        past_inputs = past_inputs.chunk({"row": chunk_rows})
    curves = blockwise(partial(_curve_block, params=params), past_inputs).compute()
    position = pd.MultiIndex.from_frame(past[["field_id", "season"]]).get_indexer(
        pd.MultiIndex.from_frame(pairs[["field_id", "season_past"]])
    )
    out = {}
    for index in INDICES:
        values = curves[f"{index}_curve"].to_numpy()[position]
        finite = np.isfinite(values)
        total = np.zeros((len(requests), n_steps))
        count = np.zeros((len(requests), n_steps))
        np.add.at(total, pairs["row"].to_numpy(), np.where(finite, values, 0.0))
        np.add.at(count, pairs["row"].to_numpy(), finite)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[index] = np.where(count > 0, total / count, np.nan)
    return out


def _features_block(inputs: xr.Dataset, params: FeatureParameters) -> xr.Dataset:
    n_days = inputs["n_days"].to_numpy()
    last = n_days - 1  # −1: as_of before sowing, nothing to describe
    out: dict[str, Array] = {}
    out["days_after_sowing_d"] = np.where(last >= 0, last, np.nan).astype(np.float64)

    # Weather by crop stage and to date.
    gdd, cumulative, valid = _thermal_time(inputs)
    day_number = inputs["day"].to_numpy()[None, :] + 1
    stage = crop_stage(
        day_number,
        inputs["stage_ini_days"].to_numpy()[:, None],
        inputs["stage_dev_days"].to_numpy()[:, None],
        inputs["stage_mid_days"].to_numpy()[:, None],
    )
    out["crop_stage_code"] = np.where(last >= 0, _at(stage.astype(np.float64), last) + 1, np.nan)
    tmin, tmax = inputs["tmin_degc"].to_numpy(), inputs["tmax_degc"].to_numpy()
    rain, eto = inputs["precip_mm"].to_numpy(), inputs["eto_mm"].to_numpy()
    daily = {
        "gdd": gdd,
        "rain": rain,
        "eto": eto,
        "cwb": rain - eto,
        "heat_days": (tmax > inputs["cap_temp_degc"].to_numpy()[:, None]).astype(np.float64),
        "frost_days": (tmin < params.frost_below_degc).astype(np.float64),
    }
    units = {"gdd": "degc_d", "rain": "mm", "eto": "mm", "cwb": "mm"}
    for k, window in enumerate(WINDOWS):
        mask = valid & (stage == k) if window != "to_date" else valid
        for quantity, values in daily.items():
            out[f"{quantity}_{window}_{units.get(quantity, 'd')}"] = _masked_sum(values, mask)

    # Water stress from the balance.
    balance = water_balance_block(inputs, params.water_balance)
    ks = balance["ks"].to_numpy()
    has_days = last >= 0
    out["ks_below_1_d"] = np.where(has_days, (ks < 1.0).sum(axis=1), np.nan).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ks_mean"] = np.where(has_days, np.nansum(ks, axis=1) / n_days, np.nan)
    dr = _at(balance["dr_mm"].to_numpy(), last)
    taw = _at(balance["taw_mm"].to_numpy(), last)
    out["dr_last_mm"], out["taw_last_mm"] = dr, taw
    with np.errstate(invalid="ignore", divide="ignore"):
        out["depletion_fraction_last"] = dr / taw
    etc, etc_adj = balance["etc_mm"].to_numpy(), balance["etc_adj_mm"].to_numpy()
    out["eta_sum_mm"] = _masked_sum(etc_adj, valid)
    out["et_deficit_sum_mm"] = _masked_sum(etc - etc_adj, valid)
    out["deep_percolation_sum_mm"] = _masked_sum(balance["deep_percolation_mm"].to_numpy(), valid)
    out["runoff_sum_mm"] = _masked_sum(balance["runoff_mm"].to_numpy(), valid)

    # Probe statistics (root-zone water content, as assimilated by the balance).
    sensor_day = balance["sensor_assimilated"].to_numpy() == 1.0
    theta = balance["sensor_vwc_root_zone_m3_m3"].to_numpy()
    days_with_probe = sensor_day.sum(axis=1)
    out["sensor_days_d"] = np.where(has_days, days_with_probe, np.nan).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["sensor_vwc_mean_m3_m3"] = _masked_sum(theta, sensor_day) / days_with_probe
        out["sensor_correction_mean_mm"] = (
            _masked_sum(balance["correction_mm"].to_numpy(), sensor_day) / days_with_probe
        )
    out["sensor_vwc_last_m3_m3"] = _at(theta, _last_valid_index(sensor_day))

    # Satellite indices, cleaned from the observations up to the row's end only.
    smoothed, accepted = _smoothed_indices(inputs, params.cleaning)
    last_accepted = _last_valid_index(accepted)
    out["sat_last_obs_age_d"] = np.where(last_accepted >= 0, last - last_accepted, np.nan).astype(
        np.float64
    )
    for index in INDICES:
        series = smoothed[index]
        finite = np.isfinite(series)
        any_value = finite.any(axis=1)
        last_value = _last_valid_index(finite)
        latest = _at(series, last_value)
        out[f"{index}_latest_index"] = latest
        peak_day = np.argmax(np.where(finite, series, -np.inf), axis=1)
        out[f"{index}_peak_index"] = np.where(any_value, _at(series, peak_day), np.nan)
        out[f"{index}_peak_das_d"] = np.where(any_value, peak_day, np.nan).astype(np.float64)
        out[f"{index}_integral_index_d"] = _masked_sum(series, finite)
        earlier = np.where(last_value >= params.slope_days, last_value - params.slope_days, -1)
        out[f"{index}_slope_per_d"] = (latest - _at(series, earlier)) / params.slope_days
        observed = accepted & np.isfinite(inputs[f"{index}_mean_obs"].to_numpy())
        out[f"{index}_obs_count"] = np.where(has_days, observed.sum(axis=1), np.nan).astype(
            np.float64
        )
        thermal_time = _at(cumulative, last_value)
        past = _interpolate_curve(
            inputs[f"{index}_past_curve"].to_numpy(), thermal_time, params.thermal_step_degc_d
        )
        out[f"{index}_anomaly_index"] = latest - past
    return xr.Dataset(
        {name: ("row", np.asarray(out[name], dtype=np.float64)) for name in ARRAY_FEATURES},
        coords={"row": inputs["row"].to_numpy()},
    )


def _interpolate_curve(curve: Array, thermal_time: Array, step: float) -> Array:
    """Linear interpolation of each row's curve (sampled every `step`) at its thermal time; NaN
    when either neighbouring grid value is missing or the time lies off the grid."""
    position = thermal_time / step
    with np.errstate(invalid="ignore"):
        lower = np.floor(position)
    ok = np.isfinite(lower) & (lower >= 0) & (lower + 1 < curve.shape[1])
    j = np.where(ok, lower, 0).astype(np.int64)
    left = np.take_along_axis(curve, j[:, None], axis=1)[:, 0]
    right = np.take_along_axis(curve, np.minimum(j + 1, curve.shape[1] - 1)[:, None], axis=1)[:, 0]
    value: Array = np.where(ok, left + (position - lower) * (right - left), np.nan)
    return value


# --------------------------------------------------------------------------- table features


def _table_features(
    sources: SeasonSources, requests: pd.DataFrame, inputs: xr.Dataset
) -> pd.DataFrame:
    """Soil, management to date and trend terms: per request, from small tables."""
    rows = requests.reset_index(drop=True).reset_index(names="row")
    crop = pd.Series(inputs["crop"].to_numpy(), name="crop")
    rows = rows.assign(crop=crop)
    out = pd.DataFrame(index=rows.index)
    out["season_year"] = rows["season"].astype(np.float64)

    # The field's past seasons of the same crop, harvested by as_of, with a yield.
    seasons = sources.seasons[["field_id", "season", "crop", "harvest_date", "yield_t_ha"]]
    past = rows.merge(seasons, on=["field_id", "crop"], suffixes=("", "_past"))
    past = past[
        (past["season_past"] < past["season"])
        & (past["harvest_date"] <= past["as_of"])
        & past["yield_t_ha"].notna()
    ]
    by_row = past.groupby("row")["yield_t_ha"]
    out["past_mean_yield_t_ha"] = by_row.mean().reindex(rows["row"]).to_numpy()
    out["past_seasons_count"] = by_row.size().reindex(rows["row"], fill_value=0).to_numpy(float)

    fields = sources.fields.set_index("field_id")
    soil = fields.reindex(rows["field_id"])
    out["field_capacity_m3_m3"] = soil["field_capacity_m3_m3"].to_numpy(np.float64)
    out["wilting_point_m3_m3"] = soil["wilting_point_m3_m3"].to_numpy(np.float64)
    out["soil_root_depth_cm"] = soil["root_depth_max_cm"].to_numpy(np.float64)
    deepest_m = np.minimum(
        inputs["root_depth_max_m"].to_numpy(), out["soil_root_depth_cm"].to_numpy() / 100.0
    )
    out["taw_max_mm"] = (
        1000.0 * (out["field_capacity_m3_m3"] - out["wilting_point_m3_m3"]) * (deepest_m)
    )
    for name in ("sand_pct", "clay_pct", "soc_pct"):
        out[name] = soil[name].to_numpy(np.float64)
    out["irrigated_flag"] = soil["irrigated"].astype("float64").to_numpy()

    ops = sources.operations[["field_id", "season", "date", "operation", "amount"]].dropna(
        subset=["season"]
    )
    ops = ops.assign(season=ops["season"].astype(np.int64))
    done = rows.merge(ops, on=["field_id", "season"])
    done = done[done["date"] <= done["as_of"]]
    for operation, amount, count in (
        ("nitrogen", "n_applied_kg_ha", "n_applications_count"),
        ("irrigation", "irrigation_applied_mm", "irrigation_events_count"),
    ):
        of_kind = done[done["operation"] == operation].groupby("row")["amount"]
        out[amount] = of_kind.sum().reindex(rows["row"], fill_value=0.0).to_numpy(np.float64)
        out[count] = of_kind.size().reindex(rows["row"], fill_value=0).to_numpy(np.float64)
    return out[list(TABLE_FEATURES)].reset_index(drop=True)
