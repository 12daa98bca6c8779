"""`agri train`, `agri advise` and `agri evaluate`: the models from the command line.

The three commands are plain functions (`train_command`, `advise_command`, `evaluate_command`)
so the main `agri` app can register them at the top level; `models_app` bundles them as a Typer
app of their own. Every command reads the workspace through the one loader
(`pipelines.store.loader.load_workspace`): whatever `agri import` stored is what they train on,
advise and evaluate. Trained models go to the workspace's model registry; advice is stored as an
advice run (`agri_app.advice_service`). Progress goes to stderr, results to stdout (or `--out`).

The model code (LightGBM, the feature pipeline) is imported inside the commands, so registering
them costs `agri --help` nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agri_app.cli_options import CooperativeOption, WorkspaceOption
from agri_app.settings import SAMPLE_BUNDLE, Settings

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from agri_app.advice_service import RefreshResult
    from models.yield_model import YieldModel
    from pipelines.agronomy.features import FeatureParameters
    from pipelines.store.loader import WorkspaceData

SAMPLE_TRUTH = SAMPLE_BUNDLE.parent / "truth"
# The three in-season dates of `agri evaluate`: 8 weeks, 4 weeks and 0 days before the data's
# reference date.
EVALUATION_OFFSETS_DAYS = (56, 28, 0)
# The code whose change makes a trained model stale (with the training data and settings).
MODEL_CODE = (
    Path(__file__).resolve().parents[1] / "models",
    Path(__file__).resolve().parents[1] / "pipelines" / "agronomy",
)

models_app = typer.Typer(
    help="Yield forecasts and nitrogen and irrigation advice: train, advise, evaluate.",
    no_args_is_help=True,
    add_completion=False,
)


class OutputFormat(StrEnum):
    csv = "csv"
    json = "json"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _progress(message: str) -> None:
    typer.echo(message, err=True)


def open_engine(settings: Settings) -> Engine:
    from pipelines.store import storage

    try:
        return storage.open_workspace(settings.workspace)
    except storage.WorkspaceError as exc:
        raise _fail(str(exc)) from None


def load_data(engine: Engine, cooperative: str | None) -> WorkspaceData:
    """The workspace's data through the one loader; an empty workspace names `agri import`."""
    from pipelines.store.loader import load_workspace
    from pipelines.store.storage import WorkspaceError

    try:
        return load_workspace(engine, cooperative)
    except WorkspaceError as exc:
        raise _fail(str(exc)) from None


def _feature_parameters(settings: Settings) -> FeatureParameters:
    from pipelines.agronomy.features import FeatureParameters
    from pipelines.agronomy.waterbalance import WaterBalanceParameters

    return FeatureParameters(
        water_balance=WaterBalanceParameters(irrigation_efficiency=settings.irrigation_efficiency)
    )


def require_model(settings: Settings) -> str:
    """The latest model's version, without loading it; no model names `agri train`."""
    from models.registry import ModelNotFoundError, ModelRegistry

    try:
        return ModelRegistry(settings.workspace.models_dir).latest()
    except ModelNotFoundError as exc:
        raise _fail(str(exc)) from None


def _load_model(settings: Settings) -> YieldModel:
    from models.registry import ModelNotFoundError, ModelRegistry

    try:
        return ModelRegistry(settings.workspace.models_dir).load()
    except ModelNotFoundError as exc:
        raise _fail(str(exc)) from None


