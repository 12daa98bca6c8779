"""Daily sensor aggregates for the models: flagged readings are left out, not hidden.

One row per field, probe (device and port), depth, variable and local calendar day. `value` is
the mean of the day's unflagged readings (the sum for rain, `units.Variable.summed_daily`);
`n_readings` says how many went in and `n_flagged` how many were left out, so a day carried by
two readings is visible as such. A day whose readings are all flagged has `value` NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.sources.sensors import units
from pipelines.store.schema import sensor_readings

KEYS = ["field_id", "device_id", "port", "depth_cm", "variable", "date"]
AGGREGATE_COLUMNS = [*KEYS, "value", "value_min", "value_max", "n_readings", "n_flagged"]


def daily_aggregates(readings: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Aggregate readings (columns of `sensor_readings`; `ts` aware or epoch seconds) per day.

    Days are calendar days in `timezone` (the cooperative's zone, as for daily weather).
    """
    if readings.empty:
        return pd.DataFrame(columns=AGGREGATE_COLUMNS)
    ts = readings["ts"]
    if pd.api.types.is_integer_dtype(ts):
        seconds = ts.to_numpy(dtype=np.int64)
    else:
        seconds = pd.to_datetime(ts, utc=True).to_numpy(dtype="datetime64[s]").astype(np.int64)
    instants = pd.DatetimeIndex(seconds.astype("datetime64[s]")).tz_localize("UTC")
    frame = readings[["field_id", "device_id", "port", "depth_cm", "variable"]].copy()
    frame["date"] = instants.tz_convert(timezone).date
    clean = readings["qc_flags"].fillna("").eq("").to_numpy(dtype=bool)
    value = readings["value"].to_numpy(dtype=np.float64)
    frame["used"] = np.where(clean, value, np.nan)
    frame["flagged"] = (~clean).astype(np.int64)
    grouped = frame.groupby(KEYS, sort=True, observed=True)
    out = grouped.agg(
        value_mean=("used", "mean"),
        value_sum=("used", "sum"),
        value_min=("used", "min"),
        value_max=("used", "max"),
        n_readings=("used", "count"),
        n_flagged=("flagged", "sum"),
    ).reset_index()
    summed = out["variable"].map(lambda v: units.VARIABLES[str(v)].summed_daily).astype(bool)
    out["value"] = np.where(summed, out["value_sum"], out["value_mean"])
    out.loc[out["n_readings"].eq(0), "value"] = np.nan
    return out[AGGREGATE_COLUMNS]


def read_daily_aggregates(
    engine: Engine,
    timezone: str,
    *,
    field_ids: Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Daily aggregates of stored readings, optionally for some fields, variables and days.

    `start`/`end` are inclusive local days; readings a day either side are read so that every
    local day in range is complete whatever the zone's offset.
    """
    r = sensor_readings.c
    query = sa.select(
        r.field_id, r.device_id, r.port, r.depth_cm, r.variable, r.ts, r.value, r.qc_flags
    )
    if field_ids is not None:
        query = query.where(r.field_id.in_(list(field_ids)))
    if variables is not None:
        query = query.where(r.variable.in_(list(variables)))
    if start is not None:
        query = query.where(r.ts >= (np.datetime64(start, "D").astype(np.int64) - 1) * 86_400)
    if end is not None:
        query = query.where(r.ts < (np.datetime64(end, "D").astype(np.int64) + 2) * 86_400)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # Epoch seconds as stored (daily_aggregates takes them), rather than one
            # `UtcTimestamp` conversion per reading (a cooperative has millions of them).
            raw_ts = sa.type_coerce(r.ts, sa.BigInteger).label("ts")
            query = query.with_only_columns(
                *(raw_ts if c.name == "ts" else c for c in query.selected_columns)
            )
        rows = conn.execute(query).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "field_id",
            "device_id",
            "port",
            "depth_cm",
            "variable",
            "ts",
            "value",
            "qc_flags",
        ],
    )
    daily = daily_aggregates(frame, timezone)
    if start is not None:
        daily = daily[daily["date"] >= start]
    if end is not None:
        daily = daily[daily["date"] <= end]
    return daily.reset_index(drop=True)


def water_content_for_balance(
    engine: Engine, timezone: str, *, field_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """The sensor input of the water balance: daily mean water content per field and depth.

    Columns `field_id, date, depth_cm, vwc_m3_m3`
    (`pipelines.agronomy.season_grid.SENSOR_COLUMNS`), from
    unflagged readings only; probes at the same depth of a field are averaged.
    """
    daily = read_daily_aggregates(engine, timezone, field_ids=field_ids, variables=["vwc_m3_m3"])
    daily = daily.dropna(subset=["value"])
    out = daily.groupby(["field_id", "date", "depth_cm"], as_index=False).agg(
        vwc_m3_m3=("value", "mean")
    )
    out["date"] = pd.to_datetime(out["date"])
    return out[["field_id", "date", "depth_cm", "vwc_m3_m3"]]
