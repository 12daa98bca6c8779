"""Yield model: leave-one-season-out without leakage, baselines, intervals, skill table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from models.registry import ModelRegistry
from models.yield_model import (
    CROP_MODEL_FEATURES,
    RESPONSE_FEATURES,
    SOURCE_FIELD_MEAN,
    SOURCE_MODEL,
    TARGET,
    YIELD_FEATURES,
    YieldModel,
    YieldModelSettings,
    baseline_forecasts,
    conformal_offsets,
    field_mean_offsets,
    fit_booster,
    held_out_intervals,
    leave_one_farm_out,
    leave_one_season_out,
    past_mean_without_season,
    predict_with,
    predict_yield,
    progress_bucket,
    season_out_baselines,
    season_pooled_quantile,
    skill_table,
    skilled_buckets,
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
    season = rng.integers(2010, 2020, n)
    oof = pd.DataFrame(
        {
            "field_id": [f"f{k}" for k in range(n)],
            "season": season,
            "held_out": season,
            "progress": rng.uniform(0, 1.1, n),
            "predicted": 8.0,
            "field_mean": 8.0,
        }
    )
    oof[TARGET] = 8.0 + rng.normal(0, 1.0, n) * (2.0 - oof["progress"])  # wider early
    intervals = held_out_intervals(oof, YieldModelSettings())
    inside = (oof[TARGET] >= intervals["lower"]) & (oof[TARGET] <= intervals["upper"])
    assert 0.77 <= inside.mean() <= 0.83
    early = intervals["bucket"] == 0
    width = intervals["upper"] - intervals["lower"]
    assert width[early].mean() > width[~early].mean()
    # The field-mean fallback's interval, from the same (here: field-mean) errors.
    inside = (oof[TARGET] >= intervals["field_mean_lower"]) & (
        oof[TARGET] <= intervals["field_mean_upper"]
    )
    assert 0.77 <= inside.mean() <= 0.83


def test_intervals_weigh_every_season_the_same() -> None:
    # Nine fields of a good season missed by 1 t/ha, the one field of a bad season by 5 t/ha.
    residuals = np.array([1.0] * 9 + [5.0])
    seasons = np.array([2020] * 9 + [2021])
    # Row by row (split-conformal, rank ⌈11 × 0.8⌉ = 9) the bad season hardly counts ...
    assert season_pooled_quantile(residuals, None, 0.8) == 1.0
    assert conformal_offsets(residuals, 0.8) == (-1.0, 1.0)
    # ... with the seasons weighing 1/2 each, 1 t/ha covers only half the seasons.
    assert season_pooled_quantile(residuals, seasons, 0.8) == 5.0
    assert conformal_offsets(residuals, 0.8, seasons) == (-5.0, 5.0)
    # Ten seasons of one value each: the ⌈10 × 0.8⌉ = 8th.
    values = np.arange(1.0, 11.0)
    assert season_pooled_quantile(values, np.arange(10), 0.8) == 8.0
    assert season_pooled_quantile(values, np.arange(10), 0.95) == 10.0


def test_field_mean_interval_from_the_baseline_held_out_errors() -> None:
    # Ten seasons with one field each, missed by ±0.1 … ±1.0 t/ha; the 2025 field-season has
    # rows at five dates (the baseline does not move in a season: it counts once).
    errors = np.array([0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0])
    seasons = np.arange(2016, 2026)
    oof = pd.DataFrame({"field_id": "f0", "season": seasons, "field_mean": 8.0})
    oof[TARGET] = 8.0 + errors
    oof = pd.concat([oof, *[oof.iloc[[-1]]] * 4], ignore_index=True)
    # The 8th of ten sorted |errors|, every season weighing 1/10.
    assert field_mean_offsets(oof, 0.8) == pytest.approx((-0.8, 0.8))


def test_loso_baselines_are_the_season_out_baselines() -> None:
    table = training_rows(n_fields=3, seasons=(2020, 2021, 2022))
    base = season_out_baselines(table).set_index(["field_id", "season"])
    yields = table.drop_duplicates(["field_id", "season"]).set_index(["field_id", "season"])
    assert base.loc[("f01", 2022), "field_mean"] == pytest.approx(
        yields.loc[[("f01", 2020), ("f01", 2021)], TARGET].mean()
    )


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
    from pipelines.agronomy.crop_indicators import STATE_FEATURES
    from pipelines.agronomy.features import FEATURE_COLUMNS

    assert set(YIELD_FEATURES) <= set(FEATURE_COLUMNS) | set(STATE_FEATURES)
    assert set(CROP_MODEL_FEATURES) == set(STATE_FEATURES)


# --------------------------------------------------------------------------- no leakage


def _consistent_past_means(table: pd.DataFrame) -> pd.DataFrame:
    """The factory's rows with `past_mean_yield_t_ha` as the feature pipeline defines it: the
    mean yield of the field's earlier seasons harvested by the row's date."""
    yields = table.drop_duplicates(["field_id", "season"])
    means = [
        yields[
            (yields["field_id"] == row.field_id)
            & (yields["season"] < row.season)
            & (yields["harvest_date"] <= row.as_of)
        ][TARGET].mean()
        for row in table.itertuples()
    ]
    return table.assign(past_mean_yield_t_ha=means)


def test_loso_training_rows_do_not_carry_the_held_out_yield_in_their_past_means() -> None:
    table = _consistent_past_means(training_rows(n_fields=3, seasons=(2019, 2020, 2021, 2022)))
    yields = table.drop_duplicates(["field_id", "season"]).set_index(["field_id", "season"])[TARGET]
    seen: list[pd.DataFrame] = []

    def spy_fit(
        x: pd.DataFrame, y: pd.Series, features: Sequence[str], settings: YieldModelSettings
    ) -> lgb.Booster:
        seen.append(x.copy())
        return fit_booster(x, y, features, settings)

    leave_one_season_out(table, FAST, fit=spy_fit)
    # Fold 2 (2020 held out), yield model: 2022's rows had the mean of 2019-2021; now 2019, 2021.
    trained = seen[2]
    assert 2020 not in set(trained["season"])
    row = trained[(trained["field_id"] == "f01") & (trained["season"] == 2022)].iloc[0]
    assert row["past_mean_yield_t_ha"] == pytest.approx(
        (yields[("f01", 2019)] + yields[("f01", 2021)]) / 2
    )
    # Rows of seasons before the held-out one keep theirs; a row whose only past season was
    # held out has none left.
    early = trained[(trained["field_id"] == "f01") & (trained["season"] == 2019)]
    assert early["past_mean_yield_t_ha"].isna().all()
    fold_2019 = seen[0]
    first_after = fold_2019[(fold_2019["field_id"] == "f01") & (fold_2019["season"] == 2020)]
    assert first_after["past_mean_yield_t_ha"].isna().all()
    # No training row of any fold holds its held-out season's yield in its past mean.
    for k, season in enumerate((2019, 2020, 2021)):  # 2022: no later season
        x = seen[2 * k]
        later = x[x["season"] > season]
        expected = past_mean_without_season(later, table, season)
        assert np.allclose(later["past_mean_yield_t_ha"], expected, equal_nan=True)
        with_held = table.loc[later.index, "past_mean_yield_t_ha"]
        assert not np.allclose(later["past_mean_yield_t_ha"], with_held, equal_nan=True)


# --------------------------------------------------------------------------- honest fallback


def _with_skill(
    model: YieldModel, skilled: tuple[bool, ...] | None, **changes: object
) -> YieldModel:
    crops = {
        crop: replace(crop_model, model_skilled=skilled, **changes)  # type: ignore[arg-type]
        for crop, crop_model in model.crops.items()
    }
    return replace(model, crops=crops)


@pytest.fixture(scope="module")
def wheat_model() -> YieldModel:
    return train_yield_model(training_rows(seasons=(2019, 2020, 2021)), FAST)


def test_the_field_mean_is_served_where_the_model_has_no_skill(wheat_model: YieldModel) -> None:
    rows = training_rows(n_fields=4, seasons=(2022,), points=(0.25, 0.5, 1.0))
    rows.loc[rows["field_id"] == "f03", "past_mean_yield_t_ha"] = np.nan  # no history
    model = _with_skill(
        wheat_model,
        (False, True, True, True),
        field_mean_offsets=(-1.0, 1.5),
        cooperative_mean_yield_t_ha=7.7,
    )
    out = predict_yield(model, rows)
    early = (
        rows["gdd_to_date_degc_d"] / model.crops["winter_wheat"].harvest_thermal_time_degc_d
    ) < 0.375
    assert early.sum() == 4
    assert (out.loc[early, "yield_source"] == SOURCE_FIELD_MEAN).all()
    assert (out.loc[~early, "yield_source"] == SOURCE_MODEL).all()
    fallback = rows.loc[early, "past_mean_yield_t_ha"].fillna(7.7)
    np.testing.assert_allclose(out.loc[early, "yield_p50_t_ha"], fallback)
    np.testing.assert_allclose(out.loc[early, "yield_p10_t_ha"], fallback - 1.0)
    np.testing.assert_allclose(out.loc[early, "yield_p90_t_ha"], fallback + 1.5)
    assert out.loc[early & (rows["field_id"] == "f03"), "yield_p50_t_ha"].iloc[0] == 7.7
    np.testing.assert_allclose(
        out.loc[~early, "yield_p50_t_ha"], predict_with(model, rows.loc[~early])
    )


def test_the_model_is_served_where_it_has_skill_or_no_skill_information(
    wheat_model: YieldModel,
) -> None:
    rows = training_rows(n_fields=3, seasons=(2022,))
    for skilled in ((True, True, True, True), None):
        out = predict_yield(_with_skill(wheat_model, skilled), rows)
        assert (out["yield_source"] == SOURCE_MODEL).all()
        np.testing.assert_allclose(out["yield_p50_t_ha"], predict_with(wheat_model, rows))


def test_skilled_buckets_by_hand() -> None:
    settings = YieldModelSettings()  # buckets: < 37.5 %, < 62.5 %, < 87.5 %, beyond
    skill = pd.DataFrame(
        {
            "forecast_point": ["25 %", "50 %", "75 %", "harvest"],
            "skill_vs_field_mean": [0.10, 0.15, 0.40, 0.35],
        }
    )
    assert skilled_buckets(skill, settings) == ((False, True, True, True), (0.10, 0.15, 0.40, 0.35))
    # A point without held-out rows borrows its neighbour's verdict; no skill at all: none.
    skill.loc[1, "skill_vs_field_mean"] = np.nan
    assert skilled_buckets(skill, settings)[0] == (False, False, True, True)
    none = skilled_buckets(skill.iloc[:0], settings)
    assert none[0] == (False,) * 4


def test_training_records_what_is_served_per_crop_and_stage() -> None:
    table = training_rows(crops=("winter_wheat", "grain_maize"), seasons=(2019, 2020, 2021))
    strict = replace(FAST, min_skill_vs_field_mean=0.99)  # nothing is that good
    model = train_yield_model(table, strict)
    assert (model.skill["serves"] == SOURCE_FIELD_MEAN).all()
    for crop_model in model.crops.values():
        assert crop_model.model_skilled == (False,) * 4
        low, high = crop_model.field_mean_offsets
        assert low < 0 < high
        assert crop_model.cooperative_mean_yield_t_ha == pytest.approx(
            table[table["crop"] == crop_model.crop]
            .drop_duplicates(["field_id", "season"])[TARGET]
            .mean()
        )
    assert (predict_yield(model, table)["yield_source"] == SOURCE_FIELD_MEAN).all()
    lenient = train_yield_model(table, replace(FAST, min_skill_vs_field_mean=-np.inf))
    assert (lenient.skill["serves"] == SOURCE_MODEL).all()
    assert "field_mean_coverage_p10_p90" in lenient.skill


# --------------------------------------------------------------------------- leave-farm-out


FARMS = pd.Series({f"f{k:02d}": ("farm-a" if k < 5 else "farm-b") for k in range(10)})


def test_leave_farm_out_never_trains_on_the_held_out_farm() -> None:
    table = training_rows(seasons=(2019, 2020, 2021))
    seen: list[set[str]] = []

    def spy_fit(
        x: pd.DataFrame, y: pd.Series, features: Sequence[str], settings: YieldModelSettings
    ) -> lgb.Booster:
        seen.append(set(x["field_id"]))
        return fit_booster(x, y, features, settings)

    oof = leave_one_farm_out(table, FARMS, FAST, fit=spy_fit)
    assert seen == [set(FARMS.index[5:]), set(FARMS.index[:5])]
    assert len(oof) == len(table)
    assert (oof["held_out"] == oof["field_id"].map(FARMS)).all()
    with pytest.raises(ValueError, match="no farm for field"):
        leave_one_farm_out(table, FARMS.iloc[:3], FAST)


def test_leave_farm_out_skill_table_shape() -> None:
    table = training_rows(crops=("winter_wheat", "grain_maize"), seasons=(2019, 2020, 2021))
    model = train_yield_model(table, FAST, FARMS)
    farm_out = model.skill_leave_farm_out
    assert len(farm_out) == 8  # 2 crops × 4 forecast points
    assert set(farm_out["crop"]) == {"winter_wheat", "grain_maize"}
    assert set(farm_out["forecast_point"]) == {"25 %", "50 %", "75 %", "harvest"}
    assert set(model.skill.columns) - set(farm_out.columns) == {"serves"}
    assert farm_out["coverage_p10_p90"].between(0, 1).all()
    # One farm, or no farms given: no leave-farm-out table.
    one_farm = pd.Series("farm-a", index=FARMS.index)
    assert train_yield_model(table, FAST, one_farm).skill_leave_farm_out.empty
    assert train_yield_model(table, FAST).skill_leave_farm_out.empty


# --------------------------------------------------------------------------- registry


def test_the_registry_keeps_the_fallback_and_reads_older_metadata(
    tmp_path: Path, wheat_model: YieldModel
) -> None:
    model = _with_skill(wheat_model, (False, True, True, True), field_mean_offsets=(-1.0, 1.5))
    model = replace(model, skill_leave_farm_out=model.skill.drop(columns="serves"))
    registry = ModelRegistry(tmp_path)
    version = registry.save(model)
    loaded = registry.load()
    crop = loaded.crops["winter_wheat"]
    assert crop.model_skilled == (False, True, True, True)
    assert crop.field_mean_offsets == (-1.0, 1.5)
    saved_medians = model.crops["winter_wheat"].feature_medians_by_progress
    assert pd.DataFrame(crop.feature_medians_by_progress).equals(pd.DataFrame(saved_medians))
    assert len(loaded.skill_leave_farm_out) == len(model.skill)
    rows = training_rows(n_fields=3, seasons=(2022,))
    assert predict_yield(loaded, rows).equals(predict_yield(model, rows))

    # Metadata written before the fallback existed: no skill information, the model serves.
    path = tmp_path / "yield" / version / "metadata.json"
    meta = json.loads(path.read_text())
    for info in meta["crops"].values():
        for key in (
            "model_skilled_by_bucket",
            "skill_vs_field_mean_by_bucket",
            "field_mean_interval_offsets_t_ha",
            "cooperative_mean_yield_t_ha",
            "feature_medians_by_progress",
        ):
            del info[key]
    del meta["metrics"]["skill_leave_farm_out"]
    for key in ("min_skill_vs_field_mean", "median_progress_edges"):
        del meta["settings"][key]
    path.write_text(json.dumps(meta))
    old = registry.load()
    assert old.crops["winter_wheat"].model_skilled is None
    assert old.skill_leave_farm_out.empty
    assert (predict_yield(old, rows)["yield_source"] == SOURCE_MODEL).all()
