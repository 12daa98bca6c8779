"""Every kind of bad input: files are rejected with the fix, rows are quarantined with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from pipelines.sources.sensors import IngestReport, ingest_file, read_quarantine
from pipelines.store import storage
from tests.pipelines.sensors.conftest import (
    EXAMPLES,
    devices_frame,
    quarantine,
    readings,
    uploads,
)

Workspace = tuple[Engine, storage.Workspace]
REGISTRY = devices_frame(
    "dev-1,1,A2,10,TEROS 12,UTC,2024-05-01,2024-09-30",
    "dev-1,2,A2,30,TEROS 12,UTC,2024-05-01,2024-09-30",
)
HEADER = "device_id,port,depth_cm,variable,ts,value,unit\n"


def _long(*rows: str) -> str:
    return HEADER + "".join(f"{r}\n" for r in rows)


def _row(port: int = 1, ts: str = "2024-05-01T00:00:00Z", value: str = "0.281", **kw: str) -> str:
    device = kw.get("device", "dev-1")
    variable = kw.get("variable", "vwc_m3_m3")
    unit = kw.get("unit", "m3/m3")
    depth = kw.get("depth", "10" if port == 1 else "30")
    return f"{device},{port},{depth},{variable},{ts},{value},{unit}"


def _hourly(count: int, port: int = 1, start: str = "2024-05-01", value: float = 0.28) -> list[str]:
    times = pd.date_range(start, periods=count, freq="h", tz="UTC")
    return [
        _row(port, t.strftime("%Y-%m-%dT%H:%M:%SZ"), f"{value + 0.001 * (i % 7):.3f}")
        for i, t in enumerate(times)
    ]


def _ingest(
    ws: Workspace,
    tmp_path: Path,
    content: str | bytes,
    name: str = "log.csv",
    devices: pd.DataFrame = REGISTRY,
    **options: Any,
) -> IngestReport:
    engine, workspace = ws
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return ingest_file(
        engine,
        workspace,
        path,
        uploaded_by="tester",
        devices=devices,
        **options,
    )


def _rejected_file(
    report: IngestReport, engine: Engine, *fragments: str, quarantined: int = 0
) -> None:
    assert report.status == "rejected", report
    message = " ".join(report.problems)
    for fragment in fragments:
        assert fragment in message
    assert readings(engine) == []
    assert len(quarantine(engine)) == quarantined == report.quarantined
    assert uploads(engine)[-1]["status"] == "rejected"  # the attempt is logged


def test_unknown_device_rejects_the_file_naming_the_registry(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    report = _ingest(sqlite_workspace, tmp_path, _long(*_hourly(3)).replace("dev-1", "dev-9"))
    _rejected_file(
        report,
        sqlite_workspace[0],
        "none of the file's readings could be accepted (3 rejected)",
        "line 2: device 'dev-9' is not in the device registry",
        "add a row per port to sensors/devices.csv",
        quarantined=3,
    )


def test_unknown_port_quarantines_its_rows(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    report = _ingest(sqlite_workspace, tmp_path, _long(*_hourly(3), _row(port=5, depth="")))
    assert (report.accepted, report.rejected) == (3, 1)
    [(line, _, reason, raw)] = quarantine(sqlite_workspace[0])
    assert line == 5
    assert "port 5 of device 'dev-1' is not in the device registry (registered ports: 1, 2)" in (
        reason
    )
    assert raw == _row(port=5, depth="")


def test_reading_outside_every_installation_is_quarantined(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    report = _ingest(sqlite_workspace, tmp_path, _long(*_hourly(2), _row(ts="2024-10-02T00:00Z")))
    assert (report.accepted, report.rejected) == (2, 1)
    reason = quarantine(sqlite_workspace[0])[0][2]
    assert "on 2024-10-02 (UTC) port 1 of device 'dev-1' is not installed" in reason
    assert "2024-05-01 to 2024-09-30" in reason


def test_unparseable_timestamps_are_quarantined(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    report = _ingest(
        sqlite_workspace, tmp_path, _long(*_hourly(2), _row(ts="2024-05-01 25:00"), _row(ts=""))
    )
    assert (report.accepted, report.rejected) == (2, 2)
    reasons = [r[2] for r in quarantine(sqlite_workspace[0])]
    assert "ts '2024-05-01 25:00' is not a date and time" in reasons[0]
    assert "write timestamps as ISO 8601" in reasons[0]


def test_a_file_without_any_readable_timestamp_is_rejected(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    text = (EXAMPLES / "zentra_z6-10234.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    broken = lines[:3] + [line.replace("2025-10-", "Oct ") for line in lines[3:]]
    devices = pd.read_csv(EXAMPLES / "devices.csv", dtype=str, keep_default_na=False)
    report = _ingest(sqlite_workspace, tmp_path, "\n".join(broken) + "\n", devices=devices)
    _rejected_file(report, sqlite_workspace[0], "no timestamp could be read", "ISO 8601")


def test_impossible_values_are_quarantined_and_implausible_ones_flagged(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    rows = _hourly(4) + [
        _row(ts="2024-05-02T00:00:00Z", value="1.7"),
        _row(ts="2024-05-02T01:00:00Z", value="0.75"),
        _row(ts="2024-05-02T02:00:00Z", value="150", variable="soil_temp_degc", unit="degC"),
    ]
    report = _ingest(sqlite_workspace, tmp_path, _long(*rows))
    assert (report.accepted, report.rejected) == (5, 2)
    reasons = [r[2] for r in quarantine(sqlite_workspace[0])]
    assert "1.7 m3/m3 is outside the physical range 0 to 1 of vwc_m3_m3; in percent?" in reasons[0]
    assert "150 degC is outside the physical range -90 to 100" in reasons[1]
    assert "in °F?" in reasons[1]
    assert report.flag_counts.get("out_of_range") == 1  # 0.75 m³/m³: kept, flagged


def test_percent_in_a_column_labelled_m3_m3_rejects_the_file(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    rows = [r.replace(",0.28", ",28.") for r in _hourly(12)]
    report = _ingest(sqlite_workspace, tmp_path, _long(*rows))
    _rejected_file(
        report, sqlite_workspace[0], "labelled m3/m3", "that is percent", "Write unit '%'"
    )


def test_percent_in_a_zentra_column_labelled_m3_m3_rejects_the_file(
    sqlite_workspace: Workspace, tmp_path: Path, example_devices: pd.DataFrame
) -> None:
    lines = (EXAMPLES / "zentra_z6-10234.csv").read_text(encoding="utf-8").splitlines()
    fixed = lines[:3]
    for line in lines[3:]:
        cells = line.split(",")
        cells[1] = f"{float(cells[1]) * 100:.1f}"
        fixed.append(",".join(cells))
    report = _ingest(sqlite_workspace, tmp_path, "\n".join(fixed) + "\n", devices=example_devices)
    _rejected_file(report, sqlite_workspace[0], "'Port1 m³/m³ Water Content'", "that is percent")


def test_percent_labelled_as_percent_is_converted(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    rows = [r.replace(",0.28", ",28.").replace("m3/m3", "%") for r in _hourly(5)]
    report = _ingest(sqlite_workspace, tmp_path, _long(*rows))
    assert report.accepted == 5
    values = [r[4] for r in readings(sqlite_workspace[0])]
    assert values[0] == pytest.approx(0.28)


def test_mixed_units_in_one_series_reject_the_file(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    rows = _hourly(3) + [_row(ts="2024-05-01T05:00:00Z", value="28.1", unit="%")]
    report = _ingest(sqlite_workspace, tmp_path, _long(*rows))
    _rejected_file(
        report,
        sqlite_workspace[0],
        "vwc_m3_m3 of device 'dev-1' port 1 comes in more than one unit (%, m3/m3)",
        "export each sensor in one unit",
    )


@pytest.mark.parametrize("content", [b"", b"  \n\n", HEADER.encode()])
def test_empty_files_are_rejected(
    sqlite_workspace: Workspace, tmp_path: Path, content: bytes
) -> None:
    report = _ingest(sqlite_workspace, tmp_path, content)
    message = " ".join(report.problems)
    assert report.status == "rejected"
    assert "the file is empty" in message or "holds no readings" in message
    assert readings(sqlite_workspace[0]) == []


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_wrong_delimiter_is_rejected_naming_it(
    sqlite_workspace: Workspace, tmp_path: Path, separator: str, name: str
) -> None:
    report = _ingest(sqlite_workspace, tmp_path, _long(*_hourly(3)).replace(",", separator))
    _rejected_file(
        report, sqlite_workspace[0], f"columns are separated by {name}", "commas as separators"
    )


@pytest.mark.parametrize(
    ("encoding", "prefix", "reported"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("latin-1", b"", "latin-1")],
)
def test_utf8_bom_and_latin1_exports_read_the_same(
    tmp_path: Path,
    example_devices: pd.DataFrame,
    encoding: str,
    prefix: bytes,
    reported: str,
) -> None:
    text = (EXAMPLES / "zentra_z6-10234.csv").read_text(encoding="utf-8")
    workspace = storage.Workspace(tmp_path / encoding / reported)
    engine = storage.open_workspace(workspace)
    report = _ingest(
        (engine, workspace),
        tmp_path,
        prefix + text.encode(encoding),
        devices=example_devices,
    )
    assert report.encoding == reported
    assert report.accepted == 126
    assert report.ignored_columns[-1] == "°C Logger Temperature"
    engine.dispose()


def test_damaged_utf8_is_rejected_rather_than_guessed(
    sqlite_workspace: Workspace, tmp_path: Path, example_devices: pd.DataFrame
) -> None:
    raw = (EXAMPLES / "zentra_z6-10234.csv").read_bytes()
    damaged = raw.replace(b"0.312", b"0.31\xff", 1)
    report = _ingest(sqlite_workspace, tmp_path, damaged, devices=example_devices)
    _rejected_file(report, sqlite_workspace[0], "is not valid UTF-8", "re-export it as UTF-8")


def test_truncated_last_line_is_quarantined_and_the_rest_kept(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    content = _long(*_hourly(3)) + "dev-1,1,10,vwc_m3_m3,2024-05-0"
    report = _ingest(sqlite_workspace, tmp_path, content)
    assert (report.accepted, report.rejected) == (3, 1)
    [(line, _, reason, raw)] = quarantine(sqlite_workspace[0])
    assert (line, raw) == (5, "dev-1,1,10,vwc_m3_m3,2024-05-0")
    assert "the last line is cut off" in reason and "re-send the complete file" in reason


def test_last_line_cut_inside_its_last_field_is_quarantined(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    content = _long(*_hourly(3)) + "dev-1,1,10,vwc_m3_m3,2024-05-01T05:00:00Z,0.29,m3/"
    report = _ingest(sqlite_workspace, tmp_path, content)
    assert (report.accepted, report.rejected) == (3, 1)
    reason = quarantine(sqlite_workspace[0])[0][2]
    assert "unit 'm3/' is not known for vwc_m3_m3" in reason
    assert "may be cut off" in reason


def test_a_row_with_a_missing_comma_is_quarantined(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    rows = _hourly(3)
    rows.insert(1, "dev-1,1,10,vwc_m3_m3,2024-05-01T09:00:00Z0.3,m3/m3")
    report = _ingest(sqlite_workspace, tmp_path, _long(*rows))
    assert (report.accepted, report.rejected) == (3, 1)
    [(line, _, reason, _)] = quarantine(sqlite_workspace[0])
    assert line == 3
    assert "has 6 fields where the header has 7" in reason


def test_depth_disagreeing_with_the_registry_is_quarantined(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    report = _ingest(
        sqlite_workspace, tmp_path, _long(*_hourly(2), _row(ts="2024-05-03T00:00Z", depth="20"))
    )
    assert report.rejected == 1
    assert (
        "depth 20 cm in the file, but the registry has 10 cm"
        in quarantine(sqlite_workspace[0])[0][2]
    )


def test_repeated_lines_count_as_duplicates_and_conflicts_are_quarantined(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    rows = _hourly(3)
    rows += [rows[0], rows[1].replace("0.281", "0.399")]
    report = _ingest(sqlite_workspace, tmp_path, _long(*rows))
    assert (report.accepted, report.duplicate, report.rejected) == (3, 1, 1)
    reason = quarantine(sqlite_workspace[0])[0][2]
    assert "line 3 already gives 0.281 for the same sensor and time" in reason


def test_a_changed_value_never_overwrites_a_stored_reading(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    first = _ingest(sqlite_workspace, tmp_path, _long(*_hourly(3)), name="a.csv")
    second = _ingest(
        sqlite_workspace, tmp_path, _long(*_hourly(3)).replace("0.281", "0.301"), name="b.csv"
    )
    assert first.accepted == 3
    assert (second.accepted, second.duplicate, second.rejected) == (0, 2, 1)
    assert second.conflicting == 1
    assert "is already stored with the value 0.281" in quarantine(sqlite_workspace[0])[0][2]
    assert [r[4] for r in readings(sqlite_workspace[0])][1] == 0.281


def test_quarantine_download_names_file_line_and_reason(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    report = _ingest(sqlite_workspace, tmp_path, _long(*_hourly(2), _row(port=7, depth="")))
    table = read_quarantine(sqlite_workspace[0], report.upload_id)
    assert list(table.columns) == ["upload_id", "file_name", "line", "column", "reason", "raw"]
    assert table.iloc[0]["file_name"] == "log.csv"
    assert table.iloc[0]["line"] == 4
