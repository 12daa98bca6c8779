"""Irrigation: when will each field reach its readily available water, how much to apply, what
yield is at stake, and is it worth the water.

The FAO-56 water balance of `pipelines.agronomy.waterbalance` (Allen et al. 1998, ch. 8) runs from
sowing over the observed weather up to the advice date, on over the forecast days, and on to the
end of the season over the station's **climatology** (`projected_water_balance`): for each day
beyond the forecast, the mean of each weather variable on that day of the year over the
station's past years (smoothed over 31 days). That run gives the Kc, TAW and RAW of the days
beyond the forecast; their weather, for the yield at stake, comes from **scenarios**
(`weather_scenarios`): each past year of the station, its reference ET and rain on the same days,
so the crop meets its average climatic demand with rain as it really falls (an average rain
falls a little every day: it never drains and the soil never runs dry, and the stake came out
about half as large). `irrigation_plan` then reads the projection:

- the **trigger day** is the first day from the advice date to the last *forecast* day whose
  end-of-day root-zone depletion Dr reaches the readily available water RAW = p TAW (FAO-56
  eq. 83): the day the crop starts to be stressed (Ks < 1, eq. 84) without water;
- the **trigger** is RAW unless the cooperative's own irrigation records say otherwise
  (`calibrate_irrigation_trigger`): the depletion, as a share of TAW, that the balance shows at
  the end of the day before each recorded irrigation is the depletion at which the farm
  irrigates; its lower quartile per crop, and per field shrunk towards the crop's with the
  field's number of records, replaces p (`trigger_depletion_fraction` in the context). On the
  sample cooperative's 651 recorded maize irrigations the balance stood at 0.74 TAW (median;
  p is about 0.63): WOFOST, which grew them, holds off stress longer than FAO-56's p, and RAW
  flagged irrigations days before the farms made them. The lower quartile rather than the
  median because the balance and the field disagree by 0.12 TAW (sd) from one irrigation to the
  next: at the median a third of the irrigations went unflagged (`benchmarks/irrigation_eval.py`);
- **no irrigation in the late-season stage**: no advice when the trigger day lies in the FAO-56
  late-season stage, counted in days from sowing with the crop table's `stage_*_days` as the
  water balance counts its Kc stages (ripening: water then adds little yield);
- the **need** refills the root zone to a depletion of `refill_fraction_of_raw` × RAW, not to
  field capacity, so the soil can still store the rain that follows; forecast rain (net of
  runoff) from the trigger day through the next `rain_window_days` days is taken off the need,
  and the irrigation is skipped when what remains is less than a sprinkler can apply evenly
  (`MIN_APPLICATION_MM`);
- the gross need (net / application efficiency) is split into equal applications of at most
  `max_application_mm` (the system's depth per pass); `irrigation_mm` is the first of them, to
  apply by the trigger day, and the reason says how many follow;
- the **yield at stake** of that application is FAO-33's (Doorenbos & Kassam 1979) seasonal
  water-production function, 1 − Ya/Ym = Ky (1 − ETa/ETm): Ym × Ky × (ETa with − ETa without) /
  ETm, the sums running over the whole season, from sowing (the deficit already incurred counts
  in both) to the end of the season (sowing + the four stage lengths), with and without the
  application on the trigger day and no other irrigation after the advice date, averaged over
  the weather scenarios. ETm is ETc = Kc ETo and ETa is ETc adj = Ks Kc ETo of the balance;
- it is **advised** only when the yield at stake is worth at least the water
  (stake × grain price ≥ depth × `cost_eur_per_mm_ha`) and at least `min_yield_at_stake_t_ha`.

Ym, the yield without water stress, is the caller's expected yield: the advice passes the yield
forecast's P50. It already carries the stress incurred so far, so it understates Ym on a field
that has been stressed and the stake errs low: water is not sold on the optimistic end of the
interval (the P90 is wide early in the season for reasons that have nothing to do with water).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from pipelines.agronomy.season_grid import SeasonSources
from pipelines.agronomy.waterbalance import (
    STAGES,
    WaterBalanceParameters,
    crop_stage,
    runoff_mm,
    water_balance_table,
)
from pipelines.agronomy.weather import daily_reference_et
from pipelines.sources.forecast import FORECAST_COLUMN_NAMES, weather_with_forecast

Array = NDArray[np.float64]

# The observed weather the projection starts from: the weather.csv values (reference ET is
# recomputed over observed, forecast and climatological days together).
OBSERVED_COLUMNS = [name for name in FORECAST_COLUMN_NAMES if name != "issued_date"]
WEATHER_VALUES = [name for name in OBSERVED_COLUMNS if name not in ("station_id", "date")]
LATE_STAGE = STAGES.index("late")
# Days either side of a day of the year whose past weather makes its climatology.
CLIMATOLOGY_HALF_WINDOW_DAYS = 15
# Less gross water than this is not worth a pass: sprinklers and reel guns do not spread less
# evenly (an assumption; typical passes are 20-40 mm).
MIN_APPLICATION_MM = 10.0
# Past years of a station used as weather scenarios beyond the forecast, and the share of the
# days a year must cover to count.
MAX_SCENARIO_YEARS = 30
MIN_SCENARIO_COVERAGE = 0.9
KEYS = ["field_id", "season"]
# A calibrated trigger stays within these shares of TAW: below, the farm irrigates a wet soil;
# above, the crop wilts (FAO-56 Table 22's p runs from 0.2 to 0.7).
TRIGGER_FRACTION_RANGE = (0.3, 0.9)


@dataclass(frozen=True)
class IrrigationSettings:
    """How irrigation is advised.

    `application_efficiency`: share of the gross application that reaches the root zone (about
    0.75 for sprinklers and reel guns in the FAO irrigation water management training manuals;
    the default of the water balance for past irrigations too). `rain_window_days`: forecast rain
    on the trigger day and this many days after it counts towards the need.
    `max_application_mm`: the gross depth the system applies in one pass (25-40 mm for
    sprinklers and reel guns). `refill_fraction_of_raw`: the depletion an irrigation refills to,
    as a share of RAW (0 refills to field capacity; 0.5, the default, leaves half of RAW free
    for rain). `cost_eur_per_mm_ha`: the cost of 1 mm on 1 ha (pumping energy, labour and
    water; 1.5 EUR is an assumption for a reel gun from a well, set your own).
    `min_yield_at_stake_t_ha`: below this no irrigation is advised, however cheap the water.
    """

    application_efficiency: float = 0.75
    rain_window_days: int = 3
    max_application_mm: float = 35.0
    refill_fraction_of_raw: float = 0.5
    cost_eur_per_mm_ha: float = 1.5
    min_yield_at_stake_t_ha: float = 0.05

    def __post_init__(self) -> None:
        if not 0.0 < self.application_efficiency <= 1.0:
            raise ValueError("application_efficiency is a fraction (0.75, not 75)")
        if self.rain_window_days < 0:
            raise ValueError("rain_window_days must not be negative")
        if not MIN_APPLICATION_MM <= self.max_application_mm <= 200.0:
            raise ValueError(
                f"max_application_mm is the gross depth of one pass in mm, between "
                f"{MIN_APPLICATION_MM:.0f} and 200 (typically 25-40)"
            )
        if not 0.0 <= self.refill_fraction_of_raw < 1.0:
            raise ValueError(
                "refill_fraction_of_raw is a share of RAW from 0 (refill to field capacity) "
                "to below 1"
            )
        if self.cost_eur_per_mm_ha < 0 or self.min_yield_at_stake_t_ha < 0:
            raise ValueError("irrigation cost and minimum yield at stake must not be negative")


# --------------------------------------------------------------------------- the farm's trigger


@dataclass(frozen=True)
class IrrigationTrigger:
    """The root-zone depletion (share of TAW) at which a cooperative irrigates, from its records
    (`calibrate_irrigation_trigger`). Saved in the model registry's metadata (`to_json`).

    `crops`: per crop, the depletion and the number of records it came from. `fields`: per field
    and crop (`FIELD_CROP_MARK`), its own, shrunk towards its crop's, and its records."""

    crops: Mapping[str, tuple[float, int]]
    fields: Mapping[str, tuple[float, int]]

    def fraction(self, field_ids: Sequence[str], crops: Sequence[str]) -> Array:
        """The trigger per row: the field's where it has records of that crop's, else the
        crop's, else NaN (RAW, FAO-56's p, applies)."""
        out = np.full(len(field_ids), np.nan)
        for i, (field_id, crop) in enumerate(zip(field_ids, crops, strict=True)):
            own = self.fields.get(f"{field_id}{FIELD_CROP_MARK}{crop}")
            found = own if own is not None else self.crops.get(str(crop))
            if found is not None:
                out[i] = found[0]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "crops": {k: {"fraction": v[0], "records": v[1]} for k, v in self.crops.items()},
            "fields": {k: {"fraction": v[0], "records": v[1]} for k, v in self.fields.items()},
        }

    @classmethod
    def from_json(cls, payload: Mapping[str, Any] | None) -> IrrigationTrigger | None:
        if not payload:
            return None

        def read(part: Mapping[str, Any]) -> dict[str, tuple[float, int]]:
            return {str(k): (float(v["fraction"]), int(v["records"])) for k, v in part.items()}

        return cls(crops=read(payload.get("crops", {})), fields=read(payload.get("fields", {})))


