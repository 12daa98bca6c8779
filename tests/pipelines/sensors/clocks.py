"""Factories for the logger-clock tests: loggers writing wall-clock time, fields to put them in."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.sources.bundle import read_bundle
from pipelines.store import storage
from pipelines.store.importer import import_bundle
from pipelines.store.schema import sensor_devices, sensor_quarantine, sensor_readings
from tests.conftest import write_bundle

ZONE = "Europe/Amsterdam"  # the cooperative's zone in tests.conftest.write_bundle


def wall_times(start_utc: str, end_utc: str, freq: str, clock: str) -> list[str]:
    """What a logger on `clock` writes for every `freq` instant from `start_utc` to `end_utc`
    (an IANA zone: it follows daylight saving; Etc/GMT-1: it keeps UTC+1 all year)."""
    instants = pd.date_range(start_utc, end_utc, freq=freq, tz="UTC")
    return list(instants.tz_convert(clock).strftime("%Y-%m-%d %H:%M:%S"))


def wall_seconds(times: list[str]) -> np.ndarray:
    return pd.to_datetime(times).to_numpy(dtype="datetime64[s]").astype(np.int64)


def long_log(series: dict[tuple[str, int, str], list[str]]) -> str:
    """A long-format log: every (device, port, variable) with its wall times, values that vary
    (so that quality control finds nothing stuck) and that differ between neighbours."""
    lines = ["device_id,port,variable,ts,value"]
    for (device, port, variable), times in series.items():
        for i, ts in enumerate(times):
            if variable == "vwc_m3_m3":
                value = 0.25 + 0.05 * math.sin(i / 40) + 0.0001 * (i % 7)
            else:
                value = 12 + 4 * math.sin(i / 30) + 0.01 * (i % 5)
            lines.append(f"{device},{port},{variable},{ts},{value:.4f}")
    return "\n".join(lines) + "\n"


def workspace_with_fields(root: Path, workspace: storage.Workspace) -> Engine:
    """The workspace of `workspace` with the test bundle imported: fields A1, A2 and B1 of a
    cooperative in Europe/Amsterdam."""
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(write_bundle(root / "bundle")), workspace)
    return engine


def register(
    engine: Engine,
    device: str,
    port: int,
    field: str,
    depth_cm: float,
    clock: str,
    installed: str,
    removed: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sensor_devices.insert().values(
                device_id=device,
                port=port,
                field_id=field,
                depth_cm=depth_cm,
                sensor_model="TEROS 12",
                timezone=clock,
                installed_date=pd.Timestamp(installed).date(),
                removed_date=None if removed is None else pd.Timestamp(removed).date(),
            )
        )


def set_clock(engine: Engine, device: str, clock: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sensor_devices.update()
            .where(sensor_devices.c.device_id == device)
            .values(timezone=clock)
        )


def device_readings(engine: Engine, device: str) -> pd.DataFrame:
    r = sensor_readings.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                r.port,
                r.variable,
                r.ts,
                r.value,
                r.field_id,
                r.depth_cm,
                r.installed_date,
                r.qc_flags,
                r.upload_id,
            )
            .where(r.device_id == device)
            .order_by(r.port, r.variable, r.ts)
        ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "port",
            "variable",
            "ts",
            "value",
            "field_id",
            "depth_cm",
            "installed_date",
            "qc_flags",
            "upload_id",
        ],
    )
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def quarantined(engine: Engine) -> pd.DataFrame:
    q = sensor_quarantine.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(q.upload_id, q.line, q.column_name, q.reason, q.raw).order_by(
                q.upload_id, q.line
            )
        ).all()
    return pd.DataFrame(rows, columns=["upload_id", "line", "column", "reason", "raw"])
