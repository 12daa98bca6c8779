"""Real browser at a phone's 390 x 844: the overview and the field page fit the screen."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

pytestmark = pytest.mark.e2e

PHONE: ViewportSize = {"width": 390, "height": 844}


def _inside_screen(element: Locator) -> None:
    box = element.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box


def test_overview_on_a_phone(
    page: Page,
    served_workspace: str,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
) -> None:
    page.set_viewport_size(PHONE)
    signed_in_page(page, served_workspace, "member-a")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Farm A", exact=True)).to_be_visible()
    deck = page.get_by_test_id("stDeckGlJsonChart")
    expect(deck.locator("canvas").first).to_be_visible()
    _inside_screen(deck)
    deck.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # deck.gl draws after the script stops
    screenshot(page, "mobile_overview_map")
    table = page.get_by_test_id("stDataFrame")
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible()
    _inside_screen(table)
    st_wait(page)
    page.wait_for_timeout(1000)
    screenshot(page, "mobile_overview")
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "mobile_overview_table")


def test_field_page_on_a_phone(
    page: Page,
    served_workspace: str,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
) -> None:
    page.set_viewport_size(PHONE)
    signed_in_page(page, served_workspace, "member-a")
    main = page.get_by_test_id("stMain")
    choose = main.get_by_test_id("stSelectbox")
    choose.scroll_into_view_if_needed()
    choose.click()
    page.keyboard.type("A2")
    page.keyboard.press("Enter")
    st_wait(page)
    main.get_by_role("button", name="Open field").click()
    st_wait(page)
    expect(main.get_by_role("heading", name="Field A2 (A2)")).to_be_visible()
    expect(main.get_by_text("Growth stage:")).to_be_visible()
    screenshot(page, "mobile_field")
    # Every chart fits the screen's width (no label runs off it).
    main.get_by_text("Only past seasons of the same crop").click()
    st_wait(page)
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.first).to_be_visible()
    for chart in charts.all():
        chart.scroll_into_view_if_needed()
        expect(chart.locator("canvas, svg").first).to_be_visible()
        _inside_screen(chart)
    water = charts.filter(has=page.locator('[aria-label*="Depletion (mm)"]'))
    water.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    screenshot(page, "mobile_field_water")
