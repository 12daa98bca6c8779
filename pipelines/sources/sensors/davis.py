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
amounts), wind direction and indoor sensors are listed as ignored. Numbered soil sensors
(`Soil Moisture 1 (%)`, `Soil Temperature 2 (°F)`) are stored under their number as the port;
a soil moisture in centibars (Davis's tension sensors) is not a water content and is ignored.

The same reader serves the ambientweather.net CSV (format `ambient`: a `Simple Date` column,
units in brackets) and the legacy WeatherLink desktop "download" text (`download.txt`, format
`davis`): tab-separated, its column names split over two lines, date and time in two columns
(`1/1/25`, `12:30a`), "---" for a missing value, and no units at all. Its units are those of
WeatherLink's Units setting, so the file must say which: a line `Units,US` (°F, in, mph, inHg)
or `Units,metric` (°C, mm, m/s, hPa) above the header, like the `Station,<id>` line.
"""

from __future__ import annotations

import re

import pyarrow.compute as pc

from pipelines.sources.sensors import units
from pipelines.sources.sensors.parsed import (
    ParsedLog,
    WideColumn,
    check_no_mixed_units,
    explode_wide,
    reject_file,
)
from pipelines.sources.sensors.text import (
    CsvBody,
    LogText,
    blank_cells,
    check_delimiter,
    read_body,
)
from pipelines.sources.sensors.vendor_times import iso_time_column

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


_SOIL = re.compile(r"^soil\s*(moisture|moist\.?|hum|temp\.?|temperature)\s*(\d+)$", re.IGNORECASE)


def _soil(quantity: str) -> tuple[str, int] | None:
    match = _SOIL.match(quantity.strip())
    if match is None:
        return None
    kind = match.group(1).lower()
    variable_name = "soil_temp_degc" if kind.startswith("temp") else "vwc_m3_m3"
    return variable_name, int(match.group(2))


def _cells(line: str) -> list[str]:
    return [c.strip().strip('"') for c in line.split(",")]


def is_ambient(cells: list[str]) -> bool:
    """ambientweather.net's CSV: a local 'Simple Date' beside the offset 'Date'."""
    return any(c.lower() == "simple date" for c in cells)


def looks_like_davis(head: list[str]) -> bool:
    index = header_line(head)
    return (index is not None and not is_ambient(_cells(head[index]))) or (
        download_header(head) is not None
    )


def looks_like_ambient_csv(head: list[str]) -> bool:
    index = header_line(head)
    return index is not None and is_ambient(_cells(head[index]))


def header_line(head: list[str]) -> int | None:
    """0-based index of the column header, if this looks like a weather-station export."""
    for index, line in enumerate(head):
        cells = [c.strip().strip('"') for c in line.split(",")]
        if len(cells) < 3 or cells[0].lower() not in TIME_COLUMNS:
            continue
        known = sum(
            split_name(c)[0].lower() in NAMES or _soil(split_name(c)[0]) is not None
            for c in cells[1:]
        )
        if known >= 2:
            return index
    return None


def read_davis(text: LogText, device_id: str | None = None, fmt: str = "davis") -> ParsedLog:
    head = text.head(20)
    if download_header(head) is not None:
        return read_download(text, device_id)
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
    notes: list[str] = []
    for position, name in enumerate(names):
        if position == ts_index:
            continue
        quantity, unit_label = split_name(name)
        variable_name = NAMES.get(quantity.lower())
        port = STATION_PORT
        soil = _soil(quantity)
        if soil is not None:
            variable_name, port = soil
        if variable_name is None:
            ignored.append(name)
            continue
        spec = units.VARIABLES[variable_name]
        unit = spec.unit(unit_label) if unit_label else None
        if soil is not None and unit is None:
            ignored.append(name)
            notes.append(f"'{name}' is not a water content in %/m³/m³ (a tension?): ignored")
            continue
        if soil is not None and variable_name == "vwc_m3_m3":
            notes.append(
                f"'{name}': a station's soil moisture sensor reads % of its own scale, "
                "stored as m³/m³ (÷ 100); calibrate it before trusting absolute values"
            )
        if unit is None:
            raise reject_file(
                text,
                f"column '{name}' has "
                + (f"unit '{unit_label}', which is not known" if unit_label else "no unit")
                + f" for {variable_name}; name it like '{quantity} - {spec.units[0].label}' "
                f"(units known: {spec.unit_hint()})",
                f"line {index + 1}",
            )
        columns.append(WideColumn(name, position, device, port, variable_name, unit))
    check_no_mixed_units(text, columns)
    body = read_body(text, index + 1, [f"c{i}" for i in range(len(names))])
    parsed = explode_wide(text, fmt, body, ts_index, columns, ignored)
    parsed.notes.extend(notes)
    return parsed


# ---- the legacy WeatherLink desktop "download" text (download.txt)

DOWNLOAD_NAMES = {
    "temp out": "air_temp_degc",
    "out hum": "rh_pct",
    "dew pt.": "dew_point_degc",
    "wind speed": "wind_m_s",
    "bar": "msl_pressure_kpa",
    "rain": "precip_mm",
    "solar rad.": "solar_rad_w_m2",
}
UNIT_SYSTEMS = {
    "us": {"degC": "°F", "mm": "in", "m/s": "mph", "kPa": "inHg", "W/m2": "W/m2", "%": "%"},
    "metric": {"degC": "°C", "mm": "mm", "m/s": "m/s", "kPa": "hPa", "W/m2": "W/m2", "%": "%"},
}
_MISSING = frozenset({"---", "------"})


def download_header(head: list[str]) -> int | None:
    """0-based index of the second of download.txt's two header lines, if this is one."""
    for index in range(1, min(len(head), 12)):
        cells = [c.strip() for c in head[index].split("\t")]
        above = head[index - 1].split("\t")
        if cells[:2] == ["Date", "Time"] and len(above) > 2 and "Temp" in head[index - 1]:
            return index
    return None


def read_download(text: LogText, device_id: str | None = None) -> ParsedLog:
    head = text.head(20)
    index = download_header(head)
    assert index is not None
    meta = {}
    for line in head[: index - 1]:
        key, _, value = line.partition(",")
        meta[key.strip().strip('"').lower()] = value.strip().strip('"').strip(",").strip()
    device = device_id or next((meta[k] for k in _STATION_KEYS if meta.get(k)), "")
    if not device:
        raise reject_file(
            text,
            "the file does not name the station; add a line 'Station,<device_id>' above the "
            "header, or pass the device id with the upload (--device)",
        )
    system = meta.get("units", "").lower()
    if system not in UNIT_SYSTEMS:
        raise reject_file(
            text,
            "a WeatherLink download text carries no units (they follow WeatherLink's Units "
            "setting); add a line 'Units,US' (°F, in, mph, inHg) or 'Units,metric' (°C, mm, "
            "m/s, hPa) above the header",
            f"line {index}",
        )
    top = head[index - 1].split("\t")
    bottom = head[index].split("\t")
    width = max(len(top), len(bottom))
    top, bottom = top + [""] * (width - len(top)), bottom + [""] * (width - len(bottom))
    names = [f"{a.strip()} {b.strip()}".strip() for a, b in zip(top, bottom, strict=True)]
    columns: list[WideColumn] = []
    ignored: list[str] = []
    for position, name in enumerate(names[2:], start=2):
        variable_name = DOWNLOAD_NAMES.get(name.lower())
        if variable_name is None:
            ignored.append(name)
            continue
        spec = units.VARIABLES[variable_name]
        unit = spec.unit(UNIT_SYSTEMS[system][spec.canonical_unit])
        assert unit is not None
        columns.append(WideColumn(name, position, device, STATION_PORT, variable_name, unit))
    body = blank_cells(
        read_body(text, index + 1, [f"c{i}" for i in range(width)], None, "\t"), _MISSING
    )
    stamps = pc.binary_join_element_wise(
        pc.utf8_trim_whitespace(body.table.column(0)),
        pc.utf8_trim_whitespace(body.table.column(1)),
        " ",
    )
    table = body.table.set_column(0, "c0", stamps)
    body = iso_time_column(text, CsvBody(table, body.lines, body.bad_lines), 0, None)
    parsed = explode_wide(text, "davis", body, 0, columns, ["Date", "Time", *ignored][2:])
    parsed.notes.append(f"WeatherLink download text in {system} units (the file's Units line)")
    return parsed
