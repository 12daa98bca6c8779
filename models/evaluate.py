"""Scoring forecasts and recommendations against a simulation's truth, as pure functions of
DataFrames (the caller reads the truth files; nothing here trains or advises).

- `yield_forecast_errors`: per crop and forecast date, the error of the P50 against the final
  yield, the coverage of the P10-P90 interval, and the same error for the naive forecasts.
- `nitrogen_evaluation`: per N strategy (the recommendation, a flat cooperative-average rate,
  ...), the mean absolute difference from each field's economic optimum and the profit lost
  against that optimum, both read from the field's simulated yield-by-N sweep. Yield between two
  sweep rates is interpolated linearly; profit is grain price × yield − N price × N (EUR/ha), the
  partial profit of the N decision. `flat_rate_strategies` adds the flat rates the issue compares
  with; `nitrogen_verdicts` and `nitrogen_advice_counts` check the N targets (no N to a crop
  without a response, none after the crop's last useful stage).
- `held_out_skill`: the trained model's held-out skill tables (leave-one-season-out and
  leave-farm-out, from the registry's metadata) with what is served at each forecast point, the
  *served* forecast's nRMSE, skill and interval coverage, and the verdicts against the targets.
- `irrigation_evaluation`: the irrigation advice of a date against the truth's triggered
  irrigation (`models.irrigation_evaluation`): hits and false alarms in the next 7 days, and the
  yield at stake against the crop model's irrigated − rainfed gain.

The targets (`MIN_SKILL_VS_FIELD_MEAN`, `COVERAGE_RANGE`, `PROFIT_LOST_TARGET_EUR_HA`, ...) are
the issue's; they are measured against here, never tuned to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

SWEEP_STEP_KG_HA = 1.0


def yield_forecast_errors(forecasts: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per crop and as_of: fields, MAE, RMSE, nRMSE (% of mean true yield), bias (mean of
    forecast − truth), coverage of [P10, P90], and MAE/RMSE of every `baseline_*` column.

    `forecasts`: field_id, crop, as_of, yield_p10_t_ha, yield_p50_t_ha, yield_p90_t_ha and
    optional `baseline_<name>_t_ha` columns; `truth`: field_id, yield_t_ha. With a
    `yield_source` column ("model" or "field mean", `models.yield_model.predict_yield`) the
    rows say what was served ("model", "field mean", or "model 3 / field mean 2") and how many
    fields the model served; with `season_progress` (a share of the thermal time) its median,
    in percent. `coverage_verdict` compares the coverage with `COVERAGE_RANGE` (one season:
    a noisy check).
    """
    joined = forecasts.merge(
        truth[["field_id", "yield_t_ha"]], on="field_id", how="inner", validate="many_to_one"
    )
    baselines = [c for c in forecasts.columns if c.startswith("baseline_")]
    rows = []
    for (crop, as_of), group in joined.groupby(["crop", "as_of"], sort=True):
        true = group["yield_t_ha"].to_numpy(np.float64)
        error = group["yield_p50_t_ha"].to_numpy(np.float64) - true
        rmse = float(np.sqrt(np.mean(error**2)))
        inside = (group["yield_t_ha"] >= group["yield_p10_t_ha"]) & (
            group["yield_t_ha"] <= group["yield_p90_t_ha"]
        )
        row: dict[str, object] = {
            "crop": crop,
            "as_of": pd.Timestamp(as_of).date().isoformat(),  # type: ignore[arg-type]
            "fields": len(group),
            "mae_t_ha": float(np.mean(np.abs(error))),
            "rmse_t_ha": rmse,
            "nrmse_pct": 100.0 * rmse / float(np.mean(true)),
            "bias_t_ha": float(np.mean(error)),
            "coverage_p10_p90": float(inside.mean()),
            "coverage_verdict": coverage_verdict(float(inside.mean())),
        }
        if "season_progress" in group:
            row["season_progress_pct"] = 100.0 * float(group["season_progress"].median())
        if "yield_source" in group:
            counts = group["yield_source"].fillna("none").value_counts()
            row["yield_source"] = (
                str(counts.index[0])
                if len(counts) == 1
                else " / ".join(f"{name} {n}" for name, n in sorted(counts.items()))
            )
            row["fields_model_served"] = int((group["yield_source"] == SERVED_MODEL).sum())
        for column in baselines:
            name = column.removeprefix("baseline_").removesuffix("_t_ha")
            base_error = group[column].to_numpy(np.float64) - true
            base_rmse = float(np.sqrt(np.mean(base_error**2)))
            row[f"{name}_mae_t_ha"] = float(np.mean(np.abs(base_error)))
            row[f"{name}_rmse_t_ha"] = base_rmse
            row[f"skill_vs_{name}"] = 1.0 - rmse / base_rmse if base_rmse > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_profit(
    sweep: pd.DataFrame,
    n_kg_ha: pd.Series,
    grain_price_eur_t: float,
    n_price_eur_per_kg_n: float,
) -> pd.Series:
    """Partial profit (EUR/ha) of each field at its rate `n_kg_ha` (indexed by field_id) on
    its sweep curve (field_id, n_total_kg_ha, yield_t_ha); rates beyond the sweep take its ends."""
    out = {}
    for field_id, curve in sweep.sort_values("n_total_kg_ha").groupby("field_id"):
        if field_id not in n_kg_ha.index:
            continue
        rate = float(n_kg_ha.loc[field_id])
        yield_t_ha = float(
            np.interp(rate, curve["n_total_kg_ha"].to_numpy(), curve["yield_t_ha"].to_numpy())
        )
        out[field_id] = grain_price_eur_t * yield_t_ha - n_price_eur_per_kg_n * rate
    return pd.Series(out, name="profit_eur_ha", dtype="float64")


