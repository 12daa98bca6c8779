"""Streamlit entry point: `agri serve` runs this script.

Signed out, the only page is the sign-in form; signed in, the pages of the user's role.
"""

import streamlit as st

from agri_app.app import pages, session

st.set_page_config(page_title="Agri advisor", page_icon="🌾", layout="wide")

scope = session.current_scope()
if scope is None:
    page = st.navigation([pages.login()], position="hidden")
else:
    with st.sidebar:
        st.caption(f"Signed in as **{scope.username}** ({scope.role}, {scope.cooperative_id})")
        if st.button("Sign out", key="sign_out"):
            session.sign_out()
            st.rerun()
    page = st.navigation(
        [pages.overview(), pages.field(), pages.upload(), pages.reports(), pages.models()]
    )
page.run()
