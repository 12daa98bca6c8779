"""Sensor logs: vendor formats in, canonical readings with quality flags out.

The entry points are `ingest_file` (one log: the CLI and the upload page) and
`ingest_bundle_sensors` (every log of a farm data bundle); `daily_aggregates` gives the
per-day values the models use, skipping flagged readings. Formats: docs/sensor-formats.md.
"""

from pipelines.sources.sensors.daily import daily_aggregates, read_daily_aggregates
from pipelines.sources.sensors.detect import FORMATS
from pipelines.sources.sensors.ingest import (
    IngestReport,
    ingest_bundle_sensors,
    ingest_file,
    read_quarantine,
    read_uploads,
)
from pipelines.sources.sensors.wide import WideMapping, read_mapping

__all__ = [
    "FORMATS",
    "IngestReport",
    "WideMapping",
    "daily_aggregates",
    "ingest_bundle_sensors",
    "ingest_file",
    "read_daily_aggregates",
    "read_mapping",
    "read_quarantine",
    "read_uploads",
]