def sweep_optimum(
    sweep: pd.DataFrame, grain_price_eur_t: float, n_price_eur_per_kg_n: float
) -> pd.DataFrame:
    """Per field: the rate of highest partial profit on its interpolated sweep (1 kg N steps)
    and that profit; indexed by field_id (columns optimum_n_kg_ha, optimum_profit_eur_ha)."""
    rows = {}
    for field_id, curve in sweep.sort_values("n_total_kg_ha").groupby("field_id"):
        rates = curve["n_total_kg_ha"].to_numpy(np.float64)
        grid = np.arange(rates.min(), rates.max() + SWEEP_STEP_KG_HA / 2, SWEEP_STEP_KG_HA)
        profit = (
            grain_price_eur_t * np.interp(grid, rates, curve["yield_t_ha"].to_numpy())
            - n_price_eur_per_kg_n * grid
        )
        best = int(np.argmax(profit))
        rows[field_id] = (float(grid[best]), float(profit[best]))
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["optimum_n_kg_ha", "optimum_profit_eur_ha"]
    )


def nitrogen_evaluation(
    strategies: Mapping[str, pd.Series],
    sweep: pd.DataFrame,
    eonr_kg_ha: pd.Series,
    grain_price_eur_t: float,
    n_price_eur_per_kg_n: float,
) -> pd.DataFrame:
    """One row per strategy (a total N rate per field_id): fields, mean rate, MAE against the
    true EONR `eonr_kg_ha`, and mean, median and maximum profit lost (EUR/ha) against the best
    rate on each field's sweep. Only fields present in the strategy, the sweep and the EONR
    count."""
    optimum = sweep_optimum(sweep, grain_price_eur_t, n_price_eur_per_kg_n)
    rows = []
    for name, rates in strategies.items():
        rates = rates.dropna()
        common = rates.index.intersection(optimum.index).intersection(eonr_kg_ha.index)
        rates = rates.loc[common]
        profit = sweep_profit(sweep, rates, grain_price_eur_t, n_price_eur_per_kg_n)
        lost = optimum.loc[common, "optimum_profit_eur_ha"] - profit.loc[common]
        rows.append(
            {
                "strategy": name,
                "fields": len(common),
                "mean_n_kg_ha": float(rates.mean()),
                "mae_vs_eonr_kg_ha": float((rates - eonr_kg_ha.loc[common]).abs().mean()),
                "profit_lost_mean_eur_ha": float(lost.mean()),
                "profit_lost_median_eur_ha": float(lost.median()),
                "profit_lost_max_eur_ha": float(lost.max()),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- held-out skill

# The targets (the command measures against them; nothing here tunes to them).
MIN_SKILL_VS_FIELD_MEAN = 0.15  # nRMSE at least 15 % below the field-mean baseline ...
SKILL_TARGET_POINTS = ("50 %", "75 %")  # ... at 50 % and 75 % of the season
COVERAGE_RANGE = (0.75, 0.85)  # 80 % intervals cover 75-85 %
PROFIT_LOST_TARGET_EUR_HA = 25.0  # mean profit lost against each field's best N rate
FLAT_N_RATES_KG_HA = (150.0, 175.0, 200.0)  # ... and below every one of these flat rates
HIT_RATE_TARGET = 0.8  # trigger events of the next 7 days flagged
FALSE_ALARM_TARGET = 0.1  # share of advised irrigations without an event
STAKE_TOLERANCE = 0.3  # yield at stake within 30 % of the crop model's irrigation gain

VERDICT_COLUMNS = ["part", "crop", "check", "value", "target", "verdict"]
MET = "met"
FALLBACK_SERVED = "fallback served"
MISSED = "missed"
NO_TARGET = "no target"
NO_DATA = "no data"
SERVED_MODEL = "model"
SERVED_FIELD_MEAN = "field mean"
HARVEST = "harvest"


def forecast_point_share(point: str) -> float:
    """The share of the season's thermal time of a forecast point: "50 %" → 0.5, "harvest" → 1."""
    return 1.0 if point == HARVEST else float(point.rstrip(" %")) / 100.0


def served_by_point(
    skill: pd.DataFrame,
    skilled_by_bucket: Mapping[str, Sequence[bool] | None],
    progress_edges: Sequence[float],
) -> pd.Series:
    """What is served at each row's forecast point (`skill`: crop, forecast_point): "model"
    where the crop's `model_skilled_by_bucket` (per thermal-time bucket of `progress_edges`, as
    `models.yield_model.predict_yield` reads it) says so, else "field mean". A crop without
    skill information (None or missing: a model saved before the fallback) serves the model."""
    edges = np.asarray(progress_edges, dtype=np.float64)
    served = []
    for crop, point in zip(skill["crop"], skill["forecast_point"], strict=True):
        skilled = skilled_by_bucket.get(str(crop))
        if skilled is None:
            served.append(SERVED_MODEL)
            continue
        bucket = int(np.searchsorted(edges, forecast_point_share(str(point)), side="right"))
        served.append(SERVED_MODEL if skilled[bucket] else SERVED_FIELD_MEAN)
    return pd.Series(served, index=skill.index, name="serves", dtype=object)


def skill_verdict(
    point: str, serves: str, skill: float, min_skill: float = MIN_SKILL_VS_FIELD_MEAN
) -> str:
    """Against the issue's yield target: at 50 % and 75 % of the season the model's skill
    against the field mean reaches `min_skill` ("met"), or the field mean is served
    ("fallback served"), else "missed"; "no target" at the other points."""
    if point not in SKILL_TARGET_POINTS:
        return NO_TARGET
    if serves == SERVED_FIELD_MEAN:
        return FALLBACK_SERVED
    return MET if np.isfinite(skill) and skill >= min_skill else MISSED


def coverage_verdict(coverage: float, coverage_range: tuple[float, float] = COVERAGE_RANGE) -> str:
    """ "met" when the 80 % interval's coverage lies in `coverage_range`, "no data" when unknown."""
    if coverage is None or not np.isfinite(coverage):
        return NO_DATA
    low, high = coverage_range
    return MET if low - 1e-9 <= coverage <= high + 1e-9 else MISSED


def served_skill_table(
    skill: pd.DataFrame, serves: pd.Series, min_skill: float = MIN_SKILL_VS_FIELD_MEAN
) -> pd.DataFrame:
    """Per crop and forecast point of a held-out skill table (`models.yield_model.skill_table`
    records: model_nrmse_pct, field_mean_nrmse_pct, skill_vs_field_mean, coverage_p10_p90 and
    field_mean_coverage_p10_p90) and what is served there (`serves`, aligned with `skill`):

    the model's and the field mean's nRMSE and the model's skill, then the *served* forecast's
    nRMSE, skill (the model's where it is served; the field mean's own, 0, where the fallback
    is) and the coverage of its 80 % interval, with the verdicts against the yield and interval
    targets. A table that serves the model where it has no skill cannot look better than it is.
    """
    rows = []
    for (_, row), served in zip(skill.iterrows(), serves, strict=True):
        model = served == SERVED_MODEL
        model_skill = float(row["skill_vs_field_mean"])
        fallback_cover = float(row.get("field_mean_coverage_p10_p90", np.nan))
        served_cover = float(row["coverage_p10_p90"]) if model else fallback_cover
        rows.append(
            {
                "crop": row["crop"],
                "forecast_point": row["forecast_point"],
                "model_nrmse_pct": float(row["model_nrmse_pct"]),
                "field_mean_nrmse_pct": float(row["field_mean_nrmse_pct"]),
                "skill_vs_field_mean": model_skill,
                "serves": served,
                "served_nrmse_pct": float(
                    row["model_nrmse_pct"] if model else row["field_mean_nrmse_pct"]
                ),
                "served_skill_vs_field_mean": model_skill if model else 0.0,
                "served_coverage_p10_p90": served_cover,
                "verdict": skill_verdict(
                    str(row["forecast_point"]), served, model_skill, min_skill
                ),
                "coverage_verdict": coverage_verdict(served_cover),
            }
        )
    return pd.DataFrame(rows)


def held_out_skill(metadata: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The served-skill tables of a trained model from its registry `metadata`
    (`models.registry.ModelRegistry.metadata()`): "leave_one_season_out" (`metrics.skill`) and
    "leave_farm_out" (`metrics.skill_leave_farm_out`; empty when there was one farm). What is
    served is decided by leave-one-season-out skill (`crops.<crop>.model_skilled_by_bucket`),
    so the leave-farm-out table shows how the same decision fares on unseen farms."""
    settings = metadata.get("settings", {})
    edges = settings.get("progress_edges", (0.375, 0.625, 0.875))
    min_skill = float(settings.get("min_skill_vs_field_mean", MIN_SKILL_VS_FIELD_MEAN))
    skilled = {
        str(crop): info.get("model_skilled_by_bucket")
        for crop, info in metadata.get("crops", {}).items()
    }
    metrics = metadata.get("metrics", {})
    out = {}
    for name, key in (
        ("leave_one_season_out", "skill"),
        ("leave_farm_out", "skill_leave_farm_out"),
    ):
        table = pd.DataFrame(metrics.get(key) or [])
        if table.empty:
            out[name] = pd.DataFrame()
            continue
        table = table.replace({None: np.nan})
        out[name] = served_skill_table(table, served_by_point(table, skilled, edges), min_skill)
    return out


def yield_verdicts(skill: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The yield targets per `held_out_skill` table and crop: the served skill at 50 % and 75 %
    of the season (`skill_verdict`), and the coverage of the served 80 % interval at every
    forecast point ("met" only when all points are within `COVERAGE_RANGE`). Rows: part, crop,
    check, value, target, verdict."""
    rows: list[dict[str, Any]] = []
    for scheme, table in skill.items():
        if table.empty:
            continue
        label = scheme.replace("_", "-")
        for crop, group in table.groupby("crop", sort=True):
            at_target = group[group["forecast_point"].isin(SKILL_TARGET_POINTS)]
            for row in at_target.to_dict(orient="records"):
                rows.append(
                    {
                        "part": "yield",
                        "crop": crop,
                        "check": f"served skill vs field mean at {row['forecast_point']} ({label})",
                        "value": row["served_skill_vs_field_mean"],
                        "target": f">= {MIN_SKILL_VS_FIELD_MEAN:.2f} or fallback",
                        "verdict": row["verdict"],
                    }
                )
            cover = group["served_coverage_p10_p90"].astype(float)
            verdicts = set(group["coverage_verdict"])
            rows.append(
                {
                    "part": "yield",
                    "crop": crop,
                    "check": f"served 80 % interval coverage ({label}): "
                    f"{100 * cover.min():.0f}-{100 * cover.max():.0f} %",
                    "value": float(cover.mean()),
                    "target": f"{COVERAGE_RANGE[0]:.0%}-{COVERAGE_RANGE[1]:.0%}",
                    "verdict": MISSED
                    if MISSED in verdicts
                    else NO_DATA
                    if verdicts == {NO_DATA}
                    else MET,
                }
            )
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


# --------------------------------------------------------------------------- nitrogen


def flat_rate_strategies(
    fields: pd.Index, rates_kg_ha: Sequence[float] = FLAT_N_RATES_KG_HA
) -> dict[str, pd.Series]:
    """One strategy per flat season total: "flat 150 kg N/ha" → 150 on every field."""
    return {
        f"flat {rate:.0f} kg N/ha": pd.Series(float(rate), index=fields) for rate in rates_kg_ha
    }


def nitrogen_verdicts(
    table: pd.DataFrame,
    recommendation: str = "model recommendation",
    target_eur_ha: float = PROFIT_LOST_TARGET_EUR_HA,
    flat_rates_kg_ha: Sequence[float] = FLAT_N_RATES_KG_HA,
) -> pd.DataFrame:
    """The N profit targets on a `nitrogen_evaluation` table (one crop): the recommendation's
    mean profit lost at most `target_eur_ha`, and below that of every flat rate. Rows: check,
    value, target, verdict."""
    lost = table.set_index("strategy")["profit_lost_mean_eur_ha"]
    if recommendation not in lost.index:
        return pd.DataFrame(columns=["check", "value", "target", "verdict"])
    ours = float(lost[recommendation])
    rows = [
        {
            "check": "recommendation: mean profit lost (EUR/ha)",
            "value": ours,
            "target": f"<= {target_eur_ha:.0f}",
            "verdict": MET if ours <= target_eur_ha else MISSED,
        }
    ]
    for rate in flat_rates_kg_ha:
        name = f"flat {rate:.0f} kg N/ha"
        flat = float(lost.get(name, np.nan))
        rows.append(
            {
                "check": f"profit lost: recommendation − {name} (EUR/ha)",
                "value": ours - flat,
                "target": "< 0",
                "verdict": NO_DATA if not np.isfinite(flat) else MET if ours < flat else MISSED,
            }
        )
    return pd.DataFrame(rows)


def nitrogen_advice_counts(
    advice: pd.DataFrame,
    last_useful_progress: Mapping[str, float],
    response_supported: Mapping[str, bool],
    truth_responding_crops: Sequence[str],
) -> pd.DataFrame:
    """Per crop of the `advice` (field_id, crop, n_rate_now_kg_ha, season_progress_pct): the
    fields, those advised N now (rate > 0), their mean rate, those advised N after the crop's
    last useful stage (`last_useful_progress`, a share of the season's thermal time: the crop
    table's `n_last_useful_progress`), the model's response verdict (`response_supported`)
    and whether the truth's crop responds to N (`truth_responding_crops`: the crops of its N
    sweep). Verdicts: no N to a crop without a response in the truth, none after the last
    useful stage."""
    responding = {str(c) for c in truth_responding_crops}
    rows = []
    growing = advice[advice["crop"].notna()]
    for crop, group in growing.groupby("crop", sort=True):
        crop = str(crop)
        rate = group["n_rate_now_kg_ha"].fillna(0.0)
        advised = rate > 0
        last = last_useful_progress.get(crop, np.nan)
        late = advised & (group["season_progress_pct"] > 100.0 * last)
        supported = response_supported.get(crop)
        truth_responds = crop in responding
        rows.append(
            {
                "crop": crop,
                "fields": len(group),
                "fields_advised_n": int(advised.sum()),
                "mean_rate_now_kg_ha": float(rate[advised].mean()) if advised.any() else 0.0,
                "model_response": (
                    "unknown" if supported is None else "supported" if supported else "none"
                ),
                "truth_response": "responds" if truth_responds else "none",
                "n_last_useful_progress_pct": 100.0 * last,
                "fields_advised_after_last_stage": int(late.sum()),
                "no_response_verdict": MET if truth_responds or not advised.any() else MISSED,
                "last_stage_verdict": MET if not late.any() else MISSED,
            }
        )
    return pd.DataFrame(rows)


def nitrogen_advice_verdicts(counts: pd.DataFrame) -> pd.DataFrame:
    """The N advice targets per crop of `nitrogen_advice_counts`: no field advised N when the
    truth's crop has no response, none after the crop's last useful stage."""
    rows = []
    for row in counts.to_dict(orient="records"):
        rows.append(
            {
                "part": "nitrogen",
                "crop": row["crop"],
                "check": "fields advised N (truth: "
                + ("responds to N)" if row["truth_response"] == "responds" else "no N response)"),
                "value": float(row["fields_advised_n"]),
                "target": "0 without a response",
                "verdict": row["no_response_verdict"],
            }
        )
        rows.append(
            {
                "part": "nitrogen",
                "crop": row["crop"],
                "check": "fields advised N after the last useful stage",
                "value": float(row["fields_advised_after_last_stage"]),
                "target": "0",
                "verdict": row["last_stage_verdict"],
            }
        )
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


# --------------------------------------------------------------------------- irrigation


def irrigation_rule_fields(truth: pd.DataFrame, events: pd.DataFrame) -> set[str]:
    """The fields the truth's irrigation rule applies to: those its run irrigates (`truth`:
    irrigation_2026.csv, `irrigated` true: equipped maize) and any with a truth event
    (`events`: field_id, date). Elsewhere (wheat, fields without equipment) the simulation never
    irrigates, whatever the soil water: an advice there is neither a hit nor a false alarm of
    the trigger, and is counted apart."""
    irrigated = truth.loc[truth["irrigated"].astype(bool), "field_id"]
    return {str(f) for f in set(irrigated) | set(events["field_id"])}


def irrigation_evaluation(
    advice: pd.DataFrame, truth: pd.DataFrame, events: pd.DataFrame, window_days: int = 7
) -> dict[str, pd.DataFrame]:
    """The advice of one date (`advice`: field_id, crop, as_of, irrigation_mm, irrigation_date,
    irrigation_yield_at_stake_t_ha) against the truth's triggered irrigation (`truth`:
    irrigation_2026.csv; `events`: field_id, date of each truth irrigation, e.g. the
    irrigation rows of planned_operations_2026.csv):

    - "triggers": per crop, over the fields of `irrigation_rule_fields`, hits / truth events in
      the `window_days` after the date and false alarms / advised irrigations
      (`models.irrigation_evaluation.trigger_scores`);
    - "outside": per crop, the other fields with a crop and how many of them the advice
      irrigates in the window (`fields`, `advised`);
    - "stake": per crop, the advice's yield at stake against the truth's irrigated − rainfed
      gain (of the whole season), over the fields the truth irrigates (`scope` "irrigated
      fields"; a field without advice has 0 at stake) and over those with irrigation advised
      ("advised fields") (`models.irrigation_evaluation.stake_vs_gain`).
    """
    from models.irrigation_evaluation import flag_windows, stake_vs_gain, trigger_scores

    events = events[["field_id", "date"]].astype({"field_id": str})
    growing = advice[advice["crop"].notna()]
    rule = growing["field_id"].isin(irrigation_rule_fields(truth, events))
    triggers = trigger_scores(growing[rule], events, window_days)
    others = flag_windows(growing[~rule], events.iloc[:0], window_days)
    outside = (
        others.groupby("crop", sort=True)
        .agg(fields=("field_id", "size"), advised=("flagged", "sum"))
        .reset_index()
        .astype({"fields": int, "advised": int})
    )
    irrigated = truth[truth["irrigated"].astype(bool)]
    # What irrigation is worth over the rest of the season: the crop model's value where the
    # advice has one (`irrigation_season_value_t_ha`), else the next application's FAO-33 stake.
    value = (
        "irrigation_season_value_t_ha"
        if "irrigation_season_value_t_ha" in growing
        and growing["irrigation_season_value_t_ha"].notna().any()
        else "irrigation_yield_at_stake_t_ha"
    )
    stakes = growing.loc[
        growing["field_id"].isin(irrigated["field_id"]),
        ["field_id", "crop", "irrigation_mm", value],
    ].rename(columns={value: "yield_at_stake_t_ha"})
    stakes = stakes.assign(
        yield_at_stake_t_ha=stakes["yield_at_stake_t_ha"].astype(float).fillna(0.0)
    )
    parts = [
        stake_vs_gain(stakes, irrigated, tolerance=STAKE_TOLERANCE).assign(
            scope="irrigated fields"
        ),
        stake_vs_gain(
            stakes[stakes["irrigation_mm"].fillna(0.0) > 0], irrigated, tolerance=STAKE_TOLERANCE
        ).assign(scope="advised fields"),
    ]
    stake = pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)
    stake = stake[["scope", *[c for c in stake.columns if c != "scope"]]]
    return {
        "triggers": triggers.reset_index(drop=True),
        "outside": outside,
        "stake": stake.reset_index(drop=True),
    }


def irrigation_verdicts(triggers: pd.DataFrame, stake: pd.DataFrame) -> pd.DataFrame:
    """The irrigation targets per crop: hit rate at least `HIT_RATE_TARGET`, false-alarm ratio
    at most `FALSE_ALARM_TARGET` ("no data" where there was no event, or nothing advised), and
    the mean yield at stake on the irrigated fields within `STAKE_TOLERANCE` of the mean gain."""
    rows = []
    for row in triggers.to_dict(orient="records"):
        hit, far = float(row["hit_rate"]), float(row["false_alarm_ratio"])
        rows.append(
            {
                "crop": row["crop"],
                "check": f"trigger events flagged ({row['hits']}/{row['event_windows']})",
                "value": hit,
                "target": f">= {HIT_RATE_TARGET:.0%}",
                "verdict": NO_DATA
                if not np.isfinite(hit)
                else MET
                if hit >= HIT_RATE_TARGET
                else MISSED,
            }
        )
        rows.append(
            {
                "crop": row["crop"],
                "check": f"false alarms ({row['false_alarms']}/{row['flagged']} advised)",
                "value": far,
                "target": f"<= {FALSE_ALARM_TARGET:.0%}",
                "verdict": NO_DATA
                if not np.isfinite(far)
                else MET
                if far <= FALSE_ALARM_TARGET + 1e-9
                else MISSED,
            }
        )
    if not stake.empty:
        for row in stake[stake["scope"] == "irrigated fields"].to_dict(orient="records"):
            ratio = float(row["ratio_of_means"])
            rows.append(
                {
                    "crop": row["crop"],
                    "check": "irrigation's value in the advice / the season's irrigation gain",
                    "value": ratio,
                    "target": f"{1 - STAKE_TOLERANCE:.1f}-{1 + STAKE_TOLERANCE:.1f}",
                    "verdict": NO_DATA
                    if not np.isfinite(ratio)
                    else MET
                    if abs(ratio - 1.0) <= STAKE_TOLERANCE + 1e-9
                    else MISSED,
                }
            )
    return pd.DataFrame(rows, columns=["crop", "check", "value", "target", "verdict"])
