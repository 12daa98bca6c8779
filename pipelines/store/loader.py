"""The one loader: every consumer of imported data (train, advise, evaluate, the report, the app)
reads the workspace through `load_workspace`, never a bundle folder.

It rebuilds, for one cooperative (or the part of it a `Scope` may see, or some of its fields),
the tables a bundle carries, in the bundle's columns and dtypes (dates as naive datetime64, as
`pipelines.sources.bundle.Bundle` holds them): farms, fields, seasons, operations, stations,
daily weather, satellite rows, sensor devices, crops and stored forecasts, plus the daily soil
water content of quality-checked probe readings for the water balance. `WorkspaceData.sources()`
turns them into the `SeasonSources` the water balance and the features read.

`field_input_hashes` fingerprints each field's inputs (its own rows of every table, its
station's weather and forecasts, its crops), so stored advice can be refreshed for exactly the
fields whose inputs changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.agronomy.season_grid import SENSOR_COLUMNS, SeasonSources, season_sources
from pipelines.crops import CROP_COLUMNS
from pipelines.sources.bundle import (
    DEVICE_COLUMNS,
    FIELD_COLUMNS,
    FORECAST_COLUMNS,
    OPERATION_COLUMNS,
    SATELLITE_COLUMNS,
    SEASON_COLUMNS,
    WEATHER_COLUMNS,
    empty_forecast,
)
from pipelines.sources.sensors.daily import water_content_for_balance
from pipelines.store import schema
from pipelines.store.access import Scope
from pipelines.store.storage import WorkspaceError
from pipelines.tables import with_spec_dtypes

# The satellite columns the models, the water balance and the report read (of the 16 stored).
LOADED_SATELLITE_COLUMNS = (
    "field_id",
    "date",
    "cloud_free_fraction",
    "pixel_count",
    "ndvi_mean",
    "ndre_mean",
    "ndmi_mean",
)


@dataclass(frozen=True)
class WorkspaceData:
    """What the workspace holds for one cooperative (or part of it), as bundle-shaped tables."""

    cooperative_id: str
    cooperative_name: str
    timezone: str
    # The latest imported bundle's reference date: the day the data run to.
    reference_date: pd.Timestamp
    farms: pd.DataFrame
    fields: pd.DataFrame
    seasons: pd.DataFrame
    operations: pd.DataFrame
    stations: pd.DataFrame
    weather: pd.DataFrame
    satellite: pd.DataFrame
    devices: pd.DataFrame
    crops: pd.DataFrame
    forecast: pd.DataFrame
    sensors: pd.DataFrame  # field_id, date, depth_cm, vwc_m3_m3 (SENSOR_COLUMNS)

    def sources(self) -> SeasonSources:
        """The inputs of the water balance and the features, with reference ET per station."""
        return season_sources(self, self.sensors)

    def subset(self, field_ids: Sequence[str]) -> WorkspaceData:
        """The same data restricted to `field_ids` (and their stations)."""
        keep = set(field_ids)
        fields = self.fields[self.fields["field_id"].isin(keep)].reset_index(drop=True)
        stations = set(fields["station_id"])

        def by_field(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["field_id"].isin(keep)].reset_index(drop=True)

        def by_station(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["station_id"].isin(stations)].reset_index(drop=True)

        return replace(
            self,
            fields=fields,
            seasons=by_field(self.seasons),
            operations=by_field(self.operations),
            satellite=by_field(self.satellite),
            devices=by_field(self.devices),
            sensors=by_field(self.sensors),
            stations=by_station(self.stations),
            weather=by_station(self.weather),
            forecast=by_station(self.forecast),
        )

    def field_input_hashes(self) -> pd.Series:
        """SHA-256 per field_id of everything its advice reads: the field's own rows of every
        table, its station (location and anemometer height), the station's weather and
        forecasts, and the crops it has grown."""
        parts = [
            _group_digests(self.fields, "field_id"),
            _group_digests(self.seasons, "field_id"),
            _group_digests(self.operations, "field_id"),
            _group_digests(self.satellite, "field_id"),
            _group_digests(self.sensors, "field_id"),
            _group_digests(self.devices, "field_id"),
        ]
        station_rows = _group_digests(self.stations, "station_id")
        weather = _group_digests(self.weather, "station_id")
        forecast = _group_digests(self.forecast, "station_id")
        crops = _group_digests(self.crops, "crop_id")
        crops_of_field = self.seasons.groupby("field_id")["crop"].agg(
            lambda c: "|".join(crops.get(x, "") for x in sorted(set(c)))
        )
        ids = self.fields["field_id"].astype(str)
        station = self.fields.set_index("field_id")["station_id"]
        digests = {}
        for field_id in ids:
            text = "\n".join(
                [
                    *(p.get(field_id, "") for p in parts),
                    station_rows.get(station[field_id], ""),
                    weather.get(station[field_id], ""),
                    forecast.get(station[field_id], ""),
                    crops_of_field.get(field_id, ""),
                ]
            )
            digests[field_id] = hashlib.sha256(text.encode()).hexdigest()
        return pd.Series(digests, name="inputs_sha256", dtype=object)

    def inputs_sha256(self, *, with_forecast: bool = True) -> str:
        """One hash of all the data (the training-data hash, without forecasts)."""
        digest = hashlib.sha256()
        frames = [
            self.fields,
            self.seasons,
            self.operations,
            self.stations,
            self.weather,
            self.satellite,
            self.devices,
            self.crops,
            self.sensors,
        ]
        if with_forecast:
            frames.append(self.forecast)
        for frame in frames:
            digest.update(_frame_digest(frame).encode())
        return digest.hexdigest()


def _frame_digest(frame: pd.DataFrame) -> str:
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64)
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(rows.tobytes())
    return digest.hexdigest()


def _group_digests(frame: pd.DataFrame, key: str) -> dict[str, str]:
    """SHA-256 of each `key` group's rows, in the frame's order."""
    if frame.empty:
        return {}
    # Rows come in the loader's ORDER BY, the same for a whole cooperative and for a subset.
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64)
    keys = frame[key].astype(str).to_numpy()
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    return {
        str(keys[s]): hashlib.sha256(rows[s:e].tobytes()).hexdigest()
        for s, e in zip(starts, ends, strict=True)
    }


def _read_frame(conn: sa.Connection, query: sa.Select[Any]) -> pd.DataFrame:
    """`query`'s rows as a frame. On SQLite through the driver directly: SQLAlchemy's per-value
    result processing (dates parsed one by one) costs more than the read; the caller types the
    columns (`with_spec_dtypes`)."""
    if conn.dialect.name == "sqlite":
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        driver = conn.connection.driver_connection
        assert driver is not None
        return pd.read_sql_query(sql, driver)
    return pd.read_sql(query, conn)


def cooperative_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(schema.cooperatives.c.cooperative_id).order_by(
                    schema.cooperatives.c.cooperative_id
                )
            ).scalars()
        )


def resolve_cooperative(engine: Engine, cooperative_id: str | None) -> str:
    """`cooperative_id`, or the workspace's only cooperative; errors name the fix."""
    known = cooperative_ids(engine)
    if not known:
        raise WorkspaceError("the workspace holds no data yet; run `agri import BUNDLE` first")
    if cooperative_id is None:
        if len(known) > 1:
            raise WorkspaceError(
                f"the workspace holds {len(known)} cooperatives ({', '.join(known)}); "
                "pass --cooperative ID"
            )
        return known[0]
    if cooperative_id not in known:
        raise WorkspaceError(
            f"no cooperative {cooperative_id!r} in the workspace; it has {', '.join(known)}"
        )
    return cooperative_id


