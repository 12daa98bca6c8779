"""Access control in the library layer: passwords, lockout, sessions and scoped queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agri_app.cli_users import users_app
from pipelines.sources.sensors.ingest import ingest_file
from pipelines.store import access, queries, schema, storage
from pipelines.store.reports import record_report, scoped_reports
from tests.agri_app.conftest import PASSWORD, make_workspace

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LOG_A = (
    b"device_id,port,depth_cm,variable,ts,value,unit\n"
    b"dev-1,1,10,vwc_m3_m3,2024-06-01T00:00:00Z,0.281,m3/m3\n"
    b"dev-1,1,10,vwc_m3_m3,2024-06-01T01:00:00Z,oops,m3/m3\n"
)


@pytest.fixture
def ws(tmp_path: Path) -> storage.Workspace:
    return make_workspace(tmp_path)


@pytest.fixture
def engine(ws: storage.Workspace):  # type: ignore[no-untyped-def]
    engine = storage.open_workspace(ws)
    yield engine
    engine.dispose()


def test_hashes_are_scrypt_with_a_salt_per_user() -> None:
    one, two = access.hash_password("secret-pw-1"), access.hash_password("secret-pw-1")
    assert one.startswith("scrypt$16384$8$1$") and one != two
    assert access.verify_password("secret-pw-1", one)
    assert not access.verify_password("secret-pw-2", one)


def test_password_is_not_stored(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        stored = conn.execute(schema.users.select()).mappings().all()
    assert all(PASSWORD not in row["password_hash"] for row in stored)


def test_wrong_password_and_unknown_user_fail(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(access.AccessError, match="wrong username or password"):
        access.authenticate(engine, "admin", "not the password", now=NOW)
    with pytest.raises(access.AccessError, match="wrong username or password"):
        access.authenticate(engine, "nobody", PASSWORD, now=NOW)
    token = access.authenticate(engine, "admin", PASSWORD, now=NOW)
    assert access.session_scope(engine, token, now=NOW) == access.Scope(
        "admin", "admin", "coop-test", None
    )


def test_lockout_holds_even_with_the_right_password(engine) -> None:  # type: ignore[no-untyped-def]
    for i in range(access.MAX_FAILED_ATTEMPTS):
        with pytest.raises(access.AccessError, match="wrong"):
            access.authenticate(engine, "agro", "guess", now=NOW + timedelta(seconds=i))
    later = NOW + timedelta(minutes=5)
    with pytest.raises(access.AccessError, match="too many failed sign-ins"):
        access.authenticate(engine, "agro", PASSWORD, now=later)
    with pytest.raises(access.AccessError, match="too many failed sign-ins"):
        access.authenticate(engine, "agro", PASSWORD, now=later + timedelta(minutes=1))
    # other users are not affected, and the lock lifts after LOCKOUT
    access.authenticate(engine, "admin", PASSWORD, now=later)
    assert access.authenticate(engine, "agro", PASSWORD, now=NOW + timedelta(minutes=20))


def test_sessions_expire_and_end(engine) -> None:  # type: ignore[no-untyped-def]
    token = access.authenticate(engine, "member-a", PASSWORD, now=NOW)
    assert access.session_scope(engine, token, now=NOW + timedelta(hours=7)) is not None
    assert access.session_scope(engine, token, now=NOW + access.SESSION_LIFETIME) is None
    assert access.session_scope(engine, "forged-token", now=NOW) is None
    access.end_session(engine, token)
    assert access.session_scope(engine, token, now=NOW) is None


@pytest.mark.parametrize(
    ("role", "farms", "message"),
    [
        ("owner", (), "unknown role"),
        ("member", (), "needs at least one farm"),
        ("member", ("farm-x",), "not in"),
    ],
)
def test_invalid_users_are_refused(engine, role: str, farms: tuple, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(access.AccessError, match=message):
        access.add_user(engine, "new", "long-enough-pw", role, "coop-test", farms)


def test_member_of_farm_a_cannot_see_farm_b(engine, ws: storage.Workspace) -> None:  # type: ignore[no-untyped-def]
    a = access.scope_for(engine, "member-a")
    b = access.scope_for(engine, "member-b")
    admin = access.scope_for(engine, "admin")
    assert list(queries.scoped_fields(engine, a)["field_id"]) == ["A1", "A2"]
    assert list(queries.scoped_fields(engine, b)["field_id"]) == ["B1"]
    assert list(queries.scoped_fields(engine, admin)["field_id"]) == ["A1", "A2", "B1"]
    assert queries.scoped_cooperative(engine, b)["fields"] == 1
    for read in (
        queries.scoped_field_seasons,
        queries.scoped_field_satellite,
        queries.scoped_field_weather,
        queries.scoped_field_operations,
        queries.scoped_field_sensor_daily,
    ):
        assert read(engine, b, "A1").empty, read.__name__
        assert read(engine, b, "B1").empty == (read is queries.scoped_field_sensor_daily) or (
            read is queries.scoped_field_operations
        ), read.__name__

    # sensor data: farm A's upload (with a rejected row) is invisible to member B
    report = ingest_file(engine, ws, LOG_A, file_name="a.csv", uploaded_by="member-a")
    assert report.accepted == 1 and report.upload_id is not None
    assert not queries.scoped_field_sensor_daily(engine, a, "A2").empty
    assert queries.scoped_field_sensor_daily(engine, b, "A2").empty
    assert list(queries.scoped_uploads(engine, a)["file_name"]) == ["a.csv"]
    assert queries.scoped_uploads(engine, b).empty
    assert len(queries.scoped_quarantine(engine, a, report.upload_id)) == 1
    assert queries.scoped_quarantine(engine, b, report.upload_id).empty
    assert queries.scoped_fields(engine, b)["last_sensor"].isna().all()
    assert list(queries.scoped_devices(engine, b)["device_id"]) == []
    assert set(queries.scoped_devices(engine, a)["device_id"]) == {"dev-1"}

    # reports: recorded rows, visible by exact farm id (more in test_reports.py)
    for kind, owner in (("farm", "farm-a"), ("farm", "farm-b"), ("cooperative", "coop-test")):
        record_report(
            engine,
            cooperative_id="coop-test",
            owner_kind=kind,
            owner_id=owner,
            week="2025-W22",
            issued_date=date(2025, 6, 2),
            files={"html": f"2025-W22/2025-W22_{owner}.html"},
            advice_run_id=None,
        )
    assert list(scoped_reports(engine, b)["owner_id"]) == ["farm-b"]
    assert len(scoped_reports(engine, admin)) == 3


def test_users_cli_adds_and_lists(ws: storage.Workspace) -> None:
    runner = CliRunner()
    base = ["--workspace", str(ws.root)]
    result = runner.invoke(
        users_app,
        [
            "add",
            "carla",
            "--role",
            "member",
            "--cooperative",
            "coop-test",
            "--farm",
            "farm-b",
            *base,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "password: " in result.output
    password = result.output.split("password: ")[1].strip()
    engine = storage.open_workspace(ws)
    assert access.authenticate(engine, "carla", password)
    assert access.scope_for(engine, "carla").farm_ids == ("farm-b",)
    again = runner.invoke(
        users_app, ["add", "carla", "--role", "admin", "--cooperative", "coop-test", *base]
    )
    assert again.exit_code == 2 and "exists already" in again.output
    listed = runner.invoke(users_app, ["list", *base])
    assert "carla" in listed.output and "farm-b" in listed.output
    engine.dispose()


def test_cookie_carries_the_token_until_it_expires_and_refuses_tampering(tmp_path: Path) -> None:
    secret = access.workspace_secret(tmp_path)
    assert access.workspace_secret(tmp_path) == secret  # made once, then read
    assert ((tmp_path / access.SECRET_FILE).stat().st_mode & 0o777) == 0o600
    assert access.workspace_secret(tmp_path / "other") != secret
    token = "opaque-token_1"
    cookie = access.sign_cookie(secret, token, NOW + timedelta(hours=8))
    assert access.token_from_cookie(secret, cookie, now=NOW) == token
    assert access.token_from_cookie(secret, cookie, now=NOW + timedelta(hours=8)) is None
    payload, _, signature = cookie.rpartition(".")
    later = payload.replace(str(int((NOW + timedelta(hours=8)).timestamp())), "9999999999")
    forged = [
        f"{later}.{signature}",  # a longer life under the old signature
        f"other-token.{payload.split('.')[1]}.{signature}",
        f"{payload}.{'0' * 64}",
        token,
        "",
        "a.b.c",
    ]
    for value in forged:
        assert access.token_from_cookie(secret, value, now=NOW) is None, value
    assert (
        access.token_from_cookie(access.workspace_secret(tmp_path / "x"), cookie, now=NOW) is None
    )


def test_user_statuses_show_lockout_last_sign_in_and_sessions(engine) -> None:  # type: ignore[no-untyped-def]
    access.authenticate(engine, "admin", PASSWORD, now=NOW - timedelta(hours=1))
    access.authenticate(engine, "admin", PASSWORD, now=NOW)
    for i in range(access.MAX_FAILED_ATTEMPTS):
        with pytest.raises(access.AccessError):
            access.authenticate(engine, "agro", "guess", now=NOW + timedelta(seconds=i))
    statuses = {s.username: s for s in access.user_statuses(engine, "coop-test", now=NOW)}
    assert set(statuses) == {"admin", "agro", "member-a", "member-b"}
    assert statuses["admin"].last_sign_in == NOW and statuses["admin"].live_sessions == 2
    assert statuses["admin"].locked_until is None
    assert statuses["agro"].last_sign_in is None
    assert statuses["agro"].locked_until == NOW + timedelta(seconds=4) + access.LOCKOUT
    assert statuses["member-b"].farm_ids == ("farm-b",) and statuses["admin"].farm_ids == ()
    assert access.user_statuses(engine, "coop-elsewhere", now=NOW) == []


def test_only_cooperative_of_an_empty_workspace_says_to_import(tmp_path: Path) -> None:
    engine = storage.open_workspace(storage.Workspace(tmp_path / "empty"))
    with pytest.raises(access.AccessError, match="no cooperative yet.*agri import BUNDLE"):
        access.only_cooperative(engine)
    engine.dispose()
