"""Campbell Scientific TOA5 (`.dat` from LoggerNet / PC400): four header lines, then data.

```
"TOA5","Hogehof","CR1000X","12345","CR1000X.Std.03.02","CPU:soil.CR1X","4321","Hourly"
"TIMESTAMP","RECORD","VWC_1_Avg","EC_1_Avg","T_1_Avg","AirTC_Avg","RH","Rain_mm_Tot"
"TS","RN","m^3/m^3","dS/m","Deg C","Deg C","%","mm"
"","","Avg","Avg","Avg","Avg","Smp","Tot"
"2025-05-18 00:00:00",0,0.281,0.12,14.2,11.8,88.1,0
```

Line 1 is the environment (file type, station name, logger model, serial, OS, program,
signature, table); line 2 the field names; line 3 their units as the program wrote them; line 4
the processing (Avg, Smp, Tot, Min, Max, Std). Field names are the programmer's, so they are
matched by their usual stems: water content (`VWC`, `VW`, `SWC`, CS616/CS650/CS655), bulk EC
(`EC`), soil temperature (`T`, `TSoil`, `Ts`, next to a water content field), air temperature
(`AirTC`, `AirT`), `RH`, rain (`Rain`, `Precip`), wind speed (`WS`, `WindSpeed`), solar radiation
(`SlrW`, `SolarRad`) and barometric pressure (`BP`). An index in the name (`VWC_2_Avg`,
`VW_Avg(2)`) is the port; weather fields are port 0. Only averages, samples and totals are
stored: minima, maxima and standard deviations are listed as ignored, as is anything else.

The station name is the device (pass --device to use another id). Timestamps are the logger's
clock (its zone comes from the device registry). `NAN` marks a missing value.
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
from pipelines.sources.sensors.text import (
    LogText,
    blank_cells,
    check_delimiter,
    read_body,
    split_cells,
)

HEADER_LINES = 4
STATION_PORT = 0
_KEPT_PROCESSING = frozenset({"", "avg", "smp", "tot"})
_MISSING = frozenset({"NAN", "-NAN"})
_ARRAY = re.compile(r"\((\d+)\)$")
_STAT_SUFFIX = re.compile(r"_(avg|tot|smp|min|max|std|med)$", re.IGNORECASE)
_INDEX = re.compile(r"_(\d+)(?=_|$)")
SOIL = {
    "vwc": "vwc_m3_m3",
    "vw": "vwc_m3_m3",
    "swc": "vwc_m3_m3",
    "wc": "vwc_m3_m3",
    "ec": "ec_bulk_ds_m",
    "bulkec": "ec_bulk_ds_m",
    "t": "soil_temp_degc",
    "ts": "soil_temp_degc",
    "tsoil": "soil_temp_degc",
    "soilt": "soil_temp_degc",
    "soiltemp": "soil_temp_degc",
}
WEATHER = {
    "airtc": "air_temp_degc",
    "airt": "air_temp_degc",
    "airtemp": "air_temp_degc",
    "tair": "air_temp_degc",
    "rh": "rh_pct",
    "relhumid": "rh_pct",
    "relhum": "rh_pct",
    "rain": "precip_mm",
    "rainmm": "precip_mm",
    "precip": "precip_mm",
    "ws": "wind_m_s",
    "wsms": "wind_m_s",
    "windspeed": "wind_m_s",
    "slrw": "solar_rad_w_m2",
    "solarrad": "solar_rad_w_m2",
    "bp": "pressure_kpa",
    "bpmbar": "pressure_kpa",
    "bpkpa": "pressure_kpa",
    "bphpa": "pressure_kpa",
}
# A unit written on line 3 that our unit table spells differently.
_UNIT_ALIASES = {
    "deg c": "degC",
    "degc": "degC",
    "frac": "m3/m3",
    "meters/second": "m/s",
    "meters/sec": "m/s",
}


def looks_like_toa5(head: list[str]) -> bool:
    return bool(head) and head[0].lstrip('\ufeff"').upper().startswith("TOA5")


def read_toa5(text: LogText, device_id: str | None = None) -> ParsedLog:
    head = text.head(HEADER_LINES)
    if len(head) < HEADER_LINES:
        raise reject_file(
            text, "a TOA5 file has four header lines (environment, names, units, processing)"
        )
    for number, line in enumerate(head, start=1):
        check_delimiter(text, number, line)
    environment, names, unit_cells, processing = (split_cells(line) for line in head)
    unit_cells, processing = _pad(unit_cells, len(names)), _pad(processing, len(names))
    if not names or names[0].upper() != "TIMESTAMP":
        raise reject_file(text, "line 2 should start with the TIMESTAMP field", "line 2")
    station = environment[1] if len(environment) > 1 else ""
    device = device_id or station
    if not device:
        raise reject_file(
            text,
            "line 1 does not name the station; pass the device id with the upload (--device)",
            "line 1",
        )
    stems = [_stem(name) for name in names]
    has_water = any(SOIL.get(stem) == "vwc_m3_m3" for stem, _ in stems)
    columns: list[WideColumn] = []
    ignored: list[str] = []
    notes: list[str] = []
    for position in range(1, len(names)):
        name = names[position]
        stem, index = stems[position]
        variable_name = WEATHER.get(stem) or SOIL.get(stem)
        if stem in ("t", "ts") and not has_water:
            variable_name = None  # a bare "T" is soil temperature only beside water content
        if variable_name is None or processing[position].lower() not in _KEPT_PROCESSING:
            ignored.append(name)
            continue
        unit_label = unit_cells[position].strip()
        if not unit_label and variable_name == "vwc_m3_m3":
            unit_label = "m3/m3"
            notes.append(
                f"'{name}' has no unit on line 3: read as m³/m³ (a percent column would be refused)"
            )
        spec = units.VARIABLES[variable_name]
        unit = spec.unit(_UNIT_ALIASES.get(unit_label.lower(), unit_label))
        if unit is None:
            raise reject_file(
                text,
                f"field '{name}': unit '{unit_label}' (line 3) is not known for {variable_name}; "
                f"use one of {spec.unit_hint()} in the logger program's Units declaration",
                "line 3",
            )
        is_weather = variable_name in WEATHER.values() and stem in WEATHER
        port = STATION_PORT if is_weather else (index or 1)
        columns.append(WideColumn(name, position, device, port, variable_name, unit))
    if not columns:
        raise reject_file(
            text,
            "no field holds water content, soil or air temperature, RH, rain, wind, solar "
            "radiation or pressure (fields: " + ", ".join(names) + ")",
            "line 2",
        )
    check_no_mixed_units(text, columns)
    body = blank_cells(
        read_body(text, HEADER_LINES, [f"c{i}" for i in range(len(names))]), _MISSING
    )
    parsed = explode_wide(text, "toa5", body, 0, columns, ignored)
    check_fraction_columns(text, columns, parsed)
    parsed.notes.extend(notes)
    return parsed


def _pad(cells: list[str], length: int) -> list[str]:
    return cells + [""] * (length - len(cells))


def _stem(name: str) -> tuple[str, int | None]:
    """('vwc', 2) from 'VWC_2_Avg' or 'VWC_Avg(2)'; index None when the name has none."""
    rest = name.strip()
    index: int | None = None
    array = _ARRAY.search(rest)
    if array:
        index = int(array.group(1))
        rest = rest[: array.start()]
    rest = _STAT_SUFFIX.sub("", rest)
    numbered = _INDEX.search(rest)
    if numbered and index is None:
        index = int(numbered.group(1))
    rest = _INDEX.sub("", rest)
    return rest.replace("_", "").lower(), index
