"""Fetching into the workspace with an injected source: local rows, and Sentinel Hub."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.agronomy.index_cleaning import clean_time_series
from pipelines.sources.bundle import read_bundle
from pipelines.sources.satellite.connection import SentinelHubConnection
from pipelines.sources.satellite.fetch import (
    UnknownFieldsError,
    default_start,
    fetch_observations,
    load_fields,
)
from pipelines.sources.satellite.settings import SentinelHubSettings
from pipelines.sources.satellite.sources import SATELLITE_COLUMNS, LocalSource, SentinelHubSource
from pipelines.store import storage
from pipelines.store.importer import import_bundle
from tests.pipelines.satellite.conftest import STATISTICS_PATH, FakeSentinelHub


def _workspace(bundle_dir: Path, tmp_path: Path) -> tuple[storage.Workspace, sa.Engine]:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(bundle_dir), workspace)
    return workspace, engine


def test_local_source_serves_a_bundles_rows_for_the_fields_and_period(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)
    source = LocalSource.from_bundle(bundle)
    fields = bundle.fields.loc[bundle.fields["field_id"].isin(["A1", "B1"])]

    result = source.observations(fields, date(2024, 4, 1), date(2024, 5, 31))

    rows = result.observations
    assert list(rows.columns) == list(SATELLITE_COLUMNS)
    assert set(rows["field_id"]) == {"A1", "B1"}
    assert rows["date"].between("2024-04-01", "2024-05-31").all()
    assert result.fetched == 2 and result.skipped == ()
    # The same rows the bundle holds: a local source changes nothing.
    expected = bundle.satellite.set_index(["field_id", "date"]).loc[
        pd.MultiIndex.from_frame(rows[["field_id", "date"]])
    ]
    np.testing.assert_allclose(rows["ndvi_mean"], expected["ndvi_mean"])


def test_fetch_from_the_workspace_rows_is_idempotent_and_works_offline(
    bundle_dir: Path, tmp_path: Path
) -> None:
    _, engine = _workspace(bundle_dir, tmp_path)
    before = storage.table_counts(engine)["satellite_observations"]
    fields = load_fields(engine)

    summary = fetch_observations(
        engine, LocalSource.from_workspace(engine), fields, date(2024, 1, 1), date(2024, 12, 31)
    )

    assert summary.observations == before == 39
    assert (summary.rows.added, summary.rows.updated, summary.rows.unchanged) == (0, 0, 39)
    assert summary.lines()[2] == "fetched: 3  cached: 0  skipped: 0"
    # What was fetched cleans into the field time series.
    series = clean_time_series(
        LocalSource.from_workspace(engine)
        .observations(fields, date(2024, 1, 1), date(2024, 12, 31))
        .observations
    )
    assert series.sizes == {"field": 3, "time": 121}  # 1 March to 29 June 2024


def test_sentinel_hub_rows_are_upserted_next_to_the_imported_ones(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    bundle_dir: Path,
    tmp_path: Path,
) -> None:
    workspace, engine = _workspace(bundle_dir, tmp_path)
    source = SentinelHubSource(
        SentinelHubConnection(sh_settings),
        workspace.cache_dir / "sentinelhub",
        today=date(2024, 9, 1),
    )
    fields = load_fields(engine, ["B1", "A1"])
    june = (date(2024, 6, 1), date(2024, 6, 30))

    first = fetch_observations(engine, source, fields, *june)
    # Six passes in June; the bundle already holds 9, 19 and 29 June for each field.
    assert (first.rows.added, first.rows.updated, first.rows.unchanged) == (6, 6, 0)
    assert (first.fetched, first.cached) == (2, 0)

    second = fetch_observations(engine, source, fields, *june)
    assert (second.rows.added, second.rows.updated, second.rows.unchanged) == (0, 0, 12)
    assert (second.fetched, second.cached) == (0, 2)
    assert sentinel_hub.count(STATISTICS_PATH) == 2
    assert (workspace.cache_dir / "sentinelhub" / "statistics").is_dir()


def test_unknown_fields_are_named_with_the_known_ones(bundle_dir: Path, tmp_path: Path) -> None:
    _, engine = _workspace(bundle_dir, tmp_path)
    assert list(load_fields(engine, ["B1", "A1"])["field_id"]) == ["B1", "A1"]
    with pytest.raises(UnknownFieldsError, match=r"no field 'Z9'; its fields are A1, A2, B1"):
        load_fields(engine, ["A1", "Z9"])


def test_the_default_start_is_the_earliest_sowing_of_the_latest_seasons(
    bundle_dir: Path, tmp_path: Path
) -> None:
    _, engine = _workspace(bundle_dir, tmp_path)
    today = date(2025, 6, 1)
    assert default_start(engine, ["A1", "A2"], today) == date(2024, 10, 25)  # A2's wheat
    assert default_start(engine, ["A1"], today) == date(2025, 4, 25)
    assert default_start(engine, ["A1"], date(2025, 1, 1)) == date(2025, 1, 1)  # not sown yet
