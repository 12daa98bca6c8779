"""Every page through AppTest on a small imported workspace, signed in as each role."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pandas as pd
from streamlit.testing.v1 import AppTest

from agri_app.app import overview_table
from pipelines.store import storage


def _deck(at: AppTest) -> dict:  # type: ignore[type-arg]
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def test_overview_shows_visible_fields_map_and_table(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("admin")
    assert at.title[0].value == "Test cooperative"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Fields"] == "3"
    assert metrics["Farms"] == "2"
    table = at.dataframe[0].value
    assert list(table["ID"]) == ["A1", "A2", "B1"]
    # key columns first; no model: no blank forecast columns
    assert list(table.columns[:4]) == ["Field", "Status", "Stage", "Crop"]
    assert "Yield P50 (t/ha)" not in table.columns
    assert at.dataframe[0].proto.placeholder == "-"  # missing cells read "-", never "None"
    # the growth stage from thermal time: maize sown in May, wheat sown the autumn before
    stages = dict(zip(table["ID"], table["Stage"], strict=True))
    assert stages["A1"].startswith("development (") and stages["A2"].startswith("development (")
    # every header with a number in it names its unit
    assert {"Area (ha)", "Last sensor (UTC)"} <= set(table.columns)
    assert any("agri train" in i.value for i in at.info)
    # the map: a legend in the map's colours, and a tooltip with the stage and what to do
    legend = next(m.value for m in at.markdown if "nothing to do (0)" in m.value)
    assert "rgba(170,170,170" in legend and "no forecast (3)" in legend
    tooltip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["text"]
    assert "To do: {todo}" in tooltip and "{stage}" in tooltip
    deck = _deck(at)
    polygon = deck["layers"][0]["data"][0]
    assert polygon["status"].startswith("no forecast") and polygon["todo"] == "-"
    assert at.get("download_button")[0].proto.label == "Download the table (CSV)"


def test_member_sees_only_their_farm_under_its_own_name(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("member-b")
    assert at.title[0].value == "Farm B"
    assert any(c.value == "Member of Test cooperative" for c in at.caption)
    assert list(at.dataframe[0].value["ID"]) == ["B1"]
    assert {m.label: m.value for m in at.metric}["Fields"] == "1"
    assert at.selectbox(key="open_field").options == ["B1 · Field B1"]
    assert [row["field"] for row in _deck(at)["layers"][0]["data"]] == ["Field B1 (B1)"]


def test_agronomist_sees_the_cooperative(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("agro")
    assert at.title[0].value == "Test cooperative"
    assert list(at.dataframe[0].value["ID"]) == ["A1", "A2", "B1"]


def test_open_field_button_goes_to_field_page(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("admin")
    at.selectbox(key="open_field").set_value("A2")
    at.button(key="open_field_button").click()
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Field A2 (A2)"


def test_field_page_renders_curves_and_water(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("admin", "views/field.py")
    assert at.title[0].value == "Field A1 (A1)"

    def y_titles() -> list[str]:
        specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
        return [
            spec.get("layer", [spec])[0].get("encoding", {}).get("y", {}).get("title")
            for spec in specs
        ]

    # A1 grows maize now and had wheat before: no same-crop past season to compare with
    assert y_titles()[:2] == ["Depletion (mm)", "Water (mm/d)"]
    assert any("No satellite observation" in i.value for i in at.info)
    assert any("FAO-56 soil water balance of season 2025" in c.value for c in at.caption)
    at.checkbox(key="canopy_same_crop").uncheck()
    at.run()
    assert y_titles()[0] == "NDVI (-)"
    assert any("agri train" in i.value for i in at.info)
    # widgets drive the page: another field, then the NDRE curve
    at.selectbox(key="field_select").set_value("B1")
    at.run()
    assert at.title[0].value == "Field B1 (B1)"
    at.radio(key="canopy_index").set_value("NDRE")
    at.run()
    assert not at.exception, at.exception


def test_field_page_offers_only_visible_fields(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("member-a", "views/field.py")
    assert at.selectbox(key="field_select").options == ["A1 · Field A1", "A2 · Field A2"]


# The Reports and Models pages: tests/agri_app/test_reports_page.py, test_models_page.py.


def test_sign_out_returns_to_login(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("admin")
    at.button(key="sign_out").click()
    at.run()
    assert at.title[0].value == "Sign in"


def test_a_model_without_stored_advice_names_the_fix_and_computes_nothing(
    signed_in: Callable[..., AppTest], app_workspace
) -> None:  # type: ignore[no-untyped-def]
    # A broken model: the pages never load it, they read stored advice only.
    folder = app_workspace.models_dir / "yield" / "20250601T000000Z-deadbeef"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text("{}")  # no model files next to it
    at = signed_in("admin")
    assert any("No stored advice yet: run `agri advise`" in i.value for i in at.info)
    at.switch_page("views/field.py")
    at.run()
    assert not at.exception, at.exception
    assert any("agri advise" in i.value for i in at.info)


def test_a_field_mean_forecast_says_so_on_the_overview_and_the_field_page(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    from dataclasses import replace

    from agri_app.advice_service import refresh_advice
    from agri_app.settings import Settings
    from models.registry import ModelRegistry
    from models.yield_model import train_yield_model
    from tests.models.factories import FAST, training_rows

    # A wheat model that never beat the field mean: A2 (wheat) is served its field's mean.
    trained = train_yield_model(training_rows(seasons=(2019, 2020, 2021)), FAST)
    wheat = replace(trained.crops["winter_wheat"], model_skilled=(False,) * 4)
    ModelRegistry(app_workspace.models_dir).save(replace(trained, crops={"winter_wheat": wheat}))
    engine = storage.open_workspace(app_workspace)
    refresh_advice(engine, Settings(workspace_dir=app_workspace.root), trigger="test")
    engine.dispose()

    at = signed_in("admin")
    shown = at.dataframe[0].value
    table = shown.set_index("ID")
    assert table.loc["A2", "Yield from"] == "field mean"
    assert any("Yield from: the model, or the field's own mean" in c.value for c in at.caption)
    assert table.loc["A2", "To do this week"] in ("nothing to do", "watch") or (
        table.loc["A2", "To do this week"].startswith(("apply", "irrigate"))
    )
    assert list(shown.columns[:3]) == ["Field", "Status", "To do this week"]
    # the CSV: the shown table, rounded as shown, units in the headers, "-" for missing
    csv = overview_table.csv_bytes(shown).decode()
    header = csv.splitlines()[0]
    assert "Yield P50 (t/ha)" in header and "N now (kg N/ha)" in header
    assert "Irrigation (mm)" in header and "Area (ha)" in header
    rows = pd.read_csv(io.StringIO(csv), dtype=str).set_index("ID")
    p50 = rows.loc["A2", "Yield P50 (t/ha)"]
    assert p50 == f"{float(p50):.1f}"  # one decimal, as on the page: never 8.562787760850227
    assert "None" not in csv and "nan" not in csv
    assert rows.loc["A2", "Status"] in ("act", "watch", "ok")
    at.selectbox(key="open_field").set_value("A2")
    at.button(key="open_field_button").click()
    at.run()
    assert not at.exception, at.exception
    assert {m.label for m in at.metric} >= {"P50", "Apply now"}
    assert any("No better than this field's average yet" in m.value for m in at.markdown)
    assert any("no better than this field's average yet: serving" in m.value for m in at.markdown)
    assert any(m.value.startswith("**Growth stage:** development (") for m in at.markdown)
    # the assumptions behind the numbers, on demand
    assert at.expander[0].label == "Assumptions behind this advice"
    assumptions = at.expander[0].dataframe[0].value.set_index("Assumption")["Value"]
    assert assumptions["Nitrogen price"] == "1.10 EUR/kg N"
    assert assumptions["Irrigation application efficiency"] == "75%"
    assert assumptions["Grain price"] == "220 EUR/t"
    assert assumptions["Yield forecast from"].startswith("this field's own mean yield")
    # the N card never contradicts itself
    texts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    nitrogen = next(m.value for m in at.metric if m.label == "Apply now")
    if any("no N advice" in t for t in texts):
        assert nitrogen == "no advice"
        assert not any("Season total recommended" in t for t in texts)
