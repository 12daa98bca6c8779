"""`reprocess_device`: a device's readings derived again from its archived uploads after its
registry entry changed, on SQLite and PostgreSQL. Nothing lost, nothing doubled, other devices
untouched, the upload log records it, and a second run changes nothing."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agri_app.cli_sensors import sensors_app
from pipelines.sources.sensors import ingest_file
from pipelines.sources.sensors.reprocess import reprocess_device
from pipelines.store import storage
from pipelines.store.schema import sensor_devices, sensor_readings, sensor_uploads
from pipelines.tables import InputError
from tests.conftest import dump_database
from tests.pipelines.sensors.clocks import (
    ZONE,
    device_readings,
    long_log,
    quarantined,
    register,
    set_clock,
    wall_times,
    workspace_with_fields,
)
from tests.pipelines.sensors.conftest import EXAMPLES, uploads

# The issue's logger: kept on standard time (UTC+1) all year, every 15 minutes from ten days
# before the spring change to forty days after it.
START, END = "2026-03-19 00:00", "2026-05-08 23:45"
STANDARD = wall_times(START, END, "15min", "Etc/GMT-1")
# A second logger in the same files, registered in UTC and never changed.
OTHER = wall_times(START, END, "h", "UTC")


def _issue_log(tmp_path: Path) -> Path:
    path = tmp_path / "coop-export.csv"
    path.write_text(
        long_log(
            {
                ("lg-7", 1, "vwc_m3_m3"): STANDARD,
                ("lg-7", 1, "soil_temp_degc"): STANDARD,
                ("st-2", 1, "vwc_m3_m3"): OTHER,
            }
        )
    )
    return path


def _snapshot(engine: Engine, workspace: storage.Workspace) -> dict[str, list[tuple]]:
    return dump_database(workspace.db_url)


def _expected_utc() -> pd.DatetimeIndex:
    """Where the readings belong: the logger's wall times read as UTC+1."""
    return pd.DatetimeIndex(pd.to_datetime(STANDARD)).tz_localize("Etc/GMT-1").tz_convert("UTC")


def test_a_standard_time_logger_read_with_its_zone_is_repaired_by_reprocess(
    workspace: storage.Workspace, tmp_path: Path
) -> None:
    engine = workspace_with_fields(tmp_path, workspace)
    register(engine, "lg-7", 1, "A1", 10, ZONE, "2026-03-01")
    register(engine, "st-2", 1, "B1", 20, "UTC", "2026-03-01")
    log = _issue_log(tmp_path)
    per_series = len(STANDARD)

    # 1. Read with the device's IANA zone: "ok", but an hour quarantined and a warning.
    first = ingest_file(engine, workspace, log, uploaded_by="anna")
    assert first.status == "ok"
    assert first.rejected == 2 * 4  # 02:00-02:45 of 29 March do not exist, in both variables
    [warning] = first.warnings
    assert "timestamps run straight through the 2026-03-29 daylight-saving change" in warning
    assert "set its clock to UTC+01:00" in warning
    assert "agri sensors reprocess --device lg-7" in warning
    shifted = device_readings(engine, "lg-7")
    assert len(shifted) == 2 * (per_series - 4)
    # Written 12:00 on 15 April (11:00 UTC): stored an hour early.
    vwc = shifted[shifted["variable"] == "vwc_m3_m3"].set_index("ts")["value"]
    assert pd.Timestamp("2026-04-15 10:00", tz="UTC") in vwc.index
    other_before = device_readings(engine, "st-2")

    # 2. The registry corrected and the file sent again: no repair (the issue's report).
    set_clock(engine, "lg-7", "UTC+01:00")
    again = ingest_file(engine, workspace, log, uploaded_by="anna")
    assert again.accepted == 2 * 4 and again.conflicting > 0
    assert again.warnings == ()

    # 3. Reprocess: every reading at its instant, the hour accepted, nothing lost or doubled.
    before_log = len(uploads(engine))
    report = reprocess_device(engine, workspace, "lg-7", by="anna")
    assert report.changed
    assert [u.upload_id for u in report.uploads] == [first.upload_id, again.upload_id]
    for redone in report.uploads:
        assert redone.readings == 2 * per_series
        assert redone.accepted + redone.duplicate + redone.quarantined == redone.readings
    assert (report.uploads[0].accepted, report.uploads[0].quarantined) == (2 * per_series, 0)
    assert (report.uploads[1].duplicate, report.uploads[1].quarantined) == (2 * per_series, 0)
    assert (report.readings_before, report.readings_after) == (
        2 * (per_series - 4) + 2 * 4,
        2 * per_series,
    )
    assert report.quarantined_after == 0 and report.quarantined_before > 8
    assert report.warnings == ()

    repaired = device_readings(engine, "lg-7")
    for variable in ("vwc_m3_m3", "soil_temp_degc"):
        series = repaired[repaired["variable"] == variable]
        assert list(series["ts"]) == list(_expected_utc())
    vwc = repaired[repaired["variable"] == "vwc_m3_m3"].set_index("ts")
    # Written 02:00 on 29 March (quarantined before): 01:00 UTC, the instant of the change.
    assert pd.Timestamp("2026-03-29 01:00", tz="UTC") in vwc.index
    assert pd.Timestamp("2026-04-15 11:00", tz="UTC") in vwc.index
    assert set(repaired["upload_id"]) == {first.upload_id}  # the file they came from
    assert set(repaired["field_id"]) == {"A1"}
    # The other logger of the same files is untouched, and so are its quarantine rows (none).
    pd.testing.assert_frame_equal(device_readings(engine, "st-2"), other_before)
    rows = quarantined(engine)
    assert not rows["reason"].str.contains("lg-7|does not exist|already stored").any()

    # The upload log records it.
    log_rows = uploads(engine)
    assert len(log_rows) == before_log + 1
    entry = log_rows[-1]
    assert (entry["upload_id"], entry["format"], entry["status"]) == (
        report.upload_id,
        "reprocess",
        "ok",
    )
    assert (entry["uploaded_by"], entry["accepted"], entry["rejected"]) == (
        "anna",
        2 * per_series,
        0,
    )
    stored = json.loads(entry["report_json"])
    assert (stored["readings_before"], stored["readings_after"]) == (
        report.readings_before,
        report.readings_after,
    )
    assert "reprocess of device 'lg-7' by anna" in entry["message"]

    # 4. A second run changes nothing at all, and says so.
    before = _snapshot(engine, workspace)
    second = reprocess_device(engine, workspace, "lg-7", by="ben")
    assert (second.changed, second.upload_id) == (False, None)
    assert (second.readings_before, second.readings_after) == (2 * per_series, 2 * per_series)
    assert second.unchanged == 2 * per_series and second.added == second.removed == 0
    assert _snapshot(engine, workspace) == before
    engine.dispose()


