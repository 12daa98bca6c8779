"""Exports of the loggers cooperatives own, detected and read through `ingest_file`.

The files are in data/real/ (SOURCES.md says where each layout comes from). Every expected
value below is worked out by hand from the file's own line, with the conversion written out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.sources.sensors import IngestReport, ingest_file
from pipelines.sources.sensors.detect import LAYOUTS, detect_format
from pipelines.sources.sensors.text import decode_log
from pipelines.store import storage
from pipelines.store.schema import sensor_readings

REAL = Path(__file__).parent / "data" / "real"
F_TO_C = 5 / 9


@pytest.fixture
def real_devices() -> pd.DataFrame:
    return pd.read_csv(REAL / "devices.csv", dtype=str, keep_default_na=False)


def _stored(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sensor_readings)).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def _value(frame: pd.DataFrame, device: str, port: int, variable: str, ts: str) -> float:
    row = frame[
        frame["device_id"].eq(device)
        & frame["port"].eq(port)
        & frame["variable"].eq(variable)
        & frame["ts"].eq(pd.Timestamp(ts))
    ]
    assert len(row) == 1, (device, port, variable, ts, frame)
    return float(row["value"].iloc[0])


def _ingest(
    workspace: tuple[Engine, storage.Workspace],
    name: str,
    devices: pd.DataFrame,
    device_id: str | None = None,
) -> tuple[IngestReport, pd.DataFrame]:
    engine, ws = workspace
    report = ingest_file(engine, ws, REAL / name, devices=devices, device_id=device_id)
    assert report.status == "ok", report.problems
    return report, _stored(engine)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zentra_utility_z6-05512.csv", "zentra"),
        ("zentra_cloud_api_z6-05512.json", "zentra"),
        ("hobo_us_20512345.csv", "hobo"),
        ("hobo_eu_semicolon_10360568.csv", "hobo"),
        ("hobo_sv_yearfirst_10360569.csv", "hobo"),
        ("toa5_Hogehof_Hourly.dat", "toa5"),
        ("weatherlink_download_ws-meent.txt", "davis"),
        ("ambient_weather_export.csv", "ambient"),
        ("ambient_weather_api.json", "ambient"),
    ],
)
def test_each_real_layout_is_detected(name: str, expected: str) -> None:
    assert detect_format(decode_log((REAL / name).read_bytes(), name)) == expected


def test_zentra_utility_export_with_records_line_and_12_hour_clock(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(sqlite_workspace, "zentra_utility_z6-05512.csv", real_devices)
    assert report.format == "zentra"
    assert report.accepted == 6 * 5  # port 1: VWC, T, EC; port 2: VWC, T
    # "05/18/2025 12:00:00 PM" in Amsterdam (CEST, UTC+2) is 10:00 UTC.
    assert _value(frame, "z6-05512", 1, "vwc_m3_m3", "2025-05-18T10:00Z") == 0.2803
    assert _value(frame, "z6-05512", 2, "soil_temp_degc", "2025-05-18T09:00Z") == 16.4
    assert _value(frame, "z6-05512", 1, "ec_ds_m", "2025-05-18T10:15Z") == 0.26
    assert "% Battery Percent" in " ".join(report.ignored_columns)


def test_zentra_cloud_api_json(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(sqlite_workspace, "zentra_cloud_api_z6-05512.json", real_devices)
    assert report.format == "zentra"
    assert report.accepted == 4
    assert report.rejected == 1  # the reading the logger flagged: "Sensor did not respond"
    # timestamp_utc 1747558800 = 2025-05-18T09:00:00Z
    assert _value(frame, "z6-05512", 1, "vwc_m3_m3", "2025-05-18T09:00Z") == 0.281
    assert _value(frame, "z6-05512", 1, "soil_temp_degc", "2025-05-18T09:15Z") == 17.9
    assert report.ignored_columns == ("Battery Percent",)


def test_hobo_us_export_with_gmt_offset_fahrenheit_and_event_rows(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(sqlite_workspace, "hobo_us_20512345.csv", real_devices)
    assert report.format == "hobo"
    assert report.accepted == 6 * 2
    assert report.rejected == 0  # the two event-only rows are not readings
    assert any("only an event" in note for note in report.notes)
    # "05/18/25 11:00:00 PM" at GMT-05:00 is 2025-05-19 04:00 UTC.
    assert _value(frame, "20512345", 1, "vwc_m3_m3", "2025-05-19T04:00Z") == 0.281
    temp = _value(frame, "20512345", 2, "soil_temp_degc", "2025-05-19T04:00Z")
    assert temp == pytest.approx((61.2 - 32) * F_TO_C)
    # 12:15:00 AM the next day is 05:15 UTC.
    assert _value(frame, "20512345", 1, "vwc_m3_m3", "2025-05-19T05:15Z") == 0.278


def test_hobo_european_semicolons_decimal_commas_day_first(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(sqlite_workspace, "hobo_eu_semicolon_10360568.csv", real_devices)
    assert report.accepted == 6 * 2
    # "18.05.25 22:00:00" at GMT+02:00 is 20:00 UTC; "14,72" is 14.72 °C of air (no soil).
    assert _value(frame, "10360568", 1, "air_temp_degc", "2025-05-18T20:00Z") == 14.72
    assert _value(frame, "10360568", 1, "rh_pct", "2025-05-19T01:00Z") == 95.0
    assert any("air temperature" in note for note in report.notes)


def test_hobo_year_first_with_swedish_am_pm(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(sqlite_workspace, "hobo_sv_yearfirst_10360569.csv", real_devices)
    assert report.accepted == 5
    # "2025/05/18 12:00:00 em" is noon; at GMT+01:00 that is 11:00 UTC.
    assert _value(frame, "10360569", 1, "air_temp_degc", "2025-05-18T11:00Z") == 13.53
    # "01:00:00 em" is 13:00 local, 12:00 UTC.
    assert _value(frame, "10360569", 1, "air_temp_degc", "2025-05-18T12:00Z") == 14.118


def test_campbell_toa5_soil_and_weather_fields(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(sqlite_workspace, "toa5_Hogehof_Hourly.dat", real_devices)
    assert report.format == "toa5"
    # 6 lines x 12 stored fields (3 per probe, 6 weather), less the one NAN (missing, not bad).
    assert report.accepted == 6 * 12 - 1
    assert report.rejected == 0
    assert report.empty_cells == 1
    assert {"BattV_Min", "AirTC_Max"} <= set(report.ignored_columns)
    # "2025-05-18 02:00:00" on the logger's clock in Amsterdam is 00:00 UTC.
    at = "2025-05-18T00:00Z"
    assert _value(frame, "Hogehof", 1, "vwc_m3_m3", at) == 0.280
    assert _value(frame, "Hogehof", 2, "ec_bulk_ds_m", at) == 0.18
    assert _value(frame, "Hogehof", 1, "soil_temp_degc", at) == 13.8
    assert _value(frame, "Hogehof", 0, "precip_mm", at) == 1.4
    assert _value(frame, "Hogehof", 0, "pressure_kpa", at) == pytest.approx(101.18)  # mbar / 10
    assert _value(frame, "Hogehof", 0, "wind_m_s", at) == 2.2


def test_weatherlink_download_text_in_us_units(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(sqlite_workspace, "weatherlink_download_ws-meent.txt", real_devices)
    assert report.format == "davis"
    # "5/18/25 1:00a" in New York (EDT, UTC-4) is 05:00 UTC.
    at = "2025-05-18T05:00Z"
    assert _value(frame, "ws-meent", 0, "air_temp_degc", at) == pytest.approx((51.8 - 32) * F_TO_C)
    assert _value(frame, "ws-meent", 0, "precip_mm", at) == pytest.approx(0.254)
    assert _value(frame, "ws-meent", 0, "wind_m_s", at) == pytest.approx(0.44704)
    assert _value(frame, "ws-meent", 0, "msl_pressure_kpa", at) == pytest.approx(30.008 * 3.386389)
    # "12:30p" is 12:30 local, 16:30 UTC; "---" wind at 1:30a is missing, not rejected.
    assert _value(frame, "ws-meent", 0, "rh_pct", "2025-05-18T16:30Z") == 59
    assert report.rejected == 0


def test_weatherlink_download_text_without_units_is_refused_with_the_fix(
    sqlite_workspace: tuple[Engine, storage.Workspace],
    real_devices: pd.DataFrame,
    tmp_path: Path,
) -> None:
    source = (REAL / "weatherlink_download_ws-meent.txt").read_text()
    path = tmp_path / "download.txt"
    path.write_text(source.replace("Units,US\n", ""))
    engine, ws = sqlite_workspace
    report = ingest_file(engine, ws, path, devices=real_devices)
    assert report.status == "rejected"
    assert "Units,US" in report.problems[0] and "Units,metric" in report.problems[0]


def test_ambient_weather_csv(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(
        sqlite_workspace, "ambient_weather_export.csv", real_devices, device_id="ws-2902"
    )
    assert report.format == "ambient"
    at = "2025-05-18T16:00Z"  # 2025-05-18T12:00:00-04:00
    assert _value(frame, "ws-2902", 0, "air_temp_degc", at) == pytest.approx((71.1 - 32) * F_TO_C)
    assert _value(frame, "ws-2902", 1, "vwc_m3_m3", at) == pytest.approx(0.31)
    assert _value(frame, "ws-2902", 1, "soil_temp_degc", at) == pytest.approx((64.2 - 32) * F_TO_C)
    assert "Hourly Rain (in/hr)" in report.ignored_columns


def test_ambient_weather_api_json_epoch_milliseconds(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame
) -> None:
    report, frame = _ingest(
        sqlite_workspace, "ambient_weather_api.json", real_devices, device_id="ws-2902"
    )
    assert report.format == "ambient"
    # dateutc 1747584900000 ms = 2025-05-18T16:15:00Z
    at = "2025-05-18T16:15Z"
    assert _value(frame, "ws-2902", 0, "air_temp_degc", at) == pytest.approx((71.9 - 32) * F_TO_C)
    assert _value(frame, "ws-2902", 0, "wind_m_s", at) == pytest.approx(2.2 * 0.44704)
    assert _value(frame, "ws-2902", 1, "vwc_m3_m3", at) == pytest.approx(0.30)
    assert _value(frame, "ws-2902", 0, "msl_pressure_kpa", at) == pytest.approx(30.01 * 3.386389)
    assert _value(frame, "ws-2902", 0, "dew_point_degc", at) == pytest.approx((52.6 - 32) * F_TO_C)
    assert report.accepted == 2 * 9  # 6 station quantities + dew point, soil 1 (2)
    assert report.ignored_columns == ()


def test_ambiguous_file_is_refused_naming_the_candidates(
    sqlite_workspace: tuple[Engine, storage.Workspace], tmp_path: Path
) -> None:
    # "Date/Time" with a Sentek code column and WeatherLink-style unit columns fits both.
    path = tmp_path / "both.csv"
    path.write_text(
        "Logger ID,SK-1\nDate/Time,A1(10),Temp - °F,Hum - %\n2025/05/20 00:00:00,31.2,50.1,80\n"
    )
    engine, ws = sqlite_workspace
    report = ingest_file(engine, ws, path, devices=pd.DataFrame(columns=_DEVICE_COLUMNS))
    assert report.status == "rejected"
    message = report.problems[0]
    assert "more than one layout" in message
    assert "davis" in message and "sentek" in message
    assert "--format davis|sentek" in message or "--format sentek|davis" in message


def test_unknown_file_error_lists_the_layouts_and_describes_the_file(
    sqlite_workspace: tuple[Engine, storage.Workspace], tmp_path: Path
) -> None:
    path = tmp_path / "mystery.csv"
    path.write_text("when,how wet\n2025-05-18 10:00,31\n")
    engine, ws = sqlite_workspace
    report = ingest_file(engine, ws, path, devices=pd.DataFrame(columns=_DEVICE_COLUMNS))
    assert report.status == "rejected"
    message = report.problems[0]
    assert "'when,how wet'" in message
    assert "separated by commas" in message
    for layout in LAYOUTS:
        assert f"{layout.name}:" in message
    assert "--mapping" in message


def test_day_first_or_month_first_that_cannot_be_told_apart_is_refused(
    sqlite_workspace: tuple[Engine, storage.Workspace], real_devices: pd.DataFrame, tmp_path: Path
) -> None:
    header = (REAL / "hobo_us_20512345.csv").read_text().splitlines()[:2]
    # 05/06 and 06/06: both orders read both lines and keep them in file order.
    body = ["1,05/06/25 11:00:00 PM,0.281,61.2,,,,", "2,06/06/25 11:00:00 PM,0.280,61.0,,,,"]
    path = tmp_path / "hobo.csv"
    path.write_text("\n".join(header + body) + "\n")
    engine, ws = sqlite_workspace
    report = ingest_file(engine, ws, path, devices=real_devices)
    assert report.status == "rejected"
    assert "month/day/year" in report.problems[0] and "day/month/year" in report.problems[0]


_DEVICE_COLUMNS = [
    "device_id",
    "port",
    "field_id",
    "depth_cm",
    "sensor_model",
    "timezone",
    "installed_date",
    "removed_date",
]
