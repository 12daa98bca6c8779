"""Every page through AppTest on a small imported workspace, signed in as each role."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date

import pandas as pd
from streamlit.testing.v1 import AppTest

from agri_app.app import overview_table
from pipelines.store import storage
from pipelines.store.reports import record_report


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


def _record_reports(workspace: storage.Workspace, owners: dict[str, str]) -> None:
    """Record week 2025-W22's report of each owner ({owner_id: "farm" or "cooperative"}),
    as `agri report weekly` does after writing the files."""
    engine = storage.open_workspace(workspace)
    for owner, kind in owners.items():
        record_report(
            engine,
            cooperative_id="coop-test",
            owner_kind=kind,
            owner_id=owner,
            week="2025-W22",
            issued_date=date(2025, 6, 2),
            files={s: f"2025-W22/2025-W22_{owner}.{s}" for s in ("html", "pdf")},
            advice_run_id=None,
        )
    engine.dispose()


def _write_report_files(workspace: storage.Workspace, owner: str) -> None:
    folder = workspace.reports_dir / "2025-W22"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"2025-W22_{owner}.html").write_text(f"<h1>{owner}</h1>")
    (folder / f"2025-W22_{owner}.pdf").write_bytes(b"%PDF-1.7 " + owner.encode())


def _downloads(at: AppTest) -> set[str]:
    return {b.key for b in at.get("download_button")}


def test_reports_page_lists_only_own_reports(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    _record_reports(app_workspace, {"farm-a": "farm", "farm-b": "farm", "coop-test": "cooperative"})
    for owner in ("farm-a", "farm-b", "coop-test"):
        _write_report_files(app_workspace, owner)
    at = signed_in("member-a", "views/reports.py")
    names = [m.value for m in at.markdown]
    assert "Farm A" in names and "**2025-W22**" in names
    assert not any("Farm B" in n or "cooperative" in n for n in names)
    assert _downloads(at) == {
        "report_2025-W22_farm_farm-a_pdf",
        "report_2025-W22_farm_farm-a_html",
    }
    at = signed_in("agro", "views/reports.py")
    names = [m.value for m in at.markdown]
    assert {"Farm A", "Farm B", "Test cooperative (cooperative summary)"} <= set(names)
    assert len(_downloads(at)) == 6


def test_reports_page_shows_a_report_to_its_owner_and_not_to_another_member(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    _record_reports(app_workspace, {"farm-a": "farm"})
    _write_report_files(app_workspace, "farm-a")
    at = signed_in("member-a", "views/reports.py")
    assert "Farm A" in [m.value for m in at.markdown]
    assert any("issued 2025-06-02" in c.value for c in at.caption)
    assert len(_downloads(at)) == 2
    at = signed_in("member-b", "views/reports.py")
    assert not any("Farm A" in m.value for m in at.markdown)
    assert not _downloads(at)
    assert any("agri report weekly --week YYYY-Www" in i.value for i in at.info)


def test_reports_page_names_the_command_for_a_missing_file(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    _record_reports(app_workspace, {"farm-b": "farm"})  # recorded, but no file on disk
    at = signed_in("member-b", "views/reports.py")
    assert not _downloads(at)
    assert any(
        "missing" in w.value and "agri report weekly --week 2025-W22" in w.value for w in at.warning
    )


def test_reports_page_without_reports(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("admin", "views/reports.py")
    assert any(
        "No weekly report yet" in i.value and "agri report weekly --week YYYY-Www" in i.value
        for i in at.info
    )


def test_models_page_without_model_names_the_command(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("admin", "views/models.py")
    assert "agri train" in at.info[0].value


def test_models_page_with_metadata(signed_in: Callable[..., AppTest], app_workspace) -> None:  # type: ignore[no-untyped-def]
    import json

    folder = app_workspace.models_dir / "yield" / "20250601T000000Z-abcdef12"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(
        json.dumps(
            {
                "created_at": "2025-06-01T00:00:00+00:00",
                "training_data_sha256": "abcdef1234567890",
                "crops": {"winter_wheat": {}},
                "metrics": {
                    "skill": [{"crop": "winter_wheat", "forecast_point": "50%", "skill": 0.3}],
                    "coverage": [{"crop": "winter_wheat", "coverage_pct": 81.0}],
                },
            }
        )
    )
    at = signed_in("admin", "views/models.py")
    assert {m.label: m.value for m in at.metric}["Training data hash"] == "abcdef123456"
    assert [s.value for s in at.subheader][:2] == [
        "Skill against baselines (leave-one-season-out)",
        "Interval coverage",
    ]


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
