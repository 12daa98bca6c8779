"""Benchmark: the irrigation advice against the crop model's truth.

    .venv/bin/python benchmarks/irrigation_eval.py [--set sample|shifted|all] [--every-days 7]
        [--from 06-01] [--to 09-30] [--seasons 2022 2023] [--keep DIR]

For each truth set present (`sample_data/demo` + `truth/`; `sample_data/shifted` +
`shifted_truth/` when it has been generated) it imports the bundle into a workspace in a
temporary folder (`agri import`), loads it with the one loader and trains the models
(`train_models` with `Settings(train_every_days=42)`, to save time). Then:

1. **Trigger events, past seasons.** The trigger is the depletion calibrated on the
   cooperative's irrigation records of the *other* seasons (`--raw-trigger`: FAO-56's RAW). The
   truth's irrigation events are the bundle's own `operations.csv` irrigation rows: WOFOST's
   soil-moisture-triggered run on the fields with equipment growing maize. For every past season
   with such events, on as-of dates `--every-days` apart from `--from` to `--to`, the advice
   (`agri_app.advice.build_advice`) of those fields is computed with the data up to the date and
   a **perfect 14-day forecast** (the observed weather of the next 14 days, issued on the date:
   an optimistic stand-in, as no forecasts were archived for past seasons). A window (field, 7
   days from the as-of date) is flagged when irrigation is advised in it; it holds an event when
   WOFOST irrigated in it. The balance uses the truth's own irrigation up to the date, so each
   window starts from the state the truth's run was in. Scored with
   `models.irrigation_evaluation.trigger_scores`, for all events and for the events before the
   FAO-56 late-season stage (the advice never irrigates in it, by design).
2. **Yield at stake vs gain, 2026.** Only the season in progress has a rainfed twin in the truth
   (`irrigation_2026.csv`: irrigated and rainfed WOFOST yields of every 2026 maize field), and its
   observed weather ends at the reference date. So at the reference date, with the bundle's
   forecast and the station's past years beyond it (as the advice does),
   `models.irrigation.season_irrigation_value` gives what irrigation is worth over the rest of
   the season (the advice's trigger and depth rules as a policy, FAO-33 with Ym = the P50) and
   it is compared with WOFOST's irrigated − rainfed gain (`stake_vs_gain`), for the fields with
   equipment (where the advice applies, and where the P50 is an irrigated yield) and for all.
   The advice rows of that date are scored for trigger events too.

The figures are printed; nothing is stored outside the temporary folder (or `--keep DIR`, which
is reused on the next run: import and training are skipped when a model is there).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agri_app.advice import build_advice  # noqa: E402
from agri_app.cli_models import train_models  # noqa: E402
from agri_app.crop_model import crop_model_runner  # noqa: E402
from agri_app.settings import Settings  # noqa: E402
from benchmarks.refresh import agri_import  # noqa: E402
from models.irrigation import (  # noqa: E402
    IrrigationTrigger,
    calibrate_irrigation_trigger,
    fit_irrigation_trigger,
    projected_water_balance,
    season_end_dates,
    season_irrigation_value,
    weather_scenarios,
)
from models.irrigation_evaluation import stake_vs_gain, trigger_scores  # noqa: E402
from models.registry import ModelRegistry  # noqa: E402
from models.yield_model import YieldModel  # noqa: E402
from pipelines.agronomy.waterbalance import WaterBalanceParameters  # noqa: E402
from pipelines.sources.forecast import FORECAST_COLUMN_NAMES  # noqa: E402
from pipelines.store import storage  # noqa: E402
from pipelines.store.loader import WorkspaceData, load_workspace  # noqa: E402

SETS = {
    "sample": (REPO / "sample_data" / "demo", REPO / "sample_data" / "truth"),
    "shifted": (REPO / "sample_data" / "shifted", REPO / "sample_data" / "shifted_truth"),
}
MAIZE = "grain_maize"
FORECAST_DAYS = 14
WINDOW_DAYS = 7
TRAIN_EVERY_DAYS = 42


def workspace(bundle: Path, root: Path) -> tuple[WorkspaceData, YieldModel, Settings]:
    """The bundle imported at `root` and trained (both skipped when already there)."""
    settings = Settings(workspace_dir=root, train_every_days=TRAIN_EVERY_DAYS)
    registry = ModelRegistry(settings.workspace.models_dir)
    if (root / "models").exists() and registry.versions():
        engine = storage.open_workspace(storage.Workspace(root))
        return load_workspace(engine), registry.load(), settings
    started = time.perf_counter()
    engine = agri_import(bundle, root)
    data = load_workspace(engine)
    model = train_models(settings, data, engine).model
    print(f"  imported and trained in {time.perf_counter() - started:.0f} s", flush=True)
    return data, model, settings


def perfect_forecast(weather: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The observed weather of the `FORECAST_DAYS` days after `as_of`, as a forecast issued on
    it."""
    ahead = weather[
        (weather["date"] > as_of) & (weather["date"] <= as_of + pd.Timedelta(days=FORECAST_DAYS))
    ]
    return ahead.assign(issued_date=as_of)[list(FORECAST_COLUMN_NAMES)]


