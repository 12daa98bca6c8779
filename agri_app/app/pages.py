"""The app's pages, defined once so views can link to each other with `st.switch_page`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).resolve().parent / "views"


def login() -> st.Page:
    return st.Page(str(VIEWS / "login.py"), title="Sign in", url_path="login", default=True)


def overview() -> st.Page:
    return st.Page(str(VIEWS / "overview.py"), title="Overview", url_path="overview", default=True)


def field() -> st.Page:
    return st.Page(str(VIEWS / "field.py"), title="Field", url_path="field")


def upload() -> st.Page:
    return st.Page(str(VIEWS / "upload.py"), title="Upload sensor logs", url_path="upload")


def reports() -> st.Page:
    return st.Page(str(VIEWS / "reports.py"), title="Reports", url_path="reports")


def models() -> st.Page:
    return st.Page(str(VIEWS / "models.py"), title="Models", url_path="models")
