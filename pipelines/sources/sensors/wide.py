"""Generic wide CSV: one timestamp column and one column per sensor, described by a mapping file.

Data (`probe.csv`):

```
time,vwc_shallow,vwc_deep,temp_shallow,battery
2025-05-18 11:00,0.281,0.342,17.8,3.9
```

Mapping (`probe.mapping.csv`), one row per column of the data file:

```
column,device_id,port,variable,unit,depth_cm
time,,,timestamp,,
vwc_shallow,dl-7,1,vwc_m3_m3,m3/m3,10
vwc_deep,dl-7,2,vwc_m3_m3,m3/m3,40
temp_shallow,dl-7,1,soil_temp_degc,degC,10
battery,,,ignore,,
```

Every data column must be in the mapping (variable `ignore` to skip one on purpose), so a column
added to an export later cannot be dropped without anyone noticing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.sources.sensors import units
from pipelines.sources.sensors.parsed import (
    ParsedLog,
    WideColumn,
    check_fraction_columns,
    check_no_mixed_units,
    explode_wide,
    reject_file,
)
from pipelines.sources.sensors.text import LogText, check_delimiter, decode_log, read_body
from pipelines.tables import ID_PATTERN, InputError, Problem

MAPPING_COLUMNS = ("column", "device_id", "port", "variable", "unit", "depth_cm")


@dataclass(frozen=True)
class MappedColumn:
    column: str
    device_id: str
    port: int
    variable: str  # canonical name, "timestamp" or "ignore"
    unit: str
    depth_cm: float


@dataclass(frozen=True)
class WideMapping:
    """A parsed, checked mapping file."""

    name: str
    columns: tuple[MappedColumn, ...]

    @property
    def timestamp_column(self) -> str:
        return next(c.column for c in self.columns if c.variable == "timestamp")


def read_mapping(raw: bytes, name: str) -> WideMapping:
    """Parse a mapping file; raise `InputError` listing every problem with its line."""
    text = decode_log(raw, name)
    check_delimiter(text, 1, text.head(1)[0])
    frame = pd.read_csv(
        io.BytesIO(text.data), dtype=str, keep_default_na=False, skipinitialspace=True
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    problems: list[Problem] = []
    missing = [c for c in ("column", "variable") if c not in frame.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    name,
                    "line 1",
                    None,
                    f"the mapping needs the columns {', '.join(MAPPING_COLUMNS)} "
                    f"(missing: {', '.join(missing)})",
                )
            ],
            "mapping file",
        )
    for extra in ("device_id", "port", "unit", "depth_cm"):
        if extra not in frame.columns:
            frame[extra] = ""
    mapped: list[MappedColumn] = []
    for row, record in enumerate(frame.to_dict(orient="records")):
        where = f"line {row + 2}"
        column = str(record["column"]).strip()
        variable_name = str(record["variable"]).strip()
        device = str(record["device_id"]).strip()
        unit = str(record["unit"]).strip()
        port_text = str(record["port"]).strip()
        depth_text = str(record["depth_cm"]).strip()
        if variable_name in ("timestamp", "ignore"):
            mapped.append(MappedColumn(column, "", 0, variable_name, "", float("nan")))
            continue
        spec = units.variable(variable_name)
        if spec is None:
            problems.append(
                Problem(
                    name,
                    where,
                    "variable",
                    f"'{variable_name}' is not known; use 'timestamp', 'ignore' or a canonical "
                    f"variable ({units.unknown_variable_hint(variable_name)})",
                )
            )
            continue
        if not device or not pd.Series([device]).str.fullmatch(ID_PATTERN).iloc[0]:
            problems.append(
                Problem(name, where, "device_id", "needs the logger's device_id from devices.csv")
            )
        if not port_text.isdigit():
            problems.append(Problem(name, where, "port", f"'{port_text}' is not a port number"))
        if spec.unit(unit or spec.canonical_unit) is None:
            problems.append(
                Problem(
                    name,
                    where,
                    "unit",
                    f"'{unit}' is not known for {variable_name}; use one of {spec.unit_hint()}",
                )
            )
        try:
            depth = float(depth_text) if depth_text else float("nan")
        except ValueError:
            problems.append(Problem(name, where, "depth_cm", f"'{depth_text}' is not a number"))
            depth = float("nan")
        mapped.append(
            MappedColumn(
                column,
                device,
                int(port_text) if port_text.isdigit() else 0,
                variable_name,
                unit or spec.canonical_unit,
                depth,
            )
        )
    stamps = [c for c in mapped if c.variable == "timestamp"]
    if len(stamps) != 1:
        problems.append(
            Problem(
                name,
                None,
                "variable",
                f"exactly one row must have variable 'timestamp' (found {len(stamps)})",
            )
        )
    names = [c.column for c in mapped]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(name, None, "column", f"'{duplicate}' is mapped twice"))
    if problems:
        raise InputError(problems, "mapping file")
    return WideMapping(name, tuple(mapped))


def read_wide(text: LogText, mapping: WideMapping) -> ParsedLog:
    first = text.head(1)[0]
    check_delimiter(text, 1, first)
    names = [c.strip().strip('"') for c in first.split(",")]
    by_name = {c.column: c for c in mapping.columns}
    unmapped = [n for n in names if n not in by_name]
    absent = [c.column for c in mapping.columns if c.column not in names]
    if unmapped or absent:
        parts = []
        if unmapped:
            parts.append(
                f"columns not in the mapping {mapping.name}: {', '.join(unmapped)} (add a row "
                "for each; variable 'ignore' skips one on purpose)"
            )
        if absent:
            parts.append(f"mapped columns missing from the file: {', '.join(absent)}")
        raise reject_file(text, "; ".join(parts), "line 1")
    columns: list[WideColumn] = []
    ignored: list[str] = []
    for position, name in enumerate(names):
        spec_row = by_name[name]
        if spec_row.variable == "timestamp":
            continue
        if spec_row.variable == "ignore":
            ignored.append(name)
            continue
        unit = units.VARIABLES[spec_row.variable].unit(spec_row.unit)
        assert unit is not None  # checked by read_mapping
        columns.append(
            WideColumn(
                name,
                position,
                spec_row.device_id,
                spec_row.port,
                spec_row.variable,
                unit,
                spec_row.depth_cm,
            )
        )
    check_no_mixed_units(text, columns)
    body = read_body(text, 1, [f"c{i}" for i in range(len(names))])
    parsed = explode_wide(
        text, "wide", body, names.index(mapping.timestamp_column), columns, ignored
    )
    check_fraction_columns(text, columns, parsed)
    if np.isnan(np.asarray([c.depth_cm for c in columns], dtype=float)).all():
        parsed.notes.append("depths come from devices.csv (the mapping gives none)")
    return parsed
