"""`agri demo` creates one user per role once and prints their passwords."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from agri_app.cli import app
from pipelines.store import access, storage


def test_demo_creates_one_user_per_role_idempotently(bundle_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["demo", "--workspace", str(tmp_path / "ws"), "--bundle", str(bundle_dir), "--no-serve"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    passwords = dict(re.findall(r"^\s+(\w+)\s+\(.*\): password (\S+)$", first.output, re.M))
    assert set(passwords) == {"admin", "agronomist", "member"}
    engine = storage.open_workspace(storage.Workspace(tmp_path / "ws"))
    for username, password in passwords.items():
        assert access.authenticate(engine, username, password)
    assert access.scope_for(engine, "member").farm_ids == ("farm-a",)
    assert access.scope_for(engine, "agronomist").farm_ids is None

    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "password unchanged" in second.output
    assert access.authenticate(engine, "admin", passwords["admin"])
    engine.dispose()
