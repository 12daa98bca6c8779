"""The Users page (admins only) through AppTest: list, reset a password, unlock, sign out
everywhere, remove; refused for the other roles; user names shown as typed (issue 16)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from agri_app.app.text import escape_markdown
from pipelines.store import access, storage
from tests.agri_app.conftest import PASSWORD

USERS_PAGE = "views/users.py"


@pytest.fixture
def engine(app_workspace: storage.Workspace):  # type: ignore[no-untyped-def]
    engine = storage.open_workspace(app_workspace)
    yield engine
    engine.dispose()


def _choose(at: AppTest, username: str) -> AppTest:
    at.selectbox(key="users_page_user").select(username)
    at.run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("username", ["agro", "member-a"])
def test_other_roles_are_refused(signed_in: Callable[..., AppTest], username: str) -> None:
    at = signed_in(username, USERS_PAGE)
    assert at.title[0].value == "Users"
    assert "Only an admin of the cooperative manages users" in at.warning[0].value
    assert not at.dataframe and not at.selectbox


def test_admin_sees_every_user_of_the_cooperative(
    signed_in: Callable[..., AppTest], engine
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(access.MAX_FAILED_ATTEMPTS):
        with pytest.raises(access.AccessError):
            access.authenticate(engine, "member-b", "guess")
    at = signed_in("admin", USERS_PAGE)
    table = at.dataframe[0].value.set_index("User")
    assert list(table.index) == ["admin", "agro", "member-a", "member-b"]
    assert table.loc["agro", "Role"] == "agronomist"
    assert table.loc["member-a", "Farms"] == "farm-a"
    assert table.loc["agro", "Farms"] == "all farms"
    assert table.loc["member-b", "State"].startswith("locked until ")
    assert table.loc["admin", "State"] == "active"
    assert table.loc["admin", "Open sessions"] == 1  # this very session
    assert table.loc["agro", "Last sign-in"] == "-"
    assert table.loc["admin", "Last sign-in"].endswith(" UTC")
    # Own account: nothing to do here (it would sign the admin out or lock them out).
    assert at.selectbox(key="users_page_user").value == "admin"
    assert all(at.button(key=k).disabled for k in ("users_reset", "users_revoke", "users_remove"))


def test_admin_resets_a_password_which_ends_the_sessions(
    signed_in: Callable[..., AppTest],
    engine,  # type: ignore[no-untyped-def]
) -> None:
    token = access.authenticate(engine, "member-a", PASSWORD)
    at = _choose(signed_in("admin", USERS_PAGE), "member-a")
    _click(at, "users_reset")
    assert at.success[0].value == "New password for member\\-a; 1 session ended."
    new_password = at.code[0].value
    assert access.session_scope(engine, token) is None
    assert access.authenticate(engine, "member-a", new_password)
    with pytest.raises(access.AccessError):
        access.authenticate(engine, "member-a", PASSWORD)
    at.run()  # shown once
    assert not at.code


def test_admin_unlocks_and_signs_a_user_out_everywhere(
    signed_in: Callable[..., AppTest],
    engine,  # type: ignore[no-untyped-def]
) -> None:
    for _ in range(access.MAX_FAILED_ATTEMPTS):
        with pytest.raises(access.AccessError):
            access.authenticate(engine, "member-b", "guess")
    tokens = [access.authenticate(engine, "agro", PASSWORD) for _ in range(2)]
    at = _choose(signed_in("admin", USERS_PAGE), "member-b")
    assert at.button(key="users_revoke").disabled  # no session to end
    _click(at, "users_unlock")
    assert at.success[0].value == "member\\-b unlocked."
    assert access.authenticate(engine, "member-b", PASSWORD)

    _choose(at, "agro")
    assert at.button(key="users_unlock").disabled  # not locked
    assert at.button(key="users_revoke").label == "Sign out everywhere (2)"
    _click(at, "users_revoke")
    assert at.success[0].value == "agro signed out everywhere; 2 sessions ended."
    assert all(access.session_scope(engine, t) is None for t in tokens)


def test_admin_removes_a_user_after_confirming(signed_in: Callable[..., AppTest], engine) -> None:  # type: ignore[no-untyped-def]
    at = _choose(signed_in("admin", USERS_PAGE), "member-b")
    assert at.button(key="users_remove").disabled  # not confirmed yet
    at.checkbox(key="users_remove_confirm").check()
    at.run()
    _click(at, "users_remove")
    assert at.success[0].value == "member\\-b removed; 0 sessions ended."
    assert not access.user_exists(engine, "member-b")
    assert "member-b" not in list(at.dataframe[0].value["User"])


MARKDOWN_NAME = "[click](javascript:alert(1))"


def test_a_markdown_user_name_is_shown_as_typed(
    signed_in: Callable[..., AppTest],
    engine,  # type: ignore[no-untyped-def]
) -> None:
    access.add_user(engine, MARKDOWN_NAME, PASSWORD, "admin", "coop-test")
    at = signed_in(MARKDOWN_NAME, USERS_PAGE)
    escaped = "\\[click\\]\\(javascript\\:alert\\(1\\)\\)"
    assert escape_markdown(MARKDOWN_NAME) == escaped
    assert at.sidebar.caption[0].value == f"Signed in as **{escaped}** (admin, coop\\-test)"
    assert MARKDOWN_NAME in list(at.dataframe[0].value["User"])  # a table cell is plain text

    at = _choose(signed_in("admin", USERS_PAGE), MARKDOWN_NAME)
    _click(at, "users_revoke")  # the session opened above
    assert at.success[0].value == f"{escaped} signed out everywhere; 1 session ended."
