"""The Streamlit app through AppTest: signing in, on an empty and on an imported workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from agri_app.cli import APP_SCRIPT
from pipelines.store import access, schema, storage
from tests.agri_app.conftest import PASSWORD


@pytest.fixture
def app_for(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def start(workspace: Path) -> AppTest:
        monkeypatch.setenv("AGRI_WORKSPACE", str(workspace))
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        return at

    yield start
    st.cache_data.clear()
    st.cache_resource.clear()


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(password)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_empty_workspace_says_how_to_create_a_user(app_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = app_for(tmp_path / "empty")
    assert at.title[0].value == "Sign in"
    assert "agri users add" in at.info[0].value and "agri demo" in at.info[0].value


def test_pages_need_a_signed_in_user(app_for, app_workspace: storage.Workspace) -> None:  # type: ignore[no-untyped-def]
    at = app_for(app_workspace.root)
    assert at.title[0].value == "Sign in"
    assert not at.dataframe  # no farm data before signing in
    _sign_in(at, "admin", "wrong password")
    assert at.error[0].value == "wrong username or password"
    assert at.title[0].value == "Sign in"
    _sign_in(at, "admin", PASSWORD)
    assert at.title[0].value == "Test cooperative"


def test_locked_out_user_stays_out(app_for, app_workspace: storage.Workspace) -> None:  # type: ignore[no-untyped-def]
    at = app_for(app_workspace.root)
    for _ in range(access.MAX_FAILED_ATTEMPTS):
        _sign_in(at, "member-a", "guess")
    _sign_in(at, "member-a", PASSWORD)
    assert "too many failed sign-ins" in at.error[0].value
    assert at.title[0].value == "Sign in"


def test_expired_session_returns_to_sign_in(app_for, app_workspace: storage.Workspace) -> None:  # type: ignore[no-untyped-def]
    at = _sign_in(app_for(app_workspace.root), "admin", PASSWORD)
    assert at.title[0].value == "Test cooperative"
    engine = storage.open_workspace(app_workspace)
    with engine.begin() as conn:  # as if SESSION_LIFETIME had passed
        conn.execute(
            schema.user_sessions.update().values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
    engine.dispose()
    at.run()
    assert at.title[0].value == "Sign in"
    assert "expired" in at.info[0].value