# Joins a field id and its crop in `IrrigationTrigger.fields` (a field rotates crops).
FIELD_CROP_MARK = "|"


def depletion_at_irrigations(balance: pd.DataFrame, operations: pd.DataFrame) -> pd.DataFrame:
    """Per recorded irrigation (`operations` rows with operation "irrigation": field_id, date)
    on a day of `balance` (`pipelines.agronomy.waterbalance.water_balance_table` rows of past
    seasons, with the recorded irrigation applied, plus `crop`): the root-zone depletion at the
    end of the day before, as a share of that day's TAW (`depletion_fraction`), and RAW's share
    (`p`). Columns field_id, season, crop, date, depletion_fraction, p."""
    columns = ["field_id", "season", "crop", "date", "depletion_fraction", "p"]
    events = operations.loc[operations["operation"] == "irrigation", ["field_id", "date"]]
    if events.empty or balance.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    days = balance.sort_values([*KEYS, "date"])
    previous = days.groupby(KEYS, sort=False)["dr_mm"].shift(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = previous / days["taw_mm"]
        p = days["raw_mm"] / days["taw_mm"]
    days = days.assign(depletion_fraction=share, p=p)
    found = events.assign(
        field_id=events["field_id"].astype(str), date=pd.to_datetime(events["date"])
    ).merge(days.assign(field_id=days["field_id"].astype(str)), on=["field_id", "date"])
    found = found[np.isfinite(found["depletion_fraction"].to_numpy(np.float64))]
    return found[columns].reset_index(drop=True)


def fit_irrigation_trigger(
    sources: SeasonSources, params: WaterBalanceParameters | None = None
) -> tuple[IrrigationTrigger, pd.DataFrame]:
    """The trigger of the harvested seasons of `sources` with recorded irrigations (their FAO-56
    balance from sowing to harvest, the records applied), and the records it came from
    (`depletion_at_irrigations`)."""
    operations = sources.operations
    irrigations = operations[operations["operation"] == "irrigation"]
    seasons = sources.seasons[sources.seasons["harvest_date"].notna()]
    keys = irrigations[["field_id", "season"]].drop_duplicates().astype({"season": np.int64})
    chosen = seasons.astype({"season": np.int64}).merge(keys, on=KEYS)
    if chosen.empty:
        return IrrigationTrigger(crops={}, fields={}), depletion_at_irrigations(
            pd.DataFrame(), irrigations
        )
    requests = pd.DataFrame(
        {
            "field_id": chosen["field_id"].to_numpy(),
            "season": chosen["season"].to_numpy(),
            "as_of": pd.to_datetime(chosen["harvest_date"]).to_numpy(),
        }
    )
    balance = water_balance_table(sources, requests, params).merge(chosen[[*KEYS, "crop"]], on=KEYS)
    records = depletion_at_irrigations(balance, irrigations)
    return calibrate_irrigation_trigger(records), records


def calibrate_irrigation_trigger(
    records: pd.DataFrame,
    min_records: int = 20,
    shrink_records: float = 10.0,
    quantile: float = 0.25,
) -> IrrigationTrigger:
    """The `IrrigationTrigger` of `depletion_at_irrigations` rows: a crop needs `min_records`
    recorded irrigations (fewer: RAW stays its trigger); each of its fields with records gets
    (n m_f + k m_c) / (n + k), m the `quantile`s of the depletions (the field's, the crop's), k
    `shrink_records`, clipped to `TRIGGER_FRACTION_RANGE`."""
    low, high = TRIGGER_FRACTION_RANGE
    crops: dict[str, tuple[float, int]] = {}
    fields: dict[str, tuple[float, int]] = {}
    for crop, rows in records.groupby("crop"):
        values = rows["depletion_fraction"].to_numpy(np.float64)
        if len(values) < min_records:
            continue
        crop_level = float(np.clip(np.quantile(values, quantile), low, high))
        crops[str(crop)] = (crop_level, len(values))
        for field_id, own in rows.groupby("field_id"):
            n = len(own)
            weight = n / (n + shrink_records)
            blended = (
                weight * float(np.quantile(own["depletion_fraction"], quantile))
                + (1.0 - weight) * crop_level
            )
            fields[f"{field_id}{FIELD_CROP_MARK}{crop}"] = (float(np.clip(blended, low, high)), n)
    return IrrigationTrigger(crops=crops, fields=fields)


def relative_yield_loss(ky: ArrayLike, eta_mm: ArrayLike, etm_mm: ArrayLike) -> Array:
    """FAO-33's 1 − Ya/Ym = Ky (1 − ETa/ETm) (Doorenbos & Kassam 1979, FAO Irrigation and
    Drainage Paper 33), within 0-1."""
    ky_, eta, etm = (np.asarray(a, np.float64) for a in (ky, eta_mm, etm_mm))
    with np.errstate(invalid="ignore", divide="ignore"):
        loss: Array = np.clip(ky_ * (1.0 - eta / etm), 0.0, 1.0)
    return loss


def yield_at_stake_t_ha(
    ym_t_ha: ArrayLike,
    ky: ArrayLike,
    eta_without_mm: ArrayLike,
    eta_with_mm: ArrayLike,
    etm_mm: ArrayLike,
) -> Array:
    """Yield gained by the water that raises the season's ETa from `eta_without_mm` to
    `eta_with_mm` (FAO-33: Ym × [loss without − loss with]), ≥ 0."""
    gain = relative_yield_loss(ky, eta_without_mm, etm_mm) - relative_yield_loss(
        ky, eta_with_mm, etm_mm
    )
    result: Array = np.maximum(np.asarray(ym_t_ha, np.float64) * gain, 0.0)
    return result


def climatological_weather(history: pd.DataFrame, start: pd.Series, end: pd.Series) -> pd.DataFrame:
    """Weather rows from `start` to `end` (per station_id: Series indexed by station) made of
    the station's climatology: for each weather value, its mean over `history` (the station's
    observed days) on the same day of the year ± `CLIMATOLOGY_HALF_WINDOW_DAYS`, interpolated
    over days of the year the history does not cover. 29 February counts as 28 February. A
    station without history gets no rows."""
    parts = []
    for station, first in start.items():
        last = end.get(station)
        rows = history[history["station_id"] == station]
        if pd.isna(last) or pd.isna(first) or last < first or rows.empty:
            continue
        day = _day_of_year(pd.DatetimeIndex(rows["date"]))
        values = rows[WEATHER_VALUES].to_numpy(dtype=np.float64, na_value=np.nan)
        sums = np.zeros((365, len(WEATHER_VALUES)))
        counts = np.zeros((365, len(WEATHER_VALUES)))
        known = np.isfinite(values)
        np.add.at(sums, day, np.where(known, values, 0.0))
        np.add.at(counts, day, known)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = _fill_circular(_circular_sum(sums) / _circular_sum(counts))
        dates = pd.date_range(first, last, freq="D")
        part = pd.DataFrame(mean[_day_of_year(dates)], columns=WEATHER_VALUES)
        part.insert(0, "date", dates)
        part.insert(0, "station_id", str(station))
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=OBSERVED_COLUMNS)
    return pd.concat(parts, ignore_index=True)[OBSERVED_COLUMNS]


