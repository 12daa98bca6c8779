"""The FAO-56 single-coefficient soil water balance: hand-checkable cases, Table 12 Kc values,
properties, sensor assimilation, and agreement with the day-by-day reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pipelines.agronomy.season_grid import season_inputs
from pipelines.agronomy.waterbalance import (
    WaterBalanceParameters,
    climate_adjustment,
    crop_coefficient,
    crop_stage,
    depletion_fraction,
    root_zone_water_content_m3_m3,
    run_soil_water_balance,
    runoff_mm,
    season_kc,
    season_water_balance,
    water_balance_table,
    water_stress_coefficient,
)
from pipelines.crops import builtin_crops
from pipelines.sources.bundle import read_bundle
from tests.conftest import bundle_sources
from tests.pipelines.features_reference import (
    balance_one_season,
    kc_series,
    root_zone_theta,
    runoff,
)

NO_RUNOFF = WaterBalanceParameters(curve_number=30.0)  # S = 593 mm: no runoff below 118 mm/day


def _balance(
    *,
    eto: np.ndarray,
    kc: np.ndarray | float = 1.0,
    precip: np.ndarray | float = 0.0,
    irrigation: np.ndarray | float = 0.0,
    root_depth: np.ndarray | float = 1.0,
    fc: float | np.ndarray = 0.30,
    wp: float | np.ndarray = 0.15,
    p_table: float | np.ndarray = 0.5,
    measured: np.ndarray | None = None,
    params: WaterBalanceParameters = NO_RUNOFF,
) -> dict[str, np.ndarray]:
    shape = eto.shape
    n_fields = shape[0]
    return run_soil_water_balance(
        eto_mm=eto,
        kc=np.broadcast_to(kc, shape).astype(float),
        precip_mm=np.broadcast_to(precip, shape).astype(float),
        irrigation_net_mm=np.broadcast_to(irrigation, shape).astype(float),
        root_depth_m=np.broadcast_to(root_depth, shape).astype(float),
        field_capacity_m3_m3=np.broadcast_to(fc, n_fields).astype(float),
        wilting_point_m3_m3=np.broadcast_to(wp, n_fields).astype(float),
        p_table=np.broadcast_to(p_table, n_fields).astype(float),
        active=np.ones(shape, dtype=bool),
        measured_vwc_m3_m3=measured,
        params=params,
    )


def test_constant_etc_reaches_raw_on_the_day_the_formula_says() -> None:
    # TAW = 1000 (0.30 − 0.15) × 1.0 m = 150 mm (eq. 82). Field 1: ETc = 5 mm/day, so p = 0.5
    # exactly (Table 22 footnote) and RAW = 75 mm is reached at the end of day 75 / 5 = 15.
    # Field 2: ETc = 2.5 mm/day, p = 0.5 + 0.04 × 2.5 = 0.6, RAW = 90 mm, reached on day 36.
    eto = np.vstack([np.full(60, 5.0), np.full(60, 2.5)])
    out = _balance(eto=eto)
    np.testing.assert_allclose(out["taw_mm"], 150.0)
    np.testing.assert_allclose(out["raw_mm"][0], 75.0)
    np.testing.assert_allclose(out["raw_mm"][1], 90.0)
    dr = out["dr_mm"]
    assert dr[0, 14] == pytest.approx(75.0) and dr[0, 13] < 75.0
    assert dr[1, 35] == pytest.approx(90.0) and dr[1, 34] < 90.0
    # Ks uses the depletion at the end of the previous day (eq. 84): full ET on the day after RAW
    # was reached (Dr,15 = RAW is not above RAW), stress from the day after that.
    ks = out["ks"][0]
    assert (ks[:16] == 1.0).all() and ks[16] == pytest.approx((150 - 80) / 75)
    # Under stress the remaining water shrinks by the factor 1 − ETc / ((1 − p) TAW) each day.
    remaining = 150.0 - dr[0, 15:]
    np.testing.assert_allclose(remaining, 70.0 * (1 - 5 / 75) ** np.arange(remaining.size))
    assert (out["etc_adj_mm"][0, :16] == 5.0).all()


def test_rain_and_irrigation_refill_and_the_excess_percolates() -> None:
    eto = np.full((1, 12), 5.0)
    precip = np.zeros((1, 12))
    precip[0, 10] = 80.0  # 50 mm depleted by then: 30 mm percolate below the root zone
    irrigation = np.zeros((1, 12))
    irrigation[0, 5] = 10.0
    out = _balance(eto=eto, precip=precip, irrigation=irrigation)
    assert out["dr_mm"][0, 4] == pytest.approx(25.0)
    assert out["dr_mm"][0, 5] == pytest.approx(20.0)  # +5 ETc − 10 irrigation
    assert out["dr_mm"][0, 9] == pytest.approx(40.0)
    assert out["dr_mm"][0, 10] == 0.0
    assert out["deep_percolation_mm"][0, 10] == pytest.approx(80.0 - 45.0)
    assert out["deep_percolation_mm"][0, :10].sum() == 0.0


@pytest.mark.parametrize("crop_id", ["winter_wheat", "grain_maize"])
def test_kc_curve_at_stage_boundaries_matches_fao56_table_12(crop_id: str) -> None:
    crop = builtin_crops().set_index("crop_id").loc[crop_id]
    l1, l2, l3, l4 = (int(crop[f"stage_{s}_days"]) for s in ("ini", "dev", "mid", "late"))
    table_12 = {"winter_wheat": (0.70, 1.15, 0.25), "grain_maize": (0.30, 1.20, 0.35)}[crop_id]
    assert (crop["kc_ini"], crop["kc_mid"], crop["kc_end"]) == table_12

    def kc(i: int) -> float:
        return float(
            crop_coefficient(i, *table_12, crop["stage_ini_days"], l2, l3, crop["stage_late_days"])
        )

    assert kc(1) == kc(l1) == pytest.approx(table_12[0])  # Kc ini through the initial stage
    assert kc(l1 + l2) == pytest.approx(table_12[1])  # Kc mid at the end of development
    for i in range(l1 + l2, l1 + l2 + l3 + 1):  # and through mid-season
        assert kc(i) == pytest.approx(table_12[1])
    assert kc(l1 + l2 + l3 + l4) == pytest.approx(table_12[2])  # Kc end at the end
    assert kc(l1 + l2 + l3 + l4 + 20) == pytest.approx(table_12[2])
    # Straight lines in between (eq. 66)
    assert kc(l1 + l2 // 2) == pytest.approx(
        table_12[0] + (l2 // 2) / l2 * (table_12[1] - table_12[0])
    )
    stages = crop_stage(
        np.array([1, l1, l1 + 1, l1 + l2, l1 + l2 + 1, l1 + l2 + l3 + 1]), l1, l2, l3
    )
    assert stages.tolist() == [0, 0, 1, 1, 2, 3]


def test_climate_adjustment_eq_62() -> None:
    # Table 12 values hold for u2 = 2 m/s and RHmin = 45 %: no adjustment.
    assert climate_adjustment(2.0, 45.0, 1.0) == pytest.approx(0.0)
    # Windy and dry: [0.04 × 2 − 0.004 × (−15)] (1/3)^0.3 = 0.14 × 0.71922
    assert climate_adjustment(4.0, 30.0, 1.0) == pytest.approx(0.14 * (1 / 3) ** 0.3)
    # Outside eq. 62's range the inputs are held at its limits.
    assert climate_adjustment(9.0, 5.0, 20.0) == pytest.approx(climate_adjustment(6, 20, 10))


def _season_dataset(crop_id: str, wind: float, rh_min: float, days: int = 400) -> xr.Dataset:
    crop = builtin_crops().set_index("crop_id").loc[[crop_id]].reset_index()
    params = {
        name: ("row", crop[name].to_numpy(dtype=float))
        for name in (
            "kc_ini",
            "kc_mid",
            "kc_end",
            "stage_ini_days",
            "stage_dev_days",
            "stage_mid_days",
            "stage_late_days",
            "max_height_m",
        )
    }
    return xr.Dataset(
        {
            **params,
            "wind_used_m_s": (("row", "day"), np.full((1, days), wind)),
            "rh_min_pct": (("row", "day"), np.full((1, days), rh_min)),
        },
        coords={"day": np.arange(days)},
    )


def test_season_kc_adjusts_kc_mid_for_climate_but_not_a_low_kc_end() -> None:
    neutral, _ = season_kc(_season_dataset("winter_wheat", 2.0, 45.0))
    windy, _ = season_kc(_season_dataset("winter_wheat", 4.0, 30.0))
    l1, l2, l3 = 160, 75, 75
    adjustment = 0.14 * (1.0 / 3) ** 0.3  # wheat height 1 m
    assert neutral[0, l1 + l2 - 1] == pytest.approx(1.15)
    assert windy[0, l1 + l2 - 1] == pytest.approx(1.15 + adjustment)
    assert windy[0, l1 + l2 + l3 - 1] == pytest.approx(1.15 + adjustment)
    assert windy[0, l1 - 1] == neutral[0, l1 - 1] == pytest.approx(0.70)
    assert windy[0, -1] == pytest.approx(0.25)  # Kc end 0.25 < 0.45: eq. 65 does not apply
    # Maize Kc end 0.35 < 0.45 as well; a crop with Kc end 0.6 would be adjusted.
    ds = _season_dataset("grain_maize", 4.0, 30.0)
    ds["kc_end"] = ("row", np.array([0.6]))
    late, _ = season_kc(ds)
    assert late[0, -1] == pytest.approx(0.6 + 0.14 * (2.0 / 3) ** 0.3)


def test_kc_matches_the_day_by_day_reference_in_a_changing_climate() -> None:
    rng = np.random.default_rng(3)
    ds = _season_dataset("grain_maize", 2.0, 45.0, days=200)
    wind = rng.uniform(0.5, 7.0, (1, 200))
    rh = rng.uniform(10, 95, (1, 200))
    ds["wind_used_m_s"] = (("row", "day"), wind)
    ds["rh_min_pct"] = (("row", "day"), rh)
    kc, _ = season_kc(ds)
    crop = builtin_crops().set_index("crop_id").loc["grain_maize"]
    np.testing.assert_allclose(kc[0], kc_series(crop, list(wind[0]), list(rh[0])), rtol=1e-12)


def test_depletion_fraction_follows_table_22_footnote() -> None:
    np.testing.assert_allclose(
        depletion_fraction(0.55, np.array([5.0, 2.0, 8.0, 20.0, 0.0])),
        [0.55, 0.67, 0.43, 0.1, 0.75],
    )
    assert depletion_fraction(0.75, 0.0) == pytest.approx(0.8)  # at most 0.8


def test_runoff_curve_number() -> None:
    # CN 78: S = 25400/78 − 254 = 71.64 mm, Ia = 0.2 S = 14.33 mm.
    s = 25400 / 78 - 254
    ro = runoff_mm(np.array([0.0, 10.0, 14.0, 50.0]), 78.0)
    np.testing.assert_allclose(ro[:3], 0.0)
    assert ro[3] == pytest.approx((50 - 0.2 * s) ** 2 / (50 + 0.8 * s))
    assert ro[3] == pytest.approx(11.86, abs=0.01)
    assert ro[3] == pytest.approx(runoff(50.0, 78.0))


def test_water_stress_coefficient_eq_84() -> None:
    ks = water_stress_coefficient(np.array([0.0, 75.0, 80.0, 150.0]), 150.0, 0.5)
    np.testing.assert_allclose(ks, [1.0, 1.0, 70 / 75, 0.0])


def test_root_zone_water_content_is_depth_weighted() -> None:
    vwc = np.array([0.30, 0.25, 0.20])
    depth = np.array([10.0, 30.0, 60.0])
    # Layers 0-20, 20-45 and 45-∞ cm, cut at 50 cm: weights 20, 25 and 5 cm.
    expected = (20 * 0.30 + 25 * 0.25 + 5 * 0.20) / 50
    assert root_zone_water_content_m3_m3(vwc, depth, 0.5) == pytest.approx(expected)
    assert root_zone_water_content_m3_m3(vwc, depth, 0.15) == pytest.approx(0.30)
    # The 30 cm probe is missing today: 10 cm stands for 0-35 cm, 60 cm for 35 cm and deeper.
    gap = np.array([0.30, np.nan, 0.20])
    assert root_zone_water_content_m3_m3(gap, depth, 0.5) == pytest.approx(
        (35 * 0.30 + 15 * 0.20) / 50
    )
    # Only a probe below the root zone: it cannot speak for the root zone.
    deep_only = np.array([np.nan, np.nan, 0.20])
    assert np.isnan(root_zone_water_content_m3_m3(deep_only, depth, 0.5))
    for zr in (0.15, 0.5, 1.2):
        readings = dict(zip(depth.tolist(), gap.tolist(), strict=True))
        readings = {d: v for d, v in readings.items() if not np.isnan(v)}
        assert root_zone_water_content_m3_m3(gap, depth, zr) == pytest.approx(
            root_zone_theta(readings, zr)
        )


def test_sensor_assimilation_pulls_a_drifting_balance_back() -> None:
    # The field: TAW 150 mm, ETo 4 mm/day, 12 mm of rain every third day, so the true depletion
    # stays small. The model believes ETo is 40 % higher, so on its own it drifts drier and
    # drier. Probes from day 30 report the true state.
    n = 90
    eto_true = np.full((1, n), 4.0)
    precip = np.where(np.arange(n) % 3 == 2, 12.0, 0.0)[None, :]
    truth = _balance(eto=eto_true, precip=precip)
    theta_true = 0.30 - truth["dr_mm"] / 1000.0  # uniform profile, root depth 1 m (eq. 87)
    drifting = _balance(eto=eto_true * 1.4, precip=precip)
    error_alone = np.abs(drifting["dr_mm"] - truth["dr_mm"])
    assert error_alone[0, -1] > 40.0

    measured = np.full((1, n), np.nan)
    measured[0, 30::3] = theta_true[0, 30::3]  # a reading every third day from day 30
    corrected = _balance(eto=eto_true * 1.4, precip=precip, measured=measured)
    error = np.abs(corrected["dr_mm"] - truth["dr_mm"])
    on_probe_days = np.isfinite(measured[0])
    np.testing.assert_allclose(error[0, on_probe_days], 0.0, atol=1e-9)
    assert error[0, 30:].max() < 10.0 and error[0, -1] < error_alone[0, -1] / 4
    # The correction is visible: negative (the sensor says wetter) on probe days, 0 otherwise.
    correction = corrected["correction_mm"][0]
    assert (correction[on_probe_days] < 0).sum() >= 15
    assert (correction[~on_probe_days] == 0).all()
    assert (corrected["sensor_assimilated"][0] == on_probe_days).all()
    np.testing.assert_allclose(corrected["dr_mm"][:, :30], drifting["dr_mm"][:, :30])

    # A gain of 0.5 moves half way.
    half = _balance(
        eto=eto_true * 1.4,
        precip=precip,
        measured=measured,
        params=WaterBalanceParameters(curve_number=30.0, sensor_gain=0.5),
    )
    day = 30
    modelled = half["dr_mm"][0, day] - half["correction_mm"][0, day]
    assert half["dr_mm"][0, day] == pytest.approx((modelled + truth["dr_mm"][0, day]) / 2)


def _random_case(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n_fields = draw(st.integers(1, 4))
    n_days = draw(st.integers(1, 40))
    shape = (n_fields, n_days)
    floats = st.floats(0.0, 12.0, allow_nan=False)
    eto = draw(hnp.arrays(np.float64, shape, elements=floats))
    rain = draw(hnp.arrays(np.float64, shape, elements=st.floats(0.0, 80.0)))
    rain = np.where(draw(hnp.arrays(np.bool_, shape)), rain, 0.0)
    kc = draw(hnp.arrays(np.float64, shape, elements=st.floats(0.1, 1.4)))
    wp = draw(hnp.arrays(np.float64, n_fields, elements=st.floats(0.02, 0.25)))
    fc = wp + draw(hnp.arrays(np.float64, n_fields, elements=st.floats(0.02, 0.3)))
    start = draw(hnp.arrays(np.float64, n_fields, elements=st.floats(0.05, 0.5)))
    growth = draw(hnp.arrays(np.float64, n_fields, elements=st.floats(0.0, 0.05)))
    root = start[:, None] + growth[:, None] * np.arange(n_days)[None, :]
    p_table = draw(hnp.arrays(np.float64, n_fields, elements=st.floats(0.1, 0.8)))
    irrigation = np.where(rain > 60, 25.0, 0.0)
    return {
        "eto": eto,
        "precip": rain,
        "kc": kc,
        "fc": fc,
        "wp": wp,
        "root_depth": root,
        "p_table": p_table,
        "irrigation": irrigation,
    }


random_cases = st.composite(_random_case)


@settings(max_examples=60, deadline=None)
@given(case=random_cases(), params=st.sampled_from([NO_RUNOFF, WaterBalanceParameters()]))
def test_depletion_stays_within_zero_and_taw_and_the_books_balance(
    case: dict[str, np.ndarray], params: WaterBalanceParameters
) -> None:
    out = _balance(**case, params=params)
    dr, taw = out["dr_mm"], out["taw_mm"]
    assert (dr >= 0).all() and (dr <= taw + 1e-9).all()
    assert ((out["ks"] >= 0) & (out["ks"] <= 1)).all()
    # eq. 85 closes: what came in and went out explains the change of depletion.
    previous = np.concatenate([np.zeros((dr.shape[0], 1)), dr[:, :-1]], axis=1)
    previous = np.minimum(previous, taw)
    change = (
        out["etc_adj_mm"]
        - (case["precip"] - out["runoff_mm"])
        - case["irrigation"]
        + out["deep_percolation_mm"]
    )
    np.testing.assert_allclose(dr - previous, change, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    case=random_cases(),
    extra=st.data(),
    params=st.sampled_from([NO_RUNOFF, WaterBalanceParameters()]),
)
def test_more_rain_never_increases_depletion(
    case: dict[str, np.ndarray], extra: st.DataObject, params: WaterBalanceParameters
) -> None:
    more = extra.draw(
        hnp.arrays(np.float64, case["precip"].shape, elements=st.floats(0.0, 40.0)), label="more"
    )
    base = _balance(**case, params=params)
    wetter = _balance(**{**case, "precip": case["precip"] + more}, params=params)
    assert (wetter["dr_mm"] <= base["dr_mm"] + 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(case=random_cases())
def test_vectorised_balance_equals_the_day_by_day_reference(case: dict[str, np.ndarray]) -> None:
    params = WaterBalanceParameters()
    out = _balance(**case, params=params)
    for f in range(case["eto"].shape[0]):
        states = balance_one_season(
            eto=list(case["eto"][f]),
            kc=list(case["kc"][f]),
            precip=list(case["precip"][f]),
            irrigation_net=list(case["irrigation"][f]),
            root_depth=list(case["root_depth"][f]),
            fc=float(case["fc"][f]),
            wp=float(case["wp"][f]),
            p_table=float(case["p_table"][f]),
            theta_measured=[np.nan] * case["eto"].shape[1],
            params=params,
        )
        np.testing.assert_allclose(out["dr_mm"][f], [s.dr for s in states], atol=1e-9)
        np.testing.assert_allclose(out["ks"][f], [s.ks for s in states], atol=1e-12)


def test_water_balance_table_on_a_bundle_with_probes(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)
    # Daily probe aggregates for field A2 (irrigated maize 2024) in June 2024.
    days = pd.date_range("2024-06-01", "2024-06-20")
    sensors = pd.concat(
        [
            pd.DataFrame({"field_id": "A2", "date": days, "depth_cm": depth, "vwc_m3_m3": vwc})
            for depth, vwc in ((10.0, 0.22), (30.0, 0.25), (60.0, 0.27))
        ]
    )
    sources = bundle_sources(bundle, sensors)
    requests = pd.DataFrame(
        {"field_id": ["A2", "A1"], "season": [2024, 2024], "as_of": ["2024-09-01"] * 2}
    )
    table = water_balance_table(sources, requests)
    a2 = table[table["field_id"] == "A2"].set_index("date")
    assert a2.index.min() == pd.Timestamp("2024-04-28")  # sowing
    assert a2.index.max() == pd.Timestamp("2024-09-01")  # as_of, before the harvest
    assert (a2.loc[days, "state_source"] == "sensor").all()
    assert (a2.drop(days)["state_source"] == "model").all()
    assert (a2.loc[days, "correction_mm"] != 0).any()
    assert a2.at[pd.Timestamp("2024-07-10"), "irrigation_mm"] == pytest.approx(25 * 0.75)
    a1 = table[table["field_id"] == "A1"]
    assert a1["date"].max() == pd.Timestamp("2024-08-01")  # harvested before as_of
    assert (a1["state_source"] == "model").all()
    for column in ("dr_mm", "taw_mm", "raw_mm", "ks", "etc_mm", "eto_mm", "kc", "rain_mm"):
        assert table[column].notna().all(), column
    assert ((table["dr_mm"] >= 0) & (table["dr_mm"] <= table["taw_mm"])).all()


def test_a_crop_added_as_a_row_runs_without_code_changes(bundle_dir: Path) -> None:
    # Winter oilseed rape as a made-up crop table row (FAO-56 Table 12 canola Kc 0.35 / 1.0-1.15
    # / 0.35; stage lengths for illustration).
    rapeseed = pd.DataFrame(
        [
            {
                "crop_id": "winter_rapeseed",
                "crop_name": "Winter oilseed rape",
                "base_temp_degc": 5.0,
                "cap_temp_degc": 30.0,
                "kc_ini": 0.35,
                "kc_mid": 1.10,
                "kc_end": 0.35,
                "max_height_m": 0.6,
                "stage_ini_days": 150,
                "stage_dev_days": 60,
                "stage_mid_days": 50,
                "stage_late_days": 30,
                "root_depth_max_m": 1.0,
                "depletion_fraction_p": 0.60,
                "yield_moisture_pct": 9.0,
                "grain_price_eur_t": 450.0,
                "n_max_kg_ha": 220.0,
            }
        ]
    )
    rapeseed.to_csv(bundle_dir / "crops.csv", index=False)
    seasons = pd.read_csv(bundle_dir / "seasons.csv", dtype=str, keep_default_na=False)
    seasons.loc[seasons["field_id"].eq("B1"), "crop"] = "winter_rapeseed"
    seasons.to_csv(bundle_dir / "seasons.csv", index=False)
    sources = bundle_sources(read_bundle(bundle_dir))
    requests = pd.DataFrame({"field_id": ["B1"], "season": [2024], "as_of": ["2024-08-10"]})
    inputs = season_inputs(sources, requests)
    balance = season_water_balance(inputs)
    n = int(inputs["n_days"][0])
    kc = balance["kc"].to_numpy()[0, :n]
    assert kc[0] == pytest.approx(0.35) and kc.max() > 1.0
    assert np.isfinite(balance["dr_mm"].to_numpy()[0, :n]).all()


def test_as_of_before_sowing_gives_no_days(bundle_dir: Path) -> None:
    sources = bundle_sources(read_bundle(bundle_dir))
    requests = pd.DataFrame({"field_id": ["A1"], "season": [2024], "as_of": ["2023-10-01"]})
    assert water_balance_table(sources, requests).empty


def test_missing_weather_is_reported_with_the_fix(bundle_dir: Path) -> None:
    sources = bundle_sources(read_bundle(bundle_dir))
    requests = pd.DataFrame({"field_id": ["A2"], "season": [2025], "as_of": ["2025-07-01"]})
    with pytest.raises(ValueError, match="is as_of after the last weather day"):
        season_inputs(sources, requests)
    with pytest.raises(ValueError, match="not in seasons"):
        season_inputs(sources, requests.assign(season=2019))
