"""One authenticated connection to Sentinel Hub through the `sentinelhub` client.

State is real here: the OAuth token (fetched once, refreshed by the client before it expires) and
the client configuration. Everything else goes through the client's own machinery: its thread
pool, its retries (429 with Retry-After, 5xx with backoff), its Statistical API interval retries
and its disk cache (`data_folder`, one folder per hashed request).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import urllib.parse
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import requests
import shapely
from oauthlib.oauth2 import OAuth2Error
from pyproj import Transformer
from sentinelhub import (
    CRS,
    DownloadFailedException,
    DownloadRequest,
    Geometry,
    SentinelHubDownloadClient,
    SentinelHubSession,
    SHConfig,
)
from sentinelhub.exceptions import SHRateLimitWarning, SHRuntimeWarning
from shapely.geometry import shape

from pipelines.sources.satellite.settings import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    SentinelHubSettings,
)

# Called with (requests done, requests in total) while a download runs.
Progress = Callable[[int, int], None]

# Loggers that, at DEBUG level, write the token request body (with the client secret) or the
# token response: requests-oauthlib's OAuth2Session logs both. Filters on a logger apply to the
# records it creates, so the filter goes on the emitting loggers, not on the root.
_CREDENTIAL_LOGGERS = ("requests_oauthlib.oauth2_session", "oauthlib", "sentinelhub")
_TOKEN_PATTERNS = (
    re.compile(r"""(["']access_token["']\s*:\s*["'])[^"']+"""),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"),
)
REDACTED = "[redacted]"


class SentinelHubAuthError(RuntimeError):
    """Sentinel Hub did not issue a token; the message names the fix, never the secret."""


@dataclass(frozen=True)
class DownloadOutcome:
    """Results of a batch of download requests, in request order (None where a request failed)."""

    results: list[Any]
    problems: tuple[str, ...]
    rate_limited: int


