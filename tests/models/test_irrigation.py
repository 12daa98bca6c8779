"""Irrigation: FAO-33 pinned on a worked example; the trigger day, the depth per pass and the
refill target from a hand-checkable balance; rain that cancels or reduces the irrigation; no
irrigation in the late stage or without equipment; the yield at stake against a reference run of
the real balance; the projection over the forecast and the climatology."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.irrigation import (
    TRIGGER_FRACTION_RANGE,
    IrrigationSettings,
    IrrigationTrigger,
    calibrate_irrigation_trigger,
    climatological_weather,
    depletion_at_irrigations,
    irrigation_plan,
    projected_water_balance,
    relative_yield_loss,
    season_irrigation_value,
    weather_scenarios,
    yield_at_stake_t_ha,
)
from pipelines.agronomy.waterbalance import run_soil_water_balance, water_balance_table
from pipelines.sources.bundle import read_bundle
from tests.conftest import bundle_sources

START = pd.Timestamp("2025-06-01")
ADVICE = START + pd.Timedelta(days=2)  # day 3: 15 mm depleted
MAIZE = {"expected_yield_t_ha": 10.0, "ky_season": 1.25, "grain_price_eur_t": 200.0}


def run_balance(
    days: int, rain_mm: dict[int, float], irrigation_mm: dict[int, float]
) -> dict[str, np.ndarray]:
    """One field, Kc 1 and ETo 5 mm/d (ETc 5 mm/d), TAW = 1000 (0.30 − 0.10) 0.5 = 100 mm,
    p = 0.5 + 0.04 (5 − ETc) = 0.5 (FAO-56 Table 22 footnote), so RAW = 50 mm; from field
    capacity and without rain the depletion is 5 mm after day 1, 50 mm after day 10."""
    precip, irrigation = np.zeros((1, days)), np.zeros((1, days))
    for day, mm in rain_mm.items():
        precip[0, day - 1] = mm
    for day, mm in irrigation_mm.items():
        irrigation[0, day - 1] = mm
    ones = np.ones((1, days))
    out = run_soil_water_balance(
        eto_mm=5.0 * ones,
        kc=ones,
        precip_mm=precip,
        irrigation_net_mm=irrigation,
        root_depth_m=0.5 * ones,
        field_capacity_m3_m3=np.array([0.30]),
        wilting_point_m3_m3=np.array([0.10]),
        p_table=np.array([0.5]),
        active=np.ones((1, days), dtype=bool),
    )
    out["rain_mm"] = precip
    return out


def hand_balance(
    rain_mm: dict[int, float] | None = None,
    days: int = 16,
    forecast_days: int | None = None,
    late_from_day: int | None = None,
) -> pd.DataFrame:
    """The balance of `run_balance` as a projected table: the advice on day 3, the forecast to
    day `forecast_days` (default: all days), the late-season stage from `late_from_day`."""
    out = run_balance(days, rain_mm or {}, {})
    day = np.arange(1, days + 1)
    return pd.DataFrame(
        {
            "field_id": "A1",
            "season": 2025,
            "advice_date": ADVICE,
            "date": pd.date_range(START, periods=days),
            "beyond_forecast": day > (forecast_days or days),
            "crop_stage": np.where(day >= (late_from_day or days + 1), 3, 2),
            "kc": 1.0,
            **{
                name: out[name][0]
                for name in ("dr_mm", "raw_mm", "taw_mm", "etc_mm", "etc_adj_mm", "runoff_mm")
            },
            "rain_mm": out["rain_mm"][0],
        }
    )


def context(**changes: object) -> pd.DataFrame:
    return pd.DataFrame([{"field_id": "A1", "season": 2025, **MAIZE, **changes}])


def plan_of(
    balance: pd.DataFrame, settings: IrrigationSettings | None = None, **changes: object
) -> pd.Series:
    return irrigation_plan(balance, settings or IrrigationSettings(), context(**changes)).iloc[0]


def test_fao33_worked_example() -> None:
    # Ky 1.25 and ETa/ETm 0.8: 1 − Ya/Ym = 1.25 × 0.2 = 25 % yield loss.
    assert relative_yield_loss(1.25, 400.0, 500.0) == pytest.approx(0.25)
    # 10 t/ha potential: 2.5 t/ha lost; water that lifts ETa to ETm saves all of it.
    assert yield_at_stake_t_ha(10.0, 1.25, 400.0, 500.0, 500.0) == pytest.approx(2.5)
    assert yield_at_stake_t_ha(10.0, 1.25, 400.0, 450.0, 500.0) == pytest.approx(1.25)
    # A loss cannot exceed the whole yield.
    assert relative_yield_loss(1.25, 100.0, 500.0) == pytest.approx(1.0)


def test_the_field_reaches_raw_on_the_expected_day_and_refills_below_field_capacity() -> None:
    balance = hand_balance(days=40, forecast_days=16)
    assert balance["raw_mm"].iloc[0] == pytest.approx(50.0)
    assert balance["dr_mm"].iloc[9] == pytest.approx(50.0)  # day 10
    plan = plan_of(balance, IrrigationSettings(application_efficiency=0.8))
    # On the advice day (day 3) the root zone lacks 15 mm, against 50 mm of RAW.
    assert plan["depletion_mm"] == pytest.approx(15.0)
    assert plan["raw_mm"] == pytest.approx(50.0)
    assert plan["reaches_raw_date"] == START + pd.Timedelta(days=9)
    assert plan["irrigation_date"] == START + pd.Timedelta(days=9)
    # Refill to half of RAW (25 mm depleted), not to field capacity: 25 mm net, 31.25 mm gross.
    assert plan["irrigation_net_mm"] == pytest.approx(25.0)
    assert plan["irrigation_mm"] == pytest.approx(31.25)
    assert plan["irrigation_applications"] == 1
    assert plan["irrigation_decision"] == "irrigate"
    assert plan["irrigation_reason"].startswith("irrigate 31 mm by 2025-06-10, one application")
    assert "refill to 25 mm depleted" in plan["irrigation_reason"]
    assert "FAO-33, 1 − Ya/Ym = Ky (1 − ETa/ETm)" in plan["irrigation_reason"]
    # Refilling to field capacity takes the whole 50 mm.
    full = plan_of(
        balance,
        IrrigationSettings(
            application_efficiency=0.8, max_application_mm=80.0, refill_fraction_of_raw=0.0
        ),
    )
    assert full["irrigation_net_mm"] == pytest.approx(50.0)


def test_the_depth_per_pass_is_bounded_by_the_system() -> None:
    balance = hand_balance(days=40, forecast_days=16)
    settings = IrrigationSettings(max_application_mm=20.0, refill_fraction_of_raw=0.0)
    plan = plan_of(balance, settings)
    # 50 mm net at 75 %: 66.7 mm gross in 4 passes of 16.7 mm, each below the 20 mm system.
    assert plan["irrigation_applications"] == 4
    assert plan["irrigation_mm"] == pytest.approx(50.0 / 0.75 / 4)
    assert plan["irrigation_total_mm"] == pytest.approx(50.0 / 0.75)
    assert (
        "the first of 4 applications of 17 mm (67 mm in all, at most 20 mm per pass)"
        in (plan["irrigation_reason"])
    )
    # A field's own system depth wins over the setting.
    own = plan_of(balance, settings, irrigation_max_mm=35.0)
    assert own["irrigation_applications"] == 2 and own["irrigation_mm"] <= 35.0


def test_forecast_rain_that_covers_the_need_cancels_the_irrigation() -> None:
    # 2 × 30 mm on days 11 and 12, within the 3-day window after day 10; each loses 2.8 mm to
    # runoff at CN 78 (S = 71.6 mm): 54.4 mm enters the soil, more than the 25 mm needed.
    plan = plan_of(hand_balance({11: 30.0, 12: 30.0}, days=40, forecast_days=16))
    assert plan["reaches_raw_date"] == START + pd.Timedelta(days=9)
    assert pd.isna(plan["irrigation_date"]) and plan["irrigation_mm"] == 0.0
    assert plan["irrigation_decision"] == "rain"
    assert plan["yield_at_stake_t_ha"] == 0.0
    assert plan["forecast_rain_mm"] == pytest.approx(54.4, abs=0.1)
    assert "covers the 25 mm needed" in plan["irrigation_reason"]


def test_forecast_rain_that_covers_part_of_the_need_reduces_the_irrigation() -> None:
    dry = plan_of(hand_balance(days=40, forecast_days=16))
    # 12 mm on day 12 is below the curve number's initial abstraction (14.3 mm): all of it
    # enters the soil, and 13 of the 25 mm remain.
    wet = plan_of(hand_balance({12: 12.0}, days=40, forecast_days=16))
    assert wet["irrigation_date"] == dry["irrigation_date"]
    assert wet["irrigation_net_mm"] == pytest.approx(dry["irrigation_net_mm"] - 12.0)


def test_rain_after_the_window_does_not_change_it() -> None:
    dry = plan_of(hand_balance(days=40, forecast_days=16))
    plan = plan_of(hand_balance({15: 60.0}, days=40, forecast_days=16))
    assert plan["irrigation_date"] == START + pd.Timedelta(days=9)
    assert plan["irrigation_mm"] == pytest.approx(dry["irrigation_mm"])


def test_no_irrigation_in_the_late_stage() -> None:
    plan = plan_of(hand_balance(days=40, forecast_days=16, late_from_day=8))
    assert plan["reaches_raw_date"] == START + pd.Timedelta(days=9)
    assert plan["irrigation_mm"] == 0.0 and pd.isna(plan["irrigation_date"])
    assert plan["irrigation_decision"] == "late-stage"
    assert plan["late_stage_from"] == START + pd.Timedelta(days=7)
    assert "late-season stage (from 2025-06-08)" in plan["irrigation_reason"]
    # A late stage after the trigger day does not stop it.
    assert (
        plan_of(hand_balance(days=40, forecast_days=16, late_from_day=20))["irrigation_decision"]
        == "irrigate"
    )


def test_a_field_without_equipment_gets_no_irrigation() -> None:
    plan = plan_of(hand_balance(days=40, forecast_days=16), irrigated=False)
    assert plan["irrigation_mm"] == 0.0 and pd.isna(plan["irrigation_date"])
    assert plan["reaches_raw_date"] == START + pd.Timedelta(days=9)
    assert "no irrigation equipment" in plan["irrigation_reason"]


def test_a_field_that_stays_wet_gets_no_irrigation_and_nothing_at_stake() -> None:
    plan = plan_of(hand_balance(days=40, forecast_days=8))  # RAW only on day 10
    assert pd.isna(plan["reaches_raw_date"]) and plan["irrigation_mm"] == 0.0
    assert plan["yield_at_stake_t_ha"] == 0.0
    assert "stays above readily available water through 2025-06-08" in plan["irrigation_reason"]


def test_the_yield_at_stake_is_fao33_on_the_real_balance_with_and_without_the_water() -> None:
    days = 40
    plan = plan_of(hand_balance(days=days, forecast_days=16))
    # Reference: the real balance run twice, the second with the advised net water on day 10.
    without = run_balance(days, {}, {})
    with_water = run_balance(days, {}, {10: plan["irrigation_net_mm"]})
    etm = without["etc_mm"].sum()
    expected = 10.0 * (
        relative_yield_loss(1.25, without["etc_adj_mm"].sum(), etm)
        - relative_yield_loss(1.25, with_water["etc_adj_mm"].sum(), etm)
    )
    assert plan["yield_at_stake_t_ha"] == pytest.approx(expected, rel=1e-9)
    # Plausible: positive, at most what 25 mm more ETa out of 200 mm of ETm saves (1.56 t/ha).
    assert 0.5 < plan["yield_at_stake_t_ha"] <= 10.0 * 1.25 * 25.0 / etm
    assert plan["irrigation_value_eur_ha"] == pytest.approx(200.0 * plan["yield_at_stake_t_ha"])
    assert plan["irrigation_cost_eur_ha"] == pytest.approx(1.5 * plan["irrigation_mm"])


def test_water_that_costs_more_than_the_yield_it_saves_is_not_advised() -> None:
    balance = hand_balance(days=40, forecast_days=16)
    costly = plan_of(balance, IrrigationSettings(cost_eur_per_mm_ha=100.0))
    assert costly["irrigation_decision"] == "not-worth" and costly["irrigation_mm"] == 0.0
    assert costly["yield_at_stake_t_ha"] > 0  # still reported
    assert "less than the water costs" in costly["irrigation_reason"]
    small = plan_of(balance, expected_yield_t_ha=0.2)
    assert small["irrigation_decision"] == "not-worth"
    assert "less than the 0.05 t/ha minimum" in small["irrigation_reason"]
    # Without a yield forecast the stake is unknown: the water balance decides alone.
    unknown = irrigation_plan(balance, IrrigationSettings()).iloc[0]
    assert unknown["irrigation_decision"] == "irrigate"
    assert np.isnan(unknown["yield_at_stake_t_ha"])


def test_weather_scenarios_replace_the_climatology_beyond_the_forecast() -> None:
    # The forecast ends on the trigger day (day 10).
    balance = hand_balance(days=40, forecast_days=10).assign(station_id="st-1")
    # One past year, wet after the forecast: rain keeps the root zone above RAW, the water
    # would drain, nothing at stake.
    wet = pd.DataFrame(
        {
            "station_id": "st-1",
            "date": balance["date"][balance["beyond_forecast"]],
            "scenario": 1,
            "eto_mm": 5.0,
            "rain_in_mm": 10.0,
        }
    )
    dry = wet.assign(scenario=2, rain_in_mm=0.0)
    plan = irrigation_plan(balance, IrrigationSettings(), context(), wet).iloc[0]
    assert plan["yield_at_stake_t_ha"] == pytest.approx(0.0, abs=1e-9)
    both = irrigation_plan(balance, IrrigationSettings(), context(), pd.concat([wet, dry]))
    alone = irrigation_plan(balance, IrrigationSettings(), context(), dry)
    assert alone["yield_at_stake_t_ha"].iloc[0] > 0.5
    assert both["yield_at_stake_t_ha"].iloc[0] == pytest.approx(
        (plan["yield_at_stake_t_ha"] + alone["yield_at_stake_t_ha"].iloc[0]) / 2
    )


def test_season_value_irrigates_whenever_raw_is_reached_before_the_late_stage() -> None:
    balance = hand_balance(days=40, forecast_days=16)
    value = season_irrigation_value(balance, IrrigationSettings(), context()).iloc[0]
    assert value["eta_etm_with"] > value["eta_etm_without"]
    assert value["eta_etm_with"] == pytest.approx(1.0)  # never below RAW
    late = hand_balance(days=40, forecast_days=16, late_from_day=30)
    stopped = season_irrigation_value(late, IrrigationSettings(), context()).iloc[0]
    assert stopped["irrigation_mm"] < value["irrigation_mm"]
    assert stopped["eta_etm_with"] < 0.95  # stressed in the late stage
    assert value["yield_at_stake_t_ha"] == pytest.approx(
        10.0 * 1.25 * (value["eta_etm_with"] - value["eta_etm_without"]), rel=1e-6
    )
    # From 15 mm depleted on day 3, 37 days of 5 mm: 7 passes refilling from RAW (50 mm) to half
    # of it, 25 mm net (33 mm gross) each, leave 25 mm depleted on day 40.
    assert value["irrigation_mm"] == pytest.approx(7 * 25.0 / 0.75)
    wet = season_irrigation_value(
        hand_balance({d: 6.0 for d in range(1, 41)}, days=40), IrrigationSettings(), context()
    ).iloc[0]
    assert wet["irrigation_mm"] == 0.0 and wet["yield_at_stake_t_ha"] == 0.0


def test_climatology_is_the_mean_of_the_same_days_of_past_years() -> None:
    days = pd.date_range("2023-01-01", "2024-12-31")
    history = pd.DataFrame(
        {
            "station_id": "st-1",
            "date": days,
            "tmin_degc": np.where(days.year == 2023, 5.0, 7.0),
            "tmax_degc": np.where(days.year == 2023, 20.0, 30.0),
            "precip_mm": np.where(days.year == 2023, 1.0, 3.0),
            "rad_mj_m2": 15.0,
            "vp_kpa": 1.0,
            "rh_pct": np.nan,
            "wind_m_s": 2.0,
            "tdew_degc": np.nan,
            "rh_max_pct": np.nan,
            "rh_min_pct": np.nan,
        }
    )
    climate = climatological_weather(
        history,
        pd.Series({"st-1": pd.Timestamp("2025-06-01")}),
        pd.Series({"st-1": pd.Timestamp("2025-06-10")}),
    )
    assert len(climate) == 10 and (climate["station_id"] == "st-1").all()
    assert climate["tmax_degc"].to_numpy() == pytest.approx(25.0)
    assert climate["precip_mm"].to_numpy() == pytest.approx(2.0)
    assert climate["rh_pct"].isna().all()
    # A station with only part of a year of history: the gap is interpolated.
    part = climatological_weather(
        history[history["date"].dt.month <= 3],
        pd.Series({"st-1": pd.Timestamp("2025-07-01")}),
        pd.Series({"st-1": pd.Timestamp("2025-07-02")}),
    )
    assert np.isfinite(part["tmax_degc"]).all()


def test_projection_runs_over_the_forecast_and_the_climatology_to_the_season_end(
    bundle_dir: Path,
) -> None:
    bundle = read_bundle(bundle_dir)  # reference date 2025-06-01, A1 maize sown 2025-04-25
    sources = bundle_sources(bundle)
    as_of = pd.Timestamp("2025-05-20")
    days = pd.date_range(as_of + pd.Timedelta(days=1), periods=7)
    forecast = pd.DataFrame(
        {
            "station_id": "st-1",
            "issued_date": as_of,
            "date": days,
            "tmin_degc": 12.0,
            "tmax_degc": 24.0,
            "precip_mm": 0.0,
            "rad_mj_m2": 22.0,
            "vp_kpa": 1.2,
            "rh_pct": np.nan,
            "wind_m_s": 2.0,
            "tdew_degc": np.nan,
            "rh_max_pct": np.nan,
            "rh_min_pct": np.nan,
        }
    )
    requests = pd.DataFrame({"field_id": ["A1"], "season": [2025], "as_of": [as_of]})
    projected = projected_water_balance(
        sources, bundle.weather, bundle.stations, forecast, requests
    )
    # Maize: 30 + 40 + 50 + 50 days from 2025-04-25, the late stage from day 121.
    assert projected["date"].max() == pd.Timestamp("2025-10-11")
    assert projected.loc[projected["is_forecast"], "date"].min() == days[0]
    assert projected.loc[projected["beyond_forecast"], "date"].min() == days[-1] + pd.Timedelta(
        days=1
    )
    late = projected.loc[projected["crop_stage"] == 3, "date"]
    assert late.min() == pd.Timestamp("2025-04-25") + pd.Timedelta(days=120)
    observed = water_balance_table(sources, requests)
    past = projected[~projected["is_forecast"]].reset_index(drop=True)
    np.testing.assert_allclose(past["dr_mm"], observed["dr_mm"])  # ... and agrees before it
    # Observed weather after the advice date (the bundle runs to 2025-06-01) is not used: the
    # forecast's dry days deplete the soil every day.
    ahead = projected[projected["is_forecast"] & ~projected["beyond_forecast"]]
    assert (ahead["rain_mm"] == 0).all()
    assert ahead["dr_mm"].is_monotonic_increasing
    only_forecast = projected_water_balance(
        sources, bundle.weather, bundle.stations, forecast, requests, to_season_end=False
    )
    assert only_forecast["date"].max() == days[-1]

    # Past years at the same dates as scenarios: the bundle's weather starts 2023-10-01, so
    # only 2024 covers the summer of 2025.
    scenarios = weather_scenarios(bundle.weather, bundle.stations, projected)
    assert set(scenarios["scenario"]) == {1}
    beyond = projected.loc[projected["beyond_forecast"], "date"]
    assert scenarios["date"].min() == beyond.min() and scenarios["date"].max() <= beyond.max()
    plan = irrigation_plan(projected, IrrigationSettings(), context(), scenarios)
    assert len(plan) == 1 and plan["yield_at_stake_t_ha"].iloc[0] >= 0.0


def test_a_calibrated_trigger_moves_the_trigger_day_to_the_farms_depletion() -> None:
    # TAW 100 mm, RAW 50 mm reached after day 10; beyond RAW, Ks = (100 − Dr) / 50 slows the
    # depletion (FAO-56 eq. 84): 55 after day 11, 59.5, 63.55, 67.195, then 70.48 after day 15.
    balance = hand_balance(days=40, forecast_days=20)
    plan = plan_of(balance, IrrigationSettings(application_efficiency=0.8))
    assert plan["irrigation_date"] == START + pd.Timedelta(days=9)
    farm = plan_of(
        balance, IrrigationSettings(application_efficiency=0.8), trigger_depletion_fraction=0.7
    )
    assert farm["reaches_raw_date"] == START + pd.Timedelta(days=14)
    assert farm["irrigation_date"] == START + pd.Timedelta(days=14)
    # Refilled to half of RAW as before: 70.475 − 25 mm net, 56.84 mm gross in two passes.
    assert farm["irrigation_total_mm"] == pytest.approx(45.475 / 0.8, abs=0.01)
    assert farm["irrigation_applications"] == 2
    assert "70% of its available water" in farm["irrigation_reason"]
    assert "70 mm allowed" in farm["irrigation_reason"]
    # The forecast ends on day 12, before the farm's trigger: no advice yet.
    short = plan_of(hand_balance(days=40, forecast_days=12), trigger_depletion_fraction=0.7)
    assert short["irrigation_decision"] == "no-trigger"
    assert "(depletion 60 of 70 mm allowed)" in short["irrigation_reason"]


def test_the_depletion_at_recorded_irrigations_is_read_from_the_day_before() -> None:
    out = run_balance(20, {}, {12: 40.0})
    days = pd.date_range(START, periods=20)
    balance = pd.DataFrame(
        {
            "field_id": "A1",
            "season": 2025,
            "crop": "grain_maize",
            "date": days,
            "dr_mm": out["dr_mm"][0],
            "taw_mm": out["taw_mm"][0],
            "raw_mm": out["raw_mm"][0],
        }
    )
    operations = pd.DataFrame(
        {
            "field_id": ["A1", "A1", "B2"],
            "date": [days[11], days[3], days[5]],
            "operation": ["irrigation", "nitrogen", "irrigation"],
            "amount": [40.0, 50.0, 30.0],
        }
    )
    records = depletion_at_irrigations(balance, operations)
    # Only A1's irrigation on day 12 is in the balance; after day 11 55 mm of 100 are depleted.
    assert len(records) == 1
    assert records["depletion_fraction"].iloc[0] == pytest.approx(0.55)
    assert records["p"].iloc[0] == pytest.approx(0.5)


def test_the_trigger_calibration_shrinks_fields_towards_their_crop() -> None:
    records = pd.DataFrame(
        {
            "field_id": ["A"] * 10 + ["B"] * 30,
            "season": 2024,
            "crop": "grain_maize",
            "depletion_fraction": [0.5] * 10 + [0.8] * 30,
        }
    )
    trigger = calibrate_irrigation_trigger(
        records, min_records=20, shrink_records=10.0, quantile=0.5
    )
    assert trigger.crops["grain_maize"] == (pytest.approx(0.8), 40)
    # A: 10 records at 0.5, weight 10 / (10 + 10): halfway to the crop's 0.8.
    assert trigger.fraction(["A", "B", "C", "A"], ["grain_maize"] * 3 + ["winter_wheat"]) == (
        pytest.approx([0.65, 0.8, 0.8, np.nan], nan_ok=True)
    )
    assert IrrigationTrigger.from_json(trigger.to_json()) == trigger
    # Too few records: RAW stays the trigger.
    assert calibrate_irrigation_trigger(records.head(15), min_records=20).crops == {}
    # A trigger is kept within the agronomic range.
    wet = records.assign(depletion_fraction=0.05)
    assert trigger_range_low(wet) == pytest.approx(TRIGGER_FRACTION_RANGE[0])


def trigger_range_low(records: pd.DataFrame) -> float:
    return calibrate_irrigation_trigger(records).crops["grain_maize"][0]
