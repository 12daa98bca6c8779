"""The workspace: one folder holding the database, archived uploads, caches, models and reports.

The database is SQLite (WAL mode) by default and PostgreSQL when a URL is given; both go through
SQLAlchemy Core with one schema (`METADATA`) and a `schema_version` table.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store.schema import METADATA, SCHEMA_VERSION, schema_version


class WorkspaceError(RuntimeError):
    """The workspace cannot be used as it is; the message says what to do."""


@dataclass(frozen=True)
class Workspace:
    """Paths of one deployment's workspace folder."""

    root: Path
    database_url: str | None = None

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.root / 'agri.db').resolve()}"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def create(self) -> None:
        for path in (
            self.root,
            self.archive_dir,
            self.cache_dir,
            self.models_dir,
            self.reports_dir,
        ):
            path.mkdir(parents=True, exist_ok=True)


def connect(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def open_workspace(workspace: Workspace) -> Engine:
    """Create the workspace folders and schema if needed; return an engine."""
    workspace.create()
    engine = connect(workspace.db_url)
    ensure_schema(engine)
    return engine


def ensure_schema(engine: Engine) -> None:
    """Create the tables once and record the schema version; refuse a newer database."""
    with engine.begin() as conn:
        METADATA.create_all(conn)
        found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
        if found is None:
            conn.execute(
                schema_version.insert().values(version=SCHEMA_VERSION, applied_at=datetime.now(UTC))
            )
        elif found > SCHEMA_VERSION:
            raise WorkspaceError(
                f"the workspace database has schema version {found}, newer than this program's "
                f"{SCHEMA_VERSION}; upgrade agri-advisor or use another --workspace"
            )


def archive_file(source: Path, sha256: str, archive_dir: Path) -> Path:
    """Copy `source` into the content-addressed archive (atomic; a no-op when present)."""
    target = archive_dir / sha256[:2] / sha256
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count of every table, for status output and tests."""
    with engine.connect() as conn:
        return {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
            for name, table in METADATA.tables.items()
        }
