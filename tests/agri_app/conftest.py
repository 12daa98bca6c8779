"""App fixtures: an imported workspace with one user per role, and AppTest signed in as one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from agri_app.cli import APP_SCRIPT
from pipelines.sources.bundle import read_bundle
from pipelines.store import access, storage
from pipelines.store.importer import import_bundle
from tests.conftest import write_bundle

PASSWORD = "correct horse battery"
USERS = {  # username: (role, farms)
    "admin": ("admin", ()),
    "agro": ("agronomist", ()),
    "member-a": ("member", ("farm-a",)),
    "member-b": ("member", ("farm-b",)),
}


def make_workspace(root: Path) -> storage.Workspace:
    workspace = storage.Workspace(root / "ws")
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(write_bundle(root / "bundle")), workspace)
    for username, (role, farms) in USERS.items():
        access.add_user(engine, username, PASSWORD, role, "coop-test", farms)
    engine.dispose()
    return workspace


@pytest.fixture
def app_workspace(tmp_path: Path) -> storage.Workspace:
    return make_workspace(tmp_path)


@pytest.fixture
def signed_in(
    monkeypatch: pytest.MonkeyPatch, app_workspace: storage.Workspace
) -> Iterator[Callable[[str], AppTest]]:
    """`signed_in(username)`: an AppTest of the app after signing in through the form."""

    def start(username: str, page: str | None = None) -> AppTest:
        monkeypatch.setenv("AGRI_WORKSPACE", str(app_workspace.root))
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        at.text_input(key="username").input(username)
        at.text_input(key="password").input(PASSWORD)
        at.button[0].click()
        at.run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        if page is not None:
            at.switch_page(page)
            at.run()
            assert not at.exception, at.exception
        return at

    yield start
    st.cache_data.clear()
    st.cache_resource.clear()
