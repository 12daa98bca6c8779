"""Read-side queries on the workspace database, returning plain DataFrames."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines import storage


def fields_overview(engine: Engine) -> pd.DataFrame:
    """One row per field: farm, area, soil water capacity and the latest season's crop."""
    f, fa, s, c = storage.fields, storage.farms, storage.seasons, storage.crops
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
    f, fa, s, c = storage.fields, storage.farms, storage.seasons, storage.crops
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
    c, fa, f, b = storage.cooperatives, storage.farms, storage.fields, storage.bundle_imports
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
