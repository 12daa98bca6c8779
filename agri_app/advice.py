"""Per-field advice for a date: the models' outputs combined into one row per field with a
status and the reasons an agronomist can check.

`build_advice` wires the pieces (features as of the date, yield forecast with interval and
drivers, nitrogen recommendation, irrigation plan from the projected water balance);
`advice_rules` turns them into `status` and `reasons`. The science lives in `models/`; the rules
here only decide what to say.

Statuses, in order of precedence:

- `no-season`: the field has no crop growing on the date;
- `no-model`: the crop has no trained model (too few harvested seasons);
- `act`: there is something to do: nitrogen to apply now, or irrigation due within the forecast;
- `watch`: nothing to do yet, but the P50 forecast is more than `watch_below_past_pct` below
  the field's past yields of the crop, or the field will be short of water and cannot be
  irrigated (no equipment), or forecast rain is expected to cover a deficit, or the water
  would cost more than the yield at stake (not in the crop's late-season stage);
- `ok`: none of the above.

The yield forecast comes from the model, or where the model showed no held-out skill at the
field's stage of the season, from the field's own mean (`yield_source` "field mean"); its reason
then says "no better than this field's average yet" and it has no drivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agri_app.advice_table import ADVICE_COLUMNS
from agri_app.crop_model import Outlook, in_season_outlook, with_crop_state
from agri_app.settings import Settings
from models.explain import top_drivers
from models.irrigation import (
    IrrigationTrigger,
    irrigation_plan,
    projected_water_balance,
    weather_scenarios,
)
from models.nitrogen import (
    N_AT_CAP,
    N_NO_CALIBRATION,
    N_NO_RESPONSE,
    N_PAST_LAST_STAGE,
    NitrogenModel,
    recommend_nitrogen,
    water_outlook,
)
from models.yield_model import (
    SOURCE_FIELD_MEAN,
    YieldModel,
    predict_yield,
    with_crop_model_columns,
)
from pipelines.agronomy.crop_indicators import OUTLOOK_COLUMNS, Runner
from pipelines.agronomy.features import FeatureParameters, build_features
from pipelines.agronomy.season_grid import SeasonSources
from pipelines.agronomy.waterbalance import WaterBalanceParameters


@dataclass(frozen=True)
class AdviceRules:
    """Thresholds of the wording rules (not of the science).

    `watch_below_past_pct`: a P50 this far below the field's past mean yield of the crop earns
    `watch`; about one standard deviation of the sample cooperative's wheat yields within a
    season (0.7-1.4 t/ha on 10.5 t/ha).
    """

    watch_below_past_pct: float = 10.0


def in_season_requests(seasons: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """(field_id, season, as_of) of the seasons growing on `as_of`: sown on or before it and not
    harvested before it."""
    growing = seasons[
        (seasons["sowing_date"] <= as_of)
        & (seasons["harvest_date"].isna() | (seasons["harvest_date"] > as_of))
    ]
    growing = growing.sort_values(["field_id", "sowing_date"]).drop_duplicates(
        "field_id", keep="last"
    )
    return pd.DataFrame(
        {
            "field_id": growing["field_id"].to_numpy(),
            "season": growing["season"].astype(np.int64).to_numpy(),
            "as_of": as_of,
        }
    )


def build_advice(
    sources: SeasonSources,
    stations: pd.DataFrame,
    forecast: pd.DataFrame,
    model: YieldModel,
    settings: Settings,
    as_of: pd.Timestamp,
    rules: AdviceRules | None = None,
    crop_model: Runner | None = None,
    irrigation_trigger: IrrigationTrigger | None = None,
) -> pd.DataFrame:
    """One row per field of `sources.fields` with the `ADVICE_COLUMNS`, for `as_of`.

    `sources` may hold data after `as_of` (a back-test): features cut at as_of, and the water
    balance projection uses only observed weather up to as_of and the forecast issued by then.
    `crop_model` runs the crop model (`agri_app.crop_model.crop_model_runner`): the crop state
    at `as_of` feeds the yield model, and the outlook over past years' weather to come gives the
    N response its attainable yields and irrigation its value over the rest of the season.
    Without it those parts fall back to the FAO-56/FAO-33 ones. `irrigation_trigger`: the
    depletion at which fields are irrigated (default: the one trained with `model`; RAW without).
    """
    rules = rules or AdviceRules()
    as_of = pd.Timestamp(as_of).normalize()
    balance_params = WaterBalanceParameters(irrigation_efficiency=settings.irrigation_efficiency)
    requests = in_season_requests(sources.seasons, as_of)
    frame = pd.DataFrame({"field_id": sources.fields["field_id"].to_numpy()})
    if requests.empty:
        return advice_rules(_empty_advice(frame, as_of), rules)

    features = build_features(sources, requests, FeatureParameters(water_balance=balance_params))
    if crop_model is not None:
        features = with_crop_state(features, sources, stations, crop_model)
    features = with_crop_model_columns(features.reset_index())
    forecast_yield = predict_yield(model, features)
    trained_with = training_metadata(settings, model)
    nitrogen_model = NitrogenModel.from_json(trained_with.get("nitrogen"))
    outlook = (
        in_season_outlook(
            sources,
            stations,
            _outlook_requests(features, forecast_yield, nitrogen_model, sources),
            settings,
            crop_model,
            forecast,
        )
        if crop_model is not None
        else None
    )
    nitrogen = recommend_nitrogen(
        model,
        features,
        sources.crops,
        settings.nitrogen(),
        nitrogen_model,
        _nitrogen_outlook(sources, features, nitrogen_model, balance_params),
        crop_model_members=outlook.members if outlook is not None else None,
    )
    season_value = _season_value(features, outlook)
    # A field-mean forecast has no drivers: the model's would explain a number not served.
    drivers = top_drivers(model, features).where(
        forecast_yield["yield_source"] != SOURCE_FIELD_MEAN, ""
    )

    balance = projected_water_balance(
        sources, sources.weather, stations, forecast, requests, balance_params
    )
    crops = sources.crops.set_index("crop_id")
    # FAO-33's Ym is the P50: the median forecast, not the optimistic end of the interval.
    irrigation_context = pd.DataFrame(
        {
            "field_id": features["field_id"].to_numpy(),
            "season": features["season"].astype(np.int64).to_numpy(),
            "irrigated": features["field_id"]
            .map(sources.fields.set_index("field_id")["irrigated"])
            .eq(True)
            .to_numpy(),
            "expected_yield_t_ha": forecast_yield["yield_p50_t_ha"].to_numpy(),
            "ky_season": features["crop"].map(crops["ky_season"]).to_numpy(),
            "grain_price_eur_t": features["crop"].map(crops["grain_price_eur_t"]).to_numpy(),
        }
    )
    trigger = irrigation_trigger or IrrigationTrigger.from_json(
        trained_with.get("irrigation_trigger")
    )
    if trigger is not None:
        irrigation_context["trigger_depletion_fraction"] = trigger.fraction(
            list(features["field_id"].astype(str)), list(features["crop"].astype(str))
        )
    # Beyond the forecast, the station's past years are the weather scenarios of the stake.
    scenarios = weather_scenarios(sources.weather, stations, balance, balance_params.curve_number)
    plan = irrigation_plan(balance, settings.irrigation(), irrigation_context, scenarios)
    plan = features[["field_id", "season"]].merge(plan, on=["field_id", "season"], how="left")
    plan = crop_model_confirms(plan, season_value)
    rows = pd.DataFrame(
        {
            "field_id": features["field_id"],
            "season": features["season"].astype(np.int64),
            "crop": features["crop"].astype(str),
            "as_of": as_of,
            "yield_p10_t_ha": forecast_yield["yield_p10_t_ha"].to_numpy(),
            "yield_p50_t_ha": forecast_yield["yield_p50_t_ha"].to_numpy(),
            "yield_p90_t_ha": forecast_yield["yield_p90_t_ha"].to_numpy(),
            "yield_moisture_pct": features["crop"].map(crops["yield_moisture_pct"]).to_numpy(),
            "season_progress_pct": 100.0 * forecast_yield["season_progress"].to_numpy(),
            "n_applied_kg_ha": nitrogen["n_applied_kg_ha"].to_numpy(),
            "n_rate_now_kg_ha": nitrogen["n_rate_now_kg_ha"].to_numpy(),
            "n_total_recommended_kg_ha": nitrogen["n_total_recommended_kg_ha"].to_numpy(),
            "n_expected_gain_t_ha": nitrogen["n_expected_gain_t_ha"].to_numpy(),
            "n_cap_kg_ha": nitrogen["n_cap_kg_ha"].to_numpy(),
            "n_response_supported": nitrogen["n_response_supported"].to_numpy(),
            "n_later_kg_ha": nitrogen["n_later_kg_ha"].to_numpy(),
            "n_status": nitrogen["n_status"].to_numpy(),
            "n_last_useful_progress": nitrogen["n_last_useful_progress"].to_numpy(),
            "grain_price_eur_t": features["crop"].map(crops["grain_price_eur_t"]).to_numpy(),
            "irrigation_mm": plan["irrigation_mm"].to_numpy(),
            "irrigation_date": plan["irrigation_date"].to_numpy(),
            "irrigation_yield_at_stake_t_ha": plan["yield_at_stake_t_ha"].to_numpy(),
            "irrigation_season_value_t_ha": season_value["cm_irrigation_gain_t_ha"].to_numpy(),
            "irrigation_season_mm": season_value["cm_irrigation_mm"].to_numpy(),
            "crop_model_p10_t_ha": season_value["cm_outlook_p10_t_ha"].to_numpy(),
            "crop_model_p50_t_ha": season_value["cm_outlook_p50_t_ha"].to_numpy(),
            "crop_model_p90_t_ha": season_value["cm_outlook_p90_t_ha"].to_numpy(),
            "crop_model_members": season_value["cm_outlook_members"].to_numpy(),
            "root_zone_depletion_mm": plan["depletion_mm"].to_numpy(),
            "readily_available_water_mm": plan["raw_mm"].to_numpy(),
            "reaches_raw_date": plan["reaches_raw_date"].to_numpy(),
            "irrigation_reason": plan["irrigation_reason"].to_numpy(),
            "irrigation_advised": plan["irrigation_mm"].fillna(0.0).to_numpy() > 0,
            "irrigation_decision": plan["irrigation_decision"].to_numpy(),
            "past_mean_yield_t_ha": features["past_mean_yield_t_ha"].to_numpy(),
            "has_model": features["crop"].astype(str).isin(list(model.crops)).to_numpy(),
            "drivers": drivers.to_numpy(),
            "yield_source": forecast_yield["yield_source"].to_numpy(),
        }
    )
    merged = frame.merge(rows, on="field_id", how="left")
    merged["as_of"] = as_of
    return advice_rules(merged, rules, settings.n_price_eur_per_kg_n)


def training_metadata(settings: Settings, model: YieldModel) -> dict[str, Any]:
    """What was saved with `model` in the workspace's model registry (the newest version
    trained on the same data): the N evidence and calibration ("nitrogen"), the irrigation
    trigger ("irrigation_trigger"); empty for a model without it."""
    from models.registry import ModelNotFoundError, ModelRegistry

    registry = ModelRegistry(settings.workspace.models_dir)
    for version in reversed(registry.versions()):
        try:
            metadata = registry.metadata(version)
        except ModelNotFoundError:
            continue
        if metadata.get("training_data_sha256") == model.training_data_sha256:
            return metadata
    return {}


def crop_model_confirms(plan: pd.DataFrame, season_value: pd.DataFrame) -> pd.DataFrame:
    """The irrigation plan with irrigation advised only where the crop model agrees.

    Where the crop model's irrigated twin ran (a field with equipment and a crop model), an
    irrigation the FAO-56 balance advises stands only when the twin, on the observed weather and
    the forecast, also reaches the crop's depletion threshold by the end of the forecast
    (`cm_irrigation_trigger_date`): WOFOST follows the field's soil layer by layer of rooting and
    the crop's own transpiration, and a false alarm costs the farmer a pass. Elsewhere the plan
    is unchanged. Rows in the same order."""
    out = plan.copy()
    twin = season_value["cm_irrigation_gain_t_ha"].notna().to_numpy()
    trigger = pd.to_datetime(season_value["cm_irrigation_trigger_date"]).to_numpy()
    end = pd.to_datetime(out["projection_end"]).to_numpy()
    advised = out["irrigation_mm"].fillna(0.0).to_numpy() > 0
    confirmed = ~pd.isna(trigger) & (pd.isna(end) | (trigger <= end))
    veto = twin & advised & ~confirmed
    if not veto.any():
        return out
    out.loc[veto, "irrigation_mm"] = 0.0
    out.loc[veto, "irrigation_date"] = pd.NaT
    out.loc[veto, "yield_at_stake_t_ha"] = 0.0
    out.loc[veto, "irrigation_decision"] = "no-trigger"
    reaches = pd.to_datetime(out.loc[veto, "reaches_raw_date"])
    out.loc[veto, "irrigation_reason"] = [
        "no irrigation yet: the water balance reaches the readily available water"
        + (f" on {day:%Y-%m-%d}" if not pd.isna(day) else "")
        + ", but the crop model keeps the root zone above the crop's depletion threshold "
        "through the forecast"
        for day in reaches
    ]
    return out


def _outlook_requests(
    features: pd.DataFrame,
    forecast_yield: pd.DataFrame,
    nitrogen_model: NitrogenModel | None,
    sources: SeasonSources,
) -> pd.DataFrame:
    """The rows whose advice reads the crop model's outlook: a crop whose N response is
    calibrated on the crop model, before its last useful stage for N; a field with irrigation
    equipment before its crop's late-season stage. (Each member is a season of WOFOST: the other
    fields are not run.)"""
    crop = features["crop"].astype(str)
    progress = forecast_yield["season_progress"].to_numpy(np.float64)
    crops = sources.crops.set_index("crop_id")
    responses = nitrogen_model.responses if nitrogen_model is not None else {}
    uses_model = crop.map(lambda c: c in responses and responses[c].uses_crop_model).to_numpy(bool)
    last_useful = crop.map(crops["n_last_useful_progress"]).astype(float).to_numpy()
    n_rows = uses_model & ~(progress >= last_useful)
    stages = crops[["stage_ini_days", "stage_dev_days", "stage_mid_days", "stage_late_days"]]
    late_share = (stages["stage_late_days"] / stages.sum(axis=1)).reindex(crop).to_numpy()
    equipped = (
        features["field_id"].map(sources.fields.set_index("field_id")["irrigated"]).eq(True)
    ).to_numpy(bool)
    water_rows = equipped & ~(progress >= 1.0 - late_share)
    return features.loc[n_rows | water_rows, ["field_id", "season", "as_of"]]


def _season_value(features: pd.DataFrame, outlook: Outlook | None) -> pd.DataFrame:
    """The crop model's outlook columns per feature row (NaN where none)."""
    keys = features[["field_id", "season"]].astype({"season": np.int64})
    if outlook is None or outlook.summary.empty:
        return keys.assign(**{name: np.nan for name in OUTLOOK_COLUMNS})
    summary = outlook.summary.drop(columns="as_of").astype({"season": np.int64})
    return keys.merge(summary, on=["field_id", "season"], how="left")


