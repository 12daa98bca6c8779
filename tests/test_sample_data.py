"""The sample cooperative is a valid bundle; importing it twice gives the same database."""

from __future__ import annotations

from pathlib import Path

from pipelines.sources.bundle import read_bundle
from pipelines.store import storage
from pipelines.store.importer import import_bundle
from tests.conftest import SAMPLE_BUNDLE, dump_database


def test_sample_bundle_passes_validation() -> None:
    bundle = read_bundle(SAMPLE_BUNDLE)
    assert 3 <= len(bundle.farms) <= 5
    assert 60 <= len(bundle.fields) <= 120
    assert set(bundle.seasons["crop"]) == {"winter_wheat", "grain_maize"}
    past = bundle.seasons[bundle.seasons["yield_t_ha"].notna()]
    running = bundle.seasons[bundle.seasons["harvest_date"].isna()]
    assert past["season"].nunique() == 8
    assert len(running) == len(bundle.fields)  # every field has a season in progress
    assert running["season"].nunique() == 1
    assert not bundle.satellite.empty and not bundle.devices.empty
    # The sensor logs come in at least two vendor layouts.
    layouts = {Path(f.path).parts[1] for f in bundle.sensor_logs}
    assert len(layouts) >= 2, layouts


def test_sample_bundle_import_is_idempotent(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    bundle = read_bundle(SAMPLE_BUNDLE)
    first = import_bundle(engine, bundle, workspace)
    assert first.tables["satellite_observations"].added == len(bundle.satellite)
    before = dump_database(workspace.db_url)
    second = import_bundle(engine, read_bundle(SAMPLE_BUNDLE), workspace)
    engine.dispose()
    assert not second.changed
    assert dump_database(workspace.db_url) == before
