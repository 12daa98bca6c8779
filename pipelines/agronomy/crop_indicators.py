"""Crop-model indicators of field-seasons: what WOFOST (through `pipelines.agronomy.cropmodel`)
says about a field's season, from the same tables the water balance reads.

Two kinds of runs, both water-limited (the crop row's `wofost_model`; N is the N model's):

- a **state run** per field-season: the station's observed weather from sowing to the harvest
  (a past season) or to the as-of date (a season in progress), the field's stated soil, the
  irrigation the farm applied. The crop state is reported at every as-of date of the season's
  requests, so a training row at an as-of date sees only the state reached by that date (water
  stress so far, biomass so far), never the season's end, and an in-season row sees the same
  quantity;
- an **outlook** per field in season: the observed weather up to the as-of date, then each past
  year's weather of the station for the rest of the season (one ensemble member per year, the
  way the JRC MARS system runs WOFOST in season), with the irrigation applied so far and, on a
  field with irrigation equipment, a twin run per member that goes on irrigating by the crop's
  depletion threshold. The members' final yields are the crop model's outlook for the season
  and the difference between the twins is what irrigation is worth over the rest of it.

The runs themselves go to a runner (`Runner`: a function from runs to the result frame of
`cropmodel.run_many`), so the caller chooses in-process, Dask, or a cache in the workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from pipelines.agronomy.cropmodel import (
    CropModelRun,
    CropModelSpec,
    IrrigationRule,
    SiteSoil,
    splice_weather,
)
from pipelines.agronomy.season_grid import SeasonSources

Runner = Callable[[Sequence[CropModelRun]], pd.DataFrame]

# The state of the crop at the as-of date, per request row (`state_features`).
STATE_FEATURES = (
    "cm_dvs",
    "cm_lai",
    "cm_tagp_t_ha",
    "cm_twso_t_ha",
    "cm_transpiration_ratio",
)
# The outlook of a field in season (`outlook_summary`), in t/ha at the crop's standard moisture.
OUTLOOK_COLUMNS = (
    "cm_outlook_p10_t_ha",
    "cm_outlook_p50_t_ha",
    "cm_outlook_p90_t_ha",
    "cm_outlook_members",
    "cm_irrigation_gain_t_ha",
    "cm_irrigation_mm",
    "cm_irrigation_trigger_date",
)
WEATHER_COLUMNS = ("tmin_degc", "tmax_degc", "precip_mm", "rad_mj_m2", "vp_kpa", "wind_m_s")
# A season's end when the harvest is not known yet: sowing plus the crop table's season length
# (FAO-56 stage lengths) times this margin, for a crop that develops slower than the table says.
SEASON_LENGTH_MARGIN = 1.1
STATE = "state"
OUTLOOK = "outlook"


def crop_model_specs(crops: pd.DataFrame) -> dict[str, CropModelSpec]:
    """The crop-model spec of every crop row that names one (crop_id -> spec)."""
    specs = {}
    for row in crops.to_dict(orient="records"):
        spec = CropModelSpec.from_crop_row(row)
        if spec is not None:
            specs[str(row["crop_id"])] = spec
    return specs


def _season_days(crop: Row) -> int:
    total = sum(
        float(crop[c])
        for c in ("stage_ini_days", "stage_dev_days", "stage_mid_days", "stage_late_days")
    )
    return int(round(total * SEASON_LENGTH_MARGIN))


def _station_weather(weather: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Daily weather per station, with the ETo fallbacks' radiation, vapour pressure and wind
    (`pipelines.agronomy.weather.daily_reference_et`) where the station has gaps: WOFOST needs
    every variable every day."""
    frame = weather.copy()
    for column, used in (
        ("rad_mj_m2", "rad_used_mj_m2"),
        ("vp_kpa", "vp_used_kpa"),
        ("wind_m_s", "wind_used_m_s"),
    ):
        if used in frame:
            frame[column] = frame[used]
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return {
        str(station): group.sort_values("date").reset_index(drop=True)
        for station, group in frame.groupby("station_id", sort=False)
    }


