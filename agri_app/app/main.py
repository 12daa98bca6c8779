"""Streamlit entry point: `agri serve` runs this script.

Signed out, every address shows the sign-in form and keeps its path and `?field=`, so a
bookmarked field opens once the user has signed in; signed in, the pages of the user's role.
"""

import streamlit as st

from agri_app.app import data, pages, session
from agri_app.app.text import escape_markdown

st.set_page_config(page_title="Agri advisor", page_icon="🌾", layout="wide")

scope = session.current_scope()
session.sync_cookie(scope)
if scope is None:
    page = st.navigation(pages.signed_out(), position="hidden")
    # A sidebar shown once stays (empty) in the browser after signing out: hide it.
    st.html(
        '<style>[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],'
        ' [data-testid="stExpandSidebarButton"] { display: none; }</style>'
    )
else:
    with st.sidebar:
        st.caption(
            f"Signed in as **{escape_markdown(scope.username)}** "
            f"({scope.role}, {escape_markdown(scope.cooperative_id)})"
        )
        if st.button("Sign out", key="sign_out"):
            session.sign_out()
            st.switch_page(pages.login())
    page = st.navigation(pages.signed_in(scope.can_manage_users))
    if page.url_path == pages.LOGIN_PATH:
        st.switch_page(pages.overview())  # signed in already: the sign-in address forwards
    wanted_field = st.query_params.get("field")
    if (
        page.url_path == "field"
        and wanted_field
        and wanted_field not in set(data.fields(scope)["field_id"])
    ):
        st.warning(
            f"Field {escape_markdown(wanted_field)} is not one of the fields you may see "
            "(or it does not exist); showing your first field instead. "
            "An admin can add its farm to your account."
        )
page.run()
