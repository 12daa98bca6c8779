"""Cached data access for the pages: thin wrappers over `pipelines.store.queries`, always scoped.

Every function that returns farm data takes the signed-in user's `Scope`, which is part of the
cache key, so one user's cached rows are never served to another.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine

from agri_app.settings import Settings
from pipelines.agronomy import season_grid
from pipelines.agronomy import stages as agronomy_stages
from pipelines.store import queries, schema, storage
from pipelines.store import reports as stored_reports
from pipelines.store.access import Scope
from pipelines.store.loader import load_workspace


def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource
def _engine_for(workspace: storage.Workspace) -> Engine:
    return storage.open_workspace(workspace)


def engine() -> Engine:
    return _engine_for(settings().workspace)


@st.cache_data(ttl=60)
def cooperative(scope: Scope) -> dict[str, Any]:
    return queries.scoped_cooperative(engine(), scope)


@st.cache_data(ttl=60)
def fields(scope: Scope) -> pd.DataFrame:
    return queries.scoped_fields(engine(), scope)


@st.cache_data(ttl=60)
def field_seasons(scope: Scope, field_id: str) -> pd.DataFrame:
    return queries.scoped_field_seasons(engine(), scope, field_id)


@st.cache_data(ttl=60)
def field_satellite(scope: Scope, field_id: str) -> pd.DataFrame:
    return queries.scoped_field_satellite(engine(), scope, field_id)


@st.cache_data(ttl=60)
def field_weather(scope: Scope, field_id: str) -> pd.DataFrame:
    return queries.scoped_field_weather(engine(), scope, field_id)


@st.cache_data(ttl=60)
def field_operations(scope: Scope, field_id: str) -> pd.DataFrame:
    return queries.scoped_field_operations(engine(), scope, field_id)


@st.cache_data(ttl=60)
def field_sensors(scope: Scope, field_id: str) -> pd.DataFrame:
    return queries.scoped_field_sensor_daily(engine(), scope, field_id)


def uploads(scope: Scope) -> pd.DataFrame:
    # Not cached: it changes with every import on the upload page.
    return queries.scoped_uploads(engine(), scope)


def reports(scope: Scope) -> pd.DataFrame:
    """The reports `scope` may open, newest week first, with a `paths` column: each file kind
    resolved inside the workspace's reports folder (None for a path that would leave it).

    Not cached: `agri report weekly` records new reports while the app runs.
    """
    table = stored_reports.scoped_reports(engine(), scope)
    root = settings().workspace.reports_dir
    paths = [
        {kind: stored_reports.resolve_report_file(root, path) for kind, path in files.items()}
        for files in table["files"]
    ]
    table["paths"] = pd.Series(paths, index=table.index, dtype=object)
    return table


def model_versions() -> list[tuple[str, dict[str, Any]]]:
    """(version, metadata) of every trained yield model in the registry, newest first.

    Read as JSON so the page works whatever the model code's state; unreadable metadata is
    reported by the page, not raised.
    """
    root = settings().workspace.models_dir
    found: list[tuple[str, dict[str, Any]]] = []
    for meta in sorted(root.glob("*/*/metadata.json"), reverse=True):
        try:
            version = f"{meta.parent.parent.name}/{meta.parent.name}"
            found.append((version, json.loads(meta.read_text())))
        except (OSError, ValueError) as exc:
            found.append((meta.parent.name, {"error": f"unreadable metadata.json: {exc}"}))
    return found


@st.cache_data(ttl=300, show_spinner="Computing the water balance …")
def field_water_balance(scope: Scope, field_id: str) -> tuple[pd.DataFrame | None, str]:
    """The FAO-56 balance of the field's latest season up to the data's date and on over its
    station's stored weather forecast (`is_forecast` marks those days), or a message.

    Computed by `models.irrigation.projected_water_balance` (the projection stored advice is
    made of) from the workspace tables; any missing input (no weather, no season, an unknown
    crop) becomes a message naming the fix instead of an error.
    """
    from models.irrigation import projected_water_balance

    seasons = queries.scoped_field_seasons(engine(), scope, field_id)
    if seasons.empty:
        return None, "The field has no season: add it to seasons.csv and `agri import` again."
    until = queries.scoped_cooperative(engine(), scope)["data_until"]
    reference = pd.Timestamp(str(until)) if until else pd.Timestamp.now().normalize()
    try:
        workspace = load_workspace(engine(), scope=scope, field_ids=[field_id])
        sources = workspace.sources()
        requests = season_grid.season_requests(sources.seasons, reference)
        latest = requests[requests["season"] == requests["season"].max()]
        if latest.empty:
            return None, "No season sown by the data's date yet."
        table = projected_water_balance(
            sources,
            sources.weather,
            workspace.stations,
            workspace.forecast,
            latest,
            to_season_end=False,
        )
    except (ValueError, KeyError) as exc:
        return None, f"The water balance cannot be computed: {exc}"
    if table.empty:
        return None, "No season sown by the data's date yet."
    return table, ""


@st.cache_data(ttl=60)
def crops() -> pd.DataFrame:
    """The workspace's crop table (every parameter column), one row per crop."""
    with engine().connect() as conn:
        return pd.read_sql(sa.select(schema.crops), conn)


@st.cache_data(ttl=60, show_spinner=False)
def field_stages(scope: Scope) -> pd.DataFrame:
    """The growth stage of every visible field's latest season on the data's date
    (`pipelines.agronomy.stages.field_stages`: thermal time at the field's station and the crop
    table's stages), one row per field."""
    visible = fields(scope)
    until = cooperative(scope)["data_until"]
    as_of = pd.Timestamp(str(until)) if until else pd.Timestamp.now().normalize()
    f, w = schema.fields, schema.weather_daily
    ids = list(visible["field_id"])
    with engine().connect() as conn:
        stations = pd.read_sql(
            sa.select(f.c.field_id, f.c.station_id).where(scope.farm_filter(f.c.farm_id)), conn
        )
        weather = pd.read_sql(
            sa.select(w.c.station_id, w.c.date, w.c.tmin_degc, w.c.tmax_degc).where(
                w.c.station_id.in_(sorted(set(stations["station_id"]))), w.c.date <= as_of.date()
            ),
            conn,
        )
    table = visible[["field_id", "crop_id", "sowing_date", "harvest_date"]].merge(
        stations, on="field_id", how="left"
    )
    table = table.assign(
        sowing_date=pd.to_datetime(table["sowing_date"]),
        harvest_date=pd.to_datetime(table["harvest_date"]),
    )
    stages = agronomy_stages.field_stages(table, weather, crops(), as_of)
    return stages.set_index("field_id").reindex(ids).reset_index()