Row = dict[str, Any]


def _rows(frame: pd.DataFrame, *keys: str) -> dict[Any, Row]:
    """The frame's rows as dicts, by the value (or tuple of values) of `keys`."""
    out: dict[Any, Row] = {}
    for record in frame.to_dict(orient="records"):
        row = {str(k): v for k, v in record.items()}
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        out[key] = row
    return out


@dataclass(frozen=True)
class _FieldSeason:
    """What a run of one field-season needs from the tables."""

    field_id: str
    season: int
    station_id: str
    season_row: Row
    crop_id: str
    spec: CropModelSpec
    site: SiteSoil
    observed: pd.DataFrame  # the station's daily weather, `date` as datetime.date
    applied: list[tuple[date, float]]  # the field's irrigation, gross mm


class _Tables:
    """The tables of `SeasonSources` indexed for the runs of many field-seasons."""

    def __init__(self, sources: SeasonSources, stations: pd.DataFrame) -> None:
        self.specs = crop_model_specs(sources.crops)
        self.fields = _rows(sources.fields, "field_id")
        self.crops = _rows(sources.crops, "crop_id")
        self.seasons = _rows(sources.seasons.astype({"season": np.int64}), "field_id", "season")
        self.weather = _station_weather(sources.weather)
        self.stations = _rows(stations.drop_duplicates("station_id"), "station_id")
        self.irrigation = _irrigation_applied(sources.operations)

    def get(self, field_id: str, season: int) -> _FieldSeason | None:
        """The field-season, or None when its crop has no crop model or its station no weather
        or location."""
        row = self.seasons.get((field_id, season))
        field = self.fields.get(field_id)
        if row is None or field is None:
            return None
        crop_id = str(row["crop"])
        observed = self.weather.get(str(field["station_id"]))
        station = self.stations.get(field["station_id"])
        if crop_id not in self.specs or observed is None or station is None:
            return None
        return _FieldSeason(
            field_id=field_id,
            season=season,
            station_id=str(field["station_id"]),
            season_row=row,
            crop_id=crop_id,
            spec=self.specs[crop_id],
            site=_site(field, station),
            observed=observed,
            applied=self.irrigation.get(field_id, []),
        )


def _site(field: Row, station: Row) -> SiteSoil:
    elevation = station.get("elevation_m")
    return SiteSoil(
        lat=float(station["lat"]),
        lon=float(station["lon"]),
        elevation_m=0.0 if elevation is None or pd.isna(elevation) else float(elevation),
        field_capacity_m3_m3=float(field["field_capacity_m3_m3"]),
        wilting_point_m3_m3=float(field["wilting_point_m3_m3"]),
        root_depth_max_cm=float(field["root_depth_max_cm"]),
    )


def _irrigation_applied(operations: pd.DataFrame) -> dict[str, list[tuple[date, float]]]:
    """Gross irrigation (mm) per field and day, from the operations table."""
    if operations.empty:
        return {}
    irrigation = operations[operations["operation"] == "irrigation"]
    out: dict[str, list[tuple[date, float]]] = {}
    for field_id, group in irrigation.groupby("field_id", sort=False):
        days = pd.to_datetime(group["date"]).dt.date
        out[str(field_id)] = sorted(zip(days, group["amount"].astype(float), strict=True))
    return out


def _window(
    season: Row, crop: Row, observed: pd.DataFrame, as_of: date
) -> tuple[date, date] | None:
    """(sowing, end) of an outlook: to the harvest when it is known by `as_of`, else to sowing
    plus the crop's season length; None when the observed weather starts after sowing."""
    sowing = pd.Timestamp(season["sowing_date"]).date()
    harvest = season.get("harvest_date")
    if harvest is not None and not pd.isna(harvest) and pd.Timestamp(harvest).date() <= as_of:
        end = pd.Timestamp(harvest).date()
    else:
        end = sowing + timedelta(days=_season_days(crop))
    if observed["date"].iloc[0] > sowing - timedelta(days=1):
        return None
    return sowing, end


