"""`agri users add|list|reset-password|unlock|revoke|remove` on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from agri_app.cli import app
from pipelines.sources.bundle import read_bundle
from pipelines.store import access, schema, storage
from pipelines.store.importer import import_bundle
from tests.agri_app.conftest import PASSWORD
from tests.agri_app.test_startup import assert_light_and_successful, run_fresh
from tests.conftest import write_bundle

Agri = Callable[..., Result]


@pytest.fixture
def agri(workspace: storage.Workspace, tmp_path: Path) -> Agri:
    """`agri(*args)` on the test bundle's workspace (cooperative coop-test, with an admin and a
    member of farm-a), on the workspace fixture's database."""
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(write_bundle(tmp_path / "bundle")), workspace)
    access.add_user(engine, "admin", PASSWORD, "admin", "coop-test")
    access.add_user(engine, "member-a", PASSWORD, "member", "coop-test", ["farm-a"])
    engine.dispose()
    env = {"AGRI_DATABASE_URL": workspace.database_url or ""}

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, "--workspace", str(workspace.root)], env=env)

    return run


@pytest.fixture
def engine(workspace: storage.Workspace, agri: Agri):  # type: ignore[no-untyped-def]
    engine = storage.open_workspace(workspace)
    yield engine
    engine.dispose()


def _password(result: Result) -> str:
    found = re.search(r"^password: (\S+)$", result.output, re.M)
    assert found, result.output
    return found.group(1)


def test_add_defaults_to_the_only_cooperative(agri: Agri, engine) -> None:  # type: ignore[no-untyped-def]
    added = agri("users", "add", "carla", "--role", "agronomist")
    assert added.exit_code == 0, added.output
    assert "user carla (agronomist, coop-test) added" in added.output
    assert access.scope_for(engine, "carla").cooperative_id == "coop-test"
    assert access.authenticate(engine, "carla", _password(added))


def test_add_without_cooperative_names_the_choices_when_there_are_several(
    agri: Agri,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    with engine.begin() as conn:
        conn.execute(
            schema.cooperatives.insert().values(
                cooperative_id="coop-other", cooperative_name="Other", timezone="UTC"
            )
        )
    refused = agri("users", "add", "carla", "--role", "agronomist")
    assert refused.exit_code == 2
    assert "2 cooperatives; pass --cooperative with one of coop-other, coop-test" in (
        refused.output
    )
    assert not access.user_exists(engine, "carla")


def test_replace_works_while_the_user_has_a_session_and_ends_it(agri: Agri, engine) -> None:  # type: ignore[no-untyped-def]
    token = access.authenticate(engine, "member-a", PASSWORD)
    replaced = agri("users", "add", "member-a", "--role", "member", "--farm", "farm-b", "--replace")
    assert replaced.exit_code == 0, replaced.output  # was a foreign-key error (issue 16)
    assert "redefined" in replaced.output
    assert access.session_scope(engine, token) is None
    assert access.scope_for(engine, "member-a").farm_ids == ("farm-b",)
    assert access.authenticate(engine, "member-a", _password(replaced))


def test_reset_password_ends_sessions_and_lifts_the_lockout(agri: Agri, engine) -> None:  # type: ignore[no-untyped-def]
    token = access.authenticate(engine, "member-a", PASSWORD)
    for _ in range(access.MAX_FAILED_ATTEMPTS):
        with pytest.raises(access.AccessError):
            access.authenticate(engine, "member-a", "guess")
    with pytest.raises(access.AccessError, match="agri users unlock"):
        access.authenticate(engine, "member-a", PASSWORD)

    reset = agri("users", "reset-password", "member-a")
    assert reset.exit_code == 0, reset.output
    assert "password of member-a reset; 1 session ended" in reset.output
    assert access.session_scope(engine, token) is None
    with pytest.raises(access.AccessError, match="wrong username or password"):
        access.authenticate(engine, "member-a", PASSWORD)
    assert access.authenticate(engine, "member-a", _password(reset))

    chosen = agri("users", "reset-password", "member-a", "--password", "chosen-pw-1")
    assert chosen.exit_code == 0 and "password:" not in chosen.output
    assert access.authenticate(engine, "member-a", "chosen-pw-1")
    short = agri("users", "reset-password", "member-a", "--password", "short")
    assert short.exit_code == 2 and "at least 8 characters" in short.output


def test_unlock_keeps_the_password(agri: Agri, engine) -> None:  # type: ignore[no-untyped-def]
    for _ in range(access.MAX_FAILED_ATTEMPTS):
        with pytest.raises(access.AccessError):
            access.authenticate(engine, "member-a", "guess")
    assert access.locked_until(engine, "member-a") is not None
    listed = agri("users", "list")
    assert re.search(r"^member-a .* locked until \d\d:\d\d", listed.output, re.M), listed.output

    unlocked = agri("users", "unlock", "member-a")
    assert unlocked.exit_code == 0 and "member-a unlocked" in unlocked.output
    assert access.authenticate(engine, "member-a", PASSWORD)
    again = agri("users", "unlock", "member-a")
    assert again.exit_code == 0 and "member-a was not locked" in again.output


def test_revoke_signs_out_every_session(agri: Agri, engine) -> None:  # type: ignore[no-untyped-def]
    tokens = [access.authenticate(engine, "admin", PASSWORD) for _ in range(2)]
    other = access.authenticate(engine, "member-a", PASSWORD)
    listed = agri("users", "list")
    assert re.search(r"^admin .* \d{4}-\d\d-\d\d \d\d:\d\d\s+2  active", listed.output, re.M), (
        listed.output
    )
    revoked = agri("users", "revoke", "admin")
    assert revoked.exit_code == 0 and "admin: 2 sessions ended" in revoked.output
    assert all(access.session_scope(engine, t) is None for t in tokens)
    assert access.session_scope(engine, other) is not None  # another user's session lives on


def test_remove_deletes_the_user_and_its_sessions(agri: Agri, engine) -> None:  # type: ignore[no-untyped-def]
    token = access.authenticate(engine, "member-a", PASSWORD)
    removed = agri("users", "remove", "member-a")
    assert removed.exit_code == 0, removed.output
    assert "user member-a removed; 1 session ended" in removed.output
    assert access.session_scope(engine, token) is None
    assert not access.user_exists(engine, "member-a")
    with pytest.raises(access.AccessError):
        access.authenticate(engine, "member-a", PASSWORD)
    assert "member-a" not in agri("users", "list").output
    # The name can be given again, starting afresh.
    assert agri("users", "add", "member-a", "--farm", "farm-a").exit_code == 0


@pytest.mark.parametrize("command", ["reset-password", "unlock", "revoke", "remove"])
def test_an_unknown_user_is_refused_with_the_list_command(agri: Agri, command: str) -> None:
    result = agri("users", command, "nobody")
    assert result.exit_code == 2
    assert "no user 'nobody'; `agri users list` shows who exists" in result.output


def test_the_users_commands_load_no_heavy_library(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(write_bundle(tmp_path / "bundle")), workspace)
    access.add_user(engine, "admin", PASSWORD, "admin", "coop-test")
    engine.dispose()
    for args in (["users", "unlock", "admin"], ["users", "revoke", "admin"]):
        assert_light_and_successful(run_fresh(*args, "--workspace", workspace.root))
