"""Writing readings: merge with stored neighbours, flag, insert new rows, re-flag old ones.

All of it runs inside the caller's transaction. The only difference between SQLite and
PostgreSQL is how the new rows reach the table (`insert_new_readings`): SQLite takes one
prepared statement per segment with `executemany`, PostgreSQL a `COPY` into a temporary table
and one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`. Both skip keys already present, so two
writers can never double a reading.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipelines.sources.sensors import qc
from pipelines.sources.sensors.parsed import Rejection
from pipelines.sources.sensors.validate import Resolved
from pipelines.store.schema import sensor_readings

ProgressCallback = Callable[[str, int, int], None]
# Readings per multi-row INSERT on SQLite: measured fastest between 25 and 100.
_ROWS_PER_STATEMENT = 50
# Any PostgreSQL session ingesting sensor logs holds this advisory lock for its transaction.
PG_LOCK_KEY = 7_401_152_026
_INSERT_COLUMNS = (
    "device_id",
    "port",
    "variable",
    "ts",
    "value",
    "depth_cm",
    "field_id",
    "installed_date",
    "qc_flags",
    "upload_id",
)


def lock_for_upload(conn: Connection) -> None:
    """Serialise uploads: SQLite takes the write lock now, PostgreSQL an advisory lock.

    On SQLite a transaction that reads first and writes later can fail with "database is
    locked" when another writer commits in between; taking the write lock up front makes a
    second uploader wait (up to the connection's busy timeout) instead.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -65536")  # 64 MiB of pages for big windows
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


@dataclass
class StoreOutcome:
    accepted: int = 0
    duplicate: int = 0
    conflicts: list[Rejection] = field(default_factory=list)
    flags: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))
    reflagged: int = 0