def code_sha256() -> str:
    """Hash of the model and agronomy source code: a change there makes a model stale."""
    digest = hashlib.sha256()
    for folder in MODEL_CODE:
        for path in sorted(folder.rglob("*.py")):
            digest.update(path.relative_to(folder.parent).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def training_fingerprint(settings: Settings, data: WorkspaceData) -> dict[str, str]:
    """What a trained model was made from: the workspace's training data (everything but
    forecasts), the code and the training settings. Equal fingerprints, equal model."""
    return {
        "cooperative_id": data.cooperative_id,
        "reference_date": data.reference_date.date().isoformat(),
        "data_sha256": data.inputs_sha256(with_forecast=False),
        "code_sha256": code_sha256(),
        "settings": repr((settings.train_every_days, settings.irrigation_efficiency)),
    }


def current_model_matches(settings: Settings, data: WorkspaceData) -> str | None:
    """The latest model's version when it was trained on exactly this data, code and settings."""
    from models.registry import ModelNotFoundError, ModelRegistry

    registry = ModelRegistry(settings.workspace.models_dir)
    try:
        metadata = registry.metadata()
    except ModelNotFoundError:
        return None
    if metadata.get("training_inputs") == training_fingerprint(settings, data):
        return str(metadata["version"])
    return None


def refresh_stored_advice(
    engine: Engine,
    settings: Settings,
    trigger: str,
    cooperative: str | None = None,
    data: WorkspaceData | None = None,
) -> RefreshResult | None:
    """Refresh the stored advice after a change (import, upload, training, forecast); prints
    what it did. None when no model is trained yet (there is no advice to refresh)."""
    from agri_app.advice_service import refresh_advice
    from models.registry import ModelNotFoundError

    try:
        result = refresh_advice(
            engine,
            settings,
            trigger=trigger,
            cooperative_id=cooperative,
            progress=lambda done, total, text: _progress(f"  {text}") if total else None,
            data=data,
        )
    except ModelNotFoundError:
        _progress("advice: no trained model yet; run `agri train` to get advice")
        return None
    if result.new_run:
        _progress(
            f"advice as of {result.run.as_of}: {result.computed} field(s) recomputed, "
            f"{result.reused} unchanged (run {result.run.run_id})"
        )
    else:
        _progress(f"advice as of {result.run.as_of}: up to date, nothing changed")
    return result


def refresh_if_trained(settings: Settings, trigger: str, cooperative: str | None) -> None:
    """Refresh stored advice after a change (of `cooperative`, or of every cooperative of the
    workspace), when a model is trained: the model code is only imported then, so a workspace
    without a model imports and ingests without it."""
    from models.registry import ModelRegistry

    if not ModelRegistry(settings.workspace.models_dir).versions():
        return
    from pipelines.store.loader import cooperative_ids

    engine = open_engine(settings)
    for coop in [cooperative] if cooperative else cooperative_ids(engine):
        refresh_stored_advice(engine, settings, trigger, coop)


# --------------------------------------------------------------------------- train


@dataclass(frozen=True)
class TrainingResult:
    model: YieldModel
    version: str
    seconds: float
    training_rows: int


def train_models(
    settings: Settings, data: WorkspaceData, engine: Engine | None = None
) -> TrainingResult:
    """Features at every `train_every_days` of every past season (with the crop model's state
    at each date, its runs kept in the workspace of `engine`), LOSO skill, final models, saved in
    the workspace registry. Raises ValueError when there is too little history."""
    import numpy as np

    from agri_app.crop_model import crop_model_runner, with_crop_state
    from models.irrigation import fit_irrigation_trigger
    from models.nitrogen import fit_nitrogen_model
    from models.registry import ModelRegistry
    from models.yield_model import TARGET, train_yield_model, training_table
    from pipelines.agronomy.features import build_features
    from pipelines.agronomy.season_grid import season_requests

    started = time.perf_counter()
    model_settings = settings.yield_model()
    requests = season_requests(
        data.seasons, data.reference_date, every_days=model_settings.every_days
    )
    harvested = data.seasons.loc[data.seasons[TARGET].notna(), ["field_id", "season"]]
    requests = requests.merge(harvested.astype({"season": np.int64}), on=["field_id", "season"])
    _progress(
        f"building features for {len(requests)} field-season dates of cooperative "
        f"{data.cooperative_id} ({len(data.fields)} fields) ..."
    )
    sources = data.sources()
    features = build_features(sources, requests, _feature_parameters(settings))
    features = with_crop_state(
        features, sources, data.stations, crop_model_runner(settings, engine, _progress)
    )
    table = training_table(features, data.seasons, data.operations, data.crops)
    _progress(
        f"training on {len(table)} rows of {table['season'].nunique()} seasons "
        "(leave-one-season-out, then the final models) ..."
    )
    farm_of_field = data.fields.set_index("field_id")["farm_id"]
    model = train_yield_model(table, model_settings, farm_of_field)
    # N advice: evidence of a within-field response and the calibrated response, per crop.
    nitrogen = fit_nitrogen_model(table, data.crops, settings.nitrogen())
    model = nitrogen.apply_to(model)
    # Irrigation: the depletion at which the cooperative's fields were irrigated, per crop and
    # field, from the past seasons' balance at each recorded irrigation.
    trigger, _ = fit_irrigation_trigger(sources, _feature_parameters(settings).water_balance)
    version = ModelRegistry(settings.workspace.models_dir).save(
        model,
        extra={
            "training_inputs": training_fingerprint(settings, data),
            "irrigation_efficiency": settings.irrigation_efficiency,
            "nitrogen": nitrogen.to_json(),
            "irrigation_trigger": trigger.to_json(),
        },
    )
    return TrainingResult(model, version, time.perf_counter() - started, len(table))


def format_skill_table(skill: pd.DataFrame) -> str:
    """The held-out skill table as aligned text: with `field_mean_coverage_p10_p90`, the
    coverage of the field-mean fallback's interval, and with `serves`, what is served."""
    header = (
        f"{'crop':<14}{'forecast':>9}{'seasons':>8}{'rows':>6}"
        f"{'nRMSE model':>13}{'field mean':>11}{'trend':>8}"
        f"{'skill/mean':>12}{'skill/trend':>12}{'R² model':>10}{'P10-P90 cover':>15}"
        f"{'mean cover':>12}{'serves':>12}"
    )
    lines = [header]
    for row in skill.to_dict(orient="records"):
        fallback_cover = row.get("field_mean_coverage_p10_p90")
        lines.append(
            f"{row['crop']:<14}{row['forecast_point']:>9}{row['seasons']:>8}"
            f"{row['field_seasons']:>6}"
            f"{row['model_nrmse_pct']:>12.1f}%{row['field_mean_nrmse_pct']:>10.1f}%"
            f"{row['trend_nrmse_pct']:>7.1f}%"
            f"{row['skill_vs_field_mean']:>+12.2f}{row['skill_vs_trend']:>+12.2f}"
            f"{row['model_r2']:>10.2f}{100 * row['coverage_p10_p90']:>14.0f}%"
            + (
                f"{100 * fallback_cover:>11.0f}%"
                if isinstance(fallback_cover, float) and fallback_cover == fallback_cover
                else f"{'–':>12}"
            )
            + f"{row.get('serves') or '–':>12}"
        )
    return "\n".join(lines)


SKILL_NOTE = (
    "Held-out (leave-one-season-out) skill; forecast = share of the season's thermal time "
    "(50 % = mid-season). skill = 1 − RMSE_model / RMSE_baseline; cover = share of held-out "
    "field-seasons inside the 80 % interval (model; 'mean cover': the field-mean fallback's "
    "empirical interval), averaged over the held-out seasons. serves: the model where its skill "
    "against the field mean reaches min_skill_vs_field_mean (0.15 by default), else the "
    "field's own mean."
)
FARM_SKILL_NOTE = (
    "Leave-farm-out: each farm forecast by models trained on the other farms' fields in the "
    "same seasons; baselines from each field's own other seasons."
)


def train_command(
    workspace: WorkspaceOption = None,
    cooperative: CooperativeOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the skill table as JSON.")
    ] = False,
) -> None:
    """Train the yield and nitrogen response models on the past seasons imported into the
    workspace, print their held-out skill against the naive baselines, and refresh the stored
    advice with the new model."""
    settings = Settings.from_env(workspace)
    engine = open_engine(settings)
    data = load_data(engine, cooperative)
    try:
        result = train_models(settings, data, engine)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _progress(f"saved model {result.version} in {settings.workspace.models_dir} ")
    refresh_stored_advice(engine, settings, "train", data.cooperative_id, data)
    if json_output:
        payload = {
            "version": result.version,
            "training_seconds": round(result.seconds, 1),
            "training_rows": result.training_rows,
            "skill": _records(result.model.skill),
            "skill_leave_farm_out": _records(result.model.skill_leave_farm_out),
        }
        typer.echo(json.dumps(payload, indent=1))
        return
    typer.echo(format_skill_table(result.model.skill))
    typer.echo(SKILL_NOTE)
    if not result.model.skill_leave_farm_out.empty:
        typer.echo("")
        typer.echo(format_skill_table(result.model.skill_leave_farm_out))
        typer.echo(FARM_SKILL_NOTE)
    typer.echo(
        f"model {result.version}: {result.training_rows} training rows, {result.seconds:.1f} s"
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    import numpy as np

    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in row.items()
            }
        )
    return out


