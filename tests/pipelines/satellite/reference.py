"""The slow, obviously-correct cleaning: one field at a time, with pandas, step by step.

It implements the rules of `pipelines.agronomy.index_cleaning` from their description, not from
the
vectorised code; the tests and `benchmarks/satellite.py` check that both give the same result.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import xarray as xr
from scipy.signal import savgol_filter

from pipelines.agronomy.index_cleaning import CleaningParameters

INDICES = ("ndvi", "ndre", "ndmi")


def clean_one_field(
    rows: pd.DataFrame, days: pd.DatetimeIndex, params: CleaningParameters
) -> pd.DataFrame:
    """Daily ndvi, ndre, ndmi, valid_fraction and quality_flag of one field's observations."""
    obs = rows.sort_values("date").set_index("date")
    obs = obs[(obs.index >= days[0]) & (obs.index <= days[-1])]
    present = obs["ndvi_mean"].notna()
    accepted = present & (obs["cloud_free_fraction"] >= params.min_cloud_free_fraction)
    flag = pd.Series(0, index=obs.index)
    flag[present] = 2
    flag[accepted] = 1

    for _ in range(params.dip_passes):
        kept = obs.loc[accepted, "ndvi_mean"]
        residuals, local_minima = {}, set()
        for i in range(1, len(kept) - 1):
            before, here, after = kept.index[i - 1], kept.index[i], kept.index[i + 1]
            v_before, v, v_after = kept.iloc[i - 1], kept.iloc[i], kept.iloc[i + 1]
            share = (here - before).days / (after - before).days
            residuals[here] = v - (v_before + (v_after - v_before) * share)
            if v < min(v_before, v_after):
                local_minima.add(here)
        if not residuals:
            break
        r = pd.Series(residuals)
        noise = 1.4826 * (r - r.median()).abs().median()
        threshold = max(params.dip_min_ndvi, params.dip_robust_sigmas * noise)
        dips = [day for day in local_minima if residuals[day] < -threshold]
        if not dips:
            break
        accepted[dips] = False
        flag[dips] = 3

    out = pd.DataFrame(index=days)
    for index in INDICES:
        series = obs.loc[accepted, f"{index}_mean"].dropna()
        out[index] = _daily_smoothed(series, days, params)
    out["valid_fraction"] = obs.loc[accepted, "cloud_free_fraction"].reindex(days)
    out["quality_flag"] = flag.reindex(days).fillna(0).astype(np.int8)
    return out


def _daily_smoothed(
    series: pd.Series, days: pd.DatetimeIndex, params: CleaningParameters
) -> pd.Series:
    if series.empty:
        return pd.Series(np.nan, index=days)
    daily = series.reindex(days).interpolate(method="time", limit_area="inside")
    span = (days >= series.index[0]) & (days <= series.index[-1])
    filled = daily.ffill().bfill()  # hold the end values outside the span
    smoothed = savgol_filter(
        filled.to_numpy(), params.savgol_window_days, params.savgol_polyorder, mode="nearest"
    )
    # The gap each day lies in: from the last observation on or before it to the next on or after.
    observed = pd.Series(days.where(days.isin(series.index)), index=days)
    last = pd.to_datetime(observed.ffill())
    following = pd.to_datetime(observed.bfill())
    gap = (following - last).dt.days
    keep = span & (gap <= params.max_gap_days).to_numpy()
    return pd.Series(np.clip(np.where(keep, smoothed, np.nan), -1, 1), index=days)


def clean_per_field(
    observations: pd.DataFrame,
    params: CleaningParameters,
    start: date | None = None,
    end: date | None = None,
) -> xr.Dataset:
    """The whole data set, field after field, in order of first appearance."""
    dates = pd.to_datetime(observations["date"])
    days = pd.date_range(start or dates.min(), end or dates.max(), freq="D")
    field_ids = list(dict.fromkeys(observations["field_id"]))
    per_field = [
        clean_one_field(
            observations[observations["field_id"] == f].assign(date=dates), days, params
        )
        for f in field_ids
    ]
    variables = {
        name: (("field", "time"), np.stack([frame[name].to_numpy() for frame in per_field]))
        for name in (*INDICES, "valid_fraction", "quality_flag")
    }
    return xr.Dataset(variables, coords={"field": field_ids, "time": days})
