"""The numbers of the weekly report, per farm, from the advice table and the bundle's tables.

Every function here is pure: it receives tables and returns plain dataclasses or DataFrames; the
command line reads files and the renderer formats. Dates are naive calendar days.

The report of ISO week YYYY-Www covers Monday to Sunday of that week and is issued on the Monday
after it: the advice is computed as of that Monday (the day the weather forecast is issued), so
the actions are for the week that starts then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Cloud-free fraction above which a satellite observation counts as an image of the field.
CLOUD_FREE_MIN = 0.6
# Days without a usable image after which the NDVI is stale (Sentinel-2 revisits every 5 days;
# two missed passes in a row still leave 10 days).
SATELLITE_GAP_DAYS = 10
# Window (days) of past-season NDVI compared at the same days after sowing.
DAS_WINDOW_DAYS = 7
# NDVI against the field's own past seasons, percent: class limits (same spirit as the USDA
# condition classes, with the field's history as the reference).
CONDITION_CLASSES = ((5.0, "good"), (-5.0, "normal"), (-15.0, "below normal"))
CONDITION_POOR = "poor"
# A crop's condition is rated only once its canopy is established, judged from the field's own
# past seasons of the crop: at the same days after sowing their NDVI had reached at least this
# share of their seasonal peak (half-way up the NDVI rise, where the canopy starts to close).
# Before that, NDVI mostly measures bare soil and the emergence date, not the crop's state.
CANOPY_ESTABLISHED_SHARE = 0.5
CANOPY_NOT_ESTABLISHED = "too early: canopy not established"
# An NDVI difference smaller than this is noise, not a difference in the crop: Sentinel-2 field
# means of one crop and stage scatter by about 0.05 from image to image (atmosphere, view angle,
# residual cloud). Where past seasons scatter more at the same days after sowing, their standard
# deviation is the noise instead.
NDVI_NOISE = 0.05
PAST_SEASONS = 5
# Days of weather on either side of the issue day: the observed week and the forecast's first
# week, so that rain and temperature compare like with like.
WEATHER_PERIOD_DAYS = 7


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 field", "2 fields", "0 fields"; `many` for irregular plurals."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class ReportWeek:
    """ISO week `label` (YYYY-Www): Monday `start` to Sunday `end`, issued the Monday after."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    issued: pd.Timestamp

    @property
    def previous(self) -> str:
        return (self.start - pd.Timedelta(days=7)).strftime("%G-W%V")


def parse_week(text: str) -> ReportWeek:
    """The `ReportWeek` of 'YYYY-Www' (ISO 8601 week); ValueError naming the format otherwise."""
    message = f"week {text!r} is not an ISO week; write YYYY-Www, e.g. 2026-W21"
    try:
        start = pd.Timestamp(pd.to_datetime(f"{text}-1", format="%G-W%V-%u"))
    except ValueError:
        raise ValueError(message) from None
    if start.strftime("%G-W%V") != text:
        raise ValueError(message)
    return ReportWeek(
        label=text,
        start=start,
        end=start + pd.Timedelta(days=6),
        issued=start + pd.Timedelta(days=7),
    )


def latest_week(reference: pd.Timestamp) -> ReportWeek:
    """The latest week whose report can be written from data that run to `reference`: its issue
    day (the Monday after it) is on or before `reference`. Not the calendar's current week,
    which has no data yet."""
    return parse_week(
        (pd.Timestamp(reference).normalize() - pd.Timedelta(days=7)).strftime("%G-W%V")
    )


def weeks_with_data(reference: pd.Timestamp, count: int) -> list[ReportWeek]:
    """The `count` latest weeks with data up to `reference`, newest first."""
    last = latest_week(reference)
    return [
        parse_week((last.start - pd.Timedelta(days=7 * k)).strftime("%G-W%V")) for k in range(count)
    ]


def week_problem(week: ReportWeek, reference: pd.Timestamp) -> str | None:
    """Why the report of `week` cannot be written from data that run to `reference`, or None."""
    if week.issued > reference:
        return (
            f"the report of {week.label} is issued on {week.issued:%Y-%m-%d}, after the day the "
            f"imported data run to ({reference:%Y-%m-%d}); pick {latest_week(reference).label} "
            "or an earlier week"
        )
    return None


