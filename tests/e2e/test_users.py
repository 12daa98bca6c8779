"""Real browser: the admin's Users page at 1440 and 390 px, and a user name written in Markdown
shown as typed, never as a link (issue 16)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from pipelines.store import access, storage
from tests.e2e.conftest import E2E_PASSWORD

pytestmark = pytest.mark.e2e

MARKDOWN_NAME = "[click](javascript:alert(1))"


def test_users_page_for_an_admin_with_a_markdown_name(
    page: Page,
    served_workspace: str,
    e2e_workspace: storage.Workspace,
    st_wait: Callable,
    signed_in_page: Callable,
    screenshot: Callable,
) -> None:
    engine = storage.open_workspace(e2e_workspace)
    try:
        access.add_user(engine, MARKDOWN_NAME, E2E_PASSWORD, "admin", "coop-test", replace=True)
    finally:
        engine.dispose()
    page.set_viewport_size({"width": 1440, "height": 900})
    signed_in_page(page, served_workspace, MARKDOWN_NAME)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(f"Signed in as {MARKDOWN_NAME} (admin, coop-test)")
    sidebar.get_by_test_id("stSidebarNav").get_by_role("link", name="Users").click()
    st_wait(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    assert page.locator('a[href^="javascript"]').count() == 0

    main.get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name="reset-me").click()
    st_wait(page)
    main.get_by_role("button", name="Reset password").click()
    st_wait(page)
    expect(main).to_contain_text("New password for reset-me; 0 sessions ended.")
    expect(main.get_by_test_id("stCode")).to_be_visible()
    page.mouse.move(1, 1)  # no button tooltip over the page
    page.wait_for_timeout(500)  # the table draws after the script stops
    screenshot(page, "users_page_1440")
    page.set_viewport_size({"width": 390, "height": 844})
    st_wait(page)
    page.wait_for_timeout(500)
    screenshot(page, "users_page_390")

    # The admin's own row, chosen by its Markdown name, reads as typed in the notice too.
    page.set_viewport_size({"width": 1440, "height": 900})
    main.get_by_test_id("stSelectbox").click()
    page.keyboard.type(MARKDOWN_NAME)  # the list is virtualised: filter it rather than scroll
    page.keyboard.press("Enter")
    st_wait(page)
    expect(main).to_contain_text("This is your own account")
    assert page.locator('a[href^="javascript"]').count() == 0


def test_users_page_refuses_a_member(
    page: Page, served_workspace: str, signed_in_page: Callable
) -> None:
    signed_in_page(page, f"{served_workspace}/users", "session-member")
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("Only an admin of the cooperative manages users")
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Users")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Page not found")
