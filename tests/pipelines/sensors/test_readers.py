"""One realistic file per vendor layout, read to canonical readings (no database involved)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.sources.sensors.detect import detect_format, read_log
from pipelines.sources.sensors.parsed import ParsedLog
from pipelines.sources.sensors.text import decode_log
from pipelines.sources.sensors.validate import Resolved, normalise_devices, resolve
from pipelines.sources.sensors.wide import WideMapping, read_mapping
from tests.pipelines.sensors.conftest import EXAMPLES, SAMPLE_SENSORS


def _read(
    path: Path, devices: pd.DataFrame, mapping: WideMapping | None = None
) -> tuple[str, Resolved, ParsedLog]:
    text = decode_log(path.read_bytes(), path.name)
    parsed = read_log(text, mapping=mapping)
    return parsed.format, resolve(parsed, normalise_devices(devices)), parsed


def _frame(resolved: Resolved) -> pd.DataFrame:
    """Readings with their segment's device, port and variable, and ts as UTC timestamps."""
    segments = resolved.segments.iloc[resolved.segment].reset_index(drop=True)
    return pd.DataFrame(
        {
            "device_id": segments["device_id"],
            "port": segments["port"],
            "variable": segments["variable"],
            "depth_cm": segments["depth_cm"],
            "ts": pd.to_datetime(resolved.ts, unit="s", utc=True),
            "value": resolved.value,
            "line": resolved.line,
        }
    )


def _value(frame: pd.DataFrame, port: int, variable: str, ts: str) -> float:
    row = frame[
        frame["port"].eq(port) & frame["variable"].eq(variable) & frame["ts"].eq(pd.Timestamp(ts))
    ]
    assert len(row) == 1, row
    return float(row["value"].iloc[0])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zentra_z6-10234.csv", "zentra"),
        ("long_sm-40264.csv", "long"),
        ("sentek_SK-21044.csv", "sentek"),
        ("davis_ws-meent.csv", "davis"),
    ],
)
def test_auto_detection_recognises_each_layout(name: str, expected: str) -> None:
    assert detect_format(decode_log((EXAMPLES / name).read_bytes(), name)) == expected


def test_zentra_export_with_the_autumn_clock_change(example_devices: pd.DataFrame) -> None:
    fmt, resolved, parsed = _read(EXAMPLES / "zentra_z6-10234.csv", example_devices)
    frame = _frame(resolved)
    assert fmt == "zentra"
    assert len(frame) == 14 * 9  # 14 lines, 3 ports x (VWC, temperature, EC)
    assert set(frame["variable"]) == {"vwc_m3_m3", "soil_temp_degc", "ec_ds_m"}
    # Local 20:00 CEST is 18:00 UTC; the two 02:00 lines are 00:00 (CEST) and 01:00 (CET) UTC.
    assert frame["ts"].min() == pd.Timestamp("2025-10-25T18:00Z")
    assert _value(frame, 1, "vwc_m3_m3", "2025-10-26T00:00Z") == 0.310
    assert _value(frame, 1, "vwc_m3_m3", "2025-10-26T01:00Z") == 0.308
    assert frame["ts"].nunique() == 14
    assert _value(frame, 3, "ec_ds_m", "2025-10-25T18:00Z") == 0.52  # mS/cm = dS/m
    assert dict(zip(frame["port"], frame["depth_cm"], strict=True)) == {1: 10, 2: 30, 3: 60}
    assert parsed.ignored_columns == [
        "% Battery Percent",
        "mV Battery Voltage",
        "kPa Reference Pressure",
        "°C Logger Temperature",
    ]


def test_generic_long_csv(example_devices: pd.DataFrame) -> None:
    fmt, resolved, _ = _read(EXAMPLES / "long_sm-40264.csv", example_devices)
    frame = _frame(resolved)
    assert fmt == "long"
    assert len(frame) == 12 * 2 * 2
    assert _value(frame, 2, "vwc_m3_m3", "2025-06-01T03:00Z") == 0.286
    assert frame.loc[frame["port"].eq(1), "line"].min() == 2  # the header is line 1


def test_wide_csv_with_its_mapping_file(example_devices: pd.DataFrame) -> None:
    mapping = read_mapping((EXAMPLES / "wide_dl-7.mapping.csv").read_bytes(), "mapping")
    fmt, resolved, parsed = _read(EXAMPLES / "wide_dl-7.csv", example_devices, mapping=mapping)
    frame = _frame(resolved)
    assert fmt == "wide"
    assert len(frame) == 16 * 3
    # 28.4 % VWC at local midnight in Amsterdam (UTC+2 in July).
    assert _value(frame, 1, "vwc_m3_m3", "2025-06-30T22:00Z") == pytest.approx(0.284)
    assert _value(frame, 1, "soil_temp_degc", "2025-06-30T22:00Z") == pytest.approx(18.2)
    assert parsed.ignored_columns == ["battery_v"]


def test_sentek_irrimax_style_export(example_devices: pd.DataFrame) -> None:
    fmt, resolved, parsed = _read(EXAMPLES / "sentek_SK-21044.csv", example_devices)
    frame = _frame(resolved)
    assert fmt == "sentek"
    assert len(frame) == 16 * 8  # 4 moisture and 4 temperature sensors
    assert set(frame["device_id"]) == {"SK-21044"}
    assert _value(frame, 1, "vwc_m3_m3", "2025-05-19T22:00Z") == pytest.approx(0.312)
    assert _value(frame, 4, "soil_temp_degc", "2025-05-19T22:00Z") == pytest.approx(12.1)
    assert parsed.ignored_columns == ["S1(10)", "S2(20)"]


def test_davis_weatherlink_style_export_in_us_units(example_devices: pd.DataFrame) -> None:
    fmt, resolved, parsed = _read(EXAMPLES / "davis_ws-meent.csv", example_devices)
    frame = _frame(resolved)
    assert fmt == "davis"
    at = "2025-05-17T22:00Z"  # 5/18/25 12:00 AM in Amsterdam
    assert _value(frame, 0, "air_temp_degc", at) == pytest.approx((52.3 - 32) * 5 / 9)
    assert _value(frame, 0, "rh_pct", at) == 88
    assert _value(frame, 0, "wind_m_s", at) == pytest.approx(2.1 * 0.44704)
    assert _value(frame, 0, "msl_pressure_kpa", at) == pytest.approx(30.010 * 3.386389)
    assert _value(frame, 0, "precip_mm", "2025-05-18T00:00Z") == pytest.approx(0.254)
    assert "Wind Direction" in parsed.ignored_columns


def test_zentra_sample_in_percent_is_converted(tmp_path: Path) -> None:
    path = SAMPLE_SENSORS / "zentra" / "z6-10345_2025.csv"
    if not path.exists():
        pytest.skip("sample_data/demo has not been generated")
    devices = pd.read_csv(SAMPLE_SENSORS / "devices.csv", dtype=str, keep_default_na=False)
    fmt, resolved, parsed = _read(path, devices)
    frame = _frame(resolved)
    vwc = frame.loc[frame["variable"].eq("vwc_m3_m3"), "value"].to_numpy()
    assert fmt == "zentra"
    assert 0.05 < np.median(vwc) < 0.6  # m³/m³, not percent
    assert any("in percent" in note for note in parsed.notes)
    assert not resolved.rejected