def state_runs(
    sources: SeasonSources, stations: pd.DataFrame, requests: pd.DataFrame
) -> list[CropModelRun]:
    """One run per (field_id, season) of `requests` whose crop has a crop model, on observed
    weather only, reporting the crop state at the requests' as-of dates: it runs to the harvest
    when the harvest is known by the latest as-of date (a past season), else to that date (a
    season in progress). Key: ("state", field_id, season, end, standard moisture %)."""
    tables = _Tables(sources, stations)
    if not tables.specs or requests.empty:
        return []
    as_of = pd.to_datetime(requests["as_of"]).dt.date
    runs = []
    # Fields of one station sown on one day share their weather frame: cut once, so the run
    # cache hashes it once (`pipelines.store.crop_runs.run_key` keys digests by frame).
    windows: dict[tuple[int, date, date], pd.DataFrame] = {}
    for (field_id, season), dates in as_of.groupby([requests["field_id"], requests["season"]]):
        found = tables.get(str(field_id), int(str(season)))
        if found is None:
            continue
        observed = found.observed
        sowing = pd.Timestamp(found.season_row["sowing_date"]).date()
        latest = max(dates)
        harvest = found.season_row.get("harvest_date")
        if harvest is not None and not pd.isna(harvest) and pd.Timestamp(harvest).date() <= latest:
            end = pd.Timestamp(harvest).date()
        else:
            end = latest
        if end <= sowing or end > observed["date"].iloc[-1]:
            continue
        if observed["date"].iloc[0] > sowing - timedelta(days=1):
            continue
        runs.append(
            _run(
                (STATE, found.field_id, found.season, end, found.spec.yield_moisture_pct),
                found.spec,
                found.site,
                sowing,
                end,
                _shared_between(windows, observed, sowing, end),
                sorted(set(dates)),
                found.applied,
                None,
            )
        )
    return runs


def _shared_between(
    windows: dict[tuple[int, date, date], pd.DataFrame],
    observed: pd.DataFrame,
    start: date,
    end: date,
) -> pd.DataFrame:
    """`_between`, once per station frame and window."""
    key = (id(observed), start, end)
    found = windows.get(key)
    if found is None:
        found = windows[key] = _between(observed, start, end)
    return found


