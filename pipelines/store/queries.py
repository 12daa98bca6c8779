"""Read-side queries on the workspace database, returning plain DataFrames."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store import schema
from pipelines.store.access import Scope
from pipelines.store.schema import sensor_quarantine, sensor_readings, sensor_uploads


def fields_overview(engine: Engine) -> pd.DataFrame:
    """One row per field: farm, area, soil water capacity and the latest season's crop."""
    f, fa, s, c = schema.fields, schema.farms, schema.seasons, schema.crops
    latest = (
        sa.select(s.c.field_id, sa.func.max(s.c.season).label("season"))
        .group_by(s.c.field_id)
        .subquery()
    )
    query = (
        sa.select(
            fa.c.farm_name,
            f.c.field_id,
            f.c.field_name,
            f.c.area_ha,
            f.c.irrigated,
            (
                (f.c.field_capacity_m3_m3 - f.c.wilting_point_m3_m3) * f.c.root_depth_max_cm * 10
            ).label("awc_mm"),
            latest.c.season,
            c.c.crop_name.label("crop"),
            s.c.sowing_date,
        )
        .join(fa, f.c.farm_id == fa.c.farm_id)
        .outerjoin(latest, latest.c.field_id == f.c.field_id)
        .outerjoin(s, (s.c.field_id == latest.c.field_id) & (s.c.season == latest.c.season))
        .outerjoin(c, c.c.crop_id == s.c.crop)
        .order_by(fa.c.farm_name, f.c.field_id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def season_yields(engine: Engine) -> pd.DataFrame:
    """Observed yields per field and season, with the crop and farm."""
    f, fa, s, c = schema.fields, schema.farms, schema.seasons, schema.crops
    query = (
        sa.select(
            fa.c.farm_name, s.c.field_id, s.c.season, c.c.crop_name.label("crop"), s.c.yield_t_ha
        )
        .join(f, f.c.field_id == s.c.field_id)
        .join(c, c.c.crop_id == s.c.crop)
        .join(fa, fa.c.farm_id == f.c.farm_id)
        .where(s.c.yield_t_ha.is_not(None))
        .order_by(s.c.season, s.c.field_id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def cooperatives_overview(engine: Engine) -> pd.DataFrame:
    """Cooperatives with their number of farms and fields and the latest import's date."""
    c, fa, f, b = schema.cooperatives, schema.farms, schema.fields, schema.bundle_imports
    farms = (
        sa.select(fa.c.cooperative_id, sa.func.count().label("farms"))
        .group_by(fa.c.cooperative_id)
        .subquery()
    )
    fields = (
        sa.select(fa.c.cooperative_id, sa.func.count().label("fields"))
        .join(f, f.c.farm_id == fa.c.farm_id)
        .group_by(fa.c.cooperative_id)
        .subquery()
    )
    latest = (
        sa.select(b.c.cooperative_id, sa.func.max(b.c.reference_date).label("data_until"))
        .group_by(b.c.cooperative_id)
        .subquery()
    )
    query = (
        sa.select(
            c.c.cooperative_id,
            c.c.cooperative_name,
            farms.c.farms,
            fields.c.fields,
            latest.c.data_until,
        )
        .outerjoin(farms, farms.c.cooperative_id == c.c.cooperative_id)
        .outerjoin(fields, fields.c.cooperative_id == c.c.cooperative_id)
        .outerjoin(latest, latest.c.cooperative_id == c.c.cooperative_id)
        .order_by(c.c.cooperative_id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


# ---- scoped queries: everything the app reads goes through these, filtered by a `Scope`


def scoped_cooperative(engine: Engine, scope: Scope) -> dict[str, object]:
    """The scope's cooperative: name, farms and fields visible, and the latest import's date."""
    c, fa, f, b = schema.cooperatives, schema.farms, schema.fields, schema.bundle_imports
    with engine.connect() as conn:
        name = conn.execute(
            sa.select(c.c.cooperative_name).where(c.c.cooperative_id == scope.cooperative_id)
        ).scalar()
        n_farms = conn.execute(
            sa.select(sa.func.count()).select_from(fa).where(scope.farm_filter(fa.c.farm_id))
        ).scalar()
        n_fields = conn.execute(
            sa.select(sa.func.count()).select_from(f).where(scope.farm_filter(f.c.farm_id))
        ).scalar()
        data_until = conn.execute(
            sa.select(sa.func.max(b.c.reference_date)).where(
                b.c.cooperative_id == scope.cooperative_id
            )
        ).scalar()
    return {
        "cooperative_id": scope.cooperative_id,
        "cooperative_name": name or scope.cooperative_id,
        "farms": int(n_farms or 0),
        "fields": int(n_fields or 0),
        "data_until": data_until,
    }


def scoped_fields(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per visible field: farm, crop of the latest season, boundary and data freshness."""
    f, fa, s, c = schema.fields, schema.farms, schema.seasons, schema.crops
    sat, readings = schema.satellite_observations, sensor_readings
    latest = (
        sa.select(s.c.field_id, sa.func.max(s.c.season).label("season"))
        .group_by(s.c.field_id)
        .subquery()
    )
    last_sat = (
        sa.select(sat.c.field_id, sa.func.max(sat.c.date).label("last_satellite"))
        .group_by(sat.c.field_id)
        .subquery()
    )
    query = (
        sa.select(
            f.c.farm_id,
            fa.c.farm_name,
            f.c.field_id,
            f.c.field_name,
            f.c.area_ha,
            f.c.irrigated,
            f.c.boundary_geojson,
            latest.c.season,
            s.c.crop.label("crop_id"),
            c.c.crop_name.label("crop"),
            s.c.sowing_date,
            s.c.harvest_date,
            last_sat.c.last_satellite,
        )
        .join(fa, f.c.farm_id == fa.c.farm_id)
        .outerjoin(latest, latest.c.field_id == f.c.field_id)
        .outerjoin(s, (s.c.field_id == latest.c.field_id) & (s.c.season == latest.c.season))
        .outerjoin(c, c.c.crop_id == s.c.crop)
        .outerjoin(last_sat, last_sat.c.field_id == f.c.field_id)
        .where(scope.farm_filter(f.c.farm_id))
        .order_by(fa.c.farm_name, f.c.field_id)
    )
    last_sensor = (
        sa.select(readings.c.field_id, sa.func.max(readings.c.ts).label("last_sensor"))
        .where(
            readings.c.field_id.in_(sa.select(f.c.field_id).where(scope.farm_filter(f.c.farm_id)))
        )
        .group_by(readings.c.field_id)
    )
    with engine.connect() as conn:
        table = pd.read_sql(query, conn)
        sensor_rows = conn.execute(last_sensor).all()
    last = {field_id: ts for field_id, ts in sensor_rows}
    table["last_sensor"] = pd.to_datetime(table["field_id"].map(last), utc=True)
    return table


def _field_visible(conn: sa.Connection, scope: Scope, field_id: str) -> bool:
    f = schema.fields
    found = conn.execute(
        sa.select(f.c.field_id).where(f.c.field_id == field_id, scope.farm_filter(f.c.farm_id))
    ).first()
    return found is not None


def scoped_field_seasons(engine: Engine, scope: Scope, field_id: str) -> pd.DataFrame:
    """The field's seasons (empty when the field is not visible to `scope`)."""
    s, c = schema.seasons, schema.crops
    query = (
        sa.select(
            s.c.season,
            s.c.crop.label("crop_id"),
            c.c.crop_name.label("crop"),
            s.c.sowing_date,
            s.c.harvest_date,
            s.c.yield_t_ha,
        )
        .join(c, c.c.crop_id == s.c.crop)
        .where(s.c.field_id == field_id)
        .order_by(s.c.season)
    )
    with engine.connect() as conn:
        if not _field_visible(conn, scope, field_id):
            return pd.DataFrame(
                columns=["season", "crop_id", "crop", "sowing_date", "harvest_date", "yield_t_ha"]
            )
        return pd.read_sql(query, conn)


def scoped_field_satellite(engine: Engine, scope: Scope, field_id: str) -> pd.DataFrame:
    """The field's satellite index statistics per date (empty when not visible)."""
    sat = schema.satellite_observations
    query = (
        sa.select(
            sat.c.date,
            sat.c.cloud_free_fraction,
            sat.c.ndvi_mean,
            sat.c.ndre_mean,
        )
        .where(sat.c.field_id == field_id)
        .order_by(sat.c.date)
    )
    with engine.connect() as conn:
        if not _field_visible(conn, scope, field_id):
            return pd.DataFrame(columns=["date", "cloud_free_fraction", "ndvi_mean", "ndre_mean"])
        return pd.read_sql(query, conn)


def scoped_field_weather(engine: Engine, scope: Scope, field_id: str) -> pd.DataFrame:
    """Daily weather at the field's station (empty when not visible)."""
    f, w = schema.fields, schema.weather_daily
    query = (
        sa.select(w.c.date, w.c.tmin_degc, w.c.tmax_degc, w.c.precip_mm)
        .join(f, f.c.station_id == w.c.station_id)
        .where(f.c.field_id == field_id)
        .order_by(w.c.date)
    )
    with engine.connect() as conn:
        if not _field_visible(conn, scope, field_id):
            return pd.DataFrame(columns=["date", "tmin_degc", "tmax_degc", "precip_mm"])
        return pd.read_sql(query, conn)


def scoped_field_operations(engine: Engine, scope: Scope, field_id: str) -> pd.DataFrame:
    """Nitrogen and irrigation applications on the field (empty when not visible)."""
    o = schema.operations
    query = (
        sa.select(o.c.date, o.c.season, o.c.operation, o.c.amount, o.c.unit)
        .where(o.c.field_id == field_id)
        .order_by(o.c.date)
    )
    with engine.connect() as conn:
        if not _field_visible(conn, scope, field_id):
            return pd.DataFrame(columns=["date", "season", "operation", "amount", "unit"])
        return pd.read_sql(query, conn)


def scoped_field_sensor_daily(engine: Engine, scope: Scope, field_id: str) -> pd.DataFrame:
    """Daily mean of every sensor variable and depth on the field (empty when not visible)."""
    r = sensor_readings
    query = sa.select(r.c.ts, r.c.variable, r.c.depth_cm, r.c.value).where(r.c.field_id == field_id)
    columns = ["date", "variable", "depth_cm", "value"]
    with engine.connect() as conn:
        if not _field_visible(conn, scope, field_id):
            return pd.DataFrame(columns=columns)
        rows = conn.execute(query).all()
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows, columns=["ts", "variable", "depth_cm", "value"])
    frame["date"] = pd.to_datetime(frame["ts"], utc=True).dt.tz_localize(None).dt.normalize()
    daily = frame.groupby(["date", "variable", "depth_cm"], as_index=False)["value"].mean()
    return pd.DataFrame(daily[columns])


def scoped_devices(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The device registry restricted to installations on visible fields."""
    d, f = schema.sensor_devices, schema.fields
    query = sa.select(d).where(
        d.c.field_id.in_(sa.select(f.c.field_id).where(scope.farm_filter(f.c.farm_id)))
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame([dict(row) for row in rows], columns=[c.name for c in d.columns])


def scoped_uploads(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Sensor uploads the scope may see: its own, and those whose readings lie on its fields.

    A member sees only uploads made by themselves or holding readings of their fields; an
    uploader's rejected file from another farm stays invisible to them.
    """
    u, r, f = sensor_uploads, sensor_readings, schema.fields
    visible_fields = sa.select(f.c.field_id).where(scope.farm_filter(f.c.farm_id))
    touching = sa.select(r.c.upload_id).where(r.c.field_id.in_(visible_fields)).distinct()
    if scope.farm_ids is None:
        # Whole cooperative: every upload by one of its users, or touching its fields.
        coop_users = sa.select(schema.users.c.username).where(
            schema.users.c.cooperative_id == scope.cooperative_id
        )
        own: sa.ColumnElement[bool] = u.c.uploaded_by.in_(coop_users)
    else:
        own = u.c.uploaded_by == scope.username
    query = (
        sa.select(
            u.c.upload_id,
            u.c.uploaded_at,
            u.c.uploaded_by,
            u.c.file_name,
            u.c.format,
            u.c.status,
            u.c.accepted,
            u.c.duplicate,
            u.c.rejected,
            u.c.flagged,
            u.c.message,
        )
        .where(sa.or_(own, u.c.upload_id.in_(touching)))
        .order_by(u.c.upload_id.desc())
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def scoped_quarantine(engine: Engine, scope: Scope, upload_id: int) -> pd.DataFrame:
    """Rejected rows of one upload with their reasons, if the upload is visible to `scope`."""
    q = sensor_quarantine
    columns = ["line", "column", "reason", "raw"]
    if upload_id not in set(scoped_uploads(engine, scope)["upload_id"]):
        return pd.DataFrame(columns=columns)
    query = (
        sa.select(q.c.line, q.c.column_name.label("column"), q.c.reason, q.c.raw)
        .where(q.c.upload_id == upload_id)
        .order_by(q.c.line, q.c.quarantine_id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)
