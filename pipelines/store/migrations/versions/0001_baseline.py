"""Baseline: the workspace schema version 1 (agri-advisor as of commit b5fb1e8).

Revision ID: 0001_baseline
Revises: (none)

Written out table by table, as that program's `METADATA.create_all` made it; a workspace it
made is stamped at this revision and upgraded from here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pipelines.store.schema import UtcTimestamp

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

_TABLES = (
    "schema_version",
    "cooperatives",
    "farms",
    "stations",
    "crops",
    "fields",
    "seasons",
    "operations",
    "weather_daily",
    "satellite_observations",
    "sensor_devices",
    "archived_files",
    "bundle_imports",
    "users",
    "user_farms",
    "login_attempts",
    "user_sessions",
    "sensor_uploads",
    "sensor_readings",
    "sensor_quarantine",
)


def upgrade() -> None:
    op.create_table(
        "schema_version",
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cooperatives",
        sa.Column("cooperative_id", sa.String(64), primary_key=True),
        sa.Column("cooperative_name", sa.Text, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
    )
    op.create_table(
        "farms",
        sa.Column("farm_id", sa.String(64), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.String(64),
            sa.ForeignKey("cooperatives.cooperative_id"),
            nullable=False,
        ),
        sa.Column("farm_name", sa.Text, nullable=False),
        sa.Column("contact_email", sa.Text),
    )
    op.create_table(
        "stations",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("elevation_m", sa.Float, nullable=False),
    )
    op.create_table(
        "crops",
        sa.Column("crop_id", sa.String(64), primary_key=True),
        sa.Column("crop_name", sa.Text, nullable=False),
        # The numeric columns of pipelines/crops.py's CROP_COLUMNS at version 1.
        *(
            sa.Column(name, sa.Float, nullable=False)
            for name in (
                "base_temp_degc",
                "cap_temp_degc",
                "kc_ini",
                "kc_mid",
                "kc_end",
                "max_height_m",
                "stage_ini_days",
                "stage_dev_days",
                "stage_mid_days",
                "stage_late_days",
                "root_depth_max_m",
                "depletion_fraction_p",
                "yield_moisture_pct",
                "grain_price_eur_t",
                "n_max_kg_ha",
            )
        ),
    )
    op.create_table(
        "fields",
        sa.Column("field_id", sa.String(64), primary_key=True),
        sa.Column("farm_id", sa.String(64), sa.ForeignKey("farms.farm_id"), nullable=False),
        sa.Column("field_name", sa.Text, nullable=False),
        sa.Column("area_ha", sa.Float, nullable=False),
        sa.Column(
            "station_id", sa.String(64), sa.ForeignKey("stations.station_id"), nullable=False
        ),
        sa.Column("irrigated", sa.Boolean, nullable=False),
        sa.Column("sand_pct", sa.Float, nullable=False),
        sa.Column("clay_pct", sa.Float, nullable=False),
        sa.Column("soc_pct", sa.Float, nullable=False),
        sa.Column("field_capacity_m3_m3", sa.Float, nullable=False),
        sa.Column("wilting_point_m3_m3", sa.Float, nullable=False),
        sa.Column("root_depth_max_cm", sa.Float, nullable=False),
        sa.Column("boundary_geojson", sa.Text, nullable=False),
    )
    op.create_index("ix_fields_farm_id", "fields", ["farm_id"])
    op.create_table(
        "seasons",
        sa.Column("field_id", sa.String(64), sa.ForeignKey("fields.field_id"), primary_key=True),
        sa.Column("season", sa.Integer, primary_key=True),
        sa.Column("crop", sa.String(64), sa.ForeignKey("crops.crop_id"), nullable=False),
        sa.Column("variety", sa.Text),
        sa.Column("sowing_date", sa.Date, nullable=False),
        sa.Column("harvest_date", sa.Date),
        sa.Column("yield_t_ha", sa.Float),
        sa.Column("yield_moisture_pct", sa.Float),
    )
    op.create_table(
        "operations",
        sa.Column("field_id", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("operation", sa.String(32), primary_key=True),
        sa.Column("season", sa.Integer, nullable=False),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("product", sa.Text),
        sa.ForeignKeyConstraint(["field_id", "season"], ["seasons.field_id", "seasons.season"]),
    )
    op.create_table(
        "weather_daily",
        sa.Column(
            "station_id", sa.String(64), sa.ForeignKey("stations.station_id"), primary_key=True
        ),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("tmin_degc", sa.Float, nullable=False),
        sa.Column("tmax_degc", sa.Float, nullable=False),
        sa.Column("precip_mm", sa.Float, nullable=False),
        sa.Column("rad_mj_m2", sa.Float),
        sa.Column("vp_kpa", sa.Float),
        sa.Column("rh_pct", sa.Float),
        sa.Column("wind_m_s", sa.Float),
    )
    op.create_table(
        "satellite_observations",
        sa.Column("field_id", sa.String(64), sa.ForeignKey("fields.field_id"), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("cloud_free_fraction", sa.Float, nullable=False),
        sa.Column("pixel_count", sa.Integer, nullable=False),
        *(
            sa.Column(name, sa.Float)
            for name in (
                "ndvi_mean",
                "ndvi_std",
                "ndvi_p10",
                "ndvi_p50",
                "ndvi_p90",
                "ndre_mean",
                "ndre_std",
                "ndre_p10",
                "ndre_p50",
                "ndre_p90",
                "ndmi_mean",
                "ndmi_std",
            )
        ),
    )
    op.create_table(
        "sensor_devices",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("port", sa.Integer, primary_key=True),
        sa.Column("field_id", sa.String(64), sa.ForeignKey("fields.field_id"), nullable=False),
        sa.Column("depth_cm", sa.Float, nullable=False),
        sa.Column("sensor_model", sa.Text),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("installed_date", sa.Date, primary_key=True),
        sa.Column("removed_date", sa.Date),
    )
    op.create_table(
        "archived_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("original_name", sa.Text, nullable=False),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bundle_imports",
        sa.Column("bundle_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.String(64),
            sa.ForeignKey("cooperatives.cooperative_id"),
            nullable=False,
        ),
        sa.Column("reference_date", sa.Date, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
    )

    # Access: accounts, sign-in attempts and sessions.
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column(
            "cooperative_id",
            sa.String(64),
            sa.ForeignKey("cooperatives.cooperative_id"),
            nullable=False,
        ),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "user_farms",
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), primary_key=True),
        sa.Column("farm_id", sa.String(64), sa.ForeignKey("farms.farm_id"), primary_key=True),
    )
    op.create_table(
        "login_attempts",
        sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_username", "login_attempts", ["username"])
    op.create_table(
        "user_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )

    # Sensor logs.
    op.create_table(
        "sensor_uploads",
        sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("context_sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("duplicate", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
    )
    op.create_index("ix_sensor_uploads_file_sha256", "sensor_uploads", ["file_sha256"])
    # The big table: its natural key is its primary key, WITHOUT ROWID on SQLite, `ts` epoch
    # seconds on SQLite and timestamptz on PostgreSQL (UtcTimestamp), no foreign keys.
    op.create_table(
        "sensor_readings",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("port", sa.Integer, primary_key=True),
        sa.Column("variable", sa.String(32), primary_key=True),
        sa.Column("ts", UtcTimestamp(), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("depth_cm", sa.Float, nullable=False),
        sa.Column("field_id", sa.String(64), nullable=False),
        sa.Column("installed_date", sa.Date, nullable=False),
        sa.Column("qc_flags", sa.String(64), nullable=False),
        sa.Column("upload_id", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sensor_quarantine",
        sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "upload_id",
            sa.Integer,
            sa.ForeignKey("sensor_uploads.upload_id"),
            nullable=False,
        ),
        sa.Column("line", sa.Integer),
        sa.Column("column_name", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
    )
    op.create_index("ix_sensor_quarantine_upload_id", "sensor_quarantine", ["upload_id"])


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_table(name)
