"""Real browser: the served app renders the imported cooperative after signing in."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_overview_renders_in_chromium(
    page: Page,
    served_workspace: str,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
) -> None:
    signed_in_page(page, served_workspace, "admin")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Test cooperative")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("3")
    expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 1400})
    st_wait(page)
    shot = screenshot(page, "overview")
    assert shot.stat().st_size > 10_000
