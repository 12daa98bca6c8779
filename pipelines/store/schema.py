"""The workspace schema: every table of the workspace database, in one module.

SQLAlchemy Core tables on one `METADATA`; the same schema runs on SQLite and PostgreSQL. Other
modules import their tables from here; this module imports nothing of the project but the crop
table's column list. Changes to it ship with an Alembic migration (`pipelines/store/migrations`).

The sensor tables: `sensor_readings` is the one big table (tens of millions of rows in a
cooperative's workspace), so it is shaped for bulk writes:

- its primary key is the natural key (device_id, port, variable, ts) that makes uploads
  idempotent, and on SQLite the table is `WITHOUT ROWID`, so the key *is* the table's B-tree
  (one tree to update per row instead of a table plus an index);
- `ts` is stored as integer seconds since the Unix epoch on SQLite (compact and fast to compare)
  and as `timestamp with time zone` on PostgreSQL; Python sees a UTC-aware `datetime` on both;
- it declares no foreign keys: the workspace connection enables SQLite's foreign-key checks,
  which would cost an index lookup per inserted reading. Ingestion resolves every reading to a
  registered installation before writing it, which is the check those keys would make.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from pipelines.crops import CROP_COLUMNS, WOFOST_COLUMNS

SCHEMA_VERSION = 6
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
    # The wind sensor's height above the ground: ETo brings the wind to 2 m (FAO-56 eq. 47).
    # Version 6; stations stored before it measured at 2 m, the height the bundle then stated.
    sa.Column("anemometer_height_m", sa.Float, nullable=False, server_default=sa.text("2.0")),
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
    # The crop model (text; NULL = the crop has no crop model).
    *(sa.Column(name, sa.Text) for name in WOFOST_COLUMNS),
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


def _weather_values() -> list[sa.Column[float]]:
    """The daily weather values, observed (`weather_daily`) or forecast (`weather_forecasts`)."""
    return [
        sa.Column("tmin_degc", sa.Float, nullable=False),
        sa.Column("tmax_degc", sa.Float, nullable=False),
        sa.Column("precip_mm", sa.Float, nullable=False),
        sa.Column("rad_mj_m2", sa.Float),
        sa.Column("vp_kpa", sa.Float),
        sa.Column("rh_pct", sa.Float),
        sa.Column("wind_m_s", sa.Float),
        # Version 6: humidity as measured (ETo uses the best one given each day).
        sa.Column("tdew_degc", sa.Float),
        sa.Column("rh_max_pct", sa.Float),
        sa.Column("rh_min_pct", sa.Float),
    ]


weather_daily = sa.Table(
    "weather_daily",
    METADATA,
    sa.Column("station_id", sa.ForeignKey("stations.station_id"), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    *_weather_values(),
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


# ---- access: accounts, sign-in attempts and sessions (pipelines.store.access)

users = sa.Table(
    "users",
    METADATA,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("cooperative_id", sa.ForeignKey("cooperatives.cooperative_id"), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
user_farms = sa.Table(
    "user_farms",
    METADATA,
    sa.Column("username", sa.ForeignKey("users.username"), primary_key=True),
    sa.Column("farm_id", sa.ForeignKey("farms.farm_id"), primary_key=True),
)
login_attempts = sa.Table(
    "login_attempts",
    METADATA,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("succeeded", sa.Boolean, nullable=False),
)
user_sessions = sa.Table(
    "user_sessions",
    METADATA,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("username", sa.ForeignKey("users.username"), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)


# ---- sensor logs (pipelines.sources.sensors)


class UtcTimestamp(sa.types.TypeDecorator[datetime]):
    """A UTC instant: epoch seconds on SQLite, `timestamptz` on PostgreSQL.

    Binds accept an aware `datetime` or integer epoch seconds; results are aware UTC datetimes.
    """

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.BigInteger())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("sensor timestamps must be timezone-aware (UTC)")
            seconds = int(value.timestamp())
        else:
            seconds = int(value)
        if dialect.name == "postgresql":
            return datetime.fromtimestamp(seconds, UTC)
        return seconds

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime.fromtimestamp(int(value), UTC)


sensor_uploads = sa.Table(
    "sensor_uploads",
    METADATA,
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    # Hash of what else decided the result (format option, mapping, device registry), so an
    # identical re-send under identical conditions can be recognised and skipped.
    sa.Column("context_sha256", sa.String(64), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # "ok" or "rejected"
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("duplicate", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("flagged", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
)

sensor_readings = sa.Table(
    "sensor_readings",
    METADATA,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("port", sa.Integer, primary_key=True),
    sa.Column("variable", sa.String(32), primary_key=True),
    sa.Column("ts", UtcTimestamp(), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("depth_cm", sa.Float, nullable=False),
    sa.Column("field_id", sa.String(64), nullable=False),
    # The installation (devices.csv row) the reading belongs to: QC never looks across two.
    sa.Column("installed_date", sa.Date, nullable=False),
    # Comma-separated QC flag names in a fixed order; '' for a clean reading.
    sa.Column("qc_flags", sa.String(64), nullable=False),
    sa.Column("upload_id", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

sensor_quarantine = sa.Table(
    "sensor_quarantine",
    METADATA,
    sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.ForeignKey("sensor_uploads.upload_id"), nullable=False, index=True),
    sa.Column("line", sa.Integer),  # 1-based line of the file; None for a whole column
    sa.Column("column_name", sa.Text),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
)


# ---- forecasts, stored advice and generated reports

# One row per station, issue day and forecast day (forecast.csv's columns): a bundle's forecast
# or one fetched by `agri weather forecast`. Advice uses the latest issue on or before its date.
weather_forecasts = sa.Table(
    "weather_forecasts",
    METADATA,
    sa.Column("station_id", sa.ForeignKey("stations.station_id"), primary_key=True),
    sa.Column("issued_date", sa.Date, primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    *_weather_values(),
)
# An advice run: the advice of every field of a cooperative as of one day, computed by one
# model version from inputs with a known hash. A run is complete: fields whose inputs did not
# change since the previous run of the same day and model keep their rows (copied, not
# recomputed), so the latest run alone answers "what is the advice".
advice_runs = sa.Table(
    "advice_runs",
    METADATA,
    sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cooperative_id", sa.ForeignKey("cooperatives.cooperative_id"), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("inputs_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("trigger", sa.String(32), nullable=False),
    sa.Column("fields_computed", sa.Integer, nullable=False),
    sa.Column("fields_reused", sa.Integer, nullable=False),
    sa.Index("ix_advice_runs_coop_as_of", "cooperative_id", "as_of"),
)
advice_fields = sa.Table(
    "advice_fields",
    METADATA,
    sa.Column("run_id", sa.ForeignKey("advice_runs.run_id"), primary_key=True),
    sa.Column("field_id", sa.ForeignKey("fields.field_id"), primary_key=True),
    sa.Column("farm_id", sa.ForeignKey("farms.farm_id"), nullable=False, index=True),
    # Hash of this field's inputs (its rows of every table, its station's weather and forecast,
    # the model version and the as-of date): equal hashes mean equal advice.
    sa.Column("inputs_sha256", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # Every advice column (agri_app.advice.ADVICE_COLUMNS and the rest), reasons and drivers
    # included, as one JSON object: dates as YYYY-MM-DD, missing values as null.
    sa.Column("advice_json", sa.Text, nullable=False),
)
# A generated report: the farm's (owner_kind 'farm') or the cooperative summary ('cooperative').
# The Reports page lists these rows, never the folder, so who may open a file is decided by an
# exact farm id, not by its name.
reports = sa.Table(
    "reports",
    METADATA,
    sa.Column("cooperative_id", sa.ForeignKey("cooperatives.cooperative_id"), primary_key=True),
    sa.Column("owner_kind", sa.String(16), primary_key=True),
    sa.Column("owner_id", sa.String(64), primary_key=True),
    sa.Column("week", sa.String(8), primary_key=True),
    sa.Column("issued_date", sa.Date, nullable=False),
    sa.Column("advice_run_id", sa.ForeignKey("advice_runs.run_id")),
    # Paths relative to the workspace's reports folder, as JSON: {"html": ..., "pdf": ...}.
    sa.Column("files_json", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
# A crop-model run's result, under the hash of everything it depends on
# (`pipelines.store.crop_runs.run_key`): a run is computed once per workspace.
crop_model_results = sa.Table(
    "crop_model_results",
    METADATA,
    sa.Column("run_sha256", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The result row of `pipelines.agronomy.cropmodel.run_many` (without its key) as JSON.
    sa.Column("result_json", sa.Text, nullable=False),
)
