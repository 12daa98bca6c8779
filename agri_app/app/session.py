"""The signed-in user of this browser session (a token in `st.session_state`)."""

from __future__ import annotations

import streamlit as st

from agri_app.app import data
from pipelines.store import access
from pipelines.store.access import Scope

TOKEN_KEY = "auth_token"


def current_scope() -> Scope | None:
    """The scope of the live session, or None (never signed in, signed out or expired)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    scope = access.session_scope(data.engine(), token)
    if scope is None:
        del st.session_state[TOKEN_KEY]
        st.session_state["auth_notice"] = "Your session expired; sign in again."
    return scope


def require_scope() -> Scope:
    """For pages: the signed-in user's scope; stops the page when there is none."""
    scope = current_scope()
    if scope is None:
        st.warning("Sign in to see this page.")
        st.stop()
    return scope


def sign_in(username: str, password: str) -> None:
    """Raises `access.AccessError` with a message for the user."""
    st.session_state[TOKEN_KEY] = access.authenticate(data.engine(), username, password)


def sign_out() -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        access.end_session(data.engine(), token)
