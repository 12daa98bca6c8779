"""The `agri` command line: import, status, demo, and its errors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from agri_app.cli import app

runner = CliRunner()


def test_import_twice_reports_nothing_changed(bundle_dir: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    first = runner.invoke(app, ["import", str(bundle_dir), "--workspace", ws])
    assert first.exit_code == 0, first.output
    assert "the workspace changed" in first.stdout
    assert "seasons                       5        0          0" in first.stdout
    second = runner.invoke(app, ["import", str(bundle_dir), "--workspace", ws, "--json"])
    assert second.exit_code == 0, second.output
    assert '"seasons": {"added": 0, "unchanged": 5, "updated": 0}' in second.stdout
    assert second.stdout.lstrip().startswith("{")  # progress goes to stderr, JSON to stdout


def test_workspace_comes_from_the_environment(bundle_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "from-env"
    result = runner.invoke(app, ["import", str(bundle_dir)], env={"AGRI_WORKSPACE": str(ws)})
    assert result.exit_code == 0, result.output
    assert (ws / "agri.db").exists()
    status = runner.invoke(app, ["status"], env={"AGRI_WORKSPACE": str(ws)})
    assert "fields                           3" in status.stdout


def test_bad_bundle_exits_non_zero_with_the_problems(bundle_dir: Path, tmp_path: Path) -> None:
    seasons = bundle_dir / "seasons.csv"
    seasons.write_text(seasons.read_text().replace("winter_wheat,,2023-11-02", ",,2023-11-02"))
    result = runner.invoke(app, ["import", str(bundle_dir), "--workspace", str(tmp_path / "w")])
    assert result.exit_code == 2
    assert "error: the bundle has 1 problem(s); fix them and import again" in result.stderr
    assert "seasons.csv, line 6, column 'crop': value is missing" in result.stderr
    assert not (tmp_path / "w").exists()  # nothing was created for a rejected bundle


def test_demo_without_serving_builds_the_workspace(bundle_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    result = runner.invoke(
        app, ["demo", "--bundle", str(bundle_dir), "--workspace", str(ws), "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    assert "step 2/3: train the models: not available yet" in result.stdout
    assert "run `agri serve` to start it" in result.stdout
    assert (ws / "agri.db").exists()


def test_demo_names_the_fix_when_the_bundle_is_missing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--bundle", str(tmp_path / "nope"), "--no-serve"])
    assert result.exit_code == 2
    assert "pass --bundle DIR" in result.stderr
