"""Irrigation: the trigger day and amount from a hand-checkable balance, rain that covers the
deficit, fields without equipment, and the projection over a forecast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.irrigation import IrrigationSettings, irrigation_plan, projected_water_balance
from pipelines.agronomy.season_grid import SeasonSources
from pipelines.agronomy.waterbalance import run_soil_water_balance, water_balance_table
from pipelines.sources.bundle import read_bundle

START = pd.Timestamp("2025-06-01")


def hand_balance(rain_mm: dict[int, float] | None = None, days: int = 16) -> pd.DataFrame:
    """One field, kc 1 and ETo 5 mm/d (ETc 5 mm/d), TAW = 1000 (0.30 − 0.10) 0.5 = 100 mm,
    p = 0.5 + 0.04 (5 − ETc) = 0.5 (FAO-56 Table 22 footnote), so RAW = 50 mm; from field
    capacity and without rain the depletion is 5 mm after day 1, 50 mm after day 10."""
    precip = np.zeros((1, days))
    for day, mm in (rain_mm or {}).items():
        precip[0, day - 1] = mm
    ones = np.ones((1, days))
    out = run_soil_water_balance(
        eto_mm=5.0 * ones,
        kc=ones,
        precip_mm=precip,
        irrigation_net_mm=0.0 * ones,
        root_depth_m=0.5 * ones,
        field_capacity_m3_m3=np.array([0.30]),
        wilting_point_m3_m3=np.array([0.10]),
        p_table=np.array([0.5]),
        active=np.ones((1, days), dtype=bool),
    )
    return pd.DataFrame(
        {
            "field_id": "A1",
            "season": 2025,
            "advice_date": START + pd.Timedelta(days=2),  # day 3: 15 mm depleted
            "date": pd.date_range(START, periods=days),
            "dr_mm": out["dr_mm"][0],
            "raw_mm": out["raw_mm"][0],
            "rain_mm": precip[0],
            "runoff_mm": out["runoff_mm"][0],
        }
    )


def test_the_field_reaches_raw_on_the_expected_day() -> None:
    balance = hand_balance()
    assert balance["raw_mm"].iloc[0] == pytest.approx(50.0)
    assert balance["dr_mm"].iloc[9] == pytest.approx(50.0)  # day 10
    plan = irrigation_plan(balance, IrrigationSettings(application_efficiency=0.8)).iloc[0]
    # On the advice day (day 3) the root zone lacks 15 mm, against 50 mm of RAW.
    assert plan["depletion_mm"] == pytest.approx(balance["dr_mm"].iloc[2])
    assert plan["depletion_mm"] == pytest.approx(15.0)
    assert plan["raw_mm"] == pytest.approx(50.0)
    assert plan["reaches_raw_date"] == START + pd.Timedelta(days=9)
    assert plan["irrigation_date"] == START + pd.Timedelta(days=9)
    assert plan["irrigation_net_mm"] == pytest.approx(50.0)  # refill to field capacity
    assert plan["irrigation_mm"] == pytest.approx(62.5)  # gross: 50 / 0.8
    assert "irrigate 62 mm by 2025-06-10" in plan["irrigation_reason"]


def test_forecast_rain_that_covers_the_deficit_skips_the_irrigation() -> None:
    # 2 × 30 mm on days 11 and 12, within the 3-day window after day 10; each loses 2.8 mm to
    # runoff at CN 78 (S = 71.6 mm): 54.4 mm enters the soil, more than the 50 mm deficit.
    balance = hand_balance({11: 30.0, 12: 30.0})
    plan = irrigation_plan(balance, IrrigationSettings()).iloc[0]
    assert plan["reaches_raw_date"] == START + pd.Timedelta(days=9)
    assert pd.isna(plan["irrigation_date"]) and plan["irrigation_mm"] == 0.0
    assert plan["forecast_rain_mm"] == pytest.approx(54.4, abs=0.1)
    assert "covers the 50 mm deficit" in plan["irrigation_reason"]


def test_rain_after_the_window_does_not_skip_it() -> None:
    balance = hand_balance({15: 60.0}, days=16)
    plan = irrigation_plan(balance, IrrigationSettings(rain_window_days=3)).iloc[0]
    assert plan["irrigation_date"] == START + pd.Timedelta(days=9)


def test_a_field_without_equipment_gets_no_irrigation() -> None:
    plan = irrigation_plan(
        hand_balance(), IrrigationSettings(), irrigated=pd.Series({"A1": False})
    ).iloc[0]
    assert plan["irrigation_mm"] == 0.0 and pd.isna(plan["irrigation_date"])
    assert plan["reaches_raw_date"] == START + pd.Timedelta(days=9)
    assert "no irrigation equipment" in plan["irrigation_reason"]


def test_a_field_that_stays_wet_gets_no_irrigation() -> None:
    plan = irrigation_plan(hand_balance(days=8), IrrigationSettings()).iloc[0]
    assert pd.isna(plan["reaches_raw_date"]) and plan["irrigation_mm"] == 0.0
    assert "stays above readily available water through 2025-06-08" in plan["irrigation_reason"]


def test_projection_equals_the_observed_balance_up_to_the_advice_date(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)  # reference date 2025-06-01, A1 maize sown 2025-04-25
    sources = SeasonSources.from_bundle(bundle)
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
        }
    )
    requests = pd.DataFrame({"field_id": ["A1"], "season": [2025], "as_of": [as_of]})
    projected = projected_water_balance(
        sources, bundle.weather, bundle.stations, forecast, requests
    )
    assert projected["date"].max() == days[-1]  # runs over the forecast ...
    assert projected.loc[projected["is_forecast"], "date"].min() == days[0]
    observed = water_balance_table(sources, requests)
    past = projected[~projected["is_forecast"]].reset_index(drop=True)
    np.testing.assert_allclose(past["dr_mm"], observed["dr_mm"])  # ... and agrees before it
    # Observed weather after the advice date (the bundle runs to 2025-06-01) is not used: the
    # forecast's dry days deplete the soil every day.
    ahead = projected[projected["is_forecast"]]
    assert (ahead["rain_mm"] == 0).all()
    assert ahead["dr_mm"].is_monotonic_increasing
