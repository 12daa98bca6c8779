"""A loopback Sentinel Hub that speaks the real HTTP API to the real `sentinelhub` client.

The server answers the OAuth2 client-credentials token endpoint, the Statistical API (statistics
computed from synthetic pixels of the polygon it is sent) and the Process API (a float32 GeoTIFF
written with tifffile). Every request is recorded; tests script failures per path (429 with
Retry-After in milliseconds, 500) and per day (an EXECUTION_ERROR interval).
"""

from __future__ import annotations

import io
import json
import math
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
import tifffile
from sentinelhub import SentinelHubDownloadClient
from shapely.geometry import shape

from pipelines.sources.bundle import read_bundle
from pipelines.sources.satellite.settings import SentinelHubSettings
from tests.conftest import write_bundle

CLIENT_ID = "agri-test-client"
# Characters that change under URL encoding, so redaction of the form body is tested too.
CLIENT_SECRET = "s3cr3t+Value/with=odd&chars"
TOKEN_PATH = "/auth/realms/main/protocol/openid-connect/token"
STATISTICS_PATH = "/api/v1/statistics"
PROCESS_PATH = "/api/v1/process"
# Sentinel-2 passes every 5 days in this fake, counted from this day.
FIRST_ACQUISITION = date(2024, 1, 1)
REVISIT_DAYS = 5


def is_acquisition(day: date) -> bool:
    return (day - FIRST_ACQUISITION).days % REVISIT_DAYS == 0


def acquisitions(start: date, end: date) -> list[date]:
    """Acquisition days from `start` to `end` inclusive."""
    return [d.date() for d in pd.date_range(start, end) if is_acquisition(d.date())]


def synthetic_ndvi(day: date, offset: float) -> float:
    """A crop season peaking in late June, shifted per field."""
    doy = day.timetuple().tm_yday
    return 0.2 + 0.6 * math.exp(-(((doy - 180) / 50) ** 2)) + offset


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeSentinelHub:
    """The server's state: recorded requests, scripted answers, the weather over the fields."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self.access_token = "eyJhbGciOiJub25lIn0.eyJhenAiOiJhZ3JpLXRlc3QtY2xpZW50In0.sig"
        # Day -> clear share of the field's pixels (default 0.95); 0 means no clear pixel.
        self.clear_fraction: dict[date, float] = {}
        # Days answered with an EXECUTION_ERROR interval once (in a multi-day request), or always.
        self.fail_once: set[date] = set()
        self.fail_always: set[date] = set()
        self.delay_s = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, path: str, *answers: Scripted) -> None:
        """Answer the next requests to `path` with `answers`, in order, before the normal ones."""
        self.scripts[path].extend(answers)

    def count(self, path: str | None = None) -> int:
        with self._lock:
            return sum(path is None or r.path == path for r in self.requests)

    def of(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # --- answers -----------------------------------------------------------------------------

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Scripted:
        with self._lock:
            self.requests.append(Recorded(method, path, headers, body))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            scripted = self.scripts[path].popleft() if self.scripts[path] else None
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            if scripted is not None:
                return scripted
            if path == TOKEN_PATH and method == "POST":
                return self._token(body)
            if headers.get("authorization") != f"Bearer {self.access_token}":
                return Scripted(401, {"error": {"status": 401, "reason": "Unauthorized"}})
            if path == STATISTICS_PATH and method == "POST":
                return self._statistics(json.loads(body))
            if path == PROCESS_PATH and method == "POST":
                return self._process(json.loads(body))
            return Scripted(404, {"error": {"status": 404, "reason": "Not Found"}})
        finally:
            with self._lock:
                self.in_flight -= 1

    def _token(self, body: bytes) -> Scripted:
        form = dict(urllib.parse.parse_qsl(body.decode()))
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            return Scripted(
                401,
                {"error": "invalid_client", "error_description": "Invalid client credentials"},
            )
        return Scripted(
            200, {"access_token": self.access_token, "token_type": "Bearer", "expires_in": 3600}
        )

    def _statistics(self, payload: dict[str, Any]) -> Scripted:
        polygon = shape(payload["input"]["bounds"]["geometry"])
        aggregation = payload["aggregation"]
        resolution = float(aggregation["resx"])
        min_x, min_y, max_x, max_y = polygon.bounds
        # The service counts every pixel of the bounding box; those outside the polygon are no-data.
        box_pixels = math.ceil((max_x - min_x) / resolution) * math.ceil(
            (max_y - min_y) / resolution
        )
        field_pixels = max(1, round(polygon.area / resolution**2))
        first = _day(aggregation["timeRange"]["from"])
        end = _day(aggregation["timeRange"]["to"])  # exclusive: whole days only
        multi_day = (end - first).days > 1
        percentiles = payload["calculations"]["default"]["statistics"]["default"]["percentiles"]
        data: list[dict[str, Any]] = []
        for day in (first + timedelta(days=k) for k in range((end - first).days)):
            if not is_acquisition(day):
                continue
            interval: dict[str, str] = {
                "from": f"{day}T00:00:00Z",
                "to": f"{day + timedelta(days=1)}T00:00:00Z",
            }
            with self._lock:
                fail = day in self.fail_always or (multi_day and day in self.fail_once)
                if multi_day:
                    self.fail_once.discard(day)
            if fail:
                error = {"type": "EXECUTION_ERROR", "message": "Failed to process the interval"}
                data.append({"interval": interval, "error": error})
                continue
            clear = round(field_pixels * self.clear_fraction.get(day, 0.95))
            ndvi = self.pixels(day, polygon, clear)
            outputs = {
                name: _output_stats(values, box_pixels, percentiles["k"])
                for name, values in (
                    ("ndvi", ndvi),
                    ("ndre", 0.6 * ndvi),
                    ("ndmi", 0.5 * ndvi - 0.05),
                )
            }
            data.append({"interval": interval, "outputs": outputs})
        return Scripted(200, {"status": "OK", "data": data})

    @staticmethod
    def pixels(day: date, polygon: Any, clear: int) -> np.ndarray:
        """The clear pixels' NDVI for a field (identified by where it lies) on a day."""
        offset = (polygon.centroid.x % 1000) / 10_000
        rng = np.random.default_rng([day.toordinal(), int(polygon.centroid.x)])
        values = rng.normal(synthetic_ndvi(day, offset), 0.04, size=clear)
        return np.clip(values, -1, 1).astype(np.float32).astype(np.float64)

    def _process(self, payload: dict[str, Any]) -> Scripted:
        polygon = shape(payload["input"]["bounds"]["geometry"])
        resolution = float(payload["output"]["resx"])
        min_x, min_y, max_x, max_y = polygon.bounds
        width = max(1, round((max_x - min_x) / resolution))
        height = max(1, round((max_y - min_y) / resolution))
        xs = min_x + (np.arange(width) + 0.5) * resolution
        ys = max_y - (np.arange(height) + 0.5) * resolution  # row 0 at the north edge
        grid_x, grid_y = np.meshgrid(xs, ys)
        inside = shapely.contains_xy(polygon, grid_x, grid_y)
        ndvi = np.where(inside, 0.5 + 0.001 * (grid_x - min_x) / resolution, np.nan)
        buffer = io.BytesIO()
        tifffile.imwrite(buffer, ndvi.astype(np.float32), photometric="minisblack")
        return Scripted(200, buffer.getvalue(), {"Content-Type": "image/tiff"})


