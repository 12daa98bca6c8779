"""Nitrogen: the published quadratic-plateau trial, the monotone response model, the economics,
the evidence of a response within fields, the calibrated response and the recommendation's
agronomic rules."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.nitrogen import (
    N_ADVISED,
    N_NO_RESPONSE,
    N_PAST_LAST_STAGE,
    CropNitrogenResponse,
    NitrogenModel,
    NitrogenSettings,
    ResponseEvidence,
    economic_optimum,
    fit_nitrogen_model,
    nitrogen_response_evidence,
    optimum_supply_kg_n_per_t,
    quadratic_plateau,
    recommend_nitrogen,
    response_yield,
    water_outlook,
)
from models.registry import _clean
from models.yield_model import (
    N_SEASON_TOTAL,
    N_TO_DATE,
    YieldModel,
    predict_with,
    train_yield_model,
)
from pipelines.crops import builtin_crops
from pipelines.sources.bundle import read_bundle
from tests.conftest import bundle_sources
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


WHEAT = "winter_wheat"
# The factory's seasons run 2,000 °C·d (tests/models/factories.py).
HARVEST_TT = 2000.0
RESPONSE = CropNitrogenResponse(
    crop=WHEAT,
    potential_yield_t_ha=13.0,
    soil_supply_kg_ha=80.0,
    field_soil_supply_kg_ha={},
    ky=1.0,
    season_days=290.0,
    field_seasons=100,
    rmse_t_ha=0.5,
)


def nitrogen_model(
    supported: bool = True, response: CropNitrogenResponse | None = RESPONSE
) -> NitrogenModel:
    evidence = {WHEAT: ResponseEvidence(WHEAT, supported, "test")}
    return NitrogenModel(evidence, {WHEAT: response} if response is not None else {})


def season_rows(
    n: int = 4, progress: float = 0.4, applied: float = 60.0, doses: float = 1.0
) -> pd.DataFrame:
    """In-season feature rows of wheat fields f00.. in 2026 (what recommend_nitrogen reads)."""
    return pd.DataFrame(
        {
            "field_id": [f"f{k:02d}" for k in range(n)],
            "season": 2026,
            "crop": WHEAT,
            "gdd_to_date_degc_d": progress * HARVEST_TT,
            N_TO_DATE: applied,
            "n_applications_count": doses,
            "eta_sum_mm": 200.0,
            "et_deficit_sum_mm": 0.0,
        }
    )


def outlook(rows: pd.DataFrame, *ratios: float) -> pd.DataFrame:
    """A water outlook giving every row the same members' ETa/ETc."""
    return pd.DataFrame(
        [
            {"field_id": f, "season": s, "member": m + 1, "water_ratio": r}
            for f, s in zip(rows["field_id"], rows["season"], strict=True)
            for m, r in enumerate(ratios)
        ]
    )


def advise(
    model: YieldModel,
    rows: pd.DataFrame,
    ratios: tuple[float, ...] = (0.95,),
    nitrogen: NitrogenModel | None = None,
    settings: NitrogenSettings | None = None,
) -> pd.DataFrame:
    return recommend_nitrogen(
        model,
        rows,
        builtin_crops(),
        settings or NitrogenSettings(),
        nitrogen if nitrogen is not None else nitrogen_model(),
        outlook(rows, *ratios),
    )


def test_no_n_to_a_crop_without_response(model: YieldModel) -> None:
    rows = season_rows()
    result = advise(model, rows, nitrogen=nitrogen_model(supported=False))
    assert (result["n_rate_now_kg_ha"] == 0.0).all()
    assert (result["n_later_kg_ha"] == 0.0).all()
    assert (result["n_total_recommended_kg_ha"] == rows[N_TO_DATE]).all()
    assert (result["n_status"] == N_NO_RESPONSE).all()
    assert not result["n_response_supported"].any()
    # Without a calibrated response (an older model), the model's own flag decides: no N.
    crop_model = replace(model.crops[WHEAT], n_response_supported=False)
    unsupported = replace(model, crops={WHEAT: crop_model})
    bare = recommend_nitrogen(unsupported, rows, builtin_crops(), NitrogenSettings())
    assert (bare["n_rate_now_kg_ha"] == 0.0).all()
    assert (bare["n_status"] == N_NO_RESPONSE).all()


