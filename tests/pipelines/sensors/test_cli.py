"""`agri sensors ingest` and `agri sensors quarantine`, through a local Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner, Result

from agri_app.cli_sensors import sensors_app
from tests.pipelines.sensors.conftest import EXAMPLES, add_example_fields

app = typer.Typer()
app.add_typer(sensors_app, name="sensors")
runner = CliRunner()
DEVICES = str(EXAMPLES / "devices.csv")


def _ingest(workspace: Path, *args: str) -> Result:
    return runner.invoke(
        app,
        [
            *("sensors", "ingest", *args),
            *("--workspace", str(add_example_fields(workspace)), "--devices", DEVICES),
        ],
    )


def test_ingest_prints_a_readable_summary(tmp_path: Path) -> None:
    result = _ingest(tmp_path / "ws", str(EXAMPLES / "davis_ws-meent.csv"), "--user", "anna")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "davis_ws-meent.csv  (davis, latin-1)" in out or "(davis, utf-8)" in out
    assert "accepted           84" in out
    assert "ignored    High Temp - °F, Low Temp - °F, Wind Direction" in out
    assert "ingesting" in result.stderr


def test_json_report_for_scripts(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    first = _ingest(ws, str(EXAMPLES / "zentra_z6-10234.csv"), "--json")
    again = _ingest(ws, str(EXAMPLES / "zentra_z6-10234.csv"), "--json", "--format", "zentra")
    for result in (first, again):
        assert result.exit_code == 0, result.output
    report = json.loads(first.stdout)
    repeat = json.loads(again.stdout)
    assert {k: report[k] for k in ("accepted", "duplicate", "rejected", "flagged", "format")} == {
        "accepted": 126,
        "duplicate": 0,
        "rejected": 0,
        "flagged": 0,
        "format": "zentra",
    }
    assert len(report["file_sha256"]) == 64
    assert (repeat["accepted"], repeat["duplicate"]) == (0, 126)


def test_wide_csv_needs_its_mapping(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    without = _ingest(ws, str(EXAMPLES / "wide_dl-7.csv"), "--format", "wide")
    assert without.exit_code == 2
    assert "needs a mapping file" in without.stderr
    mapping = str(EXAMPLES / "wide_dl-7.mapping.csv")
    result = _ingest(ws, str(EXAMPLES / "wide_dl-7.csv"), "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert "accepted           48" in result.stdout


def test_rejected_file_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    log = tmp_path / "semicolons.csv"
    log.write_text("device_id;port;variable;ts;value\ndl-7;1;vwc_m3_m3;2025-07-01T00:00Z;0.3\n")
    result = _ingest(tmp_path / "ws", str(log), "--json")
    assert result.exit_code == 2
    stderr_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert stderr_lines == [
        "error: semicolons.csv was rejected: semicolons.csv, line 1: columns are separated by "
        "semicolons; export the log with commas as separators (and points as decimal marks)"
    ]
    assert json.loads(result.stdout)["status"] == "rejected"


def test_quarantine_downloads_rejected_rows_as_csv(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    log = tmp_path / "log.csv"
    log.write_text(
        "device_id,port,variable,ts,value\n"
        "sm-40264,1,vwc_m3_m3,2025-06-01T00:00:00Z,0.25\n"
        "sm-40264,9,vwc_m3_m3,2025-06-01T00:00:00Z,0.25\n"
    )
    ingested = _ingest(ws, str(log))
    assert "see the rejected rows: agri sensors quarantine --upload 1" in ingested.stdout
    out = tmp_path / "rejected.csv"
    result = runner.invoke(
        app, ["sensors", "quarantine", "--upload", "1", "--out", str(out), "--workspace", str(ws)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.splitlines()[0] == "upload_id,file_name,line,column,reason,raw"
    assert "1,log.csv,3,,\"port 9 of device 'sm-40264' is not in the device registry" in text
    listing = runner.invoke(app, ["sensors", "uploads", "--workspace", str(ws)])
    assert "log.csv: 1 accepted, 0 duplicate, 1 rejected, 0 flagged" in listing.stdout


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    result = _ingest(tmp_path / "ws", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "no file at" in result.stderr
