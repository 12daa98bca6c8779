"""Factories for the sensor tests: the documented example logs, their devices, a workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store import storage
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
