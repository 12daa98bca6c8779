"""Scores of the irrigation advice against a crop model's truth (pure functions of tables).

- `trigger_scores`: the advice of a field on an as-of date *flags* irrigation when it advises
  some (`irrigation_mm` > 0) dated by the end of the window, the `window_days` days after the
  as-of date (the advice knows what was done on the date itself: "irrigate by today" counts);
  the truth has an *event* in the window when its simulated irrigation run irrigated the field
  in those days. Per crop:
  the **hit rate** (probability of detection: windows with an event that were flagged) and the
  **false-alarm ratio** (flagged windows without an event: the share of advice a farmer would
  have acted on in vain). Use as-of dates `window_days` apart so that windows do not overlap.
- `stake_vs_gain`: the yield at stake the advice computes against the crop model's gain,
  irrigated minus rainfed yield, per field; per crop the ratio of the means, the median of the
  per-field ratios (fields whose gain is at least `min_gain_t_ha`) and the share of those within
  ±`tolerance` of their gain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRIGGER_COLUMNS = (
    "crop",
    "windows",
    "event_windows",
    "hits",
    "hit_rate",
    "flagged",
    "false_alarms",
    "false_alarm_ratio",
)
STAKE_COLUMNS = (
    "crop",
    "fields",
    "stake_mean_t_ha",
    "gain_mean_t_ha",
    "ratio_of_means",
    "median_ratio",
    "within_tolerance",
    "mae_t_ha",
)


def flag_windows(advice: pd.DataFrame, events: pd.DataFrame, window_days: int = 7) -> pd.DataFrame:
    """One row per advice row (field_id, crop, as_of, irrigation_mm, irrigation_date): `flagged`
    (irrigation advised from as_of to as_of + `window_days`) and `event` (an `events` row,
    field_id and date, after as_of and no later than as_of + `window_days`)."""
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    rows = advice[["field_id", "crop", "as_of", "irrigation_mm", "irrigation_date"]].copy()
    rows["as_of"] = pd.to_datetime(rows["as_of"])
    window_end = rows["as_of"] + pd.Timedelta(days=window_days)
    when = pd.to_datetime(rows["irrigation_date"])
    rows["flagged"] = (
        rows["irrigation_mm"].fillna(0.0).gt(0.0)
        & when.notna()
        & (when >= rows["as_of"])
        & (when <= window_end)
    )
    dated = events[["field_id", "date"]].assign(date=lambda e: pd.to_datetime(e["date"]))
    pairs = rows[["field_id", "as_of"]].reset_index().merge(dated, on="field_id")
    inside = (pairs["date"] > pairs["as_of"]) & (
        pairs["date"] <= pairs["as_of"] + pd.Timedelta(days=window_days)
    )
    with_event = set(pairs.loc[inside, "index"])
    rows["event"] = [i in with_event for i in rows.index]
    return rows.reset_index(drop=True)


def trigger_scores(
    advice: pd.DataFrame, events: pd.DataFrame, window_days: int = 7
) -> pd.DataFrame:
    """Per crop (the `TRIGGER_COLUMNS`): windows, windows with a truth event, hits and the hit
    rate, flagged windows, false alarms and the false-alarm ratio (NaN when nothing to divide).

    `advice` has one row per field and as-of date (field_id, crop, as_of, irrigation_mm,
    irrigation_date), only for the fields the truth's irrigation rule applies to; `events` the
    truth's irrigation events (field_id, date)."""
    windows = flag_windows(advice, events, window_days)
    out = []
    for crop, rows in windows.groupby("crop", sort=True):
        events_n = int(rows["event"].sum())
        flagged = int(rows["flagged"].sum())
        hits = int((rows["event"] & rows["flagged"]).sum())
        false_alarms = flagged - hits
        out.append(
            {
                "crop": crop,
                "windows": len(rows),
                "event_windows": events_n,
                "hits": hits,
                "hit_rate": hits / events_n if events_n else np.nan,
                "flagged": flagged,
                "false_alarms": false_alarms,
                "false_alarm_ratio": false_alarms / flagged if flagged else np.nan,
            }
        )
    return pd.DataFrame(out, columns=list(TRIGGER_COLUMNS))


def stake_vs_gain(
    stakes: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    tolerance: float = 0.3,
    min_gain_t_ha: float = 0.1,
) -> pd.DataFrame:
    """Per crop (the `STAKE_COLUMNS`): the yield at stake (`stakes`: field_id, crop,
    yield_at_stake_t_ha) against the crop model's gain (`truth`: field_id,
    yield_irrigated_t_ha, yield_rainfed_t_ha), over the fields in both.

    `ratio_of_means` is mean stake / mean gain; `median_ratio` and `within_tolerance` (the share
    of fields whose stake is within ±`tolerance` × gain of it) count the fields with a gain of at
    least `min_gain_t_ha` (a ratio to a near-zero gain means nothing); `mae_t_ha` is the mean
    absolute difference over all fields."""
    gain = truth.assign(gain_t_ha=truth["yield_irrigated_t_ha"] - truth["yield_rainfed_t_ha"])
    both = stakes[["field_id", "crop", "yield_at_stake_t_ha"]].merge(
        gain[["field_id", "gain_t_ha"]], on="field_id"
    )
    out = []
    for crop, rows in both.groupby("crop", sort=True):
        stake, gained = rows["yield_at_stake_t_ha"], rows["gain_t_ha"]
        sizable = gained >= min_gain_t_ha
        ratio = stake[sizable] / gained[sizable]
        out.append(
            {
                "crop": crop,
                "fields": len(rows),
                "stake_mean_t_ha": float(stake.mean()),
                "gain_mean_t_ha": float(gained.mean()),
                "ratio_of_means": float(stake.mean() / gained.mean())
                if gained.mean() > 0
                else np.nan,
                "median_ratio": float(ratio.median()) if len(ratio) else np.nan,
                "within_tolerance": float((ratio - 1.0).abs().le(tolerance + 1e-9).mean())
                if len(ratio)
                else np.nan,
                "mae_t_ha": float((stake - gained).abs().mean()),
            }
        )
    return pd.DataFrame(out, columns=list(STAKE_COLUMNS))
