"""Evaluation against truth, by hand: yield errors, N profit from a sweep, the served skill
with its verdicts, the N strategies and advice counts, and irrigation hits and false alarms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.evaluate import (
    coverage_verdict,
    flat_rate_strategies,
    held_out_skill,
    irrigation_evaluation,
    irrigation_verdicts,
    nitrogen_advice_counts,
    nitrogen_advice_verdicts,
    nitrogen_evaluation,
    nitrogen_verdicts,
    served_by_point,
    served_skill_table,
    skill_verdict,
    sweep_optimum,
    sweep_profit,
    yield_forecast_errors,
    yield_verdicts,
)

SWEEP = pd.DataFrame(
    {
        "field_id": ["a"] * 5,
        "n_total_kg_ha": [0.0, 50.0, 100.0, 150.0, 200.0],
        "yield_t_ha": [6.0, 8.0, 9.0, 9.4, 9.5],
    }
)


def test_profit_on_the_sweep_curve() -> None:
    # 75 kg N: yield 8.5 t/ha by linear interpolation; 200 EUR/t, 1 EUR/kg N.
    profit = sweep_profit(SWEEP, pd.Series({"a": 75.0}), 200.0, 1.0)
    assert profit["a"] == pytest.approx(200 * 8.5 - 75)


def test_the_optimum_and_the_profit_lost() -> None:
    optimum = sweep_optimum(SWEEP, 200.0, 1.0)
    # Marginal returns per kg N: 8, 4, 1.6, 0.4 EUR per kg N segment: N pays up to 150.
    assert optimum.loc["a", "optimum_n_kg_ha"] == 150.0
    table = nitrogen_evaluation(
        {"best": pd.Series({"a": 150.0}), "flat": pd.Series({"a": 100.0})},
        SWEEP,
        pd.Series({"a": 150.0}),
        200.0,
        1.0,
    ).set_index("strategy")
    assert table.loc["best", "profit_lost_mean_eur_ha"] == pytest.approx(0.0)
    assert table.loc["flat", "mae_vs_eonr_kg_ha"] == 50.0
    assert table.loc["flat", "profit_lost_mean_eur_ha"] == pytest.approx(200 * 0.4 - 50)


def test_yield_errors_by_crop_and_date() -> None:
    forecasts = pd.DataFrame(
        {
            "field_id": ["a", "b", "c"],
            "crop": ["wheat", "wheat", "maize"],
            "as_of": pd.Timestamp("2026-05-25"),
            "yield_p10_t_ha": [7.0, 9.0, 5.0],
            "yield_p50_t_ha": [8.0, 10.0, 6.0],
            "yield_p90_t_ha": [9.0, 11.0, 7.0],
            "baseline_field_mean_t_ha": [9.0, 9.0, 6.5],
        }
    )
    truth = pd.DataFrame({"field_id": ["a", "b", "c"], "yield_t_ha": [9.0, 10.0, 8.0]})
    table = yield_forecast_errors(forecasts, truth).set_index("crop")
    assert table.loc["wheat", "mae_t_ha"] == pytest.approx(0.5)
    assert table.loc["wheat", "bias_t_ha"] == pytest.approx(-0.5)
    assert table.loc["wheat", "coverage_p10_p90"] == pytest.approx(1.0)
    assert table.loc["maize", "coverage_p10_p90"] == 0.0
    assert table.loc["wheat", "field_mean_rmse_t_ha"] == pytest.approx(0.5**0.5)
    assert table.loc["wheat", "skill_vs_field_mean"] == pytest.approx(0.0)


# --------------------------------------------------------------------------- held-out skill


def skill_rows() -> pd.DataFrame:
    """Two crops' leave-one-season-out table, as `metrics.skill` stores it."""
    return pd.DataFrame(
        {
            "crop": ["wheat"] * 4 + ["maize"] * 2,
            "forecast_point": ["25 %", "50 %", "75 %", "harvest", "50 %", "75 %"],
            "model_nrmse_pct": [12.0, 10.0, 8.0, 7.0, 30.0, 20.0],
            "field_mean_nrmse_pct": [13.0, 13.0, 13.0, 13.0, 28.0, 22.0],
            "skill_vs_field_mean": [1 - 12 / 13, 1 - 10 / 13, 1 - 8 / 13, 1 - 7 / 13, -0.07, 0.09],
            "coverage_p10_p90": [0.70, 0.80, 0.81, 0.90, 0.60, 0.79],
            "field_mean_coverage_p10_p90": [0.78, 0.79, 0.77, 0.76, 0.83, 0.88],
        }
    )


