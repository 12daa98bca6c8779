"""Re-derive a device's readings from its archived uploads, with the registry as it is now.

When an installation's clock, dates, field or depth change, the readings stored from it were
derived with the old settings. `reprocess_device` replaces them:

```python
report = reprocess_device(engine, workspace, "z6-10234", by="anna")
report.changed, report.readings_before, report.readings_after
```

1. The uploads that touched the device are found: those holding its readings, those whose
   report names it (`devices`, `file_devices`), and those whose quarantined rows name it (a
   device rejected because it was not registered yet).
2. Each upload's archived file is read again the way it was read then: the same reader
   (`format`), the same `--device` option and the same wide mapping (kept in the archive by
   content hash). An upload that cannot be read again refuses the whole reprocess with the fix,
   before anything changes.
3. In one transaction: the device's readings and its quarantined rows of those uploads are
   deleted; the device's readings of each file are validated (installations, clock, ranges) and
   stored again in upload order, with quality flags over their neighbours, exactly as an upload
   would store them; what is rejected goes to quarantine with its reason under the upload it
   came from. Stored readings keep the upload they came from (`upload_id`).
4. If the result differs from what was stored, a `sensor_uploads` row (format "reprocess")
   records who did it and the counts before and after; if it does not, the transaction is rolled
   back and nothing is written: running it twice changes nothing the second time.

Other devices' readings and rows, in the same files or not, are never touched. Every reading of
the device in the files ends up stored, counted as a duplicate, or quarantined with a reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pipelines.sources.sensors.detect import read_log
from pipelines.sources.sensors.ingest import field_zones, read_registry
from pipelines.sources.sensors.parsed import ParsedLog, Readings, Rejection
from pipelines.sources.sensors.store import lock_for_upload, store_readings
from pipelines.sources.sensors.text import LogText, decode_log
from pipelines.sources.sensors.validate import normalise_devices, resolve
from pipelines.sources.sensors.wide import WideMapping, read_mapping
from pipelines.store import storage
from pipelines.store.schema import sensor_quarantine, sensor_readings, sensor_uploads
from pipelines.tables import InputError, Problem

REPROCESS_FORMAT = "reprocess"
# Readers that take the logger's id from the upload when asked to (`--device`).
_DEVICE_OPTION_FORMATS = frozenset({"zentra", "sentek", "davis", "hobo", "toa5", "ambient"})
ReprocessProgress = Callable[[int, int, str], None]  # (done, total, what)


@dataclass(frozen=True)
class UploadRedone:
    """One upload's readings of the device, derived again."""

    upload_id: int
    file_name: str
    format: str
    readings: int  # the device's readings in the file
    accepted: int
    duplicate: int
    quarantined: int


@dataclass(frozen=True)
class ReprocessReport:
    """What a reprocess did. `upload_id` is its row in the upload log (None: nothing changed,
    nothing written)."""

    device_id: str
    by: str
    changed: bool
    upload_id: int | None
    uploads: tuple[UploadRedone, ...]
    readings_before: int
    readings_after: int
    quarantined_before: int
    quarantined_after: int
    removed: int  # stored readings gone or different (instant, value, flags, installation)
    added: int
    unchanged: int
    flagged: int
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def readings_given(self) -> int:
        return sum(u.readings for u in self.uploads)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    def summary_line(self) -> str:
        head = (
            f"reprocess of device '{self.device_id}' by {self.by}: "
            f"{len(self.uploads)} upload(s) read again; "
        )
        if not self.changed:
            return head + (
                f"no change ({self.readings_after} readings stored, "
                f"{self.quarantined_after} quarantined)"
            )
        line = head + (
            f"readings {self.readings_before} -> {self.readings_after} ({self.removed} replaced "
            f"or removed, {self.added} added, {self.unchanged} unchanged), quarantined "
            f"{self.quarantined_before} -> {self.quarantined_after}"
        )
        if self.warnings:
            line += f"; WARNING: {self.warnings[0]}"
        return line


@dataclass(frozen=True)
class _Upload:
    upload_id: int
    file_name: str
    file_sha256: str
    format: str
    report: dict[str, Any]


