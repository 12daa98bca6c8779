"""Evaluation against truth: yield errors and N profit from a sweep, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from models.evaluate import (
    nitrogen_evaluation,
    sweep_optimum,
    sweep_profit,
    yield_forecast_errors,
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
