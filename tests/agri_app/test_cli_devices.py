"""`agri devices add|list|retire|import` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from agri_app.cli import app
from pipelines.sources.bundle import read_bundle
from pipelines.sources.sensors import ingest_bundle_sensors
from pipelines.store import storage
from pipelines.store.importer import import_bundle
from tests.agri_app.test_startup import heavy_modules, run_fresh
from tests.conftest import dump_database, write_bundle

HEADER = "device_id,port,field_id,depth_cm,sensor_model,timezone,installed_date,removed_date\n"
Agri = Callable[..., Result]


@pytest.fixture
def agri(workspace: storage.Workspace, tmp_path: Path) -> Agri:
    """`agri(*args)` against the test bundle's workspace (dev-1 ports 1 and 2 on A2, with one
    reading of port 1), on the workspace fixture's database."""
    engine = storage.open_workspace(workspace)
    bundle = read_bundle(write_bundle(tmp_path / "bundle"))
    import_bundle(engine, bundle, workspace)
    ingest_bundle_sensors(engine, workspace, bundle)
    engine.dispose()
    env = {"AGRI_DATABASE_URL": workspace.database_url or ""}

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, "--workspace", str(workspace.root)], env=env)

    return run


def _dump(workspace: storage.Workspace) -> dict[str, list[tuple]]:
    return dump_database(workspace.db_url)


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    calls: list[tuple[str, str | None]] = []
    monkeypatch.setattr(
        "agri_app.cli_devices.refresh_if_trained",
        lambda settings, trigger, cooperative: calls.append((trigger, cooperative)),
    )
    return calls


ADD = ["devices", "add", "z6-77", "--port", "1", "--field", "A1", "--depth-cm", "20"]


def test_add_then_list_as_table_json_and_csv(
    agri: Agri, refreshes: list[tuple[str, str | None]], tmp_path: Path
) -> None:
    added = agri(*ADD, "--installed", "2025-04-02", "--model", "TEROS 12")
    assert added.exit_code == 0, added.output
    assert (
        "registered device 'z6-77' port 1 on field 'A1' at 20 cm, clock Europe/Amsterdam, "
        "from 2025-04-02 (in the soil)"
    ) in added.stdout
    assert "clock: Europe/Amsterdam (the cooperative's time zone" in added.stderr
    assert refreshes == [("device registration", "coop-test")]

    table = agri("devices", "list")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "device", "port", "field", "depth", "cm", "clock", "installed", "removed", "model",
    ]  # fmt: skip
    assert lines[3].split() == [
        "z6-77", "1", "A1", "20", "Europe/Amsterdam", "2025-04-02", "in", "the", "soil",
        "TEROS", "12",
    ]  # fmt: skip
    assert lines[-1] == "3 installation(s), 1 in the soil"

    as_json = agri("devices", "list", "--format", "json", "--device", "z6-77")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == [
        {
            "device_id": "z6-77",
            "port": 1,
            "field_id": "A1",
            "depth_cm": 20.0,
            "sensor_model": "TEROS 12",
            "timezone": "Europe/Amsterdam",
            "installed_date": "2025-04-02",
            "removed_date": None,
        }
    ]
    # The CSV is a devices.csv: importing it back changes nothing.
    as_csv = agri("devices", "list", "--format", "csv")
    assert as_csv.stdout.startswith(HEADER)
    (tmp_path / "all.csv").write_text(as_csv.stdout)
    back = agri("devices", "import", str(tmp_path / "all.csv"))
    assert back.exit_code == 0, back.output
    assert "3 installation(s) already registered as given: unchanged" in back.stdout
    assert "nothing changed" in back.stdout
    assert refreshes == [("device registration", "coop-test")]  # no second refresh