# --------------------------------------------------------------------------- advise


def parse_day(text: str, option: str) -> pd.Timestamp:
    import pandas as pd

    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except ValueError:
        raise _fail(f"{option} {text!r} is not a date; write YYYY-MM-DD") from None


def advise_command(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date of the advice, YYYY-MM-DD (default: the day the imported data run to).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="csv or json.")
    ] = OutputFormat.csv,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file instead of stdout.", show_default=False),
    ] = None,
    workspace: WorkspaceOption = None,
    cooperative: CooperativeOption = None,
) -> None:
    """Compute and store the per-field advice for a date, then print it: yield forecast with
    its 80 % interval, nitrogen to apply now, irrigation due, a status and the reasons
    (docs/models.md lists the columns). Fields whose inputs did not change since the stored
    advice of that date are not recomputed; the app and the weekly report read the same rows."""
    from agri_app.advice_service import refresh_advice, stored_advice
    from agri_app.advice_table import advice_to_csv, advice_to_json

    settings = Settings.from_env(workspace)
    engine = open_engine(settings)
    data = load_data(engine, cooperative)
    day = data.reference_date if as_of is None else parse_day(as_of, "--as-of")
    if day > data.reference_date:
        raise _fail(
            f"--as-of {day:%Y-%m-%d} is after the day the imported data run to "
            f"({data.reference_date:%Y-%m-%d}); there are no observations for it yet"
        )
    model = _load_model(settings)
    if model.last_harvest_date > day:
        _progress(
            f"note: the model was trained on seasons harvested up to "
            f"{model.last_harvest_date:%Y-%m-%d}, after {day:%Y-%m-%d}; this is not an honest "
            "back-test"
        )
    _progress(f"advising {len(data.fields)} fields as of {day:%Y-%m-%d} ...")
    result = refresh_advice(
        engine,
        settings,
        trigger="advise",
        cooperative_id=data.cooperative_id,
        as_of=day,
        data=data,
        progress=lambda done, total, text: _progress(f"  {text}") if total else None,
    )
    stored = stored_advice(engine, run_id=result.run.run_id)
    assert stored is not None
    advice = stored.table
    _progress(
        f"advice run {result.run.run_id} ({result.computed} field(s) computed, "
        f"{result.reused} unchanged, model {result.run.model_version})"
    )
    text = advice_to_json(advice) if output_format == OutputFormat.json else advice_to_csv(advice)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        counts = advice["status"].value_counts().to_dict()
        _progress(
            f"wrote {len(advice)} rows to {out} ("
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + ")"
        )