def _circular_sum(values: Array, half_window: int = CLIMATOLOGY_HALF_WINDOW_DAYS) -> Array:
    """Sum over each day of the year ± `half_window` days (rows: days, wrapping at year end)."""
    wrapped = np.concatenate([values[-half_window:], values, values[:half_window]])
    cumulative = np.concatenate([np.zeros((1, values.shape[1])), np.cumsum(wrapped, axis=0)])
    result: Array = cumulative[2 * half_window + 1 :] - cumulative[: -2 * half_window - 1]
    return result


def _fill_circular(values: Array) -> Array:
    """Days of the year without any past data (a station with less than a year of history)
    take the value interpolated between the nearest days with data, around the year's end."""
    out = values.copy()
    day = np.arange(values.shape[0])
    for j in range(values.shape[1]):
        known = np.isfinite(values[:, j])
        if known.any() and not known.all():
            out[:, j] = np.interp(day, day[known], values[known, j], period=values.shape[0])
    return out


def _day_of_year(dates: pd.DatetimeIndex) -> NDArray[np.int64]:
    """0-364, with 29 February as 28 February."""
    day = dates.dayofyear.to_numpy() - 1
    leap_after_feb = dates.is_leap_year & (dates.month > 2)
    shifted: NDArray[np.int64] = np.where(leap_after_feb | _is_feb_29(dates), day - 1, day)
    return shifted


def _is_feb_29(dates: pd.DatetimeIndex) -> NDArray[np.bool_]:
    result: NDArray[np.bool_] = np.asarray((dates.month == 2) & (dates.day == 29))
    return result