def test_a_daylight_saving_logger_read_as_a_fixed_offset_is_repaired(
    workspace: storage.Workspace, tmp_path: Path
) -> None:
    engine = workspace_with_fields(tmp_path, workspace)
    register(engine, "lg-3", 2, "A2", 30, "UTC+01:00", "2026-09-01")
    following = wall_times("2026-10-18", "2026-11-01", "10min", ZONE)
    log = tmp_path / "lg-3.csv"
    log.write_text(long_log({("lg-3", 2, "vwc_m3_m3"): following}))
    first = ingest_file(engine, workspace, log, uploaded_by="anna")
    [warning] = first.warnings
    assert "timestamps repeat an hour at the 2026-10-25 daylight-saving change" in warning
    assert "set its clock to Europe/Amsterdam" in warning
    assert first.rejected == 6  # the repeated hour's second pass, at 10-minute steps

    set_clock(engine, "lg-3", ZONE)
    report = reprocess_device(engine, workspace, "lg-3", by="anna")
    assert (report.readings_after, report.quarantined_after) == (len(following), 0)
    stored = device_readings(engine, "lg-3")
    expected = pd.date_range("2026-10-18", "2026-11-01", freq="10min", tz="UTC")
    assert list(stored["ts"]) == list(expected)
    assert reprocess_device(engine, workspace, "lg-3", by="anna").changed is False
    engine.dispose()