@dataclass(frozen=True)
class FarmReport:
    farm_id: str
    farm_name: str
    cooperative_name: str
    week: ReportWeek
    freshness: pd.DataFrame  # source, last_date, days_old
    summary: str
    actions: pd.DataFrame  # field_id, crop, action, kind, reason, gain_t_ha
    weather: pd.DataFrame  # period, first, last, rain_mm, rain_normal_mm, temp_degc, ...
    condition: pd.DataFrame  # field_id, crop, ndvi, ndvi_past, ndvi_change_pct, condition
    # field_id, crop, p10, p50, p90, last_season, mean_5, change_week, source
    outlook: pd.DataFrame
    water: pd.DataFrame  # field_id, crop, reaches_raw_date, irrigation_mm, irrigation_date
    quality: pd.DataFrame  # field_id, problem, detail
    quality_note: str


# ----------------------------------------------------------------------------- actions


def _date(value: object) -> pd.Timestamp | None:
    if value is None or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return None if pd.isna(stamp) else stamp


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return out


def field_actions(advice: pd.DataFrame) -> pd.DataFrame:
    """One row per field and action: irrigate N mm by day; apply N kg/ha; scout for stress;
    nothing. `reason` is one line, `gain_t_ha` the expected gain (NaN where there is none)."""
    rows: list[dict[str, object]] = []
    for record in advice.to_dict(orient="records"):
        field, crop = str(record["field_id"]), record.get("crop")
        crop_text = str(crop) if isinstance(crop, str) else "–"
        status = str(record.get("status"))
        reasons = [r for r in str(record.get("reasons") or "").split(" | ") if r]
        found = False
        rate = _num(record.get("n_rate_now_kg_ha"))
        if status == "act" and rate > 0:
            total = _num(record.get("n_total_recommended_kg_ha"))
            applied = _num(record.get("n_applied_kg_ha"))
            rows.append(
                {
                    "field_id": field,
                    "crop": crop_text,
                    "kind": "nitrogen",
                    "action": f"apply {rate:.0f} kg N/ha",
                    "reason": f"{applied:.0f} kg N/ha applied so far; the season needs "
                    f"{total:.0f} kg N/ha in total",
                    "gain_t_ha": _num(record.get("n_expected_gain_t_ha")),
                }
            )
            found = True
        mm = _num(record.get("irrigation_mm"))
        if status == "act" and mm > 0:
            day = _date(record.get("irrigation_date"))
            raw = _date(record.get("reaches_raw_date"))
            by = f" by {day:%a %d %b}" if day is not None else ""
            why = (
                f"root zone reaches the readily available water limit on {raw:%a %d %b}"
                if raw is not None
                else "root zone short of water"
            )
            rows.append(
                {
                    "field_id": field,
                    "crop": crop_text,
                    "kind": "irrigation",
                    "action": f"irrigate {mm:.0f} mm{by}",
                    "reason": why,
                    "gain_t_ha": _num(record.get("irrigation_yield_at_stake_t_ha")),
                }
            )
            found = True
        if found:
            continue
        if status == "watch":
            rows.append(
                {
                    "field_id": field,
                    "crop": crop_text,
                    "kind": "scout",
                    "action": "scout for stress",
                    "reason": _watch_reason(reasons),
                    "gain_t_ha": float("nan"),
                }
            )
        else:
            reason = {
                "no-season": "no crop growing",
                "no-model": reasons[0] if reasons else "no model for this crop",
            }.get(status, "crop on track, no input pays this week")
            rows.append(
                {
                    "field_id": field,
                    "crop": crop_text,
                    "kind": "nothing",
                    "action": "nothing",
                    "reason": reason,
                    "gain_t_ha": float("nan"),
                }
            )
    order = {"irrigation": 0, "nitrogen": 1, "scout": 2, "nothing": 3}
    frame = pd.DataFrame(
        rows, columns=["field_id", "crop", "kind", "action", "reason", "gain_t_ha"]
    )
    frame["_order"] = frame["kind"].map(order)
    return (
        frame.sort_values(["_order", "field_id"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _watch_reason(reasons: list[str]) -> str:
    """The reason of a `watch` in plain words: the forecast against the field's past, or the
    water note."""
    for reason in reasons:
        found = re.search(
            r"yield forecast ([\d.]+) t/ha .*?, ([+-]\d+) % against the field's past ([\d.]+) t/ha",
            reason,
        )
        if found:
            p50, change, past = found.groups()
            return (
                f"forecast {p50} t/ha is {abs(int(change))} % below this field's usual "
                f"{past} t/ha: walk the field and look for the cause"
            )
    return reasons[-1] if reasons else "walk the field and look for stress"


# ----------------------------------------------------------------------------- weather


def _normal(weather: pd.DataFrame, days: pd.DatetimeIndex, before_year: int) -> pd.DataFrame:
    """Per past year, the totals over the same calendar days as `days`."""
    keys = set(zip(days.month, days.day, strict=True))
    past = weather[weather["date"].dt.year < before_year]
    mask = [(m, d) in keys for m, d in zip(past["date"].dt.month, past["date"].dt.day, strict=True)]
    chosen = past[np.asarray(mask, dtype=bool)]
    # A window crossing New Year belongs to the year of its first day.
    return chosen.groupby(chosen["date"].dt.year).agg(
        rain_mm=("precip_mm", "sum"), temp_degc=("temp_degc", "mean"), n=("date", "size")
    )


def weather_summary(
    weather: pd.DataFrame, forecast: pd.DataFrame, station_id: str, week: ReportWeek
) -> pd.DataFrame:
    """The observed week and the first `WEATHER_PERIOD_DAYS` days of the latest forecast issued
    by `week.issued` (from the issue day on), against normal: the station's mean over past years
    of the same calendar days. Each row's `first` and `last` say its days, so a shorter
    forecast is named as such."""
    obs = weather[weather["station_id"] == station_id].copy()
    obs["temp_degc"] = (obs["tmin_degc"] + obs["tmax_degc"]) / 2.0
    rows = []
    past_days = pd.date_range(week.start, week.end)
    past = obs[obs["date"].between(week.start, week.end)]
    rows.append(_period(f"past {WEATHER_PERIOD_DAYS} days (observed)", past, obs, past_days, week))
    fc = forecast[(forecast["station_id"] == station_id) & (forecast["issued_date"] <= week.issued)]
    if not fc.empty:
        fc = fc[fc["issued_date"] == fc["issued_date"].max()]
        last_day = week.issued + pd.Timedelta(days=WEATHER_PERIOD_DAYS - 1)
        fc = fc[fc["date"].between(week.issued, last_day)].copy()
        fc["temp_degc"] = (fc["tmin_degc"] + fc["tmax_degc"]) / 2.0
    if fc.empty:
        rows.append(
            {
                "period": f"next {WEATHER_PERIOD_DAYS} days (forecast)",
                "first": None,
                "last": None,
                "rain_mm": float("nan"),
                "rain_normal_mm": float("nan"),
                "temp_degc": float("nan"),
                "temp_normal_degc": float("nan"),
            }
        )
    else:
        days = pd.DatetimeIndex(sorted(fc["date"].unique()))
        rows.append(_period(f"next {len(days)} days (forecast)", fc, obs, days, week))
    return pd.DataFrame(rows)


def _period(
    label: str, data: pd.DataFrame, obs: pd.DataFrame, days: pd.DatetimeIndex, week: ReportWeek
) -> dict[str, object]:
    normal = _normal(obs, days, week.start.year)
    complete = normal[normal["n"] == len(days)]
    return {
        "period": label,
        "first": days.min(),
        "last": days.max(),
        "rain_mm": float(data["precip_mm"].sum()) if not data.empty else float("nan"),
        "rain_normal_mm": float(complete["rain_mm"].mean()) if len(complete) else float("nan"),
        "temp_degc": float(data["temp_degc"].mean()) if not data.empty else float("nan"),
        "temp_normal_degc": float(complete["temp_degc"].mean()) if len(complete) else float("nan"),
    }


# ----------------------------------------------------------------------------- condition


def _usable(satellite: pd.DataFrame) -> pd.DataFrame:
    return satellite[
        (satellite["cloud_free_fraction"] >= CLOUD_FREE_MIN) & satellite["ndvi_mean"].notna()
    ]


def crop_condition(
    advice: pd.DataFrame, seasons: pd.DataFrame, satellite: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Per growing field: mean NDVI of the usable images of the last 14 days against the same
    field's past seasons of the same crop at the same days after sowing (±7 days).

    `canopy_share` is how far those past seasons were up their NDVI rise at these days (their
    NDVI then over their seasonal peak) and `ndvi_noise` the difference that counts as one (the
    larger of `NDVI_NOISE` and the past seasons' spread); `condition_class` rates the crop only
    from an established canopy and a difference above the noise."""
    usable = _usable(satellite[satellite["date"] <= as_of])
    rows = []
    for record in advice.to_dict(orient="records"):
        crop = record.get("crop")
        if not isinstance(crop, str):
            continue
        field, season = str(record["field_id"]), int(record["season"])
        own = seasons[seasons["field_id"] == field]
        current = own[own["season"] == season]
        images = usable[usable["field_id"] == field]
        recent = images[images["date"] > as_of - pd.Timedelta(days=14)]
        ndvi = past_ndvi = share = float("nan")
        noise = NDVI_NOISE
        if not current.empty and not recent.empty:
            sowing = pd.Timestamp(current["sowing_date"].iloc[0])
            ndvi = float(recent["ndvi_mean"].mean())
            das = float((recent["date"] - sowing).dt.days.mean())
            values, peaks = [], []
            for _, past in own[(own["crop"] == crop) & (own["season"] < season)].iterrows():
                days = (images["date"] - pd.Timestamp(past["sowing_date"])).dt.days
                near = images[(days - das).abs() <= DAS_WINDOW_DAYS]
                if near.empty:
                    continue
                values.append(float(near["ndvi_mean"].mean()))
                # The season's images: from sowing to harvest (a year when it is not known).
                harvest = _date(past.get("harvest_date"))
                sown = pd.Timestamp(past["sowing_date"])
                end = (harvest - sown).days if harvest is not None else 365
                peaks.append(float(images.loc[(days >= 0) & (days <= end), "ndvi_mean"].max()))
            if values:
                past_ndvi = float(np.mean(values))
                peak = float(np.mean(peaks))
                share = past_ndvi / peak if peak > 0 else float("nan")
                if len(values) > 1:
                    noise = max(NDVI_NOISE, float(np.std(values, ddof=1)))
        change = 100.0 * (ndvi / past_ndvi - 1.0) if past_ndvi > 0 else float("nan")
        rows.append(
            {
                "field_id": field,
                "crop": crop,
                "ndvi": ndvi,
                "ndvi_past": past_ndvi,
                "ndvi_change_pct": change,
                "canopy_share": share,
                "ndvi_noise": noise,
                "condition": condition_class(
                    change, ndvi, difference=ndvi - past_ndvi, noise=noise, canopy_share=share
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "field_id",
            "crop",
            "ndvi",
            "ndvi_past",
            "ndvi_change_pct",
            "canopy_share",
            "ndvi_noise",
            "condition",
        ],
    )


def condition_class(
    change_pct: float,
    ndvi: float,
    difference: float | None = None,
    noise: float = NDVI_NOISE,
    canopy_share: float | None = None,
) -> str:
    """The condition class of a field's NDVI `change_pct` against its past seasons. Not rated
    before the canopy is established (`canopy_share` below `CANOPY_ESTABLISHED_SHARE`); an NDVI
    `difference` within `noise` is "normal" whatever its percentage."""
    if not np.isfinite(ndvi):
        return "no recent image"
    if not np.isfinite(change_pct):
        return "no past seasons"
    if canopy_share is not None and not canopy_share >= CANOPY_ESTABLISHED_SHARE:
        return CANOPY_NOT_ESTABLISHED
    if difference is not None and abs(difference) < noise:
        return "normal"
    for limit, label in CONDITION_CLASSES:
        if change_pct >= limit:
            return label
    return CONDITION_POOR


# ----------------------------------------------------------------------------- outlook


def yield_outlook(
    advice: pd.DataFrame, seasons: pd.DataFrame, previous_p50: dict[str, float]
) -> pd.DataFrame:
    """Per growing field: P10/P50/P90, the last harvested season of the same crop, the mean of
    its last five, the change of P50 since last week's report (`previous_p50`), and `source`:
    "model", or "field mean" where the model is no better than the field's average yet
    (empty for advice stored before the column existed)."""
    harvested = seasons[seasons["yield_t_ha"].notna()].sort_values("season")
    rows = []
    for record in advice.to_dict(orient="records"):
        crop = record.get("crop")
        if not isinstance(crop, str):
            continue
        field = str(record["field_id"])
        past = harvested[
            (harvested["field_id"] == field)
            & (harvested["crop"] == crop)
            & (harvested["season"] < int(record["season"]))
        ]
        p50 = _num(record.get("yield_p50_t_ha"))
        before = previous_p50.get(field, float("nan"))
        source = record.get("yield_source")
        rows.append(
            {
                "field_id": field,
                "crop": crop,
                "p10": _num(record.get("yield_p10_t_ha")),
                "p50": p50,
                "p90": _num(record.get("yield_p90_t_ha")),
                "last_season": float(past["yield_t_ha"].iloc[-1]) if len(past) else float("nan"),
                "mean_5": float(past["yield_t_ha"].tail(PAST_SEASONS).mean())
                if len(past)
                else float("nan"),
                "change_week": p50 - before,
                "source": source if isinstance(source, str) else "",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "field_id",
            "crop",
            "p10",
            "p50",
            "p90",
            "last_season",
            "mean_5",
            "change_week",
            "source",
        ],
    )


# ----------------------------------------------------------------------------- water


def water_status(advice: pd.DataFrame, fields: pd.DataFrame) -> pd.DataFrame:
    """Per irrigated growing field: root-zone depletion against the readily available water
    (RAW) on the advice day, the projected day depletion reaches RAW, and the irrigation
    planned."""
    irrigated = set(fields.loc[fields["irrigated"].astype(bool), "field_id"])
    rows = []
    for record in advice.to_dict(orient="records"):
        if str(record["field_id"]) not in irrigated or not isinstance(record.get("crop"), str):
            continue
        raw, day = _date(record.get("reaches_raw_date")), _date(record.get("irrigation_date"))
        mm = _num(record.get("irrigation_mm"))
        rows.append(
            {
                "field_id": str(record["field_id"]),
                "crop": str(record["crop"]),
                "depletion_mm": _num(record.get("root_zone_depletion_mm")),
                "raw_mm": _num(record.get("readily_available_water_mm")),
                "reaches_raw_date": raw,
                "irrigation_mm": mm if mm > 0 else float("nan"),
                "irrigation_date": day if mm > 0 else None,
                "state": "irrigate"
                if mm > 0
                else (
                    "enough water through the forecast" if raw is None else "short, rain expected"
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "field_id",
            "crop",
            "depletion_mm",
            "raw_mm",
            "reaches_raw_date",
            "irrigation_mm",
            "irrigation_date",
            "state",
        ],
    )


# ----------------------------------------------------------------------------- quality


def data_quality(
    field_ids: list[str],
    satellite: pd.DataFrame,
    devices: pd.DataFrame,
    sensor_daily: pd.DataFrame,
    week: ReportWeek,
) -> pd.DataFrame:
    """Problems of the week: fields without a usable image for `SATELLITE_GAP_DAYS`, probes
    installed but silent all week, probes with flagged readings. `sensor_daily` holds the
    daily aggregates of `pipelines.sources.sensors.daily` (`device_id, n_readings, n_flagged`)."""
    rows: list[dict[str, object]] = []
    usable = _usable(satellite[satellite["date"] <= week.end])
    last = usable.groupby("field_id")["date"].max()
    for field in field_ids:
        seen = last.get(field)
        gap = (week.end - seen).days if seen is not None else None
        if gap is None or gap > SATELLITE_GAP_DAYS:
            rows.append(
                {
                    "field_id": field,
                    "problem": "satellite gap",
                    "detail": f"no cloud-free image for {gap} days"
                    if gap is not None
                    else "no cloud-free image at all",
                }
            )
    installed = devices[
        devices["field_id"].isin(field_ids)
        & (devices["installed_date"] <= week.end)
        & (devices["removed_date"].isna() | (devices["removed_date"] >= week.start))
    ]
    week_daily = sensor_daily
    if not sensor_daily.empty:
        dates = pd.to_datetime(sensor_daily["date"])
        week_daily = sensor_daily[dates.between(week.start, week.end)]
    for (device, probe_field), _ in installed.groupby(["device_id", "field_id"], sort=True):
        mine = week_daily[week_daily["device_id"] == device] if not week_daily.empty else week_daily
        readings = int(mine["n_readings"].sum()) if len(mine) else 0
        flagged = int(mine["n_flagged"].sum()) if len(mine) else 0
        if readings + flagged == 0:
            rows.append(
                {
                    "field_id": probe_field,
                    "problem": "sensor silent",
                    "detail": f"probe {device}: no reading stored this week",
                }
            )
        elif flagged:
            share = 100.0 * flagged / (readings + flagged)
            rows.append(
                {
                    "field_id": probe_field,
                    "problem": "sensor flagged",
                    "detail": f"probe {device}: {share:.0f} % of readings failed checks",
                }
            )
    return pd.DataFrame(rows, columns=["field_id", "problem", "detail"])


def quality_note(quality: pd.DataFrame) -> str:
    if quality.empty:
        return (
            "All satellite and probe data arrived this week; the advice has its usual confidence."
        )
    parts = []
    if (quality["problem"] == "satellite gap").any():
        parts.append(
            "where images are missing, crop condition and the yield forecast rely on older "
            "images, so their intervals are wider than usual"
        )
    if quality["problem"].str.startswith("sensor").any():
        parts.append(
            "where a probe is silent or flagged, the water balance runs on weather alone; "
            "check the soil by hand before irrigating"
        )
    return "What this means: " + "; ".join(parts) + "."


# ----------------------------------------------------------------------------- farm


def freshness(
    weather: pd.DataFrame,
    satellite: pd.DataFrame,
    sensor_daily: pd.DataFrame,
    station_id: str,
    field_ids: list[str],
    issued: pd.Timestamp,
) -> pd.DataFrame:
    """The last day of data of each source, as of the issue date."""

    def last(dates: pd.Series) -> pd.Timestamp | None:
        dates = pd.to_datetime(dates)
        dates = dates[dates <= issued]
        return None if dates.empty else pd.Timestamp(dates.max())

    sensor_dates = (
        sensor_daily.loc[sensor_daily["field_id"].isin(field_ids), "date"]
        if not sensor_daily.empty
        else pd.Series([], dtype="datetime64[ns]")
    )
    rows = []
    for source, day in (
        ("weather", last(weather.loc[weather["station_id"] == station_id, "date"])),
        ("satellite", last(_usable(satellite[satellite["field_id"].isin(field_ids)])["date"])),
        ("soil probes", last(sensor_dates)),
    ):
        rows.append(
            {
                "source": source,
                "last_date": day,
                "days_old": float((issued - day).days) if day is not None else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["source", "last_date", "days_old"])


def farm_summary(actions: pd.DataFrame, outlook: pd.DataFrame, quality: pd.DataFrame) -> str:
    counts = actions["kind"].value_counts()
    parts = []
    n_irr, n_n, n_scout = (int(counts.get(k, 0)) for k in ("irrigation", "nitrogen", "scout"))
    if n_irr + n_n + n_scout == 0:
        parts.append("Nothing to do this week: every crop is on track.")
    else:
        todo = []
        if n_irr:
            todo.append(f"irrigate {plural(n_irr, 'field')}")
        if n_n:
            todo.append(f"apply nitrogen on {plural(n_n, 'field')}")
        if n_scout:
            todo.append(f"scout {plural(n_scout, 'field')} for stress")
        parts.append("This week: " + ", ".join(todo) + ".")
    valid = outlook.dropna(subset=["p50"])
    for crop_key, group in valid.groupby("crop", sort=True):
        crop = str(crop_key)
        p50, mean = float(group["p50"].mean()), float(group["mean_5"].mean())
        versus = ""
        if np.isfinite(mean) and mean > 0:
            change = round(100.0 * (p50 / mean - 1.0))
            versus = (
                ", in line with the 5-season mean"
                if change == 0
                else f", {abs(change)} % {'above' if change > 0 else 'below'} the 5-season mean"
            )
        parts.append(f"{crop.replace('_', ' ').capitalize()}: {p50:.1f} t/ha expected{versus}.")
    if not quality.empty:
        parts.append(f"{plural(len(quality), 'data problem')}, see Data quality below.")
    return " ".join(parts)


def farm_report(
    farm_id: str,
    farm_name: str,
    cooperative_name: str,
    week: ReportWeek,
    advice: pd.DataFrame,
    fields: pd.DataFrame,
    seasons: pd.DataFrame,
    weather: pd.DataFrame,
    forecast: pd.DataFrame,
    satellite: pd.DataFrame,
    devices: pd.DataFrame,
    sensor_daily: pd.DataFrame,
    previous_p50: dict[str, float],
) -> FarmReport:
    """The numbers of one farm's report. `advice` is `build_advice` as of `week.issued` for
    (at least) the farm's fields."""
    mine = fields[fields["farm_id"] == farm_id]
    field_ids = sorted(mine["field_id"].astype(str))
    farm_advice = advice[advice["field_id"].isin(field_ids)].sort_values("field_id")
    station = str(mine["station_id"].mode().sort_values().iloc[0])
    actions = field_actions(farm_advice)
    outlook = yield_outlook(farm_advice, seasons, previous_p50)
    quality = data_quality(field_ids, satellite, devices, sensor_daily, week)
    return FarmReport(
        farm_id=farm_id,
        farm_name=farm_name,
        cooperative_name=cooperative_name,
        week=week,
        freshness=freshness(weather, satellite, sensor_daily, station, field_ids, week.issued),
        summary=farm_summary(actions, outlook, quality),
        actions=actions,
        weather=weather_summary(weather, forecast, station, week),
        condition=crop_condition(farm_advice, seasons, satellite, week.issued),
        outlook=outlook,
        water=water_status(farm_advice, mine),
        quality=quality,
        quality_note=quality_note(quality),
    )


def report_numbers(report: FarmReport) -> dict[str, object]:
    """What next week's report reads back for its "change since last week"."""
    return {
        "week": report.week.label,
        "farm_id": report.farm_id,
        "fields": {
            str(field): {"yield_p50_t_ha": None if not np.isfinite(p50) else round(p50, 3)}
            for field, p50 in zip(
                report.outlook["field_id"], report.outlook["p50"].astype(float), strict=True
            )
        },
    }


def previous_p50(numbers: dict[str, object] | None) -> dict[str, float]:
    if not numbers:
        return {}
    fields = numbers.get("fields", {})
    assert isinstance(fields, dict)
    return {
        str(k): float(v["yield_p50_t_ha"])
        for k, v in fields.items()
        if isinstance(v, dict) and v.get("yield_p50_t_ha") is not None
    }


# ----------------------------------------------------------------------------- cooperative


def cooperative_tables(
    reports: list[FarmReport], fields: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(actions by farm, outlook by crop, data quality by farm) over the farm reports."""
    area = fields.set_index("field_id")["area_ha"].astype(float)
    action_rows, quality_rows, outlooks = [], [], []
    for report in reports:
        acts = report.actions
        nitrogen = acts[acts["kind"] == "nitrogen"]
        rates = nitrogen["action"].str.extract(r"apply (\d+)")[0].astype(float)
        action_rows.append(
            {
                "farm": report.farm_name,
                "irrigate": int((acts["kind"] == "irrigation").sum()),
                "nitrogen": len(nitrogen),
                "n_total_kg": float((rates * nitrogen["field_id"].map(area)).sum()),
                "scout": int((acts["kind"] == "scout").sum()),
                "nothing": int((acts["kind"] == "nothing").sum()),
            }
        )
        problems = report.quality["problem"]
        quality_rows.append(
            {
                "farm": report.farm_name,
                "satellite_gaps": int((problems == "satellite gap").sum()),
                "sensors_silent": int((problems == "sensor silent").sum()),
                "sensors_flagged": int((problems == "sensor flagged").sum()),
            }
        )
        outlooks.append(report.outlook)
    outlook = pd.concat(outlooks, ignore_index=True) if outlooks else pd.DataFrame()
    by_crop_rows = []
    if not outlook.empty:
        outlook = outlook.dropna(subset=["p50"]).assign(area=lambda o: o["field_id"].map(area))
        for crop_key, group in outlook.groupby("crop", sort=True):
            weights = group["area"].to_numpy()

            def mean(column: str, g: pd.DataFrame = group, w: np.ndarray = weights) -> float:
                ok = g[column].notna().to_numpy()
                return float(np.average(g[column][ok], weights=w[ok])) if ok.any() else float("nan")

            by_crop_rows.append(
                {
                    "crop": str(crop_key),
                    "fields": len(group),
                    "area_ha": float(weights.sum()),
                    "p10": mean("p10"),
                    "p50": mean("p50"),
                    "p90": mean("p90"),
                    "last_season": mean("last_season"),
                    "mean_5": mean("mean_5"),
                }
            )
    return pd.DataFrame(action_rows), pd.DataFrame(by_crop_rows), pd.DataFrame(quality_rows)
