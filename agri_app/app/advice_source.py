"""Per-field advice (yield P10/P50/P90, nitrogen, irrigation) for the pages, when it exists.

The advice comes from `agri_app.advice.build_advice` with the latest model of the workspace
registry. The model may be missing (no `agri train` yet) or fail: then the result carries a
message naming the command to run instead of raising, and the pages degrade to the imported
data.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from agri_app.app import data
from pipelines.store import queries
from pipelines.store.access import Scope

TRAIN_HINT = "No trained model in this workspace yet: run `agri train`, then reload this page."
# Columns the pages read; the advice table may hold more.
STATUS_COLUMN = "status"


@dataclass(frozen=True)
class Advice:
    table: pd.DataFrame | None
    message: str = ""

    @property
    def available(self) -> bool:
        return self.table is not None


def _compute_advice(scope: Scope) -> pd.DataFrame:
    """`agri_app.advice.build_advice` on the workspace's data of the scope's fields.

    Only the visible fields' data are read, so the advice cannot leak another farm's numbers.
    The as-of date is the latest imported bundle's reference date. Weather forecasts are not
    stored in the workspace, so the irrigation projection uses observed weather only.
    """
    from agri_app.advice import build_advice
    from models.registry import ModelRegistry
    from pipelines.sources.bundle import empty_forecast

    engine = data.engine()
    settings = data.settings()
    model = ModelRegistry(settings.workspace.models_dir).load()
    field_ids = list(data.fields(scope)["field_id"])
    until = queries.scoped_cooperative(engine, scope)["data_until"]
    as_of = pd.Timestamp(str(until)) if until else pd.Timestamp.now().normalize()
    sources = queries.scoped_season_sources(engine, scope, field_ids)
    stations = queries.scoped_stations(engine, scope)
    return build_advice(sources, stations, empty_forecast(), model, settings, as_of)


@st.cache_data(ttl=300, show_spinner="Computing advice …")
def field_advice(scope: Scope) -> Advice:
    """The advice of the fields visible to `scope` (rows of other farms are dropped here)."""
    if not data.model_versions():
        return Advice(None, TRAIN_HINT)
    try:
        table = _compute_advice(scope)
    except ImportError as exc:
        return Advice(
            None,
            f"Advice is not available in this installation ({exc}); reinstall agri-advisor "
            "with its models, then run `agri train`.",
        )
    except Exception as exc:  # a broken model must not break the page
        return Advice(
            None,
            f"Advice could not be computed ({type(exc).__name__}: {exc}). Retrain with "
            "`agri train`; `agri advise --as-of DATE` shows the full error.",
        )
    if "field_id" not in table.columns:
        return Advice(None, "The advice table has no field_id column; retrain with `agri train`.")
    visible = set(data.fields(scope)["field_id"])
    return Advice(table[table["field_id"].isin(visible)].reset_index(drop=True))


def column(table: pd.DataFrame, *names: str) -> pd.Series:
    """The first of `names` present in `table`, else a column of NaN (the page shows '–')."""
    for name in names:
        if name in table.columns:
            return table[name]
    return pd.Series(float("nan"), index=table.index)
