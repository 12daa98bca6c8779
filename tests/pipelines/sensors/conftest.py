"""Factories for the sensor tests: the documented example logs, their devices, a workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store import schema, storage
from pipelines.store.schema import sensor_quarantine, sensor_readings, sensor_uploads

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "docs" / "examples" / "sensors"
SAMPLE_SENSORS = REPO / "sample_data" / "demo" / "sensors"
DEVICE_HEADER = "device_id,port,field_id,depth_cm,sensor_model,timezone,installed_date,removed_date"


@pytest.fixture
def example_devices() -> pd.DataFrame:
    """The device registry that goes with docs/examples/sensors (as an upload form sends it)."""
    return pd.read_csv(EXAMPLES / "devices.csv", dtype=str, keep_default_na=False)


def devices_frame(*rows: str) -> pd.DataFrame:
    """A registry from devices.csv lines, e.g. "dev-1,1,A2,10,TEROS 12,UTC,2024-05-01,"."""
    lines = [DEVICE_HEADER, *rows]
    return pd.DataFrame(
        [line.split(",") for line in lines[1:]], columns=lines[0].split(","), dtype=str
    )


@pytest.fixture
def sqlite_workspace(tmp_path: Path) -> Iterator[tuple[Engine, storage.Workspace]]:
    """A fresh SQLite workspace and its engine."""
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    yield engine, workspace
    engine.dispose()


def readings(engine: Engine, with_upload: bool = False) -> list[tuple]:
    """Every stored reading, sorted; without the upload id unless asked."""
    table = sensor_readings
    columns = [c for c in table.columns if with_upload or c.name != "upload_id"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
    return [tuple(r) for r in rows]


def quarantine(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                sensor_quarantine.c.line,
                sensor_quarantine.c.column_name,
                sensor_quarantine.c.reason,
                sensor_quarantine.c.raw,
            ).order_by(sensor_quarantine.c.quarantine_id)
        ).all()
    return [tuple(r) for r in rows]


def uploads(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sensor_uploads).order_by(sensor_uploads.c.upload_id))
        return [dict(r) for r in rows.mappings()]


def add_example_fields(root: Path) -> Path:
    """The workspace at `root` with the fields docs/examples/sensors/devices.csv names (and
    their cooperative, farm and station), so `agri sensors ingest --devices` accepts that
    registry; returns `root`."""
    engine = storage.open_workspace(storage.Workspace(root))
    try:
        with engine.begin() as conn:
            if conn.execute(sa.select(sa.func.count()).select_from(schema.fields)).scalar():
                return root
            conn.execute(
                sa.insert(schema.cooperatives).values(
                    cooperative_id="coop-examples",
                    cooperative_name="Examples",
                    timezone="Europe/Amsterdam",
                )
            )
            conn.execute(
                sa.insert(schema.farms).values(
                    farm_id="farm-examples", cooperative_id="coop-examples", farm_name="Examples"
                )
            )
            conn.execute(
                sa.insert(schema.stations).values(
                    station_id="wx-examples", lat=51.95, lon=5.6, elevation_m=8.0
                )
            )
            field_ids = sorted(set(pd.read_csv(EXAMPLES / "devices.csv")["field_id"]))
            conn.execute(
                sa.insert(schema.fields),
                [
                    {
                        "field_id": field_id,
                        "farm_id": "farm-examples",
                        "field_name": field_id,
                        "area_ha": 5.0,
                        "station_id": "wx-examples",
                        "irrigated": False,
                        "sand_pct": 30.0,
                        "clay_pct": 20.0,
                        "soc_pct": 1.8,
                        "field_capacity_m3_m3": 0.33,
                        "wilting_point_m3_m3": 0.15,
                        "root_depth_max_cm": 100.0,
                        "boundary_geojson": "{}",
                    }
                    for field_id in field_ids
                ],
            )
    finally:
        engine.dispose()
    return root