def load_workspace(
    engine: Engine,
    cooperative_id: str | None = None,
    *,
    scope: Scope | None = None,
    field_ids: Sequence[str] | None = None,
    with_sensors: bool = True,
) -> WorkspaceData:
    """The workspace's data of one cooperative: all of it, or what `scope` may see, or only
    `field_ids` of it. With a scope, the scope's cooperative is used."""
    s = schema
    coop = (
        scope.cooperative_id if scope is not None else resolve_cooperative(engine, cooperative_id)
    )
    farm_filter = (
        scope.farm_filter(s.farms.c.farm_id)
        if scope is not None
        else s.farms.c.cooperative_id == coop
    )
    with engine.connect() as conn:
        info = conn.execute(
            sa.select(s.cooperatives.c.cooperative_name, s.cooperatives.c.timezone).where(
                s.cooperatives.c.cooperative_id == coop
            )
        ).first()
        if info is None:
            raise WorkspaceError(f"no cooperative {coop!r} in the workspace; run `agri import`")
        reference = conn.execute(
            sa.select(sa.func.max(s.bundle_imports.c.reference_date)).where(
                s.bundle_imports.c.cooperative_id == coop
            )
        ).scalar()
        farms = pd.read_sql(sa.select(s.farms).where(farm_filter).order_by(s.farms.c.farm_id), conn)
        field_query = sa.select(s.fields).where(s.fields.c.farm_id.in_(list(farms["farm_id"])))
        if field_ids is not None:
            field_query = field_query.where(s.fields.c.field_id.in_(list(field_ids)))
        fields = pd.read_sql(field_query.order_by(s.fields.c.field_id), conn)
        ids = list(fields["field_id"])
        station_ids = sorted(set(fields["station_id"]))

        def rows(
            table: sa.Table | Sequence[sa.Column[Any]], column: str, values: list[str], *order: str
        ) -> pd.DataFrame:
            columns = table.columns if isinstance(table, sa.Table) else table
            by_name = {c.name: c for c in columns}
            query = sa.select(*columns).where(by_name[column].in_(values))
            return _read_frame(conn, query.order_by(*(by_name[o] for o in order)))

        seasons = rows(s.seasons, "field_id", ids, "field_id", "season")
        operations = rows(s.operations, "field_id", ids, "field_id", "date", "operation")
        stations = rows(s.stations, "station_id", station_ids, "station_id")
        weather = rows(s.weather_daily, "station_id", station_ids, "station_id", "date")
        satellite = rows(
            [s.satellite_observations.c[c] for c in LOADED_SATELLITE_COLUMNS],
            "field_id",
            ids,
            "field_id",
            "date",
        )
        devices = rows(s.sensor_devices, "field_id", ids, "device_id", "port", "installed_date")
        forecast = rows(
            s.weather_forecasts, "station_id", station_ids, "station_id", "issued_date", "date"
        )
        crops = pd.read_sql(sa.select(s.crops).order_by(s.crops.c.crop_id), conn)
    fields = with_spec_dtypes(fields, FIELD_COLUMNS)
    seasons = with_spec_dtypes(seasons, SEASON_COLUMNS)
    operations = with_spec_dtypes(operations, OPERATION_COLUMNS).astype({"season": "Int64"})
    weather = with_spec_dtypes(weather, WEATHER_COLUMNS)
    satellite = with_spec_dtypes(satellite, SATELLITE_COLUMNS)
    devices = with_spec_dtypes(devices, DEVICE_COLUMNS)
    crops = with_spec_dtypes(crops, CROP_COLUMNS)
    forecast = with_spec_dtypes(forecast, FORECAST_COLUMNS)
    if forecast.empty:
        forecast = empty_forecast()
    if with_sensors and ids:
        sensors = water_content_for_balance(engine, str(info.timezone), field_ids=ids)
    else:
        sensors = pd.DataFrame({c: pd.Series(dtype=object) for c in SENSOR_COLUMNS})
    return WorkspaceData(
        cooperative_id=coop,
        cooperative_name=str(info.cooperative_name),
        timezone=str(info.timezone),
        reference_date=pd.Timestamp(reference) if reference else pd.Timestamp(date.today()),
        farms=farms,
        fields=fields,
        seasons=seasons,
        operations=operations,
        stations=stations,
        weather=weather,
        satellite=satellite,
        devices=devices,
        crops=crops,
        forecast=forecast,
        sensors=sensors.reset_index(drop=True),
    )