def _between(observed: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    first = start - timedelta(days=1)
    keep = (observed["date"] >= first) & (observed["date"] <= end)
    return observed.loc[keep, ["date", *WEATHER_COLUMNS]].reset_index(drop=True)


def _run(
    key: tuple[Any, ...],
    spec: CropModelSpec,
    site: SiteSoil,
    sowing: date,
    end: date,
    weather: pd.DataFrame,
    report_dates: Sequence[date],
    applied: Sequence[tuple[date, float]],
    rule: IrrigationRule | None,
) -> CropModelRun:
    inside = tuple((d, mm) for d, mm in applied if sowing <= d <= end)
    return CropModelRun(
        key=key,
        spec=spec,
        site=site,
        sowing_date=sowing,
        weather=weather,
        report_dates=tuple(min(d, end) for d in report_dates) or (end,),
        irrigation=rule,
        applied_irrigation=inside,
        max_duration_days=(end - sowing).days + 1,
        latest_harvest=end,
    )


def _forecast_days(
    forecast: pd.DataFrame | None, station_id: str, as_of: date, end: date
) -> pd.DataFrame:
    """The station's forecast for the days after `as_of` (to `end`), up to its first missing
    day or value, with the crop model's weather columns."""
    columns = ["date", *WEATHER_COLUMNS]
    if forecast is None or forecast.empty or not set(columns) <= set(forecast.columns):
        return pd.DataFrame(columns=columns)
    rows = forecast[forecast["station_id"].astype(str) == station_id][columns].copy()
    rows["date"] = pd.to_datetime(rows["date"]).dt.date
    rows = rows[(rows["date"] > as_of) & (rows["date"] < end)].dropna()
    rows = rows.drop_duplicates("date").sort_values("date").reset_index(drop=True)
    expected = [as_of + timedelta(days=i + 1) for i in range(len(rows))]
    keep = 0
    while keep < len(rows) and rows["date"].iloc[keep] == expected[keep]:
        keep += 1
    return rows.iloc[:keep]


def member_years(
    observed: pd.DataFrame, as_of: date, end: date, cut: date | None = None
) -> list[int]:
    """The member years of an outlook, latest first: seasons k = 1, 2, ... years back whose
    weather covers every day from `as_of` + 1 to `end` shifted back k years, all on or before
    `cut` (default `as_of`: nothing after the as-of date is used). Named by the year the
    member's season ends in, as `cropmodel.splice_weather` reads them."""
    cut = as_of if cut is None else cut
    if end <= as_of:
        return []
    have = set(observed["date"])
    first = observed["date"].iloc[0]
    days = pd.date_range(as_of + timedelta(days=1), end).date
    years = []
    for back in range(1, 60):
        shifted = [_shift(d, -back) for d in days]
        if shifted[0] < first:
            break
        if shifted[-1] <= cut and all(d in have for d in shifted):
            years.append(end.year - back)
    return years


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def outlook_runs(
    sources: SeasonSources,
    stations: pd.DataFrame,
    requests: pd.DataFrame,
    *,
    members: int,
    irrigation_rules: dict[str, IrrigationRule] | None = None,
    forecast: pd.DataFrame | None = None,
) -> list[CropModelRun]:
    """The outlook ensemble of each request (field_id, season, as_of): observed weather to
    `as_of`, then the station's `forecast` issued by then (station_id, date and the weather
    columns; its days after `as_of` up to its first gap), then each of the `members` latest past
    years' weather. A field in
    `irrigation_rules` gets a twin of every member that irrigates by its rule after `as_of`.
    Key: ("outlook", field_id, season, as_of, member_year, irrigates)."""
    tables = _Tables(sources, stations)
    if not tables.specs or requests.empty or members < 1:
        return []
    rules = irrigation_rules or {}
    runs = []
    windows: dict[tuple[Any, ...], tuple[pd.DataFrame, date, list[int]]] = {}
    splices: dict[tuple[Any, ...], pd.DataFrame] = {}
    for request in requests[["field_id", "season", "as_of"]].to_dict(orient="records"):
        found = tables.get(str(request["field_id"]), int(request["season"]))
        if found is None:
            continue
        as_of = pd.Timestamp(request["as_of"]).date()
        observed = found.observed
        window = _window(found.season_row, tables.crops[found.crop_id], observed, as_of)
        if window is None or as_of < window[0]:
            continue
        sowing, end = window
        # Fields of one station with the same season window share their weather: built once.
        window_key = (found.station_id, as_of, end)
        if window_key not in windows:
            observed_to = observed.loc[observed["date"] <= as_of, ["date", *WEATHER_COLUMNS]]
            ahead = _forecast_days(forecast, found.station_id, as_of, end)
            known_to = as_of + timedelta(days=len(ahead))
            if len(ahead):
                observed_to = pd.concat([observed_to, ahead], ignore_index=True)
            windows[window_key] = (
                observed_to,
                known_to,
                member_years(observed, known_to, end, cut=as_of),
            )
        observed_to, known_to, all_years = windows[window_key]
        years = all_years[:members]
        applied = [(d, mm) for d, mm in found.applied if d <= as_of]
        for year in years:
            splice_key = (*window_key, year, sowing)
            if splice_key not in splices:
                spliced = splice_weather(observed_to, known_to, year, end)
                first = pd.Timestamp(sowing - timedelta(days=1))
                splices[splice_key] = spliced[spliced["date"] >= first].reset_index(drop=True)
            spliced = splices[splice_key]
            variants: list[IrrigationRule | None] = [None]
            if found.field_id in rules and as_of < end:
                variants.append(rules[found.field_id])
            for rule in variants:
                runs.append(
                    _run(
                        (OUTLOOK, found.field_id, found.season, as_of, year, rule is not None),
                        found.spec,
                        found.site,
                        sowing,
                        end,
                        spliced,
                        [min(as_of, end)],
                        applied,
                        rule,
                    )
                )
    return runs


def state_features(results: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """`STATE_FEATURES` per request row (field_id, season, as_of), from `state_runs` results:
    the state at the latest reported date on or before the as-of date."""
    out = requests[["field_id", "season", "as_of"]].copy()
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[ns]")
    out["season"] = out["season"].astype(np.int64)
    out["field_id"] = out["field_id"].astype(str)
    for name in STATE_FEATURES:
        out[name] = np.nan
    if results.empty:
        return out
    states = _states(results)
    if states.empty:
        return out
    merged = pd.merge_asof(
        out[["field_id", "season", "as_of"]].reset_index().sort_values("as_of"),
        states.sort_values("date"),
        left_on="as_of",
        right_on="date",
        by=["field_id", "season"],
        direction="backward",
    ).set_index("index")
    for name in STATE_FEATURES:
        out[name] = merged[name].reindex(out.index)
    return out


def _states(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (field_id, season, reported date) of `state_runs` results (the flat report
    columns of `cropmodel.results_frame`: `report_date_at{i}`, `dvs_at{i}`, ...)."""
    state = results[results["key"].map(lambda k: k[0] == STATE)]
    reports = sorted(
        int(str(c).removeprefix("report_date_at"))
        for c in state.columns
        if str(c).startswith("report_date_at")
    )
    if state.empty or not reports:
        return pd.DataFrame()
    moisture = state["key"].map(lambda k: k[4] if len(k) > 4 else 0.0)
    parts = []
    for i in reports:
        part = pd.DataFrame(
            {
                "field_id": state["key"].map(lambda k: k[1]).to_numpy(),
                "season": state["key"].map(lambda k: int(k[2])).to_numpy(),
                "date": pd.to_datetime(state[f"report_date_at{i}"])
                .astype("datetime64[ns]")
                .to_numpy(),
                "cm_dvs": state[f"dvs_at{i}"].astype(float).to_numpy(),
                "cm_lai": state[f"lai_at{i}"].astype(float).to_numpy(),
                "cm_tagp_t_ha": state[f"tagp_kg_ha_at{i}"].astype(float).to_numpy() / 1000.0,
                "cm_twso_t_ha": _t_ha(state[f"twso_kg_ha_at{i}"], moisture).to_numpy(),
                "cm_transpiration_ratio": state[f"transpiration_ratio_at{i}"]
                .astype(float)
                .to_numpy(),
            }
        )
        parts.append(part.dropna(subset=["date"]))
    frame = pd.concat(parts, ignore_index=True)
    return frame.drop_duplicates(["field_id", "season", "date"]).reset_index(drop=True)


def _t_ha(kg_dm_ha: pd.Series, moisture_pct: pd.Series) -> pd.Series:
    """Dry matter (kg/ha) as t/ha at the crop's standard moisture."""
    values = pd.to_numeric(kg_dm_ha, errors="coerce").astype(float)
    return values / 1000.0 / (1.0 - moisture_pct.astype(float).to_numpy() / 100.0)


def outlook_summary(results: pd.DataFrame) -> pd.DataFrame:
    """`OUTLOOK_COLUMNS` per (field_id, season, as_of) from outlook results: the members'
    final yields as managed so far (P10/P50/P90, t/ha at the crop's standard moisture) and, where
    twins ran, the mean gain of irrigating by the rule and its mean gross irrigation."""
    columns = ["field_id", "season", "as_of", *OUTLOOK_COLUMNS]
    if results.empty:
        return pd.DataFrame(columns=columns)
    keys = list(results["key"])
    chosen = np.array([i for i, k in enumerate(keys) if k[0] == OUTLOOK], dtype=np.int64)
    if not chosen.size:
        return pd.DataFrame(columns=columns)
    picked = [keys[i] for i in chosen]
    frame = pd.DataFrame(
        {
            "field_id": [k[1] for k in picked],
            "season": [k[2] for k in picked],
            "as_of": pd.to_datetime([k[3] for k in picked]),
            "member": [k[4] for k in picked],
            "irrigates": [bool(k[5]) for k in picked],
            "yield_t_ha": results["yield_t_ha"].iloc[chosen].astype(float).to_numpy(),
            "irrigation_mm": results["irrigation_mm"].iloc[chosen].astype(float).to_numpy()
            if "irrigation_mm" in results
            else np.nan,
            "triggered_dates": results["triggered_dates"].iloc[chosen].to_numpy()
            if "triggered_dates" in results
            else None,
        }
    )
    group_keys = ["field_id", "season", "as_of"]
    base = frame[~frame["irrigates"]]
    groups = base.groupby(group_keys, sort=True)["yield_t_ha"]
    out = pd.DataFrame({"cm_outlook_members": groups.count()})
    for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        out[f"cm_outlook_{name}_t_ha"] = groups.quantile(q)
    # Groups with twins only (no rainfed member) still get a row.
    out = out.reindex(frame.groupby(group_keys, sort=True).size().index, fill_value=np.nan).astype(
        {"cm_outlook_members": float}
    )
    out["cm_outlook_members"] = out["cm_outlook_members"].fillna(0).astype(np.int64)
    twins = frame[frame["irrigates"]]
    if len(twins):
        paired = twins.merge(
            base[[*group_keys, "member", "yield_t_ha"]],
            on=[*group_keys, "member"],
            how="left",
            suffixes=("", "_rainfed"),
        )
        paired["gain"] = paired["yield_t_ha"] - paired["yield_t_ha_rainfed"]
        by_twin = paired.groupby(group_keys, sort=True)
        out["cm_irrigation_gain_t_ha"] = by_twin["gain"].mean()
        out["cm_irrigation_mm"] = by_twin["irrigation_mm"].mean()
        # The twin's first irrigation after the as-of date (the earliest over the members:
        # within the forecast they share the weather, so they agree there).
        days = paired[[*group_keys, "triggered_dates"]].explode("triggered_dates")
        days = days.dropna(subset=["triggered_dates"])
        days = days.assign(day=pd.to_datetime(days["triggered_dates"].astype(str)))
        days = days[days["day"] > days["as_of"]]
        out["cm_irrigation_trigger_date"] = days.groupby(group_keys, sort=True)["day"].min()
    else:
        out["cm_irrigation_gain_t_ha"] = np.nan
        out["cm_irrigation_mm"] = np.nan
        out["cm_irrigation_trigger_date"] = pd.NaT
    out["cm_irrigation_trigger_date"] = pd.to_datetime(out["cm_irrigation_trigger_date"])
    return out.reset_index()[columns]


def outlook_members(results: pd.DataFrame) -> pd.DataFrame:
    """The rainfed (as managed so far) members' final yields: field_id, season, as_of, member,
    yield_t_ha."""
    rows = [
        {
            "field_id": k[1],
            "season": k[2],
            "as_of": pd.Timestamp(k[3]),
            "member": k[4],
            "yield_t_ha": y,
        }
        for k, y in zip(results.get("key", []), results.get("yield_t_ha", []), strict=True)
        if k[0] == OUTLOOK and not k[5]
    ]
    return pd.DataFrame(rows, columns=["field_id", "season", "as_of", "member", "yield_t_ha"])