def store_readings(
    conn: Connection,
    upload_id: int,
    resolved: Resolved,
    progress: ProgressCallback | None = None,
) -> StoreOutcome:
    """Insert `resolved` readings not yet stored, with QC flags over stored neighbours."""
    segments = resolved.segments
    n_segments = len(segments)
    outcome = StoreOutcome()
    if len(resolved.ts) == 0:
        return outcome
    seg = resolved.segment
    bounds = np.flatnonzero(np.diff(seg)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(seg)]])
    seg_ids = seg[starts]
    lo, hi = resolved.ts[starts], resolved.ts[ends - 1]
    context = qc.CONTEXT_S
    info = _segment_rows(segments)
    stored = _StoredReadings(conn, info)

    # Stored readings in each series' own time range: the candidates for duplicates.
    keep_new = np.ones(len(seg), dtype=bool)
    here_seg, here_ts, here_val = stored.values(seg_ids, lo, hi)
    if len(here_ts):
        base = min(int(here_ts.min()), int(resolved.ts.min()))
        here_key = _series_key(here_seg, here_ts, base)
        new_key = _series_key(seg, resolved.ts, base)
        found = np.minimum(np.searchsorted(here_key, new_key), len(here_key) - 1)
        dup = here_key[found] == new_key
        conflict = dup & (here_val[found] != resolved.value)
        outcome.duplicate += int((dup & ~conflict).sum())
        for row in np.flatnonzero(conflict).tolist():
            device_id, port, variable, _ = info[int(seg[row])]
            outcome.conflicts.append(
                Rejection(
                    int(resolved.line[row]),
                    None,
                    f"{variable} of device '{device_id}' port {port} at "
                    f"{pd.Timestamp(int(resolved.ts[row]), unit='s')} UTC is already stored with "
                    f"the value {here_val[found[row]]:g}; uploads never overwrite stored "
                    f"readings, so this {resolved.value[row]:g} is kept out",
                )
            )
        keep_new = ~dup
    # Series with nothing new need nothing else: no stored flag can change.
    has_new = np.logical_or.reduceat(keep_new, starts)

    # The first stored reading of each installation: whether the upload starts after a gap,
    # and whether a stored first reading now follows one.
    has_earlier = np.zeros(n_segments, dtype=bool)
    first_rows: list[tuple[int, int, int]] = []  # (segment, ts, flags) of first stored rows
    first_ts = stored.first(seg_ids[has_new])
    has_first = first_ts >= 0
    with_new = np.flatnonzero(has_new)
    has_earlier[seg_ids[with_new[has_first]]] = first_ts[has_first] < lo[with_new[has_first]] - (
        2 * context
    )
    for k in np.flatnonzero(has_first & (first_ts > hi[with_new] + context)).tolist():
        s = int(seg_ids[with_new[k]])
        first = first_reading(conn, *info[s])
        if first is not None:
            first_rows.append((s, first[0], int(qc.text_to_flags([first[1]])[0])))

    # The stored neighbours that QC looks at: inside each series' range and on both sides, of
    # its own installation, for series with new readings and readings stored.
    near = with_new[has_first]
    old_seg, old_ts, old_val, old_flags = stored.near(
        seg_ids[near], lo[near] - 2 * context, hi[near] + 2 * context
    )
    write_lo = np.zeros(n_segments, dtype=np.int64)
    write_hi = np.zeros(n_segments, dtype=np.int64)
    write_lo[seg_ids], write_hi[seg_ids] = lo - context, hi + context

    if keep_new.all():
        new_seg, new_ts, new_val = seg, resolved.ts, resolved.value
    else:
        new_seg, new_ts, new_val = seg[keep_new], resolved.ts[keep_new], resolved.value[keep_new]
    # A probe is one installation of one device port: its variables are stuck together.
    probes = segments.groupby(["device_id", "port", "installed_date"], sort=False).ngroup()
    rules = qc.SegmentRules.for_segments(
        list(segments["variable"]),
        list(segments["depth_cm"].astype(float)),
        [int(p) for p in probes],
    )
    if len(old_ts):
        all_seg = np.concatenate([new_seg, old_seg])
        all_ts = np.concatenate([new_ts, old_ts])
        all_val = np.concatenate([new_val, old_val])
        is_new = np.concatenate([np.ones(len(new_ts), bool), np.zeros(len(old_ts), bool)])
        # Both parts are sorted by (segment, ts): a stable sort of the joined keys merges them
        # in one pass (numpy's stable sort finds the two runs).
        key = all_seg * (1 << 40) + (all_ts - all_ts.min())
        order = np.argsort(key, kind="stable")
        flags_sorted = qc.qc_flags(
            all_seg[order], all_ts[order], all_val[order], rules, has_earlier
        )
        flags = np.empty_like(flags_sorted)
        flags[order] = flags_sorted
        new_flags = flags[is_new]
        recomputed = flags[~is_new]
        in_range = (old_ts >= write_lo[old_seg]) & (old_ts <= write_hi[old_seg])
        changed = in_range & (recomputed != old_flags)
        updates = [
            (int(s), int(t), int(f))
            for s, t, f in zip(old_seg[changed], old_ts[changed], recomputed[changed], strict=True)
        ]
    else:
        new_flags = qc.qc_flags(new_seg, new_ts, new_val, rules, has_earlier)
        updates = []
    # A first stored reading beyond the window now has earlier readings: it starts after a gap.
    kept_segments = set(seg_ids[np.logical_or.reduceat(keep_new, starts)].tolist())
    for s, ts_first, old in first_rows:
        if s in kept_segments and not old & qc.GAP:
            updates.append((s, ts_first, old | qc.GAP))
    outcome.flags = new_flags
    outcome.accepted = insert_new_readings(
        conn, upload_id, segments, new_seg, new_ts, new_val, new_flags, progress
    )
    # Rows a concurrent writer stored between our read and our insert count as duplicates.
    outcome.duplicate += len(new_ts) - outcome.accepted
    if updates:
        _update_flags(conn, segments, updates)
    outcome.reflagged = len(updates)
    return outcome


