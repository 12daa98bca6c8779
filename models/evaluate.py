"""Scoring forecasts and recommendations against a simulation's truth, as pure functions of
DataFrames (the caller reads the truth files; nothing here trains or advises).

- `yield_forecast_errors`: per crop and forecast date, the error of the P50 against the final
  yield, the coverage of the P10-P90 interval, and the same error for the naive forecasts.
- `nitrogen_evaluation`: per N strategy (the recommendation, a flat cooperative-average rate,
  ...), the mean absolute difference from each field's economic optimum and the profit lost
  against that optimum, both read from the field's simulated yield-by-N sweep. Yield between two
  sweep rates is interpolated linearly; profit is grain price × yield − N price × N (EUR/ha), the
  partial profit of the N decision.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

SWEEP_STEP_KG_HA = 1.0


def yield_forecast_errors(forecasts: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per crop and as_of: fields, MAE, RMSE, nRMSE (% of mean true yield), bias (mean of
    forecast − truth), coverage of [P10, P90], and MAE/RMSE of every `baseline_*` column.

    `forecasts`: field_id, crop, as_of, yield_p10_t_ha, yield_p50_t_ha, yield_p90_t_ha and
    optional `baseline_<name>_t_ha` columns; `truth`: field_id, yield_t_ha.
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
        }
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
