"""Real browser: a session survives a reload and the back button, a bookmarked field opens after
signing in, signing out (or a revoked session) leaves a reload signed out (issue 16)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from pipelines.store import access, storage

pytestmark = pytest.mark.e2e


def _session_cookies(context: BrowserContext) -> list[dict]:
    return [c for c in context.cookies() if c["name"].startswith("agri_session_")]


def _signed_in_as(page: Page, username: str) -> None:
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Signed in as {username}")


def _wait_for_session_cookie(page: Page) -> list[dict]:
    """The script that writes the cookie runs once the signed-in page has rendered."""
    page.wait_for_function("document.cookie.includes('agri_session_')")
    return _session_cookies(page.context)


def _sign_in_form(page: Page) -> None:
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(main.get_by_label("Username")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).not_to_be_visible()


def test_reload_and_back_button_keep_the_user_signed_in(
    page: Page, served_workspace: str, st_wait: Callable, signed_in_page: Callable
) -> None:
    signed_in_page(page, served_workspace, "session-agro")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Test cooperative")).to_be_visible()
    _signed_in_as(page, "session-agro")
    cookies = _wait_for_session_cookie(page)
    assert len(cookies) == 1, page.context.cookies()
    cookie = cookies[0]
    assert cookie["path"] == "/" and cookie["sameSite"] == "Lax"
    assert not cookie["httpOnly"]  # written by a script: see agri_app/app/session.py
    # Expires with the session (8 h), not at the end of the browser session.
    assert cookie["expires"] > 0

    page.reload()
    st_wait(page)
    expect(main.get_by_role("heading", name="Test cooperative")).to_be_visible()
    _signed_in_as(page, "session-agro")

    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Reports").click()
    st_wait(page)
    expect(main.get_by_role("heading", name="Reports")).to_be_visible()
    page.go_back()
    st_wait(page)
    expect(main.get_by_role("heading", name="Test cooperative")).to_be_visible()
    _signed_in_as(page, "session-agro")
    page.go_forward()
    st_wait(page)
    expect(main.get_by_role("heading", name="Reports")).to_be_visible()
    _signed_in_as(page, "session-agro")

    nav.get_by_role("link", name="Field").click()
    st_wait(page)
    expect(page).to_have_url(f"{served_workspace}/field?field=A1")
    expect(main).to_contain_text("Field A1")
    page.reload()
    st_wait(page)
    expect(main).to_contain_text("Field A1")
    _signed_in_as(page, "session-agro")


def test_a_bookmarked_field_opens_after_signing_in(
    page: Page,
    served_workspace: str,
    st_wait: Callable,
    signed_in_page: Callable,
    screenshot: Callable,
) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{served_workspace}/field?field=A2")
    st_wait(page)
    _sign_in_form(page)
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("Sign in to open field A2.")
    expect(page.locator("body")).not_to_contain_text("Page not found")
    expect(page).to_have_url(f"{served_workspace}/field?field=A2")
    screenshot(page, "sessions_deep_link_sign_in_1440")
    page.set_viewport_size({"width": 390, "height": 844})
    st_wait(page)
    expect(page.locator("body")).not_to_contain_text("Page not found")
    screenshot(page, "sessions_deep_link_sign_in_390")
    page.set_viewport_size({"width": 1440, "height": 900})

    main.get_by_label("Username").fill("session-member")
    main.get_by_label("Password", exact=True).fill("e2e-password-1")
    main.get_by_role("button", name="Sign in").click()
    st_wait(page)
    expect(main).to_contain_text("Field A2")
    expect(page).to_have_url(f"{served_workspace}/field?field=A2")
    _signed_in_as(page, "session-member")


def test_a_bookmarked_field_outside_the_users_farms_says_so(
    page: Page, served_workspace: str, signed_in_page: Callable
) -> None:
    signed_in_page(page, f"{served_workspace}/field?field=B1", "session-member")
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("Field B1 is not one of the fields you may see")
    expect(main).not_to_contain_text("Field B1 (B1)")


def test_sign_out_then_reload_stays_signed_out(
    page: Page, served_workspace: str, st_wait: Callable, signed_in_page: Callable
) -> None:
    signed_in_page(page, f"{served_workspace}/field?field=A1", "session-agro")
    _signed_in_as(page, "session-agro")
    assert len(_wait_for_session_cookie(page)) == 1
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    st_wait(page)
    _sign_in_form(page)
    expect(page).to_have_url(f"{served_workspace}/")
    page.wait_for_function("!document.cookie.includes('agri_session_')")  # deleted at once
    page.reload()
    st_wait(page)
    _sign_in_form(page)
    assert _session_cookies(page.context) == []

    # Signing in again in the same tab brings the sidebar and a new cookie back.
    main = page.get_by_test_id("stMain")
    main.get_by_label("Username").fill("session-agro")
    main.get_by_label("Password", exact=True).fill("e2e-password-1")
    main.get_by_role("button", name="Sign in").click()
    st_wait(page)
    expect(main.get_by_role("heading", name="Test cooperative")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    _signed_in_as(page, "session-agro")
    assert len(_wait_for_session_cookie(page)) == 1
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    st_wait(page)
    _sign_in_form(page)
    main.get_by_label("Username").fill("session-agro")
    main.get_by_label("Password", exact=True).fill("e2e-password-1")
    main.get_by_role("button", name="Sign in").click()
    st_wait(page)
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    _signed_in_as(page, "session-agro")


def test_a_revoked_sessions_cookie_opens_nothing(
    page: Page,
    served_workspace: str,
    e2e_workspace: storage.Workspace,
    st_wait: Callable,
    signed_in_page: Callable,
) -> None:
    signed_in_page(page, served_workspace, "session-revoked")
    _signed_in_as(page, "session-revoked")
    cookies = _wait_for_session_cookie(page)
    assert len(cookies) == 1

    engine = storage.open_workspace(e2e_workspace)
    try:
        assert access.revoke_sessions(engine, "session-revoked") == 1
    finally:
        engine.dispose()

    # A new browser holding only the stolen cookie is not let in...
    other = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        other.add_cookies(cookies)  # type: ignore[arg-type]
        thief = other.new_page()
        thief.goto(served_workspace)
        st_wait(thief)
        _sign_in_form(thief)
        expect(thief.get_by_test_id("stMain")).to_contain_text("expired or was ended")
        assert _session_cookies(other) == []  # and the dead cookie is deleted
    finally:
        other.close()
    # ... and the user's own browser is signed out at its next reload.
    page.reload()
    st_wait(page)
    _sign_in_form(page)
