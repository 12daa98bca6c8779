"""Sentek IrriMAX-style CSV: a few `key,value` lines, then one column per sensor on the probe.

```
Logger ID,SK-21044
Site,Hogehof north
Date Time,A1(10),A2(30),A3(60),T1(10),T2(30),T3(60)
2025/05/20 00:00:00,31.25,28.40,35.10,14.2,13.8,12.9
```

Column codes are `<type><sensor number>(<depth in cm>)`: `A` is soil moisture in % volumetric
(IrriMAX's "mm per 100 mm", the same number), `T` soil temperature in °C, `S`/`V` salinity in
VIC units (volumetric ion content, which has no conversion to dS/m without a site calibration,
so it is listed as ignored). The sensor number is the port in devices.csv, and the depth in
brackets must agree with the installation's depth. Timestamps are the logger's local time.
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

_CODE = re.compile(r"^([A-Za-z])(\d+)\s*\(\s*(\d+(?:\.\d+)?)\s*(?:cm)?\s*\)$")
_TIME_NAMES = ("date time", "datetime", "date/time", "timestamp", "date & time")
_DEVICE_KEYS = ("logger id", "logger", "probe id", "probe", "serial", "device id", "device")
CODES = {"A": ("vwc_m3_m3", "%"), "T": ("soil_temp_degc", "degC")}


def header_line(head: list[str]) -> int | None:
    """0-based index of the column header line, if this is a Sentek-style file."""
    for index, line in enumerate(head):
        cells = [c.strip() for c in line.split(",")]
        if (
            len(cells) > 1
            and cells[0].lower() in _TIME_NAMES
            and sum(bool(_CODE.match(c)) for c in cells[1:]) >= 1
        ):
            return index
    return None


def read_sentek(text: LogText, device_id: str | None = None) -> ParsedLog:
    head = text.head(40)
    index = header_line(head)
    if index is None:
        raise reject_file(
            text,
            "no column header of the form 'Date Time,A1(10),A2(30),...' found in the first 40 "
            "lines; see docs/sensor-formats.md for the Sentek layout",
        )
    check_delimiter(text, index + 1, head[index])
    meta = {}
    for line in head[:index]:
        key, _, value = line.replace(":", ",", 1).partition(",")
        meta[key.strip().lower()] = value.strip().strip(",").strip()
    device = device_id or next((meta[k] for k in _DEVICE_KEYS if meta.get(k)), "")
    if not device:
        raise reject_file(
            text,
            "the file does not name the logger; add a line 'Logger ID,<serial>' above the "
            "header, or pass the device id with the upload (--device)",
        )
    names = [c.strip() for c in head[index].split(",")]
    columns: list[WideColumn] = []
    ignored: list[str] = []
    for position, name in enumerate(names[1:], start=1):
        match = _CODE.match(name)
        code = match.group(1).upper() if match else ""
        if match is None or code not in CODES:
            ignored.append(name)
            continue
        variable_name, unit_label = CODES[code]
        unit = units.VARIABLES[variable_name].unit(unit_label)
        assert unit is not None
        columns.append(
            WideColumn(
                name,
                position,
                device,
                int(match.group(2)),
                variable_name,
                unit,
                float(match.group(3)),
            )
        )
    if not columns:
        raise reject_file(
            text,
            "no moisture (A) or temperature (T) column in the header",
            f"line {index + 1}",
        )
    check_no_mixed_units(text, columns)
    body = read_body(text, index + 1, [f"c{i}" for i in range(len(names))])
    parsed = explode_wide(text, "sentek", body, 0, columns, ignored)
    check_fraction_columns(text, columns, parsed)
    if any(c.variable == "vwc_m3_m3" for c in columns):
        parsed.notes.append("moisture columns (A) are % volumetric: converted to m³/m³")
    return parsed