def season_end_dates(sources: SeasonSources, keys: pd.DataFrame) -> pd.DataFrame:
    """Per (field_id, season) of `keys`: sowing date, the first day of the FAO-56 late-season
    stage and the last day of the season, from the crop table's stage lengths (day 1 is the
    sowing day, as in the water balance)."""
    seasons = sources.seasons[["field_id", "season", "crop", "sowing_date"]].astype(
        {"season": np.int64}
    )
    crops = sources.crops.set_index("crop_id")
    out = keys[KEYS].astype({"season": np.int64}).merge(seasons, on=KEYS, how="left")
    stage = {name: out["crop"].map(crops[f"stage_{name}_days"]) for name in STAGES}
    to_late = stage["ini"] + stage["dev"] + stage["mid"]
    sowing = pd.to_datetime(out["sowing_date"])
    out["late_stage_from"] = sowing + pd.to_timedelta(to_late, unit="D")
    out["season_end"] = sowing + pd.to_timedelta(to_late + stage["late"] - 1, unit="D")
    return out[[*KEYS, "crop", "sowing_date", "late_stage_from", "season_end"]]


def projected_water_balance(
    sources: SeasonSources,
    raw_weather: pd.DataFrame,
    stations: pd.DataFrame,
    forecast: pd.DataFrame,
    requests: pd.DataFrame,
    params: WaterBalanceParameters | None = None,
    *,
    to_season_end: bool = True,
) -> pd.DataFrame:
    """The daily water balance of each request `(field_id, season, as_of)` from sowing over the
    forecast of its station and, with `to_season_end`, on over the station's climatology to the
    end of the season (`season_end_dates`). `is_forecast` marks the days after as_of,
    `beyond_forecast` the climatological days, `crop_stage` is the FAO-56 stage (0-3).

    `raw_weather` is the observed `weather.csv` table (extra columns such as reference ET are
    ignored), `forecast` a `forecast.csv` table. Nothing dated after a request's as_of is used
    except the forecast issued on or before it: observed weather, operations and harvest dates
    after as_of are dropped, and the climatology is made of the weather up to as_of.
    """
    requests = requests[["field_id", "season", "as_of"]].assign(
        as_of=lambda r: pd.to_datetime(r["as_of"]), season=lambda r: r["season"].astype(np.int64)
    )
    station_of = sources.fields.set_index("field_id")["station_id"]
    parts = []
    for as_of, group in requests.groupby("as_of"):
        day = pd.Timestamp(as_of)  # type: ignore[arg-type]
        calendar = season_end_dates(sources, group)
        history = raw_weather.loc[raw_weather["date"] <= day, OBSERVED_COLUMNS]
        # Reference ET only for the days the balance runs on (from the earliest sowing).
        first = calendar["sowing_date"].min()
        observed = history[history["date"] >= (first if pd.notna(first) else day)]
        issued = forecast[forecast["issued_date"] <= day] if not forecast.empty else forecast
        combined = weather_with_forecast(observed, issued) if not issued.empty else observed
        station = group["field_id"].map(station_of).to_numpy()
        last_day = combined.groupby("station_id")["date"].max()
        forecast_end = pd.Series(station).map(last_day).fillna(day).to_numpy()
        ends = np.maximum(forecast_end, day.to_datetime64())
        if to_season_end:
            season_end = calendar["season_end"].to_numpy()
            wanted = pd.Series(season_end).groupby(station).max()
            climate = climatological_weather(
                history, last_day + pd.Timedelta(days=1), wanted.reindex(last_day.index)
            )
            if not climate.empty:  # else every season ends within the forecast
                combined = pd.concat([combined, climate], ignore_index=True)
                reach = climate.groupby("station_id")["date"].max()
                reach_of_row = pd.to_datetime(pd.Series(station).map(reach))
                wanted_end = pd.Series(pd.to_datetime(season_end))
                covered = wanted_end.where(wanted_end <= reach_of_row, reach_of_row)  # NaT: none
                ends = np.where(covered.notna() & (covered > ends), covered, ends)
        # Forecast wind is at 2 m already; observed and climatological wind at the station's
        # anemometer height (`daily_reference_et` reads `is_forecast`).
        weather = daily_reference_et(combined, stations).drop(
            columns="is_forecast", errors="ignore"
        )
        seasons = sources.seasons.assign(
            harvest_date=sources.seasons["harvest_date"].where(
                sources.seasons["harvest_date"] <= day
            )
        )
        ahead = replace(
            sources,
            seasons=seasons,
            weather=weather,
            operations=sources.operations[sources.operations["date"] <= day],
            satellite=sources.satellite.iloc[0:0],
            sensors=sources.sensors[sources.sensors["date"] <= day],
        )
        projected = group.assign(as_of=ends)
        table = water_balance_table(ahead, projected, params)
        table = table.merge(calendar, on=KEYS, how="left")
        table["station_id"] = table["field_id"].map(station_of)
        table["forecast_end"] = table["station_id"].map(last_day).fillna(day)
        crops = sources.crops.set_index("crop_id")
        day_number = (table["date"] - pd.to_datetime(table["sowing_date"])).dt.days + 1
        table = table.assign(
            advice_date=day,
            is_forecast=table["date"] > day,
            beyond_forecast=table["date"] > table["forecast_end"],
            crop_stage=crop_stage(
                day_number.to_numpy(),
                table["crop"].map(crops["stage_ini_days"]).to_numpy(),
                table["crop"].map(crops["stage_dev_days"]).to_numpy(),
                table["crop"].map(crops["stage_mid_days"]).to_numpy(),
            ),
        )
        parts.append(table.drop(columns=["as_of", "crop", "sowing_date", "forecast_end"]))
    columns = [
        "field_id",
        "season",
        "station_id",
        "advice_date",
        "date",
        "is_forecast",
        "beyond_forecast",
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    result = pd.concat(parts, ignore_index=True)
    return result[columns + [c for c in result.columns if c not in columns]]


def weather_scenarios(
    raw_weather: pd.DataFrame,
    stations: pd.DataFrame,
    balance: pd.DataFrame,
    curve_number: float = WaterBalanceParameters().curve_number,
    max_years: int = MAX_SCENARIO_YEARS,
) -> pd.DataFrame:
    """The station's past years as scenarios for the days of `balance` beyond the forecast:
    scenario k is the observed weather of the same days k years earlier (up to `max_years`, and
    only when it covers at least `MIN_SCENARIO_COVERAGE` of those days). Rows: station_id, date,
    scenario (k), eto_mm (FAO-56 reference ET of that day) and rain_in_mm (rain net of the
    SCS runoff at `curve_number`, as the balance counts it).

    `balance` is a `projected_water_balance` table (station_id, advice_date, date,
    beyond_forecast); only observed weather up to each advice date is used.
    """
    columns = ["station_id", "date", "scenario", "eto_mm", "rain_in_mm"]
    beyond = balance.loc[balance["beyond_forecast"].astype(bool)]
    if beyond.empty:
        return pd.DataFrame(columns=columns)
    parts = []
    for advice_date, rows in beyond.groupby("advice_date"):
        day = pd.Timestamp(advice_date)  # type: ignore[arg-type]
        history = raw_weather[raw_weather["date"] <= day]
        if "eto_mm" not in history:
            history = daily_reference_et(history[OBSERVED_COLUMNS], stations)
        observed = history.set_index(["station_id", "date"])
        wanted = rows[["station_id", "date"]].drop_duplicates()
        for years_back in range(1, max_years + 1):
            source = wanted["date"] - pd.DateOffset(years=years_back)
            found = observed.reindex(pd.MultiIndex.from_arrays([wanted["station_id"], source]))
            known = found["eto_mm"].notna().to_numpy() & found["precip_mm"].notna().to_numpy()
            if source.max() < history["date"].min():
                break  # the history starts later
            if known.mean() < MIN_SCENARIO_COVERAGE:
                continue
            precip = found["precip_mm"].to_numpy(dtype=np.float64)[known]
            parts.append(
                pd.DataFrame(
                    {
                        "station_id": wanted["station_id"].to_numpy()[known],
                        "date": wanted["date"].to_numpy()[known],
                        "scenario": years_back,
                        "eto_mm": found["eto_mm"].to_numpy(dtype=np.float64)[known],
                        "rain_in_mm": precip - runoff_mm(precip, curve_number),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


@dataclass(frozen=True)
class _Grid:
    """A projected balance as (field-season, day) arrays, days from sowing, NaN-padded."""

    keys: pd.DataFrame  # field_id, season, in grid order
    station: NDArray[np.object_]
    date: NDArray[np.datetime64]
    valid: NDArray[np.bool_]
    dr: Array
    raw: Array
    taw: Array
    kc: Array
    etc: Array
    etc_adj: Array
    water_in: Array  # rain net of runoff, plus the balance's (net) irrigation
    rain_in: Array  # rain net of runoff
    stage: Array
    beyond: NDArray[np.bool_]  # days after the forecast
    advice: NDArray[np.int64]  # position of the advice date (first day on or after it)
    length: NDArray[np.int64]

    @classmethod
    def of(cls, balance: pd.DataFrame) -> _Grid:
        data = balance.sort_values([*KEYS, "date"], ignore_index=True)
        groups = data.groupby(KEYS, sort=True)
        row = groups.ngroup().to_numpy()
        position = groups.cumcount().to_numpy()
        keys = groups.size().index.to_frame(index=False)
        shape = (len(keys), int(position.max(initial=-1)) + 1)

        def grid(values: ArrayLike, fill: float = np.nan) -> Array:
            out = np.full(shape, fill)
            out[row, position] = np.asarray(values, dtype=np.float64)
            return out

        def column(name: str, default: float) -> Array:
            values = data[name] if name in data else pd.Series(default, index=data.index)
            return grid(values.astype(np.float64).fillna(default).to_numpy(), default)

        date = np.full(shape, np.datetime64("NaT"), dtype="datetime64[ns]")
        date[row, position] = pd.to_datetime(data["date"]).to_numpy()
        valid = np.zeros(shape, dtype=bool)
        valid[row, position] = True
        rain_in = column("rain_mm", 0.0) - column("runoff_mm", 0.0)
        advice_date = pd.to_datetime(groups["advice_date"].first()).to_numpy()
        station = (
            groups["station_id"].first().to_numpy(dtype=object)
            if "station_id" in data
            else np.full(len(keys), "", dtype=object)
        )
        etc = column("etc_mm", 0.0)
        return cls(
            keys=keys,
            station=station,
            date=date,
            valid=valid,
            dr=grid(data["dr_mm"]),
            raw=grid(data["raw_mm"]),
            taw=grid(data["taw_mm"]),
            kc=column("kc", np.nan),
            etc=etc,
            etc_adj=column("etc_adj_mm", 0.0),
            water_in=rain_in + column("irrigation_mm", 0.0),
            rain_in=rain_in,
            stage=column("crop_stage", 0.0),
            beyond=valid & (column("beyond_forecast", 0.0) > 0),
            advice=(date < advice_date[:, None]).sum(axis=1),
            length=valid.sum(axis=1),
        )

    def weather(self, scenarios: pd.DataFrame | None) -> list[tuple[Array, Array]]:
        """(ETc, water in) per weather scenario: the balance's own days, with each scenario's
        reference ET (times the day's Kc) and rain on the days beyond the forecast; days a
        scenario lacks keep the balance's climatological values. Without scenarios, the
        balance's own."""
        own = (self.etc, self.water_in)
        if scenarios is None or scenarios.empty or not self.beyond.any():
            return [own]
        day = self.date.astype("datetime64[D]").astype(np.int64)
        dates = pd.to_datetime(scenarios["date"]).to_numpy().astype("datetime64[D]")
        first, last = int(dates.min().astype(np.int64)), int(dates.max().astype(np.int64))
        stations = pd.Index(pd.unique(scenarios["station_id"]))
        code = stations.get_indexer(pd.Index(self.station))
        offset = day - first
        inside = self.beyond & (code[:, None] >= 0) & (offset >= 0) & (offset <= last - first)
        cell_station = np.broadcast_to(np.maximum(code, 0)[:, None], offset.shape)
        cell_day = np.clip(offset, 0, last - first)
        out = []
        for _, rows in scenarios.groupby("scenario", sort=True):
            eto = np.full((len(stations), last - first + 1), np.nan)
            rain = np.full_like(eto, np.nan)
            at_station = stations.get_indexer(pd.Index(rows["station_id"]))
            at_day = (
                pd.to_datetime(rows["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
                - first
            )
            eto[at_station, at_day] = rows["eto_mm"].to_numpy(dtype=np.float64)
            rain[at_station, at_day] = rows["rain_in_mm"].to_numpy(dtype=np.float64)
            cell_eto = np.where(inside, eto[cell_station, cell_day], np.nan)
            cell_rain = np.where(inside, rain[cell_station, cell_day], np.nan)
            use = np.isfinite(cell_eto) & np.isfinite(cell_rain) & np.isfinite(self.kc)
            out.append(
                (
                    np.where(use, self.kc * cell_eto, self.etc),
                    np.where(use, cell_rain, self.water_in),
                )
            )
        return out


def _run_ahead(
    grid: _Grid,
    weather: tuple[Array, Array],
    start: NDArray[np.int64],
    dr_start: Array,
    policy: tuple[NDArray[np.bool_], IrrigationSettings, Array] | None = None,
) -> tuple[Array, Array]:
    """The FAO-56 bucket of `pipelines.agronomy.waterbalance.run_soil_water_balance` (eqs. 84-86
    and 88, without probes) continued from each row's end-of-day depletion `dr_start` on day
    `start` to the row's last day, with `weather` (ETc, water in) and the balance's TAW and RAW.
    Returns the sum of ETc adj over those days and the net irrigation applied by `policy` (an
    `allowed` mask per day, the settings and the gross depth per pass per row: on an allowed day
    whose end-of-day depletion reaches RAW, one pass refills towards the target). Rows with start
    −1 get 0."""
    etc, water_in = weather
    n, width = grid.dr.shape
    rows = np.arange(n)
    active = start >= 0
    dr = np.where(active, dr_start, 0.0)
    eta = np.zeros(n)
    applied = np.zeros(n)

    def apply(day: NDArray[np.int64], on: NDArray[np.bool_], dr: Array) -> Array:
        if policy is None:
            return np.zeros(n)
        allowed, settings, per_pass = policy
        safe = np.clip(day, 0, width - 1)
        raw = grid.raw[rows, safe]
        need = dr - settings.refill_fraction_of_raw * raw
        net = np.minimum(need, per_pass * settings.application_efficiency)
        gross = net / settings.application_efficiency
        fire = on & allowed[rows, safe] & (dr >= raw) & (gross >= MIN_APPLICATION_MM)
        return np.where(fire, net, 0.0)

    first = apply(start, active, dr)
    dr, applied = dr - first, applied + first
    for k in range(1, width):
        day = start + k
        on = active & (day < grid.length)
        if not on.any():
            break
        safe = np.clip(day, 0, width - 1)
        taw, raw = grid.taw[rows, safe], grid.raw[rows, safe]
        dr = np.where(on, np.minimum(dr, taw), dr)  # the root zone may have grown
        with np.errstate(invalid="ignore", divide="ignore"):
            ks = np.where(dr <= raw, 1.0, np.clip((taw - dr) / (taw - raw), 0.0, 1.0))
        etc_adj = np.minimum(ks * etc[rows, safe], taw - dr)
        after = np.maximum(dr + etc_adj - water_in[rows, safe], 0.0)
        irrigation = apply(day, on, after)
        eta += np.where(on, etc_adj, 0.0)
        applied += irrigation
        dr = np.where(on, after - irrigation, dr)
    return eta, applied


def _context(keys: pd.DataFrame, context: pd.DataFrame | None) -> pd.DataFrame:
    """The per field-season inputs of the plan, aligned with `keys`, with defaults."""
    out = keys.copy()
    if context is not None:
        extra = [c for c in context.columns if c not in KEYS]
        if "season" in context:
            context = context.astype({"season": np.int64})
            out = out.astype({"season": np.int64}).merge(
                context[[*KEYS, *extra]], on=KEYS, how="left"
            )
        else:  # per field only
            out = out.merge(context[["field_id", *extra]], on="field_id", how="left")
    defaults: dict[str, bool | float] = {
        "irrigated": True,
        "expected_yield_t_ha": np.nan,
        "ky_season": 1.0,
        "grain_price_eur_t": np.nan,
        "irrigation_max_mm": np.nan,
        "trigger_depletion_fraction": np.nan,
    }
    for name, value in defaults.items():
        out[name] = out[name].fillna(value) if name in out else value
    out["irrigated"] = out["irrigated"].astype(bool)
    return out


def _mean_stake(
    grid: _Grid,
    scenarios: pd.DataFrame | None,
    start: NDArray[np.int64],
    eta_so_far: Array,
    dr_without: Array,
    dr_with: Array | None,
    ym: Array,
    ky: Array,
    policy: tuple[NDArray[np.bool_], IrrigationSettings, Array] | None = None,
) -> tuple[Array, Array, Array, Array]:
    """FAO-33 yield at stake averaged over the weather scenarios: per row, the mean over
    scenarios of Ym Ky (ETa with − ETa without) / ETm, the season's sums; also the mean net
    irrigation `policy` applied and the mean ETa/ETm without and with."""
    position = np.arange(grid.dr.shape[1])[None, :]
    after = grid.valid & (position > start[:, None])
    stakes, applied, ratio_without, ratio_with = [], [], [], []
    for etc, water_in in grid.weather(scenarios):
        # ETm over the season: the balance's days up to `start`, the scenario's after it.
        etm = np.where(grid.valid & ~after, grid.etc, 0.0).sum(axis=1)
        etm = etm + np.where(after, etc, 0.0).sum(axis=1)
        without, _ = _run_ahead(grid, (etc, water_in), start, dr_without)
        if dr_with is None:
            with_water, net = _run_ahead(grid, (etc, water_in), start, dr_without, policy)
        else:
            with_water, net = _run_ahead(grid, (etc, water_in), start, dr_with)
        eta_without, eta_with = eta_so_far + without, eta_so_far + with_water
        stakes.append(yield_at_stake_t_ha(ym, ky, eta_without, eta_with, etm))
        applied.append(net)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio_without.append(eta_without / etm)
            ratio_with.append(eta_with / etm)
    return (
        np.mean(stakes, axis=0),
        np.mean(applied, axis=0),
        np.mean(ratio_without, axis=0),
        np.mean(ratio_with, axis=0),
    )


def irrigation_plan(
    balance: pd.DataFrame,
    settings: IrrigationSettings,
    context: pd.DataFrame | None = None,
    scenarios: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (field_id, season) of a projected daily balance: whether, when and how much
    to irrigate, the yield at stake and a one-line reason (see the module docstring).

    `balance` has field_id, season, advice_date, date, dr_mm, raw_mm, taw_mm, etc_mm, etc_adj_mm,
    rain_mm and optionally runoff_mm, irrigation_mm (net), beyond_forecast, crop_stage, kc and
    station_id, from sowing to the end of the season (`projected_water_balance`). `context` has
    field_id (and season) with any of: `irrigated` (equipment; default True),
    `expected_yield_t_ha` (Ym; without it the yield at stake is unknown and not weighed against
    the water), `ky_season` (default 1), `grain_price_eur_t`, `irrigation_max_mm` (the field's
    system depth per pass; default the setting). `scenarios` (`weather_scenarios`) replace the
    climatological weather beyond the forecast by the station's past years: the yield at stake
    is then the mean over them.

    Columns: reaches_raw_date (NaT if not within the forecast), irrigation_date (NaT when none is
    advised), irrigation_mm (gross depth of the first application; 0 when none),
    irrigation_net_mm, irrigation_applications, irrigation_total_mm, forecast_rain_mm,
    projection_end (the last forecast day), depletion_mm and raw_mm (on the advice day),
    late_stage_from, yield_at_stake_t_ha, irrigation_value_eur_ha, irrigation_cost_eur_ha,
    irrigation_decision (`irrigate`, `no-trigger`, `late-stage`, `no-equipment`, `rain`,
    `not-worth`) and irrigation_reason.
    """
    grid = _Grid.of(balance)
    n = len(grid.keys)
    rows = np.arange(n)
    context_rows = _context(grid.keys, context)
    position = np.arange(grid.dr.shape[1])[None, :]
    window = grid.valid & ~grid.beyond & (position >= grid.advice[:, None])
    # The farm's own trigger where its records gave one (a share of TAW), else RAW.
    fraction = context_rows["trigger_depletion_fraction"].to_numpy(dtype=np.float64)
    calibrated = np.isfinite(fraction)
    threshold = np.where(calibrated[:, None], fraction[:, None] * grid.taw, grid.raw)
    reached = window & (grid.dr >= threshold)
    has_trigger = reached.any(axis=1)
    trigger = np.where(has_trigger, reached.argmax(axis=1), -1)
    at = np.maximum(trigger, 0)
    advice_at = np.minimum(grid.advice, grid.length - 1)
    last_window = np.where(window.any(axis=1), _last(window), advice_at)
    in_late = (grid.stage >= LATE_STAGE) & grid.valid
    late_from = np.where(
        in_late.any(axis=1), grid.date[rows, in_late.argmax(axis=1)], np.datetime64("NaT")
    )

    dr_trigger, raw_trigger = grid.dr[rows, at], grid.raw[rows, at]
    threshold_trigger = threshold[rows, at]
    rain_window = (
        window & (position >= at[:, None]) & (position <= at[:, None] + settings.rain_window_days)
    )
    window_rain = np.where(rain_window, grid.rain_in, 0.0).sum(axis=1)
    window_end = grid.date[rows, np.where(rain_window.any(axis=1), _last(rain_window), at)]
    target = settings.refill_fraction_of_raw * raw_trigger
    need_net = np.maximum(dr_trigger - target, 0.0)
    gross_total = np.maximum(need_net - window_rain, 0.0) / settings.application_efficiency
    per_pass = (
        context_rows["irrigation_max_mm"]
        .fillna(settings.max_application_mm)
        .to_numpy(dtype=np.float64)
    )
    applications = np.maximum(np.ceil(gross_total / per_pass - 1e-9), 1.0)
    first_gross = gross_total / applications
    first_net = first_gross * settings.application_efficiency

    late = has_trigger & (grid.stage[rows, at] >= LATE_STAGE)
    equipped = context_rows["irrigated"].to_numpy(dtype=bool)
    covered = gross_total < MIN_APPLICATION_MM

    # FAO-33 over the season: the same ETa up to the trigger day, then with and without the
    # first application on it.
    eta_so_far = np.where(grid.valid & (position <= at[:, None]), grid.etc_adj, 0.0).sum(axis=1)
    ym = context_rows["expected_yield_t_ha"].to_numpy(dtype=np.float64)
    ky = context_rows["ky_season"].to_numpy(dtype=np.float64)
    stake, _, _, _ = _mean_stake(
        grid,
        scenarios,
        np.where(has_trigger, trigger, -1),
        eta_so_far,
        dr_trigger,
        np.maximum(dr_trigger - first_net, 0.0),
        ym,
        ky,
    )
    stake = np.where(np.isfinite(ym), stake, np.nan)
    price = context_rows["grain_price_eur_t"].to_numpy(dtype=np.float64)
    value = stake * price
    cost = first_gross * settings.cost_eur_per_mm_ha
    known = np.isfinite(stake)
    worth = ~known | (
        (stake >= settings.min_yield_at_stake_t_ha) & ~(np.isfinite(price) & (value < cost))
    )

    decision = np.select(
        [~has_trigger, late, ~equipped, covered, ~worth],
        ["no-trigger", "late-stage", "no-equipment", "rain", "not-worth"],
        "irrigate",
    )
    irrigate = decision == "irrigate"
    evaluated = irrigate | (decision == "not-worth")
    efficiency = f"{settings.application_efficiency:.0%}"
    day = pd.DatetimeIndex(grid.date[rows, at])
    reasons = []
    for i in range(n):
        trigger_day = f"{day[i]:%Y-%m-%d}"
        fao33 = (
            f"{stake[i]:.2f} t/ha at stake by FAO-33, 1 − Ya/Ym = Ky (1 − ETa/ETm), with Ky "
            f"{ky[i]:.2f}, Ym {ym[i]:.1f} t/ha and the season's ETa with and without it"
            if known[i]
            else "yield at stake unknown (no yield forecast)"
        )
        money = (
            f", worth {value[i]:.0f} EUR/ha for {cost[i]:.0f} EUR/ha of water"
            if known[i] and np.isfinite(price[i])
            else ""
        )
        level = (
            f"the depletion at which this field is irrigated ({fraction[i]:.0%} of its "
            "available water, from the cooperative's irrigation records)"
            if calibrated[i]
            else "readily available water"
        )
        if decision[i] == "no-trigger":
            end = last_window[i]
            reasons.append(
                f"root zone stays above {level} through "
                f"{pd.Timestamp(grid.date[i, end]):%Y-%m-%d} (depletion {grid.dr[i, end]:.0f} "
                f"of {threshold[i, end]:.0f} mm allowed)"
            )
        elif decision[i] == "late-stage":
            reasons.append(
                f"reaches {level} on {trigger_day}, but the crop is in its "
                f"late-season stage (from {pd.Timestamp(late_from[i]):%Y-%m-%d}): no irrigation "
                "so close to maturity"
            )
        elif decision[i] == "no-equipment":
            reasons.append(
                f"reaches {level} on {trigger_day} ({dr_trigger[i]:.0f} mm "
                "depleted); no irrigation equipment on this field"
            )
        elif decision[i] == "rain":
            reasons.append(
                f"reaches {level} on {trigger_day}, but forecast rain of "
                f"{window_rain[i]:.0f} mm by {pd.Timestamp(window_end[i]):%Y-%m-%d} covers the "
                f"{need_net[i]:.0f} mm needed to refill the root zone to {target[i]:.0f} mm "
                "depleted"
            )
        elif decision[i] == "not-worth":
            below = (
                f"less than the {settings.min_yield_at_stake_t_ha:.2f} t/ha minimum"
                if stake[i] < settings.min_yield_at_stake_t_ha
                else "less than the water costs"
            )
            reasons.append(
                f"reaches {level} on {trigger_day}, but {first_gross[i]:.0f} mm "
                f"is not worth it: {fao33}{money}, {below}"
            )
        else:
            passes = int(applications[i])
            plan_text = (
                f"the first of {passes} applications of {first_gross[i]:.0f} mm "
                f"({gross_total[i]:.0f} mm in all, at most {per_pass[i]:.0f} mm per pass)"
                if passes > 1
                else "one application"
            )
            reasons.append(
                f"irrigate {first_gross[i]:.0f} mm by {trigger_day}, {plan_text}: the root zone "
                f"reaches {level} ({dr_trigger[i]:.0f} mm depleted, "
                f"{threshold_trigger[i]:.0f} mm allowed); refill to {target[i]:.0f} mm depleted, "
                f"leaving room for rain, at {efficiency} efficiency; {fao33}{money}"
            )
    nat = np.datetime64("NaT")
    return pd.DataFrame(
        {
            "field_id": grid.keys["field_id"].to_numpy(),
            "season": grid.keys["season"].to_numpy(),
            "reaches_raw_date": pd.to_datetime(np.where(has_trigger, grid.date[rows, at], nat)),
            "irrigation_date": pd.to_datetime(np.where(irrigate, grid.date[rows, at], nat)),
            "irrigation_mm": np.where(irrigate, first_gross, 0.0),
            "irrigation_net_mm": np.where(irrigate, first_net, 0.0),
            "irrigation_applications": np.where(irrigate, applications, 0.0).astype(np.int64),
            "irrigation_total_mm": np.where(irrigate, gross_total, 0.0),
            "forecast_rain_mm": np.where(
                has_trigger, window_rain, np.where(window, grid.rain_in, 0.0).sum(axis=1)
            ),
            "projection_end": pd.to_datetime(grid.date[rows, last_window]),
            "depletion_mm": grid.dr[rows, advice_at],
            "raw_mm": grid.raw[rows, advice_at],
            "late_stage_from": pd.to_datetime(late_from),
            "yield_at_stake_t_ha": np.where(evaluated, stake, 0.0),
            "irrigation_value_eur_ha": np.where(evaluated, value, np.nan),
            "irrigation_cost_eur_ha": np.where(evaluated, cost, np.nan),
            "irrigation_decision": decision,
            "irrigation_reason": reasons,
        }
    )


def _last(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Per row, the position of the last True (0 for a row without any)."""
    last: NDArray[np.int64] = mask.shape[1] - 1 - mask[:, ::-1].argmax(axis=1)
    return np.where(mask.any(axis=1), last, 0)


def season_irrigation_value(
    balance: pd.DataFrame,
    settings: IrrigationSettings,
    context: pd.DataFrame | None = None,
    scenarios: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What irrigation is worth over the rest of the season, per (field_id, season): the
    projected balance run on from the advice date without irrigation and with the plan's rules
    as a policy (on every day before the late-season stage whose depletion reaches RAW, one
    pass of at most the system depth refills towards the target; no rain window), and FAO-33's
    yield difference between the two over the season, averaged over the weather `scenarios`.

    Same inputs as `irrigation_plan` (equipment is ignored: this is what irrigation would be
    worth). Columns: field_id, season, irrigation_mm (gross over the rest of the season, mean
    over the scenarios), eta_etm_without, eta_etm_with (the season's ETa/ETm) and
    yield_at_stake_t_ha.
    """
    grid = _Grid.of(balance)
    rows = np.arange(len(grid.keys))
    context_rows = _context(grid.keys, context)
    start = np.minimum(grid.advice, grid.length - 1)
    position = np.arange(grid.dr.shape[1])[None, :]
    eta_so_far = np.where(grid.valid & (position <= start[:, None]), grid.etc_adj, 0.0).sum(axis=1)
    per_pass = context_rows["irrigation_max_mm"].fillna(settings.max_application_mm)
    allowed = grid.valid & (grid.stage < LATE_STAGE)
    stake, net, without, with_water = _mean_stake(
        grid,
        scenarios,
        start,
        eta_so_far,
        grid.dr[rows, start],
        None,
        context_rows["expected_yield_t_ha"].to_numpy(dtype=np.float64),
        context_rows["ky_season"].to_numpy(dtype=np.float64),
        (allowed, settings, per_pass.to_numpy(dtype=np.float64)),
    )
    return pd.DataFrame(
        {
            "field_id": grid.keys["field_id"].to_numpy(),
            "season": grid.keys["season"].to_numpy(),
            "irrigation_mm": net / settings.application_efficiency,
            "eta_etm_without": without,
            "eta_etm_with": with_water,
            "yield_at_stake_t_ha": stake,
        }
    )
