"""The one loader: what `agri import` stored comes back with the bundle's columns and dtypes, for a
cooperative, a scope or some fields, on SQLite and PostgreSQL; field fingerprints change with the
field's own inputs only."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.sources.bundle import read_bundle
from pipelines.store import schema, storage
from pipelines.store.access import Scope
from pipelines.store.importer import import_bundle
from pipelines.store.loader import LOADED_SATELLITE_COLUMNS, load_workspace
from pipelines.store.storage import WorkspaceError

TABLES = ("fields", "seasons", "operations", "stations", "weather", "devices", "forecast")


def _imported(workspace: storage.Workspace, bundle_dir: Path) -> sa.Engine:
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(bundle_dir), workspace)
    return engine


def test_the_loader_gives_back_the_bundle_tables(
    workspace: storage.Workspace, bundle_dir: Path
) -> None:
    bundle = read_bundle(bundle_dir)
    data = load_workspace(_imported(workspace, bundle_dir))
    assert data.cooperative_id == bundle.manifest.cooperative_id
    assert data.timezone == bundle.manifest.timezone
    assert data.reference_date == pd.Timestamp(bundle.manifest.reference_date)
    for name in TABLES:
        expected = getattr(bundle, name).reset_index(drop=True)
        loaded = getattr(data, name)[list(expected.columns)].reset_index(drop=True)
        pd.testing.assert_frame_equal(loaded, expected, check_dtype=True, obj=name)
    expected = bundle.satellite[list(LOADED_SATELLITE_COLUMNS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(data.satellite, expected, obj="satellite")
    crops = bundle.crops.sort_values("crop_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(data.crops[list(crops.columns)], crops, obj="crops")


def test_a_scope_or_field_list_loads_only_those_fields(
    workspace: storage.Workspace, bundle_dir: Path
) -> None:
    engine = _imported(workspace, bundle_dir)
    member = load_workspace(engine, scope=Scope("m", "member", "coop-test", ("farm-b",)))
    assert set(member.fields["field_id"]) == {"B1"}
    assert set(member.seasons["field_id"]) <= {"B1"}
    assert set(member.satellite["field_id"]) <= {"B1"}
    assert set(member.farms["farm_id"]) == {"farm-b"}
    one = load_workspace(engine, field_ids=["A2"])
    assert list(one.fields["field_id"]) == ["A2"]
    whole = load_workspace(engine)
    pd.testing.assert_frame_equal(whole.subset(["A2"]).seasons, one.seasons.reset_index(drop=True))


def test_an_empty_workspace_names_agri_import(workspace: storage.Workspace) -> None:
    with pytest.raises(WorkspaceError, match="run `agri import BUNDLE` first"):
        load_workspace(storage.open_workspace(workspace))


def test_field_fingerprints_follow_each_fields_own_inputs(
    workspace: storage.Workspace, bundle_dir: Path
) -> None:
    engine = _imported(workspace, bundle_dir)
    before = load_workspace(engine).field_input_hashes()
    assert before.index.tolist() == ["A1", "A2", "B1"] and before.is_unique
    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.seasons)
            .where(schema.seasons.c.field_id == "A2")
            .values(variety="another variety")
        )
    after = load_workspace(engine).field_input_hashes()
    assert (after != before).tolist() == [False, True, False]
    # A station's weather belongs to every field at that station.
    data = load_workspace(engine)
    station = data.fields.set_index("field_id").loc["A1", "station_id"]
    sharing = set(data.fields.loc[data.fields["station_id"] == station, "field_id"])
    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.weather_daily)
            .where(schema.weather_daily.c.station_id == station)
            .values(precip_mm=schema.weather_daily.c.precip_mm + 1.0)
        )
    changed = load_workspace(engine).field_input_hashes() != after
    assert set(changed[changed].index) == sharing


def test_a_stations_anemometer_height_and_humidity_come_back_and_reach_eto(
    workspace: storage.Workspace, bundle_dir: Path, edit_csv: Callable
) -> None:
    edit_csv(
        bundle_dir / "weather.csv",
        lambda f: f.assign(
            station_anemometer_height_m="10", vp_kpa="", rh_max_pct="84", rh_min_pct="63"
        ),
    )
    bundle = read_bundle(bundle_dir)
    engine = _imported(workspace, bundle_dir)
    data = load_workspace(engine)
    assert data.stations["anemometer_height_m"].tolist() == [10.0]
    for name in ("stations", "weather"):
        expected = getattr(bundle, name).reset_index(drop=True)
        loaded = getattr(data, name)[list(expected.columns)].reset_index(drop=True)
        pd.testing.assert_frame_equal(loaded, expected, check_dtype=True, obj=name)
    # Reference ET reads the stored height and humidity: 3.0 m/s at 10 m is 2.24 m/s at 2 m
    # (FAO-56 eq. 47), and the measured RHmin is the one the Kc adjustment gets.
    weather = data.sources().weather
    assert weather["wind_used_m_s"].to_numpy() == pytest.approx(3.0 * 4.87 / math.log(672.58))
    assert set(weather["rh_min_pct"]) == {63.0}
    assert not weather["humidity_fallback"].any()
    # A corrected height changes the fingerprint of every field at the station.
    before = data.field_input_hashes()
    with engine.begin() as conn:
        conn.execute(sa.update(schema.stations).values(anemometer_height_m=3.0))
    assert (load_workspace(engine).field_input_hashes() != before).all()
