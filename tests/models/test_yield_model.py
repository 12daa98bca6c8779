"""Yield model: leave-one-season-out without leakage, baselines, intervals, skill table."""

from __future__ import annotations

from collections.abc import Sequence

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from models.yield_model import (
    RESPONSE_FEATURES,
    TARGET,
    YIELD_FEATURES,
    YieldModelSettings,
    baseline_forecasts,
    conformal_offsets,
    fit_booster,
    held_out_intervals,
    leave_one_season_out,
    predict_yield,
    progress_bucket,
    skill_table,
    train_yield_model,
    training_table,
)
from pipelines.agronomy.features import build_features
from pipelines.agronomy.season_grid import season_requests
from tests.models.factories import FAST, training_rows
from tests.pipelines.season_data import synthetic_sources


def test_loso_never_trains_on_the_held_out_season() -> None:
    table = training_rows(seasons=(2019, 2020, 2021, 2022))
    seen: list[tuple[set[int], tuple[str, ...]]] = []

    def spy_fit(
        x: pd.DataFrame, y: pd.Series, features: Sequence[str], settings: YieldModelSettings
    ) -> lgb.Booster:
        seen.append((set(x["season"].unique()), tuple(features)))
        return fit_booster(x, y, features, settings)

    oof = leave_one_season_out(table, FAST, fit=spy_fit)
    held_out = sorted(oof["held_out"].unique())
    assert held_out == [2019, 2020, 2021, 2022]
    # Two models per fold (yield, N response), both without the held-out season.
    assert [features for _, features in seen] == [YIELD_FEATURES, RESPONSE_FEATURES] * 4
    for k, (trained_on, _) in enumerate(seen):
        season = held_out[k // 2]
        assert season not in trained_on
        assert trained_on == {2019, 2020, 2021, 2022} - {season}
    # Every row is forecast exactly once, by the models that did not see its season.
    assert len(oof) == len(table)
    assert (oof["season"] == oof["held_out"]).all()


def test_held_out_evidence_for_the_n_response() -> None:
    responsive = train_yield_model(training_rows(seasons=(2019, 2020, 2021, 2022)), FAST)
    assert responsive.crops["winter_wheat"].n_response_supported
    assert responsive.crops["winter_wheat"].n_response_importance_pct > 5.0
    # The same fields with N drawn at random for each field-season: yield no longer depends
    # on it.
    table = training_rows(seasons=(2019, 2020, 2021, 2022))
    keys = table[["field_id", "season"]]
    drawn = pd.Series(
        np.random.default_rng(1).choice([0.0, 60.0, 120.0, 200.0], len(keys.drop_duplicates())),
        index=pd.MultiIndex.from_frame(keys.drop_duplicates()),
    )
    random_n = drawn.reindex(pd.MultiIndex.from_frame(keys)).to_numpy()
    table = table.assign(n_season_total_kg_ha=random_n, n_applied_kg_ha=random_n)
    flat = train_yield_model(table, FAST)
    assert not flat.crops["winter_wheat"].n_response_supported
    assert flat.crops["winter_wheat"].n_response_importance_pct < 0.5


def test_loso_baselines_use_only_the_other_seasons() -> None:
    table = training_rows(n_fields=3, seasons=(2020, 2021, 2022))
    oof = leave_one_season_out(table, FAST)
    yields = table.drop_duplicates(["field_id", "season"]).set_index(["field_id", "season"])
    row = oof[(oof["field_id"] == "f00") & (oof["season"] == 2021)].iloc[0]
    others = yields.loc[[("f00", 2020), ("f00", 2022)], TARGET]
    assert row["field_mean"] == pytest.approx(others.mean())


def test_training_rows_are_as_of_on_or_before_harvest() -> None:
    sources = synthetic_sources(4, seed=3)
    requests = season_requests(sources.seasons, pd.Timestamp("2025-05-25"), every_days=45)
    features = build_features(sources, requests)
    table = training_table(features, sources.seasons, sources.operations)
    assert len(table) > 0
    assert (table["as_of"] <= table["harvest_date"]).all()
    assert table[TARGET].notna().all()  # seasons in progress are not training rows
    # A row describing a finished season as of a date after its harvest is refused.
    late = features.reset_index()
    first = table.iloc[0]
    late.loc[0, ["field_id", "season"]] = [first["field_id"], first["season"]]
    late.loc[0, "as_of"] = first["harvest_date"] + pd.Timedelta(days=3)
    with pytest.raises(ValueError, match="as_of after the harvest"):
        training_table(
            late.set_index(["field_id", "season", "as_of"]),
            sources.seasons,
            sources.operations,
        )


def test_yields_are_converted_to_the_crop_standard_moisture() -> None:
    features = training_rows(n_fields=1, seasons=(2020, 2021), points=(1.0,))
    features = features[["field_id", "season", "as_of", "crop", *YIELD_FEATURES]]
    seasons = pd.DataFrame(
        {
            "field_id": "f00",
            "season": [2020, 2021],
            "crop": "winter_wheat",
            "harvest_date": features["as_of"].to_numpy(),
            TARGET: [8.5, 10.0],
            "yield_moisture_pct": [20.0, 15.0],  # 2020 weighed wet
        }
    )
    crops = pd.DataFrame({"crop_id": ["winter_wheat"], "yield_moisture_pct": [15.0]})
    no_operations = pd.DataFrame(columns=["field_id", "season", "date", "operation", "amount"])
    table = training_table(
        features.set_index(["field_id", "season", "as_of"]), seasons, no_operations, crops
    )
    # 8.5 t/ha at 20 % holds 6.8 t dry matter: 8.0 t/ha at 15 %.
    assert table[TARGET].tolist() == pytest.approx([8.0, 10.0])


def test_baselines_by_hand() -> None:
    train = pd.DataFrame(
        {
            "field_id": ["a", "a", "a", "b"],
            "season": [2019, 2020, 2021, 2020],
            TARGET: [8.0, 9.0, 10.0, 6.0],
        }
    )
    test = pd.DataFrame({"field_id": ["a", "b", "c"], "season": [2022, 2022, 2022]})
    out = baseline_forecasts(train, test).set_index("field_id")
    assert out.loc["a", "field_mean"] == pytest.approx(9.0)
    assert out.loc["a", "linear_trend"] == pytest.approx(11.0)  # +1 t/ha per season
    assert out.loc["b", "linear_trend"] == pytest.approx(6.0)  # one season: the field mean
    assert out.loc["c", "field_mean"] == pytest.approx(8.25)  # unknown field: overall mean


def test_conformal_offsets_rank_by_hand() -> None:
    residuals = np.array([-3.0, 1.0, -0.5, 2.0, 0.2, -1.5, 0.8, 4.0, -0.1])
    # n = 9: rank ⌈10 × 0.8⌉ = 8 of the sorted |r| (0.1 0.2 0.5 0.8 1 1.5 2 3 4) is 3.0.
    assert conformal_offsets(residuals, 0.8) == (-3.0, 3.0)
    assert np.isnan(conformal_offsets(np.array([np.nan]), 0.8)[0])


def test_progress_buckets() -> None:
    bucket = progress_bucket(np.array([0.1, 0.4, 0.6, 0.9, 1.2, np.nan]), (0.375, 0.625, 0.875))
    assert bucket.tolist() == [0, 1, 1, 3, 3, 0]


def test_held_out_intervals_cover_about_80_pct_of_exchangeable_errors() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    oof = pd.DataFrame(
        {
            "held_out": rng.integers(2010, 2020, n),
            "progress": rng.uniform(0, 1.1, n),
            "predicted": 8.0,
        }
    )
    oof[TARGET] = 8.0 + rng.normal(0, 1.0, n) * (2.0 - oof["progress"])  # wider early
    intervals = held_out_intervals(oof, YieldModelSettings())
    inside = (oof[TARGET] >= intervals["lower"]) & (oof[TARGET] <= intervals["upper"])
    assert 0.77 <= inside.mean() <= 0.83
    early = intervals["bucket"] == 0
    width = intervals["upper"] - intervals["lower"]
    assert width[early].mean() > width[~early].mean()


def test_skill_table_by_hand() -> None:
    points = pd.DataFrame(
        {
            "crop": "wheat",
            "point": "50 %",
            "season": [2020, 2020, 2021, 2021],
            TARGET: [8.0, 10.0, 9.0, 11.0],
            "predicted": [8.5, 9.5, 9.0, 11.0],
            "field_mean": [9.0, 11.0, 8.0, 10.0],
            "linear_trend": [9.0, 9.0, 9.0, 9.0],
            "lower": [7.0, 9.0, 9.5, 10.0],
            "upper": [9.0, 11.0, 10.0, 12.0],
        }
    )
    row = skill_table(points).iloc[0]
    assert row["model_rmse_t_ha"] == pytest.approx(np.sqrt(0.125))
    assert row["field_mean_rmse_t_ha"] == pytest.approx(1.0)
    assert row["skill_vs_field_mean"] == pytest.approx(1 - np.sqrt(0.125))
    assert row["model_nrmse_pct"] == pytest.approx(100 * np.sqrt(0.125) / 9.5)
    assert row["coverage_p10_p90"] == pytest.approx(0.75)
    assert row["seasons"] == 2 and row["field_seasons"] == 4


def test_trained_model_predicts_ordered_intervals_for_every_crop() -> None:
    table = training_rows(crops=("winter_wheat", "grain_maize"), seasons=(2019, 2020, 2021))
    model = train_yield_model(table, FAST)
    assert set(model.crops) == {"winter_wheat", "grain_maize"}
    assert set(model.skill["forecast_point"]) == {"25 %", "50 %", "75 %", "harvest"}
    rows = table.assign(crop=np.where(table.index % 7 == 0, "rye", table["crop"]))
    predicted = predict_yield(model, rows)
    known = rows["crop"] != "rye"
    assert predicted.loc[~known].isna().all().all()  # no model for rye: no forecast
    ok = predicted.loc[known]
    assert (ok["yield_p10_t_ha"] <= ok["yield_p50_t_ha"]).all()
    assert (ok["yield_p50_t_ha"] <= ok["yield_p90_t_ha"]).all()
    assert (ok["yield_p10_t_ha"] >= 0).all()


def test_a_crop_with_a_single_season_is_refused() -> None:
    with pytest.raises(ValueError, match="two or more harvested seasons"):
        train_yield_model(training_rows(seasons=(2020,)), FAST)


def test_features_exist_in_the_pipeline() -> None:
    from pipelines.agronomy.features import FEATURE_COLUMNS

    assert set(YIELD_FEATURES) <= set(FEATURE_COLUMNS)
