"""Weather forecasts in the workspace: store them with their issue date, read the latest one.

A forecast enters from a bundle's `forecast.csv` (through `import_bundle`) or from the forecast
service (`agri weather forecast`); both are `forecast.csv`-shaped frames
(`pipelines.sources.bundle.FORECAST_COLUMNS`). Rows are keyed on (station_id, issued_date, date),
so every issue is kept: a back-test as of a past day reads the forecast that was known then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.sources.bundle import empty_forecast
from pipelines.store import schema
from pipelines.store.importer import TableCounts, sync_rows

# Station ids per IN list: well below SQLite's bound-parameter limit.
_STATIONS_PER_QUERY = 500


def store_forecast(engine: Engine, forecast: pd.DataFrame) -> TableCounts:
    """Insert new forecast rows and update re-issued ones; storing the same forecast is a no-op.

    A forecast re-fetched on the same issue day updates the values of the days it covers again
    (the service updates its runs during the day); earlier issues are kept as they were.
    """
    with engine.begin() as conn:
        return sync_rows(conn, schema.weather_forecasts, forecast)


def latest_forecast(
    engine: Engine, station_ids: list[str] | None, as_of: date | pd.Timestamp
) -> pd.DataFrame:
    """Per station, the rows of its latest forecast issued on or before `as_of`.

    Never a forecast issued after `as_of`: that would let the future into a back-test. Stations
    without such a forecast have no rows. `station_ids` None means every station. The frame has
    `empty_forecast()`'s columns and dtypes (dates as naive datetime64), sorted by station and day.
    """
    day = pd.Timestamp(as_of).date()
    template = empty_forecast()
    if station_ids is not None and not station_ids:
        return template
    chunks: Iterable[list[str] | None] = (
        [None] if station_ids is None else _chunks(sorted(set(station_ids)), _STATIONS_PER_QUERY)
    )
    parts = [_read_latest(engine, day, chunk) for chunk in chunks]
    frame = pd.concat([p for p in parts if not p.empty] or [template], ignore_index=True)
    if frame.empty:
        return template
    for column in ("issued_date", "date"):
        frame[column] = pd.to_datetime(frame[column])
    frame = frame[list(template.columns)].astype(template.dtypes.to_dict())
    return frame.sort_values(["station_id", "issued_date", "date"], ignore_index=True)


def forecast_stations(engine: Engine) -> pd.DataFrame:
    """The stations that serve a field, with where they are and their cooperative's time zone.

    Columns station_id, lat, lon, elevation_m, timezone; sorted by station. The time zone says
    which calendar day is "today" at the station, the day a forecast fetched now is issued.
    """
    st, f, fa, co = schema.stations, schema.fields, schema.farms, schema.cooperatives
    query = (
        sa.select(
            st.c.station_id,
            st.c.lat,
            st.c.lon,
            st.c.elevation_m,
            # A station serving two cooperatives (rare) takes one of their zones, always the same.
            sa.func.min(co.c.timezone).label("timezone"),
        )
        .join(f, f.c.station_id == st.c.station_id)
        .join(fa, fa.c.farm_id == f.c.farm_id)
        .join(co, co.c.cooperative_id == fa.c.cooperative_id)
        .group_by(st.c.station_id, st.c.lat, st.c.lon, st.c.elevation_m)
        .order_by(st.c.station_id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def _read_latest(engine: Engine, as_of: date, station_ids: list[str] | None) -> pd.DataFrame:
    wf = schema.weather_forecasts
    latest = sa.select(wf.c.station_id, sa.func.max(wf.c.issued_date).label("issued_date")).where(
        wf.c.issued_date <= as_of
    )
    if station_ids is not None:
        latest = latest.where(wf.c.station_id.in_(station_ids))
    issues = latest.group_by(wf.c.station_id).subquery()
    query = sa.select(wf).join(
        issues,
        sa.and_(wf.c.station_id == issues.c.station_id, wf.c.issued_date == issues.c.issued_date),
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def _chunks(values: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
