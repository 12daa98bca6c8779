"""Schema version 3: the crop table's yield response to water and nitrogen timing columns.

Revision ID: 0003_crop_water_and_nitrogen
Revises: 0002_forecasts_advice_reports

Adds `ky_season`, `n_last_useful_progress`, `n_max_single_dose_kg_ha` and `n_splits` to `crops`
(pipelines/reference/crops.md). Rows already stored get the built-in values of their crop where
it is a built-in one, else the defaults of `pipelines.crops.CROP_DEFAULTS`, written out here so
the migration does not change when the crop table does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003_crop_water_and_nitrogen"
down_revision = "0002_forecasts_advice_reports"
branch_labels = None
depends_on = None

VERSION = 3
COLUMNS = ("ky_season", "n_last_useful_progress", "n_max_single_dose_kg_ha", "n_splits")
BUILTIN = {
    "winter_wheat": {"ky_season": 1.0, "n_last_useful_progress": 0.6,
                     "n_max_single_dose_kg_ha": 100.0, "n_splits": 3.0},
    "grain_maize": {"ky_season": 1.25, "n_last_useful_progress": 0.45,
                    "n_max_single_dose_kg_ha": 150.0, "n_splits": 2.0},
}  # fmt: skip
_schema_version = sa.table(
    "schema_version",
    sa.column("version", sa.Integer),
    sa.column("applied_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    crops = sa.table(
        "crops",
        sa.column("crop_id", sa.String),
        sa.column("n_max_kg_ha", sa.Float),
        *(sa.column(c, sa.Float) for c in COLUMNS),
    )
    # NOT NULL columns need a default to be added to existing rows; every row is then given its
    # value below. (A table rebuild on SQLite would trip over the foreign keys to `crops`.)
    for name in COLUMNS:
        op.add_column("crops", sa.Column(name, sa.Float, nullable=False, server_default="0"))
    op.execute(
        crops.update().values(
            ky_season=1.0,
            n_last_useful_progress=0.5,
            n_max_single_dose_kg_ha=crops.c.n_max_kg_ha,
            n_splits=1.0,
        )
    )
    for crop_id, values in BUILTIN.items():
        op.execute(crops.update().where(crops.c.crop_id == crop_id).values(**values))
    if op.get_context().dialect.name != "sqlite":  # SQLite cannot drop a default in place
        for name in COLUMNS:
            op.alter_column("crops", name, server_default=None)
    op.bulk_insert(_schema_version, [{"version": VERSION, "applied_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.execute(_schema_version.delete().where(_schema_version.c.version == VERSION))
    for name in COLUMNS:
        op.drop_column("crops", name)
