"""Per-field observations to the daily field time series: drop cloudy and contaminated
observations, interpolate to daily and smooth, for all fields at once.

The result is the `xarray.Dataset` of ARCHITECTURE.md, dims `(field, time)`, daily. Every step works
on 2-D numpy arrays (fields x dates), so the cost grows with the number of values, not with a
Python loop over fields; `tests/pipelines/satellite/reference.py` holds the slow per-field version
the tests and the benchmark check this one against.

Steps, in order:

1. An observation whose cloud-free fraction is below `min_cloud_free_fraction` is dropped: with
   much of the field masked, the clear remainder is small and often at cloud edges.
2. An observation whose NDVI lies below both of its accepted neighbours, and below the line
   between them by more than `max(dip_min_ndvi, dip_robust_sigmas x the field's robust noise)`,
   is dropped. Residual cloud,
   haze and shadow that the scene classification missed lower NDVI (Holben 1986, Int. J. Remote
   Sens. 7:1417; the reason maximum-value compositing and the Savitzky-Golay upper-envelope method
   of Chen et al. 2004, Remote Sens. Environ. 91:332, favour high values); a real decline such as
   harvest is a step, not a dip, so it is kept. The noise is 1.4826 x the median absolute
   deviation of the NDVI residuals from the line between each observation's neighbours. The test
   runs `dip_passes` times, so that two contaminated dates in a row are caught. The decision
   drops the whole observation, NDRE and NDMI included: they come from the same scene.
3. The accepted values are interpolated linearly to every day between a field's first and last
   accepted observation (no extrapolation), then smoothed with a Savitzky-Golay filter of
   `savgol_window_days` and polynomial order `savgol_polyorder`. Days inside a gap longer than
   `max_gap_days` between accepted observations are left empty: a line across a whole winter is
   not an observation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import pandas as pd
import xarray as xr
from scipy.signal import savgol_filter

INDICES = ("ndvi", "ndre", "ndmi")

# quality_flag values, per field and day.
NO_OBSERVATION = 0
ACCEPTED = 1
REJECTED_CLOUDY = 2
REJECTED_OUTLIER = 3

# 1.4826 x MAD estimates the standard deviation of normally distributed noise.
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class CleaningParameters:
    """Thresholds and smoother settings. Index thresholds are in NDVI units, windows in days."""

    min_cloud_free_fraction: float = 0.6
    dip_min_ndvi: float = 0.1
    dip_robust_sigmas: float = 3.0
    dip_passes: int = 2
    savgol_window_days: int = 31
    savgol_polyorder: int = 2
    max_gap_days: int = 60

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_cloud_free_fraction <= 1.0:
            raise ValueError("min_cloud_free_fraction is a fraction between 0 and 1 (0.6, not 60)")
        if self.savgol_window_days % 2 != 1 or self.savgol_window_days < 3:
            raise ValueError("savgol_window_days must be an odd number of days, at least 3")
        if not 0 <= self.savgol_polyorder < self.savgol_window_days:
            raise ValueError("savgol_polyorder must be at least 0 and below savgol_window_days")
        if self.dip_passes < 0 or self.max_gap_days < 1 or self.dip_min_ndvi < 0:
            raise ValueError("need dip_passes >= 0, max_gap_days >= 1 and dip_min_ndvi >= 0")


@dataclass(frozen=True)
class ObservationGrid:
    """Observations on a (field, observation date) grid; NaN where a field has no observation."""

    field_ids: tuple[str, ...]
    dates: np.ndarray  # datetime64[D], sorted, unique
    cloud_free_fraction: np.ndarray  # (fields, dates)
    values: dict[str, np.ndarray]  # index name -> (fields, dates) mean values


def observation_grid(
    observations: pd.DataFrame, fields: Sequence[str] | None = None
) -> ObservationGrid:
    """Check the satellite.csv-shaped rows once and lay them out as 2-D arrays.

    Fields keep the order of `fields`, else their order of first appearance; a field of `fields`
    without rows gets an empty row.
    """
    required = ["field_id", "date", "cloud_free_fraction", *(f"{i}_mean" for i in INDICES)]
    missing = [c for c in required if c not in observations.columns]
    if missing:
        raise ValueError(f"observations lack the columns {', '.join(missing)}")
    field_col = observations["field_id"].astype(str)
    day = _utc_days(observations["date"])
    if fields is None:
        field_codes, uniques = pd.factorize(field_col)
        field_ids = tuple(str(f) for f in uniques)
    else:
        field_ids = tuple(str(f) for f in fields)
        field_codes = pd.Index(field_ids).get_indexer(pd.Index(field_col))
        keep = field_codes >= 0
        field_codes, day = field_codes[keep], day[keep]
        observations = observations.loc[keep]
    dates, date_codes = np.unique(day, return_inverse=True)
    shape = (len(field_ids), len(dates))
    flat = field_codes.astype(np.int64) * len(dates) + date_codes
    if np.unique(flat).size != flat.size:
        raise ValueError("observations hold more than one row for a field and date")

    def grid(column: str, lo: float, hi: float) -> np.ndarray:
        values = observations[column].to_numpy(dtype=np.float64, na_value=np.nan)
        out_of_range = np.isfinite(values) & ((values < lo) | (values > hi))
        if out_of_range.any():
            raise ValueError(
                f"{int(out_of_range.sum())} value(s) of {column} lie outside [{lo}, {hi}]"
            )
        out = np.full(shape, np.nan)
        out.reshape(-1)[flat] = values
        return out

    return ObservationGrid(
        field_ids=field_ids,
        dates=dates,
        cloud_free_fraction=grid("cloud_free_fraction", 0.0, 1.0),
        values={index: grid(f"{index}_mean", -1.0, 1.0) for index in INDICES},
    )


def reject_observations(
    ndvi: np.ndarray,
    cloud_free_fraction: np.ndarray,
    day_number: np.ndarray,
    params: CleaningParameters,
) -> np.ndarray:
    """quality_flag per (field, observation date): accepted, cloudy, outlier or no observation."""
    present = np.isfinite(ndvi)
    clear = cloud_free_fraction >= params.min_cloud_free_fraction  # NaN compares False: cloudy
    flag = np.where(present, np.where(clear, ACCEPTED, REJECTED_CLOUDY), NO_OBSERVATION)
    accepted = flag == ACCEPTED
    for _ in range(params.dip_passes):
        dips = find_dips(ndvi, accepted, day_number, params)
        if not dips.any():
            break
        accepted &= ~dips
        flag[dips] = REJECTED_OUTLIER
    return flag.astype(np.int8)


def find_dips(
    ndvi: np.ndarray, accepted: np.ndarray, day_number: np.ndarray, params: CleaningParameters
) -> np.ndarray:
    """Accepted observations below both accepted neighbours, and below the line between them by
    more than the threshold."""
    n_dates = ndvi.shape[1]
    position = np.arange(n_dates)
    last_seen = np.maximum.accumulate(np.where(accepted, position, -1), axis=1)
    next_seen = np.minimum.accumulate(np.where(accepted, position, n_dates)[:, ::-1], axis=1)[
        :, ::-1
    ]
    # Neighbours strictly before and after each date.
    previous = np.concatenate([np.full((ndvi.shape[0], 1), -1), last_seen[:, :-1]], axis=1)
    following = np.concatenate([next_seen[:, 1:], np.full((ndvi.shape[0], 1), n_dates)], axis=1)
    interior = accepted & (previous >= 0) & (following < n_dates)
    previous_value = np.take_along_axis(ndvi, np.clip(previous, 0, n_dates - 1), axis=1)
    following_value = np.take_along_axis(ndvi, np.clip(following, 0, n_dates - 1), axis=1)
    t = day_number[position]
    t_previous = day_number[np.clip(previous, 0, n_dates - 1)]
    t_following = day_number[np.clip(following, 0, n_dates - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        line = previous_value + (following_value - previous_value) * (t - t_previous) / (
            t_following - t_previous
        )
    residual = np.where(interior, ndvi - line, np.nan)
    local_minimum = interior & (ndvi < np.minimum(previous_value, following_value))
    threshold = np.full(ndvi.shape[0], params.dip_min_ndvi)
    rows = interior.any(axis=1)
    if rows.any():
        r = residual[rows]
        centre = _row_nanmedian(r)
        noise = MAD_TO_SIGMA * _row_nanmedian(np.abs(r - centre[:, None]))
        threshold[rows] = np.maximum(params.dip_min_ndvi, params.dip_robust_sigmas * noise)
    return local_minimum & (residual < -threshold[:, None])


def _row_nanmedian(values: np.ndarray) -> np.ndarray:
    """Median of each row's finite values (each row has at least one).

    np.nanmedian gives the same but is several times slower on many short rows.
    """
    ordered = np.sort(values, axis=1)  # NaN sorts last
    count = np.isfinite(values).sum(axis=1)
    low = np.take_along_axis(ordered, ((count - 1) // 2)[:, None], axis=1)[:, 0]
    high = np.take_along_axis(ordered, (count // 2)[:, None], axis=1)[:, 0]
    median: np.ndarray = (low + high) / 2
    return median


def _utc_days(dates: pd.Series) -> np.ndarray:
    """Calendar days (datetime64[D], UTC) of a date column: dates, naive or aware timestamps."""
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(dates.dtype):
        dates = pd.to_datetime(dates)
    return dates.to_numpy().astype("datetime64[D]")


def daily_smoothed(values: np.ndarray, params: CleaningParameters) -> np.ndarray:
    """Linear daily interpolation of (fields, days) values (NaN = none), then Savitzky-Golay.

    NaN outside each field's first..last value and inside gaps longer than `max_gap_days`.
    """
    n_fields, n_days = values.shape
    position = np.arange(n_days)
    valid = np.isfinite(values)
    last_seen = np.maximum.accumulate(np.where(valid, position, -1), axis=1)
    next_seen = np.minimum.accumulate(np.where(valid, position, n_days)[:, ::-1], axis=1)[:, ::-1]
    inside = (last_seen >= 0) & (next_seen < n_days)
    before = np.take_along_axis(values, np.clip(last_seen, 0, n_days - 1), axis=1)
    after = np.take_along_axis(values, np.clip(next_seen, 0, n_days - 1), axis=1)
    gap_days = np.where(inside, next_seen - last_seen, n_days)
    weight = np.where(gap_days > 0, (position - last_seen) / np.maximum(gap_days, 1), 0.0)
    line = before + (after - before) * weight
    # Outside a field's span hold the nearest value, as the filter's "nearest" edge mode does, so
    # a field's result does not depend on where the time axis starts or ends.
    padded = np.where(inside, line, np.where(last_seen < 0, after, before))
    smoothed = savgol_filter(
        padded, params.savgol_window_days, params.savgol_polyorder, axis=1, mode="nearest"
    )
    keep = inside & (gap_days <= params.max_gap_days)
    result: np.ndarray = np.clip(np.where(keep, smoothed, np.nan), -1.0, 1.0)
    return result


def clean_time_series(
    observations: pd.DataFrame,
    params: CleaningParameters | None = None,
    *,
    fields: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> xr.Dataset:
    """The daily field time series from satellite.csv-shaped rows (see the module docstring).

    The time axis runs from `start` to `end` (default: the first and last observation date);
    fields keep the order of `fields`, else their order of first appearance.
    """
    params = params or CleaningParameters()
    grid = observation_grid(observations, fields)
    first = np.datetime64(start, "D") if start else (grid.dates.min() if grid.dates.size else None)
    last = np.datetime64(end, "D") if end else (grid.dates.max() if grid.dates.size else None)
    if first is None or last is None:
        raise ValueError("no observations and no start/end: the time axis would be empty")
    if last < first:
        raise ValueError(f"end ({last}) is before start ({first})")
    days = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    n_days = days.size
    # Observations outside the axis take no part, not even as neighbours in the outlier test:
    # a series built up to an as-of date must not depend on what was observed after it.
    on_axis = (grid.dates >= first) & (grid.dates <= last)
    column = (grid.dates[on_axis] - first).astype(np.int64)
    values = {index: v[:, on_axis] for index, v in grid.values.items()}
    cloud_free_fraction = grid.cloud_free_fraction[:, on_axis]
    day_number = grid.dates[on_axis].astype(np.int64)
    obs_flag = reject_observations(values["ndvi"], cloud_free_fraction, day_number, params)
    accepted = obs_flag == ACCEPTED

    def to_daily(values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        out = np.full((len(grid.field_ids), n_days), fill, dtype=values.dtype)
        out[:, column] = values
        return out

    data: dict[str, tuple[tuple[str, str], np.ndarray, dict[str, str]]] = {}
    for index in INDICES:
        kept = np.where(accepted, values[index], np.nan)
        smoothed = daily_smoothed(to_daily(kept), params)
        data[index] = (
            ("field", "time"),
            smoothed,
            {
                "long_name": f"{index.upper()} of the field, daily, cleaned and smoothed",
                "units": "1",
                "source": f"Sentinel-2 L2A {index}_mean over clear pixels (satellite.csv)",
            },
        )
    valid_fraction = np.where(accepted, cloud_free_fraction, np.nan)
    data["valid_fraction"] = (
        ("field", "time"),
        to_daily(valid_fraction),
        {
            "long_name": "cloud-free fraction of the accepted observation of that day",
            "units": "1",
        },
    )
    data["quality_flag"] = (
        ("field", "time"),
        to_daily(obs_flag, NO_OBSERVATION),
        {
            "long_name": "observation of that day",
            "flag_values": "0 1 2 3",
            "flag_meanings": "no_observation accepted rejected_cloudy rejected_outlier",
        },
    )
    dataset = xr.Dataset(
        data_vars=data,
        coords={
            "field": ("field", np.array(grid.field_ids, dtype=object)),
            "time": ("time", days.astype("datetime64[ns]"), {"long_name": "UTC calendar day"}),
        },
        attrs={
            "title": "Sentinel-2 field time series",
            "smoother": (
                f"linear daily interpolation, then Savitzky-Golay "
                f"({params.savgol_window_days} days, order {params.savgol_polyorder})"
            ),
            **{f"cleaning_{k}": v for k, v in asdict(params).items()},
        },
    )
    return dataset