class _RedactCredentials(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self._secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret (plain or URL-encoded) and any bearer/access token replaced."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret)}:
            text = text.replace(form, REDACTED)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class SentinelHubConnection:
    """Configuration, token and downloads for one Sentinel Hub account and deployment."""

    def __init__(self, settings: SentinelHubSettings) -> None:
        settings.require_credentials()
        self.settings = settings
        # use_defaults: never read or write ~/.config/sentinelhub/config.toml; every value that
        # matters is given here, from our settings.
        self.config = SHConfig(
            use_defaults=True,
            sh_client_id=settings.client_id,
            sh_client_secret=settings.client_secret,
            sh_base_url=settings.base_url.rstrip("/"),
            sh_token_url=settings.token_url,
            max_download_attempts=settings.download_attempts,
            download_sleep_time=settings.retry_sleep_s,
            download_timeout_seconds=settings.timeout_s,
            max_retries=settings.max_rate_limited_retries,
        )
        self._session: SentinelHubSession | None = None

    def __repr__(self) -> str:
        return f"SentinelHubConnection({self.settings.base_url!r}, client {self.client_label})"

    @property
    def client_label(self) -> str:
        client_id = self.settings.client_id
        return f"'{client_id[:8]}…'" if len(client_id) > 8 else f"'{client_id}'"

    @contextlib.contextmanager
    def redacted_logs(self) -> Iterator[None]:
        """Keep the secret and tokens out of log records written inside the block."""
        log_filter = _RedactCredentials([self.settings.client_secret])
        loggers = [logging.getLogger(name) for name in _CREDENTIAL_LOGGERS]
        for logger in loggers:
            logger.addFilter(log_filter)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeFilter(log_filter)

    def session(self) -> SentinelHubSession:
        """The authenticated session, created (one token request) on first use."""
        if self._session is None:
            with self.redacted_logs():
                self._session = self._new_session()
        return self._session

    def _new_session(self) -> SentinelHubSession:
        where = f"the token endpoint {self.settings.token_url}"
        fix = (
            f"check {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (client {self.client_label}), and that "
            "SH_TOKEN_URL belongs to the same deployment as SH_BASE_URL"
        )
        try:
            return SentinelHubSession(config=self.config)
        except OAuth2Error as exc:
            if exc.error == "insecure_transport":
                reason = "the token URL must use https"
            else:
                reason = exc.description or exc.error
            message = f"Sentinel Hub refused the credentials at {where}: {reason}; {fix}"
        except (DownloadFailedException, requests.RequestException) as exc:
            message = (
                f"could not get a Sentinel Hub token from {where}: {_one_line(str(exc))}; {fix}"
            )
        raise SentinelHubAuthError(redact(message, [self.settings.client_secret])) from None

    def download(
        self,
        client_class: type[SentinelHubDownloadClient],
        download_requests: Sequence[DownloadRequest],
        progress: Progress | None = None,
    ) -> DownloadOutcome:
        """Run the requests on the client's thread pool, cached ones from disk.

        Requests run in batches only so that progress can be reported between them; within a batch
        the client runs up to `max_threads` at once. A request that fails after the client's
        retries yields None and a problem line instead of aborting the others.
        """
        total = len(download_requests)
        needs_network = any(not is_cached(r) for r in download_requests)
        session = self.session() if needs_network else None
        client = client_class(
            config=self.config,
            session=session,
            raise_download_errors=False,
            default_retry_time=self.settings.rate_limit_default_wait_s,
        )
        batch = max(4 * self.settings.max_threads, 1)
        results: list[Any] = []
        problems: list[str] = []
        rate_limited = 0
        with self.redacted_logs():
            for start in range(0, total, batch):
                # The client reports rate limits and failed downloads as warnings (a failure's
                # message carries the server's reason); collect them instead of printing them.
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    results += client.download(
                        list(download_requests[start : start + batch]),
                        max_threads=self.settings.max_threads,
                    )
                for warning in caught:
                    if issubclass(warning.category, SHRateLimitWarning):
                        rate_limited += 1
                    elif issubclass(warning.category, SHRuntimeWarning):
                        problems.append(_one_line(str(warning.message)))
                    else:
                        warnings.warn_explicit(
                            warning.message, warning.category, warning.filename, warning.lineno
                        )
                if progress is not None:
                    progress(len(results), total)
        secret = [self.settings.client_secret]
        return DownloadOutcome(results, tuple(redact(p, secret) for p in problems), rate_limited)


def is_cached(request: DownloadRequest) -> bool:
    """Whether the client will answer `request` from its disk cache instead of the network."""
    _, response_path = request.get_storage_paths()
    return response_path is not None and Path(response_path).exists()


def forget_cached(request: DownloadRequest) -> None:
    """Remove `request`'s cached response so that the next run asks the service again."""
    request_path, response_path = request.get_storage_paths()
    for path in (response_path, request_path):
        if path is not None:
            Path(path).unlink(missing_ok=True)
    if response_path is not None:
        with contextlib.suppress(OSError):
            Path(response_path).parent.rmdir()


def _one_line(message: str) -> str:
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


@dataclass(frozen=True)
class FieldGeometry:
    """A field boundary in its UTM zone, where resolutions are metres."""

    geometry: Geometry
    area_m2: float

    @property
    def crs(self) -> CRS:
        return self.geometry.crs

    def pixel_count(self, resolution_m: float) -> int:
        """Pixels of `resolution_m` covering the field (at least one)."""
        return max(1, round(self.area_m2 / resolution_m**2))


def field_geometry_utm(boundary_geojson: str) -> FieldGeometry:
    """The WGS84 GeoJSON boundary projected to the UTM zone of its centroid.

    Coordinates are rounded to centimetres so that the request (and so its cache key) does not
    change with the last bits of a projection library's arithmetic.
    """
    lonlat = shape(json.loads(boundary_geojson))
    utm = CRS.get_utm_from_wgs84(lonlat.centroid.x, lonlat.centroid.y)
    # pyproj directly: Geometry.transform goes through shapely.ops.transform, deprecated in
    # shapely 2.1.
    project = Transformer.from_crs(CRS.WGS84.pyproj_crs(), utm.pyproj_crs(), always_xy=True)
    projected = shapely.transform(
        lonlat, lambda xy: np.column_stack(project.transform(xy[:, 0], xy[:, 1]))
    )
    rounded = shapely.set_precision(projected, 0.01)
    return FieldGeometry(Geometry(rounded, utm), float(rounded.area))