def test_what_is_served_follows_the_skilled_buckets() -> None:
    skill = skill_rows()
    # Buckets: < 0.375, < 0.625, < 0.875, beyond: 25 %, 50 %, 75 %, harvest.
    serves = served_by_point(
        skill, {"wheat": [False, True, True, True], "maize": None}, (0.375, 0.625, 0.875)
    )
    assert serves.tolist() == ["field mean", "model", "model", "model", "model", "model"]


def test_the_served_forecast_is_the_baseline_where_the_fallback_is_served() -> None:
    skill = skill_rows()
    serves = pd.Series(["field mean", "model", "model", "model", "field mean", "model"])
    table = served_skill_table(skill, serves)
    rows = {(r["crop"], r["forecast_point"]): r for r in table.to_dict(orient="records")}
    early = rows[("wheat", "25 %")]
    assert early["served_nrmse_pct"] == 13.0 and early["served_skill_vs_field_mean"] == 0.0
    assert early["served_coverage_p10_p90"] == 0.78  # the field mean's interval
    assert early["skill_vs_field_mean"] == pytest.approx(1 - 12 / 13)  # the model's, shown
    mid = rows[("wheat", "50 %")]
    assert mid["served_nrmse_pct"] == 10.0
    assert mid["served_skill_vs_field_mean"] == pytest.approx(1 - 10 / 13)
    assert mid["served_coverage_p10_p90"] == 0.80
    assert table["verdict"].tolist() == [
        "no target",
        "met",
        "met",
        "no target",
        "fallback served",
        "missed",  # the model served at 75 % with skill 0.09 < 0.15
    ]
    assert table["coverage_verdict"].tolist() == ["met", "met", "met", "missed", "met", "met"]


@pytest.mark.parametrize(
    ("point", "serves", "skill", "verdict"),
    [
        ("50 %", "model", 0.15, "met"),
        ("75 %", "model", 0.149, "missed"),
        ("75 %", "model", float("nan"), "missed"),
        ("50 %", "field mean", -0.3, "fallback served"),
        ("25 %", "model", -0.3, "no target"),
        ("harvest", "field mean", 0.5, "no target"),
    ],
)
def test_skill_verdicts(point: str, serves: str, skill: float, verdict: str) -> None:
    assert skill_verdict(point, serves, skill) == verdict


@pytest.mark.parametrize(
    ("coverage", "verdict"),
    [(0.75, "met"), (0.85, "met"), (0.749, "missed"), (0.86, "missed"), (float("nan"), "no data")],
)
def test_coverage_verdicts(coverage: float, verdict: str) -> None:
    assert coverage_verdict(coverage) == verdict


def test_held_out_skill_reads_the_registry_metadata() -> None:
    loso = skill_rows().assign(serves="model").to_dict(orient="records")
    metadata = {
        "settings": {"progress_edges": [0.375, 0.625, 0.875], "min_skill_vs_field_mean": 0.15},
        "crops": {
            "wheat": {"model_skilled_by_bucket": [False, True, True, True]},
            "maize": {"model_skilled_by_bucket": [False, False, False, False]},
        },
        "metrics": {"skill": loso, "skill_leave_farm_out": []},
    }
    tables = held_out_skill(metadata)
    assert tables["leave_farm_out"].empty
    loso_table = tables["leave_one_season_out"]
    # The bucket decision wins over the stored `serves` column.
    assert (
        loso_table["serves"].tolist()
        == ["field mean", "model", "model", "model"] + ["field mean"] * 2
    )
    assert loso_table.loc[loso_table["crop"] == "maize", "served_skill_vs_field_mean"].eq(0).all()
    verdicts = yield_verdicts(tables)
    maize = verdicts[verdicts["crop"] == "maize"]
    assert maize["verdict"].tolist() == ["fallback served", "fallback served", "missed"]
    assert maize["check"].iloc[2].endswith("83-88 %")
    assert set(verdicts["part"]) == {"yield"}


