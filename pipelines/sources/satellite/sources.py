"""Where per-field Sentinel-2 statistics come from: Sentinel Hub, or rows already on disk.

Every source returns the columns of `satellite.csv` (docs/bundle-format.md): one row per field and
acquisition date, `date` as datetime64 (UTC calendar day). Pipelines receive a source; they never
build one, so tests and the offline demo pass a `LocalSource` and production a `SentinelHubSource`.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import sqlalchemy as sa
from sentinelhub import (
    DataCollection,
    DownloadRequest,
    SentinelHubStatistical,
    SentinelHubStatisticalDownloadClient,
)
from sqlalchemy.engine import Engine

from pipelines.sources.bundle import Bundle
from pipelines.sources.satellite.connection import (
    FieldGeometry,
    Progress,
    SentinelHubConnection,
    field_geometry_utm,
    forget_cached,
    is_cached,
)
from pipelines.sources.satellite.evalscript import PERCENTILES, STATISTICS_EVALSCRIPT
from pipelines.store import schema

SATELLITE_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.satellite_observations.columns)
INDICES = ("ndvi", "ndre", "ndmi")
RESOLUTION_M = 10.0
# Sentinel-2 L2A statistics for recent days can still change (late processing, reprocessed
# tiles); periods ending fewer days ago than this are fetched again on every run, never cached.
SETTLE_DAYS = 5


@dataclass(frozen=True)
class Skipped:
    """A field and period for which a source returned no rows, and why."""

    field_id: str
    period: str
    reason: str


@dataclass(frozen=True)
class SourceResult:
    """Observations plus the accounting the `fetch` summary prints.

    `fetched`, `cached` and `skipped` count units of work (a field and month for Sentinel Hub, a
    field for a local source); the interval counts are acquisition days.
    """

    observations: pd.DataFrame
    fetched: int = 0
    cached: int = 0
    skipped: tuple[Skipped, ...] = ()
    intervals_without_clear_pixels: int = 0
    intervals_failed: int = 0
    rate_limited: int = 0
    problems: tuple[str, ...] = ()


class SatelliteSource(Protocol):
    """Per-field index statistics for `fields` (columns field_id, boundary_geojson)."""

    @property
    def description(self) -> str: ...

    def observations(
        self,
        fields: pd.DataFrame,
        start: date,
        end: date,
        progress: Progress | None = None,
    ) -> SourceResult:
        """Rows for acquisition dates from `start` to `end`, both inclusive."""
        ...


def empty_observations() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="float64") for name in SATELLITE_COLUMNS})
    frame["field_id"] = frame["field_id"].astype(object)
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["pixel_count"] = frame["pixel_count"].astype("Int64")
    return frame


class LocalSource:
    """Rows already at hand: a bundle's satellite.csv, or what the workspace has imported."""

    def __init__(self, observations: pd.DataFrame, description: str = "local rows") -> None:
        missing = sorted(set(SATELLITE_COLUMNS) - set(observations.columns))
        if missing:
            raise ValueError(
                f"satellite rows lack the columns {', '.join(missing)} (docs/bundle-format.md)"
            )
        frame = observations.loc[:, list(SATELLITE_COLUMNS)].copy()
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        self._rows = frame
        self._description = description

    @property
    def description(self) -> str:
        return self._description

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> LocalSource:
        return cls(bundle.satellite, f"bundle {bundle.root}")

    @classmethod
    def from_workspace(cls, engine: Engine) -> LocalSource:
        """The satellite rows imported into the workspace database."""
        table = schema.satellite_observations
        with engine.connect() as conn:
            frame = pd.read_sql(sa.select(table), conn)
        return cls(frame, f"workspace database ({engine.url.render_as_string()})")

    def observations(
        self,
        fields: pd.DataFrame,
        start: date,
        end: date,
        progress: Progress | None = None,
    ) -> SourceResult:
        rows = self._rows
        days = rows["date"].dt.date
        wanted = rows["field_id"].isin(fields["field_id"]) & (days >= start) & (days <= end)
        selected = rows.loc[wanted].sort_values(["field_id", "date"], ignore_index=True)
        present = set(selected["field_id"])
        period = f"{start}..{end}"
        skipped = tuple(
            Skipped(str(f), period, "no rows in the local data")
            for f in fields["field_id"]
            if f not in present
        )
        if progress is not None:
            progress(len(fields), len(fields))
        return SourceResult(selected, fetched=len(present), skipped=skipped)