@dataclass
class _Plan:
    """An upload's file read again: its readings of the device, and where they sit."""

    upload: _Upload
    text: LogText
    parsed: ParsedLog  # only the device's readings, no reader rejections
    file_lines: npt.NDArray[np.int64]  # the line of every reading in the file
    file_columns: pd.Categorical  # ... and its column
    mine: npt.NDArray[np.bool_]  # ... and whether it is the device's
    reader_rejections: set[tuple[int | None, str | None, str]]

    def places(self, lines: Iterable[int]) -> tuple[set[tuple[int, str | None]], set[int]]:
        """Among `lines`: the (line, column) cells of the device's readings, and the lines
        that also hold another device's readings."""
        near = np.isin(self.file_lines, np.fromiter(lines, dtype=np.int64))
        ours = near & self.mine
        columns = np.asarray(self.file_columns, dtype=object)
        cells = {
            (int(line), _column(column))
            for line, column in zip(
                self.file_lines[ours].tolist(), columns[ours].tolist(), strict=True
            )
        }
        shared = set(self.file_lines[ours].tolist()) & set(
            self.file_lines[near & ~self.mine].tolist()
        )
        return cells, shared


def reprocess_device(
    engine: Engine,
    workspace: storage.Workspace,
    device_id: str,
    *,
    by: str,
    progress: ReprocessProgress | None = None,
) -> ReprocessReport:
    """Derive every reading of `device_id` again from the archived uploads that touched it,
    with the workspace's current device registry; `by` is who asked (for the upload log).

    A registered device that no upload has touched yet gets an unchanged report saying so.
    Raises `InputError` (nothing changed) for a device neither registered nor named by any
    upload (a mistyped id), or when an upload cannot be read again (its archived copy is
    missing, or an older wide upload lacks its mapping).
    """
    started = time.perf_counter()
    with engine.connect() as conn:
        lock_for_upload(conn)
        # Leaving the block without a commit (an error, or nothing changed) rolls it all back.
        report = _reprocess(conn, workspace, device_id.strip(), by, progress, started)
        if report.changed:
            conn.commit()
        else:
            conn.rollback()
    return report


def _reprocess(
    conn: Connection,
    workspace: storage.Workspace,
    requested: str,
    by: str,
    progress: ReprocessProgress | None,
    started: float,
) -> ReprocessReport:
    installations = normalise_devices(read_registry(conn), "device registry")
    known = {str(d) for d in installations["device_id"]}
    device = requested if requested in known else _by_lower(requested, known)
    uploads = _uploads_touching(conn, device)
    if not uploads and device not in known:
        listed = ", ".join(sorted(known)[:20]) or "none"
        raise _error(
            f"no upload holds readings of device '{requested}' or names it, and it is not in "
            f"the device registry; check the device id (registered devices: {listed})"
        )
    notes: list[str] = []
    if not uploads:
        notes.append(f"no upload has touched device '{device}' yet: nothing to derive again")
    if device not in known:
        notes.append(
            f"device '{device}' is not in the device registry: its readings are quarantined "
            "until it is registered again (then run reprocess once more)"
        )
    plans = _plans(conn, workspace, uploads, device, known, notes)
    _check_nothing_lost(conn, plans, device)

    before = _stored_readings(conn, device)
    doomed = _device_quarantine(conn, plans, device)
    conn.execute(sa.delete(sensor_readings).where(sensor_readings.c.device_id == device))
    ids = [row[0] for row in doomed]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        conn.execute(
            sa.delete(sensor_quarantine).where(sensor_quarantine.c.quarantine_id.in_(chunk))
        )

    zones = field_zones(conn)
    redone: list[UploadRedone] = []
    new_rows: list[tuple[int, int | None, str | None, str, str]] = []
    warnings: list[str] = []
    for number, plan in enumerate(plans, start=1):
        if progress is not None:
            progress(number, len(plans), f"upload #{plan.upload.upload_id} {plan.upload.file_name}")
        resolved = resolve(plan.parsed, installations, zones)
        outcome = store_readings(conn, plan.upload.upload_id, resolved)
        rejections = resolved.rejected + outcome.conflicts
        rows = _quarantine_rows(plan.upload.upload_id, plan.text, rejections)
        if rows:
            conn.execute(
                sensor_quarantine.insert(),
                [
                    {"upload_id": u, "line": ln, "column_name": c, "reason": r, "raw": raw}
                    for u, ln, c, r, raw in rows
                ],
            )
        new_rows.extend(rows)
        warnings.extend(w for w in resolved.warnings if w not in warnings)
        redone.append(
            UploadRedone(
                upload_id=plan.upload.upload_id,
                file_name=plan.upload.file_name,
                format=plan.upload.format,
                readings=len(plan.parsed.readings),
                accepted=outcome.accepted,
                duplicate=outcome.duplicate + resolved.duplicates_in_file,
                quarantined=len(rejections),
            )
        )
    after = _stored_readings(conn, device)
    old_rows = Counter(row[1:] for row in doomed)
    changed = old_rows != Counter(new_rows) or before != after
    unchanged = len(before & after)
    flagged = sum(1 for row in after if row[-2])
    report = ReprocessReport(
        device_id=device,
        by=by,
        changed=changed,
        upload_id=None,
        uploads=tuple(redone),
        readings_before=len(before),
        readings_after=len(after),
        quarantined_before=len(doomed),
        quarantined_after=len(new_rows),
        removed=len(before) - unchanged,
        added=len(after) - unchanged,
        unchanged=unchanged,
        flagged=flagged,
        warnings=tuple(warnings),
        notes=tuple(notes),
        seconds=round(time.perf_counter() - started, 3),
    )
    if not changed:
        return report
    report = dataclasses.replace(report, upload_id=_log(conn, report, installations, uploads))
    conn.execute(
        sensor_uploads.update()
        .where(sensor_uploads.c.upload_id == report.upload_id)
        .values(report_json=report.to_json())
    )
    return report


