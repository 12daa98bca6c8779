"""Cleaning observations into the daily field time series."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.agronomy.index_cleaning import (
    ACCEPTED,
    NO_OBSERVATION,
    REJECTED_CLOUDY,
    REJECTED_OUTLIER,
    CleaningParameters,
    clean_time_series,
)
from tests.pipelines.satellite.reference import clean_per_field

PARAMS = CleaningParameters()
VARIABLES = ("ndvi", "ndre", "ndmi", "valid_fraction", "quality_flag")


def season_ndvi(days: pd.DatetimeIndex | np.ndarray, peak_doy: float = 180) -> np.ndarray:
    doy = pd.DatetimeIndex(days).dayofyear.to_numpy(dtype=np.float64)
    return 0.2 + 0.6 * np.exp(-(((doy - peak_doy) / 45) ** 2))


def observations(
    field_ids: list[str],
    rng: np.random.Generator,
    *,
    start: str = "2024-03-01",
    n_dates: int = 40,
    revisit_days: int = 5,
    noise: float = 0.01,
    cloudy_share: float = 0.0,
    dip_share: float = 0.0,
) -> pd.DataFrame:
    """Satellite rows for the fields: a clean season plus, where asked, cloudy and dipped dates."""
    frames = []
    for k, field_id in enumerate(field_ids):
        offset = int(rng.integers(0, revisit_days))  # fields lie on different tiles/orbits
        days = pd.date_range(start, periods=n_dates, freq=f"{revisit_days}D") + pd.Timedelta(
            days=offset
        )
        ndvi = season_ndvi(days, 170 + 5 * k) + rng.normal(0, noise, n_dates)
        cloud_free = rng.uniform(0.8, 1.0, n_dates)
        cloudy = rng.random(n_dates) < cloudy_share
        cloud_free[cloudy] = rng.uniform(0.0, 0.5, cloudy.sum())
        ndvi[cloudy] -= rng.uniform(0.1, 0.5, cloudy.sum())
        dipped = (rng.random(n_dates) < dip_share) & ~cloudy
        ndvi[dipped] -= rng.uniform(0.2, 0.4, dipped.sum())
        frames.append(
            pd.DataFrame(
                {
                    "field_id": field_id,
                    "date": days,
                    "cloud_free_fraction": cloud_free,
                    "ndvi_mean": np.clip(ndvi, -1, 1),
                    "ndre_mean": np.clip(0.6 * ndvi, -1, 1),
                    "ndmi_mean": np.where(rng.random(n_dates) < 0.1, np.nan, 0.5 * ndvi - 0.05),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def assert_same_series(actual: xr.Dataset, expected: xr.Dataset) -> None:
    assert list(actual["field"].values) == list(expected["field"].values)
    np.testing.assert_array_equal(actual["time"].values, expected["time"].values)
    for name in VARIABLES:
        np.testing.assert_allclose(
            actual[name].values, expected[name].values, rtol=0, atol=1e-12, err_msg=name
        )


def test_the_result_is_a_daily_field_by_time_dataset_with_units() -> None:
    rows = observations(["A", "B"], np.random.default_rng(1))
    series = clean_time_series(rows)
    assert series["ndvi"].dims == ("field", "time")
    assert list(series["field"].values) == ["A", "B"]
    assert (np.diff(series["time"].values) == np.timedelta64(1, "D")).all()
    assert series["time"].values[0] == rows["date"].min()
    assert series["time"].values[-1] == rows["date"].max()
    for index in ("ndvi", "ndre", "ndmi"):
        assert series[index].dtype == np.float64
        assert series[index].attrs["units"] == "1"
    assert series["quality_flag"].dtype == np.int8
    assert series.attrs["cleaning_min_cloud_free_fraction"] == 0.6
    assert "Savitzky-Golay (31 days, order 2)" in series.attrs["smoother"]


def test_cloudy_observations_are_dropped_and_the_series_follows_the_crop() -> None:
    days = pd.date_range("2024-04-01", periods=30, freq="5D")
    truth = season_ndvi(days)
    rows = pd.DataFrame(
        {
            "field_id": "A1",
            "date": days,
            "cloud_free_fraction": 0.95,
            "ndvi_mean": truth,
            "ndre_mean": truth / 2,
            "ndmi_mean": truth / 3,
        }
    )
    cloudy = [6, 7, 15, 22]  # two in a row at the start of the peak
    rows.loc[cloudy, "cloud_free_fraction"] = [0.2, 0.35, 0.1, 0.55]
    rows.loc[cloudy, "ndvi_mean"] = truth[cloudy] - [0.4, 0.3, 0.5, 0.2]

    series = clean_time_series(rows).sel(field="A1")

    flags = series["quality_flag"].sel(time=days).values
    assert (flags[cloudy] == REJECTED_CLOUDY).all()
    assert (np.delete(flags, cloudy) == ACCEPTED).all()
    daily_truth = season_ndvi(series["time"].values)
    assert np.nanmax(np.abs(series["ndvi"].values - daily_truth)) < 0.02
    # Without the threshold the clouds pull the curve down.
    unfiltered = clean_time_series(
        rows, CleaningParameters(min_cloud_free_fraction=0.0, dip_passes=0)
    )
    assert np.nanmax(np.abs(unfiltered["ndvi"].sel(field="A1").values - daily_truth)) > 0.15


def test_biased_low_observations_that_passed_the_cloud_mask_are_rejected() -> None:
    days = pd.date_range("2024-04-01", periods=30, freq="5D")
    truth = season_ndvi(days) + np.random.default_rng(3).normal(0, 0.01, days.size)
    rows = pd.DataFrame(
        {
            "field_id": "A1",
            "date": days,
            "cloud_free_fraction": 0.9,
            "ndvi_mean": truth,
            "ndre_mean": truth / 2,
            "ndmi_mean": truth / 3,
        }
    )
    hazy = [5, 12, 13, 20]  # thin cloud or haze the scene classification missed
    rows.loc[hazy, "ndvi_mean"] = truth[hazy] - [0.25, 0.3, 0.2, 0.15]
    rows.loc[hazy, "ndre_mean"] = rows.loc[hazy, "ndvi_mean"] / 2

    series = clean_time_series(rows).sel(field="A1")

    flags = series["quality_flag"].sel(time=days).values
    assert (flags[hazy] == REJECTED_OUTLIER).all()
    assert (np.delete(flags, hazy) == ACCEPTED).all()
    daily_truth = season_ndvi(series["time"].values)
    assert np.nanmax(np.abs(series["ndvi"].values - daily_truth)) < 0.03
    # NDRE of a rejected scene is dropped with its NDVI.
    assert np.nanmax(np.abs(series["ndre"].values - daily_truth / 2)) < 0.02


def test_a_harvest_is_a_step_not_a_dip_and_is_kept() -> None:
    days = pd.date_range("2024-06-01", periods=20, freq="5D")
    ndvi = np.where(np.arange(20) < 10, 0.8, 0.15)
    ndvi[10] = 0.35  # harvest under way on the day of the pass
    rows = pd.DataFrame(
        {
            "field_id": "A1",
            "date": days,
            "cloud_free_fraction": 1.0,
            "ndvi_mean": ndvi,
            "ndre_mean": ndvi / 2,
            "ndmi_mean": ndvi / 3,
        }
    )
    series = clean_time_series(rows).sel(field="A1")
    assert (series["quality_flag"].sel(time=days).values == ACCEPTED).all()


def test_no_extrapolation_and_long_gaps_stay_empty() -> None:
    days = pd.to_datetime(["2024-05-01", "2024-05-06", "2024-05-11", "2024-08-01", "2024-08-06"])
    rows = pd.DataFrame(
        {
            "field_id": "A1",
            "date": days,
            "cloud_free_fraction": 1.0,
            "ndvi_mean": [0.3, 0.35, 0.4, 0.6, 0.62],
            "ndre_mean": 0.2,
            "ndmi_mean": 0.1,
        }
    )
    series = clean_time_series(rows, start=date(2024, 4, 1), end=date(2024, 9, 1)).sel(field="A1")
    ndvi = series["ndvi"].to_series()
    assert ndvi[:"2024-04-30"].isna().all() and ndvi["2024-08-07":].isna().all()
    assert ndvi["2024-05-01":"2024-05-11"].notna().all()
    assert ndvi["2024-05-12":"2024-07-31"].isna().all()  # an 82-day gap: longer than 60 days
    assert series["quality_flag"].sel(time="2024-04-15").item() == NO_OBSERVATION


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "params",
    [
        CleaningParameters(),
        CleaningParameters(min_cloud_free_fraction=0.8, savgol_window_days=15, savgol_polyorder=3),
        CleaningParameters(dip_passes=0, max_gap_days=12, dip_min_ndvi=0.05),
    ],
)
def test_vectorised_cleaning_equals_the_per_field_reference(
    seed: int, params: CleaningParameters
) -> None:
    rng = np.random.default_rng(seed)
    rows = observations(
        [f"F{i}" for i in range(12)], rng, noise=0.03, cloudy_share=0.2, dip_share=0.1
    )
    rows = rows.sample(frac=0.9, random_state=seed)  # holes, and rows out of order
    expected = clean_per_field(rows, params)
    actual = clean_time_series(rows, params)
    assert_same_series(actual, expected)
    flags = actual["quality_flag"].values
    assert (flags == REJECTED_CLOUDY).any()
    assert (flags == REJECTED_OUTLIER).any() == (params.dip_passes > 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_fields=st.integers(1, 6), data=st.data())
def test_cleaning_is_invariant_to_the_order_of_fields(
    seed: int, n_fields: int, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    field_ids = [f"F{i}" for i in range(n_fields)]
    rows = observations(field_ids, rng, n_dates=25, noise=0.03, cloudy_share=0.2, dip_share=0.1)
    order = data.draw(st.permutations(field_ids))
    shuffled = rows.sample(frac=1.0, random_state=seed % 1000)

    original = clean_time_series(rows)
    permuted = clean_time_series(shuffled, fields=order)

    assert list(permuted["field"].values) == order
    assert_same_series(permuted.sel(field=field_ids), original)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_a_field_cleaned_alone_equals_its_row_in_the_whole(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = observations(
        ["A", "B", "C"], rng, n_dates=25, noise=0.03, cloudy_share=0.2, dip_share=0.1
    )
    start, end = rows["date"].min().date(), rows["date"].max().date()
    whole = clean_time_series(rows)
    alone = clean_time_series(rows[rows["field_id"] == "B"], start=start, end=end)
    assert_same_series(alone, whole.sel(field=["B"]))


def test_rows_are_checked_once_where_the_dataset_is_built() -> None:
    rows = observations(["A"], np.random.default_rng(0), n_dates=5)
    with pytest.raises(ValueError, match="more than one row for a field and date"):
        clean_time_series(pd.concat([rows, rows.head(1)]))
    with pytest.raises(ValueError, match=r"1 value\(s\) of cloud_free_fraction lie outside"):
        clean_time_series(rows.assign(cloud_free_fraction=[95, 0.9, 0.9, 0.9, 0.9]))
    with pytest.raises(ValueError, match="lack the columns ndre_mean"):
        clean_time_series(rows.drop(columns="ndre_mean"))
    with pytest.raises(ValueError, match="odd number of days"):
        CleaningParameters(savgol_window_days=30)
    with pytest.raises(ValueError, match="0.6, not 60"):
        CleaningParameters(min_cloud_free_fraction=60)


def test_a_series_up_to_an_as_of_date_ignores_later_observations() -> None:
    rows = observations(["A", "B"], np.random.default_rng(5), cloudy_share=0.2, dip_share=0.15)
    as_of = date(2024, 5, 20)
    up_to = clean_time_series(rows, start=date(2024, 3, 1), end=as_of)
    only_earlier = rows[rows["date"] <= pd.Timestamp(as_of)]
    assert_same_series(up_to, clean_time_series(only_earlier, start=date(2024, 3, 1), end=as_of))
    assert_same_series(up_to, clean_per_field(rows, PARAMS, date(2024, 3, 1), as_of))
