"""Generated reports as records: who owns a report is a row of `reports`, never a file name.

`agri report weekly` writes the files and then calls `record_report` once per farm and once for
the cooperative summary. The app lists `scoped_reports`, which filters by exact ids in SQL: a
member sees the reports of their farms; admins and agronomists see every farm's report of their
cooperative and its summary. Files are stored as paths relative to the workspace's reports
folder and are resolved only inside it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store import schema
from pipelines.store.access import Scope

OWNER_KINDS = ("farm", "cooperative")
REPORT_COLUMNS = [
    "week",
    "issued_date",
    "owner_kind",
    "owner_id",
    "owner_name",
    "files",
    "created_at",
]
_WEEK = re.compile(r"\d{4}-W\d{2}")


def record_report(
    engine: Engine,
    *,
    cooperative_id: str,
    owner_kind: str,
    owner_id: str,
    week: str,
    issued_date: date,
    files: dict[str, str],
    advice_run_id: int | None,
) -> None:
    """Record (or replace) the report of one farm or cooperative for one ISO week.

    `files` maps a kind ("html", "pdf", "json") to a path relative to the workspace's reports
    folder, e.g. {"html": "2026-W21/2026-W21_A1.html"}. Recording the same week again replaces
    the files and `created_at` of the earlier row.
    """
    if owner_kind not in OWNER_KINDS:
        raise ValueError(f"owner_kind {owner_kind!r} is unknown; use 'farm' or 'cooperative'")
    if not _WEEK.fullmatch(week):
        raise ValueError(f"week {week!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W21")
    if not files:
        raise ValueError("a report needs at least one file, e.g. {'html': '2026-W21/....html'}")
    stored = {kind: _relative_path(kind, path) for kind, path in files.items()}
    if isinstance(issued_date, datetime):
        issued_date = issued_date.date()
    if owner_kind == "cooperative" and owner_id != cooperative_id:
        raise ValueError(
            f"a cooperative summary is owned by its cooperative: owner_id {owner_id!r} "
            f"should be {cooperative_id!r}"
        )
    r, fa, c = schema.reports, schema.farms, schema.cooperatives
    with engine.begin() as conn:
        if owner_kind == "farm":
            owner = sa.select(fa.c.farm_id).where(
                fa.c.farm_id == owner_id, fa.c.cooperative_id == cooperative_id
            )
        else:
            owner = sa.select(c.c.cooperative_id).where(c.c.cooperative_id == cooperative_id)
        if conn.execute(owner).first() is None:
            raise ValueError(
                f"{owner_kind} {owner_id!r} is not in cooperative {cooperative_id!r} of this "
                "workspace; import the cooperative's bundle first with `agri import BUNDLE`"
            )
        key = (
            (r.c.cooperative_id == cooperative_id)
            & (r.c.owner_kind == owner_kind)
            & (r.c.owner_id == owner_id)
            & (r.c.week == week)
        )
        # Delete and insert in one transaction: portable across SQLite and PostgreSQL.
        conn.execute(sa.delete(r).where(key))
        conn.execute(
            r.insert().values(
                cooperative_id=cooperative_id,
                owner_kind=owner_kind,
                owner_id=owner_id,
                week=week,
                issued_date=issued_date,
                advice_run_id=advice_run_id,
                files_json=json.dumps(stored, sort_keys=True),
                created_at=datetime.now(UTC),
            )
        )


def _relative_path(kind: str, path: str) -> str:
    """`path` as a POSIX path relative to the reports folder, or a ValueError naming the fix."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"the {kind!r} file of a report needs a path, got {path!r}")
    posix, windows = PurePosixPath(path), PureWindowsPath(path)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or windows.root:
        raise ValueError(
            f"the {kind!r} file {path!r} is absolute; give it relative to the workspace's "
            "reports folder, e.g. '2026-W21/2026-W21_A1.html'"
        )
    if ".." in windows.parts:  # Windows parts split on both '/' and '\\'
        raise ValueError(
            f"the {kind!r} file {path!r} leaves the reports folder ('..'); give a path inside it"
        )
    return windows.as_posix()


def scoped_reports(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The reports `scope` may open, newest week first (columns: `REPORT_COLUMNS`).

    Filtered by exact ids: farm reports of the scope's farms of its cooperative, and for admins
    and agronomists (no farm list) also the cooperative's summaries.
    """
    return _read(engine, _visible_reports(scope))


def _visible_reports(scope: Scope) -> sa.Select[Any]:
    r, fa, c = schema.reports, schema.farms, schema.cooperatives
    in_coop = r.c.cooperative_id == scope.cooperative_id
    visible: sa.ColumnElement[bool] = sa.and_(
        in_coop, r.c.owner_kind == "farm", scope.farm_filter(r.c.owner_id)
    )
    if scope.farm_ids is None:
        summary = sa.and_(
            in_coop, r.c.owner_kind == "cooperative", r.c.owner_id == scope.cooperative_id
        )
        visible = sa.or_(visible, summary)
    owner_name = sa.case(
        (r.c.owner_kind == "farm", fa.c.farm_name), else_=c.c.cooperative_name
    ).label("owner_name")
    return (
        sa.select(
            r.c.week,
            r.c.issued_date,
            r.c.owner_kind,
            r.c.owner_id,
            owner_name,
            r.c.files_json,
            r.c.created_at,
        )
        .outerjoin(fa, (r.c.owner_kind == "farm") & (fa.c.farm_id == r.c.owner_id))
        .outerjoin(c, c.c.cooperative_id == r.c.cooperative_id)
        .where(visible)
        # Within a week the cooperative summary comes before the farms ('cooperative' < 'farm').
        .order_by(r.c.week.desc(), r.c.owner_kind, owner_name, r.c.owner_id)
    )


def _read(engine: Engine, query: sa.Select[Any]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    records = [
        {
            "week": row.week,
            "issued_date": row.issued_date,
            "owner_kind": row.owner_kind,
            "owner_id": row.owner_id,
            "owner_name": row.owner_name or row.owner_id,
            "files": _files(row.files_json),
            "created_at": _utc(row.created_at),
        }
        for row in rows
    ]
    return pd.DataFrame(records, columns=REPORT_COLUMNS)


def resolve_report_file(reports_dir: Path, relative: str) -> Path | None:
    """`reports_dir / relative`, or None when that path (symlinks followed) leaves the folder."""
    root = reports_dir.resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path != root else None


def report_file(
    engine: Engine,
    scope: Scope,
    reports_dir: Path,
    week: str,
    owner_kind: str,
    owner_id: str,
    kind: str,
) -> Path | None:
    """The path of one file of one report if `scope` may open it and it stays inside
    `reports_dir`; None otherwise. The file itself may be missing on disk: check `is_file()`.
    """
    r = schema.reports
    match = _read(
        engine,
        _visible_reports(scope).where(
            r.c.week == week, r.c.owner_kind == owner_kind, r.c.owner_id == owner_id
        ),
    )
    if match.empty:
        return None
    relative = match.iloc[0]["files"].get(kind)
    return resolve_report_file(reports_dir, relative) if relative else None


def _files(files_json: str) -> dict[str, str]:
    try:
        loaded: Any = json.loads(files_json)
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): v for k, v in loaded.items() if isinstance(v, str)}


def _utc(value: datetime | None) -> datetime | None:
    # SQLite keeps no offset: the stored value was written as UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
