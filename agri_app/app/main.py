"""Streamlit entry point: `agri serve` runs this script."""

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="Agri advisor", page_icon="🌾", layout="wide")
page = st.navigation([st.Page(str(VIEWS / "overview.py"), title="Cooperative", default=True)])
page.run()