# --------------------------------------------------------------------------- evaluate


@dataclass(frozen=True)
class Evaluation:
    """`agri evaluate`'s tables (docs/models.md, "Evaluation"): held-out skill of the trained
    model (what is served, and how well), the season in progress against the truth's final
    yield, the nitrogen and irrigation advice of the reference date against the truth, and
    every target's verdict."""

    cooperative_id: str
    reference_date: str
    model_version: str
    season: int
    skill: pd.DataFrame  # leave-one-season-out, `models.evaluate.served_skill_table`
    skill_leave_farm_out: pd.DataFrame
    yields: pd.DataFrame  # the season against the final yield, per crop and date
    nitrogen: pd.DataFrame  # per swept crop and strategy: profit lost against the sweep
    nitrogen_advice: pd.DataFrame  # per crop: fields advised N, response, after the last stage
    irrigation_triggers: pd.DataFrame  # fields under the truth's irrigation rule
    irrigation_outside: pd.DataFrame  # other fields: advised in the window, not scored
    irrigation_stake: pd.DataFrame
    verdicts: pd.DataFrame  # part, crop, check, value, target, verdict
    crop: str  # the crop of the N sweep (the first when several)
    n_price_eur_per_kg_n: float
    grain_price_eur_t: float


def _nitrogen_decisions(
    engine: Engine,
    settings: Settings,
    data: WorkspaceData,
    reference: pd.Timestamp,
    reference_advice: pd.DataFrame,
) -> pd.DataFrame:
    """Per field: the season total N recommended on the latest evaluation date at which its
    crop was still before `n_last_useful_progress`, and that date (stored advice runs)."""
    import pandas as pd

    from agri_app.advice_service import refresh_advice, stored_advice

    last_useful = data.crops.set_index("crop_id")["n_last_useful_progress"].astype(float)
    chosen: dict[str, tuple[pd.Timestamp, float]] = {}
    for offset in sorted(EVALUATION_OFFSETS_DAYS):  # the reference date first, then earlier
        day = reference - pd.Timedelta(days=offset)
        if offset == 0:
            advice = reference_advice
        else:
            run = refresh_advice(
                engine,
                settings,
                trigger="evaluate",
                cooperative_id=data.cooperative_id,
                as_of=day,
                data=data,
            ).run
            stored = stored_advice(engine, run_id=run.run_id)
            assert stored is not None
            advice = stored.table
        progress = advice["season_progress_pct"] / 100.0
        before = progress < advice["crop"].map(last_useful)
        usable = advice[before & advice["n_total_recommended_kg_ha"].notna()]
        totals = usable["n_total_recommended_kg_ha"].astype(float)
        for field_id, total in zip(usable["field_id"], totals, strict=True):
            chosen.setdefault(str(field_id), (day, float(total)))
    return pd.DataFrame(
        [(f, d, n) for f, (d, n) in chosen.items()],
        columns=["field_id", "decided_on", "n_total_recommended_kg_ha"],
    ).set_index("field_id")


def _truth_table(truth_dir: Path, name: str) -> pd.DataFrame:
    import pandas as pd

    path = truth_dir / name
    if not path.exists():
        raise _fail(
            f"no {name} in {truth_dir}; pass --truth DIR (the sample's is sample_data/truth)"
        )
    return pd.read_csv(path)


