"""`agri satellite fetch` end to end: the command, the real client, the loopback service."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agri_app.cli import app
from tests.pipelines.satellite.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    STATISTICS_PATH,
    TOKEN_PATH,
    FakeSentinelHub,
)

runner = CliRunner()
JUNE = ["--since", "2024-06-01", "--until", "2024-06-30"]


def _imported_workspace(bundle_dir: Path, tmp_path: Path) -> str:
    workspace = str(tmp_path / "ws")
    result = runner.invoke(app, ["import", str(bundle_dir), "--workspace", workspace])
    assert result.exit_code == 0, result.output
    return workspace


def _sentinel_hub_env(server: FakeSentinelHub, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {
        "SH_CLIENT_ID": CLIENT_ID,
        "SH_CLIENT_SECRET": secret,
        "SH_BASE_URL": server.url,
        "SH_TOKEN_URL": server.url + TOKEN_PATH,
    }


def test_fetch_then_fetch_again_from_the_cache(
    sentinel_hub: FakeSentinelHub, bundle_dir: Path, tmp_path: Path
) -> None:
    workspace = _imported_workspace(bundle_dir, tmp_path)
    env = _sentinel_hub_env(sentinel_hub)

    first = runner.invoke(app, ["satellite", "fetch", "--workspace", workspace, *JUNE], env=env)

    assert first.exit_code == 0, first.output
    assert f"from Sentinel Hub Statistical API at {sentinel_hub.url}" in first.stderr
    assert "3/3 done" in first.stderr  # progress on stderr, the summary on stdout
    assert "fetched: 3  cached: 0  skipped: 0" in first.stdout
    # Six June passes per field; the bundle already had 9, 19 and 29 June.
    assert "observations: 18 (rows added 9, updated 9, unchanged 0)" in first.stdout
    assert sentinel_hub.count(STATISTICS_PATH) == 3
    requests_so_far = sentinel_hub.count()

    second = runner.invoke(app, ["satellite", "fetch", "--workspace", workspace, *JUNE], env=env)

    assert second.exit_code == 0, second.output
    assert "fetched: 0  cached: 3  skipped: 0" in second.stdout
    assert "observations: 18 (rows added 0, updated 0, unchanged 18)" in second.stdout
    assert sentinel_hub.count() == requests_so_far  # not even a token request
    assert CLIENT_SECRET not in first.output + second.output


def test_fetch_some_fields(sentinel_hub: FakeSentinelHub, bundle_dir: Path, tmp_path: Path) -> None:
    workspace = _imported_workspace(bundle_dir, tmp_path)
    args = ["satellite", "fetch", "--workspace", workspace, "--fields", "A1,B1", *JUNE]
    result = runner.invoke(app, args, env=_sentinel_hub_env(sentinel_hub))
    assert result.exit_code == 0, result.output
    assert "2 field(s)" in result.stdout
    assert sentinel_hub.count(STATISTICS_PATH) == 2

    unknown = runner.invoke(
        app,
        ["satellite", "fetch", "--workspace", workspace, "--fields", "Z9", *JUNE],
        env=_sentinel_hub_env(sentinel_hub),
    )
    assert unknown.exit_code == 2
    assert "no field 'Z9'; its fields are A1, A2, B1" in unknown.stderr


def test_without_credentials_the_command_explains_and_fails(
    bundle_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SH_CLIENT_ID", "SH_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    workspace = _imported_workspace(bundle_dir, tmp_path)

    result = runner.invoke(app, ["satellite", "fetch", "--workspace", workspace, *JUNE])

    assert result.exit_code == 2
    assert "Sentinel Hub credentials are not set" in result.stderr
    assert "SH_CLIENT_ID and SH_CLIENT_SECRET" in result.stderr
    assert "--source local" in result.stderr


def test_local_source_works_offline_on_the_imported_rows(
    bundle_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SH_CLIENT_ID", "SH_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    workspace = _imported_workspace(bundle_dir, tmp_path)
    args = ["satellite", "fetch", "--workspace", workspace, "--source", "local"]

    result = runner.invoke(app, [*args, "--since", "2024-01-01", "--until", "2024-12-31"])

    assert result.exit_code == 0, result.output
    assert "source: workspace database" in result.stdout
    assert "observations: 39 (rows added 0, updated 0, unchanged 39)" in result.stdout


def test_rejected_credentials_fail_with_one_line_and_no_secret(
    sentinel_hub: FakeSentinelHub, bundle_dir: Path, tmp_path: Path
) -> None:
    workspace = _imported_workspace(bundle_dir, tmp_path)
    wrong = "not-the-secret-" + CLIENT_SECRET
    result = runner.invoke(
        app,
        ["satellite", "fetch", "--workspace", workspace, *JUNE],
        env=_sentinel_hub_env(sentinel_hub, secret=wrong),
    )
    assert result.exit_code == 2
    assert "error: Sentinel Hub refused the credentials" in result.stderr
    assert "Invalid client credentials" in result.stderr
    assert wrong not in result.output and CLIENT_SECRET not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_bad_date_names_the_format(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["satellite", "fetch", "--workspace", str(tmp_path / "ws"), "--since", "1/6/2024"],
        env={"SH_CLIENT_ID": "x", "SH_CLIENT_SECRET": "y"},
    )
    assert result.exit_code == 2
    assert "--since '1/6/2024' is not a date; write YYYY-MM-DD" in result.stderr
