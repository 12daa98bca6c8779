"""Growth stage of a field's crop from thermal time since sowing and the crop table.

The crop table gives the FAO-56 stages (initial, development, mid-season, late season) as
lengths in days (`stage_ini_days` … `stage_late_days`, FAO-56 Table 11) for a typical climate.
A season that runs warm or cold passes them sooner or later, so the stages are placed in
thermal time: each stage ends at the growing degree days (the crop's base and cap temperature)
that the station's *typical* weather accumulates over the stage's days from the field's sowing
day, and the season's own thermal time since sowing says which stage the crop is in. No crop is
named here: a new crop is a new row of the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipelines.agronomy.weather import growing_degree_days

STAGE_COLUMNS = ("stage_ini_days", "stage_dev_days", "stage_mid_days", "stage_late_days")
# FAO-56 chapter 6: the four stages, then past the late season (the crop is ripe).
STAGE_NAMES = ("initial", "development", "mid-season", "late season", "mature")
NOT_SOWN = "not sown"
HARVESTED = "harvested"
DAYS_PER_YEAR = 366
# Typical growing degree days per calendar day, 1 January first.
Array366 = NDArray[np.float64]


def typical_daily_thermal_time(dates: pd.Series, gdd_degc_d: NDArray[np.float64]) -> Array366:
    """Mean growing degree days per calendar day (index 0 = 1 January, 365 = 31 December of a
    leap year) over the years of `dates`; a calendar day never observed takes the mean of all
    days (never NaN while any day is known)."""
    day_of_year = pd.DatetimeIndex(pd.to_datetime(dates)).dayofyear.to_numpy() - 1
    known = np.isfinite(gdd_degc_d)
    sums = np.bincount(day_of_year[known], weights=gdd_degc_d[known], minlength=DAYS_PER_YEAR)
    counts = np.bincount(day_of_year[known], minlength=DAYS_PER_YEAR)
    overall = float(gdd_degc_d[known].mean()) if known.any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        typical: Array366 = np.where(counts > 0, sums / counts, overall)
    return typical


def stage_ends_degc_d(
    typical_degc_d: Array366, sowing_day_of_year: int, stage_days: Sequence[float]
) -> NDArray[np.float64]:
    """Thermal time since sowing (°C·d) at the end of each stage: the typical thermal time of
    the calendar days from `sowing_day_of_year` (1 = 1 January) over the cumulated stage
    lengths (days)."""
    ends_days = np.cumsum(np.asarray(stage_days, dtype=np.float64))
    if (np.asarray(stage_days, dtype=np.float64) < 0).any():
        raise ValueError(f"stage lengths must not be negative, got {list(stage_days)}")
    horizon = int(np.ceil(ends_days[-1])) if len(ends_days) else 0
    calendar = (sowing_day_of_year - 1 + np.arange(horizon)) % DAYS_PER_YEAR
    cumulative = np.concatenate([[0.0], np.cumsum(typical_degc_d[calendar])])
    # A fractional stage length takes the share of its last day.
    whole = np.floor(ends_days).astype(np.int64)
    part = ends_days - whole
    nxt = np.minimum(whole + 1, horizon)
    ends: NDArray[np.float64] = cumulative[whole] + part * (cumulative[nxt] - cumulative[whole])
    return ends


def stage_index(thermal_time_degc_d: float, ends_degc_d: NDArray[np.float64]) -> int:
    """0 initial, 1 development, 2 mid-season, 3 late season, 4 past the late season.

    A stage's last degree-day belongs to it (as its last day does in
    `waterbalance.crop_stage`), so a season with no thermal time yet is in its initial stage
    even where the typical weather never warms past the crop's base."""
    return int(np.searchsorted(ends_degc_d, thermal_time_degc_d, side="left"))


