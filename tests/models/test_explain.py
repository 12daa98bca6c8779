"""Explanations: LightGBM contributions add up, and drivers read as agronomy: levels against the
median at the same stage of the season, and no early-season zeros."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from models.explain import (
    contributions,
    describe,
    stage_medians,
    too_early_to_tell,
    top_drivers,
)
from models.yield_model import YieldModel, predict_with, train_yield_model
from tests.models.factories import FAST, training_rows


@pytest.mark.parametrize(
    ("feature", "value", "median", "effect", "text"),
    [
        ("ndvi_peak_index", 0.62, 0.75, -0.41, "low NDVI peak (0.62): −0.41 t/ha"),
        ("heat_days_to_date_d", 23.0, 10.0, -0.3, "23 heat days: −0.30 t/ha"),
        ("ks_below_1_d", 12.0, 3.0, -0.25, "12 days of water stress: −0.25 t/ha"),
        (
            "n_applied_kg_ha",
            180.0,
            120.0,
            0.5,
            "high nitrogen applied so far (180 kg N/ha): +0.50 t/ha",
        ),
        ("ndvi_peak_index", float("nan"), 0.75, -0.2, "no NDVI peak yet: −0.20 t/ha"),
        ("irrigated_flag", 0.0, 1.0, -0.1, "no irrigation equipment: −0.10 t/ha"),
        ("some_new_index", 3.0, None, 0.1, "some new index (3): +0.10 t/ha"),
    ],
)
def test_drivers_in_agronomic_words(
    feature: str, value: float, median: float | None, effect: float, text: str
) -> None:
    assert describe(feature, value, median, effect) == text


def test_contributions_add_up_to_the_prediction() -> None:
    table = training_rows(seasons=(2019, 2020, 2021))
    model = train_yield_model(table, FAST)
    rows = table.iloc[:20]
    contrib = contributions(model, rows)
    np.testing.assert_allclose(contrib.sum(axis=1), predict_with(model, rows), atol=1e-9)
    drivers = top_drivers(model, rows, top=3)
    assert drivers.str.split("; ").map(len).max() <= 3
    assert drivers.str.len().gt(0).all()


def _model_with_stage_medians(stages: list[dict[str, float]]) -> YieldModel:
    model = train_yield_model(training_rows(seasons=(2019, 2020)), FAST)
    wheat = replace(model.crops["winter_wheat"], feature_medians_by_progress=tuple(stages))
    return replace(model, crops={"winter_wheat": wheat})


@pytest.mark.parametrize(
    ("value", "stage_median", "text"),
    [
        # 0.55 is below the stage's 0.60 (but above the season's 0.40): low for the stage.
        (0.55, 0.60, "low NDVI peak (0.55): −0.30 t/ha"),
        (0.65, 0.60, "high NDVI peak (0.65): −0.30 t/ha"),
        (0.60, 0.60, "NDVI peak (0.60): −0.30 t/ha"),
    ],
)
def test_levels_compare_with_the_median_at_the_same_stage(
    monkeypatch: pytest.MonkeyPatch, value: float, stage_median: float, text: str
) -> None:
    stages = [{"ndvi_peak_index": 0.40, "ndvi_integral_index_d": 0.0}] * 11
    stages[2] = {"ndvi_peak_index": stage_median, "ndvi_integral_index_d": 0.0}
    model = _model_with_stage_medians(stages)
    harvest_tt = model.crops["winter_wheat"].harvest_thermal_time_degc_d
    row = training_rows(n_fields=1, seasons=(2021,), points=(0.25,)).assign(
        gdd_to_date_degc_d=0.25 * harvest_tt,  # stage 2: 20-30 % of the season
        ndvi_peak_index=value,
    )
    effects = pd.DataFrame(0.0, index=row.index, columns=[*model.features, "expected"])
    effects["ndvi_peak_index"] = -0.3
    monkeypatch.setattr("models.explain.contributions", lambda m, f: effects)
    assert top_drivers(model, row).iloc[0] == text


def test_an_early_season_zero_is_not_a_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    # Just after sowing no field has a clear image yet: the stage median of the NDVI sum is 0,
    # and a sum of 0 says nothing about this field (it read "low season NDVI sum (0): +0.68").
    stages = [{"ndvi_integral_index_d": 0.0, "ks_below_1_d": 0.0, "sand_pct": 30.0}] + [
        {"ndvi_integral_index_d": 40.0, "ks_below_1_d": 2.0, "sand_pct": 30.0}
    ] * 10
    model = _model_with_stage_medians(stages)
    rows = training_rows(n_fields=1, seasons=(2021,), points=(0.05, 0.5)).assign(
        ndvi_integral_index_d=0.0, ks_below_1_d=0.0, sand_pct=40.0
    )
    harvest_tt = model.crops["winter_wheat"].harvest_thermal_time_degc_d
    rows["gdd_to_date_degc_d"] = [0.05 * harvest_tt, 0.5 * harvest_tt]
    effects = pd.DataFrame(0.0, index=rows.index, columns=[*model.features, "expected"])
    effects["ndvi_integral_index_d"] = 0.68
    effects["ks_below_1_d"] = 0.2
    effects["sand_pct"] = -0.1
    monkeypatch.setattr("models.explain.contributions", lambda m, f: effects)
    early, mid = top_drivers(model, rows)
    assert early == "high sand content (40 %): −0.10 t/ha"
    # At mid-season the same zeros are unusual, and read as such.
    assert mid == (
        "low season NDVI sum (0): +0.68 t/ha; 0 days of water stress: +0.20 t/ha; "
        "high sand content (40 %): −0.10 t/ha"
    )


@pytest.mark.parametrize(
    ("feature", "value", "median", "early"),
    [
        ("ndvi_integral_index_d", 0.0, 0.0, True),
        ("ndvi_integral_index_d", 0.0, 12.0, False),
        ("ndvi_integral_index_d", 5.0, 0.0, False),
        ("n_applied_kg_ha", 0.0, 0.0, True),
        ("irrigated_flag", 0.0, 0.0, False),  # a property of the field, not of the date
        ("ndvi_integral_index_d", 0.0, None, False),
    ],
)
def test_too_early_to_tell(feature: str, value: float, median: float | None, early: bool) -> None:
    assert too_early_to_tell(feature, value, median) is early


def test_training_stores_medians_per_stage_of_the_season() -> None:
    model = train_yield_model(training_rows(seasons=(2019, 2020, 2021)), FAST)
    stages = model.crops["winter_wheat"].feature_medians_by_progress
    assert len(stages) == len(model.settings.median_progress_edges) + 1
    days = [stage["days_after_sowing_d"] for stage in stages]
    assert days == sorted(days) and days[0] < days[-1]  # later stages, more days
    rows = training_rows(n_fields=2, seasons=(2022,), points=(0.25, 1.0))
    medians = stage_medians(model, rows)
    assert medians[0]["days_after_sowing_d"] < medians[1]["days_after_sowing_d"]