@pytest.mark.parametrize(("progress", "advised"), [(0.3, True), (0.59, True), (0.61, False)])
def test_no_n_after_the_last_useful_stage(
    model: YieldModel, progress: float, advised: bool
) -> None:
    # Wheat: N pays until 60 % of the season's thermal time (about flowering; crop table).
    result = advise(model, season_rows(progress=progress))
    assert result["season_progress"].to_numpy() == pytest.approx(progress)
    if advised:
        assert (result["n_rate_now_kg_ha"] > 0).all()
        assert (result["n_status"] == N_ADVISED).all()
    else:
        assert (result["n_rate_now_kg_ha"] == 0.0).all()
        assert (result["n_total_recommended_kg_ha"] == 60.0).all()
        assert (result["n_status"] == N_PAST_LAST_STAGE).all()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    applied=st.floats(0, 300),
    doses=st.integers(0, 4),
    potential=st.floats(4, 18),
    supply=st.floats(0, 250),
    ratio=st.floats(0.2, 1.0),
    cap=st.sampled_from([None, 100.0, 170.0]),
)
def test_the_dose_now_and_the_season_total_stay_within_the_crop_table_and_the_cap(
    model: YieldModel,
    applied: float,
    doses: int,
    potential: float,
    supply: float,
    ratio: float,
    cap: float | None,
) -> None:
    response = replace(RESPONSE, potential_yield_t_ha=potential, soil_supply_kg_ha=supply)
    rows = season_rows(n=1, applied=applied, doses=float(doses))
    result = advise(
        model, rows, (ratio,), nitrogen_model(response=response), NitrogenSettings(n_cap_kg_ha=cap)
    ).iloc[0]
    limit = 250.0 if cap is None else min(cap, 250.0)  # wheat: n_max_kg_ha 250
    now, later, total = (
        result["n_rate_now_kg_ha"],
        result["n_later_kg_ha"],
        result["n_total_recommended_kg_ha"],
    )
    assert 0.0 <= now <= 100.0  # wheat: n_max_single_dose_kg_ha 100
    assert later >= 0.0
    assert total == pytest.approx(applied + now + later)
    assert total <= max(limit, applied) + 1e-9
    if applied >= limit:
        assert now == 0.0
    if later > 0:  # the rest is split over the doses left (3 splits for wheat)
        assert now >= min(100.0, (now + later) / max(3 - doses, 1)) - 5.0


def test_the_rest_is_split_over_the_doses_left(model: YieldModel) -> None:
    response = replace(RESPONSE, soil_supply_kg_ha=20.0)  # a field that needs much N
    first = advise(
        model, season_rows(n=1, applied=0.0, doses=0), nitrogen=nitrogen_model(True, response)
    )
    last = advise(
        model, season_rows(n=1, applied=0.0, doses=2), nitrogen=nitrogen_model(True, response)
    )
    remaining = float(first["n_total_recommended_kg_ha"].iloc[0])
    assert remaining > 200.0
    # Three doses left: a third now; one dose left: the largest single dose now, the rest later.
    assert first["n_rate_now_kg_ha"].iloc[0] == pytest.approx(5 * np.ceil(remaining / 15))
    assert last["n_rate_now_kg_ha"].iloc[0] == 100.0
    assert last["n_later_kg_ha"].iloc[0] == pytest.approx(remaining - 100.0)


def test_the_optimum_is_the_stanford_budget(model: YieldModel) -> None:
    # One weather member: the optimum is where r G'(z) meets the price ratio, z* P = S + r N*.
    settings_ = NitrogenSettings(step_kg_ha=1.0)
    response = replace(RESPONSE, potential_yield_t_ha=11.0, soil_supply_kg_ha=70.0)
    result = advise(
        model,
        season_rows(n=1, applied=0.0, doses=0),
        (1.0,),
        nitrogen_model(True, response),
        settings_,
    )
    z_star = optimum_supply_kg_n_per_t(settings_, settings_.price_ratio_t_per_kg_n(220.0))
    budget = (z_star * 11.0 - 70.0) / settings_.fertiliser_n_recovery
    assert result["n_total_recommended_kg_ha"].iloc[0] == pytest.approx(budget, abs=1.0)
    assert 20.0 < z_star < 25.0  # kg N per tonne of attainable yield