def _series_key(
    segment: npt.NDArray[np.int64], ts: npt.NDArray[np.int64], base: int
) -> npt.NDArray[np.int64]:
    """One sortable number per (segment, ts): segment-major, then time."""
    return segment * (1 << 40) + (ts - base)


def flag_mask_sql(dialect: str) -> str:
    """SQL turning a stored `qc_flags` text into its bit mask (`qc.FLAG_NAMES` order)."""
    find = "instr" if dialect == "sqlite" else "strpos"
    terms = " + ".join(
        f"(CASE WHEN {find}(',' || qc_flags || ',', ',{name},') > 0 THEN {1 << bit} ELSE 0 END)"
        for bit, name in enumerate(qc.FLAG_NAMES)
    )
    return f"(CASE WHEN qc_flags = '' THEN 0 ELSE {terms} END)"


# Batched reads: one statement for all series of an upload, each series (its position in the
# batch, device, port, variable, ...) joined to its stored readings through the primary key.
# SQLite gets the batch as a JSON array (CROSS JOIN keeps it the outer loop), PostgreSQL as
# arrays (LATERAL: one index scan per series).
def _sqlite_batch(*names: str) -> tuple[str, dict[str, str]]:
    """The JSON batch as a table, and the SQL of each of its fields."""
    return "json_each(?) AS s", {
        name: f"json_extract(s.value, '$[{k}]')" for k, name in enumerate(names)
    }


def _sql_values(dialect: str) -> str:
    # Each row's batch position and ts come packed in one number (`_series_key` with the batch
    # position for the segment, relative to a bound base): one Python object less per row.
    if dialect == "sqlite":
        batch, s = _sqlite_batch("device_id", "port", "variable", "lo", "hi")
        return (
            f"SELECT s.key * {1 << 40} + (r.ts - ?), r.value "
            f"FROM {batch} CROSS JOIN sensor_readings AS r "
            f"ON r.device_id = {s['device_id']} AND r.port = {s['port']} "
            f"AND r.variable = {s['variable']} AND r.ts BETWEEN {s['lo']} AND {s['hi']}"
        )
    return (
        f"SELECT (s.k - 1) * {1 << 40} + (r.ts - %s), r.value "
        "FROM unnest(%s::text[], %s::int[], %s::text[], %s::bigint[], %s::bigint[]) "
        "WITH ORDINALITY AS s(device_id, port, variable, lo, hi, k) "
        "CROSS JOIN LATERAL (SELECT CAST(EXTRACT(EPOCH FROM w.ts) AS BIGINT) AS ts, w.value "
        "FROM sensor_readings AS w WHERE w.device_id = s.device_id AND w.port = s.port "
        "AND w.variable = s.variable "
        "AND w.ts BETWEEN to_timestamp(s.lo) AND to_timestamp(s.hi)) AS r"
    )


def _sql_near(dialect: str) -> str:
    if dialect == "sqlite":
        batch, s = _sqlite_batch("device_id", "port", "variable", "installed", "lo", "hi")
        return (
            f"SELECT s.key, r.ts, r.value, {flag_mask_sql(dialect)} "
            f"FROM {batch} CROSS JOIN sensor_readings AS r "
            f"ON r.device_id = {s['device_id']} AND r.port = {s['port']} "
            f"AND r.variable = {s['variable']} AND r.ts BETWEEN {s['lo']} AND {s['hi']} "
            f"WHERE r.installed_date = {s['installed']}"
        )
    return (
        "SELECT s.k - 1, r.ts, r.value, r.flags FROM unnest(%s::text[], %s::int[], %s::text[], "
        "%s::date[], %s::bigint[], %s::bigint[]) "
        "WITH ORDINALITY AS s(device_id, port, variable, installed, lo, hi, k) "
        "CROSS JOIN LATERAL (SELECT CAST(EXTRACT(EPOCH FROM w.ts) AS BIGINT) AS ts, w.value, "
        f"{flag_mask_sql(dialect)} AS flags FROM sensor_readings AS w "
        "WHERE w.device_id = s.device_id AND w.port = s.port AND w.variable = s.variable "
        "AND w.installed_date = s.installed "
        "AND w.ts BETWEEN to_timestamp(s.lo) AND to_timestamp(s.hi)) AS r"
    )


