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

from pipelines.crops import CROP_COLUMNS

SCHEMA_VERSION = 1
METADATA = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    METADATA,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)
cooperatives = sa.Table(
    "cooperatives",
    METADATA,
    sa.Column("cooperative_id", sa.String(64), primary_key=True),
    sa.Column("cooperative_name", sa.Text, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
)
farms = sa.Table(
    "farms",
    METADATA,
    sa.Column("farm_id", sa.String(64), primary_key=True),
    sa.Column("cooperative_id", sa.ForeignKey("cooperatives.cooperative_id"), nullable=False),
    sa.Column("farm_name", sa.Text, nullable=False),
    sa.Column("contact_email", sa.Text),
)
stations = sa.Table(
    "stations",
    METADATA,
    sa.Column("station_id", sa.String(64), primary_key=True),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("elevation_m", sa.Float, nullable=False),
)
crops = sa.Table(
    "crops",
    METADATA,
    sa.Column("crop_id", sa.String(64), primary_key=True),
    sa.Column("crop_name", sa.Text, nullable=False),
    # Every numeric parameter of the crop table (pipelines/crops.py), so a new column there
    # is stored without a second list to keep in step.
    *(
        sa.Column(spec.name, sa.Float, nullable=False)
        for spec in CROP_COLUMNS
        if spec.kind in ("float", "int")
    ),
)
fields = sa.Table(
    "fields",
    METADATA,
    sa.Column("field_id", sa.String(64), primary_key=True),
    sa.Column("farm_id", sa.ForeignKey("farms.farm_id"), nullable=False, index=True),
    sa.Column("field_name", sa.Text, nullable=False),
    sa.Column("area_ha", sa.Float, nullable=False),
    sa.Column("station_id", sa.ForeignKey("stations.station_id"), nullable=False),
    sa.Column("irrigated", sa.Boolean, nullable=False),
    sa.Column("sand_pct", sa.Float, nullable=False),
    sa.Column("clay_pct", sa.Float, nullable=False),
    sa.Column("soc_pct", sa.Float, nullable=False),
    sa.Column("field_capacity_m3_m3", sa.Float, nullable=False),
    sa.Column("wilting_point_m3_m3", sa.Float, nullable=False),
    sa.Column("root_depth_max_cm", sa.Float, nullable=False),
    sa.Column("boundary_geojson", sa.Text, nullable=False),
)
seasons = sa.Table(
    "seasons",
    METADATA,
    sa.Column("field_id", sa.ForeignKey("fields.field_id"), primary_key=True),
    sa.Column("season", sa.Integer, primary_key=True),
    sa.Column("crop", sa.ForeignKey("crops.crop_id"), nullable=False),
    sa.Column("variety", sa.Text),
    sa.Column("sowing_date", sa.Date, nullable=False),
    sa.Column("harvest_date", sa.Date),
    sa.Column("yield_t_ha", sa.Float),
    sa.Column("yield_moisture_pct", sa.Float),
)
operations = sa.Table(
    "operations",
    METADATA,
    sa.Column("field_id", sa.String(64), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("operation", sa.String(32), primary_key=True),
    sa.Column("season", sa.Integer, nullable=False),
    sa.Column("amount", sa.Float, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("product", sa.Text),
    sa.ForeignKeyConstraint(["field_id", "season"], ["seasons.field_id", "seasons.season"]),
)
weather_daily = sa.Table(
    "weather_daily",
    METADATA,
    sa.Column("station_id", sa.ForeignKey("stations.station_id"), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("tmin_degc", sa.Float, nullable=False),
    sa.Column("tmax_degc", sa.Float, nullable=False),
    sa.Column("precip_mm", sa.Float, nullable=False),
    sa.Column("rad_mj_m2", sa.Float),
    sa.Column("vp_kpa", sa.Float),
    sa.Column("rh_pct", sa.Float),
    sa.Column("wind_m_s", sa.Float),
)
_INDEX_STATS = [
    f"{index}_{stat}"
    for index in ("ndvi", "ndre", "ndmi")
    for stat in ("mean", "std", "p10", "p50", "p90")
    if not (index == "ndmi" and stat in ("p10", "p50", "p90"))
]
satellite_observations = sa.Table(
    "satellite_observations",
    METADATA,
    sa.Column("field_id", sa.ForeignKey("fields.field_id"), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("cloud_free_fraction", sa.Float, nullable=False),
    sa.Column("pixel_count", sa.Integer, nullable=False),
    *(sa.Column(name, sa.Float) for name in _INDEX_STATS),
)
sensor_devices = sa.Table(
    "sensor_devices",
    METADATA,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("port", sa.Integer, primary_key=True),
    sa.Column("field_id", sa.ForeignKey("fields.field_id"), nullable=False),
    sa.Column("depth_cm", sa.Float, nullable=False),
    sa.Column("sensor_model", sa.Text),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("installed_date", sa.Date, primary_key=True),
    sa.Column("removed_date", sa.Date),
)
archived_files = sa.Table(
    "archived_files",
    METADATA,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("original_name", sa.Text, nullable=False),
    sa.Column("stored_path", sa.Text, nullable=False),
    sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
)
bundle_imports = sa.Table(
    "bundle_imports",
    METADATA,
    sa.Column("bundle_sha256", sa.String(64), primary_key=True),
    sa.Column("cooperative_id", sa.ForeignKey("cooperatives.cooperative_id"), nullable=False),
    sa.Column("reference_date", sa.Date, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
)


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


import pipelines.access  # noqa: E402  (registers the user and session tables)
import pipelines.sensors.schema  # noqa: E402,F401  (registers the sensor tables)