def _day(timestamp: str) -> date:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).date()


def _output_stats(values: np.ndarray, box_pixels: int, k: list[float]) -> dict[str, Any]:
    if values.size == 0:
        stats: dict[str, Any] = {
            "min": "NaN",
            "max": "NaN",
            "mean": "NaN",
            "stDev": "NaN",
            "sampleCount": box_pixels,
            "noDataCount": box_pixels,
        }
    else:
        stats = {
            "min": float(values.min()),
            "max": float(values.max()),
            "mean": float(values.mean()),
            "stDev": float(values.std(ddof=1)) if values.size > 1 else 0.0,
            "sampleCount": box_pixels,
            "noDataCount": box_pixels - values.size,
            "percentiles": {f"{p:.1f}": float(np.percentile(values, p)) for p in k},
        }
    return {"bands": {"B0": {"stats": stats}}}


def _handler_for(server: FakeSentinelHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            path = urllib.parse.urlsplit(self.path).path
            answer = server.answer(self.command, path, headers, body)
            if isinstance(answer.body, bytes):
                payload = answer.body
                content_type = answer.headers.get("Content-Type", "application/octet-stream")
            else:
                payload = json.dumps(answer.body).encode()
                content_type = "application/json"
            self.send_response(answer.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                if name != "Content-Type":
                    self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture
def sentinel_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeSentinelHub]:
    """The loopback server, with the environment the real client needs to talk to it."""
    # Tests only: oauthlib refuses a token URL without TLS unless told otherwise.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    # requests does not bypass a configured proxy for 127.0.0.1 by itself.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    # SHConfig() would write $XDG_CONFIG_HOME/sentinelhub/config.toml; keep it in tmp.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("SH_CLIENT_ID", "SH_CLIENT_SECRET", "SH_BASE_URL", "SH_TOKEN_URL", "SH_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    SentinelHubDownloadClient.clear_cache()
    server = FakeSentinelHub()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        SentinelHubDownloadClient.clear_cache()


@pytest.fixture
def sh_settings(sentinel_hub: FakeSentinelHub) -> SentinelHubSettings:
    """Settings pointing at the loopback server, with retry pauses of milliseconds."""
    return SentinelHubSettings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        base_url=sentinel_hub.url,
        token_url=sentinel_hub.url + TOKEN_PATH,
        max_threads=4,
        download_attempts=3,
        retry_sleep_s=0.01,
        timeout_s=10,
        max_rate_limited_retries=5,
        rate_limit_default_wait_s=0.01,
    )


@pytest.fixture
def fields(tmp_path: Path) -> pd.DataFrame:
    """The three fields of the shared test bundle: field_id and WGS84 boundary_geojson."""
    bundle = read_bundle(write_bundle(tmp_path / "fields-bundle"))
    return bundle.fields.loc[:, ["field_id", "boundary_geojson"]]
