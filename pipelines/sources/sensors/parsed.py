"""What every reader returns: candidate readings in canonical units, and what it had to reject.

Readers turn a vendor layout into `ParsedLog.readings`, parallel arrays with one entry per
reading (arrays rather than a DataFrame: a million-row log is read in well under a second,
and building a frame would be a good part of that):

| field | dtype | meaning |
| --- | --- | --- |
| `line` | int64 | 1-based line of the file the reading came from |
| `device_id` | category | logger serial as written in the file (or given with the upload) |
| `port` | int64 | logger port |
| `variable` | category | canonical name (`pipelines.sources.sensors.units.VARIABLES`) |
| `value` | float64 | in the variable's canonical unit |
| `ts` | int64 | seconds since 1970-01-01: a UTC instant, or the wall-clock time where `local` |
| `local` | bool | `ts` is local wall-clock time in the logger's zone (from devices.csv) |
| `depth_cm` | float64 | depth stated by the file, NaN when it states none |
| `column` | category | the file's column the value came from (for messages) |

Installations, time zones, ranges and duplicates are resolved after this, the same way for every
format (`pipelines.sources.sensors.validate`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from pandas.api.types import union_categoricals

from pipelines.sources.sensors import units
from pipelines.sources.sensors.text import CsvBody, LogText
from pipelines.tables import InputError, Problem

FIELDS = ("line", "device_id", "port", "variable", "value", "ts", "local", "depth_cm", "column")


@dataclass(frozen=True)
class Rejection:
    """A line (or one value of it) kept out of the database, with the reason and the fix."""

    line: int | None
    column: str | None
    reason: str


@dataclass(frozen=True)
class Readings:
    """Candidate readings as parallel arrays (see the module docstring)."""

    line: npt.NDArray[np.int64]
    device_id: pd.Categorical
    port: npt.NDArray[np.int64]
    variable: pd.Categorical
    value: npt.NDArray[np.float64]
    ts: npt.NDArray[np.int64]
    local: npt.NDArray[np.bool_]
    depth_cm: npt.NDArray[np.float64]
    column: pd.Categorical

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def build(
        cls,
        line: npt.NDArray[np.int64],
        device_id: npt.NDArray[np.object_] | pd.Categorical,
        port: npt.NDArray[np.int64],
        variable: npt.NDArray[np.object_] | pd.Categorical,
        value: npt.NDArray[np.float64],
        ts: npt.NDArray[np.int64],
        local: npt.NDArray[np.bool_],
        depth_cm: npt.NDArray[np.float64],
        column: npt.NDArray[np.object_] | pd.Categorical,
    ) -> Readings:
        return cls(
            np.asarray(line, dtype=np.int64),
            pd.Categorical(device_id),
            np.asarray(port, dtype=np.int64),
            pd.Categorical(variable),
            np.asarray(value, dtype=np.float64),
            np.asarray(ts, dtype=np.int64),
            np.asarray(local, dtype=bool),
            np.asarray(depth_cm, dtype=np.float64),
            pd.Categorical(column),
        )

    @classmethod
    def empty(cls) -> Readings:
        nothing = np.empty(0, dtype=object)
        return cls.build(
            np.empty(0, np.int64),
            nothing,
            np.empty(0, np.int64),
            nothing,
            np.empty(0, np.float64),
            np.empty(0, np.int64),
            np.empty(0, bool),
            np.empty(0, np.float64),
            nothing,
        )

    @classmethod
    def concat(cls, parts: Sequence[Readings]) -> Readings:
        if not parts:
            return cls.empty()

        def categories(name: str) -> pd.Categorical:
            return union_categoricals([getattr(p, name) for p in parts], ignore_order=True)

        def arrays(name: str) -> npt.NDArray[Any]:
            return np.concatenate([getattr(p, name) for p in parts])

        return cls(
            arrays("line"),
            categories("device_id"),
            arrays("port"),
            categories("variable"),
            arrays("value"),
            arrays("ts"),
            arrays("local"),
            arrays("depth_cm"),
            categories("column"),
        )

    def to_frame(self) -> pd.DataFrame:
        """The readings as a DataFrame (for inspection and tests)."""
        return pd.DataFrame({name: getattr(self, name) for name in FIELDS})


@dataclass
class ParsedLog:
    format: str
    readings: Readings
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    empty_cells: int = 0
    notes: list[str] = field(default_factory=list)


def reject_file(text: LogText, message: str, location: str | None = None) -> InputError:
    return InputError([Problem(text.name, location, None, message)], "sensor log")


# ---- timestamps

_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
# Naive layouts seen in vendor exports, tried in this order; ISO 8601 first.
_NAIVE_FORMATS: tuple[tuple[str, str], ...] = (
    ("ISO8601", "YYYY-MM-DD HH:MM[:SS]"),
    ("%Y/%m/%d %H:%M:%S", "YYYY/MM/DD HH:MM:SS"),
    ("%Y/%m/%d %H:%M", "YYYY/MM/DD HH:MM"),
    ("%d/%m/%Y %H:%M:%S", "DD/MM/YYYY HH:MM:SS"),
    ("%d/%m/%Y %H:%M", "DD/MM/YYYY HH:MM"),
    ("%m/%d/%Y %H:%M:%S", "MM/DD/YYYY HH:MM:SS"),
    ("%m/%d/%Y %H:%M", "MM/DD/YYYY HH:MM"),
    ("%m/%d/%Y %I:%M %p", "MM/DD/YYYY hh:mm AM"),
    ("%m/%d/%y %I:%M %p", "MM/DD/YY hh:mm AM"),
    ("%d.%m.%Y %H:%M:%S", "DD.MM.YYYY HH:MM:SS"),
    ("%d.%m.%Y %H:%M", "DD.MM.YYYY HH:MM"),
)
TIMESTAMP_FIX = (
    "write timestamps as ISO 8601, e.g. 2025-05-18 11:00:00 (local time of the logger) or "
    "2025-05-18T09:00:00Z (UTC)"
)


@dataclass(frozen=True)
class ParsedTimes:
    seconds: npt.NDArray[np.int64]  # epoch seconds (UTC, or wall clock where `local`)
    local: npt.NDArray[np.bool_]
    ok: npt.NDArray[np.bool_]
    layout: str


def parse_timestamps(values: Sequence[str] | npt.NDArray[np.object_], text: LogText) -> ParsedTimes:
    """Parse timestamp strings: ISO with offset or Z (UTC instants) or one naive layout.

    The naive layout is the one that reads the most values; day-first and month-first dates
    that both read every value are told apart by which gives times in file order, and refused
    when neither does (a wrong guess would silently move readings by months).
    """
    strings = pd.Series(np.asarray(values, dtype=object), dtype=object).str.strip()
    n = len(strings)
    seconds = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    aware = strings.str.contains(_OFFSET, na=False).to_numpy(dtype=bool)
    if aware.any():
        parsed = pd.to_datetime(strings[aware], utc=True, format="ISO8601", errors="coerce")
        good = parsed.notna().to_numpy(dtype=bool)
        idx = np.flatnonzero(aware)
        seconds[idx[good]] = _to_seconds(parsed[good])
        ok[idx[good]] = True
    naive = ~aware & strings.ne("").to_numpy(dtype=bool)
    layout = "ISO 8601 with offset"
    if naive.any():
        subset = strings[naive]
        best: tuple[int, str, str, pd.Series] | None = None
        candidates: list[tuple[int, str, str, pd.Series]] = []
        for fmt, label in _NAIVE_FORMATS:
            parsed_naive = _parse_naive(subset, fmt)
            count = int(parsed_naive.notna().sum())
            if count:
                candidates.append((count, fmt, label, parsed_naive))
        if candidates:
            top = max(c[0] for c in candidates)
            tied = [c for c in candidates if c[0] == top]
            if len(tied) > 1:
                ordered = [c for c in tied if _in_order(c[3])]
                if len(ordered) == 1:
                    tied = ordered
                elif {c[1][:2] for c in tied} >= {"%d", "%m"}:
                    raise reject_file(
                        text,
                        f"dates such as '{subset.iloc[0]}' read both as day/month and as "
                        f"month/day; {TIMESTAMP_FIX}",
                    )
            best = tied[0]
        if best is not None:
            parsed_naive = best[3]
            good = parsed_naive.notna().to_numpy(dtype=bool)
            idx = np.flatnonzero(naive)
            seconds[idx[good]] = _to_seconds(parsed_naive[good])
            ok[idx[good]] = True
            layout = best[2]
    return ParsedTimes(seconds, ~aware, ok, layout)


def _parse_naive(strings: pd.Series, fmt: str) -> pd.Series:
    sample = strings.iloc[:200]
    if pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum() == 0:
        return pd.Series(pd.NaT, index=strings.index)
    return pd.to_datetime(strings, format=fmt, errors="coerce")


def _in_order(parsed: pd.Series) -> bool:
    values = parsed.dropna().to_numpy(dtype="datetime64[ns]")
    return bool(np.all(values[1:] >= values[:-1]))


def _to_seconds(parsed: pd.Series) -> npt.NDArray[np.int64]:
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[s]").astype(np.int64)


# ---- wide layouts (one timestamp per line, one column per sensor)


@dataclass(frozen=True)
class WideColumn:
    """One value column of a wide layout and the reading it holds."""

    column: str  # the column's name in messages (header text)
    index: int  # position in the body table
    device_id: str
    port: int
    variable: str
    unit: units.Unit
    depth_cm: float = float("nan")


def explode_wide(
    text: LogText,
    fmt: str,
    body: CsvBody,
    ts_index: int,
    columns: Sequence[WideColumn],
    ignored: Sequence[str] = (),
) -> ParsedLog:
    """Turn a wide table of strings into long readings, rejecting bad cells one by one."""
    rejected = [Rejection(b.line, None, b.reason) for b in body.bad_lines]
    ts_strings = body.table.column(ts_index).to_numpy(zero_copy_only=False).astype(object)
    cells = [body.table.column(c.index).to_numpy(zero_copy_only=False) for c in columns]
    # A line with every field empty is a blank line: nothing to read, nothing to reject.
    blank = pd.Series(ts_strings, dtype=object).str.strip().eq("").to_numpy(dtype=bool)
    for values in cells:
        blank &= pd.Series(values, dtype=object).str.strip().eq("").to_numpy(dtype=bool)
    keep = ~blank
    lines = body.lines[keep]
    ts_strings = ts_strings[keep]
    times = parse_timestamps(ts_strings, text)
    if len(ts_strings) and not times.ok.any():
        raise reject_file(
            text,
            f"no timestamp could be read (first: '{ts_strings[0]}'); {TIMESTAMP_FIX}",
        )
    tail_note = _tail_note(text)
    for row in np.flatnonzero(~times.ok):
        line = int(lines[row])
        rejected.append(
            Rejection(
                line,
                None,
                f"timestamp '{ts_strings[row]}' is not a date and time; {TIMESTAMP_FIX}"
                + (tail_note if text.is_truncated_tail(line) else ""),
            )
        )
    parts: list[Readings] = []
    empty_cells = 0
    for spec, values in zip(columns, cells, strict=True):
        raw = pd.Series(values[keep], dtype=object).str.strip()
        empty = raw.eq("").to_numpy(dtype=bool)
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        bad = ~empty & ~np.isfinite(numbers) & times.ok
        for row in np.flatnonzero(bad):
            line = int(lines[row])
            reason = f"'{raw.iloc[row]}' is not a number"
            if re.fullmatch(r"-?\d+,\d+", str(raw.iloc[row])):
                reason += "; use a point as the decimal mark"
            if text.is_truncated_tail(line):
                reason += tail_note
            rejected.append(Rejection(line, spec.column, reason))
        empty_cells += int((empty & times.ok).sum())
        use = times.ok & np.isfinite(numbers)
        n = int(use.sum())
        parts.append(
            Readings.build(
                lines[use],
                np.full(n, spec.device_id, dtype=object),
                np.full(n, spec.port, dtype=np.int64),
                np.full(n, spec.variable, dtype=object),
                units.to_canonical(numbers[use], spec.unit),
                times.seconds[use],
                times.local[use],
                np.full(n, spec.depth_cm, dtype=np.float64),
                np.full(n, spec.column, dtype=object),
            )
        )
    return ParsedLog(fmt, Readings.concat(parts), rejected, list(ignored), empty_cells)


def _tail_note(text: LogText) -> str:
    return (
        " (this is the last line and the file does not end with a line break: it may be cut "
        "off; re-send the complete file)"
    )


def check_fraction_columns(text: LogText, columns: Sequence[WideColumn], parsed: ParsedLog) -> None:
    """Refuse a VWC column whose values contradict its unit (percent labelled m³/m³ or back)."""
    readings = parsed.readings
    for spec in columns:
        if spec.variable != "vwc_m3_m3":
            continue
        canonical = readings.value[np.asarray(readings.column == spec.column, dtype=bool)]
        if units.is_fraction_unit(spec.unit) and units.looks_like_percent(canonical):
            raise reject_file(
                text,
                f"column '{spec.column}' is labelled {spec.unit.label} but holds values from "
                f"{np.nanmin(canonical):g} to {np.nanmax(canonical):g}: that is percent. "
                "Re-export in m³/m³, or label the unit as percent (e.g. '% VWC') so it is "
                "divided by 100",
            )
        if not units.is_fraction_unit(spec.unit) and units.looks_like_fraction(
            units.from_canonical(canonical, spec.unit)
        ):
            raise reject_file(
                text,
                f"column '{spec.column}' is labelled {spec.unit.label} but its values stay "
                "below 1: they are already m³/m³. Label the unit m³/m³, or re-export in percent",
            )


def check_no_mixed_units(text: LogText, columns: Sequence[WideColumn]) -> None:
    """Two columns for the same device, port and variable (e.g. in % and in m³/m³) are refused."""
    seen: dict[tuple[str, int, str], WideColumn] = {}
    for spec in columns:
        key = (spec.device_id, spec.port, spec.variable)
        if key in seen:
            first = seen[key]
            what = (
                f"in {first.unit.label} and in {spec.unit.label}"
                if units.normalise_unit(first.unit.label) != units.normalise_unit(spec.unit.label)
                else "twice"
            )
            raise reject_file(
                text,
                f"columns '{first.column}' and '{spec.column}' both hold {spec.variable} of "
                f"device '{spec.device_id}' port {spec.port} ({what}); export one column per "
                "sensor and variable, in one unit",
            )
        seen[key] = spec


def table_strings(table: pa.Table, name: str) -> npt.NDArray[np.object_]:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=object)