# ---- which uploads, read how


def _uploads_touching(conn: Connection, device: str) -> list[_Upload]:
    """Uploads with readings of `device`, naming it in their report, or quarantining it."""
    r, q, u = sensor_readings.c, sensor_quarantine.c, sensor_uploads.c
    ids = set(
        conn.execute(sa.select(r.upload_id).where(r.device_id == device).distinct()).scalars()
    )
    ids |= set(
        conn.execute(
            sa.select(q.upload_id)
            .where(sa.func.lower(q.reason).contains(f"'{device.lower()}'", autoescape=True))
            .distinct()
        ).scalars()
    )
    rows = conn.execute(
        sa.select(u.upload_id, u.file_name, u.file_sha256, u.format, u.report_json)
        .where(u.format != REPROCESS_FORMAT)
        .order_by(u.upload_id)
    ).all()
    uploads = []
    for upload_id, file_name, sha, fmt, report_json in rows:
        report = _json(report_json)
        named = {
            str(d).lower() for d in [*report.get("devices", []), *report.get("file_devices", [])]
        }
        if upload_id in ids or device.lower() in named:
            uploads.append(_Upload(int(upload_id), str(file_name), str(sha), str(fmt), report))
    return uploads


def _plans(
    conn: Connection,
    workspace: storage.Workspace,
    uploads: list[_Upload],
    device: str,
    known: set[str],
    notes: list[str],
) -> list[_Plan]:
    """Every upload read again, or `InputError` listing each one that cannot be."""
    problems: list[str] = []
    plans = []
    for upload in uploads:
        where = f"upload #{upload.upload_id} ({upload.file_name})"
        raw = _archived(workspace, upload.file_sha256)
        if raw is None:
            problems.append(
                f"{where}: its archived copy archive/{upload.file_sha256[:2]}/"
                f"{upload.file_sha256} is missing; put the file back there (the name is its "
                "SHA-256) and run reprocess again"
            )
            continue
        try:
            mapping = _mapping(conn, workspace, upload, notes)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        try:
            text = decode_log(raw, upload.file_name)
            parsed = _read(text, upload, mapping, device, notes)
        except InputError as exc:
            problems.append(f"{where} cannot be read again: {exc.problems[0]}")
            continue
        plans.append(_plan(upload, text, parsed, device, known))
    if problems:
        raise InputError(
            [Problem("reprocess", None, None, p) for p in problems], "sensor reprocess"
        )
    return plans


def _read(
    text: LogText,
    upload: _Upload,
    mapping: WideMapping | None,
    device: str,
    notes: list[str],
) -> ParsedLog:
    """The file read as it was at upload: same reader, mapping and `--device` option."""
    if "device_option" in upload.report or upload.format not in _DEVICE_OPTION_FORMATS:
        return read_log(text, upload.format, mapping, upload.report.get("device_option"))
    # Uploaded before the option was recorded. The upload touched `device`; if the file itself
    # does not name it, its readings can only have been stored under it by `--device`.
    try:
        parsed = read_log(text, upload.format, mapping, None)
    except InputError:
        parsed = None
    if parsed is not None and _names(parsed.readings, device):
        return parsed
    notes.append(
        f"upload #{upload.upload_id} ({upload.file_name}) predates recording the --device "
        f"option and its file does not name device '{device}': read as device '{device}', "
        "the only way its readings were stored under it"
    )
    return read_log(text, upload.format, mapping, device)


