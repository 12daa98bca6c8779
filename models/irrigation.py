"""Irrigation: when will each field reach its readily available water, how much to apply, and
what yield is at stake.

The FAO-56 water balance of `pipelines.agronomy.waterbalance` (Allen et al. 1998, ch. 8) runs from
sowing
over the observed weather up to the advice date and on over the forecast days
(`projected_water_balance`). `irrigation_plan` then reads the projection:

- the **trigger day** is the first day, from the advice date on, whose end-of-day root-zone
  depletion Dr reaches the readily available water RAW = p TAW (FAO-56 eq. 83): the day the crop
  starts to be stressed (Ks < 1, eq. 84) without water;
- the **amount** refills the root zone to field capacity: the net depth is Dr on that day
  (FAO-56 ch. 8, "irrigation scheduling"), the gross depth is net / application efficiency;
- the irrigation is **skipped** when the forecast rain (net of runoff) from the trigger day
  through the next `rain_window_days` days covers the net depth (the field is refilled anyway);
- a field that stays below RAW through the last forecast day gets no irrigation.

The yield at stake (`yield_at_stake`) is the yield model's response to the recommended gross
amount: its prediction with that much more irrigation to date minus its prediction without.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from models.yield_model import IRRIGATION_TO_DATE, YieldModel, predict_with
from pipelines.agronomy.season_grid import SeasonSources
from pipelines.agronomy.waterbalance import WaterBalanceParameters, water_balance_table
from pipelines.agronomy.weather import daily_reference_et
from pipelines.sources.forecast import FORECAST_COLUMN_NAMES, weather_with_forecast

# The observed weather the projection starts from: the weather.csv values (reference ET is
# recomputed over observed and forecast days together).
OBSERVED_COLUMNS = [name for name in FORECAST_COLUMN_NAMES if name != "issued_date"]


@dataclass(frozen=True)
class IrrigationSettings:
    """`application_efficiency`: share of the gross application that reaches the root zone
    (about 0.75 for sprinklers and reel guns in the FAO irrigation water management training
    manuals; the default of the water balance for past irrigations too). `rain_window_days`:
    forecast rain on the trigger day and this many days after it counts towards the deficit."""

    application_efficiency: float = 0.75
    rain_window_days: int = 3

    def __post_init__(self) -> None:
        if not 0.0 < self.application_efficiency <= 1.0:
            raise ValueError("application_efficiency is a fraction (0.75, not 75)")
        if self.rain_window_days < 0:
            raise ValueError("rain_window_days must not be negative")


def projected_water_balance(
    sources: SeasonSources,
    raw_weather: pd.DataFrame,
    stations: pd.DataFrame,
    forecast: pd.DataFrame,
    requests: pd.DataFrame,
    params: WaterBalanceParameters | None = None,
) -> pd.DataFrame:
    """The daily water balance of each request `(field_id, season, as_of)` from sowing to the
    last forecast day of its station, with `is_forecast` marking the days after as_of.

    `raw_weather` is the observed `weather.csv` table (extra columns such as reference ET are
    ignored), `forecast` a `forecast.csv` table. Nothing dated after a request's as_of is used
    except the forecast issued on or before it: observed weather and operations after as_of are
    dropped.
    """
    requests = requests[["field_id", "season", "as_of"]].assign(
        as_of=lambda r: pd.to_datetime(r["as_of"])
    )
    sowing = sources.seasons.set_index(["field_id", "season"])["sowing_date"]
    parts = []
    for as_of, group in requests.groupby("as_of"):
        day = pd.Timestamp(as_of)  # type: ignore[arg-type]
        # Reference ET only for the days the balance runs on (from the earliest sowing).
        first = sowing.reindex(pd.MultiIndex.from_frame(group[["field_id", "season"]])).min()
        since = raw_weather["date"] >= (first if pd.notna(first) else day)
        observed = raw_weather.loc[since & (raw_weather["date"] <= day), OBSERVED_COLUMNS]
        issued = forecast[forecast["issued_date"] <= day] if not forecast.empty else forecast
        combined = weather_with_forecast(observed, issued) if not issued.empty else observed
        weather = daily_reference_et(
            combined.drop(columns="is_forecast", errors="ignore"), stations
        )
        last_day = weather.groupby("station_id")["date"].max()
        station = group["field_id"].map(sources.fields.set_index("field_id")["station_id"])
        ends = station.map(last_day).fillna(day)
        ahead = replace(
            sources,
            weather=weather,
            operations=sources.operations[sources.operations["date"] <= day],
            satellite=sources.satellite.iloc[0:0],
            sensors=sources.sensors[sources.sensors["date"] <= day],
        )
        projected = group.assign(as_of=np.maximum(ends.to_numpy(), day.to_datetime64()))
        table = water_balance_table(ahead, projected, params)
        table = table.assign(advice_date=day, is_forecast=table["date"] > day)
        parts.append(table.drop(columns="as_of"))
    columns = ["field_id", "season", "advice_date", "date", "is_forecast"]
    if not parts:
        return pd.DataFrame(columns=columns)
    result = pd.concat(parts, ignore_index=True)
    return result[columns + [c for c in result.columns if c not in columns]]


def irrigation_plan(
    balance: pd.DataFrame, settings: IrrigationSettings, irrigated: pd.Series | None = None
) -> pd.DataFrame:
    """One row per (field_id, season) of a projected daily balance: the trigger day, net and
    gross millimetres, the forecast rain that decided a skip, and a one-line reason.

    `balance` has field_id, season, advice_date, date, dr_mm, raw_mm, rain_mm and optionally
    runoff_mm (days from sowing; only days on or after advice_date are read; rain counts net of
    runoff). `irrigated` (indexed by field_id) says which fields have irrigation equipment;
    without it every field is taken to have it. Columns: reaches_raw_date (NaT if not within the
    projection), irrigation_date (NaT when no irrigation is advised), irrigation_net_mm,
    irrigation_mm (gross; 0 when none), forecast_rain_mm, projection_end, irrigation_reason.
    """
    ahead = balance.loc[balance["date"] >= balance["advice_date"]].sort_values(
        ["field_id", "season", "date"], ignore_index=True
    )
    # Rain that enters the soil: the balance's surface runoff (SCS curve number) does not.
    rain = ahead["rain_mm"].fillna(0.0)
    if "runoff_mm" in ahead:
        rain = rain - ahead["runoff_mm"].fillna(0.0)
    keys = ["field_id", "season"]
    group = ahead.groupby(keys, sort=True)
    position = group.cumcount()
    reached = ahead["dr_mm"] >= ahead["raw_mm"]
    first = (
        position.where(reached).groupby([ahead["field_id"], ahead["season"]]).min()
    )  # NaN: never within the projection
    plan = group.agg(
        projection_end=("date", "max"),
        depletion_now_mm=("dr_mm", "first"),
        raw_now_mm=("raw_mm", "first"),
        last_dr_mm=("dr_mm", "last"),
        last_raw_mm=("raw_mm", "last"),
    )
    plan["total_rain_mm"] = rain.groupby([ahead["field_id"], ahead["season"]]).sum()
    plan["first"] = first
    trigger_rows = ahead.assign(position=position, rain=rain).merge(
        plan[["first"]].reset_index(), on=keys
    )
    at_trigger = trigger_rows[trigger_rows["position"] == trigger_rows["first"]].set_index(keys)
    in_window = (trigger_rows["position"] >= trigger_rows["first"]) & (
        trigger_rows["position"] <= trigger_rows["first"] + settings.rain_window_days
    )
    window = trigger_rows[in_window].groupby(keys)
    plan["reaches_raw_date"] = at_trigger["date"]
    plan["net_mm"] = at_trigger["dr_mm"]
    plan["raw_at_trigger_mm"] = at_trigger["raw_mm"]
    plan["window_rain_mm"] = window["rain"].sum()
    plan["window_end"] = window["date"].max()
    plan = plan.reset_index()

    has_trigger = plan["reaches_raw_date"].notna()
    covered = has_trigger & (plan["window_rain_mm"] >= plan["net_mm"])
    equipped = (
        pd.Series(True, index=plan.index)
        if irrigated is None
        else plan["field_id"].map(irrigated).eq(True)
    )
    irrigate = has_trigger & ~covered & equipped
    gross = plan["net_mm"] / settings.application_efficiency
    efficiency = f"{settings.application_efficiency:.0%}"
    reasons = []
    for row, covers, equipment in zip(
        plan.to_dict(orient="records"), covered.tolist(), equipped.tolist(), strict=True
    ):
        trigger, net = row["reaches_raw_date"], row["net_mm"]
        if pd.isna(trigger):
            reasons.append(
                "root zone stays above readily available water through "
                f"{row['projection_end']:%Y-%m-%d} (depletion {row['last_dr_mm']:.0f} of "
                f"{row['last_raw_mm']:.0f} mm allowed)"
            )
        elif covers:
            reasons.append(
                f"reaches readily available water on {trigger:%Y-%m-%d}, but forecast rain of "
                f"{row['window_rain_mm']:.0f} mm by {row['window_end']:%Y-%m-%d} covers the "
                f"{net:.0f} mm deficit"
            )
        elif not equipment:
            reasons.append(
                f"reaches readily available water on {trigger:%Y-%m-%d} ({net:.0f} mm "
                "deficit); no irrigation equipment on this field"
            )
        else:
            reasons.append(
                f"irrigate {net / settings.application_efficiency:.0f} mm by "
                f"{trigger:%Y-%m-%d}: the root zone reaches readily available water "
                f"({net:.0f} mm depleted, {row['raw_at_trigger_mm']:.0f} mm allowed); refill to "
                f"field capacity at {efficiency} efficiency"
            )
    out = pd.DataFrame(
        {
            "field_id": plan["field_id"],
            "season": plan["season"],
            "reaches_raw_date": pd.to_datetime(plan["reaches_raw_date"]),
            "irrigation_date": pd.to_datetime(plan["reaches_raw_date"].where(irrigate)),
            "irrigation_net_mm": plan["net_mm"].where(irrigate, 0.0),
            "irrigation_mm": gross.where(irrigate, 0.0),
            "forecast_rain_mm": plan["window_rain_mm"].where(has_trigger, plan["total_rain_mm"]),
            "projection_end": pd.to_datetime(plan["projection_end"]),
            "depletion_mm": plan["depletion_now_mm"],
            "raw_mm": plan["raw_now_mm"],
            "irrigation_reason": reasons,
        }
    )
    return out


def yield_at_stake(
    model: YieldModel, features: pd.DataFrame, irrigation_mm: pd.Series | np.ndarray
) -> np.ndarray:
    """Yield model prediction with `irrigation_mm` more irrigation to date minus without
    (t/ha, ≥ 0 by the model's monotone constraint); 0 where no irrigation is advised."""
    extra = np.nan_to_num(np.asarray(irrigation_mm, dtype=np.float64))
    base = predict_with(model, features)
    watered = features.assign(
        **{IRRIGATION_TO_DATE: features[IRRIGATION_TO_DATE].fillna(0.0).to_numpy() + extra}
    )
    gain = np.where(extra > 0, predict_with(model, watered) - base, 0.0)
    result: np.ndarray = np.maximum(gain, 0.0)
    return result
