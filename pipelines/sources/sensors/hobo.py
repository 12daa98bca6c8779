"""Onset HOBOware / HOBOware Pro CSV export, in the separators and date styles of its locales.

```
"Plot Title: Hogehof north"
"#","Date Time, GMT+02:00","Water Content, m³/m³ (LGR S/N: 20512345, SEN S/N: 20498765)",...
1,05/18/25 12:00:00 AM,0.281,,Logged,
2,05/18/25 12:15:00 AM,0.281,,,
```

- An optional plot-title line stands above the header; the header names the time column
  `Date Time, GMT±hh:mm` (the offset of the logger's clock, inside the quoted cell) and every
  measurement as `<quantity>, <unit> (LGR S/N: <logger>, SEN S/N: <sensor>, LBL: <label>)`.
- Columns without a unit ("Coupler Detached", "Logged", "Host Connected", "Stopped", "End Of
  File", ...) are events, listed as ignored; rows that carry only an event hold no reading and
  are counted in the notes, neither read nor rejected.
- European locales separate fields with ';' (or tabs) and write decimal commas; dates are
  month-first, day-first or year-first, with a 12-hour clock whose AM/PM marker is localised
  ("fm"/"em", "vorm."/"nachm.", "a. m."/"p. m."). The date order is the one that reads every
  row; two orders that both do are told apart by which gives times in file order, and the file
  is refused when neither does.
- The logger (LGR S/N) is the device; each sensor (SEN S/N) is a port, numbered 1, 2, ... in
  header order. A timestamp with a GMT offset is a UTC instant; without one it is the
  logger's local time (its zone from the device registry).
- "Temp" is soil temperature when its sensor also reports water content or its label says
  soil, and air temperature otherwise (the report's notes say which was taken).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sources.sensors import units
from pipelines.sources.sensors.parsed import (
    ParsedLog,
    WideColumn,
    check_fraction_columns,
    check_no_mixed_units,
    explode_wide,
    reject_file,
)
from pipelines.sources.sensors.text import (
    CsvBody,
    LogText,
    guess_delimiter,
    read_body,
    split_cells,
)
from pipelines.sources.sensors.vendor_times import iso_time_column

_TIME_HEADER = re.compile(
    r"^(?:date\s*time|datum\s*zeit|date\s*heure|fecha\s*tiempo|data\s*ora|datum\s*tijd)"
    r"\s*(?:,\s*gmt\s*(?P<offset>[+-]\d{1,2}:?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_MEASUREMENT = re.compile(
    r"^(?P<quantity>[^,()]+?)\s*,\s*(?P<unit>[^,()]+?)\s*(?:\((?P<meta>[^()]*)\))?\s*$"
)
_LOGGER = re.compile(r"LGR\s*S/N:\s*([^,)]+)", re.IGNORECASE)
_SENSOR = re.compile(r"SEN\s*S/N:\s*([^,)]+)", re.IGNORECASE)
_LABEL = re.compile(r"LBL:\s*([^,)]+)", re.IGNORECASE)
QUANTITIES = {
    "temp": "temp",
    "temperature": "temp",
    "rh": "rh_pct",
    "dewpt": "dew_point_degc",
    "dew point": "dew_point_degc",
    "water content": "vwc_m3_m3",
    "rain": "precip_mm",
    "wind speed": "wind_m_s",
    "solar radiation": "solar_rad_w_m2",
    "pressure": "pressure_kpa",
}
# A degree sign lost to a code page comes back as '?', '*' or the ordinal 'º'.
_DEGREE = re.compile(r"^[?*º°]\s*([CF])$", re.IGNORECASE)


@dataclass(frozen=True)
class Header:
    index: int  # 0-based line of the column header
    delimiter: str
    cells: list[str]
    time_column: int
    offset: str | None  # "+02:00", or None when the clock is local


def header(head: list[str]) -> Header | None:
    """The column header of a HOBOware export within the first lines, if this is one."""
    for index, line in enumerate(head[:4]):
        delimiter = guess_delimiter(line)
        cells = split_cells(line, delimiter)
        for position, cell in enumerate(cells):
            match = _TIME_HEADER.match(cell)
            # "Date Time" alone is too common a name: HOBOware's header has the GMT offset,
            # the "#" row-number column, or a plot title above it.
            if match and (
                match.group("offset")
                or (position > 0 and cells[0] == "#")
                or head[0].strip().strip('"').lower().startswith("plot title")
            ):
                offset = match.group("offset")
                return Header(index, delimiter, cells, position, _offset(offset))
    return None


def looks_like_hobo(head: list[str]) -> bool:
    return header(head) is not None


def read_hobo(text: LogText, device_id: str | None = None) -> ParsedLog:
    head = text.head(10)
    found = header(head)
    if found is None:
        raise reject_file(
            text,
            'no HOBOware column header (\'"#","Date Time, GMT+02:00","Temp, °C (LGR S/N: '
            "...)\"') in the first lines; export again from HOBOware as CSV",
        )
    columns, ignored, notes = _columns(text, found, device_id)
    check_no_mixed_units(text, columns)
    body = read_body(
        text, found.index + 1, [f"c{i}" for i in range(len(found.cells))], None, found.delimiter
    )
    body, events = _drop_event_rows(body, [c.index for c in columns], found.time_column)
    if found.delimiter != ",":
        body = _decimal_points(body, [c.index for c in columns])
    body = iso_time_column(text, body, found.time_column, found.offset)
    parsed = explode_wide(text, "hobo", body, found.time_column, columns, ignored)
    check_fraction_columns(text, columns, parsed)
    if events:
        notes.append(
            f"{events} row(s) carry only an event (Logged, Coupler Attached, Host Connected, ...) "
            "and no measurement: nothing to read"
        )
    parsed.notes.extend(notes)
    return parsed


def _offset(offset: str | None) -> str | None:
    if offset is None:
        return None
    sign, rest = offset[0], offset[1:].replace(":", "")
    hours, minutes = rest[:-2], rest[-2:]
    return f"{sign}{int(hours):02d}:{minutes}"


def _columns(
    text: LogText, found: Header, device_id: str | None
) -> tuple[list[WideColumn], list[str], list[str]]:
    where = f"line {found.index + 1}"
    measured: list[tuple[int, str, str, str, str, str]] = []
    ignored: list[str] = []
    for position, cell in enumerate(found.cells):
        if position == found.time_column or cell == "#":
            continue
        match = _MEASUREMENT.match(cell)
        quantity = match.group("quantity").strip().lower() if match else ""
        if match is None or quantity not in QUANTITIES:
            ignored.append(cell)
            continue
        meta = match.group("meta") or ""
        logger = _first(_LOGGER, meta)
        sensor = _first(_SENSOR, meta) or logger
        measured.append((position, cell, QUANTITIES[quantity], match.group("unit"), logger, sensor))
    if not measured:
        raise reject_file(
            text,
            "no column holds a measurement we store (temperature, RH, water content, rain, "
            "wind, solar radiation, pressure); the columns are: " + ", ".join(found.cells),
            where,
        )
    loggers = sorted({m[4] for m in measured if m[4]})
    device = device_id or (loggers[0] if len(loggers) == 1 else "")
    if not device:
        raise reject_file(
            text,
            "the header does not name one logger (LGR S/N); pass the device id with the upload "
            "(--device)" + (f" (found {', '.join(loggers)})" if loggers else ""),
            where,
        )
    ports: dict[str, int] = {}
    for m in measured:
        ports.setdefault(m[5], len(ports) + 1)
    soil_sensors = {m[5] for m in measured if m[2] == "vwc_m3_m3"}
    columns: list[WideColumn] = []
    notes: list[str] = []
    for position, cell, variable_name, unit_label, _, sensor in measured:
        if variable_name == "temp":
            label = (_first(_LABEL, cell) + " " + cell.split(",")[0]).lower()
            soil = sensor in soil_sensors or "soil" in label or "boden" in label
            variable_name = "soil_temp_degc" if soil else "air_temp_degc"
            notes.append(
                f"'{cell}' read as {'soil' if soil else 'air'} temperature ("
                + (
                    "its sensor also measures water content or its label says soil)"
                    if soil
                    else "no water content from its sensor, no 'soil' in its label)"
                )
            )
        degree = _DEGREE.match(unit_label.strip())
        label_text = f"°{degree.group(1).upper()}" if degree else unit_label.strip()
        spec = units.VARIABLES[variable_name]
        unit = spec.unit(label_text)
        if unit is None:
            raise reject_file(
                text,
                f"column '{cell}': unit '{unit_label}' is not known for {variable_name}; "
                f"use one of {spec.unit_hint()}",
                where,
            )
        columns.append(WideColumn(cell, position, device, ports[sensor], variable_name, unit))
    return columns, ignored, notes


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return match.group(1).strip() if match else ""


def _strings(body: CsvBody, index: int) -> pd.Series:
    values = body.table.column(index).to_numpy(zero_copy_only=False)
    return pd.Series(values, dtype=object).fillna("").astype(str).str.strip()


def _drop_event_rows(
    body: CsvBody, value_columns: list[int], time_column: int
) -> tuple[CsvBody, int]:
    """Rows with a time but no measurement (only an event mark) are not readings."""
    if body.table.num_rows == 0:
        return body, 0
    empty = np.ones(body.table.num_rows, dtype=bool)
    for index in value_columns:
        empty &= _strings(body, index).eq("").to_numpy(dtype=bool)
    has_time = _strings(body, time_column).ne("").to_numpy(dtype=bool)
    others = [
        i for i in range(body.table.num_columns) if i not in value_columns and i != time_column
    ]
    has_event = np.zeros(body.table.num_rows, dtype=bool)
    for index in others:
        has_event |= _strings(body, index).ne("").to_numpy(dtype=bool)
    event_only = empty & has_time & has_event
    keep = ~event_only
    table = body.table.filter(pa.array(keep))
    return CsvBody(table, body.lines[keep], body.bad_lines), int(event_only.sum())


def _decimal_points(body: CsvBody, value_columns: list[int]) -> CsvBody:
    """Decimal commas (the locales that separate fields with ';') become points."""
    columns = [
        pc.replace_substring(column, ",", ".") if index in value_columns else column
        for index, column in enumerate(body.table.columns)
    ]
    return CsvBody(pa.table(columns, names=body.table.column_names), body.lines, body.bad_lines)
