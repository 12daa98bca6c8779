"""Schema version 6: the stations' anemometer height and the daily humidity measured.

Revision ID: 0006_anemometer_height_humidity
Revises: 0005_crop_model_results

Adds `anemometer_height_m` to `stations` (the wind sensor's height above the ground; reference ET
brings the wind to 2 m with FAO-56 eq. 47). Stations already stored get 2.0 m: the bundle format
stated wind at 2 m until this version. Adds the dew point and the daily maximum and minimum
relative humidity (`tdew_degc`, `rh_max_pct`, `rh_min_pct`) to `weather_daily` and
`weather_forecasts`, NULL for the days already stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006_anemometer_height_humidity"
down_revision = "0005_crop_model_results"
branch_labels = None
depends_on = None

VERSION = 6
WEATHER_TABLES = ("weather_daily", "weather_forecasts")
HUMIDITY_COLUMNS = ("tdew_degc", "rh_max_pct", "rh_min_pct")
_schema_version = sa.table(
    "schema_version",
    sa.column("version", sa.Integer),
    sa.column("applied_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.add_column(
        "stations",
        sa.Column("anemometer_height_m", sa.Float, nullable=False, server_default=sa.text("2.0")),
    )
    for table in WEATHER_TABLES:
        for name in HUMIDITY_COLUMNS:
            op.add_column(table, sa.Column(name, sa.Float, nullable=True))
    op.bulk_insert(_schema_version, [{"version": VERSION, "applied_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.execute(_schema_version.delete().where(_schema_version.c.version == VERSION))
    for table in WEATHER_TABLES:
        for name in HUMIDITY_COLUMNS:
            op.drop_column(table, name)
    op.drop_column("stations", "anemometer_height_m")
