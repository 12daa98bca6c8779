"""Ingest one sensor log: data in, report out. The CLI, the upload page and bundle import call this.

```python
report = ingest_file(engine, workspace, "z6-10234_2025.csv", uploaded_by="anna")
report.accepted, report.duplicate, report.rejected, report.flagged
```

What happens, in order:

1. The file is archived in the workspace by content hash (before anything can fail, so what a
   user sent is never lost; archiving the same content twice is a no-op).
2. It is decoded and read by its format's reader into canonical readings (`detect`); problems
   that make the whole file unreadable (encoding, delimiter, layout, units) reject the file
   with a message naming the fix, and the rejection is logged.
3. Readings are matched to their installations and converted to UTC (`validate`); readings
   that cannot be (unknown device, impossible value, bad timestamp, ...) go to quarantine with
   their line and reason. A logger whose timestamps contradict its stated clock at a
   daylight-saving change gets a warning naming the clock to set (`localtime.diagnose_clock`).
4. In one transaction: the upload is logged, readings are merged with stored neighbours,
   flagged (`qc`), inserted where new and counted as duplicates where not, quarantined rows
   are written, and the log row gets its counts. A failure anywhere rolls all of it back, so
   the same file can simply be sent again.

The report stored with the upload (`report_json`) also keeps how the file was read (format,
`device_option`, the archived mapping's `mapping_sha256`) and the devices it names
(`file_devices`): `reprocess.reprocess_device` re-reads the archived file the same way after
the registry changed.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import io
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.sources.bundle import Bundle
from pipelines.sources.sensors import qc
from pipelines.sources.sensors.detect import read_log
from pipelines.sources.sensors.parsed import Rejection
from pipelines.sources.sensors.store import ProgressCallback, lock_for_upload, store_readings
from pipelines.sources.sensors.text import LogText, decode_log
from pipelines.sources.sensors.validate import normalise_devices, resolve
from pipelines.sources.sensors.wide import MAPPING_COLUMNS, WideMapping, read_mapping
from pipelines.store import schema, storage
from pipelines.store.schema import sensor_quarantine, sensor_uploads
from pipelines.tables import InputError, Problem

# Reasons spelled out in a rejected file's one-line summary.
_SUMMARY_REASONS = 3


@dataclass(frozen=True)
class IngestReport:
    """What an upload did.

    `rejected` counts the readings (or whole lines, when a line could not be read) kept out of
    the database; `quarantined` of them are in the quarantine table with their reasons. A file
    is rejected (`status == "rejected"`, `problems` says why) when it cannot be read at all
    (encoding, delimiter, layout, units: then `rejected` is its number of data lines and nothing
    is quarantined), or when every one of its lines failed its checks (then all are quarantined).
    `warnings` are about readings that were stored but are probably wrong (a logger clock that
    contradicts the registry): the status stays "ok", the warning says what to fix.
    """

    file_name: str
    file_sha256: str
    format: str
    status: str  # "ok", "rejected" or "skipped" (already ingested under the same conditions)
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    flagged: int = 0
    quarantined: int = 0
    upload_id: int | None = None
    uploaded_by: str = ""
    encoding: str = ""
    size_bytes: int = 0
    flag_counts: dict[str, int] = field(default_factory=dict)
    reflagged: int = 0
    conflicting: int = 0
    empty_cells: int = 0
    devices: tuple[str, ...] = ()
    first_ts: str | None = None
    last_ts: str | None = None
    ignored_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    # How the file was read, for re-reading it from the archive (`reprocess`).
    device_option: str | None = None
    mapping_sha256: str | None = None
    file_devices: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status != "rejected"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    def summary_line(self) -> str:
        if self.status == "rejected":
            return f"{self.file_name}: rejected: {self.problems[0] if self.problems else ''}"
        line = (
            f"{self.file_name}: {self.accepted} accepted, {self.duplicate} duplicate, "
            f"{self.rejected} rejected, {self.flagged} flagged"
        )
        if self.warnings:
            more = f" (and {len(self.warnings) - 1} more)" if len(self.warnings) > 1 else ""
            line += f"; WARNING: {self.warnings[0]}{more}"
        return line


def ingest_file(
    engine: Engine,
    workspace: storage.Workspace,
    source: str | Path | bytes,
    *,
    uploaded_by: str | None = None,
    format: str = "auto",
    file_name: str | None = None,
    devices: pd.DataFrame | None = None,
    mapping: WideMapping | str | Path | bytes | None = None,
    device_id: str | None = None,
    progress: ProgressCallback | None = None,
    skip_if_seen: bool = False,
) -> IngestReport:
    """Ingest one sensor log (a path or the uploaded bytes) and report what happened.

    `devices` is the device registry to use (columns of sensors/devices.csv, e.g. from an upload
    form); by default the workspace's `sensor_devices`. `mapping` is the wide format's mapping
    file. `device_id` names the logger for formats whose file does not. `progress(stage, done,
    total)` is called as the work advances. With `skip_if_seen`, a file already ingested with the
    same format, mapping and device registry is not ingested again (bundle re-imports).
    Raises `InputError` only for an unusable device registry or mapping file (the caller's
    input, not the log's); everything about the log itself ends up in the report.
    """
    started = time.perf_counter()
    user = uploaded_by or _current_user()
    raw, name, path = _load(source, file_name)
    sha = hashlib.sha256(raw).hexdigest()
    _archive(raw, path, sha, workspace)
    mapping_obj, mapping_bytes = _mapping(mapping)
    installations = normalise_devices(
        devices if devices is not None else read_registry(engine), "device registry"
    )
    context = _context_hash(format, mapping_bytes, device_id, installations)
    # The mapping is kept like the log itself, so the file can be read again the same way.
    mapping_raw = b""
    if isinstance(mapping, WideMapping):
        mapping_raw = mapping_csv(mapping)
    elif mapping_obj is not None:
        mapping_raw = mapping_bytes
    mapping_sha = hashlib.sha256(mapping_raw).hexdigest() if mapping_raw else None
    if mapping_sha is not None:
        _archive(mapping_raw, None, mapping_sha, workspace)
    base = IngestReport(
        file_name=name,
        file_sha256=sha,
        format=format,
        status="ok",
        uploaded_by=user,
        size_bytes=len(raw),
        device_option=device_id,
        mapping_sha256=mapping_sha,
    )
    if skip_if_seen:
        previous = _previous_upload(engine, sha, context)
        if previous is not None:
            # The same bytes under the same registry give the same result: logging the same
            # outcome again on every bundle re-import would make imports not idempotent.
            previous_format, previous_status, previous_id = previous
            return replace(
                base,
                format=previous_format,
                status="skipped",
                notes=(
                    f"already ingested as upload #{previous_id} ({previous_status}) with the "
                    "same device registry; nothing to do",
                ),
                seconds=round(time.perf_counter() - started, 3),
            )
    text: LogText | None = None
    try:
        text = decode_log(raw, name)
        parsed = read_log(text, format, mapping_obj, device_id)
        if progress is not None:
            progress("read", len(raw), len(raw))
        if len(parsed.readings) == 0 and not parsed.rejected:
            raise InputError(
                [
                    Problem(
                        name,
                        None,
                        None,
                        "the file holds no readings (only a header); export it again",
                    )
                ],
                "sensor log",
            )
        resolved = resolve(parsed, installations, field_zones(engine))
        if progress is not None:
            progress("check", len(parsed.readings), len(parsed.readings))
    except InputError as exc:
        return _record_rejection(
            engine, base, text, context, [str(p) for p in exc.problems], started
        )
    rejections = parsed.rejected + resolved.rejected
    # Every line failed its own checks: the upload is rejected, and the lines are quarantined
    # with their reasons like any rejected line.
    nothing_usable = len(resolved.ts) == 0 and resolved.duplicates_in_file == 0

    now = datetime.now(UTC)
    with engine.connect() as conn:
        lock_for_upload(conn)
        upload_id = _new_id(
            conn.execute(
                sensor_uploads.insert().values(
                    uploaded_at=now,
                    uploaded_by=user,
                    file_name=name,
                    file_sha256=sha,
                    size_bytes=len(raw),
                    context_sha256=context,
                    format=parsed.format,
                    status="rejected" if nothing_usable else "ok",
                    accepted=0,
                    duplicate=0,
                    rejected=0,
                    flagged=0,
                    message="",
                    report_json="{}",
                )
            )
        )
        outcome = store_readings(conn, upload_id, resolved, progress)
        rejections = rejections + outcome.conflicts
        _quarantine(conn, upload_id, text, rejections)
        _record_archive(conn, raw, name, sha, now)
        if mapping_sha is not None:
            _record_archive(conn, mapping_raw, f"{name}.mapping.csv", mapping_sha, now)
        flags = outcome.flags
        report = replace(
            base,
            format=parsed.format,
            status="rejected" if nothing_usable else "ok",
            problems=tuple(_summarise(rejections)) if nothing_usable else (),
            accepted=outcome.accepted,
            duplicate=outcome.duplicate + resolved.duplicates_in_file,
            rejected=len(rejections),
            quarantined=len(rejections),
            flagged=int((flags != 0).sum()),
            upload_id=upload_id,
            encoding=text.encoding,
            flag_counts=qc.flag_counts(flags),
            reflagged=outcome.reflagged,
            conflicting=len(outcome.conflicts),
            empty_cells=parsed.empty_cells,
            devices=tuple(sorted(set(resolved.segments["device_id"]))),
            first_ts=_iso(int(resolved.ts.min())) if len(resolved.ts) else None,
            last_ts=_iso(int(resolved.ts.max())) if len(resolved.ts) else None,
            ignored_columns=tuple(parsed.ignored_columns),
            notes=tuple(parsed.notes + resolved.notes),
            warnings=tuple(resolved.warnings),
            file_devices=_named_devices(parsed.readings.device_id),
            seconds=round(time.perf_counter() - started, 3),
        )
        conn.execute(
            sensor_uploads.update()
            .where(sensor_uploads.c.upload_id == upload_id)
            .values(
                accepted=report.accepted,
                duplicate=report.duplicate,
                rejected=report.rejected,
                flagged=report.flagged,
                message=report.summary_line(),
                report_json=report.to_json(),
            )
        )
        conn.commit()
    return report


def ingest_bundle_sensors(
    engine: Engine,
    workspace: storage.Workspace,
    bundle: Bundle,
    *,
    uploaded_by: str = "bundle import",
    progress: Callable[[str, int, int], None] | None = None,
) -> list[IngestReport]:
    """Ingest every sensor log of a bundle with its devices.csv; re-running changes nothing.

    A log already ingested with the same registry is skipped (no new upload-log row); a log
    whose devices changed is ingested again, which adds only what was rejected before.
    """
    reports = []
    for log in bundle.sensor_logs:
        reports.append(
            ingest_file(
                engine,
                workspace,
                bundle.root / log.path,
                uploaded_by=uploaded_by,
                file_name=log.path,
                devices=bundle.devices,
                progress=progress,
                skip_if_seen=True,
            )
        )
    return reports


def read_quarantine(engine: Engine, upload_id: int | None = None) -> pd.DataFrame:
    """Rejected rows with their reasons (of one upload, or of all), for download."""
    q, u = sensor_quarantine, sensor_uploads
    query = (
        sa.select(
            q.c.upload_id,
            u.c.file_name,
            q.c.line,
            q.c.column_name.label("column"),
            q.c.reason,
            q.c.raw,
        )
        .join(u, u.c.upload_id == q.c.upload_id)
        .order_by(q.c.upload_id, q.c.line, q.c.quarantine_id)
    )
    if upload_id is not None:
        query = query.where(q.c.upload_id == upload_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["upload_id", "file_name", "line", "column", "reason", "raw"])


def read_uploads(engine: Engine) -> pd.DataFrame:
    """The upload log, newest first."""
    u = sensor_uploads.c
    query = sa.select(
        u.upload_id,
        u.uploaded_at,
        u.uploaded_by,
        u.file_name,
        u.file_sha256,
        u.format,
        u.status,
        u.accepted,
        u.duplicate,
        u.rejected,
        u.flagged,
        u.message,
    ).order_by(u.upload_id.desc())
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame([dict(r) for r in rows])


# ---- helpers


def _load(source: str | Path | bytes, file_name: str | None) -> tuple[bytes, str, Path | None]:
    if isinstance(source, bytes):
        return source, file_name or "upload", None
    path = Path(source)
    return path.read_bytes(), file_name or path.name, path


def _archive(raw: bytes, path: Path | None, sha: str, workspace: storage.Workspace) -> None:
    """Keep the upload in the content-addressed archive before anything can fail."""
    workspace.archive_dir.mkdir(parents=True, exist_ok=True)
    if path is not None:
        storage.archive_file(path, sha, workspace.archive_dir)
        return
    target = workspace.archive_dir / sha[:2] / sha
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _record_archive(conn: sa.Connection, raw: bytes, name: str, sha: str, now: datetime) -> None:
    known = conn.execute(
        sa.select(schema.archived_files.c.sha256).where(schema.archived_files.c.sha256 == sha)
    ).first()
    if known is None:
        conn.execute(
            schema.archived_files.insert().values(
                sha256=sha,
                size_bytes=len(raw),
                original_name=name,
                stored_path=f"archive/{sha[:2]}/{sha}",
                first_seen_at=now,
            )
        )


def _mapping(
    mapping: WideMapping | str | Path | bytes | None,
) -> tuple[WideMapping | None, bytes]:
    if mapping is None:
        return None, b""
    if isinstance(mapping, WideMapping):
        return mapping, repr(mapping).encode()
    if isinstance(mapping, bytes):
        return read_mapping(mapping, "mapping"), mapping
    path = Path(mapping)
    raw = path.read_bytes()
    return read_mapping(raw, path.name), raw


def mapping_csv(mapping: WideMapping) -> bytes:
    """A mapping file (docs/sensor-formats.md) that `read_mapping` reads back as `mapping`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MAPPING_COLUMNS)
    for column in mapping.columns:
        if column.variable in ("timestamp", "ignore"):
            writer.writerow([column.column, "", "", column.variable, "", ""])
            continue
        depth = "" if np.isnan(column.depth_cm) else repr(float(column.depth_cm))
        writer.writerow(
            [column.column, column.device_id, column.port, column.variable, column.unit, depth]
        )
    return out.getvalue().encode()


