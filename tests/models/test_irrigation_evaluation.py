"""Irrigation scores: hits and false alarms per 7-day window, and the yield at stake against the
crop model's irrigated-minus-rainfed gain, on small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.irrigation_evaluation import flag_windows, stake_vs_gain, trigger_scores

MAIZE = "grain_maize"


def advice_row(field: str, as_of: str, irrigate_on: str | None, crop: str = MAIZE) -> dict:
    return {
        "field_id": field,
        "crop": crop,
        "as_of": pd.Timestamp(as_of),
        "irrigation_mm": 30.0 if irrigate_on else 0.0,
        "irrigation_date": pd.Timestamp(irrigate_on) if irrigate_on else pd.NaT,
    }


def test_windows_are_flagged_and_hold_events_within_the_7_days_after_the_date() -> None:
    advice = pd.DataFrame(
        [
            advice_row("A", "2022-07-01", "2022-07-03"),  # event on 07-05: hit
            advice_row("A", "2022-07-08", "2022-07-16"),  # advised after the window: not flagged
            advice_row("B", "2022-07-01", "2022-07-01"),  # "irrigate by today" counts
            advice_row("B", "2022-07-08", None),
        ]
    )
    events = pd.DataFrame(
        {
            "field_id": ["A", "A", "B"],
            # 07-08 is in A's first window (07-02..07-08), not in its second (07-09..07-15)
            "date": pd.to_datetime(["2022-07-05", "2022-07-08", "2022-07-01"]),
        }
    )
    windows = flag_windows(advice, events)
    assert windows["flagged"].tolist() == [True, False, True, False]
    # B's event on the as-of date itself was known to the advice: not in its window.
    assert windows["event"].tolist() == [True, False, False, False]


def test_hit_rate_and_false_alarm_ratio_per_crop() -> None:
    advice = pd.DataFrame(
        [
            advice_row("A", "2022-07-01", "2022-07-02"),  # hit
            advice_row("A", "2022-07-08", None),  # miss
            advice_row("A", "2022-07-15", "2022-07-16"),  # false alarm
            advice_row("A", "2022-07-22", None),  # correct rejection
            advice_row("W", "2022-07-01", "2022-07-02", crop="winter_wheat"),  # false alarm
        ]
    )
    events = pd.DataFrame(
        {"field_id": ["A", "A"], "date": pd.to_datetime(["2022-07-04", "2022-07-12"])}
    )
    scores = trigger_scores(advice, events).set_index("crop")
    maize = scores.loc[MAIZE]
    assert (maize["windows"], maize["event_windows"], maize["hits"]) == (4, 2, 1)
    assert maize["hit_rate"] == pytest.approx(0.5)
    assert (maize["flagged"], maize["false_alarms"]) == (2, 1)
    assert maize["false_alarm_ratio"] == pytest.approx(0.5)
    wheat = scores.loc["winter_wheat"]
    assert np.isnan(wheat["hit_rate"]) and wheat["false_alarm_ratio"] == 1.0


def test_no_flags_and_no_events_give_nan_rates() -> None:
    advice = pd.DataFrame([advice_row("A", "2022-07-01", None)])
    scores = trigger_scores(advice, pd.DataFrame({"field_id": [], "date": []})).iloc[0]
    assert np.isnan(scores["hit_rate"]) and np.isnan(scores["false_alarm_ratio"])
    with pytest.raises(ValueError, match="window_days must be at least 1"):
        trigger_scores(advice, pd.DataFrame({"field_id": [], "date": []}), window_days=0)


def test_stake_against_the_crop_models_gain() -> None:
    stakes = pd.DataFrame(
        {
            "field_id": ["A", "B", "C", "D"],
            "crop": MAIZE,
            "yield_at_stake_t_ha": [1.0, 2.6, 0.4, 0.5],
        }
    )
    truth = pd.DataFrame(
        {
            "field_id": ["A", "B", "C", "D", "E"],
            "yield_irrigated_t_ha": [9.0, 10.0, 8.0, 8.05, 9.0],
            "yield_rainfed_t_ha": [8.0, 8.0, 7.0, 8.0, 5.0],  # gains 1, 2, 1, 0.05 (E: no stake)
        }
    )
    row = stake_vs_gain(stakes, truth).iloc[0]
    assert row["fields"] == 4
    assert row["stake_mean_t_ha"] == pytest.approx(4.5 / 4)
    assert row["gain_mean_t_ha"] == pytest.approx(4.05 / 4)
    assert row["ratio_of_means"] == pytest.approx(4.5 / 4.05)
    # D's gain (0.05 t/ha) is too small for a ratio: A 1.0, B 1.3, C 0.4.
    assert row["median_ratio"] == pytest.approx(1.0)
    assert row["within_tolerance"] == pytest.approx(2 / 3)
    assert row["mae_t_ha"] == pytest.approx((0.0 + 0.6 + 0.6 + 0.45) / 4)
