"""Schema version 2: stored weather forecasts, advice runs and generated reports.

Revision ID: 0002_forecasts_advice_reports
Revises: 0001_baseline

Adds four tables and records schema version 2, so that a program of version 1 (which refuses
a schema_version newer than its own) refuses an upgraded workspace instead of writing to it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_forecasts_advice_reports"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

VERSION = 2
_schema_version = sa.table(
    "schema_version",
    sa.column("version", sa.Integer),
    sa.column("applied_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "weather_forecasts",
        sa.Column(
            "station_id", sa.String(64), sa.ForeignKey("stations.station_id"), primary_key=True
        ),
        sa.Column("issued_date", sa.Date, primary_key=True),
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
        "advice_runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "cooperative_id",
            sa.String(64),
            sa.ForeignKey("cooperatives.cooperative_id"),
            nullable=False,
        ),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("fields_computed", sa.Integer, nullable=False),
        sa.Column("fields_reused", sa.Integer, nullable=False),
    )
    op.create_index("ix_advice_runs_coop_as_of", "advice_runs", ["cooperative_id", "as_of"])
    op.create_table(
        "advice_fields",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("advice_runs.run_id"), primary_key=True),
        sa.Column("field_id", sa.String(64), sa.ForeignKey("fields.field_id"), primary_key=True),
        sa.Column("farm_id", sa.String(64), sa.ForeignKey("farms.farm_id"), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("advice_json", sa.Text, nullable=False),
    )
    op.create_index("ix_advice_fields_farm_id", "advice_fields", ["farm_id"])
    op.create_table(
        "reports",
        sa.Column(
            "cooperative_id",
            sa.String(64),
            sa.ForeignKey("cooperatives.cooperative_id"),
            primary_key=True,
        ),
        sa.Column("owner_kind", sa.String(16), primary_key=True),
        sa.Column("owner_id", sa.String(64), primary_key=True),
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("issued_date", sa.Date, nullable=False),
        sa.Column("advice_run_id", sa.Integer, sa.ForeignKey("advice_runs.run_id")),
        sa.Column("files_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(_schema_version, [{"version": VERSION, "applied_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.execute(_schema_version.delete().where(_schema_version.c.version == VERSION))
    op.drop_table("reports")
    op.drop_table("advice_fields")
    op.drop_table("advice_runs")
    op.drop_table("weather_forecasts")