def _sql_first(dialect: str) -> str:
    # An installation holds no readings from before the day before it started (time zones are
    # at most a day from UTC): `start` lets the index skip earlier installations' rows.
    if dialect == "sqlite":
        batch, s = _sqlite_batch("device_id", "port", "variable", "installed", "start")
        return (
            f"SELECT s.key, (SELECT r.ts FROM sensor_readings AS r "
            f"WHERE r.device_id = {s['device_id']} AND r.port = {s['port']} "
            f"AND r.variable = {s['variable']} AND r.installed_date = {s['installed']} "
            f"AND r.ts >= {s['start']} ORDER BY r.ts LIMIT 1) FROM {batch}"
        )
    return (
        "SELECT s.k - 1, (SELECT CAST(EXTRACT(EPOCH FROM w.ts) AS BIGINT) "
        "FROM sensor_readings AS w WHERE w.device_id = s.device_id AND w.port = s.port "
        "AND w.variable = s.variable AND w.installed_date = s.installed "
        "AND w.ts >= to_timestamp(s.start) ORDER BY w.ts LIMIT 1) "
        "FROM unnest(%s::text[], %s::int[], %s::text[], %s::date[], %s::bigint[]) "
        "WITH ORDINALITY AS s(device_id, port, variable, installed, start, k)"
    )


_FIRST_SQL = {
    "sqlite": (
        "SELECT ts, qc_flags FROM sensor_readings WHERE device_id = ? AND port = ? "
        "AND variable = ? AND installed_date = ? AND ts >= ? ORDER BY ts LIMIT 1"
    ),
    "postgresql": (
        "SELECT CAST(EXTRACT(EPOCH FROM ts) AS BIGINT), qc_flags FROM sensor_readings "
        "WHERE device_id = %s AND port = %s AND variable = %s "
        "AND installed_date = CAST(%s AS DATE) AND ts >= to_timestamp(%s) ORDER BY ts LIMIT 1"
    ),
}


