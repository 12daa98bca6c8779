"""Davis WeatherLink / Ambient Weather-style station export: one column per quantity with its unit.

```
Station,ws-meent
Date & Time,Temp - °F,Hum - %,Wind Speed - mph,Rain - in,Solar Rad - W/m^2,Barometer - inHg
5/18/25 12:00 AM,52.3,88,2.1,0.00,0,30.010
```

Column names carry their unit after " - " (WeatherLink) or in brackets (Ambient Weather:
`Outdoor Temperature (°F)`). Imperial units are converted (°F, in, mph, inHg). A station has one
row in devices.csv with port 0; its id comes from a `Station,<id>` line above the header or
with the upload (--device). Timestamps are local unless they carry an offset (Ambient's `Date`
column does, and is preferred over its local `Simple Date`).

Only quantities measured over the interval are stored. Highs and lows, derived indices (heat
index, wind chill, THW), cumulative rain totals (daily/weekly/event rain: not per-interval
amounts), wind direction and indoor sensors are listed as ignored.
"""

from __future__ import annotations

import re

from pipelines.sources.sensors import units
from pipelines.sources.sensors.parsed import (
    ParsedLog,
    WideColumn,
    check_no_mixed_units,
    explode_wide,
    reject_file,
)
from pipelines.sources.sensors.text import LogText, check_delimiter, read_body

STATION_PORT = 0
NAMES = {
    "temp": "air_temp_degc",
    "temp out": "air_temp_degc",
    "outside temp": "air_temp_degc",
    "outdoor temperature": "air_temp_degc",
    "air temperature": "air_temp_degc",
    "temperature": "air_temp_degc",
    "hum": "rh_pct",
    "out hum": "rh_pct",
    "humidity": "rh_pct",
    "outdoor humidity": "rh_pct",
    "relative humidity": "rh_pct",
    "dew point": "dew_point_degc",
    "dew pt.": "dew_point_degc",
    "wind speed": "wind_m_s",
    "avg wind speed": "wind_m_s",
    "rain": "precip_mm",
    "rainfall": "precip_mm",
    "precipitation": "precip_mm",
    "solar rad": "solar_rad_w_m2",
    "solar rad.": "solar_rad_w_m2",
    "solar radiation": "solar_rad_w_m2",
    "barometer": "msl_pressure_kpa",
    "bar": "msl_pressure_kpa",
    "relative pressure": "msl_pressure_kpa",
    "absolute pressure": "pressure_kpa",
}
# Preferred first: an aware timestamp beats a local one.
TIME_COLUMNS = ("date", "date & time", "date/time", "datetime", "timestamp", "simple date", "time")
_WITH_DASH = re.compile(r"^(.*?)\s+-\s+(.+)$")
_WITH_BRACKETS = re.compile(r"^(.*?)\s*\(([^()]+)\)$")
_STATION_KEYS = ("station", "station id", "station name", "device", "device id", "logger")


def split_name(column: str) -> tuple[str, str]:
    """('Temp', '°F') from 'Temp - °F' or 'Outdoor Temperature (°F)'; unit '' when none."""
    for pattern in (_WITH_DASH, _WITH_BRACKETS):
        match = pattern.match(column.strip())
        if match:
            return match.group(1).strip(), match.group(2).strip()
    return column.strip(), ""


def header_line(head: list[str]) -> int | None:
    """0-based index of the column header, if this looks like a weather-station export."""
    for index, line in enumerate(head):
        cells = [c.strip().strip('"') for c in line.split(",")]
        if len(cells) < 3 or cells[0].lower() not in TIME_COLUMNS:
            continue
        known = sum(split_name(c)[0].lower() in NAMES for c in cells[1:])
        if known >= 2:
            return index
    return None


def read_davis(text: LogText, device_id: str | None = None) -> ParsedLog:
    head = text.head(20)
    index = header_line(head)
    if index is None:
        raise reject_file(
            text,
            "no header with a date column and station quantities (e.g. 'Date & Time,Temp - "
            "°F,Hum - %,...') in the first 20 lines; see docs/sensor-formats.md",
        )
    check_delimiter(text, index + 1, head[index])
    meta = {}
    for line in head[:index]:
        key, _, value = line.partition(",")
        meta[key.strip().strip('"').lower()] = value.strip().strip('"').strip(",").strip()
    device = device_id or next((meta[k] for k in _STATION_KEYS if meta.get(k)), "")
    if not device:
        raise reject_file(
            text,
            "the file does not name the station; add a line 'Station,<device_id>' above the "
            "header, or pass the device id with the upload (--device)",
        )
    names = [c.strip().strip('"') for c in head[index].split(",")]
    lowered = [n.lower() for n in names]
    ts_index = next(lowered.index(t) for t in TIME_COLUMNS if t in lowered)
    columns: list[WideColumn] = []
    ignored: list[str] = []
    for position, name in enumerate(names):
        if position == ts_index:
            continue
        quantity, unit_label = split_name(name)
        variable_name = NAMES.get(quantity.lower())
        if variable_name is None:
            ignored.append(name)
            continue
        spec = units.VARIABLES[variable_name]
        unit = spec.unit(unit_label) if unit_label else None
        if unit is None:
            raise reject_file(
                text,
                f"column '{name}' has "
                + (f"unit '{unit_label}', which is not known" if unit_label else "no unit")
                + f" for {variable_name}; name it like '{quantity} - {spec.units[0].label}' "
                f"(units known: {spec.unit_hint()})",
                f"line {index + 1}",
            )
        columns.append(WideColumn(name, position, device, STATION_PORT, variable_name, unit))
    check_no_mixed_units(text, columns)
    body = read_body(text, index + 1, [f"c{i}" for i in range(len(names))])
    return explode_wide(text, "davis", body, ts_index, columns, ignored)
