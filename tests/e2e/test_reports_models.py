"""Real browser at 1440 x 900 and 390 x 844: the Models page and the Reports page with a preview
of a real weekly report (screenshots kept in artifacts/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from agri_app.report.render import farm_html
from pipelines.store import storage
from pipelines.store.reports import record_report
from tests.agri_app.test_models_page import write_model
from tests.agri_app.test_report import _wide_farm_report

pytestmark = pytest.mark.e2e

DESKTOP: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
WEEK = "2025-W21"


@pytest.fixture(scope="module")
def with_model_and_report(e2e_workspace: storage.Workspace) -> storage.Workspace:
    if not (e2e_workspace.models_dir / "yield").exists():
        write_model(e2e_workspace)
    folder = e2e_workspace.reports_dir / WEEK
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{WEEK}_farm-a.html").write_text(farm_html(_wide_farm_report()), encoding="utf-8")
    (folder / f"{WEEK}_farm-a.pdf").write_bytes(b"%PDF-1.7 test")
    engine = storage.open_workspace(e2e_workspace)
    record_report(
        engine,
        cooperative_id="coop-test",
        owner_kind="farm",
        owner_id="farm-a",
        week=WEEK,
        issued_date=date(2025, 5, 26),
        files={k: f"{WEEK}/{WEEK}_farm-a.{k}" for k in ("html", "pdf")},
        advice_run_id=None,
    )
    engine.dispose()
    return e2e_workspace


def _open(page: Page, st_wait: Callable, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    st_wait(page)
    page.wait_for_timeout(800)  # tables and the preview draw after the script stops


def _fits(page: Page, test_id: str) -> None:
    main = page.get_by_test_id("stMain").bounding_box()
    assert main is not None
    for k in range(page.get_by_test_id(test_id).count()):
        if not page.get_by_test_id(test_id).nth(k).is_visible():
            continue  # inside a closed expander
        box = page.get_by_test_id(test_id).nth(k).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= main["x"] + main["width"] + 1, (test_id, k)


def test_models_page_at_1440_and_390(
    page: Page,
    served_workspace: str,
    with_model_and_report: storage.Workspace,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
) -> None:
    page.set_viewport_size(DESKTOP)
    signed_in_page(page, served_workspace, "admin")
    _open(page, st_wait, "Models")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("How good is the yield forecast?")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("01 Jun 2025")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    _fits(page, "stDataFrame")
    screenshot(page, "models_1440")
    page.set_viewport_size(PHONE)
    st_wait(page)
    page.wait_for_timeout(800)
    _fits(page, "stDataFrame")
    screenshot(page, "models_390")


def test_reports_page_previews_the_report_at_1440_and_390(
    page: Page,
    served_workspace: str,
    with_model_and_report: storage.Workspace,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
) -> None:
    page.set_viewport_size(DESKTOP)
    signed_in_page(page, served_workspace, "member-a")
    _open(page, st_wait, "Reports")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(f"{WEEK} · Farm A")).to_be_visible()
    expect(main.get_by_text("Generate a weekly report")).to_have_count(0)
    frame = page.frame_locator("iframe").first
    expect(frame.get_by_role("heading", name="Lingehoeve – weekly advice")).to_be_visible()
    screenshot(page, "reports_1440")
    page.set_viewport_size(PHONE)
    st_wait(page)
    page.wait_for_timeout(800)
    _fits(page, "stIFrame")
    screenshot(page, "reports_390")
