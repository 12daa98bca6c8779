"""Start-up of the `agri` command: the light commands load none of the heavy libraries.

Each command runs in a fresh interpreter, because this test session has imported everything
already. The child runs the Typer app through `CliRunner` and prints its exit code, output and
`sorted(sys.modules)` as one JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agri_app.cli import app
from pipelines.store import storage
from tests.conftest import REPO, write_bundle

# Libraries and pipeline modules that only training, advice, reports, satellite fetches and the
# app need; a light command importing any of them (or a submodule) is a start-up regression.
FORBIDDEN_MODULES = (
    "lightgbm",
    "matplotlib",
    "scipy",
    "sentinelhub",
    "weasyprint",
    "streamlit",
    "pipelines.agronomy.features",
    "pipelines.agronomy.season_grid",
    "pipelines.agronomy.waterbalance",
)
SENSOR_EXAMPLES = REPO / "docs" / "examples" / "sensors"
SENSOR_LOG = SENSOR_EXAMPLES / "long_sm-40264.csv"
# The example logger registered on a field of the test workspace (the docs' devices.csv names
# the demo's fields, which `--devices` now refuses against another workspace).
DEVICES = REPO / "tests" / "data" / "devices_sm-40264_on_A1.csv"

CHILD = """
import json, sys
from typer.testing import CliRunner
from agri_app.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({
    "exit_code": result.exit_code,
    "output": result.output,
    "exception": None if result.exception is None else repr(result.exception),
    "modules": sorted(sys.modules),
}))
"""


def run_fresh(*args: str | Path) -> dict[str, Any]:
    """`agri ARGS` in a new interpreter: exit code, output and the modules it loaded."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AGRI_")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    child: dict[str, Any] = json.loads(done.stdout)
    return child


def heavy_modules(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_MODULES)
    ]


def assert_light_and_successful(child: dict[str, Any]) -> None:
    assert child["exit_code"] == 0, (child["output"], child["exception"])
    assert heavy_modules(child["modules"]) == []


def test_help_loads_no_heavy_module() -> None:
    child = run_fresh("--help")
    assert_light_and_successful(child)
    assert "import" in child["output"]


def test_import_into_a_fresh_workspace_loads_no_heavy_module(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "bundle")
    child = run_fresh("import", bundle, "--workspace", tmp_path / "ws")
    assert_light_and_successful(child)
    assert "the workspace changed" in child["output"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["status"], "fields"),
        (["users", "list"], "agronomist"),
        (["sensors", "ingest", SENSOR_LOG, "--devices", DEVICES, "--json"], '"accepted": 48'),
    ],
    ids=["status", "users-list", "sensors-ingest"],
)
def test_workspace_command_loads_no_heavy_module(
    app_workspace: storage.Workspace, args: list[str | Path], expected: str
) -> None:
    child = run_fresh(*args, "--workspace", app_workspace.root)
    assert_light_and_successful(child)
    assert expected in child["output"]


@pytest.mark.parametrize(
    ("flags", "refreshes"),
    [([], [("upload", None)]), (["--no-refresh"], [])],
    ids=["refresh", "no-refresh"],
)
def test_ingest_refreshes_advice_after_accepted_readings(
    app_workspace: storage.Workspace,
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    refreshes: list[tuple[str, None]],
) -> None:
    calls: list[tuple[str, str | None]] = []
    monkeypatch.setattr(
        "agri_app.cli_sensors.refresh_if_trained",
        lambda settings, trigger, cooperative: calls.append((trigger, cooperative)),
    )
    args = ["sensors", "ingest", str(SENSOR_LOG), "--devices", str(DEVICES), "--json"]
    args += ["--workspace", str(app_workspace.root), *flags]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["accepted"] == 48  # stdout holds the JSON only
    assert calls == refreshes
    again = CliRunner().invoke(app, args)  # the same file again: nothing accepted
    assert again.exit_code == 0, again.output
    assert calls == refreshes
