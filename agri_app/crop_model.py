"""The crop model in the product's jobs: which runs training and advice ask for, and where they
run (in-process or on the Dask scheduler of the settings, cached in the workspace).

- training and advice add the crop state at each as-of date (`with_crop_state`: one run per
  field-season on observed weather only, to the harvest or to the as-of date);
- advice adds, per field in season, the outlook over past years' weather to come, with the
  irrigated twin of fields with equipment (`in_season_outlook`).

Without a workspace database (`engine` None) the runs are not cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from agri_app.settings import Settings
from pipelines.agronomy.crop_indicators import (
    STATE_FEATURES,
    Runner,
    crop_model_specs,
    outlook_members,
    outlook_runs,
    outlook_summary,
    state_features,
    state_runs,
)
from pipelines.agronomy.cropmodel import CropModelRun, IrrigationRule
from pipelines.agronomy.season_grid import SeasonSources

Progress = Callable[[str], None]


def crop_model_runner(
    settings: Settings, engine: Engine | None, progress: Progress | None = None
) -> Runner:
    """Runs in-process or on `settings.dask_scheduler`; stored in the workspace when `engine`."""
    scheduler = settings.dask_scheduler or None

    def report(done: int, total: int) -> None:
        if progress is not None and (done == total or done % 200 == 0):
            progress(f"crop model: {done} of {total} new season run(s)")

    def run(runs: Sequence[CropModelRun]) -> pd.DataFrame:
        if engine is not None:
            from pipelines.store.crop_runs import cached_run_many

            return cached_run_many(engine, runs, scheduler=scheduler, progress=report)
        from pipelines.agronomy.cropmodel import run_many

        return run_many(runs, scheduler=scheduler, progress=report)

    return run


def with_crop_state(
    features: pd.DataFrame, sources: SeasonSources, stations: pd.DataFrame, runner: Runner
) -> pd.DataFrame:
    """`features` (index field_id, season, as_of) with the crop state at each as-of date
    (`STATE_FEATURES`; NaN where the crop has no crop model or the weather does not cover the
    season)."""
    requests = features.reset_index()[["field_id", "season", "as_of"]]
    runs = state_runs(sources, stations, requests)
    results = runner(runs) if runs else pd.DataFrame()
    states = state_features(results, requests)
    out = features.copy()
    for name in STATE_FEATURES:
        out[name] = states[name].to_numpy()
    return out


@dataclass(frozen=True)
class Outlook:
    """The crop model's outlook of fields in season: `summary` (`OUTLOOK_COLUMNS` per field) and
    `members` (each past year's final yield: field_id, season, as_of, member, yield_t_ha)."""

    summary: pd.DataFrame
    members: pd.DataFrame


def irrigation_rules(sources: SeasonSources, settings: Settings) -> dict[str, IrrigationRule]:
    """The rule of the irrigated twin for each field with equipment whose crop has a crop
    model: irrigate `irrigation_max_mm` (the system's depth per pass) when the crop has used its
    readily available water (the crop table's depletion fraction p), at the settings'
    efficiency."""
    specs = crop_model_specs(sources.crops)
    latest = sources.seasons.sort_values("sowing_date").drop_duplicates("field_id", keep="last")
    crop_of = dict(zip(latest["field_id"].astype(str), latest["crop"].astype(str), strict=True))
    p_of = sources.crops.set_index("crop_id")["depletion_fraction_p"]
    irrigation = settings.irrigation()
    equipped = sources.fields.loc[sources.fields["irrigated"].eq(True), "field_id"].astype(str)
    rules = {}
    for field_id in equipped:
        crop = crop_of.get(field_id)
        if crop is None or crop not in specs:
            continue
        rules[field_id] = IrrigationRule(
            trigger_depletion=float(p_of[crop]),
            amount_mm=float(irrigation.max_application_mm),
            efficiency=float(settings.irrigation_efficiency),
        )
    return rules


def latest_forecast(forecast: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame | None:
    """Per station, the forecast rows of the latest issue on or before `as_of`."""
    if forecast is None or forecast.empty or "issued_date" not in forecast:
        return None
    issued = pd.to_datetime(forecast["issued_date"])
    rows = forecast[issued <= as_of]
    if rows.empty:
        return None
    latest = pd.to_datetime(rows["issued_date"]).groupby(rows["station_id"]).transform("max")
    return rows[pd.to_datetime(rows["issued_date"]) == latest]


def in_season_outlook(
    sources: SeasonSources,
    stations: pd.DataFrame,
    requests: pd.DataFrame,
    settings: Settings,
    runner: Runner,
    forecast: pd.DataFrame | None = None,
) -> Outlook:
    """The crop model's outlook for in-season `requests` (field_id, season, as_of): the
    station's latest `forecast` issued by the as-of date, then `settings.crop_model_members`
    past years of weather."""
    rules = irrigation_rules(sources, settings)
    runs = []
    for as_of, group in requests.groupby("as_of"):
        runs += outlook_runs(
            sources,
            stations,
            group,
            members=settings.crop_model_members,
            irrigation_rules=rules,
            forecast=latest_forecast(forecast, pd.Timestamp(as_of)),  # type: ignore[arg-type]
        )
    results = runner(runs) if runs else pd.DataFrame()
    return Outlook(summary=outlook_summary(results), members=outlook_members(results))
