"""Explanations: LightGBM contributions add up, and drivers read as agronomy."""

from __future__ import annotations

import numpy as np
import pytest

from models.explain import contributions, describe, top_drivers
from models.yield_model import predict_with, train_yield_model
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
