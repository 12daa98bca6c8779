"""The generic long CSV: `device_id,port,depth_cm,variable,ts,value,unit`, one reading per line.

This is also what large cooperatives export from their own databases, so it has a fast path:
a typed pyarrow read that never builds a Python object per row. A file with any unreadable
value is read a second time as text, and the bad rows are rejected one by one with their
reasons; both paths produce the same readings for the rows that are fine.
"""

from __future__ import annotations

import difflib
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sources.sensors import units
from pipelines.sources.sensors.parsed import (
    TIMESTAMP_FIX,
    ParsedLog,
    Readings,
    Rejection,
    parse_timestamps,
    reject_file,
)
from pipelines.sources.sensors.text import LogText, check_delimiter, read_body

REQUIRED = ("device_id", "port", "variable", "ts", "value")
OPTIONAL = ("depth_cm", "unit")
_DICT = pa.dictionary(pa.int32(), pa.string())
TYPES: dict[str, pa.DataType] = {
    "device_id": _DICT,
    "port": pa.int64(),
    "depth_cm": pa.float64(),
    "variable": _DICT,
    "ts": pa.timestamp("s", tz="UTC"),
    "value": pa.float64(),
    "unit": _DICT,
}


def header_columns(text: LogText) -> list[str]:
    first = text.head(1)[0]
    check_delimiter(text, 1, first)
    return [c.strip().strip('"').strip() for c in first.split(",")]


def read_long(text: LogText) -> ParsedLog:
    columns = header_columns(text)
    _check_header(text, columns)
    types = {c: TYPES.get(c, pa.string()) for c in columns}
    try:
        body = read_body(text, 1, columns, types)
        return _from_typed(text, body.table, body.lines)
    except pa.ArrowInvalid:
        return _from_strings(text, columns)


