"""Forecasts in the workspace: stored idempotently with their issue date, read as of a day
without ever using a forecast issued later. On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from pipelines.sources.bundle import empty_forecast, read_bundle
from pipelines.sources.forecast import FORECAST_COLUMN_NAMES
from pipelines.store import storage
from pipelines.store.forecasts import forecast_stations, latest_forecast, store_forecast
from pipelines.store.importer import import_bundle
from tests.conftest import LAT, LON, dump_database


def forecast_rows(station: str, issued: str, days: int = 3, warm: float = 0.0) -> pd.DataFrame:
    """`days` forecast days from the day after `issued`, typed as a bundle's forecast."""
    dates = pd.date_range(pd.Timestamp(issued) + pd.Timedelta(days=1), periods=days, freq="D")
    frame = pd.DataFrame(
        {
            "station_id": station,
            "issued_date": pd.Timestamp(issued),
            "date": dates,
            "tmin_degc": 10.0 + warm,
            "tmax_degc": 20.0 + warm,
            "precip_mm": np.arange(days, dtype=float),
            "rad_mj_m2": 18.0,
            "vp_kpa": 1.2,
            "rh_pct": np.nan,
            "wind_m_s": [2.0] * (days - 1) + [np.nan],
            "tdew_degc": np.nan,
            "rh_max_pct": np.nan,
            "rh_min_pct": np.nan,
        }
    )
    return frame.astype(empty_forecast().dtypes.to_dict())


@pytest.fixture
def engine(workspace: storage.Workspace, bundle_dir: Path) -> Iterator[Engine]:
    """A workspace holding the test bundle: one station 'st-1'; a second station 'st-2' added."""
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(bundle_dir), workspace)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO stations (station_id, lat, lon, elevation_m) "
            f"VALUES ('st-2', {LAT + 0.5}, {LON}, 12.0)"
        )
    yield engine
    engine.dispose()


def test_storing_the_same_forecast_twice_changes_nothing(
    engine: Engine, workspace: storage.Workspace
) -> None:
    forecast = forecast_rows("st-1", "2025-06-01")
    first = store_forecast(engine, forecast)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    before = dump_database(workspace.db_url)
    second = store_forecast(engine, forecast)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert dump_database(workspace.db_url) == before


def test_a_reissued_forecast_replaces_the_changed_values(engine: Engine) -> None:
    store_forecast(engine, forecast_rows("st-1", "2025-06-01"))
    warmer = forecast_rows("st-1", "2025-06-01", days=4, warm=1.5)
    counts = store_forecast(engine, warmer)
    assert (counts.added, counts.updated, counts.unchanged) == (1, 3, 0)
    got = latest_forecast(engine, ["st-1"], date(2025, 6, 1))
    pd.testing.assert_frame_equal(got, warmer)


def test_latest_forecast_is_the_latest_issue_on_or_before_as_of(engine: Engine) -> None:
    early = forecast_rows("st-1", "2025-05-28", days=5)
    late = forecast_rows("st-1", "2025-06-01", warm=2.0)
    other = forecast_rows("st-2", "2025-05-30")
    store_forecast(engine, pd.concat([late, early, other], ignore_index=True))

    # Between the two issues: the earlier one, never the later one (that would leak the future).
    between = latest_forecast(engine, ["st-1", "st-2"], pd.Timestamp("2025-05-31"))
    pd.testing.assert_frame_equal(between, pd.concat([early, other], ignore_index=True))
    assert (between["issued_date"] <= pd.Timestamp("2025-05-31")).all()

    # On the later issue day it is the one; all stations when none are named.
    on_issue = latest_forecast(engine, None, pd.Timestamp("2025-06-01").date())
    pd.testing.assert_frame_equal(on_issue, pd.concat([late, other], ignore_index=True))

    # Before any issue: nothing, in the bundle's typed shape.
    before = latest_forecast(engine, ["st-1"], date(2025, 5, 27))
    assert before.empty


def test_stations_without_a_forecast_get_none(engine: Engine) -> None:
    store_forecast(engine, forecast_rows("st-1", "2025-06-01"))
    only_st2 = latest_forecast(engine, ["st-2"], date(2025, 6, 30))
    assert only_st2.empty
    both = latest_forecast(engine, ["st-1", "st-2", "st-unknown"], date(2025, 6, 30))
    assert set(both["station_id"]) == {"st-1"}
    assert latest_forecast(engine, [], date(2025, 6, 30)).empty


def test_the_empty_frame_is_typed_like_a_bundle_without_forecast(engine: Engine) -> None:
    empty = latest_forecast(engine, None, date(2025, 6, 30))
    template = empty_forecast()
    assert list(empty.columns) == list(FORECAST_COLUMN_NAMES)
    pd.testing.assert_series_equal(empty.dtypes, template.dtypes)
    pd.testing.assert_frame_equal(empty, template)


def test_read_rows_are_typed_like_the_bundle(engine: Engine) -> None:
    store_forecast(engine, forecast_rows("st-1", "2025-06-01"))
    got = latest_forecast(engine, ["st-1"], date(2025, 6, 1))
    pd.testing.assert_series_equal(got.dtypes, empty_forecast().dtypes)
    assert got["wind_m_s"].isna().tolist() == [False, False, True]
    assert got["rh_pct"].isna().all()


def test_forecast_stations_are_those_with_fields(engine: Engine) -> None:
    stations = forecast_stations(engine)
    assert stations["station_id"].tolist() == ["st-1"]  # st-2 serves no field
    assert stations["timezone"].tolist() == ["Europe/Amsterdam"]
    assert stations[["lat", "lon"]].iloc[0].tolist() == pytest.approx([LAT, LON])


def _latest_reference(forecast: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """The obviously-correct version: filter, then keep each station's greatest issue."""
    known = forecast[forecast["issued_date"] <= pd.Timestamp(as_of)]
    latest = known.groupby("station_id")["issued_date"].transform("max")
    chosen = known[known["issued_date"] == latest]
    return chosen.sort_values(["station_id", "issued_date", "date"], ignore_index=True)


def test_a_thousand_stations_match_the_reference(engine: Engine) -> None:
    station_ids = [f"s-{i:04d}" for i in range(1000)]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO stations (station_id, lat, lon, elevation_m) VALUES (?, 52.0, 5.6, 9.0)"
            if engine.dialect.name == "sqlite"
            else "INSERT INTO stations (station_id, lat, lon, elevation_m) "
            "VALUES (%s, 52.0, 5.6, 9.0)",
            [(s,) for s in station_ids],
        )
    issues = ["2025-05-25", "2025-05-29", "2025-06-02"]
    # Station i has the issues from the (i mod 3)-th on, so some have none before a given day.
    parts = []
    for k, issued in enumerate(issues):
        days = forecast_rows("", issued, warm=k).drop(columns="station_id")
        owners = pd.DataFrame({"station_id": [s for i, s in enumerate(station_ids) if k >= i % 3]})
        parts.append(owners.merge(days, how="cross"))
    forecast = pd.concat(parts, ignore_index=True)[list(FORECAST_COLUMN_NAMES)]
    store_forecast(engine, forecast)
    for as_of in ("2025-05-24", "2025-05-30", "2025-06-10"):
        got = latest_forecast(engine, station_ids, pd.Timestamp(as_of))
        pd.testing.assert_frame_equal(got, _latest_reference(forecast, as_of))