@dataclass(frozen=True)
class _Job:
    field_id: str
    geometry: FieldGeometry
    period: tuple[date, date]  # inclusive
    request: DownloadRequest
    was_cached: bool


class SentinelHubSource:
    """Per-field statistics from the Sentinel Hub Statistical API, one request per field and month.

    Months make the cache useful: a settled month is asked for once and then read from
    `cache_dir`; only the current month (and the last `SETTLE_DAYS`) is asked again on later runs.
    """

    def __init__(
        self,
        connection: SentinelHubConnection,
        cache_dir: Path,
        *,
        today: date | None = None,
    ) -> None:
        self.connection = connection
        self.cache_dir = Path(cache_dir) / "statistics"
        self._today = today

    @property
    def description(self) -> str:
        return f"Sentinel Hub Statistical API at {self.connection.settings.base_url}"

    def observations(
        self,
        fields: pd.DataFrame,
        start: date,
        end: date,
        progress: Progress | None = None,
    ) -> SourceResult:
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        today = self._today or datetime.now(UTC).date()
        jobs: list[_Job] = []
        for field_id, boundary in zip(fields["field_id"], fields["boundary_geojson"], strict=True):
            geometry = field_geometry_utm(str(boundary))
            for first, last in month_periods(start, end):
                settled = (today - last).days > SETTLE_DAYS
                request = self._statistics_request(geometry, first, last, cache=settled)
                jobs.append(
                    _Job(str(field_id), geometry, (first, last), request, is_cached(request))
                )

        outcome = self.connection.download(
            SentinelHubStatisticalDownloadClient, [j.request for j in jobs], progress
        )
        frames: list[pd.DataFrame] = []
        skipped: list[Skipped] = []
        no_clear = failed_intervals = 0
        for job, response in zip(jobs, outcome.results, strict=True):
            period = f"{job.period[0]}..{job.period[1]}"
            if response is None:
                skipped.append(Skipped(job.field_id, period, "download failed"))
                continue
            parsed = parse_statistics(
                job.field_id, response, job.geometry.pixel_count(RESOLUTION_M)
            )
            frames.append(parsed.rows)
            no_clear += parsed.without_clear_pixels
            failed_intervals += parsed.failed
            if parsed.failed:
                # The client caches the response with the failed days in it; drop it so that the
                # next run asks for this field and month again.
                forget_cached(job.request)
        observations = (
            pd.concat(frames, ignore_index=True) if frames else empty_observations()
        ).sort_values(["field_id", "date"], ignore_index=True)
        downloaded = [r is not None for r in outcome.results]
        return SourceResult(
            observations=observations,
            fetched=sum(ok and not j.was_cached for ok, j in zip(downloaded, jobs, strict=True)),
            cached=sum(ok and j.was_cached for ok, j in zip(downloaded, jobs, strict=True)),
            skipped=tuple(skipped),
            intervals_without_clear_pixels=no_clear,
            intervals_failed=failed_intervals,
            rate_limited=outcome.rate_limited,
            problems=outcome.problems,
        )

    def _statistics_request(
        self, geometry: FieldGeometry, first: date, last: date, *, cache: bool
    ) -> DownloadRequest:
        # Whole UTC days, 00:00 to 00:00: a date-only end is sent as 23:59:59, which makes the
        # last one-day interval shorter than P1D, and the service may then skip it
        # (aggregationInterval.lastIntervalBehavior).
        time_range = (
            datetime.combine(first, datetime.min.time(), UTC),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC),
        )
        aggregation = SentinelHubStatistical.aggregation(
            evalscript=STATISTICS_EVALSCRIPT,
            time_interval=time_range,
            aggregation_interval="P1D",
            resolution=(RESOLUTION_M, RESOLUTION_M),
        )
        # A plain dict, not the InputDataDict the helper returns: that one carries the stock
        # collection's hard-coded service URL, which would override SH_BASE_URL (so CDSE and the
        # test server would be ignored; sentinelhub-py issues #285, #523).
        input_data = dict(SentinelHubStatistical.input_data(DataCollection.SENTINEL2_L2A))
        calculations = {
            "default": {"statistics": {"default": {"percentiles": {"k": list(PERCENTILES)}}}}
        }
        request = SentinelHubStatistical(
            aggregation=aggregation,
            input_data=[input_data],
            geometry=geometry.geometry,
            calculations=calculations,
            config=self.connection.config,
            data_folder=str(self.cache_dir) if cache else None,
        )
        return request.download_list[0]


