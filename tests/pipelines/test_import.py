"""Importing bundles into the workspace database: idempotent, additive, atomic."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.sources.bundle import read_bundle
from pipelines.store import importer, schema, storage
from pipelines.store.importer import ConflictError, import_bundle
from tests.conftest import dump_database, write_bundle


def _import(workspace: storage.Workspace, bundle_dir: Path) -> importer.ImportReport:
    engine = storage.open_workspace(workspace)
    try:
        return import_bundle(engine, read_bundle(bundle_dir), workspace)
    finally:
        engine.dispose()


def test_importing_twice_changes_nothing(workspace: storage.Workspace, bundle_dir: Path) -> None:
    first = _import(workspace, bundle_dir)
    assert first.changed
    assert first.tables["seasons"].added == 5
    assert first.tables["weather_daily"].added == 610
    assert first.files_archived == 9
    before = dump_database(workspace.db_url)

    second = _import(workspace, bundle_dir)
    assert not second.changed
    assert all(c.added == 0 and c.updated == 0 for c in second.tables.values())
    assert second.tables["weather_daily"].unchanged == 610
    assert second.files_known == 9
    assert dump_database(workspace.db_url) == before


def test_the_bundle_forecast_is_stored_once(workspace: storage.Workspace, bundle_dir: Path) -> None:
    days = pd.date_range("2025-06-02", periods=3, freq="D").strftime("%Y-%m-%d")
    pd.DataFrame(
        {
            "station_id": "st-1",
            "issued_date": "2025-06-01",
            "date": days,
            "tmin_degc": [10.0, 11.0, 9.0],
            "tmax_degc": [20.0, 22.0, 17.0],
            "precip_mm": [0.0, 4.0, 1.0],
            "rad_mj_m2": [22.0, 15.0, ""],
            "vp_kpa": [1.2, 1.3, 1.1],
            "rh_pct": "",
            "wind_m_s": [2.0, 3.0, ""],
        }
    ).to_csv(bundle_dir / "forecast.csv", index=False)
    first = _import(workspace, bundle_dir)
    assert first.tables["weather_forecasts"].added == 3
    before = dump_database(workspace.db_url)
    assert [str(r[2]) for r in before["weather_forecasts"]] == list(days)

    second = _import(workspace, bundle_dir)
    assert not second.changed
    assert second.tables["weather_forecasts"] == importer.TableCounts(unchanged=3)
    assert dump_database(workspace.db_url) == before


def test_newer_bundle_adds_seasons_and_completes_the_running_one(
    workspace: storage.Workspace, tmp_path: Path, edit_csv: Callable
) -> None:
    old = write_bundle(tmp_path / "old", reference_date="2025-06-01")
    _import(workspace, old)
    new = write_bundle(tmp_path / "new", reference_date="2025-12-01")

    def finish_and_extend(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[
            frame["field_id"].eq("A1") & frame["season"].eq("2025"),
            ["harvest_date", "yield_t_ha", "yield_moisture_pct"],
        ] = ["2025-10-12", "10.4", "15.5"]
        extra = pd.DataFrame(
            [["B1", "2026", "grain_maize", "", "2025-11-20", "", "", ""]], columns=frame.columns
        )
        return pd.concat([frame, extra], ignore_index=True)

    edit_csv(new / "seasons.csv", finish_and_extend)
    report = _import(workspace, new)
    assert report.tables["seasons"].added == 1
    assert report.tables["seasons"].updated == 1
    assert report.tables["seasons"].unchanged == 5 - 1
    assert report.tables["weather_daily"].added == 183  # 2025-06-02 .. 2025-12-01
    assert report.tables["fields"].unchanged == 3

    engine = storage.connect(workspace.db_url)
    with engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(schema.seasons).order_by(
                    schema.seasons.c.field_id, schema.seasons.c.season
                )
            )
            .mappings()
            .all()
        )
    engine.dispose()
    a1_2025 = next(r for r in rows if r["field_id"] == "A1" and r["season"] == 2025)
    assert a1_2025["yield_t_ha"] == 10.4
    assert str(a1_2025["harvest_date"]) == "2025-10-12"
    assert len(rows) == 6
    # The old bundle would roll the finished season back to "in progress": refused.
    with pytest.raises(ConflictError, match="importing it would roll newer records back"):
        _import(workspace, old)
    engine = storage.open_workspace(workspace)
    again = import_bundle(engine, read_bundle(old), workspace, allow_older=True)
    engine.dispose()
    assert again.tables["seasons"].updated == 1  # told to: it says "in progress" again
    assert again.tables["seasons"].added == 0  # and it removes nothing


def test_failure_half_way_leaves_the_database_as_it_was(
    workspace: storage.Workspace, bundle_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(workspace, bundle_dir)
    before = dump_database(workspace.db_url)
    newer = write_bundle(tmp_path / "newer", reference_date="2025-09-01")
    real_sync = importer.sync_rows

    def crash_on_satellite(conn, table, frame):  # type: ignore[no-untyped-def]
        if table.name == "satellite_observations":
            raise RuntimeError("disk full")
        return real_sync(conn, table, frame)

    monkeypatch.setattr(importer, "sync_rows", crash_on_satellite)
    with pytest.raises(RuntimeError, match="disk full"):
        _import(workspace, newer)
    assert dump_database(workspace.db_url) == before  # weather rows written before are gone

    monkeypatch.setattr(importer, "sync_rows", real_sync)
    report = _import(workspace, newer)
    assert report.tables["weather_daily"].added == 92


def test_ids_of_another_cooperative_are_never_rewritten(
    workspace: storage.Workspace, bundle_dir: Path, tmp_path: Path
) -> None:
    _import(workspace, bundle_dir)
    other = tmp_path / "other"
    shutil.copytree(bundle_dir, other)
    manifest = json.loads((other / "bundle.json").read_text())
    manifest["cooperative_id"] = "coop-other"
    (other / "bundle.json").write_text(json.dumps(manifest))
    with pytest.raises(ConflictError, match=r"farm 'farm-a' \(cooperative 'coop-test'\)"):
        _import(workspace, other)


def test_archive_holds_every_file_by_content(
    workspace: storage.Workspace, bundle_dir: Path
) -> None:
    _import(workspace, bundle_dir)
    bundle = read_bundle(bundle_dir)
    for f in bundle.files:
        stored = workspace.archive_dir / f.sha256[:2] / f.sha256
        assert stored.read_bytes() == (bundle_dir / f.path).read_bytes()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    with engine.begin() as conn:
        conn.execute(
            schema.schema_version.insert().values(
                version=schema.SCHEMA_VERSION + 1, applied_at=pd.Timestamp.now(tz="UTC")
            )
        )
    with pytest.raises(storage.WorkspaceError, match="newer than this program's"):
        storage.ensure_schema(engine)
