"""Real browser: sign in, overview, open a field, upload a sensor log, read the import report."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

LOG = (
    "device_id,port,depth_cm,variable,ts,value,unit\n"
    "dev-1,1,10,vwc_m3_m3,2024-06-01T00:00:00Z,0.281,m3/m3\n"
    "dev-1,2,30,vwc_m3_m3,2024-06-01T00:00:00Z,0.301,m3/m3\n"
    "dev-1,1,10,vwc_m3_m3,2024-06-01T01:00:00Z,wet,m3/m3\n"
)


def test_wrong_password_is_refused(
    page: Page, served_workspace: str, signed_in_page: Callable, screenshot: Callable
) -> None:
    signed_in_page(page, served_workspace, "admin", "not-the-password")
    expect(page.get_by_test_id("stMain")).to_contain_text("wrong username or password")
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # no page without signing in
    screenshot(page, "login_refused")


def test_member_signs_in_opens_field_and_uploads(
    page: Page,
    served_workspace: str,
    st_wait: Callable,
    screenshot: Callable,
    signed_in_page: Callable,
    tmp_path: Path,
) -> None:
    page.set_viewport_size({"width": 1280, "height": 1300})
    signed_in_page(page, served_workspace, "member-a")
    main = page.get_by_test_id("stMain")
    # A member sees their farm's name as the title, their cooperative under it.
    expect(main.get_by_role("heading", name="Farm A")).to_be_visible()
    expect(main).to_contain_text("Test cooperative")
    expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()
    expect(main).not_to_contain_text("Field B1")  # farm B is not theirs
    screenshot(page, "flow_1_overview")

    choose = main.get_by_test_id("stSelectbox")  # below the table and the download button
    choose.scroll_into_view_if_needed()
    choose.click()
    page.keyboard.type("A2")
    page.keyboard.press("Enter")
    st_wait(page)
    main.get_by_role("button", name="Open field").click()
    st_wait(page)
    expect(main.get_by_role("heading", name="Field A2 (A2)")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    # A2 grew maize last season: compare its canopy with all past seasons, whatever the crop
    main.get_by_text("Only past seasons of the same crop").click()
    st_wait(page)
    page.set_viewport_size({"width": 1280, "height": 2300})  # the whole field page
    st_wait(page)
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(4)
    expect(page.get_by_test_id("stVegaLiteChart").last).to_be_visible()
    page.wait_for_timeout(1000)  # charts finish drawing after the script stops
    screenshot(page, "flow_2_field")
    page.set_viewport_size({"width": 1280, "height": 1300})

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Upload sensor logs").click()
    st_wait(page)
    expect(main.get_by_role("heading", name="Upload sensor logs")).to_be_visible()
    log = tmp_path / "dev-1_june.csv"
    log.write_text(LOG)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(log))
    st_wait(page)
    expect(main).to_contain_text("Detected format")
    expect(main.get_by_test_id("stMetricValue").first).to_have_text("long")
    main.get_by_role("button", name="Import").click()
    st_wait(page)
    expect(main).to_contain_text("2 accepted, 0 duplicate, 1 rejected")
    expect(main.get_by_role("button", name="Download the rejected 1 row")).to_be_visible()
    screenshot(page, "flow_3_upload_report")