def test_changed_installation_dates_reassign_readings(
    workspace: storage.Workspace, tmp_path: Path
) -> None:
    engine = workspace_with_fields(tmp_path, workspace)
    # Registered as installed on 5 April: the first four days are "not installed".
    register(engine, "lg-5", 1, "A1", 10, "UTC", "2026-04-05")
    times = wall_times("2026-04-01", "2026-04-20 23:00", "h", "UTC")
    log = tmp_path / "lg-5.csv"
    log.write_text(long_log({("lg-5", 1, "vwc_m3_m3"): times}))
    first = ingest_file(engine, workspace, log, uploaded_by="anna")
    assert (first.accepted, first.rejected) == (16 * 24, 4 * 24)
    assert quarantined(engine)["reason"].str.contains("is not installed").all()

    # The real history: in A1 from 1 March to 10 April, then moved to A2 at 40 cm.
    with engine.begin() as conn:
        conn.execute(sa.delete(sensor_devices).where(sensor_devices.c.device_id == "lg-5"))
    register(engine, "lg-5", 1, "A1", 10, "UTC", "2026-03-01", "2026-04-10")
    register(engine, "lg-5", 1, "A2", 40, "UTC", "2026-04-11")
    report = reprocess_device(engine, workspace, "lg-5", by="anna")
    assert (report.readings_before, report.readings_after) == (16 * 24, 20 * 24)
    assert (report.quarantined_before, report.quarantined_after) == (4 * 24, 0)
    stored = device_readings(engine, "lg-5")
    first_part = stored["ts"] < pd.Timestamp("2026-04-11", tz="UTC")
    assert set(stored.loc[first_part, "field_id"]) == {"A1"}
    assert set(stored.loc[first_part, "installed_date"].astype(str)) == {"2026-03-01"}
    assert set(stored.loc[~first_part, "field_id"]) == {"A2"}
    assert set(stored.loc[~first_part, "depth_cm"]) == {40.0}
    assert first_part.sum() == 10 * 24
    assert quarantined(engine).empty
    engine.dispose()


