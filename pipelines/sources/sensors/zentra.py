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
"""

from __future__ import annotations

import re

from pipelines.sources.sensors import units
from pipelines.sources.sensors.parsed import (
    ParsedLog,
    WideColumn,
    check_fraction_columns,
    check_no_mixed_units,
    explode_wide,
    reject_file,
)
from pipelines.sources.sensors.text import LogText, check_delimiter, read_body

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


def looks_like_zentra(head: list[str]) -> bool:
    if len(head) < 3:
        return False
    first = [c.strip() for c in head[0].split(",")]
    second = [c.strip() for c in head[1].split(",")]
    return (
        len(first) > 1
        and all(_PORT.match(c) or c == "" for c in first[1:])
        and any(_PORT.match(c) for c in first[1:])
        and second[0].lower() in ("timestamps", "timestamp")
    )


def read_zentra(text: LogText, device_id: str | None = None) -> ParsedLog:
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