def field_zones(bind: Engine | sa.Connection) -> dict[str, str]:
    """The time zone of each field's region (its cooperative's): the daylight-saving changes a
    logger there would follow."""
    f, fa, co = schema.fields.c, schema.farms.c, schema.cooperatives.c
    query = sa.select(f.field_id, co.timezone).select_from(
        schema.fields.join(schema.farms, fa.farm_id == f.farm_id).join(
            schema.cooperatives, co.cooperative_id == fa.cooperative_id
        )
    )
    if isinstance(bind, sa.Connection):
        return {str(field_id): str(zone) for field_id, zone in bind.execute(query)}
    with bind.connect() as conn:
        return {str(field_id): str(zone) for field_id, zone in conn.execute(query)}


def read_registry(bind: Engine | sa.Connection) -> pd.DataFrame:
    """The workspace's device registry (`sensor_devices`) as a frame."""
    if isinstance(bind, sa.Connection):
        rows = bind.execute(sa.select(schema.sensor_devices)).mappings().all()
    else:
        with bind.connect() as conn:
            rows = conn.execute(sa.select(schema.sensor_devices)).mappings().all()
    columns = [c.name for c in schema.sensor_devices.columns]
    return pd.DataFrame([dict(r) for r in rows], columns=columns)


def _context_hash(
    format: str, mapping: bytes, device_id: str | None, installations: pd.DataFrame
) -> str:
    digest = hashlib.sha256()
    digest.update(f"{format}\0{device_id or ''}\0".encode())
    digest.update(mapping)
    digest.update(installations.to_csv(index=False).encode())
    return digest.hexdigest()


