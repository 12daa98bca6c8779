"""Stored advice runs: write one, find the one to show, read its rows.

A run holds the advice of every field of a cooperative as of one day (`schema.advice_runs`,
`schema.advice_fields`). The rows' content is opaque here (one JSON object per field, written
and parsed by `agri_app.advice`); this module only stores and selects, scoped like every other
query of the app.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store import schema
from pipelines.store.access import Scope

ROW_COLUMNS = ("field_id", "farm_id", "inputs_sha256", "status", "advice_json")


@dataclass(frozen=True)
class AdviceRun:
    run_id: int
    cooperative_id: str
    as_of: date
    model_version: str
    inputs_sha256: str
    created_at: datetime
    trigger: str
    fields_computed: int
    fields_reused: int


def _run(row: Mapping[Any, Any]) -> AdviceRun:
    values = dict(row)
    as_of = values["as_of"]
    created = values["created_at"]
    assert isinstance(as_of, date) and isinstance(created, datetime)
    if created.tzinfo is None:  # SQLite returns naive datetimes
        values["created_at"] = created.replace(tzinfo=UTC)
    return AdviceRun(**values)


def run_inputs_sha256(field_hashes: Mapping[str, str]) -> str:
    """One hash of a run's per-field input hashes."""
    digest = hashlib.sha256()
    for field_id in sorted(field_hashes):
        digest.update(f"{field_id}\0{field_hashes[field_id]}\n".encode())
    return digest.hexdigest()


def write_run(
    engine: Engine,
    *,
    cooperative_id: str,
    as_of: date,
    model_version: str,
    trigger: str,
    rows: pd.DataFrame,
    fields_computed: int,
) -> AdviceRun:
    """Store a complete run: `rows` has one row per field with `ROW_COLUMNS`."""
    missing = set(ROW_COLUMNS) - set(rows.columns)
    if missing:
        raise ValueError(f"advice rows lack {sorted(missing)}")
    hashes = dict(zip(rows["field_id"], rows["inputs_sha256"], strict=True))
    values = {
        "cooperative_id": cooperative_id,
        "as_of": as_of,
        "model_version": model_version,
        "inputs_sha256": run_inputs_sha256(hashes),
        "created_at": datetime.now(UTC),
        "trigger": trigger,
        "fields_computed": int(fields_computed),
        "fields_reused": len(rows) - int(fields_computed),
    }
    records = [
        {str(k): v for k, v in r.items()} for r in rows[list(ROW_COLUMNS)].to_dict(orient="records")
    ]
    with engine.begin() as conn:
        run_id = conn.execute(
            schema.advice_runs.insert().values(**values).returning(schema.advice_runs.c.run_id)
        ).scalar_one()
        if records:
            conn.execute(schema.advice_fields.insert(), [{"run_id": run_id, **r} for r in records])
    return AdviceRun(run_id=int(run_id), **values)  # type: ignore[arg-type]


def latest_run(engine: Engine, cooperative_id: str, as_of: date | None = None) -> AdviceRun | None:
    """The newest run of the cooperative as of `as_of`; without `as_of`, the newest run of the
    latest as-of date that has one."""
    r = schema.advice_runs
    query = sa.select(r).where(r.c.cooperative_id == cooperative_id)
    if as_of is not None:
        query = query.where(r.c.as_of == as_of)
    query = query.order_by(r.c.as_of.desc(), r.c.run_id.desc()).limit(1)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return None if row is None else _run(row)


def run_by_id(engine: Engine, run_id: int) -> AdviceRun | None:
    r = schema.advice_runs
    with engine.connect() as conn:
        row = conn.execute(sa.select(r).where(r.c.run_id == run_id)).mappings().first()
    return None if row is None else _run(row)


def run_dates(engine: Engine, cooperative_id: str) -> list[date]:
    """The as-of dates that have stored advice, newest first."""
    r = schema.advice_runs
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(r.c.as_of)
                .where(r.c.cooperative_id == cooperative_id)
                .distinct()
                .order_by(r.c.as_of.desc())
            ).scalars()
        )


def run_rows(engine: Engine, run_id: int, scope: Scope | None = None) -> pd.DataFrame:
    """The run's rows (`ROW_COLUMNS`), only the fields of the scope's farms when given."""
    f = schema.advice_fields
    query = sa.select(*(f.c[c] for c in ROW_COLUMNS)).where(f.c.run_id == run_id)
    if scope is not None:
        query = query.where(scope.farm_filter(f.c.farm_id))
    with engine.connect() as conn:
        return pd.read_sql(query.order_by(f.c.field_id), conn)
