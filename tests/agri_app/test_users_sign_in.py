"""The sign-in page through AppTest: a wanted field is named (as typed), the sign-in address
forwards a signed-in user to the overview, the sidebar names the user as typed (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from agri_app.cli import APP_SCRIPT
from pipelines.store import storage
from tests.agri_app.conftest import PASSWORD


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, app_workspace: storage.Workspace):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AGRI_WORKSPACE", str(app_workspace.root))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
    st.cache_data.clear()
    st.cache_resource.clear()


def test_a_wanted_field_is_named_as_typed(app: AppTest) -> None:
    app.query_params["field"] = "A2](javascript:alert(1))"
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Sign in"
    assert app.caption[0].value == ("Sign in to open field A2\\]\\(javascript\\:alert\\(1\\)\\).")


def test_signing_in_at_the_sign_in_address_lands_on_the_overview(
    app: AppTest, app_workspace: storage.Workspace
) -> None:
    app.run()
    app.text_input(key="username").input("agro")
    app.text_input(key="password").input(PASSWORD)
    app.button[0].click()
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Test cooperative"
    assert app.sidebar.caption[0].value == "Signed in as **agro** (agronomist, coop\\-test)"
    # The cookie secret was made in the workspace folder, owner-only.
    secret = Path(app_workspace.root) / "secrets" / "session_cookie.key"
    assert secret.stat().st_mode & 0o777 == 0o600
