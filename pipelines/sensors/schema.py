"""The sensor tables, registered on the workspace schema (`pipelines.storage.METADATA`).

`sensor_readings` is the one big table (tens of millions of rows in a cooperative's workspace),
so it is shaped for bulk writes:

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

from pipelines.storage import METADATA


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
