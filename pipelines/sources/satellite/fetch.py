"""`agri satellite fetch` as a library function: ask a source for field statistics, store them.

The source is passed in (Sentinel Hub in production, local rows offline and in tests); rows go into
`satellite_observations` through the same idempotent upsert as a bundle import, so fetching the
same period twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.sources.satellite.connection import Progress
from pipelines.sources.satellite.sources import SatelliteSource, Skipped
from pipelines.store import schema
from pipelines.store.importer import TableCounts, sync_rows


class UnknownFieldsError(ValueError):
    """Field ids asked for that the workspace does not hold."""


@dataclass(frozen=True)
class FetchSummary:
    """What a fetch did: work units fetched, read from the cache and skipped; rows stored."""

    source: str
    fields: int
    start: date
    end: date
    fetched: int
    cached: int
    skipped: tuple[Skipped, ...]
    observations: int
    intervals_without_clear_pixels: int
    intervals_failed: int
    rate_limited: int
    problems: tuple[str, ...]
    rows: TableCounts

    def lines(self) -> list[str]:
        """The summary as the command prints it."""
        out = [
            f"source: {self.source}",
            f"period: {self.start} to {self.end}, {self.fields} field(s)",
            f"fetched: {self.fetched}  cached: {self.cached}  skipped: {len(self.skipped)}",
            f"observations: {self.observations} "
            f"(rows added {self.rows.added}, updated {self.rows.updated}, "
            f"unchanged {self.rows.unchanged})",
        ]
        if self.intervals_without_clear_pixels or self.intervals_failed:
            out.append(
                f"acquisition days left out: {self.intervals_without_clear_pixels} without a clear "
                f"pixel, {self.intervals_failed} failed at the service (asked again next time)"
            )
        if self.rate_limited:
            out.append(f"rate limited {self.rate_limited} time(s); waited as the service asked")
        out += [f"skipped {s.field_id} {s.period}: {s.reason}" for s in self.skipped[:20]]
        if len(self.skipped) > 20:
            out.append(f"... and {len(self.skipped) - 20} more skipped")
        out += [f"problem: {p}" for p in dict.fromkeys(self.problems)]
        return out


def load_fields(engine: Engine, field_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """field_id and boundary_geojson of the workspace's fields (all, or those asked for)."""
    table = schema.fields
    query = sa.select(table.c.field_id, table.c.boundary_geojson).order_by(table.c.field_id)
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    if field_ids is None:
        return frame
    wanted = list(dict.fromkeys(field_ids))
    unknown = [f for f in wanted if f not in set(frame["field_id"])]
    if unknown:
        known = ", ".join(frame["field_id"].head(10)) or "none: import a bundle first"
        raise UnknownFieldsError(
            f"the workspace has no field {', '.join(repr(f) for f in unknown)}; "
            f"its fields are {known}{' ...' if len(frame) > 10 else ''}"
        )
    return frame.set_index("field_id").loc[wanted].reset_index()


def default_start(engine: Engine, field_ids: Sequence[str], end: date) -> date:
    """Earliest sowing date of the fields' latest seasons, else 1 January of `end`'s year."""
    seasons = schema.seasons
    latest = (
        sa.select(seasons.c.field_id, sa.func.max(seasons.c.season).label("season"))
        .where(seasons.c.field_id.in_(list(field_ids)))
        .group_by(seasons.c.field_id)
        .subquery()
    )
    query = sa.select(sa.func.min(seasons.c.sowing_date)).join(
        latest,
        (seasons.c.field_id == latest.c.field_id) & (seasons.c.season == latest.c.season),
    )
    with engine.connect() as conn:
        sowing = conn.execute(query).scalar()
    if isinstance(sowing, date) and sowing <= end:
        return sowing
    return date(end.year, 1, 1)


def fetch_observations(
    engine: Engine,
    source: SatelliteSource,
    fields: pd.DataFrame,
    start: date,
    end: date,
    progress: Progress | None = None,
) -> FetchSummary:
    """Fetch `fields` (field_id, boundary_geojson) over `start`..`end` and upsert the rows."""
    if end < start:
        raise ValueError(f"--until {end} is before --since {start}")
    result = source.observations(fields, start, end, progress)
    rows = result.observations
    # Only rows of the fields asked for: a local source may hold others (and the table's foreign
    # key needs the field to exist).
    rows = rows.loc[rows["field_id"].isin(fields["field_id"])]
    with engine.begin() as conn:
        counts = sync_rows(conn, schema.satellite_observations, rows)
    return FetchSummary(
        source=source.description,
        fields=len(fields),
        start=start,
        end=end,
        fetched=result.fetched,
        cached=result.cached,
        skipped=result.skipped,
        observations=len(rows),
        intervals_without_clear_pixels=result.intervals_without_clear_pixels,
        intervals_failed=result.intervals_failed,
        rate_limited=result.rate_limited,
        problems=result.problems,
        rows=counts,
    )