def _season_forecasts(
    settings: Settings,
    model: YieldModel,
    data: WorkspaceData,
    day: pd.Timestamp,
    engine: Engine | None = None,
) -> pd.DataFrame:
    """The served forecasts of the season in progress as of `day` (data up to `day` only), with
    the naive baselines from the seasons harvested by then."""
    import numpy as np
    import pandas as pd

    from agri_app.crop_model import crop_model_runner, with_crop_state
    from models.yield_model import (
        TARGET,
        baseline_forecasts,
        predict_yield,
        standard_moisture_yield,
    )
    from pipelines.agronomy.features import build_features

    season = int(data.reference_date.year)
    growing = data.seasons[
        (data.seasons["season"] == season) & (data.seasons["sowing_date"] <= day)
    ]
    requests = growing[["field_id", "season"]].assign(as_of=day)
    sources = data.sources()
    features = build_features(sources, requests, _feature_parameters(settings))
    features = with_crop_state(
        features, sources, data.stations, crop_model_runner(settings, engine, _progress)
    ).reset_index()
    predicted = predict_yield(model, features)
    past = data.seasons[data.seasons[TARGET].notna() & (data.seasons["harvest_date"] <= day)]
    standard = past["crop"].map(data.crops.set_index("crop_id")["yield_moisture_pct"])
    past = past.assign(
        **{TARGET: standard_moisture_yield(past[TARGET], past["yield_moisture_pct"], standard)}
    )
    parts = []
    for crop, rows in features.groupby("crop"):
        history = past.loc[past["crop"] == crop, ["field_id", "season", TARGET]]
        base = baseline_forecasts(
            history.astype({"season": np.int64}), rows[["field_id", "season"]]
        )
        parts.append(base.set_index(rows.index))
    baselines = pd.concat(parts)
    return pd.DataFrame(
        {
            "field_id": features["field_id"],
            "crop": features["crop"].astype(str),
            "as_of": day,
            "yield_p10_t_ha": predicted["yield_p10_t_ha"],
            "yield_p50_t_ha": predicted["yield_p50_t_ha"],
            "yield_p90_t_ha": predicted["yield_p90_t_ha"],
            "season_progress": predicted["season_progress"],
            "yield_source": predicted["yield_source"],
            "baseline_field_mean_t_ha": baselines["field_mean"],
            "baseline_trend_t_ha": baselines["linear_trend"],
        }
    )


