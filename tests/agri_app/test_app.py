"""The Streamlit app through AppTest, on an empty and on an imported workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from agri_app.cli import APP_SCRIPT
from pipelines import storage
from pipelines.bundle import read_bundle
from pipelines.importer import import_bundle


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


def test_empty_workspace_says_how_to_fill_it(app_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = app_for(tmp_path / "empty")
    assert at.title[0].value == "Cooperative"
    assert "agri demo" in at.info[0].value


def test_imported_workspace_shows_farms_fields_and_yields(  # type: ignore[no-untyped-def]
    app_for, bundle_dir: Path, tmp_path: Path
) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(bundle_dir), workspace)
    engine.dispose()

    at = app_for(workspace.root)
    assert at.subheader[0].value == "Test cooperative"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Farms": "2", "Fields": "3", "Data until": "2025-06-01"}
    table = at.dataframe[0].value
    assert list(table["Field"]) == ["A1", "A2", "B1"]
    assert list(table["Crop"]) == ["Grain maize", "Winter wheat", "Winter wheat"]
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["mark"]["type"] == "boxplot"