def _previous_upload(engine: Engine, sha: str, context: str) -> tuple[str, str, int] | None:
    """(format, status, upload id) of an earlier upload of the same file in the same context."""
    u = sensor_uploads.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(u.format, u.status, u.upload_id)
            .where(u.file_sha256 == sha, u.context_sha256 == context)
            .order_by(u.upload_id)
            .limit(1)
        ).first()
    return None if row is None else (str(row[0]), str(row[1]), int(row[2]))


def _record_rejection(
    engine: Engine,
    base: IngestReport,
    text: LogText | None,
    context: str,
    problems: list[str],
    started: float,
) -> IngestReport:
    """Log a file that could not be read at all (its own small transaction)."""
    lines = text.data_line_count(1) if text is not None else 0
    report = replace(
        base,
        status="rejected",
        rejected=lines,
        encoding=text.encoding if text is not None else "",
        problems=tuple(problems),
        seconds=round(time.perf_counter() - started, 3),
    )
    with engine.begin() as conn:
        upload_id = _new_id(
            conn.execute(
                sensor_uploads.insert().values(
                    uploaded_at=datetime.now(UTC),
                    uploaded_by=report.uploaded_by,
                    file_name=report.file_name,
                    file_sha256=report.file_sha256,
                    size_bytes=report.size_bytes,
                    context_sha256=context,
                    format=report.format,
                    status="rejected",
                    accepted=0,
                    duplicate=0,
                    rejected=lines,
                    flagged=0,
                    message=report.summary_line(),
                    report_json=report.to_json(),
                )
            )
        )
    return replace(report, upload_id=upload_id)


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _summarise(rejections: list[Rejection]) -> list[str]:
    """A rejected-file message from row rejections: the commonest reasons first."""
    counts = Counter(r.reason for r in rejections)
    total = len(rejections)
    lines = [f"none of the file's readings could be accepted ({total} rejected)"]
    for reason, count in counts.most_common(_SUMMARY_REASONS):
        first = next(r for r in rejections if r.reason == reason)
        where = f"line {first.line}: " if first.line is not None else ""
        lines.append(f"{where}{reason}" + (f" (and {count - 1} more like it)" if count > 1 else ""))
    if len(counts) > _SUMMARY_REASONS:
        lines.append(f"{len(counts) - _SUMMARY_REASONS} other reason(s)")
    return ["; ".join(lines[:2])] + lines[2:] if len(lines) > 1 else lines


def _quarantine(
    conn: sa.Connection, upload_id: int, text: LogText, rejections: list[Rejection]
) -> None:
    if not rejections:
        return
    rows = [
        {
            "upload_id": upload_id,
            "line": r.line,
            "column_name": r.column,
            "reason": r.reason,
            "raw": text.line(r.line) if r.line is not None else "",
        }
        for r in sorted(rejections, key=lambda r: (r.line or 0, r.column or ""))
    ]
    for start in range(0, len(rows), 10_000):
        conn.execute(sensor_quarantine.insert(), rows[start : start + 10_000])


def _named_devices(devices: pd.Categorical) -> tuple[str, ...]:
    """The device ids a file's readings name, as written."""
    codes = np.unique(np.asarray(devices.codes))
    return tuple(sorted({str(devices.categories[c]) for c in codes.tolist() if c >= 0}))


def _iso(seconds: int) -> str:
    return str(np.datetime64(seconds, "s")) + "Z"


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
