"""Declarative column checks for CSV tables read at the boundary.

Each column is described once (name, kind, range, and the likely unit mistake when a value falls
outside the range); `check_table` turns raw strings into typed columns and collects every problem
with its file, line and column, so the user sees all of them at once with the fix to apply.

pandera was tried for this and set aside: after a failed dtype coercion its later checks report a
TypeError instead of the offending value, and its failure cases carry no per-check fix.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

ColumnKind = Literal["id", "text", "float", "int", "date", "bool"]

# How many offending rows are spelled out per (file, column, kind of problem) before summarising.
MAX_EXAMPLES = 5
ID_PATTERN = r"^[A-Za-z0-9_\-.]+$"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, with where it is and how to fix it."""

    file: str
    location: str | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.location:
            where += f", {self.location}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class InputError(ValueError):
    """Raised with every problem found in an input; the message lists them with their fixes."""

    def __init__(self, problems: Sequence[Problem], what: str = "input") -> None:
        self.problems = tuple(problems)
        lines = [f"{len(self.problems)} problem(s) in the {what}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ColumnSpec:
    """What one column must hold. `below`/`above` name the likely mistake when out of range."""

    name: str
    kind: ColumnKind
    required: bool = True
    lo: float | None = None
    hi: float | None = None
    below: str = ""
    above: str = ""
    choices: tuple[str, ...] | None = None
    choices_hint: str = ""


class ProblemLog:
    """Collects problems, folding repeated ones of the same kind into a count."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, location: str | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, location, column, message))

    def add_rows(
        self,
        file: str,
        rows: Sequence[int] | np.ndarray,
        column: str | None,
        message_for_row: dict[int, str] | str,
        row_label: str = "line",
    ) -> None:
        """Report a problem for some rows (0-based data rows), spelling out the first few."""
        rows = list(rows)
        for row in rows[:MAX_EXAMPLES]:
            msg = message_for_row if isinstance(message_for_row, str) else message_for_row[row]
            self.add(file, _row_location(row, row_label), column, msg)
        if len(rows) > MAX_EXAMPLES:
            rest = rows[MAX_EXAMPLES:]
            first = _row_location(rest[0], row_label)
            self.add(
                file,
                None,
                column,
                f"{len(rest)} more row(s) with the same problem (from {first})",
            )

    def raise_if_any(self, what: str) -> None:
        if self.problems:
            raise InputError(self.problems, what)


def _row_location(row: int, row_label: str) -> str:
    # Line numbers count the header as line 1, as a spreadsheet or editor shows them.
    return f"line {row + 2}" if row_label == "line" else f"{row_label} {row + 1}"


def read_csv_strings(path: Path, file_label: str, log: ProblemLog) -> pd.DataFrame | None:
    """Read a CSV as strings (no type guessing), reporting encoding and delimiter mistakes."""
    raw = path.read_bytes()
    if not raw.strip():
        log.add(file_label, None, None, "the file is empty; it needs at least a header row")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.add(
            file_label,
            None,
            None,
            f"not UTF-8 (byte {exc.start}); re-save the file as UTF-8 (e.g. 'CSV UTF-8' in Excel)",
        )
        return None
    header = text.splitlines()[0]
    if "," not in header:
        guess = next((sep for sep in (";", "\t", "|") if sep in header), None)
        if guess is not None:
            name = {"\t": "tab", ";": "';'", "|": "'|'"}[guess]
            log.add(file_label, "line 1", None, f"columns are separated by {name}; use commas")
            return None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        log.add(file_label, None, None, f"not a readable CSV ({exc}); check quoting and commas")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def check_table(
    frame: pd.DataFrame,
    specs: Sequence[ColumnSpec],
    file_label: str,
    log: ProblemLog,
    row_label: str = "line",
) -> pd.DataFrame | None:
    """Type and range-check `frame` (all strings) against `specs`; None if columns are missing.

    Returns a frame with exactly the spec'd columns, typed: ids and text as str (missing: None),
    floats as float64 (NaN), ints as Int64, dates as datetime64[ns], bools as boolean.
    """
    known = {s.name for s in specs}
    missing = [s.name for s in specs if s.required and s.name not in frame.columns]
    for name in missing:
        near = difflib.get_close_matches(name, list(frame.columns), n=1)
        hint = f" (found '{near[0]}': rename it if it holds {name})" if near else ""
        log.add(file_label, "line 1", name, f"required column is missing{hint}")
    for name in frame.columns:
        if name not in known and not name.startswith("x_"):
            near = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            log.add(
                file_label,
                "line 1",
                name,
                f"unknown column; {hint}Columns are checked by name so a unit typo cannot "
                "pass silently; prefix your own extra columns with 'x_'",
            )
    if missing:
        return None

    out = {}
    for spec in specs:
        if spec.name not in frame.columns:
            out[spec.name] = _empty_column(spec.kind, len(frame))
            continue
        out[spec.name] = _check_column(frame[spec.name], spec, file_label, log, row_label)
    return pd.DataFrame(out, index=frame.index)


def with_spec_dtypes(frame: pd.DataFrame, specs: Sequence[ColumnSpec]) -> pd.DataFrame:
    """`frame` with each column of `specs` in the dtype `check_table` gives it (as a database
    returns them: ints as int64 or float, dates as objects); other columns are kept as they are."""
    out = frame.copy()
    for spec in specs:
        if spec.name not in out.columns:
            continue
        column = out[spec.name]
        if spec.kind == "float":
            out[spec.name] = column.astype("float64")
        elif spec.kind == "int":
            out[spec.name] = column.astype("Int64")
        elif spec.kind == "date":
            out[spec.name] = pd.to_datetime(column).astype("datetime64[ns]")
        elif spec.kind == "bool":
            out[spec.name] = column.astype("boolean")
    return out


def _empty_column(kind: ColumnKind, n: int) -> pd.Series:
    if kind in ("float",):
        return pd.Series(np.full(n, np.nan))
    if kind == "int":
        return pd.Series(pd.array([None] * n, dtype="Int64"))
    if kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if kind == "bool":
        return pd.Series(pd.array([None] * n, dtype="boolean"))
    return pd.Series([None] * n, dtype=object)


def _check_column(
    raw: pd.Series, spec: ColumnSpec, file_label: str, log: ProblemLog, row_label: str
) -> pd.Series:
    empty = raw.eq("")
    if spec.required and empty.any():
        log.add_rows(
            file_label,
            np.flatnonzero(empty.to_numpy()),
            spec.name,
            "value is missing; this column is required",
            row_label,
        )
    present = ~empty
    if spec.kind in ("id", "text"):
        if spec.kind == "id":
            bad = present & ~raw.str.fullmatch(ID_PATTERN)
            _report(
                log,
                file_label,
                spec,
                bad,
                raw,
                row_label,
                "is not a valid identifier (use letters, digits, '-', '_' and '.')",
            )
        if spec.choices is not None:
            bad = present & ~raw.isin(spec.choices)
            hint = spec.choices_hint or f"use one of {', '.join(spec.choices)}"
            _report(log, file_label, spec, bad, raw, row_label, f"is not allowed; {hint}")
        values = raw.astype(object)
        values.loc[empty] = None
        return values
    if spec.kind == "bool":
        lowered = raw.str.lower()
        truthy = lowered.isin(["true", "1", "yes"])
        falsy = lowered.isin(["false", "0", "no"])
        bad = present & ~(truthy | falsy)
        _report(log, file_label, spec, bad, raw, row_label, "is not true or false")
        result = pd.array([None] * len(raw), dtype="boolean")
        result[truthy.to_numpy()] = True
        result[falsy.to_numpy()] = False
        return pd.Series(result, index=raw.index)
    if spec.kind == "date":
        parsed = pd.to_datetime(raw.mask(empty), format="%Y-%m-%d", errors="coerce")
        bad = present & parsed.isna()
        _report(log, file_label, spec, bad, raw, row_label, "is not a date; write YYYY-MM-DD")
        return parsed.astype("datetime64[ns]")
    # Numbers: a decimal comma is the commonest mistake in European exports.
    numbers = pd.to_numeric(raw.mask(empty), errors="coerce")
    unparsable = present & numbers.isna()
    comma = unparsable & raw.str.fullmatch(r"-?\d+,\d+")
    _report(
        log,
        file_label,
        spec,
        comma,
        raw,
        row_label,
        "uses a decimal comma; use a point (12.5, not 12,5)",
    )
    _report(log, file_label, spec, unparsable & ~comma, raw, row_label, "is not a number")
    if spec.kind == "int":
        fractional = numbers.notna() & (numbers != np.round(numbers))
        _report(log, file_label, spec, fractional, raw, row_label, "is not a whole number")
    if spec.lo is not None:
        low = numbers < spec.lo
        hint = f"; {spec.below}" if spec.below else ""
        _report(log, file_label, spec, low, raw, row_label, f"is below {spec.lo:g}{hint}")
    if spec.hi is not None:
        high = numbers > spec.hi
        hint = f"; {spec.above}" if spec.above else ""
        _report(log, file_label, spec, high, raw, row_label, f"is above {spec.hi:g}{hint}")
    if spec.kind == "int":
        return numbers.round().astype("Int64")
    return numbers.astype("float64")


def _report(
    log: ProblemLog,
    file_label: str,
    spec: ColumnSpec,
    bad: pd.Series,
    raw: pd.Series,
    row_label: str,
    what: str,
) -> None:
    rows = np.flatnonzero(bad.to_numpy(dtype=bool))
    if rows.size:
        messages = {int(r): f"'{raw.iloc[r]}' {what}" for r in rows[:MAX_EXAMPLES]}
        log.add_rows(file_label, rows, spec.name, messages, row_label)
