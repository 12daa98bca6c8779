"""Schema version 4: the crop table's crop model columns.

Revision ID: 0004_crop_model_columns
Revises: 0003_crop_water_and_nitrogen

Adds `wofost_model`, `wofost_crop` and `wofost_variety` to `crops` (pipelines/reference/crops.md):
text, NULL when the crop has no crop model. Rows already stored get the built-in values of their
crop where it is a built-in one, written out here so the migration does not change when the crop
table does; other crops get NULL (no crop model), as a bundle row without them would.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004_crop_model_columns"
down_revision = "0003_crop_water_and_nitrogen"
branch_labels = None
depends_on = None

VERSION = 4
COLUMNS = ("wofost_model", "wofost_crop", "wofost_variety")
BUILTIN = {
    "winter_wheat": {"wofost_model": "Wofost81_WLP_CWB", "wofost_crop": "wheat",
                     "wofost_variety": "Winter_wheat_102"},
    "grain_maize": {"wofost_model": "Wofost72_WLP_CWB", "wofost_crop": "maize",
                    "wofost_variety": "Grain_maize_201"},
}  # fmt: skip
_schema_version = sa.table(
    "schema_version",
    sa.column("version", sa.Integer),
    sa.column("applied_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    crops = sa.table("crops", sa.column("crop_id", sa.String), *(sa.column(c) for c in COLUMNS))
    for name in COLUMNS:
        op.add_column("crops", sa.Column(name, sa.Text, nullable=True))
    for crop_id, values in BUILTIN.items():
        op.execute(crops.update().where(crops.c.crop_id == crop_id).values(**values))
    op.bulk_insert(_schema_version, [{"version": VERSION, "applied_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.execute(_schema_version.delete().where(_schema_version.c.version == VERSION))
    for name in COLUMNS:
        op.drop_column("crops", name)
