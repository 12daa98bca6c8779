"""Sentinel Hub settings: endpoints, credentials and download behaviour, read once.

Credentials come from the environment (`SH_CLIENT_ID`, `SH_CLIENT_SECRET`) or, inside the app, from
Streamlit secrets; endpoints default to the commercial service and switch to the Copernicus Data
Space Ecosystem (CDSE) with `SH_BASE_URL` and `SH_TOKEN_URL`. The secret is kept out of `repr` and
out of every message this package writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

COMMERCIAL_BASE_URL = "https://services.sentinel-hub.com"
COMMERCIAL_TOKEN_URL = (
    "https://services.sentinel-hub.com/auth/realms/main/protocol/openid-connect/token"
)
CDSE_BASE_URL = "https://sh.dataspace.copernicus.eu"
CDSE_TOKEN_URL = (
    "https://identity.dataspace.copernicus.eu/auth/realms/CDSE/protocol/openid-connect/token"
)

ENV_CLIENT_ID = "SH_CLIENT_ID"
ENV_CLIENT_SECRET = "SH_CLIENT_SECRET"
ENV_BASE_URL = "SH_BASE_URL"
ENV_TOKEN_URL = "SH_TOKEN_URL"
ENV_MAX_THREADS = "SH_MAX_THREADS"
ENV_MIN_CLOUD_FREE = "AGRI_MIN_CLOUD_FREE_FRACTION"

# Keys accepted in Streamlit secrets: a `[sentinelhub]` table or the environment names at top level.
_SECRET_KEYS = {
    "client_id": ENV_CLIENT_ID,
    "client_secret": ENV_CLIENT_SECRET,
    "base_url": ENV_BASE_URL,
    "token_url": ENV_TOKEN_URL,
}


class MissingCredentialsError(RuntimeError):
    """No Sentinel Hub OAuth client is configured; the message says how to set one."""


def missing_credentials_message() -> str:
    return (
        f"Sentinel Hub credentials are not set: set the environment variables {ENV_CLIENT_ID} and "
        f"{ENV_CLIENT_SECRET} to an OAuth client (Sentinel Hub dashboard > User settings > OAuth "
        f"clients; for the Copernicus Data Space Ecosystem also set {ENV_BASE_URL}={CDSE_BASE_URL} "
        f"and {ENV_TOKEN_URL}={CDSE_TOKEN_URL}), or use --source local to work on the satellite "
        "rows already imported from a bundle"
    )


@dataclass(frozen=True)
class SentinelHubSettings:
    """Where and how to reach Sentinel Hub. Times in seconds; `client_secret` is never printed."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    base_url: str = COMMERCIAL_BASE_URL
    token_url: str = COMMERCIAL_TOKEN_URL
    # Concurrent requests in the client's thread pool; trial accounts allow a few per second.
    max_threads: int = 5
    # 5xx and connection errors: attempts per request, first pause, pause x3 each time (the
    # client's own backoff).
    download_attempts: int = 4
    retry_sleep_s: float = 5.0
    timeout_s: float = 120.0
    # 429 Too Many Requests: the client waits for Retry-After (milliseconds) and tries again; give
    # up after this many 429s for one request instead of the client's default of never.
    max_rate_limited_retries: int = 20
    # Wait after a 429 that carries no Retry-After header.
    rate_limit_default_wait_s: float = 30.0
    # Share of clear pixels below which cleaning drops an observation (see cleaning.py).
    min_cloud_free_fraction: float = 0.6

    def __post_init__(self) -> None:
        if self.max_threads < 1:
            raise ValueError(f"{ENV_MAX_THREADS} must be at least 1, not {self.max_threads}")
        if not 0.0 <= self.min_cloud_free_fraction <= 1.0:
            raise ValueError(
                f"{ENV_MIN_CLOUD_FREE} must be a fraction between 0 and 1, not "
                f"{self.min_cloud_free_fraction} (write 0.6, not 60)"
            )

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def require_credentials(self) -> None:
        if not self.has_credentials:
            raise MissingCredentialsError(missing_credentials_message())

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        secrets: Mapping[str, Any] | None = None,
    ) -> SentinelHubSettings:
        """Settings from environment variables, falling back to `secrets` (e.g. `st.secrets`)."""
        env = os.environ if environ is None else environ
        from_secrets = _flatten_secrets(secrets or {})

        def get(name: str) -> str:
            value = env.get(name) or from_secrets.get(name) or ""
            return str(value).strip()

        max_threads = get(ENV_MAX_THREADS)
        min_cloud_free = get(ENV_MIN_CLOUD_FREE)
        try:
            threads = int(max_threads) if max_threads else cls.max_threads
            cloud_free = float(min_cloud_free) if min_cloud_free else cls.min_cloud_free_fraction
        except ValueError:
            raise ValueError(
                f"{ENV_MAX_THREADS} must be a whole number and {ENV_MIN_CLOUD_FREE} a number "
                f"(found {max_threads!r} and {min_cloud_free!r})"
            ) from None
        return cls(
            client_id=get(ENV_CLIENT_ID),
            client_secret=get(ENV_CLIENT_SECRET),
            base_url=(get(ENV_BASE_URL) or COMMERCIAL_BASE_URL).rstrip("/"),
            token_url=get(ENV_TOKEN_URL) or COMMERCIAL_TOKEN_URL,
            max_threads=threads,
            min_cloud_free_fraction=cloud_free,
        )


def _flatten_secrets(secrets: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    section = secrets.get("sentinelhub")
    if isinstance(section, Mapping):
        for key, env_name in _SECRET_KEYS.items():
            if section.get(key):
                out[env_name] = str(section[key])
    for env_name in _SECRET_KEYS.values():
        if secrets.get(env_name):
            out[env_name] = str(secrets[env_name])
    return out


def streamlit_secrets() -> Mapping[str, Any]:
    """`st.secrets` when running in the app with a secrets file, else an empty mapping.

    Streamlit is imported here, not at module level: pipelines must not depend on the app.
    """
    try:
        import streamlit as st
    except ImportError:
        return {}
    try:
        # Reading a key parses secrets.toml; without one Streamlit raises FileNotFoundError.
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, KeyError):
        return {}
