"""Weather forecasts: Open-Meteo JSON, forecast CSV, the HTTP client on a loopback server, and
the bundle's forecast.csv."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.agronomy.waterbalance import water_balance_table
from pipelines.agronomy.weather import daily_reference_et, saturation_vapour_pressure_kpa
from pipelines.sources.bundle import read_bundle
from pipelines.sources.forecast import (
    DAILY_VARIABLES,
    FORECAST_COLUMN_NAMES,
    ForecastSettings,
    ForecastUnavailableError,
    OpenMeteoClient,
    parse_open_meteo_daily,
    read_forecast_csv,
    weather_with_forecast,
    wind_at_2m_m_s,
    write_forecast_csv,
)
from pipelines.tables import InputError
from tests.conftest import bundle_sources

SAMPLE_BUNDLE = Path(__file__).resolve().parents[2] / "sample_data" / "demo"
ISSUED = date(2025, 6, 1)


def _cycle(values: list[Any], days: int) -> list[Any]:
    """`days` values repeating `values`: any forecast length from three days of weather."""
    return [values[i % len(values)] for i in range(days)]


def open_meteo_response(
    days: int = 3, first_day: str = "2025-06-02", **overrides: Any
) -> dict[str, Any]:
    """The shape of Open-Meteo's /v1/forecast answer with daily variables (default units)."""
    times = [str(d.date()) for d in pd.date_range(first_day, periods=days, freq="D")]
    daily: dict[str, list[Any]] = {
        "time": times,
        "temperature_2m_min": _cycle([11.2, 12.0, 9.4], days),
        "temperature_2m_max": _cycle([21.5, 24.1, 18.0], days),
        "precipitation_sum": _cycle([0.0, 3.4, 12.1], days),
        "shortwave_radiation_sum": _cycle([24.5, 19.8, 8.7], days),
        "dew_point_2m_mean": _cycle([9.0, 15.0, None], days),
        "relative_humidity_2m_mean": _cycle([70, 74, 88], days),
        "wind_speed_10m_mean": _cycle([10.8, 14.4, 21.6], days),
    }
    units = {
        "time": "iso8601",
        "temperature_2m_min": "°C",
        "temperature_2m_max": "°C",
        "precipitation_sum": "mm",
        "shortwave_radiation_sum": "MJ/m²",
        "dew_point_2m_mean": "°C",
        "relative_humidity_2m_mean": "%",
        "wind_speed_10m_mean": "km/h",
    }
    payload: dict[str, Any] = {
        "latitude": 51.94,
        "longitude": 5.6,
        "elevation": 9.0,
        "timezone": "Europe/Amsterdam",
        "daily_units": units,
        "daily": daily,
    }
    payload.update(overrides)
    return payload


def test_fao56_example_14_wind_from_10_m_to_2_m() -> None:
    # FAO-56 Example 14: 3.2 m/s measured at 10 m is 2.4 m/s at 2 m (eq. 47).
    assert wind_at_2m_m_s(np.array([3.2]), 10.0)[0] == pytest.approx(2.4, abs=0.01)
    assert wind_at_2m_m_s(np.array([3.2]), 2.0)[0] == pytest.approx(3.2, abs=0.01)


def test_parse_open_meteo_daily_converts_units() -> None:
    rows = parse_open_meteo_daily(open_meteo_response(), station_id="st-1", issued_date=ISSUED)
    assert list(rows.columns) == list(FORECAST_COLUMN_NAMES)
    assert rows["date"].tolist() == list(pd.date_range("2025-06-02", periods=3, freq="D"))
    assert (rows["issued_date"] == pd.Timestamp(ISSUED)).all()
    assert (rows["station_id"] == "st-1").all()
    np.testing.assert_allclose(rows["tmin_degc"], [11.2, 12.0, 9.4])
    np.testing.assert_allclose(rows["precip_mm"], [0.0, 3.4, 12.1])
    # 10.8 km/h = 3 m/s at 10 m, times 4.87 / ln(67.8 × 10 − 5.42) at 2 m
    np.testing.assert_allclose(rows["wind_m_s"], np.array([3.0, 4.0, 6.0]) * 0.7480, rtol=1e-3)
    # Dew point 15 °C: e°(15) = 1.705 kPa (FAO-56 Table 2.3); no dew point: the mean RH is kept.
    assert rows["vp_kpa"].iloc[1] == pytest.approx(1.705, abs=0.001)
    assert rows["vp_kpa"].iloc[0] == pytest.approx(saturation_vapour_pressure_kpa(9.0))
    assert np.isnan(rows["vp_kpa"].iloc[2]) and rows["rh_pct"].iloc[2] == 88
    assert rows["rh_pct"].iloc[:2].isna().all()


