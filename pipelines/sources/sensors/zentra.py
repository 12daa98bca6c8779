"""METER ZENTRA Cloud CSV export: a three-line header naming port, sensor and unit.

```
z6-10234,Port1,Port1,Port1,Port2,...
Timestamps,TEROS 12 Moisture/Temp/EC,TEROS 12 Moisture/Temp/EC,...
,m³/m³ Water Content,°C Soil Temperature,mS/cm Saturation Extract EC,...
2025-05-18 11:00:00,0.1410,17.8,0.25,...
```

Line 1 names the logger (its serial, possibly as "name (serial)") and the port of each column;
line 2 the sensor model; line 3 the unit and the measurement. Timestamps are the logger's local
time (its zone comes from devices.csv) unless they carry an offset. Logger-health columns
(battery, reference pressure, logger temperature) and measurements we do not store are listed
in the report as ignored, never dropped silently.

ZENTRA Utility (and the Cloud's "Export data" in its newer form) writes the record count where
the Cloud export has its timestamp label, and the label on line 3:

```
z6-10234,Port1,Port1,Port1,Port2,...
Records: 2881,TEROS 12 Moisture/Temp/EC,TEROS 12 Moisture/Temp/EC,...
Timestamps, m³/m³ Water Content, °C Soil Temperature, mS/cm Saturation Extract EC,...
05/18/2025 11:00:00 AM,0.1410,17.8,0.25,...
```

with dates in the exporting computer's locale and a 12-hour clock (`vendor_times`).

The ZENTRA Cloud API (`get_readings`, v4) answers with JSON: `data` maps each measurement to a
list of series, each with `metadata` (`device_sn`, `port_number`, `units`) and `readings`
(`timestamp_utc` in epoch seconds, `value`, `error_flag`). Those timestamps are UTC instants.
"""

from __future__ import annotations

import re

import numpy as np

from pipelines.sources.sensors import units
from pipelines.sources.sensors.json_log import JsonLines, load_json
from pipelines.sources.sensors.parsed import (
    ParsedLog,
    Readings,
    Rejection,
    WideColumn,
    check_fraction_columns,
    check_no_mixed_units,
    explode_wide,
    reject_file,
)
from pipelines.sources.sensors.text import LogText, check_delimiter, read_body
from pipelines.sources.sensors.vendor_times import iso_time_column

# ZENTRA measurement names (line 3, after the unit) and the canonical variable they hold.
MEASUREMENTS = {
    "water content": "vwc_m3_m3",
    "soil temperature": "soil_temp_degc",
    "saturation extract ec": "ec_ds_m",
    "bulk ec": "ec_bulk_ds_m",
    "precipitation": "precip_mm",
    "air temperature": "air_temp_degc",
    "relative humidity": "rh_pct",
    "wind speed": "wind_m_s",
    "solar radiation": "solar_rad_w_m2",
    "atmospheric pressure": "pressure_kpa",
}
_PORT = re.compile(r"^port\s*(\d+)$", re.IGNORECASE)
_SERIAL_IN_PARENS = re.compile(r"\(([A-Za-z0-9_.\-]+)\)\s*$")


_TIME_LABELS = ("timestamps", "timestamp", "measurement time")
_RECORDS = re.compile(r"^records\s*:\s*\d+$", re.IGNORECASE)


def looks_like_zentra(head: list[str]) -> bool:
    if len(head) < 3:
        return False
    first = [c.strip() for c in head[0].split(",")]
    second = [c.strip() for c in head[1].split(",")]
    third = [c.strip() for c in head[2].split(",")]
    cloud = second[0].lower() in _TIME_LABELS
    utility = bool(_RECORDS.match(second[0])) and third[0].lower() in _TIME_LABELS
    return (
        len(first) > 1
        and all(_PORT.match(c) or c == "" for c in first[1:])
        and any(_PORT.match(c) for c in first[1:])
        and (cloud or utility)
    )


def looks_like_zentra_json(start: str) -> bool:
    start = start.lstrip()
    return start.startswith("{") and '"timestamp_utc"' in start and '"port_number"' in start


