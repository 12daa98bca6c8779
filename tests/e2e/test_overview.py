"""Real browser at 1440 x 900: the overview and the field page read at a glance."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

pytestmark = pytest.mark.e2e

DESKTOP: ViewportSize = {"width": 1440, "height": 900}


def _tall(page: Page, st_wait: Callable, height: int) -> None:
    """Streamlit scrolls inside its main area: a taller window shows the whole page."""
    page.set_viewport_size({"width": DESKTOP["width"], "height": height})
    st_wait(page)
    page.wait_for_timeout(1000)  # charts and the map draw after the script stops


def test_overview_renders_in_chromium(
    page: Page,
    served_workspace: str,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
    tmp_path: Path,
) -> None:
    page.set_viewport_size(DESKTOP)
    signed_in_page(page, served_workspace, "admin")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Test cooperative")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("3")
    expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()
    expect(main.get_by_text("nothing to do (0)")).to_be_visible()  # the map's legend
    # The table fits the page: no column runs past the main area's right edge.
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    box, area = table.bounding_box(), main.bounding_box()
    assert box is not None and area is not None
    assert box["x"] + box["width"] <= area["x"] + area["width"] + 1
    screenshot(page, "overview_1440")
    # The CSV: rounded numbers, units in the headers, "-" for what is missing.
    with page.expect_download() as download:
        main.get_by_role("button", name="Download the table (CSV)").click()
    path = tmp_path / "fields.csv"
    download.value.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("Field,Status,Stage,Crop,Farm,Area (ha),")
    assert lines[1].split(",")[5] == "6.0"  # field A1's area, one decimal
    assert ",-," in lines[1]  # no sensor reading yet
    _tall(page, st_wait, 1500)
    screenshot(page, "overview_1440_full")


def test_field_page_time_axes_line_up(
    page: Page,
    served_workspace: str,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
) -> None:
    page.set_viewport_size(DESKTOP)
    signed_in_page(page, served_workspace, "admin")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Field", exact=True).click()
    st_wait(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Field A1 (A1)")).to_be_visible()
    expect(main.get_by_text("Growth stage:")).to_be_visible()
    screenshot(page, "field_1440")
    _tall(page, st_wait, 2600)
    # Vega labels each chart's image with its text: axis labels and titles.
    charts = page.get_by_test_id("stVegaLiteChart")
    water = charts.filter(has=page.locator('[aria-label*="Depletion (mm)"]'))
    rain = charts.filter(has=page.locator('[aria-label*="Water (mm/d)"]'))
    expect(water).to_be_visible()
    expect(rain).to_be_visible()
    # The depletion and the rain charts are as wide as each other, and so are their plots.
    water_box, rain_box = water.bounding_box(), rain.bounding_box()
    assert water_box is not None and rain_box is not None
    assert abs(water_box["width"] - rain_box["width"]) <= 1
    assert abs(water_box["x"] - rain_box["x"]) <= 1
    screenshot(page, "field_1440_full")