def test_optional_variables_may_be_absent() -> None:
    payload = open_meteo_response()
    for name in ("shortwave_radiation_sum", "dew_point_2m_mean", "relative_humidity_2m_mean"):
        del payload["daily"][name]
    del payload["daily"]["wind_speed_10m_mean"]
    rows = parse_open_meteo_daily(payload, station_id="st-1", issued_date=ISSUED)
    assert rows[["rad_mj_m2", "vp_kpa", "rh_pct", "wind_m_s"]].isna().all().all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["daily_units"].update(temperature_2m_max="°F"), "temperature_unit=celsius"),
        (lambda p: p["daily_units"].update(wind_speed_10m_mean="bft"), "wind_speed_unit=ms"),
        (lambda p: p["daily_units"].update(precipitation_sum="cm"), "precipitation_unit=mm"),
        (lambda p: p["daily"].pop("precipitation_sum"), "lacks precipitation_sum"),
        (lambda p: p["daily"]["temperature_2m_min"].pop(), "has 2 values for 3 days"),
        (lambda p: p.pop("daily"), "no daily.time"),
    ],
)
def test_parse_refuses_what_it_cannot_convert(change: Any, message: str) -> None:
    payload = open_meteo_response()
    change(payload)
    with pytest.raises(ValueError, match=message):
        parse_open_meteo_daily(payload, station_id="st-1", issued_date=ISSUED)


def test_inch_precipitation_and_mph_wind_are_converted() -> None:
    payload = open_meteo_response()
    payload["daily_units"].update(precipitation_sum="inch", wind_speed_10m_mean="mp/h")
    payload["daily"]["precipitation_sum"] = [0.0, 0.1, 1.0]
    rows = parse_open_meteo_daily(payload, station_id="st-1", issued_date=ISSUED)
    np.testing.assert_allclose(rows["precip_mm"], [0.0, 2.54, 25.4])
    np.testing.assert_allclose(rows["wind_m_s"].iloc[0], 10.8 * 0.44704 * 0.7480, rtol=1e-3)


def test_out_of_range_values_are_caught_at_the_boundary() -> None:
    payload = open_meteo_response()
    payload["daily"]["shortwave_radiation_sum"] = [24500.0, 19.8, 8.7]  # kJ/m² by mistake
    with pytest.raises(InputError, match="kJ"):
        parse_open_meteo_daily(payload, station_id="st-1", issued_date=ISSUED)


def test_service_error_payload() -> None:
    payload = {"error": True, "reason": "Latitude must be in range of -90 to 90°."}
    with pytest.raises(ForecastUnavailableError, match="Latitude must be in range"):
        parse_open_meteo_daily(payload, station_id="st-1", issued_date=ISSUED)


def test_csv_round_trip_and_errors(tmp_path: Path) -> None:
    rows = parse_open_meteo_daily(open_meteo_response(), station_id="st-1", issued_date=ISSUED)
    path = tmp_path / "forecast.csv"
    write_forecast_csv(rows, path)
    back = read_forecast_csv(path)
    pd.testing.assert_frame_equal(back, rows, atol=1e-3)

    bad = pd.read_csv(path, dtype=str, keep_default_na=False)
    bad.loc[0, ["tmin_degc", "tmax_degc"]] = ["25.0", "12.0"]
    bad.loc[1, "date"] = "2025-05-30"
    bad.loc[2, "vp_kpa"] = "14.2"
    bad.to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        read_forecast_csv(path)
    text = str(info.value)
    assert "swapped" in text and "before issued_date" in text and "hPa" in text


