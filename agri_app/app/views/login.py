"""Sign in with a local account (`agri users add`, or the passwords `agri demo` printed).

`render` is the page of a signed-out user at every address of the app (`pages.signed_out`), so
the address asked for, with its `?field=`, is still there once the user has signed in.
"""

from __future__ import annotations

import streamlit as st

from agri_app.app import data, session
from agri_app.app.text import escape_markdown
from pipelines.store import access


def render() -> None:
    st.title("Sign in")
    notice = st.session_state.pop(session.NOTICE_KEY, None)
    if notice:
        st.info(notice)
    if not access.list_users(data.engine()):
        st.info(
            "This workspace has no user yet. Create one with "
            "`agri users add NAME --role admin`, "
            "or run `agri demo`, which creates one user per role and prints their passwords."
        )
    wanted_field = st.query_params.get("field")
    if wanted_field:
        st.caption(f"Sign in to open field {escape_markdown(wanted_field)}.")
    with st.form("login", width=480):
        username = st.text_input("Username", key="username")
        password = st.text_input("Password", type="password", key="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        try:
            session.sign_in(username.strip(), password)
        except access.AccessError as exc:
            # Our own wording only: the messages never repeat what was typed.
            st.error(str(exc))
        else:
            st.rerun()
