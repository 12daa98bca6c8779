"""The workspace: one folder holding the database, archived uploads, caches, models and reports.

The database is SQLite (WAL mode) by default and PostgreSQL when a URL is given; both go through
SQLAlchemy Core with one schema (`METADATA`) and a `schema_version` table.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store.schema import METADATA, SCHEMA_VERSION, schema_version

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Schema changes are Alembic migrations in MIGRATIONS_DIR. HEAD_REVISION is the newest of them
# (a test checks it against the scripts): opening a workspace compares the database's revision
# with it, without importing alembic. BASELINE_REVISION is schema version 1, the schema of
# workspaces made before migrations existed.
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
HEAD_REVISION = "0006_anemometer_height_humidity"
BASELINE_REVISION = "0001_baseline"
# Databases made before migrations existed, by schema version (only version 1 was released so).
_REVISION_OF_UNMIGRATED_VERSION = {1: BASELINE_REVISION}

# Alembic's bookkeeping table, declared only to read it (alembic creates and writes it).
_alembic_version = sa.Table(
    "alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32), nullable=False)
)
# Key of the PostgreSQL advisory lock held while the schema changes ("agri" in ASCII).
_POSTGRES_SCHEMA_LOCK = 0x61677269


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
            _use_wal(cur)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _use_wal(cursor: Any) -> None:
    """Put the SQLite database in WAL mode (it stays so: later connections only read the mode).

    Switching a new database to WAL needs its exclusive lock, and SQLite answers "database is
    locked" at once, without waiting, while another connection holds a transaction (a second
    process creating the same new workspace): wait and try again, up to the busy timeout.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + 30
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def open_workspace(workspace: Workspace) -> Engine:
    """Create the workspace folders, create or upgrade the schema if needed; return an engine."""
    workspace.create()
    engine = connect(workspace.db_url)
    ensure_schema(engine)
    return engine


def ensure_schema(engine: Engine) -> None:
    """Bring the database to this program's schema, or refuse a database newer than it.

    A new database gets `METADATA`'s tables at once and is stamped at `HEAD_REVISION`; one made
    before migrations existed (a `schema_version` table, no `alembic_version`) is stamped at the
    revision of its version (1: the baseline) and upgraded; one at an older revision is
    upgraded. Each runs in one transaction under a lock, so two processes opening a new
    workspace at once (the app and a command) do the work once. A database already at the
    head, the case of every command and app start, costs one SELECT and does not import alembic.
    """
    if _at_head(engine):
        return
    try:
        _create_or_upgrade(engine)
    except (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError):
        # Another process created or upgraded the schema between our look and our write (the
        # schema lock prevents that, but a program of version 1 does not take it): look again.
        if not _at_head(engine):
            _create_or_upgrade(engine)


def migration_config(connection: sa.Connection) -> AlembicConfig:
    """An Alembic `Config` running the workspace migrations on `connection` (no alembic.ini).

    Migrations run inside the connection's transaction; commit it afterwards.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _at_head(engine: Engine) -> bool:
    """Whether the database is at `HEAD_REVISION` (one SELECT); raises if it is newer."""
    query = sa.select(
        _alembic_version.c.version_num,
        sa.select(sa.func.max(schema_version.c.version)).scalar_subquery(),
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        return False  # a table is missing: a new workspace, or one older than migrations
    if [row[0] for row in rows] != [HEAD_REVISION]:
        return False
    _refuse_newer_version(rows[0][1])
    return True


def _create_or_upgrade(engine: Engine) -> None:
    with engine.connect() as conn:
        _lock_schema(conn)
        tables = set(sa.inspect(conn).get_table_names())
        version = None
        if "schema_version" in tables:
            version = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
        revisions: list[str] = []
        if "alembic_version" in tables:
            revisions = list(conn.execute(sa.select(_alembic_version.c.version_num)).scalars())
        _refuse_newer_version(version)

        if revisions == [HEAD_REVISION]:
            return  # another process has just done it
        from alembic import command

        config = migration_config(conn)
        if revisions:
            _refuse_unknown_revisions(config, revisions)
        elif "schema_version" in tables:
            # Made before migrations existed: stamp the revision of its version, then upgrade.
            revision = _REVISION_OF_UNMIGRATED_VERSION.get(1 if version is None else version)
            if revision is None:
                raise WorkspaceError(
                    f"the workspace database has schema version {version} but no migration "
                    "record, which no release of agri-advisor makes; use another --workspace"
                )
            command.stamp(config, revision)
        else:
            METADATA.create_all(conn)
            conn.execute(
                schema_version.insert().values(version=SCHEMA_VERSION, applied_at=datetime.now(UTC))
            )
            command.stamp(config, HEAD_REVISION)
            conn.commit()
            return
        command.upgrade(config, HEAD_REVISION)
        conn.commit()


def _lock_schema(conn: sa.Connection) -> None:
    """Begin the transaction holding the schema lock: one process changes the schema at a time."""
    if conn.dialect.name == "sqlite":
        # Takes SQLite's write lock now (another writer waits, up to the busy timeout) and
        # makes the DDL transactional: pysqlite would otherwise run it outside any transaction.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_POSTGRES_SCHEMA_LOCK)))


def _refuse_newer_version(version: int | None) -> None:
    if version is not None and version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"the workspace database has schema version {version}, newer than this program's "
            f"{SCHEMA_VERSION}; upgrade agri-advisor or use another --workspace"
        )


def _refuse_unknown_revisions(config: AlembicConfig, revisions: list[str]) -> None:
    from alembic.script import ScriptDirectory

    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    unknown = sorted(set(revisions) - known)
    if unknown or len(revisions) > 1:
        raise WorkspaceError(
            f"the workspace database is at schema revision {', '.join(revisions)}, newer than "
            f"this program's {HEAD_REVISION} (it was upgraded by a newer agri-advisor); "
            "upgrade agri-advisor or use another --workspace"
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