def _nitrogen_outlook(
    sources: SeasonSources,
    features: pd.DataFrame,
    nitrogen_model: NitrogenModel | None,
    balance_params: WaterBalanceParameters,
) -> pd.DataFrame | None:
    """The water outlook (`models.nitrogen.water_outlook`) of the fields whose crop has a
    calibrated N response; None when none has."""
    if nitrogen_model is None or not nitrogen_model.responses:
        return None
    season_days = {crop: r.season_days for crop, r in nitrogen_model.responses.items()}
    wanted = features[features["crop"].astype(str).isin(list(season_days))]
    if wanted.empty:
        return None
    requests = wanted[["field_id", "season", "as_of"]]
    return water_outlook(sources, requests, season_days, balance_params)


def _empty_advice(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    out = frame.copy()
    for column in ADVICE_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    out["as_of"] = as_of
    return out


def _float(row: dict[str, object], key: str) -> float:
    """The row's value as a float; NaN when missing or not a number."""
    value = row.get(key)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return float("nan")


def _text(row: dict[str, object], key: str) -> str:
    """The row's value as text; empty when missing."""
    value = row.get(key)
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _fmt(value: float, spec: str) -> str:
    return format(value, spec) if np.isfinite(value) else "?"


def advice_rules(
    frame: pd.DataFrame, rules: AdviceRules, n_price_eur_per_kg_n: float = 1.10
) -> pd.DataFrame:
    """`status` and `reasons` (one string, reasons separated by " | ") for each row, from the
    model outputs of `build_advice`; returns the `ADVICE_COLUMNS`."""
    statuses, reasons = [], []
    for record in frame.to_dict(orient="records"):
        row = {str(key): value for key, value in record.items()}
        status, why = _rules_for(row, rules, n_price_eur_per_kg_n)
        statuses.append(status)
        reasons.append(" | ".join(why))
    out = frame.assign(status=statuses, reasons=reasons)
    for column in ADVICE_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    return out[list(ADVICE_COLUMNS)].reset_index(drop=True)


def _rules_for(
    row: dict[str, object], rules: AdviceRules, n_price_eur_per_kg_n: float
) -> tuple[str, list[str]]:
    crop = _text(row, "crop")
    if not crop:
        return "no-season", ["no crop growing on this date"]
    if not bool(row.get("has_model")):
        return "no-model", [
            f"no trained model for {crop}: it needs yields of at least two harvested seasons"
        ]
    actions: list[str] = []
    notes: list[str] = []

    rate, total = _float(row, "n_rate_now_kg_ha"), _float(row, "n_total_recommended_kg_ha")
    gain, cap = _float(row, "n_expected_gain_t_ha"), _float(row, "n_cap_kg_ha")
    later, n_status = _float(row, "n_later_kg_ha"), _text(row, "n_status")
    last_stage_pct = 100.0 * _float(row, "n_last_useful_progress")
    if rate > 0:
        value = gain * _float(row, "grain_price_eur_t")
        split = (
            f" and {later:.0f} kg N/ha later, before {_fmt(last_stage_pct, '.0f')} % of the "
            "season's thermal time"
            if later > 0
            else ""
        )
        actions.append(
            f"apply {rate:.0f} kg N/ha now{split} (season total {total:.0f} kg N/ha): "
            f"+{gain:.2f} t/ha expected, worth {value:.0f} EUR/ha for "
            f"{rate * n_price_eur_per_kg_n:.0f} EUR/ha of N"
        )
    elif n_status == N_NO_RESPONSE or not bool(row.get("n_response_supported", True)):
        notes.append(
            f"no N advice for {crop}: nitrogen showed no effect on yield within fields "
            "across seasons"
        )
    elif n_status == N_NO_CALIBRATION:
        notes.append(f"no N advice for {crop}: the model has no N response; run `agri train`")
    elif n_status == N_PAST_LAST_STAGE:
        notes.append(
            f"no more N: the crop is past the last stage at which N pays "
            f"({_fmt(last_stage_pct, '.0f')} % of the season's thermal time)"
        )
    elif n_status == N_AT_CAP or (np.isfinite(cap) and total >= cap - 1e-6):
        notes.append(f"no more N: the season total is at the cap of {cap:.0f} kg N/ha")
    else:
        notes.append(
            f"no more N: more than {_fmt(total, '.0f')} kg N/ha would return less grain value "
            f"than the N costs ({n_price_eur_per_kg_n:.2f} EUR/kg N)"
        )

    short_of_water = False
    irrigation_reason = _text(row, "irrigation_reason")
    if bool(row.get("irrigation_advised")):
        # The plan's reason names the depth, the passes and the FAO-33 yield at stake.
        actions.append(irrigation_reason)
    elif irrigation_reason:
        notes.append(irrigation_reason)
        # Short of water soon, and nothing advised: no equipment, rain should cover it, or the
        # water would cost more than the yield it saves. Not in the crop's late stage.
        short_of_water = bool(_text(row, "reaches_raw_date")) and _text(
            row, "irrigation_decision"
        ) not in ("late-stage", "no-trigger")

    season_value = _float(row, "irrigation_season_value_t_ha")
    if np.isfinite(season_value):
        members = _float(row, "crop_model_members")
        notes.append(
            f"irrigating whenever the crop has used its readily available water would be worth "
            f"{season_value:.2f} t/ha over the rest of the season for about "
            f"{_fmt(_float(row, 'irrigation_season_mm'), '.0f')} mm (crop model, mean of "
            f"{_fmt(members, '.0f')} past years' weather to come)"
        )

    p50, past = _float(row, "yield_p50_t_ha"), _float(row, "past_mean_yield_t_ha")
    interval_text = (
        f"(80 % interval {_fmt(_float(row, 'yield_p10_t_ha'), '.1f')}-"
        f"{_fmt(_float(row, 'yield_p90_t_ha'), '.1f')}) at "
        f"{_fmt(_float(row, 'yield_moisture_pct'), '.1f')} % moisture"
    )
    field_mean = _text(row, "yield_source") == SOURCE_FIELD_MEAN
    if field_mean:
        # The model showed no held-out skill at this stage: say so, and compare nothing with
        # the field's past (the forecast is that past).
        served = (
            f"serving its mean {_fmt(p50, '.1f')} t/ha"
            if np.isfinite(past)
            else f"serving the cooperative's mean of {crop}, {_fmt(p50, '.1f')} t/ha "
            "(no past yield on this field)"
        )
        forecast_text = (
            f"yield forecast no better than this field's average yet: {served} {interval_text}"
        )
    else:
        forecast_text = f"yield forecast {_fmt(p50, '.1f')} t/ha {interval_text}"
    below = False
    if not field_mean and np.isfinite(past) and past > 0 and np.isfinite(p50):
        change = 100.0 * (p50 / past - 1.0)
        forecast_text += f", {change:+.0f} % against the field's past {past:.1f} t/ha"
        below = change < -rules.watch_below_past_pct
    drivers = _text(row, "drivers")
    if drivers:
        forecast_text += f"; drivers: {drivers}"

    if actions:
        return "act", [*actions, forecast_text, *notes]
    if below or short_of_water:
        return "watch", [forecast_text, *notes]
    return "ok", [forecast_text, *notes]
