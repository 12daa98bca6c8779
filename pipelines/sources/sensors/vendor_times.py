"""Vendor timestamps to ISO 8601: the date orders and localised 12-hour clocks of exports.

HOBOware and ZENTRA Utility write dates month-first, day-first or year-first (by the locale of
the computer that exported them) and 12-hour clocks with a localised AM/PM marker ("fm"/"em",
"vorm."/"nachm.", "a. m."/"p. m."). The date order is the one that reads the most values; two
orders that read all of them alike are told apart by which gives times in file order, and the
file is refused when neither does: a wrong guess would move readings by months.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.sources.sensors.parsed import TIMESTAMP_FIX, reject_file
from pipelines.sources.sensors.text import CsvBody, LogText

# Localised AM/PM markers of HOBOware's 12-hour clock, compared without dots and spaces.
_AM = frozenset({"am", "a", "fm", "vorm", "vm", "午前", "오전", "上午"})
_PM = frozenset({"pm", "p", "em", "nachm", "nm", "午後", "오후", "下午"})
_MARKER = re.compile(r"^(?P<clock>.*\d)\s*(?P<marker>[^\d\s][^\d]*)$")
_DATE_ORDERS = (
    ("%m/%d/%y", "month/day/year"),
    ("%m/%d/%Y", "month/day/year"),
    ("%d/%m/%y", "day/month/year"),
    ("%d/%m/%Y", "day/month/year"),
    ("%y/%m/%d", "year/month/day"),
    ("%Y/%m/%d", "year/month/day"),
    ("%d.%m.%y", "day.month.year"),
    ("%d.%m.%Y", "day.month.year"),
    ("%Y-%m-%d", "year-month-day"),
    ("%y-%m-%d", "year-month-day"),
    ("%d-%m-%Y", "day-month-year"),
)
_CLOCKS = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")


def _strings(body: CsvBody, index: int) -> pd.Series:
    values = body.table.column(index).to_numpy(zero_copy_only=False)
    return pd.Series(values, dtype=object).fillna("").astype(str).str.strip()


def iso_time_column(text: LogText, body: CsvBody, time_column: int, offset: str | None) -> CsvBody:
    """Rewrite the time column as ISO 8601 (with `offset`, e.g. "+02:00", when given).

    Values that no layout reads are left as they are, so the reader rejects their lines.
    """
    raw = _strings(body, time_column)
    normalised = raw.map(_english_marker)
    parsed, layout = _parse_dates(text, normalised)
    iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S")
    if offset is not None:
        iso = iso + offset
    out = np.where(parsed.notna().to_numpy(dtype=bool), iso.to_numpy(dtype=object), raw)
    columns = list(body.table.columns)
    columns[time_column] = pa.chunked_array([pa.array(out.astype(str), pa.string())])
    return CsvBody(pa.table(columns, names=body.table.column_names), body.lines, body.bad_lines)


def _english_marker(value: str) -> str:
    match = _MARKER.match(value)
    if match is None:
        return value
    marker = re.sub(r"[.\s]", "", match.group("marker")).lower()
    if marker in _AM:
        return f"{match.group('clock')} AM"
    if marker in _PM:
        return f"{match.group('clock')} PM"
    return value


def _parse_dates(text: LogText, values: pd.Series) -> tuple[pd.Series, str]:
    """The date layout that reads the most values; refused when two orders read all alike."""
    present = values[values.ne("")]
    if present.empty:
        return pd.Series(pd.NaT, index=values.index), ""
    sample = present.iloc[:200]
    candidates: list[tuple[int, str, str]] = []
    for date_format, order in _DATE_ORDERS:
        for clock in _CLOCKS:
            fmt = f"{date_format} {clock}"
            count = int(pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum())
            if count:
                candidates.append((count, fmt, order))
    if not candidates:
        return pd.Series(pd.NaT, index=values.index), ""
    top = max(c[0] for c in candidates)
    tied = [c for c in candidates if c[0] == top]
    orders = {c[2] for c in tied}
    if len(orders) > 1:
        ordered = [
            c
            for c in tied
            if _in_order(pd.to_datetime(present, format=c[1], errors="coerce").dropna())
        ]
        if len({c[2] for c in ordered}) == 1:
            tied = ordered
        else:
            raise reject_file(
                text,
                f"dates such as '{present.iloc[0]}' read as {' and as '.join(sorted(orders))}, "
                f"and neither gives times in file order; {TIMESTAMP_FIX}",
            )
    fmt = tied[0][1]
    return pd.to_datetime(values, format=fmt, errors="coerce"), tied[0][2]


def _in_order(parsed: pd.Series) -> bool:
    values = parsed.to_numpy(dtype="datetime64[ns]")
    return bool(len(values) > 1 and np.all(values[1:] >= values[:-1]))
