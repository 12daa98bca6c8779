"""Logger clocks: local time to UTC across daylight-saving changes, offsets in ISO timestamps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from pipelines.sources.sensors import ingest_file
from pipelines.sources.sensors.localtime import AMBIGUOUS, NONEXISTENT, OK, local_to_utc
from pipelines.store import storage
from tests.pipelines.sensors.conftest import devices_frame, quarantine, readings

Workspace = tuple[Engine, storage.Workspace]
ZONE = "Europe/Amsterdam"


def _wall(*times: str) -> np.ndarray:
    return pd.to_datetime(list(times)).to_numpy(dtype="datetime64[s]").astype(np.int64)


def _utc(seconds: np.ndarray) -> list[str]:
    return [str(t)[:16] for t in seconds.astype("datetime64[s]")]


def test_an_hour_written_twice_in_autumn_is_daylight_then_standard_time() -> None:
    result = local_to_utc(
        _wall("2025-10-26 01:00", "2025-10-26 02:00", "2025-10-26 02:00", "2025-10-26 03:00"),
        ZONE,
    )
    assert list(result.status) == [OK] * 4
    assert _utc(result.utc) == [
        "2025-10-25T23:00",
        "2025-10-26T00:00",
        "2025-10-26T01:00",
        "2025-10-26T02:00",
    ]


def test_a_repeated_time_written_once_is_placed_by_its_neighbours() -> None:
    # 02:15 and 02:45 (daylight), then the clock goes back: 02:15 again, then 02:30 (standard).
    result = local_to_utc(
        _wall("2025-10-26 02:15", "2025-10-26 02:45", "2025-10-26 02:15", "2025-10-26 02:30"),
        ZONE,
    )
    assert list(result.status) == [OK] * 4
    assert _utc(result.utc) == [
        "2025-10-26T00:15",
        "2025-10-26T00:45",
        "2025-10-26T01:15",
        "2025-10-26T01:30",
    ]


def test_a_lone_repeated_time_cannot_be_placed() -> None:
    result = local_to_utc(_wall("2025-10-26 01:00", "2025-10-26 02:30", "2025-10-26 04:00"), ZONE)
    assert list(result.status) == [OK, AMBIGUOUS, OK]


def test_a_time_skipped_by_the_spring_change_does_not_exist() -> None:
    result = local_to_utc(_wall("2025-03-30 01:00", "2025-03-30 02:00", "2025-03-30 03:00"), ZONE)
    assert list(result.status) == [OK, NONEXISTENT, OK]
    assert _utc(result.utc)[2] == "2025-03-30T01:00"  # 03:00 CEST


def _spring_log() -> str:
    # A logger whose clock stays on winter time writes 02:00 on the night clocks jump forward.
    lines = ["device_id,port,variable,ts,value"]
    for hour in range(6):
        lines.append(f"dev-1,1,vwc_m3_m3,2025-03-30 {hour:02d}:00:00,{0.30 + hour / 1000:.3f}")
    return "\n".join(lines) + "\n"


def test_a_logger_not_following_daylight_saving_is_told_to_use_a_fixed_zone(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    engine, workspace = sqlite_workspace
    path = tmp_path / "spring.csv"
    path.write_text(_spring_log())
    amsterdam = devices_frame(f"dev-1,1,A2,10,TEROS 12,{ZONE},2025-01-01,")
    report = ingest_file(engine, workspace, path, uploaded_by="t", devices=amsterdam)
    assert (report.accepted, report.rejected) == (5, 1)
    [(line, _, reason, _)] = quarantine(engine)
    assert line == 4
    assert "local time 2025-03-30 02:00:00 does not exist in Europe/Amsterdam" in reason
    assert "set its clock to UTC+01:00" in reason
    assert "reprocess --device dev-1" in reason
    [warning] = report.warnings
    assert "keeps standard time" in warning and "UTC+01:00" in warning


def test_with_a_fixed_offset_zone_every_hour_is_kept(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "fixed")
    engine = storage.open_workspace(workspace)
    path = tmp_path / "spring.csv"
    path.write_text(_spring_log())
    winter_time = devices_frame("dev-1,1,A2,10,TEROS 12,Etc/GMT-1,2025-01-01,")
    report = ingest_file(engine, workspace, path, uploaded_by="t", devices=winter_time)
    assert (report.accepted, report.rejected) == (6, 0)
    assert [str(r[3])[:16] for r in readings(engine)][:2] == [
        "2025-03-29 23:00",
        "2025-03-30 00:00",
    ]
    engine.dispose()


@pytest.mark.parametrize("ts", ["2024-05-01T02:00:00+02:00", "2024-05-01T00:00:00Z"])
def test_iso_offsets_are_instants_whatever_the_logger_zone(
    sqlite_workspace: Workspace, tmp_path: Path, ts: str
) -> None:
    engine, workspace = sqlite_workspace
    path = tmp_path / "offset.csv"
    path.write_text(f"device_id,port,variable,ts,value\ndev-1,1,vwc_m3_m3,{ts},0.3\n")
    registry = devices_frame(f"dev-1,1,A2,10,TEROS 12,{ZONE},2024-04-01,")
    ingest_file(engine, workspace, path, uploaded_by="t", devices=registry)
    assert str(readings(engine)[0][3]) == "2024-05-01 00:00:00+00:00"