def field_stages(
    fields: pd.DataFrame, weather: pd.DataFrame, crops: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The growth stage of each field's season on `as_of`.

    `fields`: field_id, station_id, crop_id, sowing_date, harvest_date (one season per field,
    blanks allowed). `weather`: station_id, date, tmin_degc, tmax_degc (daily; days missing in
    the season count as typical days). `crops`: crop_id, base_temp_degc, cap_temp_degc and the
    `STAGE_COLUMNS`.

    Returns one row per field, in order: field_id, stage (a `STAGE_NAMES` entry, `NOT_SOWN`,
    `HARVESTED`, or None where the crop or the weather is unknown), thermal_time_degc_d since
    sowing, maturity_degc_d (the end of the late season) and stage_progress_pct (thermal time
    as a share of maturity's).
    """
    as_of = pd.Timestamp(as_of).normalize()
    keys = ["station_id", "crop_id", "sowing_date", "harvest_date"]
    # Fields of one station sown with one crop on one day share their stage: computed once.
    distinct = fields[keys].drop_duplicates().reset_index(drop=True)
    crop_table = crops.set_index("crop_id")
    weather = weather.assign(date=pd.to_datetime(weather["date"]))
    by_station = {station: group for station, group in weather.groupby("station_id")}
    thermal_cache: dict[tuple[object, float, float], tuple[Array366, pd.Series]] = {}
    rows = []
    for season in distinct.itertuples(index=False):
        rows.append(_season_stage(season, by_station, crop_table, as_of, thermal_cache))
    stages = pd.concat([distinct, pd.DataFrame(rows, columns=list(_EMPTY))], axis=1)
    out = fields[["field_id", *keys]].merge(stages, on=keys, how="left")
    return out[["field_id", *_EMPTY]].reset_index(drop=True)


_EMPTY: dict[str, object] = {
    "stage": None,
    "thermal_time_degc_d": np.nan,
    "maturity_degc_d": np.nan,
    "stage_progress_pct": np.nan,
}


def _season_stage(
    season: tuple[Any, Any, Any, Any],
    by_station: dict[Any, pd.DataFrame],
    crop_table: pd.DataFrame,
    as_of: pd.Timestamp,
    thermal_cache: dict[tuple[Any, float, float], tuple[Array366, pd.Series]],
) -> dict[str, object]:
    station_id, crop_id, sowing_date, harvest_date = season
    row = dict(_EMPTY)
    sowing = pd.Timestamp(sowing_date) if pd.notna(sowing_date) else None
    if sowing is None or sowing > as_of:
        row["stage"] = NOT_SOWN
        return row
    if pd.notna(harvest_date) and pd.Timestamp(harvest_date) <= as_of:
        row["stage"] = HARVESTED
        return row
    station = by_station.get(station_id)
    if crop_id not in crop_table.index or station is None or station.empty:
        return row
    crop = crop_table.loc[crop_id]
    key = (station_id, float(crop["base_temp_degc"]), float(crop["cap_temp_degc"]))
    if key not in thermal_cache:
        gdd = growing_degree_days(
            station["tmin_degc"].to_numpy(np.float64),
            station["tmax_degc"].to_numpy(np.float64),
            key[1],
            key[2],
        )
        typical = typical_daily_thermal_time(station["date"], gdd)
        # Every day to as_of, a missing day counted as a typical one, cumulated.
        days = pd.date_range(min(station["date"].min(), as_of), as_of, freq="D")
        observed = pd.Series(gdd, index=station["date"].to_numpy()).reindex(days).to_numpy()
        filled = np.where(np.isfinite(observed), observed, typical[days.dayofyear - 1])
        thermal_cache[key] = (typical, pd.Series(np.cumsum(filled), index=days))
    typical, cumulative = thermal_cache[key]
    ends = stage_ends_degc_d(typical, sowing.dayofyear, [float(crop[c]) for c in STAGE_COLUMNS])
    before = sowing - pd.Timedelta(days=1)
    if before >= cumulative.index[0]:
        thermal = float(cumulative.iloc[-1] - cumulative[before])
    else:  # sown before the first weather day: the days before it count as typical days
        early = pd.date_range(sowing, cumulative.index[0] - pd.Timedelta(days=1), freq="D")
        thermal = float(cumulative.iloc[-1] + typical[early.dayofyear - 1].sum())
    maturity = float(ends[-1])
    row["stage"] = STAGE_NAMES[stage_index(thermal, ends)]
    row["thermal_time_degc_d"] = thermal
    row["maturity_degc_d"] = maturity
    row["stage_progress_pct"] = 100.0 * thermal / maturity if maturity > 0 else np.nan
    return row


def stages_on(
    fields: pd.DataFrame,
    seasons: pd.DataFrame,
    weather: pd.DataFrame,
    crops: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """`field_stages` of each field's season on `as_of`, from bundle-shaped tables (the
    loader's `WorkspaceData`: fields with station_id; seasons with field_id, season, crop,
    sowing_date, harvest_date): the latest season sown by `as_of`, else the field's first
    one (not sown yet). One row per field of `fields`, in order."""
    as_of = pd.Timestamp(as_of).normalize()
    crop_column = "crop_id" if "crop_id" in seasons.columns else "crop"
    table = seasons.assign(
        sowing_date=pd.to_datetime(seasons["sowing_date"]),
        harvest_date=pd.to_datetime(seasons["harvest_date"]),
    ).rename(columns={crop_column: "crop_id"})
    sown = table["sowing_date"] <= as_of
    # Sown seasons first, newest first; then seasons still to come, soonest first.
    table = table.assign(_sown=sown, _order=np.where(sown, -table["season"], table["season"]))
    chosen = (
        table.sort_values(["_sown", "_order"], ascending=[False, True])
        .drop_duplicates("field_id")
        .drop(columns=["_sown", "_order"])
    )
    merged = fields[["field_id", "station_id"]].merge(
        chosen[["field_id", "crop_id", "sowing_date", "harvest_date"]], on="field_id", how="left"
    )
    return field_stages(merged, weather, crops, as_of)


def stage_text(stage: object, progress_pct: object) -> str:
    """The stage as the pages print it: "mid-season (64 % of the thermal time to maturity)",
    or "-" when unknown."""
    if stage is None or (isinstance(stage, float) and np.isnan(stage)):
        return "-"
    if stage in STAGE_NAMES and isinstance(progress_pct, int | float) and np.isfinite(progress_pct):
        return f"{stage} ({progress_pct:.0f} % of the thermal time to maturity)"
    return str(stage)
