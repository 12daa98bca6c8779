"""Cached data access for the pages: thin wrappers over `pipelines.queries`."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from agri_app.settings import Settings
from pipelines import queries, storage


@st.cache_resource
def engine() -> Engine:
    return storage.open_workspace(Settings.from_env().workspace)


@st.cache_data(ttl=60)
def cooperatives() -> pd.DataFrame:
    return queries.cooperatives_overview(engine())


@st.cache_data(ttl=60)
def fields() -> pd.DataFrame:
    return queries.fields_overview(engine())


@st.cache_data(ttl=60)
def yields() -> pd.DataFrame:
    return queries.season_yields(engine())