def evaluate_models(
    settings: Settings, engine: Engine, model: YieldModel, data: WorkspaceData, truth_dir: Path
) -> Evaluation:
    """The issue's evaluation of the workspace's cooperative against a simulation's truth
    (read only here): the trained model's held-out skill from its registry metadata, the season
    in progress at three dates against the final yield, and the stored advice of the reference
    date (computed if missing) against the truth's N sweep and triggered irrigation."""
    import numpy as np
    import pandas as pd

    from agri_app.advice_service import refresh_advice, stored_advice
    from models.evaluate import (
        VERDICT_COLUMNS,
        flat_rate_strategies,
        held_out_skill,
        irrigation_evaluation,
        irrigation_verdicts,
        nitrogen_advice_counts,
        nitrogen_advice_verdicts,
        nitrogen_evaluation,
        nitrogen_verdicts,
        yield_forecast_errors,
        yield_verdicts,
    )
    from models.registry import ModelRegistry
    from models.yield_model import TARGET, season_nitrogen_totals

    reference = data.reference_date
    final = _truth_table(truth_dir, "final_yield_2026.csv")
    response = _truth_table(truth_dir, "n_response_2026.csv")
    sweep = _truth_table(truth_dir, "n_sweep_2026.csv")
    irrigation_truth = _truth_table(truth_dir, "irrigation_2026.csv")
    planned = _truth_table(truth_dir, "planned_operations_2026.csv")
    metadata = json.loads((truth_dir / "metadata.json").read_text())
    season = int(reference.year)

    registry_metadata = ModelRegistry(settings.workspace.models_dir).metadata()
    skill = held_out_skill(registry_metadata)

    forecasts = []
    for offset in EVALUATION_OFFSETS_DAYS:
        day = reference - pd.Timedelta(days=offset)
        _progress(f"forecasting the {season} season as of {day:%Y-%m-%d} ...")
        forecasts.append(_season_forecasts(settings, model, data, day, engine))
    yields = yield_forecast_errors(pd.concat(forecasts, ignore_index=True), final)

    _progress(f"advice as of {reference:%Y-%m-%d} for the nitrogen and irrigation evaluation ...")
    run = refresh_advice(
        engine,
        settings,
        trigger="evaluate",
        cooperative_id=data.cooperative_id,
        as_of=reference,
        data=data,
    ).run
    stored = stored_advice(engine, run_id=run.run_id)
    assert stored is not None
    advice = stored.table

    # N is decided while it still pays: score each field's recommendation from the latest
    # evaluation date at which its crop had not passed its last useful stage (the reference
    # date's advice, once a crop is past that stage, only repeats the N the farm applied).
    decided = _nitrogen_decisions(engine, settings, data, reference, advice)

    prices = metadata["prices"]
    n_price = float(prices["n_eur_per_kg_n"])
    # The truth's optimum is defined by its price ratio (kg grain per kg N) and N price.
    grain_price = 1000.0 * n_price / float(prices["price_ratio_kg_grain_per_kg_n"])
    crop_of_field = final.set_index("field_id")["crop"].astype(str)
    swept_crops = sorted(set(crop_of_field.reindex(sweep["field_id"].unique()).dropna()))
    recommended_all = advice.set_index("field_id")["n_total_recommended_kg_ha"]
    totals = season_nitrogen_totals(data.operations).reset_index()
    eonr = response.set_index("field_id")["eonr_sweep_kg_ha"]
    planned_n = response.set_index("field_id")["n_planned_kg_ha"]
    nitrogen_tables, verdicts = [], [yield_verdicts(skill)]
    for crop in swept_crops:
        swept = sorted(set(sweep["field_id"]) & set(crop_of_field[crop_of_field == crop].index))
        swept = [f for f in swept if f in recommended_all.index]  # the workspace's fields
        recommended = (
            decided["n_total_recommended_kg_ha"]
            .reindex(swept)
            .fillna(recommended_all.reindex(swept))
        )
        history = data.seasons[(data.seasons["crop"] == crop) & data.seasons[TARGET].notna()]
        history_n = history.astype({"season": np.int64}).merge(
            totals, on=["field_id", "season"], how="left"
        )
        average = float(history_n["n_season_total_kg_ha"].fillna(0.0).mean())
        strategies = {
            "model recommendation": recommended,
            f"cooperative average ({average:.0f} kg N/ha, past {crop} seasons)": pd.Series(
                average, index=recommended.index
            ),
            **flat_rate_strategies(recommended.index),
            "farm plan (as planned in the simulation)": planned_n.reindex(recommended.index),
            f"model recommendation as of {reference:%Y-%m-%d}": recommended_all.reindex(swept),
        }
        table = nitrogen_evaluation(
            strategies, sweep[sweep["field_id"].isin(swept)], eonr, grain_price, n_price
        )
        nitrogen_tables.append(table.assign(crop=crop))
        verdicts.append(nitrogen_verdicts(table).assign(part="nitrogen", crop=crop))
    nitrogen = pd.concat(nitrogen_tables, ignore_index=True) if nitrogen_tables else pd.DataFrame()

    crop_table = data.crops.set_index("crop_id")
    last_useful = (
        {str(k): float(v) for k, v in crop_table["n_last_useful_progress"].items()}
        if "n_last_useful_progress" in crop_table
        else {}
    )
    supported = {
        str(crop): bool(info["n_response_supported"])
        for crop, info in registry_metadata.get("crops", {}).items()
        if info.get("n_response_supported") is not None
    }
    nitrogen_advice = nitrogen_advice_counts(advice, last_useful, supported, swept_crops)
    verdicts.append(nitrogen_advice_verdicts(nitrogen_advice))

    events = planned.loc[planned["operation"] == "irrigation", ["field_id", "date"]]
    irrigation = irrigation_evaluation(advice, irrigation_truth, events)
    verdicts.append(
        irrigation_verdicts(irrigation["triggers"], irrigation["stake"]).assign(part="irrigation")
    )
    return Evaluation(
        cooperative_id=data.cooperative_id,
        reference_date=reference.date().isoformat(),
        model_version=str(registry_metadata["version"]),
        season=season,
        skill=skill["leave_one_season_out"],
        skill_leave_farm_out=skill["leave_farm_out"],
        yields=yields,
        nitrogen=nitrogen,
        nitrogen_advice=nitrogen_advice,
        irrigation_triggers=irrigation["triggers"],
        irrigation_outside=irrigation["outside"],
        irrigation_stake=irrigation["stake"],
        verdicts=pd.concat(
            [v[VERDICT_COLUMNS] for v in verdicts if not v.empty]
            or [pd.DataFrame(columns=VERDICT_COLUMNS)],
            ignore_index=True,
        ),
        crop=swept_crops[0] if swept_crops else "",
        n_price_eur_per_kg_n=n_price,
        grain_price_eur_t=grain_price,
    )


