"""Storage that loses nothing: archive, upload log, atomic uploads, concurrency, PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.sources.bundle import read_bundle
from pipelines.sources.sensors import ingest_bundle_sensors, ingest_file
from pipelines.sources.sensors.qc import FLAG_TEXT, GAP, SPIKE
from pipelines.sources.sensors.store import flag_mask_sql, insert_new_readings, lock_for_upload
from pipelines.store import storage
from pipelines.store.schema import sensor_readings
from tests.conftest import dump_database
from tests.pipelines.sensors.conftest import (
    EXAMPLES,
    SAMPLE_SENSORS,
    devices_frame,
    quarantine,
    readings,
    uploads,
)

EXAMPLE_LOGS = [
    ("zentra_z6-10234.csv", None, 126),
    ("long_sm-40264.csv", None, 48),
    ("wide_dl-7.csv", "wide_dl-7.mapping.csv", 48),
    ("sentek_SK-21044.csv", None, 128),
    ("davis_ws-meent.csv", None, 84),
]


def _example_registry() -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "devices.csv", dtype=str, keep_default_na=False)


def test_every_example_on_sqlite_and_postgresql(workspace: storage.Workspace) -> None:
    engine = storage.open_workspace(workspace)
    registry = _example_registry()
    for name, mapping, expected in EXAMPLE_LOGS:
        report = ingest_file(
            engine,
            workspace,
            EXAMPLES / name,
            uploaded_by="anna",
            devices=registry,
            mapping=EXAMPLES / mapping if mapping else None,
        )
        assert (report.status, report.accepted, report.rejected) == ("ok", expected, 0), name
        archived = workspace.archive_dir / report.file_sha256[:2] / report.file_sha256
        assert archived.read_bytes() == (EXAMPLES / name).read_bytes()
    stored = readings(engine)
    assert len(stored) == sum(e for _, _, e in EXAMPLE_LOGS)
    first = stored[0]
    assert first[3].tzinfo is not None  # ts comes back as an aware UTC datetime
    # Re-sending everything adds nothing and logs each upload.
    for name, mapping, expected in EXAMPLE_LOGS:
        again = ingest_file(
            engine,
            workspace,
            (EXAMPLES / name).read_bytes(),
            file_name=name,
            uploaded_by="ben",
            devices=registry,
            mapping=EXAMPLES / mapping if mapping else None,
        )
        assert (again.accepted, again.duplicate) == (0, expected)
    assert readings(engine) == stored
    log = uploads(engine)
    assert [u["uploaded_by"] for u in log] == ["anna"] * 5 + ["ben"] * 5
    assert log[0]["file_sha256"] == log[5]["file_sha256"]
    assert log[0]["accepted"] == 126 and log[5]["duplicate"] == 126
    engine.dispose()


def test_split_upload_equals_whole_upload_on_both_databases(
    workspace: storage.Workspace, tmp_path: Path
) -> None:
    """The same QC flags whether a log with faults arrives whole or in two overlapping parts."""
    lines = ["device_id,port,variable,ts,value"]
    times = pd.date_range("2024-05-01", periods=96, freq="h", tz="UTC")
    for i, t in enumerate(times):
        value = 0.0 if i == 40 else (0.25 if 50 <= i < 80 else 0.20 + 0.001 * (i % 5))
        if 20 <= i < 30:
            continue  # a 10-hour gap
        lines.append(f"dev-1,1,vwc_m3_m3,{t:%Y-%m-%dT%H:%M:%SZ},{value}")
    registry = pd.DataFrame(
        [["dev-1", "1", "A2", "10", "", "UTC", "2024-04-01", ""]],
        columns=[
            "device_id",
            "port",
            "field_id",
            "depth_cm",
            "sensor_model",
            "timezone",
            "installed_date",
            "removed_date",
        ],
    )
    whole_ws = storage.Workspace(tmp_path / "whole")
    whole = storage.open_workspace(whole_ws)
    (tmp_path / "all.csv").write_text("\n".join(lines) + "\n")
    ingest_file(whole, whole_ws, tmp_path / "all.csv", uploaded_by="t", devices=registry)
    expected = readings(whole)
    whole.dispose()
    assert {r[8] for r in expected} >= {"", "gap", "out_of_range,spike", "flatline"}

    engine = storage.open_workspace(workspace)
    # The late part alone holds 19 hours of the stuck run (not yet a flat line); the early part
    # completes it, so stored readings must be re-flagged.
    (tmp_path / "late.csv").write_text("\n".join(lines[:1] + lines[51:]) + "\n")
    (tmp_path / "early.csv").write_text("\n".join(lines[:60]) + "\n")
    late = ingest_file(engine, workspace, tmp_path / "late.csv", uploaded_by="t", devices=registry)
    early = ingest_file(
        engine, workspace, tmp_path / "early.csv", uploaded_by="t", devices=registry
    )
    assert late.flag_counts.get("flatline") is None
    assert early.duplicate == 9 and early.reflagged == 20
    assert late.accepted + early.accepted == len(lines) - 1
    assert readings(engine) == expected
    engine.dispose()


def test_a_re_upload_across_series_and_installations_on_both_databases(
    workspace: storage.Workspace, tmp_path: Path
) -> None:
    """One upload's duplicates, conflicts and new readings are told apart series by series
    (stored readings are read for all series at once), stored readings are re-flagged where
    the upload changes their neighbourhood, and the result equals the same readings sent
    whole."""
    registry = devices_frame(
        "dev-1,1,A2,10,TEROS 12,UTC,2025-05-01,2025-06-01",
        "dev-1,1,A3,30,TEROS 12,UTC,2025-06-02,",  # re-installed elsewhere: a new installation
        "dev-2,1,A2,10,TEROS 12,UTC,2025-05-01,",
        "dev-3,1,A2,10,TEROS 12,UTC,2025-05-01,",
    )
    start = pd.Timestamp("2025-05-31T00:00Z")  # dev-1's first installation holds two days
    header = "device_id,port,variable,ts,value\n"

    def line(device: str, variable: str, hour: int, changed: bool = False) -> str:
        ts = (start + pd.Timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")
        # dev-1's second installation (from hour 48) reads a deeper, wetter, cooler soil: a
        # step that QC would flag if it looked across installations.
        moved = device == "dev-1" and hour >= 48
        if variable == "vwc_m3_m3":
            value = 0.0 if hour == 60 else round(0.25 + 0.004 * np.sin(hour / 3), 4)
            value += (0.01 if changed else 0) + (0.1 if moved else 0)
        else:
            value = (
                round(14 + 3 * np.sin(hour / 4), 1) + (1 if changed else 0) - (6 if moved else 0)
            )
        return f"{device},1,{variable},{ts},{value}\n"

    series = [("dev-1", "vwc_m3_m3"), ("dev-1", "soil_temp_degc"), ("dev-2", "vwc_m3_m3")]
    conflicts = {("dev-2", "vwc_m3_m3", 45), ("dev-1", "soil_temp_degc", 75)}

    def log(hours: list[int], dev3_hours: list[int], with_conflicts: bool = False) -> str:
        lines = [
            line(d, v, h, with_conflicts and (d, v, h) in conflicts)
            for h in hours
            for d, v in series
        ]
        return header + "".join(lines + [line("dev-3", "vwc_m3_m3", h) for h in dev3_hours])

    # The first upload misses a day in the middle (hours 48-71), and dev-3's first days; the
    # second sends hours 40-80 with two changed values, and dev-3's first days.
    first_hours = list(range(0, 48)) + list(range(72, 96))
    late_days, early_days = list(range(150, 160)), list(range(0, 10))
    whole_ws = storage.Workspace(tmp_path / "whole")
    whole = storage.open_workspace(whole_ws)
    (tmp_path / "all.csv").write_text(log(list(range(96)), early_days + late_days))
    ingest_file(whole, whole_ws, tmp_path / "all.csv", uploaded_by="t", devices=registry)
    expected = readings(whole)
    whole.dispose()

    engine = storage.open_workspace(workspace)
    (tmp_path / "first.csv").write_text(log(first_hours, late_days))
    (tmp_path / "second.csv").write_text(log(list(range(40, 81)), early_days, True))
    first = ingest_file(
        engine, workspace, tmp_path / "first.csv", uploaded_by="t", devices=registry
    )
    # dev-2 starts again after the missing day; dev-1's new installation starts at hour 72.
    assert first.flag_counts["gap"] == 1
    second = ingest_file(
        engine, workspace, tmp_path / "second.csv", uploaded_by="t", devices=registry
    )
    assert second.accepted == 24 * 3 + 10  # the missing day, and dev-3's first days
    assert second.conflicting == second.rejected == 2
    assert second.duplicate == (8 + 9) * 3 - 2
    # dev-2's gap is filled; dev-3's stored first reading now follows a gap of days.
    assert second.reflagged == 2
    assert readings(engine) == expected
    rows = quarantine(engine)
    assert sorted(r[0] for r in rows) == [2 + 5 * 3 + 2, 2 + 35 * 3 + 1]
    assert all("is already stored with the value" in r[2] for r in rows)
    engine.dispose()


def test_stored_flag_texts_read_back_as_their_masks_on_both_databases(
    workspace: storage.Workspace,
) -> None:
    """The database turns every combination of flag names into the bit mask QC works with."""
    engine = storage.open_workspace(workspace)
    sql = f"SELECT {flag_mask_sql(engine.dialect.name)} FROM (SELECT :text AS qc_flags) AS t"
    with engine.connect() as conn:
        masks = [int(conn.execute(sa.text(sql), {"text": text}).scalar_one()) for text in FLAG_TEXT]
    engine.dispose()
    assert masks == list(range(len(FLAG_TEXT)))
    assert FLAG_TEXT[SPIKE | GAP] == "spike,gap"


def test_inserting_readings_skips_keys_already_stored_on_both_databases(
    workspace: storage.Workspace,
) -> None:
    """The write itself never doubles a reading, whatever the checks before it found, and
    keeps any text (a comma or quote in a device or field id) as it was."""
    engine = storage.open_workspace(workspace)
    segments = pd.DataFrame(
        {
            "device_id": ["dev-1", 'dev,"2"'],
            "port": [1, 2],
            "variable": ["vwc_m3_m3", "soil_temp_degc"],
            "depth_cm": [10.0, 30.0],
            "field_id": ["A2", "A,3"],
            "installed_date": [date(2025, 5, 1), date(2025, 5, 2)],
        }
    )
    segment = np.array([0, 0, 0, 1, 1], dtype=np.int64)
    ts = np.array([0, 3600, 7200, 0, 3600], dtype=np.int64) + 1_748_736_000
    value = np.array([0.25, 0.26, 0.27, 14.5, 14.25])
    flags = np.array([0, GAP, 0, 0, SPIKE], dtype=np.uint8)
    with engine.connect() as conn:
        lock_for_upload(conn)
        first = insert_new_readings(
            conn, 1, segments, segment[1:3], ts[1:3], value[1:3], flags[1:3]
        )
        conn.commit()
    with engine.connect() as conn:
        lock_for_upload(conn)
        second = insert_new_readings(conn, 2, segments, segment, ts, value, flags)
        conn.commit()
    stored = readings(engine, with_upload=True)
    engine.dispose()
    assert (first, second) == (2, 3)
    assert [(r[0], r[3].timestamp(), r[4], r[6], r[7], r[8], r[9]) for r in stored] == [
        ('dev,"2"', 1_748_736_000, 14.5, "A,3", date(2025, 5, 2), "", 2),
        ('dev,"2"', 1_748_739_600, 14.25, "A,3", date(2025, 5, 2), "spike", 2),
        ("dev-1", 1_748_736_000, 0.25, "A2", date(2025, 5, 1), "", 2),
        ("dev-1", 1_748_739_600, 0.26, "A2", date(2025, 5, 1), "gap", 1),
        ("dev-1", 1_748_743_200, 0.27, "A2", date(2025, 5, 1), "", 1),
    ]


class _Crash(RuntimeError):
    pass


def test_a_failure_half_way_leaves_the_database_unchanged(
    workspace: storage.Workspace, tmp_path: Path
) -> None:
    engine = storage.open_workspace(workspace)
    registry = _example_registry()
    ingest_file(
        engine, workspace, EXAMPLES / "long_sm-40264.csv", uploaded_by="t", devices=registry
    )
    before = dump_database(workspace.db_url)

    def explode(stage: str, done: int, total: int) -> None:
        if stage == "store":
            raise _Crash("disk full")

    with pytest.raises(_Crash):
        ingest_file(
            engine,
            workspace,
            EXAMPLES / "zentra_z6-10234.csv",
            uploaded_by="t",
            devices=registry,
            progress=explode,
        )
    assert dump_database(workspace.db_url) == before
    # Sending the same file again works.
    again = ingest_file(
        engine, workspace, EXAMPLES / "zentra_z6-10234.csv", uploaded_by="t", devices=registry
    )
    assert again.accepted == 126
    engine.dispose()


def _ingest_in_child(
    root: str, log: str, user: str, crash: bool, barrier: Any | None = None
) -> None:
    """Runs in a separate process: ingest `log` (and die in the middle when `crash`)."""
    workspace = storage.Workspace(Path(root))
    engine = storage.open_workspace(workspace)
    registry = _example_registry()

    def die(stage: str, done: int, total: int) -> None:
        if crash and stage == "store":
            os._exit(17)  # a killed process: no exception handler, no rollback, no cleanup

    if barrier is not None:
        barrier.wait(timeout=60)
    ingest_file(engine, workspace, log, uploaded_by=user, devices=registry, progress=die)
    engine.dispose()


def test_a_process_killed_mid_upload_leaves_sqlite_unchanged(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    ingest_file(
        engine,
        workspace,
        EXAMPLES / "long_sm-40264.csv",
        uploaded_by="t",
        devices=_example_registry(),
    )
    engine.dispose()
    before = dump_database(workspace.db_url)
    context = multiprocessing.get_context("spawn")
    child = context.Process(
        target=_ingest_in_child,
        args=(str(workspace.root), str(EXAMPLES / "zentra_z6-10234.csv"), "killed", True),
    )
    child.start()
    child.join(120)
    assert child.exitcode == 17
    assert dump_database(workspace.db_url) == before


def test_concurrent_uploads_from_two_processes_both_land(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    storage.open_workspace(workspace).dispose()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    jobs = [
        ("zentra_z6-10234.csv", "anna"),
        ("sentek_SK-21044.csv", "ben"),
        ("sentek_SK-21044.csv", "carla"),  # the same file at the same time: stored once
    ]
    children = [
        context.Process(
            target=_ingest_in_child,
            args=(str(workspace.root), str(EXAMPLES / name), user, False, barrier),
        )
        for name, user in jobs
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    assert [c.exitcode for c in children] == [0, 0, 0]
    engine = storage.connect(workspace.db_url)
    log = {u["uploaded_by"]: u for u in uploads(engine)}
    assert set(log) == {"anna", "ben", "carla"}
    assert log["anna"]["accepted"] == 126
    sentek = sorted((log["ben"]["accepted"], log["carla"]["accepted"]))
    assert sentek == [0, 128]
    assert log["ben"]["duplicate"] + log["carla"]["duplicate"] == 128
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(sensor_readings)).scalar()
    assert count == 126 + 128
    engine.dispose()


def test_bundle_sensor_logs_are_ingested_once(bundle_dir: Path, tmp_path: Path) -> None:
    from pipelines.store.importer import import_bundle

    (bundle_dir / "sensors" / "notes.txt").write_text("probe 2 was replaced in July\n")
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    bundle = read_bundle(bundle_dir)
    import_bundle(engine, bundle, workspace)
    reports = {r.file_name: r for r in ingest_bundle_sensors(engine, workspace, bundle)}
    assert (
        reports["sensors/long/dev-1_2024.csv"].status,
        reports["sensors/long/dev-1_2024.csv"].accepted,
    ) == ("ok", 1)
    assert reports["sensors/notes.txt"].status == "rejected"  # logged, with the reason
    before = dump_database(workspace.db_url)
    again = ingest_bundle_sensors(engine, workspace, bundle)
    assert {r.status for r in again} == {"skipped"}
    assert dump_database(workspace.db_url) == before
    engine.dispose()


def test_sample_logs_flag_the_injected_faults(tmp_path: Path) -> None:
    """QC finds the faults the sample generator injected (sample_data/truth/sensor_faults.csv)."""
    truth_path = SAMPLE_SENSORS.parents[1] / "truth" / "sensor_faults.csv"
    logs = ["long/sm-40476_2025.csv", "zentra/z6-10271_2025.csv", "zentra/z6-10345_2025.csv"]
    if not truth_path.exists() or not all((SAMPLE_SENSORS / p).exists() for p in logs):
        pytest.skip("sample_data has not been generated")
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    registry = pd.read_csv(SAMPLE_SENSORS / "devices.csv", dtype=str, keep_default_na=False)
    reports = [
        ingest_file(engine, workspace, SAMPLE_SENSORS / p, uploaded_by="t", devices=registry)
        for p in logs
    ]
    assert all(r.rejected == 0 for r in reports)
    assert any("in percent" in n for n in reports[2].notes)
    with engine.connect() as conn:
        flagged = pd.read_sql(
            sa.select(
                sensor_readings.c.device_id,
                sensor_readings.c.port,
                sensor_readings.c.variable,
                sensor_readings.c.ts,
                sensor_readings.c.qc_flags,
            ).where(sensor_readings.c.qc_flags != ""),
            conn,
        )
    engine.dispose()
    flagged["ts"] = pd.to_datetime(flagged["ts"], utc=True)
    truth = pd.read_csv(truth_path)
    truth = truth[truth["device_id"].isin(["sm-40476", "z6-10271", "z6-10345"])]
    truth = truth[truth["season"].eq(2025)]
    found = []
    for fault in truth.to_dict(orient="records"):
        kind = str(fault["kind"])
        start, end = pd.Timestamp(str(fault["start"])), pd.Timestamp(str(fault["end"]))
        rows = flagged[flagged["device_id"].eq(fault["device_id"])]
        if kind == "percent_units":
            found.append(kind)  # converted, see the note above
            continue
        if kind == "gap":  # the first reading after the hole carries the flag
            hit = rows["ts"].gt(end) & rows["ts"].le(end + pd.Timedelta("1D"))
        else:
            rows = rows[rows["port"].eq(int(float(str(fault["port"]))))]
            if kind == "offset":  # the reading where the shift starts carries the flag
                hit = rows["ts"].between(start - pd.Timedelta("6h"), start)
            else:
                hit = rows["ts"].between(start, end)
        if (hit & rows["qc_flags"].str.contains(kind)).any():
            found.append(kind)
    assert sorted(found) == sorted(truth["kind"])


def test_sending_a_later_part_first_flags_the_gap_once_the_earlier_part_arrives(
    tmp_path: Path,
) -> None:
    """Days apart: the later part's first reading only starts after a gap once history exists."""
    registry = _example_registry()
    header = "device_id,port,variable,ts,value\n"

    def part(day: int) -> str:
        times = pd.date_range(f"2025-06-{day:02d}", periods=24, freq="h", tz="UTC")
        return "".join(
            f"sm-40264,1,vwc_m3_m3,{t:%Y-%m-%dT%H:%M:%SZ},{0.2 + 0.001 * (i % 4)}\n"
            for i, t in enumerate(times)
        )

    whole_ws = storage.Workspace(tmp_path / "whole")
    whole = storage.open_workspace(whole_ws)
    (tmp_path / "all.csv").write_text(header + part(1) + part(10))
    ingest_file(whole, whole_ws, tmp_path / "all.csv", uploaded_by="t", devices=registry)
    expected = readings(whole)
    whole.dispose()
    assert [r[8] for r in expected].count("gap") == 1

    workspace = storage.Workspace(tmp_path / "parts")
    engine = storage.open_workspace(workspace)
    (tmp_path / "late.csv").write_text(header + part(10))
    (tmp_path / "early.csv").write_text(header + part(1))
    late = ingest_file(engine, workspace, tmp_path / "late.csv", uploaded_by="t", devices=registry)
    early = ingest_file(
        engine, workspace, tmp_path / "early.csv", uploaded_by="t", devices=registry
    )
    assert late.flagged == 0 and early.reflagged == 1
    assert readings(engine) == expected
    engine.dispose()
