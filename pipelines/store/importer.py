"""Load a validated bundle into the workspace database, idempotently.

Every table is synchronised on its natural key: new rows are inserted, rows whose content changed
are updated (an in-progress season gaining its harvest and yield), identical rows are left alone,
and nothing is ever deleted (a bundle may describe only part of a cooperative's history). The
whole import is one transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pipelines.sources.bundle import Bundle
from pipelines.store import schema, storage

# SQLite limits bound parameters per statement; keep IN lists well below it.
_IN_CHUNK = 500


@dataclass(frozen=True)
class TableCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ImportReport:
    bundle_sha256: str
    cooperative_id: str
    tables: dict[str, TableCounts] = field(default_factory=dict)
    files_archived: int = 0
    files_known: int = 0

    @property
    def changed(self) -> bool:
        return any(c.added or c.updated for c in self.tables.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


class ConflictError(ValueError):
    """The bundle's ids collide with another cooperative's data in the workspace."""


def import_bundle(
    engine: Engine, bundle: Bundle, workspace: storage.Workspace, allow_older: bool = False
) -> ImportReport:
    """Import `bundle` into the workspace; importing the same bundle again changes nothing.

    A bundle older (by reference date) than one already imported for the cooperative would roll
    newer records back (a finished season would become "in progress" again), so it is refused
    unless `allow_older` is set.
    """
    coop = bundle.manifest.cooperative_id
    archived = known = 0
    # Files first: archiving is content-addressed, so a later failure leaves only harmless copies.
    file_rows = []
    now = datetime.now(UTC)
    for f in {f.sha256: f for f in bundle.files}.values():
        target = workspace.archive_dir / f.sha256[:2] / f.sha256
        existed = target.exists()
        storage.archive_file(bundle.root / f.path, f.sha256, workspace.archive_dir)
        archived += not existed
        known += existed
        file_rows.append(
            {
                "sha256": f.sha256,
                "size_bytes": f.size_bytes,
                "original_name": f.path,
                "stored_path": target.relative_to(workspace.root).as_posix(),
                "first_seen_at": now,
            }
        )

    with engine.begin() as conn:
        _check_ownership(conn, bundle)
        if not allow_older:
            _check_not_older(conn, bundle)
        counts: dict[str, TableCounts] = {}
        plan: list[tuple[sa.Table, pd.DataFrame]] = [
            (
                schema.cooperatives,
                pd.DataFrame(
                    [
                        {
                            "cooperative_id": coop,
                            "cooperative_name": bundle.manifest.cooperative_name,
                            "timezone": bundle.manifest.timezone,
                        }
                    ]
                ),
            ),
            (schema.farms, bundle.farms.assign(cooperative_id=coop)),
            (schema.stations, bundle.stations),
            (schema.crops, bundle.crops),
            (schema.fields, bundle.fields),
            (schema.seasons, bundle.seasons),
            (schema.operations, bundle.operations),
            (schema.weather_daily, bundle.weather),
            (schema.weather_forecasts, bundle.forecast),
            (schema.satellite_observations, bundle.satellite),
            (schema.sensor_devices, bundle.devices),
        ]
        for table, frame in plan:
            counts[table.name] = sync_rows(conn, table, frame)
        # Files seen before keep their first name and date; only new content is recorded.
        counts["archived_files"] = _insert_new(conn, schema.archived_files, file_rows)
        report = ImportReport(bundle.sha256, coop, counts, archived, known)
        if report.changed:
            conn.execute(
                sa.delete(schema.bundle_imports).where(
                    schema.bundle_imports.c.bundle_sha256 == bundle.sha256
                )
            )
            conn.execute(
                schema.bundle_imports.insert().values(
                    bundle_sha256=bundle.sha256,
                    cooperative_id=coop,
                    reference_date=bundle.manifest.reference_date,
                    imported_at=now,
                    report_json=report.to_json(),
                )
            )
    return report


def _check_ownership(conn: Connection, bundle: Bundle) -> None:
    """Refuse ids that already belong to another cooperative: an import never rewrites theirs."""
    coop = bundle.manifest.cooperative_id
    farm_ids = list(bundle.farms["farm_id"])
    taken = conn.execute(
        sa.select(schema.farms.c.farm_id, schema.farms.c.cooperative_id).where(
            schema.farms.c.farm_id.in_(farm_ids), schema.farms.c.cooperative_id != coop
        )
    ).all()
    field_owner = conn.execute(
        sa.select(schema.fields.c.field_id, schema.farms.c.cooperative_id)
        .join(schema.farms, schema.fields.c.farm_id == schema.farms.c.farm_id)
        .where(
            schema.fields.c.field_id.in_(list(bundle.fields["field_id"])),
            schema.farms.c.cooperative_id != coop,
        )
    ).all()
    clashes = [f"farm '{f}' (cooperative '{c}')" for f, c in taken]
    clashes += [f"field '{f}' (cooperative '{c}')" for f, c in field_owner]
    if clashes:
        raise ConflictError(
            "these ids already belong to another cooperative in this workspace: "
            + ", ".join(clashes[:10])
            + "; ids must be unique across a workspace: prefix them with the cooperative id, "
            "or import into another --workspace"
        )


def _check_not_older(conn: Connection, bundle: Bundle) -> None:
    latest = conn.execute(
        sa.select(sa.func.max(schema.bundle_imports.c.reference_date)).where(
            schema.bundle_imports.c.cooperative_id == bundle.manifest.cooperative_id
        )
    ).scalar()
    if latest is not None and bundle.manifest.reference_date < latest:
        raise ConflictError(
            f"this bundle's data end on {bundle.manifest.reference_date}, before the "
            f"{latest} of a bundle already imported for cooperative "
            f"'{bundle.manifest.cooperative_id}'; importing it would roll newer records back. "
            "Import the newer bundle, or pass --allow-older to do it anyway"
        )


def sync_rows(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> TableCounts:
    """Insert new rows and update changed ones of `frame` into `table`, keyed by its primary key."""
    if frame.empty:
        return TableCounts()
    columns = [c.name for c in table.columns]
    keys = [c.name for c in table.primary_key.columns]
    records = _records(frame[columns], table)
    existing = _existing(conn, table, keys, {r[keys[0]] for r in records})
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for record in records:
        key = tuple(record[k] for k in keys)
        old = existing.get(key)
        if old is None:
            new.append(record)
        elif old != record:
            changed.append(record)
    if new:
        conn.execute(table.insert(), new)
    if changed:
        bound: dict[str, sa.BindParameter[Any]] = {c: sa.bindparam(f"b_{c}") for c in columns}
        statement = (
            table.update()
            .where(sa.and_(*(table.c[k] == bound[k] for k in keys)))
            .values({c: bound[c] for c in columns if c not in keys})
        )
        conn.execute(statement, [{f"b_{k}": v for k, v in r.items()} for r in changed])
    return TableCounts(len(new), len(changed), len(records) - len(new) - len(changed))


def _insert_new(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> TableCounts:
    key = next(iter(table.primary_key.columns)).name
    seen = set()
    for chunk in _chunks([r[key] for r in rows]):
        seen |= set(conn.execute(sa.select(table.c[key]).where(table.c[key].in_(chunk))).scalars())
    new = [r for r in rows if r[key] not in seen]
    if new:
        conn.execute(table.insert(), new)
    return TableCounts(added=len(new), unchanged=len(rows) - len(new))


def _existing(
    conn: Connection, table: sa.Table, keys: list[str], first_key_values: set[Any]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for chunk in _chunks(sorted(first_key_values)):
        result = conn.execute(sa.select(table).where(table.c[keys[0]].in_(chunk)))
        for row in result.mappings():
            record = {k: _normalise(v) for k, v in row.items()}
            rows[tuple(record[k] for k in keys)] = record
    return rows


def _chunks(values: Sequence[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _records(frame: pd.DataFrame, table: sa.Table) -> list[dict[str, Any]]:
    """Plain Python values in the types the database returns, so rows compare equal."""
    out: list[dict[str, Any]] = []
    date_columns = {c.name for c in table.columns if isinstance(c.type, sa.Date)}
    for raw in frame.to_dict(orient="records"):
        record: dict[str, Any] = {}
        for name, value in raw.items():
            value = _normalise(value)
            if name in date_columns and isinstance(value, datetime):
                value = value.date()
            record[str(name)] = value
        out.append(record)
    return out


def _normalise(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(value) else float(value)
    return value