def _cell(value: Any, spec: str) -> str:
    """One table cell: `spec` formats a finite number ("pct" for a share in %, "+.2f", ...);
    missing numbers read "–", text stays text."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, str) or not spec:
        return str(value)
    if spec == "pct":
        return f"{100 * float(value):.0f} %"
    if spec == "pct1":  # already in percent
        return f"{float(value):.1f} %"
    return format(value, spec)


def _text_table(frame: pd.DataFrame, columns: list[tuple[str, str, str]]) -> list[str]:
    """Aligned lines of `frame`: `columns` are (column, header, spec); text columns (empty
    spec) are left-aligned, numbers right-aligned."""
    header = [title for _, title, _ in columns]
    body = [
        [_cell(row.get(name), spec) for name, _, spec in columns]
        for row in frame.to_dict(orient="records")
    ]
    widths = [max(len(r[k]) for r in [header, *body]) for k in range(len(columns))]
    lines = []
    for cells in [header, *body]:
        lines.append(
            "  ".join(
                c.ljust(w) if not spec else c.rjust(w)
                for c, w, (_, _, spec) in zip(cells, widths, columns, strict=True)
            ).rstrip()
        )
    return lines


SKILL_COLUMNS = [
    ("crop", "crop", ""),
    ("forecast_point", "forecast", ""),
    ("model_nrmse_pct", "nRMSE model", "pct1"),
    ("field_mean_nrmse_pct", "nRMSE field mean", "pct1"),
    ("skill_vs_field_mean", "skill", "+.2f"),
    ("serves", "serves", ""),
    ("served_nrmse_pct", "served nRMSE", "pct1"),
    ("served_skill_vs_field_mean", "served skill", "+.2f"),
    ("served_coverage_p10_p90", "served cover", "pct"),
    ("verdict", "verdict (>= 0.15)", ""),
    ("coverage_verdict", "cover 75-85 %", ""),
]


def format_evaluation(result: Evaluation) -> str:
    """The evaluation as aligned text: held-out skill, the season against the truth, nitrogen,
    irrigation and the targets' verdicts."""
    lines = [
        f"Evaluation of {result.cooperative_id} (reference date {result.reference_date}, "
        f"model {result.model_version})",
        "",
        "1. Held-out yield skill (leave-one-season-out), from the model's metadata. serves: "
        "the model where its skill against the field mean reaches 0.15, else the field mean; "
        "served: the forecast users get (the field mean's skill is 0).",
        *_text_table(result.skill, SKILL_COLUMNS),
    ]
    if not result.skill_leave_farm_out.empty:
        lines += [
            "",
            "   Leave-farm-out (models trained on the other farms; what is served is decided "
            "by leave-one-season-out):",
            *_text_table(result.skill_leave_farm_out, SKILL_COLUMNS),
        ]
    lines += [
        "",
        f"2. The {result.season} season against the truth's final yield (t/ha at the crop's "
        "standard moisture; the served forecast, data up to each date)",
        *_text_table(
            result.yields,
            [
                ("crop", "crop", ""),
                ("as_of", "as of", ""),
                ("season_progress_pct", "progress", "pct1"),
                ("fields", "fields", "d"),
                ("yield_source", "yield source", ""),
                ("mae_t_ha", "MAE", ".2f"),
                ("rmse_t_ha", "RMSE", ".2f"),
                ("nrmse_pct", "nRMSE", "pct1"),
                ("bias_t_ha", "bias", "+.2f"),
                ("coverage_p10_p90", "cover", "pct"),
                ("field_mean_rmse_t_ha", "RMSE field mean", ".2f"),
                ("trend_rmse_t_ha", "RMSE trend", ".2f"),
                ("skill_vs_field_mean", "skill/mean", "+.2f"),
                ("coverage_verdict", "cover 75-85 %", ""),
            ],
        ),
        "",
        "3. Nitrogen: season total N recommended against each field's best rate on its "
        f"simulated sweep (N {result.n_price_eur_per_kg_n:.2f} EUR/kg, grain "
        f"{result.grain_price_eur_t:.0f} EUR/t). 'model recommendation' is the advice of the "
        "latest evaluation date at which the field's crop was still before its last useful "
        f"stage for N; the advice of {result.reference_date} is listed too.",
    ]
    if not result.nitrogen.empty:
        lines += _text_table(
            result.nitrogen,
            [
                ("strategy", "strategy", ""),
                ("crop", "crop", ""),
                ("fields", "fields", "d"),
                ("mean_n_kg_ha", "mean N", ".0f"),
                ("mae_vs_eonr_kg_ha", "MAE vs EONR", ".1f"),
                ("profit_lost_mean_eur_ha", "lost EUR/ha: mean", ".1f"),
                ("profit_lost_median_eur_ha", "median", ".1f"),
                ("profit_lost_max_eur_ha", "max", ".1f"),
            ],
        )
    lines += [
        "",
        "   N advice per crop (n_rate_now > 0; the truth's response: the crops of its N sweep):",
        *_text_table(
            result.nitrogen_advice,
            [
                ("crop", "crop", ""),
                ("fields", "fields", "d"),
                ("fields_advised_n", "advised N", "d"),
                ("mean_rate_now_kg_ha", "mean rate now", ".0f"),
                ("model_response", "model response", ""),
                ("truth_response", "truth response", ""),
                ("n_last_useful_progress_pct", "last useful", "pct1"),
                ("fields_advised_after_last_stage", "advised after it", "d"),
            ],
        ),
        "",
        "4. Irrigation: truth trigger events in the 7 days after the reference date against "
        "advice with irrigation_mm > 0 dated in them (fields the truth's rule irrigates)",
        *_text_table(
            result.irrigation_triggers,
            [
                ("crop", "crop", ""),
                ("windows", "fields", "d"),
                ("event_windows", "with event", "d"),
                ("hits", "hits", "d"),
                ("hit_rate", "hit rate", "pct"),
                ("flagged", "advised", "d"),
                ("false_alarms", "false alarms", "d"),
                ("false_alarm_ratio", "false-alarm ratio", "pct"),
            ],
        ),
        "   Advised in those days on fields the simulation never irrigates (not scored): "
        + (
            ", ".join(
                f"{row['crop']} {row['advised']} of {row['fields']}"
                for row in result.irrigation_outside.to_dict(orient="records")
            )
            or "none"
        ),
        "",
        "   What the advice says irrigation is worth over the rest of the season (the crop "
        "model's irrigated − as-managed yield over past years' weather to come; without a crop "
        "model, the next application's FAO-33 stake) against the truth's irrigated − rainfed "
        "gain of the season:",
        *_text_table(
            result.irrigation_stake,
            [
                ("scope", "fields", ""),
                ("crop", "crop", ""),
                ("fields", "n", "d"),
                ("stake_mean_t_ha", "stake t/ha", ".2f"),
                ("gain_mean_t_ha", "gain t/ha", ".2f"),
                ("ratio_of_means", "ratio", ".2f"),
                ("median_ratio", "median ratio", ".2f"),
                ("within_tolerance", "within 30 %", "pct"),
            ],
        ),
        "",
        "5. Targets",
        *_text_table(
            result.verdicts,
            [
                ("part", "part", ""),
                ("crop", "crop", ""),
                ("check", "check", ""),
                ("value", "value", ".2f"),
                ("target", "target", ""),
                ("verdict", "verdict", ""),
            ],
        ),
    ]
    return "\n".join(lines)