def _mapping(
    conn: Connection, workspace: storage.Workspace, upload: _Upload, notes: list[str]
) -> WideMapping | None:
    if upload.format != "wide":
        return None
    sha = upload.report.get("mapping_sha256")
    if not sha:
        # An older upload: the same file sent again later has its mapping kept.
        u = sensor_uploads.c
        for (other,) in conn.execute(
            sa.select(u.report_json).where(
                u.file_sha256 == upload.file_sha256, u.upload_id != upload.upload_id
            )
        ):
            sha = _json(other).get("mapping_sha256")
            if sha:
                notes.append(
                    f"upload #{upload.upload_id} ({upload.file_name}) predates archiving "
                    "mappings: read with the mapping of a later upload of the same file"
                )
                break
    if not sha:
        raise ValueError(
            "it was ingested before mapping files were archived; send the file again with its "
            "mapping (`agri sensors ingest FILE --mapping MAPPING`) so the mapping is kept, "
            "then run reprocess again"
        )
    raw = _archived(workspace, str(sha))
    if raw is None:
        raise ValueError(
            f"its mapping's archived copy archive/{str(sha)[:2]}/{sha} is missing; send the "
            "file again with its mapping, then run reprocess again"
        )
    return read_mapping(raw, "mapping")


def _plan(upload: _Upload, text: LogText, parsed: ParsedLog, device: str, known: set[str]) -> _Plan:
    readings = parsed.readings
    mine = _device_mask(readings, device, known)
    lines = readings.line
    subset = Readings.build(
        lines[mine],
        readings.device_id[mine],
        readings.port[mine],
        readings.variable[mine],
        readings.value[mine],
        readings.ts[mine],
        readings.local[mine],
        readings.depth_cm[mine],
        readings.column[mine],
    )
    return _Plan(
        upload=upload,
        text=text,
        parsed=dataclasses.replace(parsed, readings=subset, rejected=[]),
        file_lines=lines,
        file_columns=readings.column,
        mine=mine,
        reader_rejections={(r.line, r.column, r.reason) for r in parsed.rejected},
    )


def _device_mask(readings: Readings, device: str, known: set[str]) -> np.ndarray:
    """Readings that validation assigns to `device`: its id as written, or in another letter
    case when the file's spelling is not itself registered."""
    names = [str(c) for c in readings.device_id.categories]
    wanted = [
        code
        for code, name in enumerate(names)
        if name == device or (name not in known and name.lower() == device.lower())
    ]
    return np.isin(np.asarray(readings.device_id.codes), wanted)


def _names(readings: Readings, device: str) -> bool:
    codes = np.unique(np.asarray(readings.device_id.codes))
    return any(
        str(readings.device_id.categories[c]).lower() == device.lower()
        for c in codes.tolist()
        if c >= 0
    )


# ---- what is stored


def _check_nothing_lost(conn: Connection, plans: list[_Plan], device: str) -> None:
    """Refuse when an upload holds more stored readings of a sensor (port and variable) of the
    device than its file gives again: they would be deleted and not come back."""
    r = sensor_readings.c
    given: Counter[tuple[int, int, str]] = Counter()
    for plan in plans:
        readings = plan.parsed.readings
        variables = np.asarray(readings.variable, dtype=object)
        given.update(
            (plan.upload.upload_id, int(port), str(variable))
            for port, variable in zip(readings.port.tolist(), variables.tolist(), strict=True)
        )
    names = {plan.upload.upload_id: plan.upload.file_name for plan in plans}
    short = [
        f"upload #{upload_id} ({names.get(upload_id, '?')}) holds {count} readings of "
        f"{variable} of device '{device}' port {port}, but its archived file gives "
        f"{given[(upload_id, port, variable)]}; nothing was changed: report this"
        for upload_id, port, variable, count in conn.execute(
            sa.select(r.upload_id, r.port, r.variable, sa.func.count())
            .where(r.device_id == device)
            .group_by(r.upload_id, r.port, r.variable)
        )
        if count > given[(upload_id, port, variable)]
    ]
    if short:
        raise InputError([Problem("reprocess", None, None, p) for p in short], "sensor reprocess")


