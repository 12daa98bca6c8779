"""Invariants of ingestion: idempotent, split-invariant, unit-invariant."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from pipelines.sources.sensors import IngestReport, ingest_file
from pipelines.sources.sensors.units import VARIABLES, from_canonical, to_canonical
from pipelines.store import storage
from tests.pipelines.sensors.conftest import devices_frame, quarantine, readings

REGISTRY = devices_frame(
    "dev-1,1,A2,10,TEROS 12,UTC,2024-05-01,2024-09-30",
    "dev-1,2,A2,30,TEROS 12,UTC,2024-05-01,2024-09-30",
    "dev-1,1,A2,10,TEROS 12,UTC,2024-10-01,",
)
HEADER = "device_id,port,depth_cm,variable,ts,value,unit"
START = pd.Timestamp("2024-09-25T00:00Z")  # the log runs across a re-installation
BAD_ROWS = [
    "dev-1,7,,vwc_m3_m3,2024-09-26T00:00:00Z,0.2,m3/m3",  # unknown port
    "dev-1,1,,vwc_m3_m3,not a time,0.2,m3/m3",
    "dev-1,2,,vwc_m3_m3,2024-09-26T00:00:00Z,1.9,m3/m3",  # impossible
    "dev-1,1,,soil_temp_degc,2024-09-26T00:00:00Z,,degC",  # empty value
]


@st.composite
def sensor_logs(draw: st.DrawFn) -> list[str]:
    """Rows of a long-format log: two probes, gaps, spikes, stuck runs, steps, bad rows."""
    n = draw(st.integers(2, 70))
    steps = draw(st.lists(st.sampled_from([1, 1, 1, 2, 3, 9]), min_size=n, max_size=n))
    hours = np.cumsum(steps)
    rows = []
    for port in (1, 2):
        runs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from([0.20, 0.21, 0.26, 0.30, 0.0, 0.8, 0.25]),
                    st.integers(1, 30),
                ),
                min_size=1,
                max_size=12,
            )
        )
        values = [v for v, length in runs for _ in range(length)]
        values = (values * (n // len(values) + 1))[:n]
        for h, v in zip(hours.tolist(), values, strict=True):
            ts = (START + pd.Timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append(f"dev-1,{port},,vwc_m3_m3,{ts},{v},m3/m3")
            if port == 1:
                rows.append(f"dev-1,{port},,soil_temp_degc,{ts},{10 + 40 * v:.1f},degC")
    rows += draw(st.lists(st.sampled_from(BAD_ROWS), max_size=3, unique=True))
    order = draw(st.permutations(range(len(rows))))
    return [rows[i] for i in order]


@contextmanager
def _workspace() -> Iterator[tuple[Engine, storage.Workspace, Path]]:
    with tempfile.TemporaryDirectory() as folder:
        workspace = storage.Workspace(Path(folder) / "ws")
        engine = storage.open_workspace(workspace)
        try:
            yield engine, workspace, Path(folder)
        finally:
            engine.dispose()


def _send(
    engine: Engine, workspace: storage.Workspace, folder: Path, rows: list[str], name: str
) -> IngestReport:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return ingest_file(engine, workspace, path, uploaded_by="prop", devices=REGISTRY)


@settings(max_examples=25, deadline=None)
@given(sensor_logs())
def test_ingesting_a_file_twice_equals_ingesting_it_once(rows: list[str]) -> None:
    with _workspace() as (engine, workspace, folder):
        first = _send(engine, workspace, folder, rows, "log.csv")
        once = readings(engine, with_upload=True)
        second = _send(engine, workspace, folder, rows, "log.csv")
        assert readings(engine, with_upload=True) == once
        assert second.accepted == 0
        assert second.duplicate == first.accepted + first.duplicate
        assert second.rejected == first.rejected


@settings(max_examples=25, deadline=None)
@given(sensor_logs(), st.data())
def test_splitting_a_file_into_two_uploads_equals_one_upload(
    rows: list[str], data: st.DataObject
) -> None:
    part = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    first = [r for r, a in zip(rows, part, strict=True) if a]
    second = [r for r, a in zip(rows, part, strict=True) if not a]
    with _workspace() as (engine, workspace, folder):
        whole = _send(engine, workspace, folder, rows, "whole.csv")
        expected = readings(engine)
        reasons = sorted(r[2] for r in quarantine(engine))
    with _workspace() as (engine, workspace, folder):
        a = _send(engine, workspace, folder, first, "a.csv") if first else None
        b = _send(engine, workspace, folder, second, "b.csv") if second else None
        assert readings(engine) == expected  # same readings, same QC flags
        assert sorted(r[2] for r in quarantine(engine)) == reasons
        accepted = sum(r.accepted for r in (a, b) if r is not None and r.ok)
        assert accepted == whole.accepted


@pytest.mark.parametrize(
    ("variable", "unit"),
    [(name, u.label) for name, spec in VARIABLES.items() for u in spec.units],
)
def test_unit_conversion_round_trips(variable: str, unit: str) -> None:
    spec = VARIABLES[variable]
    found = spec.unit(unit)
    assert found is not None
    lo, hi = spec.physical
    values = np.linspace(lo, hi, 101)
    assert from_canonical(to_canonical(values, found), found) == pytest.approx(values, abs=1e-9)
    assert to_canonical(from_canonical(values, found), found) == pytest.approx(values, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-20, 45, allow_nan=False), min_size=1, max_size=20),
    st.lists(st.floats(0, 60, allow_nan=False), min_size=1, max_size=20),
)
def test_a_log_in_us_units_stores_what_the_same_log_in_si_units_stores(
    temps_degc: list[float], rain_mm: list[float]
) -> None:
    registry = devices_frame("ws-1,0,A2,0,Vantage Pro2,UTC,2024-01-01,")

    def log(us: bool) -> str:
        lines = ["device_id,port,variable,ts,value,unit"]
        for i, t in enumerate(temps_degc):
            value, unit = (t * 9 / 5 + 32, "degF") if us else (t, "degC")
            lines.append(f"ws-1,0,air_temp_degc,2024-05-01T{i:02d}:00:00Z,{value!r},{unit}")
        for i, r in enumerate(rain_mm):
            value, unit = (r / 25.4, "in") if us else (r, "mm")
            lines.append(f"ws-1,0,precip_mm,2024-05-01T{i:02d}:00:00Z,{value!r},{unit}")
        return "\n".join(lines) + "\n"

    stored = []
    for us in (False, True):
        with _workspace() as (engine, workspace, folder):
            path = folder / "log.csv"
            path.write_text(log(us))
            ingest_file(engine, workspace, path, uploaded_by="prop", devices=registry)
            stored.append(readings(engine))
    si, us_units = stored
    assert [r[:4] for r in si] == [r[:4] for r in us_units]
    assert [r[4] for r in us_units] == pytest.approx([r[4] for r in si], abs=1e-9)
    assert [r[8] for r in si] == [r[8] for r in us_units]  # same flags
