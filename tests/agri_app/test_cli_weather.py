"""`agri weather forecast` against a loopback Open-Meteo-compatible server: stored once with the
issue date, a second run changes nothing, a missing service names the setting that fixes it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from agri_app.cli import app
from pipelines.store import storage
from pipelines.store.forecasts import latest_forecast
from tests.conftest import dump_database
from tests.pipelines.test_forecast import FakeOpenMeteo, closed_port_url, serve_fake_open_meteo

runner = CliRunner()


def _today() -> date:
    # The test bundle's cooperative is in Europe/Amsterdam: its "today" is the issue day.
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


@pytest.fixture
def service() -> Iterator[str]:
    """The forecast service, answering from today on as Open-Meteo does."""
    with serve_fake_open_meteo(first_day=_today().isoformat()) as url:
        yield url


@pytest.fixture
def imported(bundle_dir: Path, tmp_path: Path) -> Path:
    """A workspace holding the test bundle (station 'st-1' serving three fields)."""
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["import", str(bundle_dir), "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    return ws


def _forecast(ws: Path, *args: str, url: str) -> Result:
    return runner.invoke(
        app,
        ["weather", "forecast", "--workspace", str(ws), *args],
        env={"AGRI_FORECAST_URL": url, "AGRI_FORECAST_TIMEOUT_S": "5"},
    )


def test_forecast_is_stored_with_its_issue_date_once(imported: Path, service: str) -> None:
    today = _today()
    first = _forecast(imported, url=service)
    assert first.exit_code == 0, first.output
    end = today + pd.Timedelta(days=13)
    # 14 days of the fake's 0.0, 3.4, 12.1 mm cycle: 4 × 15.5 + 0.0 + 3.4
    line = f"st-1  issued {today}  14 days ({today} to {end.isoformat()})  rain 65.4 mm"
    assert line in first.stdout
    assert "stored 14 new rows, 0 updated" in first.stdout
    (query,) = FakeOpenMeteo.queries
    assert query["latitude"] == ["51.9500"] and query["forecast_days"] == ["14"]

    workspace = storage.Workspace(imported)
    engine = storage.connect(workspace.db_url)
    stored = latest_forecast(engine, ["st-1"], today)
    engine.dispose()
    assert len(stored) == 14
    assert (stored["issued_date"] == pd.Timestamp(today)).all()
    assert stored["date"].min() == pd.Timestamp(today)
    before = dump_database(workspace.db_url)

    second = _forecast(imported, url=service)
    assert second.exit_code == 0, second.output
    assert "stored 0 new rows, 0 updated, 14 unchanged" in second.stdout
    assert dump_database(workspace.db_url) == before


def test_json_summary_for_chosen_stations_and_days(imported: Path, service: str) -> None:
    result = _forecast(imported, "--station", "st-1", "--days", "3", "--json", url=service)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == 3 and summary["updated"] == 0
    (station,) = summary["stations"]
    assert station["station_id"] == "st-1" and station["days"] == 3
    assert station["issued_date"] == _today().isoformat()
    assert station["precip_mm"] == pytest.approx(15.5)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (closed_port_url, "cannot reach the forecast service"),
        (lambda: "{service}/not-open-meteo", "HTTP 404: Not Found"),
    ],
    ids=["service down", "wrong address"],
)
def test_a_missing_service_exits_non_zero_naming_the_setting(
    imported: Path, service: str, url: Callable[[], str], reason: str
) -> None:
    address = url().format(service=service)
    before = dump_database(storage.Workspace(imported).db_url)
    result = _forecast(imported, url=address)
    assert result.exit_code != 0
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert reason in error and "AGRI_FORECAST_URL" in error
    assert dump_database(storage.Workspace(imported).db_url) == before


def test_an_empty_workspace_says_to_import_first(tmp_path: Path, service: str) -> None:
    result = _forecast(tmp_path / "empty", url=service)
    assert result.exit_code == 2
    assert "run `agri import BUNDLE` first" in result.stderr
    assert not FakeOpenMeteo.queries


def test_an_unknown_station_is_refused_with_the_known_ones(imported: Path, service: str) -> None:
    result = _forecast(imported, "--station", "st-9", url=service)
    assert result.exit_code == 2
    assert "no station 'st-9'" in result.stderr
    assert "stations: st-1" in result.stderr