def history_table(
    seed: int = 3,
    potential: float = 13.0,
    n_range: tuple[float, float] = (100.0, 150.0),
    seasons: int = 6,
    fields: int = 12,
) -> tuple[pd.DataFrame, pd.Series]:
    """`training_table`-shaped rows as of harvest of a cooperative whose farms never applied
    more than `n_range[1]`, with yields from the response itself (soil supply per field
    40-90 kg N/ha, a little water stress, 3 % noise); and each field's true soil N supply."""
    rng = np.random.default_rng(seed)
    supply = pd.Series(rng.uniform(40.0, 90.0, fields), index=[f"f{k:02d}" for k in range(fields)])
    rows = []
    for season in range(2019, 2019 + seasons):
        ratio = rng.uniform(0.85, 1.0)
        for field_id, s in supply.items():
            n = float(rng.uniform(*n_range))
            y = float(response_yield(n, s, potential * ratio, NitrogenSettings()))
            harvest = pd.Timestamp(f"{season}-08-01")
            rows.append(
                {
                    "field_id": field_id,
                    "season": season,
                    "crop": WHEAT,
                    "as_of": harvest,
                    "harvest_date": harvest,
                    "yield_t_ha": y * rng.normal(1.0, 0.03),
                    N_SEASON_TOTAL: n,
                    "eta_sum_mm": 450.0 * ratio,
                    "et_deficit_sum_mm": 450.0 * (1.0 - ratio),
                    "days_after_sowing_d": 290.0,
                }
            )
    return pd.DataFrame(rows), supply


def test_the_recommendation_goes_beyond_the_farms_past_rates_and_drops_in_a_drought(
    model: YieldModel,
) -> None:
    table, supply = history_table()
    fitted = fit_nitrogen_model(table, builtin_crops())
    assert fitted.supported(WHEAT)
    response = fitted.responses[WHEAT]
    assert response.potential_yield_t_ha == pytest.approx(13.0, rel=0.15)
    assert response.soil_supply_kg_ha == pytest.approx(supply.mean(), abs=20.0)

    rows = season_rows(n=len(supply), applied=50.0).assign(field_id=supply.index)
    wet = advise(model, rows, (0.95, 1.0, 0.9), fitted)
    dry = advise(model, rows, (0.7, 0.75, 0.65), fitted)
    parched = advise(model, rows, (0.3, 0.35, 0.4), fitted)
    past_max = table[N_SEASON_TOTAL].max()
    # A well-watered 13 t/ha crop needs more N than these farms ever applied...
    assert (wet["n_total_recommended_kg_ha"] > past_max).all()
    assert wet["n_total_recommended_kg_ha"].mean() > past_max + 40.0
    # ...and less when water limits the yield it can reach.
    assert (dry["n_total_recommended_kg_ha"] < wet["n_total_recommended_kg_ha"]).all()
    assert (parched["n_total_recommended_kg_ha"] <= dry["n_total_recommended_kg_ha"]).all()
    assert parched["n_total_recommended_kg_ha"].mean() < 100.0
    assert (dry["n_attainable_yield_t_ha"] < wet["n_attainable_yield_t_ha"]).all()