class FakeOpenMeteo(BaseHTTPRequestHandler):
    """Answers /v1/forecast like Open-Meteo; remembers the queries it was sent.

    Its forecasts start on `first_day` (Open-Meteo's start on the location's today).
    """

    queries: list[dict[str, list[str]]] = []
    first_day = "2025-06-02"

    def do_GET(self) -> None:
        parsed = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(parsed.query)
        self.queries.append(query)
        if parsed.path != "/v1/forecast":
            self._send(404, {"error": True, "reason": "Not Found"})
        elif not -90 <= float(query["latitude"][0]) <= 90:
            self._send(400, {"error": True, "reason": "Latitude must be in range of -90 to 90°."})
        else:
            days = int(query["forecast_days"][0])
            payload = open_meteo_response(days=days, first_day=self.first_day)
            if query.get("wind_speed_unit") == ["ms"]:
                payload["daily_units"]["wind_speed_10m_mean"] = "m/s"
                payload["daily"]["wind_speed_10m_mean"] = _cycle([3.0, 4.0, 6.0], days)
            self._send(200, payload)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_fake_open_meteo(first_day: str = FakeOpenMeteo.first_day) -> Iterator[str]:
    """A loopback Open-Meteo-compatible server; yields its base URL (for AGRI_FORECAST_URL)."""
    FakeOpenMeteo.queries = []
    FakeOpenMeteo.first_day = first_day
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenMeteo)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """The URL of a loopback port nobody listens on: the forecast service down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def fake_open_meteo() -> Iterator[str]:
    with serve_fake_open_meteo() as url:
        yield url


def test_client_against_a_loopback_server(fake_open_meteo: str) -> None:
    client = OpenMeteoClient(ForecastSettings(base_url=fake_open_meteo, forecast_days=3))
    rows = client.daily_forecast(station_id="st-1", lat=51.94, lon=5.6, issued_date=ISSUED)
    (query,) = FakeOpenMeteo.queries
    assert query["latitude"] == ["51.9400"] and query["longitude"] == ["5.6000"]
    assert set(query["daily"][0].split(",")) == set(DAILY_VARIABLES)
    assert query["forecast_days"] == ["3"] and query["wind_speed_unit"] == ["ms"]
    assert len(rows) == 3
    np.testing.assert_allclose(rows["wind_m_s"], np.array([3.0, 4.0, 6.0]) * 0.7480, rtol=1e-3)

    stations = pd.DataFrame({"station_id": ["a", "b"], "lat": [51.9, 52.0], "lon": [5.6, 5.7]})
    both = client.station_forecasts(stations, ISSUED, days=2)
    assert both.groupby("station_id").size().to_dict() == {"a": 2, "b": 2}


def test_client_reports_service_errors(fake_open_meteo: str) -> None:
    client = OpenMeteoClient(ForecastSettings(base_url=fake_open_meteo))
    with pytest.raises(ForecastUnavailableError, match="HTTP 400: Latitude must be in range"):
        client.daily_forecast(station_id="st-1", lat=95.0, lon=5.6, issued_date=ISSUED)


def test_client_without_a_service_says_so() -> None:
    client = OpenMeteoClient(ForecastSettings(base_url=closed_port_url(), timeout_s=2))
    with pytest.raises(ForecastUnavailableError, match="cannot reach the forecast service"):
        client.daily_forecast(station_id="st-1", lat=51.9, lon=5.6, issued_date=ISSUED)


def test_settings_from_environment() -> None:
    settings = ForecastSettings.from_env(
        {"AGRI_FORECAST_URL": "http://127.0.0.1:8080/", "AGRI_FORECAST_TIMEOUT_S": "5"}
    )
    assert settings.base_url == "http://127.0.0.1:8080" and settings.timeout_s == 5.0
    assert ForecastSettings.from_env({}).base_url == "https://api.open-meteo.com"
    with pytest.raises(ValueError, match="AGRI_FORECAST_TIMEOUT_S must be a number"):
        ForecastSettings.from_env({"AGRI_FORECAST_TIMEOUT_S": "soon"})


def _forecast_rows(station: str = "st-1", issued: str = "2025-06-01") -> pd.DataFrame:
    days = pd.date_range(pd.Timestamp(issued) + pd.Timedelta(days=1), periods=3, freq="D")
    return pd.DataFrame(
        {
            "station_id": station,
            "issued_date": issued,
            "date": days.strftime("%Y-%m-%d"),
            "tmin_degc": [10.0, 11.0, 9.0],
            "tmax_degc": [20.0, 22.0, 17.0],
            "precip_mm": [0.0, 4.0, 1.0],
            "rad_mj_m2": [22.0, 15.0, ""],
            "vp_kpa": [1.2, 1.3, 1.1],
            "rh_pct": ["", "", ""],
            "wind_m_s": [2.0, 3.0, ""],
        }
    )


def test_bundle_without_forecast_has_an_empty_typed_table(bundle_dir: Path) -> None:
    forecast = read_bundle(bundle_dir).forecast
    assert forecast.empty and list(forecast.columns) == list(FORECAST_COLUMN_NAMES)
    assert forecast["date"].dtype == "datetime64[ns]"


def test_bundle_reads_a_forecast_after_its_reference_date(bundle_dir: Path) -> None:
    _forecast_rows().to_csv(bundle_dir / "forecast.csv", index=False)
    bundle = read_bundle(bundle_dir)  # reference date 2025-06-01
    assert len(bundle.forecast) == 3
    assert bundle.forecast["date"].min() > pd.Timestamp(bundle.manifest.reference_date)
    assert "forecast.csv" in {f.path for f in bundle.files}


def test_bundle_forecast_errors_name_the_fix(bundle_dir: Path) -> None:
    rows = pd.concat(
        [
            _forecast_rows(station="st-9"),
            _forecast_rows(issued="2025-06-05"),
            _forecast_rows().assign(date="2025-05-20").iloc[:1],
        ]
    )
    rows.to_csv(bundle_dir / "forecast.csv", index=False)
    with pytest.raises(InputError) as info:
        read_bundle(bundle_dir)
    text = str(info.value)
    assert "'st-9' is not a station_id of weather.csv" in text
    assert "issued_date is after the bundle's reference_date" in text
    assert "date is before issued_date" in text


def test_weather_with_forecast_appends_the_latest_forecast(tmp_path: Path) -> None:
    weather = pd.DataFrame(
        {
            "station_id": "st-1",
            "date": pd.date_range("2025-05-30", "2025-06-01"),
            "tmin_degc": 10.0,
            "tmax_degc": 20.0,
            "precip_mm": 0.0,
        }
    )
    path = tmp_path / "forecast.csv"
    pd.concat([_forecast_rows(issued="2025-05-30"), _forecast_rows(issued="2025-06-01")]).to_csv(
        path, index=False
    )
    combined = weather_with_forecast(weather, read_forecast_csv(path))
    assert combined["date"].tolist() == list(pd.date_range("2025-05-30", "2025-06-04"))
    assert combined["is_forecast"].tolist() == [False] * 3 + [True] * 3
    assert combined["tmax_degc"].iloc[3:].tolist() == [20.0, 22.0, 17.0]


def test_sample_bundle_ships_a_14_day_forecast() -> None:
    manifest = json.loads((SAMPLE_BUNDLE / "bundle.json").read_text(encoding="utf-8"))
    forecast = read_forecast_csv(SAMPLE_BUNDLE / "forecast.csv")
    reference = pd.Timestamp(manifest["reference_date"])
    assert (forecast["issued_date"] == reference).all()
    per_station = forecast.groupby("station_id")["date"].agg(["min", "max", "count"])
    assert (per_station["min"] == reference + pd.Timedelta(days=1)).all()
    assert (per_station["max"] == reference + pd.Timedelta(days=14)).all()
    assert (per_station["count"] == 14).all() and len(per_station) == 4
    assert forecast[["rad_mj_m2", "vp_kpa", "wind_m_s"]].notna().all().all()


def test_the_water_balance_can_run_ahead_over_the_forecast(bundle_dir: Path) -> None:
    _forecast_rows().to_csv(bundle_dir / "forecast.csv", index=False)  # 2025-06-02 … 06-04
    bundle = read_bundle(bundle_dir)
    ahead = weather_with_forecast(bundle.weather, bundle.forecast)
    sources = replace(bundle_sources(bundle), weather=daily_reference_et(ahead, bundle.stations))
    requests = pd.DataFrame({"field_id": ["A1"], "season": [2025], "as_of": ["2025-06-04"]})
    balance = water_balance_table(sources, requests).set_index("date")
    assert balance.index.max() == pd.Timestamp("2025-06-04")
    future = balance.loc["2025-06-02":]
    assert len(future) == 3 and future["dr_mm"].notna().all()
    # The missing radiation and wind of the last forecast day were filled by the FAO-56 fallbacks.
    last = daily_reference_et(ahead, bundle.stations).iloc[-1]
    assert last["rad_fallback"] and last["wind_fallback"]
