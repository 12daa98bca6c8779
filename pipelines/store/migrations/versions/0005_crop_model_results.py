"""Schema version 5: crop-model results kept per workspace.

Revision ID: 0005_crop_model_results
Revises: 0004_crop_model_columns

Adds `crop_model_results` (pipelines.store.crop_runs): one row per crop-model run, keyed by the
hash of everything the run depends on, so training and advice run WOFOST once per input.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_crop_model_results"
down_revision = "0004_crop_model_columns"
branch_labels = None
depends_on = None

VERSION = 5
_schema_version = sa.table(
    "schema_version",
    sa.column("version", sa.Integer),
    sa.column("applied_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "crop_model_results",
        sa.Column("run_sha256", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result_json", sa.Text, nullable=False),
    )
    op.bulk_insert(_schema_version, [{"version": VERSION, "applied_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.execute(_schema_version.delete().where(_schema_version.c.version == VERSION))
    op.drop_table("crop_model_results")