def evidence_history(within_field_sd: float, slope_kg_per_kg: float, seed: int = 5) -> pd.DataFrame:
    """3 farms × 8 fields × 6 seasons. Farms have N habits (100, 160, 220 kg N/ha) and soils
    whose yield goes with the habit (+1.5 t/ha per 60 kg N of habit: the richer farm applies
    more); each farm shifts its N from year to year (sd 15). `within_field_sd`: the field's own
    deviation in a season; yield rises `slope_kg_per_kg` per kg N of the field's own N."""
    rng = np.random.default_rng(seed)
    rows = []
    for season in range(2019, 2025):
        season_effect = rng.normal(0.0, 0.8)
        for farm, habit in enumerate((100.0, 160.0, 220.0)):
            farm_year = rng.normal(0.0, 15.0)
            for k in range(8):
                n = habit + farm_year + rng.normal(0.0, within_field_sd)
                y = (
                    6.0
                    + 1.5 * (habit - 100.0) / 60.0
                    + season_effect
                    + slope_kg_per_kg / 1000.0 * n
                    + rng.normal(0.0, 0.4)
                )
                rows.append(
                    {
                        "field_id": f"farm{farm}-{k}",
                        "season": season,
                        "crop": WHEAT,
                        "yield_t_ha": y,
                        N_SEASON_TOTAL: max(n, 0.0),
                    }
                )
    return pd.DataFrame(rows)


def test_evidence_says_no_to_farm_habits_and_yes_to_a_response_within_fields() -> None:
    habit_only = evidence_history(within_field_sd=0.0, slope_kg_per_kg=0.0)
    # Across farms, more N goes with more yield (about 25 kg grain per kg N)...
    across = np.polyfit(habit_only[N_SEASON_TOTAL], habit_only["yield_t_ha"], 1)[0] * 1000
    assert across > 15.0
    # ...but each farm moves all its fields together: no field deviates from its farm.
    no = nitrogen_response_evidence(habit_only)[WHEAT]
    assert not no.supported
    assert abs(no.slope_kg_grain_per_kg_n) < 5.0

    noise_only = nitrogen_response_evidence(evidence_history(25.0, 0.0))[WHEAT]
    assert not noise_only.supported  # N varies within fields, yield does not follow

    response = nitrogen_response_evidence(evidence_history(25.0, 15.0))[WHEAT]
    assert response.supported
    assert response.slope_low_kg_grain_per_kg_n > 0
    assert response.slope_kg_grain_per_kg_n == pytest.approx(15.0, abs=5.0)
    assert response.permutation_p_value < 0.05


def test_without_variation_within_fields_there_is_no_evidence() -> None:
    history = evidence_history(0.0, 0.0)
    farm = history["field_id"].str.split("-").str[0]
    constant = history.assign(
        **{N_SEASON_TOTAL: farm.map({"farm0": 100.0, "farm1": 160.0, "farm2": 220.0})}
    )
    evidence = nitrogen_response_evidence(constant)[WHEAT]
    assert not evidence.supported
    assert "hardly varied within fields" in evidence.reason


def test_the_nitrogen_model_round_trips_through_the_registry_json(model: YieldModel) -> None:
    table, _ = history_table()
    fitted = fit_nitrogen_model(table, builtin_crops())
    stored = json.loads(json.dumps(_clean(fitted.to_json()), allow_nan=False))
    loaded = NitrogenModel.from_json(stored)
    assert loaded == fitted
    assert NitrogenModel.from_json(None) is None
    flagged = replace(fitted, evidence={WHEAT: replace(fitted.evidence[WHEAT], supported=False)})
    assert not flagged.apply_to(model).crops[WHEAT].n_response_supported
    assert fitted.apply_to(model).crops[WHEAT].n_response_supported


def test_the_water_outlook_uses_past_years_and_nothing_after_the_date(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)  # weather from 2023-10-01; A2 wheat sown 2024-10-25
    sources = bundle_sources(bundle)
    requests = pd.DataFrame({"field_id": ["A2"], "season": [2025], "as_of": ["2025-05-20"]})
    result = water_outlook(sources, requests, {WHEAT: 290.0})
    # One past year has weather for 2024-05-21 .. 2024-08-11: one member.
    assert list(result["member"]) == [1]
    assert 0.0 < result["water_ratio"].iloc[0] <= 1.0
    weather = sources.weather
    later = weather["date"] > pd.Timestamp("2025-05-20")
    drier = replace(
        sources, weather=weather.assign(precip_mm=weather["precip_mm"].where(~later, 0.0))
    )
    pd.testing.assert_frame_equal(water_outlook(drier, requests, {WHEAT: 290.0}), result)
    # A crop without a season length gets no outlook.
    assert water_outlook(sources, requests, {}).empty
