"""Ambient Weather stations: the ambientweather.net CSV and the REST API's JSON.

The CSV (`Date,Simple Date,Outdoor Temperature (°F),...`) is read by the station reader in
`davis.py` (units in brackets, `Date` with its UTC offset). The API
(`/v1/devices/<macAddress>`) answers with a list of records, newest first:

```
[{"dateutc": 1747526400000, "tempf": 52.3, "humidity": 88, "windspeedmph": 2.1,
  "baromrelin": 30.01, "solarradiation": 0, "soilhum1": 31, "soiltemp1f": 57.2, ...}]
```

`dateutc` is milliseconds since 1970 (UTC). Imperial units are converted (°F, mph, inHg).
`soilhumN` / `soiltempNf` are soil sensor N, stored with port N; the station's own
quantities are port 0. The device list (`/v1/devices`, records under `lastData` with the
station's `macAddress`) is read too. Rain comes only as rates and running totals (hourly rate,
daily/event/weekly sums), none of which is the rain of one interval: it is listed as ignored.
The station is the `macAddress` (with '-' for ':') when the file has one, else the device id
given with the upload.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from pipelines.sources.sensors import units
from pipelines.sources.sensors.json_log import JsonLines, load_json
from pipelines.sources.sensors.parsed import ParsedLog, Readings, Rejection, reject_file
from pipelines.sources.sensors.text import LogText

STATION_PORT = 0
FIELDS = {
    "tempf": ("air_temp_degc", "°F"),
    "humidity": ("rh_pct", "%"),
    "dewPoint": ("dew_point_degc", "°F"),
    "windspeedmph": ("wind_m_s", "mph"),
    "solarradiation": ("solar_rad_w_m2", "W/m2"),
    "baromrelin": ("msl_pressure_kpa", "inHg"),
    "baromabsin": ("pressure_kpa", "inHg"),
}
_SOIL = re.compile(r"^soil(hum|temp)(\d+)(f?)$")
# Known fields we deliberately do not store (rates, running totals, indoor, derived).
_NOT_STORED = re.compile(
    r"^(date|dateutc|tz|loc|mac.*|.*rain.*|lastrain|tempinf|humidityin|feelslike.*|dewpointin|"
    r"winddir.*|windgust.*|maxdailygust|uv|batt.*|pm25.*|co2.*|feelslikein)$",
    re.IGNORECASE,
)


def looks_like_ambient_json(start: str) -> bool:
    start = start.lstrip()
    return start[:1] in ("[", "{") and '"dateutc"' in start


def read_ambient_json(text: LogText, device_id: str | None = None) -> ParsedLog:
    document = load_json(text)
    records = _records(document)
    if not records:
        raise reject_file(
            text,
            "no records with 'dateutc' found; save the answer of /v1/devices/<macAddress> "
            "(a list of records) or of /v1/devices as it came",
        )
    finder = JsonLines(text)
    rows: list[tuple[int, str, int, str, float, int, str]] = []
    rejected: list[Rejection] = []
    ignored: set[str] = set()
    notes: list[str] = []
    for mac, record in records:
        device = device_id or mac
        stamp = record.get("dateutc")
        line = finder.line_of(stamp)
        if not device:
            raise reject_file(
                text,
                "the records do not name the station (no macAddress); pass the device id "
                "with the upload (--device)",
            )
        if not isinstance(stamp, int | float) or isinstance(stamp, bool):
            rejected.append(Rejection(line, "dateutc", f"dateutc {stamp!r} is not epoch ms"))
            continue
        seconds = int(stamp) // 1000
        for key, value in record.items():
            target = _target(key)
            if target is None:
                if not _NOT_STORED.match(key):
                    ignored.add(key)
                continue
            variable_name, unit_label, port = target
            if value is None:
                continue
            if not isinstance(value, int | float) or isinstance(value, bool):
                rejected.append(Rejection(line, key, f"'{value}' is not a number"))
                continue
            unit = units.VARIABLES[variable_name].unit(unit_label)
            assert unit is not None
            canonical = float(units.to_canonical(np.asarray([float(value)]), unit)[0])
            rows.append((line, device, port, variable_name, canonical, seconds, key))
    if any(r[3] == "vwc_m3_m3" for r in rows):
        notes.append(
            "soilhumN is the % of the sensor's own scale, stored as m³/m³ (÷ 100); calibrate "
            "it before trusting absolute values"
        )
    notes.append("Ambient Weather rain comes as rates and running totals only: not stored")
    parsed = ParsedLog("ambient", _readings(rows), rejected, sorted(ignored))
    parsed.notes.extend(notes)
    return parsed


def _records(document: Any) -> list[tuple[str, dict[str, Any]]]:
    """(macAddress, record) pairs from a device-data list, a device list or one record."""
    items = document if isinstance(document, list) else [document]
    out: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("lastData"), dict):
            out.append((str(item.get("macAddress", "")), item["lastData"]))
        elif "dateutc" in item:
            out.append((str(item.get("macAddress", "")), item))
    # Device ids are letters, digits and '_-.': a MAC address is written with '-'.
    return [(mac.replace(":", "-"), record) for mac, record in out]


def _target(key: str) -> tuple[str, str, int] | None:
    if key in FIELDS:
        variable_name, unit_label = FIELDS[key]
        return variable_name, unit_label, STATION_PORT
    match = _SOIL.match(key)
    if match is None:
        return None
    kind, number, fahrenheit = match.groups()
    if kind == "hum":
        return "vwc_m3_m3", "%", int(number)
    return "soil_temp_degc", "°F" if fahrenheit else "°C", int(number)


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