def read_zentra(text: LogText, device_id: str | None = None) -> ParsedLog:
    if text.data[:1] == b"{" or text.data.lstrip()[:1] == b"{":
        return read_zentra_json(text, device_id)
    head = text.head(3)
    if len(head) < 3:
        raise reject_file(text, "a ZENTRA export has three header lines; this file is shorter")
    for number, line in enumerate(head, start=1):
        check_delimiter(text, number, line)
    names = [c.strip() for c in head[0].split(",")]
    measures = [c.strip() for c in head[2].split(",")]
    if len(measures) < len(names):
        measures += [""] * (len(names) - len(measures))
    device = device_id or _serial(names[0])
    if not device:
        raise reject_file(
            text,
            "line 1 does not name the logger; its first cell should hold the serial (e.g. "
            "z6-10234), or pass the device id with the upload (--device)",
            "line 1",
        )
    columns: list[WideColumn] = []
    ignored: list[str] = []
    for index in range(1, len(names)):
        label = f"{names[index]} {measures[index]}".strip()
        port_match = _PORT.match(names[index])
        measure = _measurement(measures[index])
        if port_match is None or measure is None:
            ignored.append(label)
            continue
        unit_label, variable_name = measure
        spec = units.VARIABLES[variable_name]
        unit = spec.unit(unit_label)
        if unit is None:
            raise reject_file(
                text,
                f"column {index + 1} ('{label}'): unit '{unit_label}' is not known for "
                f"{variable_name}; use one of {spec.unit_hint()}",
                "line 3",
            )
        columns.append(
            WideColumn(label, index, device, int(port_match.group(1)), variable_name, unit)
        )
    if not columns:
        raise reject_file(
            text,
            "no column holds a measurement we store (water content, soil temperature, EC, "
            "weather); check that this is a ZENTRA Cloud export with its three header lines",
            "line 3",
        )
    check_no_mixed_units(text, columns)
    body = read_body(text, 3, [f"c{i}" for i in range(len(names))])
    body = iso_time_column(text, body, 0, None)
    parsed = explode_wide(text, "zentra", body, 0, columns, ignored)
    check_fraction_columns(text, columns, parsed)
    for column in columns:
        if column.variable == "vwc_m3_m3" and not units.is_fraction_unit(column.unit):
            parsed.notes.append(
                f"'{column.column}' is in percent: converted to m³/m³ (divided by 100)"
            )
    return parsed


def _serial(cell: str) -> str:
    cell = cell.strip()
    found = _SERIAL_IN_PARENS.search(cell)
    return found.group(1) if found else cell


def _measurement(label: str) -> tuple[str, str] | None:
    """('m³/m³', 'vwc_m3_m3') from 'm³/m³ Water Content'; None when not a stored measurement."""
    lowered = label.strip().lower()
    for name, variable_name in MEASUREMENTS.items():
        if lowered.endswith(name):
            return label.strip()[: len(lowered) - len(name)].strip(), variable_name
    return None


def read_zentra_json(text: LogText, device_id: str | None = None) -> ParsedLog:
    """Readings from a ZENTRA Cloud API v4 `get_readings` answer (see the module docstring)."""
    document = load_json(text)
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise reject_file(
            text,
            "a ZENTRA Cloud API answer has a 'data' object mapping each measurement to its "
            "series; this JSON has none (save the get_readings response as it came)",
        )
    info = document.get("device_info")
    device_default = device_id or (str(info.get("device_sn", "")) if isinstance(info, dict) else "")
    finder = JsonLines(text)
    rows: list[tuple[int, str, int, str, float, int, str]] = []
    rejected: list[Rejection] = []
    ignored: list[str] = []
    empty = 0
    for measurement, series_list in data.items():
        measure = _measurement(str(measurement))
        if measure is None or not isinstance(series_list, list):
            ignored.append(str(measurement))
            continue
        variable_name = measure[1]
        spec = units.VARIABLES[variable_name]
        for series in series_list:
            meta = series.get("metadata", {}) if isinstance(series, dict) else {}
            unit_label = str(meta.get("units", "")).strip()
            unit = spec.unit(unit_label)
            if unit is None:
                raise reject_file(
                    text,
                    f"'{measurement}' has unit '{unit_label}', which is not known for "
                    f"{variable_name}; units known: {spec.unit_hint()}",
                )
            device = device_id or str(meta.get("device_sn") or device_default)
            if not device:
                raise reject_file(
                    text,
                    "the answer does not name the logger (device_info.device_sn or "
                    "metadata.device_sn); pass the device id with the upload (--device)",
                )
            port = int(meta.get("port_number", 0))
            column = f"Port{port} {unit_label} {measurement}"
            for reading in series.get("readings", []):
                stamp = reading.get("timestamp_utc")
                line = finder.line_of(stamp)
                value = reading.get("value")
                if reading.get("error_flag"):
                    reason = str(reading.get("error_description") or "flagged by the logger")
                    rejected.append(Rejection(line, column, f"sensor error: {reason}"))
                    continue
                if value is None:
                    empty += 1
                    continue
                if not isinstance(stamp, int | float) or not isinstance(value, int | float):
                    rejected.append(
                        Rejection(line, column, f"timestamp_utc {stamp!r} or value {value!r}")
                    )
                    continue
                canonical = float(units.to_canonical(np.asarray([float(value)]), unit)[0])
                rows.append((line, device, port, variable_name, canonical, int(stamp), column))
    readings = _readings(rows)
    parsed = ParsedLog("zentra", readings, rejected, ignored, empty)
    parsed.notes.append("ZENTRA Cloud API answer: timestamps are UTC (timestamp_utc)")
    return parsed


def _readings(rows: list[tuple[int, str, int, str, float, int, str]]) -> Readings:
    if not rows:
        return Readings.empty()
    line, device, port, variable_name, value, ts, column = zip(*rows, strict=True)
    n = len(rows)
    return Readings.build(
        np.asarray(line, dtype=np.int64),
        np.asarray(device, dtype=object),
        np.asarray(port, dtype=np.int64),
        np.asarray(variable_name, dtype=object),
        np.asarray(value, dtype=np.float64),
        np.asarray(ts, dtype=np.int64),
        np.zeros(n, dtype=bool),
        np.full(n, np.nan),
        np.asarray(column, dtype=object),
    )