def _check_header(text: LogText, columns: list[str]) -> None:
    problems = []
    for name in REQUIRED:
        if name not in columns:
            near = difflib.get_close_matches(name, columns, n=1)
            hint = f" (found '{near[0]}': rename it)" if near else ""
            problems.append(f"required column '{name}' is missing{hint}")
    for name in columns:
        if name not in REQUIRED + OPTIONAL and not name.startswith("x_"):
            near = difflib.get_close_matches(name, REQUIRED + OPTIONAL, n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            problems.append(
                f"unknown column '{name}'; {hint}prefix your own extra columns with 'x_'"
            )
    if len(set(columns)) != len(columns):
        problems.append("a column name appears twice; give every column its own name")
    if problems:
        raise reject_file(
            text,
            "; ".join(problems)
            + ". The long format's columns are device_id, port, depth_cm, variable, ts, value, "
            "unit (docs/sensor-formats.md)",
            "line 1",
        )


def _from_typed(text: LogText, table: pa.Table, lines: npt.NDArray[np.int64]) -> ParsedLog:
    """Every value converted: only variables, units and blanks are left to check."""
    blank = _all_null(table)
    if blank.any():
        keep = ~blank
        table = table.filter(pa.array(keep))
        lines = lines[keep]
    n = table.num_rows
    ts = _numbers(table.column("ts"), np.int64)
    values = _numbers(table.column("value"), np.float64)
    value_null = _nulls(table.column("value"))
    if np.isnan(values).any() and (np.isnan(values) & ~value_null).any():
        # A literal "NaN" in the file: the text path reports it in the file's own words.
        return _from_strings(text, table.column_names)
    ports = _numbers(table.column("port"), np.int64)
    depth = (
        _numbers(table.column("depth_cm"), np.float64)
        if "depth_cm" in table.column_names
        else np.full(n, np.nan)
    )
    device = _categorical(table.column("device_id"))
    variable = _categorical(table.column("variable"))
    unit = _categorical(table.column("unit")) if "unit" in table.column_names else None
    missing = {
        "device_id": np.asarray(device.codes) < 0,
        "port": _nulls(table.column("port")),
        "variable": np.asarray(variable.codes) < 0,
        "ts": _nulls(table.column("ts")),
        "value": value_null,
    }
    bad = np.zeros(n, dtype=bool)
    for mask in missing.values():
        bad |= mask
    rejected = [
        _rejection(text, int(lines[row]), [k for k, m in missing.items() if m[row]], [])
        for row in np.flatnonzero(bad)
    ]
    return _finish(
        text,
        lines,
        device,
        ports,
        variable,
        unit,
        values,
        ts,
        np.zeros(n, dtype=bool),
        depth,
        ~bad,
        rejected,
    )


def _numbers(column: pa.ChunkedArray, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A numeric (or timestamp: epoch seconds) column as a writable array; nulls become 0/NaN."""
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.int64())
    if column.null_count:
        column = column.fill_null(np.nan if np.dtype(dtype).kind == "f" else 0)
    array = np.asarray(column.to_numpy(), dtype=dtype)
    return array if array.flags.writeable else array.copy()


def _nulls(column: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    if not column.null_count:
        return np.zeros(len(column), dtype=bool)
    return np.asarray(column.is_null().to_numpy(), dtype=bool)


def _rejection(text: LogText, line: int, missing: list[str], invalid: list[str]) -> Rejection:
    """One reason for a line, worded the same by the typed and the text path."""
    parts = []
    if missing:
        parts.append(
            f"{', '.join(missing)} missing; every line needs device_id, port, variable, ts "
            "and value"
        )
    parts += invalid
    reason = "; ".join(parts)
    if text.is_truncated_tail(line):
        reason += (
            " (this is the last line and the file does not end with a line break: it may be "
            "cut off; re-send the complete file)"
        )
    return Rejection(line, None, reason)


def _from_strings(text: LogText, columns: list[str]) -> ParsedLog:
    """The slow path: read as text and reject what does not convert, row by row."""
    body = read_body(text, 1, columns)
    table = body.table
    lines = body.lines
    strings = {
        name: pd.Series(table.column(name).to_numpy(zero_copy_only=False), dtype=object)
        .astype(str)
        .str.strip()
        for name in columns
    }
    blank = np.ones(table.num_rows, dtype=bool)
    for name in columns:
        blank &= strings[name].eq("").to_numpy(dtype=bool)
    keep = ~blank
    lines = lines[keep]
    strings = {k: v[keep].reset_index(drop=True) for k, v in strings.items()}
    n = len(lines)
    rejected = [Rejection(b.line, None, b.reason) for b in body.bad_lines]
    empty = {name: strings[name].eq("").to_numpy(dtype=bool) for name in REQUIRED}
    port_num = pd.to_numeric(strings["port"], errors="coerce").to_numpy(dtype=np.float64)
    bad_port = ~empty["port"] & (~np.isfinite(port_num) | (port_num != np.round(port_num)))
    values = pd.to_numeric(strings["value"], errors="coerce").to_numpy(dtype=np.float64)
    bad_value = ~empty["value"] & np.isnan(values)
    depth = np.full(n, np.nan)
    bad_depth = np.zeros(n, dtype=bool)
    if "depth_cm" in strings:
        depth = pd.to_numeric(strings["depth_cm"], errors="coerce").to_numpy(dtype=np.float64)
        bad_depth = strings["depth_cm"].ne("").to_numpy(dtype=bool) & np.isnan(depth)
    times = parse_timestamps(strings["ts"].to_numpy(dtype=object), text)
    bad_ts = ~empty["ts"] & ~times.ok
    ok = ~(bad_port | bad_value | bad_depth | bad_ts)
    for mask in empty.values():
        ok &= ~mask
    for row in np.flatnonzero(~ok):
        invalid = []
        if bad_port[row]:
            invalid.append(f"port '{strings['port'].iloc[row]}' is not a whole number")
        if bad_ts[row]:
            invalid.append(
                f"ts '{strings['ts'].iloc[row]}' is not a date and time; {TIMESTAMP_FIX}"
            )
        if bad_value[row]:
            invalid.append(f"value '{strings['value'].iloc[row]}' is not a number")
        if bad_depth[row]:
            invalid.append(f"depth_cm '{strings['depth_cm'].iloc[row]}' is not a number")
        missing = [name for name in REQUIRED if empty[name][row]]
        rejected.append(_rejection(text, int(lines[row]), missing, invalid))
    unit = (
        pd.Categorical(strings["unit"].replace("", None).to_numpy(dtype=object))
        if "unit" in strings
        else None
    )
    return _finish(
        text,
        lines,
        pd.Categorical(strings["device_id"].to_numpy(dtype=object)),
        np.where(ok, np.nan_to_num(port_num), 0).astype(np.int64),
        pd.Categorical(strings["variable"].to_numpy(dtype=object)),
        unit,
        values,
        times.seconds,
        times.local,
        depth,
        ok,
        rejected,
    )


def _finish(
    text: LogText,
    lines: npt.NDArray[np.int64],
    device: pd.Categorical,
    ports: npt.NDArray[np.int64],
    variable: pd.Categorical,
    unit: pd.Categorical | None,
    values: npt.NDArray[np.float64],
    ts: npt.NDArray[np.int64],
    local: npt.NDArray[np.bool_],
    depth: npt.NDArray[np.float64],
    ok: npt.NDArray[np.bool_],
    rejected: list[Rejection],
) -> ParsedLog:
    """Check variables and units per distinct (variable, unit), convert, refuse mixed units."""
    var_codes = np.asarray(variable.codes, dtype=np.int64)
    var_names = [str(c) for c in variable.categories]
    if unit is None:
        unit_codes: npt.NDArray[np.int64] | int = -1
        unit_names: list[str] = []
    else:
        unit_codes = np.asarray(unit.codes, dtype=np.int64)
        unit_names = [str(c).strip() for c in unit.categories]
    # Every row's (variable, unit) pair as one index into small tables of per-pair results;
    # a missing variable or unit (code -1) has its own slot.
    width = len(unit_names) + 1
    pair = (var_codes + 1) * width + (unit_codes + 1)
    slots = (len(var_names) + 1) * width
    used = np.bincount(pair if ok.all() else pair[ok], minlength=slots)
    scale = np.full(slots, np.nan)
    offset = np.zeros(slots)
    fraction = np.zeros(slots, dtype=bool)
    unknown = np.zeros(slots, dtype=bool)
    reasons: dict[int, str] = {}
    # Pairs whose unit converts the same way are in "the same unit" ('%' and '% VWC' are).
    unit_identity = np.full(slots, -1, dtype=np.int64)
    identities: dict[tuple[float, float], int] = {}
    for code in np.flatnonzero(used).tolist():
        name = var_names[code // width - 1]
        unit_index = code % width - 1
        unit_label = unit_names[unit_index] if unit_index >= 0 else ""
        spec = units.variable(name)
        found = None
        if spec is None:
            reasons[code] = f"variable '{name}' is not known; {units.unknown_variable_hint(name)}"
        else:
            found = spec.unit(unit_label or spec.canonical_unit)
            reasons[code] = (
                f"unit '{unit_label}' is not known for {name}; use one of {spec.unit_hint()}"
            )
        if found is None:
            unknown[code] = True
            continue
        scale[code] = found.scale
        offset[code] = found.offset
        unit_identity[code] = identities.setdefault((found.scale, found.offset), len(identities))
        fraction[code] = name == "vwc_m3_m3" and units.is_fraction_unit(found)
    if unknown.any():
        refused = ok & unknown[pair]
        for row in np.flatnonzero(refused).tolist():
            line = int(lines[row])
            tail = (
                " (this is the last line and the file does not end with a line break: it "
                "may be cut off; re-send the complete file)"
                if text.is_truncated_tail(line)
                else ""
            )
            rejected.append(Rejection(line, None, reasons[int(pair[row])] + tail))
        ok = ok & ~refused
    if len(identities) > 1:
        _refuse_mixed_units(
            text, device, ports, var_codes, var_names, unit_identity[pair], unit, ok
        )
    if fraction.any():
        _refuse_percent(text, device, ports, values, fraction[pair] & ok)
    converted = values
    if not (np.all(scale[~unknown & (used > 0)] == 1.0) and not offset.any()):
        converted = values * scale[pair] + offset[pair]
    if ok.all():
        return ParsedLog(
            "long",
            Readings(
                lines, device, ports, variable, converted, ts, local, depth, _no_column(len(ok))
            ),
            rejected,
        )
    n = int(ok.sum())
    readings = Readings(
        lines[ok],
        device[ok],
        ports[ok],
        variable[ok],
        converted[ok],
        ts[ok],
        local[ok],
        depth[ok],
        _no_column(n),
    )
    return ParsedLog("long", readings, rejected)


def _refuse_mixed_units(
    text: LogText,
    device: pd.Categorical,
    ports: npt.NDArray[np.int64],
    var_codes: npt.NDArray[np.int64],
    var_names: list[str],
    unit_identity: npt.NDArray[np.int64],
    unit: pd.Categorical | None,
    ok: npt.NDArray[np.bool_],
) -> None:
    frame = pd.DataFrame(
        {
            "device": np.asarray(device.codes)[ok],
            "port": ports[ok],
            "var": var_codes[ok],
            "unit": unit_identity[ok],
        }
    )
    counts = frame.groupby(["device", "port", "var"], sort=False)["unit"].nunique()
    mixed = counts[counts > 1]
    if mixed.empty:
        return
    device_code, port, var_code = mixed.index[0]
    rows = np.flatnonzero(ok)[
        (
            frame["device"].eq(device_code) & frame["port"].eq(port) & frame["var"].eq(var_code)
        ).to_numpy(dtype=bool)
    ]
    labels = (
        sorted({str(u) if isinstance(u, str) and u else "(empty)" for u in unit[rows]})
        if unit is not None
        else []
    )
    raise reject_file(
        text,
        f"{var_names[int(var_code)]} of device '{device.categories[int(device_code)]}' port "
        f"{port} comes in more than one unit ({', '.join(labels)}); export each sensor in one "
        "unit (mixed units usually mean two exports with different settings were joined)",
    )


def _refuse_percent(
    text: LogText,
    device: pd.Categorical,
    ports: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    fraction_rows: npt.NDArray[np.bool_],
) -> None:
    if not fraction_rows.any():
        return
    candidate = fraction_rows & (values > 1.0)
    if not candidate.any():
        return
    frame = pd.DataFrame(
        {
            "device": np.asarray(device.codes)[fraction_rows],
            "port": ports[fraction_rows],
            "value": values[fraction_rows],
        }
    )
    for key, group in frame.groupby(["device", "port"], sort=False):
        device_code, port = cast(tuple[int, int], key)
        series_values = group["value"].to_numpy(dtype=np.float64)
        if units.looks_like_percent(series_values):
            raise reject_file(
                text,
                f"vwc_m3_m3 of device '{device.categories[int(device_code)]}' port {port} is "
                f"labelled m3/m3 but its values run from {series_values.min():g} to "
                f"{series_values.max():g}: that is percent. Write unit '%' on those rows (they "
                "are divided by 100), or export in m³/m³",
            )


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A categorical of stripped strings; empty strings become missing."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    # pyarrow unifies the per-chunk dictionaries into one set of categories here.
    result = pd.Categorical(column.to_pandas())
    stripped = [str(c).strip() for c in result.categories]
    if stripped != [str(c) for c in result.categories] or "" in stripped:
        result = pd.Categorical(
            pd.Series(np.asarray(result, dtype=object)).str.strip().replace("", None)
        )
    return result


def _all_null(table: pa.Table) -> npt.NDArray[np.bool_]:
    """Rows with every cell missing or empty text: blank lines, not readings."""
    blank = np.ones(table.num_rows, dtype=bool)
    # Numeric columns first: one without a missing cell settles it at once.
    for column in sorted(table.columns, key=lambda c: _is_text(c.type)):
        if not _is_text(column.type):
            if not column.null_count:
                return np.zeros(table.num_rows, dtype=bool)
            empty = column.is_null()
        else:
            text = column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            trimmed = pc.utf8_trim_whitespace(text)
            empty = pc.or_(column.is_null(), pc.equal(trimmed, "")).fill_null(True)
        blank &= np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        if not blank.any():
            break
    return blank


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_dictionary(kind) or pa.types.is_string(kind))


def _no_column(n: int) -> pd.Categorical:
    """An all-missing `column` (the long format's values have no column of their own)."""
    codes: Any = np.full(n, -1, dtype=np.int8)
    return pd.Categorical.from_codes(codes, categories=pd.Index([], dtype=object))
