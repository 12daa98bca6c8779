"""Nitrogen: the published quadratic-plateau trial, the monotone response, and the economics."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.nitrogen import (
    NitrogenSettings,
    economic_optimum,
    quadratic_plateau,
    recommend_nitrogen,
)
from models.yield_model import (
    N_SEASON_TOTAL,
    N_TO_DATE,
    YieldModel,
    predict_with,
    train_yield_model,
)
from pipelines.crops import builtin_crops
from tests.models.factories import FAST, training_rows

TRIAL = Path(__file__).resolve().parents[1] / "data" / "minnesota_2012.csv"


def test_quadratic_plateau_pins_the_eonr_minnesota_2012_trial() -> None:
    # eonr 0.2.1's own tests (eonr/tests/test_eonr.py) at 0.88 $/kg N and 0.157 $/kg grain.
    trial = pd.read_csv(TRIAL)
    fit = quadratic_plateau(
        trial["rate_n_applied_kgha"], trial["yld_grain_dry_kgha"], price_n=0.88, price_grain=0.157
    )
    assert fit.eonr == pytest.approx(162.3, abs=0.1)
    assert fit.aonr == pytest.approx(177.44, abs=0.01)
    assert fit.mrtn == pytest.approx(767.93, abs=0.005)
    assert fit.price_ratio == pytest.approx(0.88 / 0.157)


def test_quadratic_plateau_recovers_an_exact_curve() -> None:
    rates = np.repeat(np.arange(0.0, 301.0, 30.0), 3)
    a, b, c = 5000.0, 40.0, -0.1  # AONR −b/(2c) = 200, plateau 9000
    yields = a + b * np.minimum(rates, 200.0) + c * np.minimum(rates, 200.0) ** 2
    fit = quadratic_plateau(rates, yields, price_n=1.0, price_grain=0.2)
    assert fit.aonr == pytest.approx(200.0, abs=1e-4)
    assert fit.plateau_yield == pytest.approx(9000.0, abs=1e-3)
    assert fit.eonr == pytest.approx((5.0 - b) / (2 * c), abs=1e-3)  # 175
    assert fit.r2 == pytest.approx(1.0)
    np.testing.assert_allclose(fit.predict([0.0, 250.0]), [5000.0, 9000.0], atol=1e-3)


def test_quadratic_plateau_needs_enough_rates() -> None:
    with pytest.raises(ValueError, match="at least 3 distinct rates"):
        quadratic_plateau([0, 0, 50, 50], [1, 1, 2, 2], 1.0, 0.2)


@pytest.fixture(scope="module")
def model() -> YieldModel:
    return train_yield_model(training_rows(seasons=(2019, 2020, 2021)), FAST)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    row=st.integers(0, 39),
    low=st.floats(0, 300),
    extra=st.floats(0, 200),
    response=st.booleans(),
)
def test_more_nitrogen_never_lowers_predicted_yield(
    model: YieldModel, row: int, low: float, extra: float, response: bool
) -> None:
    features = training_rows(seasons=(2022,), seed=9).iloc[[row]]
    column = N_SEASON_TOTAL if response else N_TO_DATE
    less = features.assign(**{column: low})
    more = features.assign(**{column: low + extra})
    assert (
        predict_with(model, more, response=response)[0]
        >= predict_with(model, less, response=response)[0] - 1e-12
    )


def test_the_response_model_learns_the_nitrogen_effect(model: YieldModel) -> None:
    features = training_rows(seasons=(2022,), seed=9).iloc[:10]
    low = predict_with(model, features.assign(**{N_SEASON_TOTAL: 0.0}), response=True)
    high = predict_with(model, features.assign(**{N_SEASON_TOTAL: 200.0}), response=True)
    assert (high - low).mean() > 2.0  # the factory's response is +4 t/ha over 0-200 kg N


rates = st.lists(st.floats(0.0, 5.0), min_size=2, max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    increments=rates,
    applied=st.floats(0, 300),
    cap=st.floats(0, 400),
    grain_price=st.floats(50, 500),
    n_price=st.floats(0.2, 5.0),
)
def test_recommendation_never_negative_and_never_above_the_cap(
    increments: list[float], applied: float, cap: float, grain_price: float, n_price: float
) -> None:
    additional = np.arange(len(increments)) * 10.0
    yields = 5.0 + np.cumsum([0.0, *increments[1:]]) / 10.0  # monotone, t/ha
    result = economic_optimum(additional, yields[None, :], [applied], grain_price, n_price, [cap])
    rate = float(result["n_rate_now_kg_ha"].iloc[0])
    total = float(result["n_total_recommended_kg_ha"].iloc[0])
    assert rate >= 0.0
    assert total == pytest.approx(applied + rate)
    assert total <= max(cap, applied) + 1e-9
    if applied >= cap:
        assert rate == 0.0


@pytest.mark.parametrize("slope_kg_grain_per_kg_n", [0.0, 2.0, 4.9])
def test_zero_when_the_marginal_value_is_below_the_price(slope_kg_grain_per_kg_n: float) -> None:
    additional = np.arange(0.0, 201.0, 5.0)
    yields = 8.0 + slope_kg_grain_per_kg_n * additional / 1000.0  # t/ha
    # 1.10 EUR/kg N against 220 EUR/t grain: N pays only above 5 kg grain per kg N.
    result = economic_optimum(additional, yields[None, :], [120.0], 220.0, 1.10, [400.0])
    assert result["n_rate_now_kg_ha"].iloc[0] == 0.0
    assert result["n_expected_gain_t_ha"].iloc[0] == 0.0


def test_a_paying_linear_response_goes_to_the_cap() -> None:
    additional = np.arange(0.0, 201.0, 5.0)
    yields = 8.0 + 20.0 * additional / 1000.0  # 20 kg grain per kg N
    result = economic_optimum(additional, yields[None, :], [120.0], 220.0, 1.10, [250.0])
    assert result["n_total_recommended_kg_ha"].iloc[0] == 250.0
    assert result["n_rate_now_kg_ha"].iloc[0] == 130.0
    assert result["n_expected_gain_t_ha"].iloc[0] == pytest.approx(2.6)


def test_grid_optimum_of_a_quadratic_is_its_eonr() -> None:
    additional = np.arange(0.0, 301.0, 5.0)
    n_total = 0.0 + additional
    yields = (5000.0 + 40.0 * n_total - 0.1 * n_total**2) / 1000.0  # t/ha, AONR 200
    result = economic_optimum(additional, yields[None, :], [0.0], 200.0, 1.0, [300.0])
    eonr = (1.0 / 0.2 - 40.0) / (2 * -0.1)  # 175 kg N/ha
    assert abs(result["n_total_recommended_kg_ha"].iloc[0] - eonr) <= 5.0


def test_recommend_nitrogen_respects_the_crop_table_and_the_regulatory_cap(
    model: YieldModel,
) -> None:
    features = training_rows(seasons=(2022,), seed=9, points=(0.5,))
    crops = builtin_crops()  # winter wheat: n_max_kg_ha 250
    free = recommend_nitrogen(model, features, crops, NitrogenSettings())
    capped = recommend_nitrogen(model, features, crops, NitrogenSettings(n_cap_kg_ha=150.0))
    applied = features[N_TO_DATE].to_numpy()
    for result, cap in ((free, 250.0), (capped, 150.0)):
        assert (result["n_rate_now_kg_ha"] >= 0).all()
        assert (result["n_total_recommended_kg_ha"] <= np.maximum(cap, applied) + 1e-9).all()
    assert (capped["n_total_recommended_kg_ha"] <= free["n_total_recommended_kg_ha"]).all()
    # The factory's response pays up to its 200 kg N plateau.
    assert free["n_total_recommended_kg_ha"].median() >= 150.0


def test_n_price_in_the_wrong_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="EUR per kg of N"):
        NitrogenSettings(n_price_eur_per_kg_n=1100.0)


def test_no_n_advice_without_held_out_evidence(model: YieldModel) -> None:
    crop_model = replace(model.crops["winter_wheat"], n_response_supported=False)
    unsupported = replace(model, crops={"winter_wheat": crop_model})
    features = training_rows(seasons=(2022,), seed=9, points=(0.5,))
    result = recommend_nitrogen(unsupported, features, builtin_crops(), NitrogenSettings())
    assert (result["n_rate_now_kg_ha"] == 0.0).all()
    assert (result["n_total_recommended_kg_ha"] == features[N_TO_DATE].to_numpy()).all()
    assert not result["n_response_supported"].any()
