"""Sign in with a local account (`agri users add`, or the passwords `agri demo` printed)."""

import streamlit as st

from agri_app.app import data, session
from pipelines.store import access

st.title("Sign in")
notice = st.session_state.pop("auth_notice", None)
if notice:
    st.info(notice)
if not access.list_users(data.engine()):
    st.info(
        "This workspace has no user yet. Create one with "
        "`agri users add NAME --role admin --cooperative COOPERATIVE_ID`, "
        "or run `agri demo`, which creates one user per role and prints their passwords."
    )
with st.form("login"):
    username = st.text_input("Username", key="username")
    password = st.text_input("Password", type="password", key="password")
    submitted = st.form_submit_button("Sign in")
if submitted:
    try:
        session.sign_in(username.strip(), password)
    except access.AccessError as exc:
        st.error(str(exc))
    else:
        st.rerun()