def past_seasons(
    data: WorkspaceData,
    model: YieldModel,
    settings: Settings,
    window: tuple[str, str],
    every_days: int,
    seasons: list[int] | None,
    crop_model_members: int = 0,
    calibrated_trigger: bool = True,
    trigger_quantile: float = 0.25,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Advice rows of the equipped maize fields at the as-of dates of every past season with
    events, and the events (with `late` for those in the late-season stage)."""
    operations = data.operations
    events = operations[operations["operation"] == "irrigation"][["field_id", "date", "season"]]
    reference_year = data.reference_date.year
    with_events = sorted(int(s) for s in events["season"].unique() if s < reference_year)
    chosen = [s for s in with_events if seasons is None or s in seasons]
    equipped = set(data.fields.loc[data.fields["irrigated"].astype(bool), "field_id"])
    maize = data.seasons[(data.seasons["crop"] == MAIZE) & data.seasons["field_id"].isin(equipped)]
    rows = []
    runner = None
    if crop_model_members > 0:
        # The crop model confirms the balance's trigger with the twin's first irrigation within
        # the forecast; members only extend beyond it, so few are needed here.
        settings = replace(settings, crop_model_members=crop_model_members)
        runner = crop_model_runner(settings, None)
    # The farm's trigger, calibrated without the season scored (its records would flatter it).
    _, records = fit_irrigation_trigger(
        data.sources(),
        WaterBalanceParameters(irrigation_efficiency=settings.irrigation_efficiency),
    )
    for season in chosen:
        fields = sorted(maize.loc[maize["season"] == season, "field_id"])
        if not fields:
            continue
        trigger = (
            calibrate_irrigation_trigger(
                records[records["season"] != season], quantile=trigger_quantile
            )
            if calibrated_trigger
            else IrrigationTrigger(crops={}, fields={})
        )
        print(
            f"  {season}: trigger (share of TAW) from the other seasons' records: "
            + (
                ", ".join(f"{c} {v[0]:.2f} ({v[1]} records)" for c, v in trigger.crops.items())
                or "none (RAW)"
            ),
            flush=True,
        )
        part = data.subset(fields)
        sources = part.sources()
        dates = pd.date_range(
            f"{season}-{window[0]}", f"{season}-{window[1]}", freq=f"{every_days}D"
        )
        started = time.perf_counter()
        for as_of in dates:
            forecast = perfect_forecast(part.weather, as_of)
            advice = build_advice(
                sources,
                part.stations,
                forecast,
                model,
                settings,
                as_of,
                crop_model=runner,
                irrigation_trigger=trigger,
            )
            advice = advice[advice["crop"] == MAIZE]
            rows.append(advice.assign(season=season))
        print(
            f"  {season}: {len(fields)} fields x {len(dates)} dates "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    advice_rows = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    keys = maize[["field_id", "season"]].astype({"season": np.int64})
    calendar = season_end_dates(data.sources(), keys)
    events = events.merge(calendar[["field_id", "season", "late_stage_from"]], how="inner")
    events = events.assign(late=events["date"] >= events["late_stage_from"])
    return advice_rows, events[events["season"].isin(chosen)]


def season_in_progress(
    data: WorkspaceData, model: YieldModel, settings: Settings, truth: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """At the reference date: the advice of the maize fields, the season value of irrigation
    (FAO-33 over the climatology) and the truth's gains and planned events."""
    gains = pd.read_csv(truth / f"irrigation_{data.reference_date.year}.csv")
    planned = pd.read_csv(truth / f"planned_operations_{data.reference_date.year}.csv")
    planned = planned[planned["operation"] == "irrigation"].assign(
        date=lambda p: pd.to_datetime(p["date"])
    )
    as_of = data.reference_date
    sources = data.sources()
    advice = build_advice(sources, data.stations, data.forecast, model, settings, as_of)
    maize = advice[advice["crop"] == MAIZE]
    requests = maize[["field_id", "season"]].assign(as_of=as_of)
    balance = projected_water_balance(
        sources,
        data.weather,
        data.stations,
        data.forecast,
        requests,
        WaterBalanceParameters(irrigation_efficiency=settings.irrigation_efficiency),
    )
    crops = data.crops.set_index("crop_id")
    context = maize[["field_id", "season"]].assign(
        expected_yield_t_ha=maize["yield_p50_t_ha"].to_numpy(),
        ky_season=maize["crop"].map(crops["ky_season"]).to_numpy(),
    )
    scenarios = weather_scenarios(sources.weather, data.stations, balance)
    value = season_irrigation_value(balance, settings.irrigation(), context, scenarios)
    value = value.assign(crop=MAIZE).merge(context[["field_id", "expected_yield_t_ha"]])
    return maize, value.merge(gains, on="field_id", suffixes=("", "_truth")), planned


def show(title: str, frame: pd.DataFrame) -> None:
    print(f"\n{title}")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def evaluate(name: str, root: Path, args: argparse.Namespace) -> None:
    bundle, truth = SETS[name]
    print(f"\n=== truth set '{name}': {bundle.relative_to(REPO)} ===", flush=True)
    data, model, settings = workspace(bundle, root / name)

    advice, events = past_seasons(
        data,
        model,
        settings,
        (args.date_from, args.date_to),
        args.every_days,
        args.seasons,
        args.crop_model,
        not args.raw_trigger,
        args.trigger_quantile,
    )
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
        advice.to_csv(args.dump / f"{name}_advice.csv", index=False)
        events.to_csv(args.dump / f"{name}_events.csv", index=False)
    if not advice.empty:
        scored = [("all events", events), ("events before the late stage", events[~events.late])]
        for label, subset in scored:
            scores = trigger_scores(advice, subset, WINDOW_DAYS)
            show(f"past seasons {sorted(set(advice.season))}, {label}:", scores)
        late_windows = advice.merge(events[events.late][["field_id", "date"]], on="field_id").pipe(
            lambda p: p[(p.date > p.as_of) & (p.date <= p.as_of + pd.Timedelta(days=WINDOW_DAYS))]
        )
        print(
            f"\n{int(events.late.sum())} of {len(events)} events are in the late-season stage "
            f"({late_windows[['field_id', 'as_of']].drop_duplicates().shape[0]} windows)"
        )
        by_season = []
        for season, of_season in advice.groupby("season"):
            by_season.append(
                trigger_scores(of_season, events[~events.late], WINDOW_DAYS).assign(season=season)
            )
        show("per season, events before the late stage:", pd.concat(by_season))
        advised = advice[advice["irrigation_mm"] > 0]
        print(
            f"\nadvised applications: {len(advised)}, depth {advised['irrigation_mm'].min():.0f}"
            f"-{advised['irrigation_mm'].max():.0f} mm (mean {advised['irrigation_mm'].mean():.0f})"
            f", yield at stake {advised['irrigation_yield_at_stake_t_ha'].median():.2f} t/ha "
            f"median ({advised['irrigation_yield_at_stake_t_ha'].min():.2f}-"
            f"{advised['irrigation_yield_at_stake_t_ha'].max():.2f})"
            if len(advised)
            else "\nno irrigation advised"
        )

    maize, value, planned = season_in_progress(data, model, settings, truth)
    year = data.reference_date.year
    scores = trigger_scores(maize, planned, WINDOW_DAYS)
    show(f"{year} at {data.reference_date.date()} (bundle forecast), trigger events:", scores)
    gains = value[["field_id", "yield_irrigated_t_ha", "yield_rainfed_t_ha"]]
    equipped = value["irrigated"].astype(bool)
    everyone = pd.Series(True, index=value.index)
    for label, keep in (("fields with equipment", equipped), ("all maize fields", everyone)):
        chosen = value[keep]
        show(
            f"{year}, {label}: season value of irrigation (FAO-33, Ym = P50, past years beyond "
            "the forecast) vs WOFOST irrigated − rainfed:",
            stake_vs_gain(chosen, gains),
        )
        rainfed_share = (chosen.yield_rainfed_t_ha / chosen.yield_irrigated_t_ha).mean()
        print(
            f"  simulated season irrigation {chosen['irrigation_mm'].mean():.0f} mm (WOFOST "
            f"triggered run {chosen['irrigation_mm_truth'].mean():.0f} mm); ETa/ETm without "
            f"{chosen['eta_etm_without'].mean():.2f}, with {chosen['eta_etm_with'].mean():.2f}; "
            f"WOFOST rainfed/irrigated yield {rainfed_share:.2f}; Ym (P50) "
            f"{chosen['expected_yield_t_ha'].mean():.2f} t/ha, WOFOST irrigated "
            f"{chosen['yield_irrigated_t_ha'].mean():.2f} t/ha"
        )
    if args.verbose:
        show("per field:", value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="all", choices=["all", *SETS])
    parser.add_argument("--every-days", type=int, default=WINDOW_DAYS)
    parser.add_argument("--from", dest="date_from", default="06-01", help="MM-DD")
    parser.add_argument("--to", dest="date_to", default="09-30", help="MM-DD")
    parser.add_argument("--seasons", type=int, nargs="*", default=None)
    parser.add_argument("--keep", type=Path, default=None, help="reuse this workspace folder")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--dump", type=Path, default=None, help="write the advice rows here")
    parser.add_argument(
        "--crop-model",
        type=int,
        default=0,
        metavar="MEMBERS",
        help="past seasons: advise with the crop model confirming the trigger (this many "
        "past years per outlook; 0: the water balance alone)",
    )
    parser.add_argument(
        "--raw-trigger",
        action="store_true",
        help="past seasons: trigger at FAO-56's RAW, not at the depletion calibrated on the "
        "cooperative's irrigation records",
    )
    parser.add_argument(
        "--trigger-quantile",
        type=float,
        default=0.25,
        help="the quantile of the recorded depletions that calibrates the trigger",
    )
    args = parser.parse_args()
    names = [n for n in SETS if args.set in ("all", n)]
    present = [n for n in names if SETS[n][0].exists() and SETS[n][1].exists()]
    for missing in sorted(set(names) - set(present)):
        print(f"truth set '{missing}' is not there ({SETS[missing][0].relative_to(REPO)}); skipped")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name in present:
            evaluate(name, args.keep, args)
        return
    with tempfile.TemporaryDirectory(prefix="irrigation-eval-") as folder:
        for name in present:
            evaluate(name, Path(folder), args)


if __name__ == "__main__":
    main()