def test_add_to_an_unknown_field_is_refused_and_names_the_fix(
    agri: Agri, workspace: storage.Workspace, refreshes: list[tuple[str, str | None]]
) -> None:
    before = _dump(workspace)
    result = agri(
        "devices", "add", "sm-40264", "--port", "1", "--field", "meent-04",
        "--depth-cm", "10", "--installed", "2025-05-17", "--clock", "UTC",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "error: the device registry was not changed: 1 problem(s) to fix" in result.stderr
    assert "'meent-04' is not a field of cooperative 'coop-test'; its fields are A1, A2, B1" in (
        result.stderr
    )
    assert "`agri devices list`" in result.stderr
    assert "Traceback" not in result.output
    assert _dump(workspace) == before
    assert refreshes == []


def test_overlapping_installation_is_refused_with_the_retire_command(agri: Agri) -> None:
    assert agri(*ADD, "--installed", "2025-04-02").exit_code == 0
    again = agri(*ADD, "--installed", "2025-05-10")
    assert again.exit_code == 2
    assert "retire it first: `agri devices retire z6-77 --port 1 --date 2025-05-09`" in (
        again.stderr
    )
    retired = agri("devices", "retire", "z6-77", "--port", "1", "--date", "2025-05-09")
    assert retired.exit_code == 0, retired.output
    assert "updated    device 'z6-77' port 1" in retired.stdout
    assert "from 2025-04-02 to 2025-05-09" in retired.stdout
    assert agri(*ADD, "--installed", "2025-05-10").exit_code == 0
    rows = json.loads(agri("devices", "list", "--format", "json", "--device", "z6-77").stdout)
    assert [(r["installed_date"], r["removed_date"]) for r in rows] == [
        ("2025-04-02", "2025-05-09"),
        ("2025-05-10", None),
    ]


def test_retire_of_an_unknown_device_or_a_bad_date(agri: Agri) -> None:
    unknown = agri("devices", "retire", "dev-9", "--date", "2025-05-09")
    assert unknown.exit_code == 2
    assert "did you mean 'dev-1'?" in unknown.stderr
    bad = agri("devices", "retire", "dev-1", "--date", "9/5/2025")
    assert bad.exit_code == 2
    assert "--date '9/5/2025' is not a date; write YYYY-MM-DD" in bad.stderr
    removed = agri("devices", "retire", "dev-1", "--date", "2025-05-09")
    assert removed.exit_code == 2
    assert "the last one was removed on 2024-09-30; nothing to retire" in removed.stderr


def test_import_is_idempotent_and_asks_to_rederive_changed_readings(
    agri: Agri,
    workspace: storage.Workspace,
    refreshes: list[tuple[str, str | None]],
    tmp_path: Path,
) -> None:
    path = tmp_path / "devices.csv"
    # dev-1 port 1 (which holds a reading) was on standard time, not UTC.
    path.write_text(
        HEADER
        + "dev-1,1,A2,10,TEROS 12,Etc/GMT-1,2024-05-01,2024-09-30\n"
        + "z6-77,1,A1,20,TEROS 12,Europe/Amsterdam,2025-04-02,\n"
    )
    first = agri("devices", "import", str(path))
    assert first.exit_code == 0, first.output
    assert "registered device 'z6-77' port 1" in first.stdout
    assert "updated    device 'dev-1' port 1 on field 'A2' at 10 cm, clock Etc/GMT-1" in (
        first.stdout
    )
    # Its reading carries its offset (…Z), so deriving it again on the new clock keeps it.
    assert "deriving the readings of dev-1 again from their uploads" in first.stderr
    assert "device dev-1: 1 upload(s) read again" in first.stdout
    assert "no change: the stored readings already follow the registry" in first.stdout
    after = _dump(workspace)
    second = agri("devices", "import", str(path))
    assert second.exit_code == 0, second.output
    assert "2 installation(s) already registered as given: unchanged" in second.stdout
    assert "read again" not in second.output
    assert _dump(workspace) == after
    assert refreshes == [("device registration", "coop-test")]


def test_import_lists_every_problem_of_the_file(agri: Agri, tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text(
        HEADER
        + "z6-77,1,A9,20,,Europe/Amsterdam,2025-04-02,\n"
        + "z6-77,2,A1,0.2,,Europe/Amsterdam,2025-04-02,\n"
    )
    result = agri("devices", "import", str(path))
    assert result.exit_code == 2
    assert "2 problem(s) to fix" in result.stderr
    assert "devices.csv, line 2, column 'field_id': 'A9' is not a field" in result.stderr
    assert "devices.csv, line 3, column 'depth_cm'" in result.stderr
    missing = agri("devices", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2
    assert "no file at" in missing.stderr


def test_list_of_an_empty_registry_says_how_to_add(agri: Agri) -> None:
    result = agri("devices", "list", "--field", "B1")
    assert result.exit_code == 0
    assert "no devices registered matching that; add one with `agri devices add" in result.stdout


def test_devices_list_loads_no_heavy_module(app_workspace: storage.Workspace) -> None:
    child = run_fresh("devices", "list", "--format", "json", "--workspace", app_workspace.root)
    assert child["exit_code"] == 0, (child["output"], child["exception"])
    assert heavy_modules(child["modules"]) == []
    assert json.loads(child["output"])[0]["device_id"] == "dev-1"
    # Listing needs neither the bundle reader nor its geometry libraries.
    assert "pipelines.sources.bundle" not in child["modules"]


def test_readings_that_cannot_be_derived_again_exit_1_with_the_retry(
    agri: Agri, workspace: storage.Workspace, tmp_path: Path
) -> None:
    shutil.rmtree(workspace.archive_dir)  # the uploads' archived copies are gone
    path = tmp_path / "devices.csv"
    path.write_text(HEADER + "dev-1,1,A2,10,TEROS 12,UTC+01:00,2024-05-01,2024-09-30\n")
    result = agri("devices", "import", str(path))
    assert result.exit_code == 1
    assert "updated    device 'dev-1' port 1 on field 'A2' at 10 cm, clock UTC+01:00" in (
        result.stdout
    )
    assert "error: the readings of device dev-1 were not derived again:" in result.stderr
    assert "(then run `agri sensors reprocess --device dev-1`)" in result.stderr
    listed = json.loads(agri("devices", "list", "--format", "json", "--device", "dev-1").stdout)
    assert listed[0]["timezone"] == "UTC+01:00"  # the registry change stands