def evaluation_json(result: Evaluation) -> dict[str, Any]:
    """The evaluation as one JSON-ready object (NaN as null)."""
    return {
        "cooperative_id": result.cooperative_id,
        "reference_date": result.reference_date,
        "model_version": result.model_version,
        "season": result.season,
        "skill": {
            "leave_one_season_out": _records(result.skill),
            "leave_farm_out": _records(result.skill_leave_farm_out),
        },
        "yield": _records(result.yields),
        "nitrogen": {
            "crop": result.crop,
            "n_price_eur_per_kg_n": result.n_price_eur_per_kg_n,
            "grain_price_eur_t": result.grain_price_eur_t,
            "strategies": _records(result.nitrogen),
            "advice": _records(result.nitrogen_advice),
        },
        "irrigation": {
            "window_days": 7,
            "triggers": _records(result.irrigation_triggers),
            "outside_the_truth_rule": _records(result.irrigation_outside),
            "stake": _records(result.irrigation_stake),
        },
        "verdicts": _records(result.verdicts),
    }


def evaluate_command(
    workspace: WorkspaceOption = None,
    cooperative: CooperativeOption = None,
    truth: Annotated[
        Path, typer.Option("--truth", help="The simulation's truth folder.")
    ] = SAMPLE_TRUTH,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score the trained model and the stored advice of the reference date against a
    simulation's truth: held-out yield skill and what is served, the season in progress against
    the final yield, nitrogen against each field's best rate, irrigation against the triggered
    run, with a verdict per target (generated data only: a real cooperative has no truth)."""
    settings = Settings.from_env(workspace)
    if not truth.is_dir():
        raise _fail(f"no truth folder at {truth}; pass --truth DIR")
    engine = open_engine(settings)
    data = load_data(engine, cooperative)
    model = _load_model(settings)
    result = evaluate_models(settings, engine, model, data, truth)
    if json_output:
        typer.echo(json.dumps(evaluation_json(result), indent=1))
        return
    typer.echo(format_evaluation(result))


models_app.command("train")(train_command)
models_app.command("advise")(advise_command)
models_app.command("evaluate")(evaluate_command)
