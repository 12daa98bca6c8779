"""The app's pages, defined once so views can link to each other with `st.switch_page`.

A page's identity in Streamlit is its URL path. Signed out, every page's URL still resolves, to
the sign-in form (`signed_out`): a bookmarked `/field?field=A2` shows the form at that address
and, once signed in, the same address is the field page. Titles are fixed words, never user text.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from agri_app.app.views import login as login_view

VIEWS = Path(__file__).resolve().parent / "views"
LOGIN_PATH = "login"
# url path: (view file, title); the first is the default page of a signed-in user.
VIEW_PAGES = {
    "overview": ("overview.py", "Overview"),
    "field": ("field.py", "Field"),
    "upload": ("upload.py", "Upload sensor logs"),
    "reports": ("reports.py", "Reports"),
    "models": ("models.py", "Models"),
    "users": ("users.py", "Users"),
}
ADMIN_ONLY = frozenset({"users"})


def _view(url_path: str, visible: bool = True) -> st.Page:
    file, title = VIEW_PAGES[url_path]
    return st.Page(
        str(VIEWS / file),
        title=title,
        url_path=url_path,
        default=url_path == "overview",
        visibility="visible" if visible else "hidden",
    )


def login() -> st.Page:
    return st.Page(login_view.render, title="Sign in", url_path=LOGIN_PATH, default=True)


def overview() -> st.Page:
    return _view("overview")


def field() -> st.Page:
    return _view("field")


def upload() -> st.Page:
    return _view("upload")


def reports() -> st.Page:
    return _view("reports")


def models() -> st.Page:
    return _view("models")


def users() -> st.Page:
    return _view("users")


def signed_in(is_admin: bool) -> list[st.Page]:
    """The pages of a signed-in user.

    Admin-only pages stay reachable by URL for others (hidden), so a shared link says why it is
    refused instead of "Page not found"; the sign-in page stays reachable (hidden) so that its
    address can forward a signed-in user to the overview.
    """
    pages = [_view(path, visible=is_admin or path not in ADMIN_ONLY) for path in VIEW_PAGES]
    hidden_login = st.Page(
        login_view.render, title="Sign in", url_path=LOGIN_PATH, visibility="hidden"
    )
    return [*pages, hidden_login]


def signed_out() -> list[st.Page]:
    """The sign-in form at `/login` (the default) and at every other page's address."""
    stand_ins = [
        st.Page(login_view.render, title="Sign in", url_path=path, visibility="hidden")
        for path in VIEW_PAGES
    ]
    return [login(), *stand_ins]