# --------------------------------------------------------------------------- nitrogen


def test_the_strategies_include_the_three_flat_rates() -> None:
    fields = pd.Index(["a"])
    strategies = {"model recommendation": pd.Series({"a": 150.0}), **flat_rate_strategies(fields)}
    assert list(strategies)[1:] == ["flat 150 kg N/ha", "flat 175 kg N/ha", "flat 200 kg N/ha"]
    table = nitrogen_evaluation(strategies, SWEEP, pd.Series({"a": 150.0}), 200.0, 1.0)
    lost = table.set_index("strategy")["profit_lost_mean_eur_ha"]
    # 175 kg: yield 9.45 t/ha; 200 kg: 9.5 t/ha (on the 150-200 segment of the sweep).
    assert lost["flat 175 kg N/ha"] == pytest.approx(200 * (9.4 - 9.45) + 25)
    assert lost["flat 200 kg N/ha"] == pytest.approx(200 * (9.4 - 9.5) + 50)
    verdicts = nitrogen_verdicts(table)
    # Equal to the flat 150 rate (both at the optimum) is not *below* it.
    assert verdicts["verdict"].tolist() == ["met", "missed", "met", "met"]
    assert verdicts["target"].iloc[0] == "<= 25"


def test_n_verdicts_miss_when_the_recommendation_loses_too_much() -> None:
    table = pd.DataFrame(
        {
            "strategy": ["model recommendation", "flat 150 kg N/ha", "flat 175 kg N/ha"],
            "profit_lost_mean_eur_ha": [30.0, 40.0, 20.0],
        }
    )
    verdicts = nitrogen_verdicts(table).set_index("check")["verdict"]
    assert verdicts.tolist() == ["missed", "met", "missed", "no data"]


def test_n_advice_counts_a_crop_without_response_and_advice_after_the_last_stage() -> None:
    advice = pd.DataFrame(
        {
            "field_id": ["w1", "w2", "w3", "m1", "m2", "bare"],
            "crop": ["wheat", "wheat", "wheat", "maize", "maize", None],
            "n_rate_now_kg_ha": [40.0, 0.0, 30.0, 20.0, 0.0, np.nan],
            "season_progress_pct": [45.0, 50.0, 65.0, 10.0, 12.0, np.nan],
        }
    )
    counts = nitrogen_advice_counts(
        advice, {"wheat": 0.6, "maize": 0.45}, {"wheat": True, "maize": False}, ["wheat"]
    ).set_index("crop")
    assert counts.loc["wheat", "fields"] == 3 and counts.loc["wheat", "fields_advised_n"] == 2
    assert counts.loc["wheat", "mean_rate_now_kg_ha"] == 35.0
    assert counts.loc["wheat", "fields_advised_after_last_stage"] == 1  # 65 % > 60 %
    assert counts.loc["wheat", "last_stage_verdict"] == "missed"
    assert counts.loc["wheat", "no_response_verdict"] == "met"
    assert counts.loc["maize", "model_response"] == "none"
    assert counts.loc["maize", "truth_response"] == "none"
    assert counts.loc["maize", "no_response_verdict"] == "missed"  # N to a crop without response
    assert counts.loc["maize", "last_stage_verdict"] == "met"
    verdicts = nitrogen_advice_verdicts(counts.reset_index())
    assert verdicts["verdict"].tolist() == ["missed", "met", "met", "missed"]


# --------------------------------------------------------------------------- irrigation