def month_periods(start: date, end: date) -> list[tuple[date, date]]:
    """Calendar months covering `start`..`end` (inclusive), clipped to it."""
    periods = []
    first = start
    while first <= end:
        month_end = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
        last = min(month_end, end)
        periods.append((first, last))
        first = last + timedelta(days=1)
    return periods


@dataclass(frozen=True)
class ParsedStatistics:
    rows: pd.DataFrame
    without_clear_pixels: int
    failed: int


def parse_statistics(field_id: str, response: dict[str, Any], pixel_count: int) -> ParsedStatistics:
    """Statistical API JSON to satellite.csv rows.

    Clear pixels are the samples of an output minus its no-data count (the evalscript sets
    dataMask to 0 outside the field and on masked pixels). The cloud-free fraction relates them to
    the field's own pixel count, because the service's sampleCount also counts the pixels of the
    bounding box outside the polygon. Days without a clear pixel carry no statistics and are left
    out; days still failing after the client's per-interval retry are counted as failed.
    """
    rows: list[dict[str, Any]] = []
    without_clear = failed = 0
    for interval in response.get("data", []):
        if "error" in interval:
            failed += 1
            continue
        outputs = interval.get("outputs", {})
        ndvi = _band_stats(outputs, "ndvi")
        clear = int(ndvi.get("sampleCount", 0)) - int(ndvi.get("noDataCount", 0))
        if clear <= 0 or not math.isfinite(_number(ndvi.get("mean"))):
            without_clear += 1
            continue
        row: dict[str, Any] = {
            "field_id": field_id,
            "date": pd.Timestamp(str(interval["interval"]["from"])[:10]),
            "cloud_free_fraction": min(1.0, clear / pixel_count),
            "pixel_count": pixel_count,
        }
        for index in INDICES:
            stats = _band_stats(outputs, index)
            row[f"{index}_mean"] = _number(stats.get("mean"))
            row[f"{index}_std"] = _number(stats.get("stDev"))
            if index == "ndmi":
                continue  # the bundle and the table hold NDMI mean and spread only
            percentiles = {float(k): _number(v) for k, v in stats.get("percentiles", {}).items()}
            for k in PERCENTILES:
                row[f"{index}_p{k}"] = percentiles.get(float(k), math.nan)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(SATELLITE_COLUMNS)) if rows else empty_observations()
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["pixel_count"] = frame["pixel_count"].astype("Int64")
    return ParsedStatistics(frame, without_clear, failed)


def _band_stats(outputs: dict[str, Any], output_id: str) -> dict[str, Any]:
    bands = outputs.get(output_id, {}).get("bands", {})
    # A one-band output's band is named B0 unless the evalscript names it.
    band: dict[str, Any] = bands.get("B0") or next(iter(bands.values()), {})
    stats: dict[str, Any] = band.get("stats", {})
    return stats


def _number(value: Any) -> float:
    """JSON number to float; the service writes "NaN" (a string) for undefined statistics."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
