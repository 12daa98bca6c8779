"""The Reports page per role (AppTest): reports listed (not their JSON), previewed, the latest week
with data named, generating a week offered to admins and agronomists only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from agri_app.app.text import escape_markdown
from pipelines.store import storage
from pipelines.store.reports import record_report

PAGE = "views/reports.py"
WEEK = "2025-W21"  # the test bundle's data run to Sunday 2025-06-01: W21 is issued 26 May
KINDS = ("html", "pdf", "json")
NAME = "[click](javascript:alert(1)) **A**"


def _write_reports(
    workspace: storage.Workspace, owners: dict[str, str], files: bool = True
) -> None:
    """Record week 2025-W21's report of each owner ({owner_id: "farm" or "cooperative"}) with
    its HTML, PDF and JSON, as `agri report weekly` does."""
    engine = storage.open_workspace(workspace)
    folder = workspace.reports_dir / WEEK
    folder.mkdir(parents=True, exist_ok=True)
    for owner, kind in owners.items():
        if files:
            (folder / f"{WEEK}_{owner}.html").write_text(
                f"<html><body><h1>Report of {owner}</h1></body></html>"
            )
            (folder / f"{WEEK}_{owner}.pdf").write_bytes(b"%PDF-1.7 " + owner.encode())
            (folder / f"{WEEK}_{owner}.json").write_text('{"fields": {}}')
        record_report(
            engine,
            cooperative_id="coop-test",
            owner_kind=kind,
            owner_id=owner,
            week=WEEK,
            issued_date=date(2025, 5, 26),
            files={k: f"{WEEK}/{WEEK}_{owner}.{k}" for k in KINDS},
            advice_run_id=None,
        )
    engine.dispose()


def _texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "success")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def _downloads(at: AppTest) -> set[str]:
    return {b.key for b in at.get("download_button")}


def _iframes(at: AppTest) -> list[str]:
    return [str(e.proto) for e in at.get("iframe")]


@pytest.mark.parametrize("username", ["admin", "agro"])
def test_without_reports_an_admin_or_agronomist_is_told_the_latest_week_with_data(
    signed_in: Callable[..., AppTest], username: str
) -> None:
    at = signed_in(username, PAGE)
    info = " ".join(i.value for i in at.info)
    assert "No weekly report yet" in info
    # The latest week with data, not the calendar's current week and not a placeholder.
    assert f"The latest week with data is {WEEK}" in info
    assert f"agri report weekly --week {WEEK}" in info
    assert "YYYY-Www" not in info
    weeks = at.selectbox(key="report_week")
    assert weeks.options[0].startswith(WEEK) and weeks.value == WEEK
    assert at.button(key="report_generate")


def test_a_member_without_reports_gets_no_admin_hint_and_cannot_generate(
    signed_in: Callable[..., AppTest],
) -> None:
    at = signed_in("member-a", PAGE)
    info = " ".join(i.value for i in at.info)
    assert "No weekly report for your farm yet" in info
    assert "agri " not in _texts(at)
    assert not [b for b in at.button if b.key == "report_generate"]
    assert not [s for s in at.selectbox if s.key == "report_week"]


def test_a_member_sees_and_previews_only_their_farms_report_and_never_its_json(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    _write_reports(app_workspace, {"farm-a": "farm", "farm-b": "farm", "coop-test": "cooperative"})
    at = signed_in("member-a", PAGE)
    texts = _texts(at)
    assert "Farm A" in texts and "Farm B" not in texts and "cooperative summary" not in texts
    assert _downloads(at) == {f"report_{WEEK}_farm_farm-a_pdf", f"report_{WEEK}_farm_farm-a_html"}
    assert "JSON" not in texts and ".json" not in texts
    assert [b.label for b in at.get("download_button")] == ["PDF", "HTML"]
    frames = _iframes(at)
    assert len(frames) == 1 and "Report of farm-a" in frames[0]
    assert "Report of farm-b" not in frames[0]


def test_an_agronomist_lists_every_report_and_previews_the_chosen_one(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    _write_reports(app_workspace, {"farm-a": "farm", "farm-b": "farm", "coop-test": "cooperative"})
    at = signed_in("agro", PAGE)
    texts = _texts(at)
    lines = [m.value for m in at.markdown]
    for owner in ("Farm A", "Farm B", "Test cooperative (cooperative summary)"):
        assert f"**{WEEK}** · {owner} · issued 26 May 2025" in lines
    assert len(_downloads(at)) == 6
    preview = at.selectbox(key="report_preview")
    labels = list(preview.options)  # as shown: formatted
    assert sorted(labels) == sorted(
        f"{WEEK} · {n}" for n in ("Farm A", "Farm B", "Test cooperative")
    )
    preview.select_index(labels.index(f"{WEEK} · Farm B")).run()
    assert not at.exception
    assert "Report of farm-b" in _iframes(at)[0]
    assert "JSON" not in texts


def test_a_missing_file_names_the_command_for_an_agronomist_and_the_agronomist_for_a_member(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    _write_reports(app_workspace, {"farm-b": "farm"}, files=False)
    at = signed_in("agro", PAGE)
    assert any(f"agri report weekly --week {WEEK}" in w.value for w in at.warning)
    at = signed_in("member-b", PAGE)
    warnings = " ".join(w.value for w in at.warning)
    assert "missing" in warnings and "ask your cooperative's agronomist" in warnings
    assert "agri " not in warnings


def test_generating_without_a_model_names_the_command(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("admin", PAGE)
    at.button(key="report_generate").click().run()
    assert not at.exception
    assert any("agri train" in e.value for e in at.error)


def test_a_farm_name_with_markdown_is_shown_as_typed(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    import sqlalchemy as sa

    from pipelines.store import schema

    engine = storage.open_workspace(app_workspace)
    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.farms).where(schema.farms.c.farm_id == "farm-a").values(farm_name=NAME)
        )
    engine.dispose()
    _write_reports(app_workspace, {"farm-a": "farm"})
    at = signed_in("member-a", PAGE)
    shown = [m.value for m in at.markdown if "click" in m.value]
    assert shown == [f"**{WEEK}** · {escape_markdown(NAME)} · issued 26 May 2025"]
    assert r"\[click\]\(javascript" in shown[0]