class _StoredReadings:
    """Reads the stored readings an upload needs, one statement per question for all series.

    Through the driver's cursor rather than SQLAlchemy, and only numbers: a re-upload reads
    back as many readings as it sends, and row objects would cost more than the rest of it.
    """

    def __init__(self, conn: Connection, series: list[tuple[str, int, str, str]]) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name
        self._series = series

    def values(
        self,
        segments: npt.NDArray[np.int64],
        lo: npt.NDArray[np.int64],
        hi: npt.NDArray[np.int64],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """(segment, ts, value) of the stored readings of each segment's series within
        [lo, hi], of any installation, sorted by (segment, ts)."""
        columns = self._columns(segments, lo, hi, installed=False)
        base = int(lo.min()) if len(lo) else 0
        rows = self._fetch(_sql_values(self._dialect), columns, _PACKED_DTYPE, base)
        position = rows["packed"] >> 40
        ts = (rows["packed"] & ((1 << 40) - 1)) + base
        order = _order(_series_key(segments[position], ts, base))
        return segments[position[order]], ts[order], rows["value"][order]

    def near(
        self,
        segments: npt.NDArray[np.int64],
        lo: npt.NDArray[np.int64],
        hi: npt.NDArray[np.int64],
    ) -> tuple[
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
        npt.NDArray[np.uint8],
    ]:
        """(segment, ts, value, QC flag mask) of the stored readings of each segment's
        installation within [lo, hi], sorted by (segment, ts)."""
        columns = self._columns(segments, lo, hi, installed=True)
        rows = self._fetch(_sql_near(self._dialect), columns, _NEAR_DTYPE)
        rows = self._sorted(segments, rows)
        return segments[rows["batch"]], rows["ts"], rows["value"], rows["flags"]

    def first(self, segments: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The ts of the first stored reading of each segment's installation; -1 for none."""
        installed = [self._series[int(s)][3] for s in segments.tolist()]
        start = (np.array(installed, dtype="datetime64[D]").astype(np.int64) - 1) * 86_400
        columns = self._columns(segments, start, None, installed=True)
        result = np.full(len(segments), -1, dtype=np.int64)
        if len(segments):
            cursor = self._cursor()
            try:
                cursor.execute(_sql_first(self._dialect), self._parameters(columns))
                for position, ts in cursor.fetchall():
                    if ts is not None:
                        result[int(position)] = int(ts)
            finally:
                cursor.close()
        return result

    def _columns(
        self,
        segments: npt.NDArray[np.int64],
        lo: npt.NDArray[np.int64],
        hi: npt.NDArray[np.int64] | None,
        installed: bool,
    ) -> list[list[Any]]:
        series = [self._series[int(s)] for s in segments.tolist()]
        columns: list[list[Any]] = [
            [d for d, _, _, _ in series],
            [p for _, p, _, _ in series],
            [v for _, _, v, _ in series],
        ]
        if installed:
            columns.append([i for _, _, _, i in series])
        columns.append(lo.tolist())
        if hi is not None:
            columns.append(hi.tolist())
        return columns

    def _parameters(self, columns: list[list[Any]], *first: Any) -> tuple[Any, ...]:
        if self._dialect == "sqlite":
            return (*first, json.dumps([list(row) for row in zip(*columns, strict=True)]))
        return (*first, *columns)

    def _fetch(self, sql: str, columns: list[list[Any]], dtype: np.dtype[Any], *first: Any) -> Any:
        if not columns[0]:
            return np.empty(0, dtype=dtype)
        cursor = self._cursor()
        try:
            cursor.execute(sql, self._parameters(columns, *first))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return np.fromiter(rows, dtype=dtype, count=len(rows))

    def _sorted(self, segments: npt.NDArray[np.int64], rows: Any) -> Any:
        """`rows` in (segment, ts) order."""
        if len(rows) < 2:
            return rows
        return rows[_order(_series_key(segments[rows["batch"]], rows["ts"], int(rows["ts"].min())))]

    def _cursor(self) -> Any:
        raw: Any = self._conn.connection.dbapi_connection
        return raw.cursor()


def _order(key: npt.NDArray[np.int64]) -> npt.NDArray[np.int64] | slice:
    """The order that sorts `key`: the database returns rows sorted (series by series, each
    through its primary key), but does not promise it."""
    if len(key) < 2 or np.all(key[1:] > key[:-1]):
        return slice(None)
    return np.argsort(key, kind="stable")


_PACKED_DTYPE = np.dtype([("packed", "i8"), ("value", "f8")])
_NEAR_DTYPE = np.dtype([("batch", "i8"), ("ts", "i8"), ("value", "f8"), ("flags", "u1")])


def first_reading(
    conn: Connection, device_id: str, port: int, variable: str, installed: str
) -> tuple[int, str] | None:
    """(ts, qc_flags) of the first stored reading of one variable of one installation."""
    # The installation cannot hold readings from before the day before it started (time zones
    # are at most a day from UTC), which lets the index skip earlier installations' rows.
    start = (int(np.datetime64(installed, "D").astype(np.int64)) - 1) * 86_400
    raw: Any = conn.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        cursor.execute(_FIRST_SQL[conn.dialect.name], (device_id, port, variable, installed, start))
        row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else (int(row[0]), str(row[1]))


def _segment_rows(segments: pd.DataFrame) -> list[tuple[str, int, str, str]]:
    """(device_id, port, variable, installed_date ISO) of every segment, as plain values."""
    return [
        (str(d), int(p), str(v), i.isoformat())
        for d, p, v, i in zip(
            segments["device_id"].tolist(),
            segments["port"].tolist(),
            segments["variable"].tolist(),
            segments["installed_date"].tolist(),
            strict=True,
        )
    ]


def insert_new_readings(
    conn: Connection,
    upload_id: int,
    segments: pd.DataFrame,
    seg: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    value: npt.NDArray[np.float64],
    flags: npt.NDArray[np.uint8],
    progress: ProgressCallback | None = None,
) -> int:
    """Insert readings sorted by (segment, ts), skipping keys already stored; rows inserted."""
    total = len(ts)
    if total == 0:
        return 0
    flag_text = qc.flags_to_text(flags)
    if conn.dialect.name == "postgresql":
        return _copy_postgres(conn, upload_id, segments, seg, ts, value, flag_text, progress)
    constants = [
        [str(d), int(p), str(v), float(depth), str(f), i.isoformat()]
        for d, p, v, depth, f, i in zip(
            segments["device_id"].tolist(),
            segments["port"].tolist(),
            segments["variable"].tolist(),
            segments["depth_cm"].tolist(),
            segments["field_id"].tolist(),
            segments["installed_date"].tolist(),
            strict=True,
        )
    ]
    upload = int(upload_id)
    raw: Any = conn.connection.dbapi_connection
    cursor = raw.cursor()
    inserted = done = 0
    next_report = max(total // 20, 1)
    per_statement = _ROWS_PER_STATEMENT
    full_statement = _sqlite_insert(per_statement)
    ts_list = ts.tolist()
    value_list = value.tolist()
    try:
        # Runs of readings with the same segment and flags (mostly one clean run per segment).
        change = np.zeros(total, dtype=bool)
        change[1:] = (seg[1:] != seg[:-1]) | (flags[1:] != flags[:-1])
        change[0] = True
        starts = np.flatnonzero(change)
        ends = np.append(starts[1:], total)
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            # A run's constant columns are bound once per statement, so a reading binds two
            # values (ts, value) instead of ten; every statement has the same text (compiled
            # once) and inserts _ROWS_PER_STATEMENT readings, which divides SQLite's
            # per-statement overhead by as much.
            head = [*constants[int(seg[start])], str(flag_text[start]), upload]
            full = start + (end - start) // per_statement * per_statement
            if full > start:
                cursor.executemany(
                    full_statement,
                    [
                        head + ts_list[k : k + per_statement] + value_list[k : k + per_statement]
                        for k in range(start, full, per_statement)
                    ],
                )
                inserted += max(cursor.rowcount, 0)
            if full < end:
                cursor.execute(
                    _sqlite_insert(end - full), head + ts_list[full:end] + value_list[full:end]
                )
                inserted += max(cursor.rowcount, 0)
            done += end - start
            # Report about every 5 % of the rows, and at the end.
            if progress is not None and (done == total or done >= next_report):
                progress("store", done, total)
                next_report = done + max(total // 20, 1)
    finally:
        cursor.close()
    return inserted


@functools.lru_cache(maxsize=_ROWS_PER_STATEMENT)
def _sqlite_insert(rows: int) -> str:
    """An INSERT of `rows` readings of one run.

    Its parameters: the run's constant columns, then the `rows` timestamps, then the `rows`
    values (numbered parameters pair them up, so the caller passes slices of two lists).
    """
    constants = [c for c in _INSERT_COLUMNS if c not in ("ts", "value")]
    first = len(constants) + 1
    pairs = ", ".join(f"(?{first + k}, ?{first + rows + k})" for k in range(rows))
    return (
        f"INSERT INTO {sensor_readings.name} ({', '.join(constants)}, ts, value) "
        f"SELECT {', '.join(f'?{k + 1}' for k in range(len(constants)))}, column1, column2 "
        f"FROM (VALUES {pairs})"
        # WHERE true: SQLite's parser needs it between a SELECT and ON CONFLICT.
        " WHERE true ON CONFLICT DO NOTHING"
    )


def _copy_postgres(
    conn: Connection,
    upload_id: int,
    segments: pd.DataFrame,
    seg: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    value: npt.NDArray[np.float64],
    flag_text: npt.NDArray[np.object_],
    progress: ProgressCallback | None,
) -> int:
    """COPY the readings in; keys already stored are skipped (rows inserted returned).

    Straight into the table when no key is stored yet (what the checks before found, under the
    upload lock); if one is after all, through a temporary table and ON CONFLICT DO NOTHING.
    """
    codes = pa.array(seg.astype(np.int32))

    def per_segment(texts: list[str]) -> pa.DictionaryArray:
        # The segment's text, stored once: no Python string per reading.
        return pa.DictionaryArray.from_arrays(codes, pa.array(texts, pa.string()))

    # Timestamps as UTC text with an explicit offset (pyarrow formats zone-aware timestamps
    # ten times slower).
    stamps = pa.array(ts, pa.int64()).cast(pa.timestamp("s")).cast(pa.string())
    table = pa.table(
        {
            "device_id": per_segment([str(d) for d in segments["device_id"]]),
            "port": pa.array(segments["port"].to_numpy(dtype=np.int64)[seg]),
            "variable": per_segment([str(v) for v in segments["variable"]]),
            "ts": pc.binary_join_element_wise(stamps, "+00", ""),
            "value": pa.array(value),
            "depth_cm": pa.array(segments["depth_cm"].to_numpy(dtype=np.float64)[seg]),
            "field_id": per_segment([str(f) for f in segments["field_id"]]),
            "installed_date": per_segment([d.isoformat() for d in segments["installed_date"]]),
            "qc_flags": pa.array(flag_text, pa.string()),
            "upload_id": pa.array(np.full(len(ts), upload_id, dtype=np.int64)),
        }
    )
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    data = memoryview(sink.getvalue())
    copy_options = "(FORMAT csv, FORCE_NOT_NULL (qc_flags))"
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cursor:
        cursor.execute("SAVEPOINT sensor_copy")
        try:
            with cursor.copy(
                f"COPY {sensor_readings.name} ({', '.join(_INSERT_COLUMNS)}) FROM STDIN "
                + copy_options
            ) as copy:
                copy.write(data)
            inserted = len(ts)
            cursor.execute("RELEASE SAVEPOINT sensor_copy")
        except Exception as exc:
            if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT sensor_copy")
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS _sensor_stage (LIKE {sensor_readings.name}) "
                "ON COMMIT DROP"
            )
            with cursor.copy(
                f"COPY _sensor_stage ({', '.join(_INSERT_COLUMNS)}) FROM STDIN " + copy_options
            ) as copy:
                copy.write(data)
            cursor.execute(
                f"INSERT INTO {sensor_readings.name} SELECT * FROM _sensor_stage "
                "ON CONFLICT DO NOTHING"
            )
            inserted = int(cursor.rowcount)
            cursor.execute("TRUNCATE _sensor_stage")
    if progress is not None:
        progress("store", len(ts), len(ts))
    return inserted


# PostgreSQL's SQLSTATE for a duplicate key.
_UNIQUE_VIOLATION = "23505"


def _update_flags(
    conn: Connection, segments: pd.DataFrame, updates: list[tuple[int, int, int]]
) -> None:
    readings = sensor_readings.c
    statement = (
        sensor_readings.update()
        .where(
            readings.device_id == sa.bindparam("b_device"),
            readings.port == sa.bindparam("b_port"),
            readings.variable == sa.bindparam("b_variable"),
            readings.ts == sa.bindparam("b_ts", type_=sensor_readings.c.ts.type),
        )
        .values(qc_flags=sa.bindparam("b_flags"))
    )
    texts = qc.FLAG_TEXT
    conn.execute(
        statement,
        [
            {
                "b_device": str(segments.at[s, "device_id"]),
                "b_port": int(cast(int, segments.at[s, "port"])),
                "b_variable": str(segments.at[s, "variable"]),
                "b_ts": ts,
                "b_flags": str(texts[flags]),
            }
            for s, ts, flags in updates
        ],
    )