def test_irrigation_hits_false_alarms_and_stake() -> None:
    as_of = pd.Timestamp("2026-05-25")
    advice = pd.DataFrame(
        {
            "field_id": ["a", "b", "c", "d", "w"],
            "crop": ["maize", "maize", "maize", "maize", "wheat"],
            "as_of": as_of,
            "irrigation_mm": [30.0, 0.0, 25.0, 0.0, 20.0],
            "irrigation_date": pd.to_datetime(
                pd.Series(["2026-05-27", None, "2026-05-30", None, "2026-05-28"])
            ),
            "irrigation_yield_at_stake_t_ha": [0.8, 0.0, 0.5, 0.0, 0.1],
        }
    )
    truth = pd.DataFrame(
        {
            "field_id": ["a", "b", "c", "d"],
            "irrigated": [True, True, True, False],
            "yield_irrigated_t_ha": [10.0, 10.0, 10.0, 10.0],
            "yield_rainfed_t_ha": [9.0, 9.0, 9.5, 6.0],
        }
    )
    # a: event and advice (hit); b: event, no advice (miss); c: advice, no event (false alarm);
    # d: no equipment in the truth, and w: wheat, which the truth never irrigates: outside the
    # truth's rule, counted apart (w is advised in the window).
    events = pd.DataFrame(
        {"field_id": ["a", "b", "c"], "date": ["2026-05-29", "2026-06-01", "2026-06-10"]}
    )
    result = irrigation_evaluation(advice, truth, events)
    triggers = result["triggers"].set_index("crop")
    maize = triggers.loc["maize"]
    assert (maize["windows"], maize["event_windows"], maize["hits"]) == (3, 2, 1)
    assert (maize["flagged"], maize["false_alarms"]) == (2, 1)
    assert maize["hit_rate"] == 0.5 and maize["false_alarm_ratio"] == 0.5
    assert list(triggers.index) == ["maize"]
    assert result["outside"].to_dict(orient="records") == [
        {"crop": "maize", "fields": 1, "advised": 0},
        {"crop": "wheat", "fields": 1, "advised": 1},
    ]
    stake = result["stake"].set_index("scope")
    # Irrigated fields a, b, c: stakes 0.8, 0, 0.5 against gains 1, 1, 0.5.
    assert stake.loc["irrigated fields", "ratio_of_means"] == pytest.approx(1.3 / 2.5)
    assert stake.loc["advised fields", "ratio_of_means"] == pytest.approx(1.3 / 1.5)
    verdicts = irrigation_verdicts(result["triggers"], result["stake"])
    assert verdicts["verdict"].tolist() == ["missed", "missed", "missed"]
    assert verdicts["check"].iloc[0] == "trigger events flagged (1/2)"


def test_irrigation_without_events_or_advice_has_no_data() -> None:
    triggers = pd.DataFrame(
        [
            {
                "crop": "maize",
                "windows": 4,
                "event_windows": 0,
                "hits": 0,
                "hit_rate": np.nan,
                "flagged": 0,
                "false_alarms": 0,
                "false_alarm_ratio": np.nan,
            }
        ]
    )
    stake = pd.DataFrame([{"scope": "irrigated fields", "crop": "maize", "ratio_of_means": 0.9}])
    verdicts = irrigation_verdicts(triggers, stake)
    assert verdicts["verdict"].tolist() == ["no data", "no data", "met"]


def test_yield_errors_say_what_was_served() -> None:
    forecasts = pd.DataFrame(
        {
            "field_id": ["a", "b", "c"],
            "crop": ["wheat", "wheat", "maize"],
            "as_of": pd.Timestamp("2026-05-25"),
            "yield_p10_t_ha": [7.0, 9.0, 5.0],
            "yield_p50_t_ha": [8.0, 10.0, 6.0],
            "yield_p90_t_ha": [9.0, 11.0, 7.0],
            "season_progress": [0.4, 0.5, 0.1],
            "yield_source": ["model", "field mean", "field mean"],
        }
    )
    truth = pd.DataFrame({"field_id": ["a", "b", "c"], "yield_t_ha": [9.0, 10.0, 8.0]})
    table = yield_forecast_errors(forecasts, truth).set_index("crop")
    assert table.loc["wheat", "yield_source"] == "field mean 1 / model 1"
    assert table.loc["wheat", "fields_model_served"] == 1
    assert table.loc["maize", "yield_source"] == "field mean"
    assert table.loc["wheat", "season_progress_pct"] == pytest.approx(45.0)
    assert table.loc["wheat", "coverage_verdict"] == "missed"  # 100 % is above 85 %