def _stored_readings(conn: Connection, device: str) -> set[tuple[Any, ...]]:
    """Every stored reading of the device, as comparable tuples (flags second to last).

    Read through the driver's cursor, values as it gives them: a device can hold a million
    readings, and the tuples only compare two states of the same database.
    """
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    raw: Any = conn.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        cursor.execute(
            "SELECT port, variable, ts, value, depth_cm, field_id, installed_date, qc_flags, "
            f"upload_id FROM {sensor_readings.name} WHERE device_id = {marker}",
            (device,),
        )
        return set(map(tuple, cursor.fetchall()))
    finally:
        cursor.close()


def _device_quarantine(
    conn: Connection, plans: list[_Plan], device: str
) -> list[tuple[int, int, int | None, str | None, str, str]]:
    """(quarantine_id, upload_id, line, column, reason, raw) of the device's quarantined rows.

    A row is the device's when its line holds a reading of the device and its column is one of
    the device's there; a row without a column (a conflict) on a line shared with another device
    only when its reason names the device. Rows the reader rejected (a line it could not read)
    do not depend on the registry and stay.
    """
    q = sensor_quarantine.c
    by_upload = {plan.upload.upload_id: plan for plan in plans}
    named = f"'{device.lower()}'"
    found: list[tuple[int, int, int | None, str | None, str, str]] = []
    for upload_id, plan in by_upload.items():
        rows = conn.execute(
            sa.select(q.quarantine_id, q.line, q.column_name, q.reason, q.raw)
            .where(q.upload_id == upload_id, q.line.is_not(None))
            .order_by(q.quarantine_id)
        ).all()
        if not rows:
            continue
        cells, shared = plan.places({int(row[1]) for row in rows})
        device_lines = {line for line, _ in cells}
        for quarantine_id, line, column, reason, raw in rows:
            if int(line) not in device_lines or (line, column, reason) in plan.reader_rejections:
                continue
            ours = (int(line), column) in cells or (
                column is None and (int(line) not in shared or named in str(reason).lower())
            )
            if ours:
                found.append(
                    (int(quarantine_id), upload_id, int(line), column, str(reason), str(raw))
                )
    return found


def _quarantine_rows(
    upload_id: int, text: LogText, rejections: list[Rejection]
) -> list[tuple[int, int | None, str | None, str, str]]:
    return [
        (upload_id, r.line, r.column, r.reason, text.line(r.line) if r.line is not None else "")
        for r in sorted(rejections, key=lambda r: (r.line or 0, r.column or ""))
    ]


def _log(
    conn: Connection,
    report: ReprocessReport,
    installations: pd.DataFrame,
    uploads: list[_Upload],
) -> int:
    """The reprocess's row in the upload log."""
    mine = installations[installations["device_id"] == report.device_id]
    context = hashlib.sha256(mine.to_csv(index=False).encode()).hexdigest()
    result = conn.execute(
        sensor_uploads.insert().values(
            uploaded_at=datetime.now(UTC),
            uploaded_by=report.by,
            file_name=f"reprocess of device {report.device_id}",
            # The uploads it read again, in order (a reprocess has no file of its own).
            file_sha256=hashlib.sha256(
                "\n".join(u.file_sha256 for u in uploads).encode()
            ).hexdigest(),
            size_bytes=0,
            context_sha256=context,
            format=REPROCESS_FORMAT,
            status="ok",
            accepted=report.readings_after,
            duplicate=sum(u.duplicate for u in report.uploads),
            rejected=report.quarantined_after,
            flagged=report.flagged,
            message=report.summary_line(),
            report_json="{}",
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# ---- helpers


def _archived(workspace: storage.Workspace, sha: str) -> bytes | None:
    path = workspace.archive_dir / sha[:2] / sha
    return path.read_bytes() if path.is_file() else None


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _by_lower(requested: str, known: set[str]) -> str:
    matches = [d for d in known if d.lower() == requested.lower()]
    return matches[0] if len(matches) == 1 else requested


def _column(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _error(message: str) -> InputError:
    return InputError([Problem("reprocess", None, None, message)], "sensor reprocess")
