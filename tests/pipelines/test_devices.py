"""The device registry (`pipelines.store.devices`) on SQLite and PostgreSQL: every change is
checked against the workspace, and refused as a whole with the fix."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.sources.bundle import read_bundle
from pipelines.sources.sensors import ingest_bundle_sensors, ingest_file
from pipelines.store import devices, schema, storage
from pipelines.store.access import AccessError, Scope
from pipelines.store.importer import import_bundle
from pipelines.tables import InputError
from tests.conftest import dump_database, write_bundle

COOP = "coop-test"
TODAY = date(2025, 6, 1)  # the test bundle's reference date
NEW = devices.Installation(
    device_id="z6-77",
    port=1,
    field_id="A1",
    depth_cm=20.0,
    timezone="Europe/Amsterdam",
    installed_date=date(2025, 4, 2),
    sensor_model="TEROS 12",
)
HEADER = "device_id,port,field_id,depth_cm,sensor_model,timezone,installed_date,removed_date\n"


@pytest.fixture
def engine(workspace: storage.Workspace, tmp_path: Path) -> Engine:
    """The test bundle imported (dev-1 ports 1 and 2 on A2, 2024-05-01 to 2024-09-30), with its
    sensor log ingested (one reading of dev-1 port 1 on 2024-05-01)."""
    engine = storage.open_workspace(workspace)
    bundle = read_bundle(write_bundle(tmp_path / "bundle"))
    import_bundle(engine, bundle, workspace)
    reports = ingest_bundle_sensors(engine, workspace, bundle)
    assert [r.accepted for r in reports] == [1]
    return engine


def _add(engine: Engine, inst: devices.Installation) -> devices.RegistryChange:
    return devices.add_installation(engine, COOP, inst, today=TODAY)


def _problems(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_add_then_list_and_adding_again_changes_nothing(engine: Engine) -> None:
    change = _add(engine, NEW)
    assert change.added == (NEW,)
    assert (change.updated, change.reprocess) == ((), ())
    listed = devices.list_installations(engine, COOP)
    assert list(listed.columns) == list(devices.COLUMNS)
    assert devices.installations_of(listed[listed["device_id"] == "z6-77"]) == [NEW]
    assert len(listed) == 3  # dev-1's two ports and the new one
    again = _add(engine, NEW)
    assert (again.added, again.updated, again.unchanged) == ((), (), 1)


def test_unknown_field_names_the_fields_and_the_list_command(engine: Engine) -> None:
    before = dump_database(engine.url.render_as_string(hide_password=False))
    with pytest.raises(InputError) as exc:
        _add(engine, dataclasses.replace(NEW, field_id="meent-04"))
    (problem,) = _problems(exc)
    assert problem.startswith("the new installation, column 'field_id': 'meent-04' is not a field")
    assert "its fields are A1, A2, B1" in problem
    assert "`agri devices list`" in problem
    with pytest.raises(InputError, match="did you mean 'A1'"):
        _add(engine, dataclasses.replace(NEW, field_id="a1"))
    assert dump_database(engine.url.render_as_string(hide_password=False)) == before


def test_field_of_another_cooperative_is_refused(
    engine: Engine, workspace: storage.Workspace, tmp_path: Path
) -> None:
    other = write_bundle(tmp_path / "other")
    manifest = other / "bundle.json"
    manifest.write_text(manifest.read_text().replace('"coop-test"', '"coop-other"'))
    for name in ("farms.csv", "fields.geojson", "seasons.csv", "operations.csv", "satellite.csv"):
        path = other / name
        text = path.read_text().replace("farm-", "o-farm-")
        for field_id in ("A1", "A2", "B1"):
            text = text.replace(f'"{field_id}"', f'"O{field_id}"').replace(
                f"{field_id},", f"O{field_id},"
            )
        path.write_text(text)
    (other / "sensors" / "devices.csv").write_text(HEADER)
    import_bundle(engine, read_bundle(other), workspace)
    with pytest.raises(InputError, match="field 'OA1' belongs to another cooperative"):
        _add(engine, dataclasses.replace(NEW, field_id="OA1"))
    assert devices.add_installation(engine, "coop-other", dataclasses.replace(NEW, field_id="OA1"))


# One workspace for all the cases (building one takes a second or two).
IMPLAUSIBLE = [
    ({"depth_cm": 0.3}, "depth_cm", "0.3 cm looks like metres: multiply by 100 (write 30"),
    ({"depth_cm": 400.0}, "depth_cm", "'400.0' is above 300"),
    ({"timezone": "CET+1"}, "timezone", "'CET+1' is not a clock we know"),
    ({"timezone": "Europe/Amsterdm"}, "timezone", "did you mean Europe/Amsterdam?"),
    ({"timezone": "GMT+1"}, "timezone", "write the offset as UTC+01:00 or UTC-01:00"),
    ({"timezone": "UTC+01:20"}, "timezone", "offsets run from UTC-12:00 to UTC+14:00"),
    ({"installed_date": date(2025, 6, 2)}, "installed_date", "after the reference date 2025-06-01"),
    ({"removed_date": date(2025, 7, 1)}, "removed_date", "after the reference date 2025-06-01"),
    ({"removed_date": date(2025, 4, 1)}, "removed_date", "before installed_date"),
    ({"device_id": "z6 77"}, "device_id", "is not a valid identifier"),
    ({"port": -1}, "port", "is below 0"),
]


def test_implausible_values_are_refused_with_the_fix(engine: Engine) -> None:
    for change, column, message in IMPLAUSIBLE:
        with pytest.raises(InputError) as exc:
            _add(engine, dataclasses.replace(NEW, **change))  # type: ignore[arg-type]
        (problem,) = exc.value.problems
        assert (problem.column, problem.location) == (column, None), change
        assert message in problem.message, (change, problem.message)
    assert devices.list_installations(engine, COOP, device_id="z6-77").empty


CLOCKS = [  # as written, as stored
    ("UTC+1", "UTC+01:00"),
    ("+01:00", "UTC+01:00"),
    ("Etc/GMT-1", "Etc/GMT-1"),
    ("europe/amsterdam", "Europe/Amsterdam"),
]


def test_clocks_are_stored_in_one_spelling(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    for port, (written, stored) in enumerate(CLOCKS, start=1):
        change = _add(engine, dataclasses.replace(NEW, port=port, timezone=written))
        assert [i.timezone for i in change.added] == [stored]
        path.write_text(HEADER + f"z6-77,{port},A1,20.0,TEROS 12,{written},2025-04-02,\n")
        again = devices.import_installations(engine, COOP, path, today=TODAY)
        assert (again.added, again.updated, again.unchanged) == ((), (), 1), written


def test_a_station_at_depth_zero_is_accepted(engine: Engine) -> None:
    station = dataclasses.replace(NEW, device_id="ws-1", port=0, depth_cm=0.0)
    assert _add(engine, station).added == (station,)


def test_overlapping_installations_are_refused(engine: Engine) -> None:
    # dev-1 port 1 is registered on A2 from 2024-05-01 to 2024-09-30.
    dev1 = dataclasses.replace(NEW, device_id="dev-1", installed_date=date(2024, 9, 30))
    with pytest.raises(InputError) as exc:
        _add(engine, dev1)
    (problem,) = _problems(exc)
    assert (
        "port 1 of device 'dev-1' is already registered on field 'A2' from 2024-05-01 to "
        "2024-09-30, which overlaps this installation; start this installation after 2024-09-30"
    ) in problem
    before = dataclasses.replace(
        dev1, installed_date=date(2024, 3, 1), removed_date=date(2024, 5, 1)
    )
    with pytest.raises(InputError, match="set this installation's removed_date before 2024-05-01"):
        _add(engine, before)
    # The day after the removal it may go in again, anywhere.
    assert _add(engine, dataclasses.replace(dev1, installed_date=date(2024, 10, 1))).added
    # Now it is in the soil: a later installation needs the retirement first.
    with pytest.raises(InputError) as exc:
        _add(engine, dataclasses.replace(dev1, installed_date=date(2025, 5, 1)))
    assert "still in the soil" in _problems(exc)[0]
    assert (
        "retire it first: `agri devices retire dev-1 --port 1 --date 2025-04-30`"
        in (_problems(exc)[0])
    )


def test_retire_sets_the_removal_date_of_the_open_installations(engine: Engine) -> None:
    _add(engine, NEW)
    _add(engine, dataclasses.replace(NEW, port=2, depth_cm=40.0))
    change = devices.retire_installation(
        engine, COOP, "z6-77", date(2025, 5, 20), port=2, today=TODAY
    )
    assert [(i.port, i.removed_date) for i in change.updated] == [(2, date(2025, 5, 20))]
    assert change.reprocess == ()  # no readings yet
    listed = devices.list_installations(engine, COOP, device_id="z6-77")
    assert list(listed["removed_date"]) == [None, date(2025, 5, 20)]
    everything = devices.retire_installation(engine, COOP, "z6-77", date(2025, 5, 31), today=TODAY)
    assert [i.port for i in everything.updated] == [1]  # port 2 was out already
    with pytest.raises(InputError, match="nothing to retire"):
        devices.retire_installation(engine, COOP, "z6-77", date(2025, 5, 31), today=TODAY)
    with pytest.raises(InputError, match="did you mean 'z6-77'"):
        devices.retire_installation(engine, COOP, "z6-7", date(2025, 5, 31), today=TODAY)
    with pytest.raises(InputError, match=r"port 5 is not registered \(registered ports: 1, 2\)"):
        devices.retire_installation(engine, COOP, "z6-77", date(2025, 5, 31), port=5, today=TODAY)


def test_retiring_before_the_installation_began_is_refused(engine: Engine) -> None:
    _add(engine, NEW)
    with pytest.raises(InputError, match="cannot be before it"):
        devices.retire_installation(engine, COOP, "z6-77", date(2025, 4, 1), today=TODAY)


def test_import_adds_updates_and_is_idempotent(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text(
        HEADER
        + "dev-1,2,A2,35,TEROS 12,UTC,2024-05-01,2024-09-30\n"  # depth corrected
        + "z6-77,1,A1,20,TEROS 12,Europe/Amsterdam,2025-04-02,\n"
        + "z6-77,2,A1,40,,Europe/Amsterdam,2025-04-02,\n"
    )
    first = devices.import_installations(engine, COOP, path, today=TODAY)
    assert (len(first.added), len(first.updated), first.unchanged) == (2, 1, 0)
    assert first.reprocess == ()  # dev-1 port 2 has no readings
    url = engine.url.render_as_string(hide_password=False)
    after_first = dump_database(url)
    second = devices.import_installations(engine, COOP, path, today=TODAY)
    assert (second.added, second.updated, second.unchanged) == ((), (), 3)
    assert dump_database(url) == after_first
    depth = devices.list_installations(engine, COOP, device_id="dev-1")["depth_cm"]
    assert list(depth) == [10.0, 35.0]


def test_import_refuses_the_whole_file_with_every_problem(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "my-devices.csv"
    path.write_text(
        HEADER
        + "z6-77,1,A1,20,TEROS 12,Europe/Amsterdam,2025-04-02,\n"
        + "z6-78,1,meent-04,0.1,,Europe/Amsterdam,2025-04-02,\n"
        + "dev-1,1,A2,10,,UTC,2024-09-01,\n"
    )
    before = dump_database(engine.url.render_as_string(hide_password=False))
    with pytest.raises(InputError) as exc:
        devices.import_installations(engine, COOP, path, today=TODAY)
    where = sorted((p.file, p.location, p.column) for p in exc.value.problems)
    assert where == [
        ("my-devices.csv", "line 3", "depth_cm"),
        ("my-devices.csv", "line 3", "field_id"),
    ]
    # The overlap with the registry is checked once the rows themselves are right.
    path.write_text(HEADER + "dev-1,1,A2,10,,UTC,2024-09-01,\n")
    with pytest.raises(InputError) as exc:
        devices.import_installations(engine, COOP, path, today=TODAY)
    (problem,) = exc.value.problems
    assert (problem.location, problem.column) == ("line 2", "installed_date")
    assert dump_database(engine.url.render_as_string(hide_password=False)) == before


def test_import_reports_overlaps_inside_the_file_once(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text(
        HEADER
        + "z6-77,1,A1,20,,Europe/Amsterdam,2025-04-02,\n"
        + "z6-77,1,A1,20,,Europe/Amsterdam,2025-05-02,\n"
    )
    with pytest.raises(InputError) as exc:
        devices.import_installations(engine, COOP, path, today=TODAY)
    (problem,) = _problems(exc)
    assert problem.startswith("devices.csv, line 2, column 'removed_date': port 1 of device")
    assert "installed again on 2025-05-02" in problem


def _stored(engine: Engine, device: str) -> list[tuple[int, datetime, str]]:
    r = schema.sensor_readings
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(r.c.port, r.c.ts, r.c.field_id).where(r.c.device_id == device)
        ).all()
    return sorted((int(port), ts, field) for port, ts, field in rows)


def test_which_changes_ask_to_rederive_the_readings(
    engine: Engine, workspace: storage.Workspace, tmp_path: Path
) -> None:
    # dev-1 port 1 holds readings of 2024-05-01 and 2024-06-01.
    june = (
        b"device_id,port,depth_cm,variable,ts,value,unit\n"
        b"dev-1,1,10,vwc_m3_m3,2024-06-01T00:00:00Z,0.25,m3/m3\n"
    )
    assert ingest_file(engine, workspace, june, file_name="june.csv").accepted == 1
    path = tmp_path / "devices.csv"
    # A new clock.
    path.write_text(HEADER + "dev-1,1,A2,10,TEROS 12,Etc/GMT-1,2024-05-01,2024-09-30\n")
    change = devices.import_installations(engine, COOP, path, today=TODAY)
    assert change.reprocess == ("dev-1",)
    assert change.reprocess_commands() == ["agri sensors reprocess --device dev-1"]
    # Shortening the installation to a day after its readings leaves them where they are.
    path.write_text(HEADER + "dev-1,1,A2,10,TEROS 12,Etc/GMT-1,2024-05-01,2024-08-01\n")
    assert devices.import_installations(engine, COOP, path, today=TODAY).reprocess == ()
    # A new sensor model changes no reading.
    path.write_text(HEADER + "dev-1,1,A2,10,SMT100,Etc/GMT-1,2024-05-01,2024-08-01\n")
    model = devices.import_installations(engine, COOP, path, today=TODAY)
    assert (len(model.updated), model.reprocess) == (1, ())
    # Ending it before the June reading leaves that reading outside every installation.
    path.write_text(HEADER + "dev-1,1,A2,10,SMT100,Etc/GMT-1,2024-05-01,2024-05-15\n")
    assert devices.import_installations(engine, COOP, path, today=TODAY).reprocess == ("dev-1",)
    # A new depth or field, too.
    path.write_text(HEADER + "dev-1,1,A1,12,SMT100,Etc/GMT-1,2024-05-01,2024-05-15\n")
    assert devices.import_installations(engine, COOP, path, today=TODAY).reprocess == ("dev-1",)


def test_a_corrected_clock_moves_the_stored_readings(
    engine: Engine, workspace: storage.Workspace
) -> None:
    # A logger writing local wall time without an offset, registered on UTC by mistake.
    log = (
        b"device_id,port,depth_cm,variable,ts,value,unit\n"
        b"dev-1,2,30,vwc_m3_m3,2024-06-01T00:00:00,0.25,m3/m3\n"
        b"dev-1,2,30,vwc_m3_m3,2024-06-01T01:00:00,0.26,m3/m3\n"
    )
    assert ingest_file(engine, workspace, log, file_name="dev-1-local.csv").accepted == 2
    assert _stored(engine, "dev-1")[1:] == [
        (2, datetime(2024, 6, 1, 0, tzinfo=UTC), "A2"),
        (2, datetime(2024, 6, 1, 1, tzinfo=UTC), "A2"),
    ]
    port2 = devices.installations_of(devices.list_installations(engine, COOP, device_id="dev-1"))
    corrected = dataclasses.replace(port2[1], timezone="UTC+01:00")
    change = _add(engine, corrected)
    assert (change.updated, change.reprocess) == ((corrected,), ("dev-1",))
    done = devices.rederive_readings(engine, workspace, change, by="test")
    assert done.failed == ()
    (report,) = done.reports
    assert report.changed
    # Midnight and 01:00 at UTC+1 are 23:00 and 00:00 UTC; port 1's reading is untouched.
    assert _stored(engine, "dev-1") == [
        (1, datetime(2024, 5, 1, 0, tzinfo=UTC), "A2"),
        (2, datetime(2024, 5, 31, 23, tzinfo=UTC), "A2"),
        (2, datetime(2024, 6, 1, 0, tzinfo=UTC), "A2"),
    ]
    # Nothing left to do: deriving them again changes nothing.
    assert not devices.rederive_readings(engine, workspace, change, by="test").reports[0].changed


def test_registering_a_device_recovers_readings_refused_before(
    engine: Engine, workspace: storage.Workspace
) -> None:
    log = (
        b"device_id,port,depth_cm,variable,ts,value,unit\n"
        b"z6-77,1,20,vwc_m3_m3,2025-05-01T00:00:00Z,0.281,m3/m3\n"
    )
    report = ingest_file(engine, workspace, log, file_name="z6-77.csv", uploaded_by="test")
    assert report.rejected == 1
    change = _add(engine, NEW)
    assert change.reprocess == ("z6-77",)
    (note,) = change.notes
    assert "readings of 'z6-77' refused earlier because it was not registered" in note
    assert _stored(engine, "z6-77") == []
    done = devices.rederive_readings(engine, workspace, change, by="test")
    assert [(r.readings_after, r.quarantined_after) for r in done.reports] == [(1, 0)]
    assert _stored(engine, "z6-77") == [(1, datetime(2025, 5, 1, tzinfo=UTC), "A1")]


def test_a_device_without_uploads_is_reported_not_raised(
    engine: Engine, workspace: storage.Workspace
) -> None:
    change = devices.RegistryChange(reprocess=("ghost",))
    done = devices.rederive_readings(engine, workspace, change, by="test")
    assert done.reports == ()
    ((device, why),) = done.failed
    assert device == "ghost"
    assert why.endswith("(then run `agri sensors reprocess --device ghost`)")


def test_only_admins_and_agronomists_change_the_registry(engine: Engine) -> None:
    member = Scope("m", "member", COOP, ("farm-a",))
    with pytest.raises(AccessError, match="admin or agronomist"):
        devices.add_installation(engine, COOP, NEW, today=TODAY, scope=member)
    outsider = Scope("x", "admin", "coop-other")
    with pytest.raises(AccessError):
        devices.retire_installation(engine, COOP, "dev-1", TODAY, today=TODAY, scope=outsider)
    agronomist = Scope("a", "agronomist", COOP)
    assert devices.add_installation(engine, COOP, NEW, today=TODAY, scope=agronomist).added


def test_a_devices_file_for_one_upload_is_checked_against_the_workspace(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "devices.csv"
    path.write_text(
        HEADER
        + "sm-40264,1,meent-04,10,SMT100,UTC,2025-05-17,2025-10-15\n"
        + "sm-40264,2,meent-04,30,SMT100,UTC,2025-05-17,2025-10-15\n"
        + "ws-meent,0,meent-04,0,Davis Vantage Pro2,UTC,2024-03-01,\n"
    )
    with pytest.raises(InputError) as exc:
        devices.check_devices_file(engine, path)
    (problem,) = exc.value.problems  # one problem per unknown field, with its lines
    assert str(problem).startswith(
        "devices.csv, lines 2, 3, 4, column 'field_id': 'meent-04' is not a field of this "
        "workspace; its fields are A1, A2, B1"
    )
    path.write_text(HEADER + "sm-40264,1,A1,10,SMT100,UTC,2025-05-17,2025-10-15\n")
    checked = devices.check_devices_file(engine, path)
    assert list(checked["field_id"]) == ["A1"]
    assert pd.Timestamp(checked["installed_date"].iloc[0]).date() == date(2025, 5, 17)
    assert devices.list_installations(engine, COOP, device_id="sm-40264").empty  # not stored


def test_the_default_limit_is_today_or_the_reference_date(engine: Engine) -> None:
    # The test bundle's reference date (2025-06-01) lies in the past: the limit is today.
    future = dataclasses.replace(NEW, installed_date=date(2030, 1, 1))
    with pytest.raises(InputError, match=f"after the reference date {date.today()}"):
        devices.add_installation(engine, COOP, future)
    late = dataclasses.replace(NEW, installed_date=date(2025, 6, 20))
    assert devices.add_installation(engine, COOP, late).added


def test_unknown_cooperative_and_empty_workspace(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(InputError, match="no cooperative 'nope'"):
        devices.cooperative_of(engine, "nope")
    assert devices.cooperative_of(engine, None) == COOP
    empty = storage.open_workspace(storage.Workspace(tmp_path / "empty"))
    with pytest.raises(InputError, match="run `agri import BUNDLE` first"):
        devices.cooperative_of(empty, None)
