"""Cached data access for the pages: thin wrappers over `pipelines.store.queries`, always scoped.

Every function that returns farm data takes the signed-in user's `Scope`, which is part of the
cache key, so one user's cached rows are never served to another.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from agri_app.settings import Settings
from pipelines.agronomy import season_grid, waterbalance
from pipelines.store import queries, storage
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
    """The FAO-56 balance of the field's latest season up to the data's date, or a message.

    Computed by `pipelines.agronomy.waterbalance` from the workspace tables; any missing input (no
    weather, no season, an unknown crop) becomes a message naming the fix instead of an error.
    """
    seasons = queries.scoped_field_seasons(engine(), scope, field_id)
    if seasons.empty:
        return None, "The field has no season: add it to seasons.csv and `agri import` again."
    until = queries.scoped_cooperative(engine(), scope)["data_until"]
    reference = pd.Timestamp(str(until)) if until else pd.Timestamp.now().normalize()
    try:
        sources = load_workspace(engine(), scope=scope, field_ids=[field_id]).sources()
        requests = season_grid.season_requests(sources.seasons, reference)
        latest = requests[requests["season"] == requests["season"].max()]
        if latest.empty:
            return None, "No season sown by the data's date yet."
        table = waterbalance.water_balance_table(sources, latest)
    except (ValueError, KeyError) as exc:
        return None, f"The water balance cannot be computed: {exc}"
    return table, ""