def test_a_wide_upload_is_read_again_with_its_archived_mapping(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = workspace_with_fields(tmp_path, workspace)
    register(engine, "dl-7", 1, "A1", 15, ZONE, "2025-04-01")
    register(engine, "dl-7", 2, "A1", 45, ZONE, "2025-04-01")
    first = ingest_file(
        engine,
        workspace,
        EXAMPLES / "wide_dl-7.csv",
        mapping=EXAMPLES / "wide_dl-7.mapping.csv",
        uploaded_by="anna",
    )
    assert first.accepted == 48 and first.mapping_sha256 is not None
    set_clock(engine, "dl-7", "UTC+01:00")
    report = reprocess_device(engine, workspace, "dl-7", by="anna")
    assert report.changed and report.readings_after == 48
    shift = device_readings(engine, "dl-7")["ts"].min()
    assert str(shift) == "2025-06-30 23:00:00+00:00"  # 2025-07-01 00:00 on the logger, UTC+1

    # An upload from before mappings were archived cannot be read again: refused, with the fix,
    # and nothing changes.
    with engine.begin() as conn:
        report_json = json.loads(
            conn.execute(
                sa.select(sensor_uploads.c.report_json).where(
                    sensor_uploads.c.upload_id == first.upload_id
                )
            ).scalar_one()
        )
        del report_json["mapping_sha256"]
        conn.execute(
            sensor_uploads.update()
            .where(sensor_uploads.c.upload_id == first.upload_id)
            .values(report_json=json.dumps(report_json))
        )
    set_clock(engine, "dl-7", ZONE)
    before = dump_database(workspace.db_url)
    with pytest.raises(InputError, match="--mapping MAPPING"):
        reprocess_device(engine, workspace, "dl-7", by="anna")
    assert dump_database(workspace.db_url) == before
    engine.dispose()


def test_a_missing_archived_file_refuses_the_reprocess_and_changes_nothing(
    tmp_path: Path,
) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = workspace_with_fields(tmp_path, workspace)
    register(engine, "lg-7", 1, "A1", 10, ZONE, "2026-03-01")
    register(engine, "st-2", 1, "B1", 20, "UTC", "2026-03-01")
    report = ingest_file(engine, workspace, _issue_log(tmp_path), uploaded_by="anna")
    (workspace.archive_dir / report.file_sha256[:2] / report.file_sha256).unlink()
    set_clock(engine, "lg-7", "UTC+01:00")
    before = dump_database(workspace.db_url)
    with pytest.raises(InputError, match="archived copy .* is missing; put the file back"):
        reprocess_device(engine, workspace, "lg-7", by="anna")
    assert dump_database(workspace.db_url) == before
    with pytest.raises(InputError, match="no upload holds readings of device 'nope'"):
        reprocess_device(engine, workspace, "nope", by="anna")
    # A stored reading its archived file does not give again would be lost: refused.
    (workspace.archive_dir / report.file_sha256[:2]).mkdir(exist_ok=True)
    _issue_log(tmp_path).rename(workspace.archive_dir / report.file_sha256[:2] / report.file_sha256)
    with engine.begin() as conn:
        conn.execute(
            sensor_readings.insert().values(
                device_id="lg-7",
                port=2,
                variable="vwc_m3_m3",
                ts=pd.Timestamp("2026-06-01", tz="UTC").to_pydatetime(),
                value=0.3,
                depth_cm=10,
                field_id="A1",
                installed_date=pd.Timestamp("2026-03-01").date(),
                qc_flags="",
                upload_id=report.upload_id,
            )
        )
    before = dump_database(workspace.db_url)
    with pytest.raises(
        InputError,
        match="holds 1 readings of vwc_m3_m3 of device 'lg-7' port 2, but its archived file gives",
    ):
        reprocess_device(engine, workspace, "lg-7", by="anna")
    assert dump_database(workspace.db_url) == before
    # A device registered but never uploaded: nothing to do, and nothing written.
    register(engine, "lg-new", 1, "A2", 10, ZONE, "2026-03-01")
    idle = reprocess_device(engine, workspace, "lg-new", by="anna")
    assert (idle.changed, idle.uploads, idle.upload_id) == (False, (), None)
    assert idle.notes == ("no upload has touched device 'lg-new' yet: nothing to derive again",)
    assert dump_database(workspace.db_url)["sensor_uploads"] == before["sensor_uploads"]
    engine.dispose()


def test_an_older_upload_made_with_the_device_option_is_read_as_that_device(
    tmp_path: Path,
) -> None:
    """Uploads from before the --device option was recorded: a file that does not name the
    device can only have had its readings stored under it by the option."""
    workspace = storage.Workspace(tmp_path / "ws")
    engine = workspace_with_fields(tmp_path, workspace)
    for port, depth in ((1, 10), (2, 30), (3, 60)):
        register(engine, "probe-a", port, "A1", depth, ZONE, "2025-05-14")
    first = ingest_file(
        engine, workspace, EXAMPLES / "zentra_z6-10234.csv", device_id="probe-a", uploaded_by="a"
    )
    assert first.accepted == 126 and first.device_option == "probe-a"
    with engine.begin() as conn:
        stored = json.loads(conn.execute(sa.select(sensor_uploads.c.report_json)).scalar_one())
        del stored["device_option"], stored["file_devices"]
        conn.execute(sensor_uploads.update().values(report_json=json.dumps(stored)))
    # The probes were in A2, not A1.
    with engine.begin() as conn:
        conn.execute(sensor_devices.update().values(field_id="A2"))
    report = reprocess_device(engine, workspace, "probe-a", by="anna")
    assert report.readings_after == 126 and report.quarantined_after == 0
    assert set(device_readings(engine, "probe-a")["field_id"]) == {"A2"}
    assert any("predates recording the --device option" in note for note in report.notes)
    engine.dispose()


def test_the_command_reprocesses_logs_and_refreshes_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = workspace_with_fields(tmp_path, workspace)
    register(engine, "lg-7", 1, "A1", 10, ZONE, "2026-03-01")
    register(engine, "st-2", 1, "B1", 20, "UTC", "2026-03-01")
    ingest_file(engine, workspace, _issue_log(tmp_path), uploaded_by="anna")
    set_clock(engine, "lg-7", "UTC+01:00")
    engine.dispose()
    refreshes: list[tuple[str, str | None]] = []
    monkeypatch.setattr(
        "agri_app.cli_sensors.refresh_if_trained",
        lambda settings, trigger, cooperative: refreshes.append((trigger, cooperative)),
    )
    import typer

    app = typer.Typer()
    app.add_typer(sensors_app, name="sensors")
    args = ["sensors", "reprocess", "--device", "lg-7", "--workspace", str(workspace.root)]
    result = CliRunner().invoke(app, [*args, "--user", "anna"])
    assert result.exit_code == 0, result.output
    assert "device lg-7: 1 upload(s) read again" in result.stdout
    assert f"readings     {2 * (len(STANDARD) - 4):>10,} -> {2 * len(STANDARD):,}" in result.stdout
    assert "logged as upload #2" in result.stdout
    assert refreshes == [("reprocess", None)]
    again = CliRunner().invoke(app, [*args, "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["changed"] is False
    assert refreshes == [("reprocess", None)]  # nothing changed: no refresh
    wrong = CliRunner().invoke(app, ["sensors", "reprocess", "--device", "nope", "--workspace",
                                     str(workspace.root)])  # fmt: skip
    assert wrong.exit_code == 2
    assert "no upload holds readings of device 'nope'" in wrong.stderr


# ---- reprocess against the obvious reference: the same uploads into a fresh workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite workspace with the test bundle's fields, copied for each example."""
    root = tmp_path_factory.mktemp("template")
    workspace = storage.Workspace(root / "ws")
    workspace_with_fields(root, workspace).dispose()
    return workspace.root


# The standard-time logger of the issue and a logger in UTC, hourly over the spring change.
PROPERTY_TIMES = wall_times("2026-03-24", "2026-04-03", "h", "Etc/GMT-1")
OTHER_TIMES = wall_times("2026-03-24", "2026-04-03", "2h", "UTC")
# (clock, installed date) the registry may give the logger: right, wrong clock, too late a date.
SETTINGS = [("UTC+01:00", "2026-03-01"), (ZONE, "2026-03-01"), ("UTC+01:00", "2026-03-28")]


def _state(engine: Engine, uploads_in_order: list[int]) -> tuple[list[tuple], list[tuple]]:
    """Readings and quarantined rows, with upload ids as their position in `uploads_in_order`."""
    position = {upload: i for i, upload in enumerate(uploads_in_order)}
    stored = [
        (device, *row[:-1], position[row[-1]])
        for device in ("lg-7", "st-2")
        for row in device_readings(engine, device).itertuples(index=False)
    ]
    rows = [
        (position[row.upload_id], row.line, row.column, row.reason, row.raw)
        for row in quarantined(engine).itertuples(index=False)
    ]
    return sorted(stored), sorted(rows, key=str)


def _ingest_all(
    engine: Engine, workspace: storage.Workspace, folder: Path, files: list[tuple[int, int, int]]
) -> list[int]:
    ids = []
    for number, (start, stop, setting) in enumerate(files):
        if setting >= 0:
            _set_logger(engine, *SETTINGS[setting])
        path = folder / f"part-{number}.csv"
        path.write_text(
            long_log(
                {
                    ("lg-7", 1, "vwc_m3_m3"): PROPERTY_TIMES[start:stop],
                    ("st-2", 1, "vwc_m3_m3"): OTHER_TIMES[start // 2 : stop // 2],
                }
            )
        )
        report = ingest_file(engine, workspace, path, uploaded_by="anna")
        assert report.upload_id is not None
        ids.append(report.upload_id)
    return ids


def _set_logger(engine: Engine, clock: str, installed: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sensor_devices.update()
            .where(sensor_devices.c.device_id == "lg-7")
            .values(timezone=clock, installed_date=pd.Timestamp(installed).date())
        )


@settings(max_examples=12, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(PROPERTY_TIMES) - 2),
            st.integers(2, len(PROPERTY_TIMES)),
            st.integers(0, len(SETTINGS) - 1),
        ).map(lambda t: (t[0], min(len(PROPERTY_TIMES), t[0] + t[1]), t[2])),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, len(SETTINGS) - 1),
)
def test_reprocess_equals_the_same_uploads_into_a_fresh_workspace(
    template: Path, files: list[tuple[int, int, int]], final: int
) -> None:
    """Overlapping exports sent while the registry said different things, then the final
    registry and a reprocess: the same readings, flags and quarantined rows as sending the same
    files, in the same order, to a fresh workspace registered right from the start."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        shutil.copytree(template, base / "history")
        history = storage.Workspace(base / "history")
        engine = storage.open_workspace(history)
        register(engine, "lg-7", 1, "A1", 10, *SETTINGS[files[0][2]])
        register(engine, "st-2", 1, "B1", 20, "UTC", "2026-03-01")
        ids = _ingest_all(engine, history, base, files)
        _set_logger(engine, *SETTINGS[final])
        report = reprocess_device(engine, history, "lg-7", by="anna")
        given_lg7 = sum(stop - start for start, stop, _ in files)
        assert report.readings_given == given_lg7
        assert all(u.accepted + u.duplicate + u.quarantined == u.readings for u in report.uploads)
        repaired = _state(engine, ids)
        again = reprocess_device(engine, history, "lg-7", by="anna")
        assert not again.changed and _state(engine, ids) == repaired
        engine.dispose()

        shutil.copytree(template, base / "fresh")
        fresh = storage.Workspace(base / "fresh")
        engine = storage.open_workspace(fresh)
        register(engine, "lg-7", 1, "A1", 10, *SETTINGS[final])
        register(engine, "st-2", 1, "B1", 20, "UTC", "2026-03-01")
        fresh_ids = _ingest_all(engine, fresh, base / "fresh", [(a, b, -1) for a, b, _ in files])
        assert repaired == _state(engine, fresh_ids)
        engine.dispose()
