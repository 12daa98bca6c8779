"""The real `sentinelhub` client against the loopback Sentinel Hub: requests, parsing, cache,
retries, concurrency and credentials."""

from __future__ import annotations

import logging
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import shape

from pipelines.sources.bundle import SATELLITE_COLUMNS as BUNDLE_SATELLITE_COLUMNS
from pipelines.sources.satellite.connection import (
    SentinelHubAuthError,
    SentinelHubConnection,
    field_geometry_utm,
)
from pipelines.sources.satellite.evalscript import MASKED_SCL_CLASSES, STATISTICS_EVALSCRIPT
from pipelines.sources.satellite.imagery import fetch_ndvi_image
from pipelines.sources.satellite.settings import (
    CDSE_BASE_URL,
    CDSE_TOKEN_URL,
    MissingCredentialsError,
    SentinelHubSettings,
)
from pipelines.sources.satellite.sources import SATELLITE_COLUMNS, SentinelHubSource
from tests.pipelines.satellite.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    PROCESS_PATH,
    STATISTICS_PATH,
    TOKEN_PATH,
    FakeSentinelHub,
    Scripted,
    acquisitions,
)

JUNE = (date(2024, 6, 1), date(2024, 6, 30))
TODAY = date(2024, 9, 1)  # June is settled: cacheable


def _source(
    settings: SentinelHubSettings, tmp_path: Path, today: date = TODAY
) -> SentinelHubSource:
    return SentinelHubSource(SentinelHubConnection(settings), tmp_path / "cache", today=today)


def test_statistical_request_body_is_what_sentinel_hub_expects(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    _source(sh_settings, tmp_path).observations(fields.head(1), *JUNE)

    [token] = sentinel_hub.of(TOKEN_PATH)
    assert token.form["grant_type"] == "client_credentials"
    assert token.form["client_id"] == CLIENT_ID
    [request] = sentinel_hub.of(STATISTICS_PATH)
    assert request.headers["authorization"] == f"Bearer {sentinel_hub.access_token}"
    body = request.json
    assert body["input"]["data"] == [{"type": "sentinel-2-l2a"}]
    # The field in its UTM zone (31N for 5.6°E), in metres, the WGS84 polygon's area preserved.
    bounds = body["input"]["bounds"]
    assert bounds["properties"]["crs"] == "http://www.opengis.net/def/crs/EPSG/0/32631"
    polygon = shape(bounds["geometry"])
    assert 600_000 < polygon.centroid.x < 700_000 and 5_700_000 < polygon.centroid.y < 5_800_000
    assert polygon.area == pytest.approx(300 * 200, rel=0.01)
    aggregation = body["aggregation"]
    assert aggregation["timeRange"] == {
        "from": "2024-06-01T00:00:00Z",
        "to": "2024-07-01T00:00:00Z",
    }
    assert aggregation["aggregationInterval"] == {"of": "P1D"}
    assert (aggregation["resx"], aggregation["resy"]) == (10, 10)
    assert aggregation["evalscript"] == STATISTICS_EVALSCRIPT
    assert f"var MASKED_SCL = [{', '.join(map(str, MASKED_SCL_CLASSES))}];" in STATISTICS_EVALSCRIPT
    assert MASKED_SCL_CLASSES == (0, 1, 3, 8, 9, 10, 11)
    for band in ("B04", "B05", "B08", "B11", "SCL", "dataMask"):
        assert f'"{band}"' in STATISTICS_EVALSCRIPT
    assert body["calculations"] == {
        "default": {"statistics": {"default": {"percentiles": {"k": [10, 50, 90]}}}}
    }


def test_statistics_are_parsed_into_satellite_csv_rows(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    cloudy, overcast = date(2024, 6, 9), date(2024, 6, 14)
    sentinel_hub.clear_fraction.update({cloudy: 0.3, overcast: 0.0})

    result = _source(sh_settings, tmp_path).observations(fields, *JUNE)

    rows = result.observations
    assert list(rows.columns) == list(SATELLITE_COLUMNS)
    assert set(SATELLITE_COLUMNS) == {c.name for c in BUNDLE_SATELLITE_COLUMNS}
    expected_days = [d for d in acquisitions(*JUNE) if d != overcast]
    for field_id in fields["field_id"]:
        field_rows = rows[rows["field_id"] == field_id]
        assert [d.date() for d in field_rows["date"]] == expected_days
    assert result.intervals_without_clear_pixels == len(fields)  # the overcast day, per field
    # One row, recomputed from the pixels the server drew.
    boundary = fields["boundary_geojson"].iloc[0]
    field = field_geometry_utm(boundary)
    pixel_count = round(field.area_m2 / 100)
    clear = round(pixel_count * 0.3)
    pixels = FakeSentinelHub.pixels(cloudy, field.geometry.geometry, clear)
    row = rows[(rows["field_id"] == "A1") & (rows["date"] == pd.Timestamp(cloudy))].iloc[0]
    assert row["pixel_count"] == pixel_count
    assert row["cloud_free_fraction"] == pytest.approx(clear / pixel_count)
    assert row["ndvi_mean"] == pytest.approx(pixels.mean())
    assert row["ndvi_std"] == pytest.approx(pixels.std(ddof=1))
    assert row["ndvi_p10"] == pytest.approx(np.percentile(pixels, 10))
    assert row["ndvi_p90"] == pytest.approx(np.percentile(pixels, 90))
    assert row["ndre_p50"] == pytest.approx(np.percentile(0.6 * pixels, 50))
    assert row["ndmi_mean"] == pytest.approx((0.5 * pixels - 0.05).mean())
    assert rows["cloud_free_fraction"].between(0, 1).all()
    assert rows[[c for c in SATELLITE_COLUMNS if c.startswith("nd")]].abs().le(1).all().all()


def test_second_fetch_of_the_same_fields_and_period_makes_no_request(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    first = _source(sh_settings, tmp_path).observations(fields, date(2024, 5, 20), JUNE[1])
    assert (first.fetched, first.cached) == (6, 0)  # 3 fields x (May, June)
    assert sentinel_hub.count(STATISTICS_PATH) == 6
    before = sentinel_hub.count()

    # A new source and connection, as a new run of the command would have.
    second = _source(sh_settings, tmp_path).observations(fields, date(2024, 5, 20), JUNE[1])

    assert sentinel_hub.count() == before  # no statistics request, and no token request either
    assert (second.fetched, second.cached) == (0, 6)
    pd.testing.assert_frame_equal(second.observations, first.observations)
    assert list((tmp_path / "cache" / "statistics").iterdir())


def test_a_recent_month_is_asked_for_again(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    today = date(2024, 7, 3)  # June ended three days ago: late scenes may still arrive
    _source(sh_settings, tmp_path, today).observations(fields.head(1), *JUNE)
    second = _source(sh_settings, tmp_path, today).observations(fields.head(1), *JUNE)
    assert sentinel_hub.count(STATISTICS_PATH) == 2
    assert (second.fetched, second.cached) == (1, 0)


def test_many_fields_are_requested_concurrently(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    sentinel_hub.delay_s = 0.3
    result = _source(sh_settings, tmp_path).observations(fields, *JUNE)
    assert result.fetched == 3
    assert sentinel_hub.max_in_flight >= 2


def test_429_is_retried_after_the_retry_after_milliseconds(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    sentinel_hub.script(
        STATISTICS_PATH,
        Scripted(
            429, {"error": {"status": 429, "reason": "Too Many Requests"}}, {"Retry-After": "40"}
        ),
    )
    result = _source(sh_settings, tmp_path).observations(fields.head(1), *JUNE)
    assert sentinel_hub.count(STATISTICS_PATH) == 2
    assert result.rate_limited == 1
    assert (result.fetched, len(result.skipped)) == (1, 0)
    assert len(result.observations) == len(acquisitions(*JUNE))


def test_server_error_is_retried_then_succeeds(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    sentinel_hub.script(STATISTICS_PATH, Scripted(500, {"error": {"status": 500}}))
    result = _source(sh_settings, tmp_path).observations(fields.head(1), *JUNE)
    assert sentinel_hub.count(STATISTICS_PATH) == 2
    assert (result.fetched, len(result.skipped)) == (1, 0)
    assert len(result.observations) == len(acquisitions(*JUNE))


def test_a_field_that_keeps_failing_is_skipped_and_the_others_kept(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    bad_request = Scripted(400, {"error": {"status": 400, "message": "Invalid geometry"}})
    sentinel_hub.script(STATISTICS_PATH, bad_request)  # 4xx: not retried
    result = _source(sh_settings, tmp_path).observations(fields, *JUNE)
    assert (result.fetched, len(result.skipped)) == (2, 1)
    assert result.skipped[0].reason == "download failed"
    assert any("Invalid geometry" in p for p in result.problems)
    assert result.observations["field_id"].nunique() == 2


def test_execution_error_interval_is_asked_for_again_on_its_own(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    flaky = date(2024, 6, 19)
    sentinel_hub.fail_once.add(flaky)

    result = _source(sh_settings, tmp_path).observations(fields.head(1), *JUNE)

    whole, retry = sentinel_hub.of(STATISTICS_PATH)
    assert whole.json["aggregation"]["timeRange"]["from"] == "2024-06-01T00:00:00Z"
    assert retry.json["aggregation"]["timeRange"] == {
        "from": "2024-06-19T00:00:00Z",
        "to": "2024-06-20T00:00:00Z",
    }
    assert pd.Timestamp(flaky) in set(result.observations["date"])
    assert result.intervals_failed == 0


def test_an_interval_still_failing_is_reported_and_not_cached(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    broken = date(2024, 6, 19)
    sentinel_hub.fail_always.add(broken)
    first = _source(sh_settings, tmp_path).observations(fields.head(1), *JUNE)
    assert first.intervals_failed == 1
    assert pd.Timestamp(broken) not in set(first.observations["date"])

    sentinel_hub.fail_always.clear()
    second = _source(sh_settings, tmp_path).observations(fields.head(1), *JUNE)
    assert (second.fetched, second.cached, second.intervals_failed) == (1, 0, 0)
    assert pd.Timestamp(broken) in set(second.observations["date"])


def test_missing_credentials_name_the_environment_variables() -> None:
    with pytest.raises(MissingCredentialsError, match="SH_CLIENT_ID and SH_CLIENT_SECRET"):
        SentinelHubConnection(SentinelHubSettings.from_env({}))
    with pytest.raises(MissingCredentialsError, match="--source local"):
        SentinelHubSettings.from_env({"SH_CLIENT_ID": "only-the-id"}).require_credentials()


def test_rejected_credentials_give_a_clear_error_without_the_secret(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong_secret = CLIENT_SECRET + "-but-wrong"
    settings = SentinelHubSettings(**{**sh_settings.__dict__, "client_secret": wrong_secret})
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SentinelHubAuthError) as error:
        _source(settings, tmp_path).observations(fields, *JUNE)

    message = str(error.value)
    assert "refused the credentials" in message and "Invalid client credentials" in message
    assert "SH_CLIENT_ID and SH_CLIENT_SECRET" in message
    assert wrong_secret not in message and CLIENT_SECRET not in message
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert "client_secret" in caplog.text  # the token request body was logged ...
    assert CLIENT_SECRET not in caplog.text  # ... with the secret redacted
    assert sentinel_hub.count(STATISTICS_PATH) == 0


def test_the_secret_and_tokens_stay_out_of_logs_and_reprs(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    source = _source(sh_settings, tmp_path)
    source.observations(fields, *JUNE)

    assert "Request body was" in caplog.text  # requests-oauthlib logged the token exchange
    for credential in (CLIENT_SECRET, sentinel_hub.access_token):
        assert credential not in caplog.text
        assert credential not in repr(sh_settings)
        assert credential not in repr(source.connection)
        assert credential not in str(source.connection.config)
    # Nothing of the credentials lands in the cache folder either.
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert CLIENT_SECRET not in text and sentinel_hub.access_token not in text


def test_no_sentinelhub_config_file_is_written(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    _source(sh_settings, tmp_path).observations(fields.head(1), *JUNE)
    assert not (tmp_path / "xdg").exists()


def test_cdse_endpoints_come_from_the_environment(
    sentinel_hub: FakeSentinelHub, fields: pd.DataFrame, tmp_path: Path
) -> None:
    settings = SentinelHubSettings.from_env(
        {
            "SH_CLIENT_ID": CLIENT_ID,
            "SH_CLIENT_SECRET": CLIENT_SECRET,
            "SH_BASE_URL": CDSE_BASE_URL + "/",
            "SH_TOKEN_URL": CDSE_TOKEN_URL,
        }
    )
    assert (settings.base_url, settings.token_url) == (CDSE_BASE_URL, CDSE_TOKEN_URL)
    # Streamlit secrets work the same, under a [sentinelhub] table; the environment wins.
    from_secrets = SentinelHubSettings.from_env(
        {"SH_CLIENT_ID": "from-env"},
        {"sentinelhub": {"client_id": "from-secrets", "client_secret": "x", "base_url": "b"}},
    )
    assert (from_secrets.client_id, from_secrets.client_secret) == ("from-env", "x")
    assert from_secrets.base_url == "b"
    # Whatever base URL is configured is the one requests go to: the stock collection's
    # hard-coded service URL does not override it (the loopback server would see nothing).
    loopback = SentinelHubSettings(
        **{
            **settings.__dict__,
            "base_url": sentinel_hub.url,
            "token_url": sentinel_hub.url + TOKEN_PATH,
        }
    )
    result = _source(loopback, tmp_path).observations(fields.head(1), *JUNE)
    assert result.fetched == 1 and sentinel_hub.count(STATISTICS_PATH) == 1


def test_ndvi_image_of_a_field_comes_from_the_process_api_and_is_cached(
    sentinel_hub: FakeSentinelHub,
    sh_settings: SentinelHubSettings,
    fields: pd.DataFrame,
    tmp_path: Path,
) -> None:
    connection = SentinelHubConnection(sh_settings)
    boundary = fields["boundary_geojson"].iloc[0]
    args = (tmp_path / "cache", "A1", boundary, date(2024, 6, 1), date(2024, 6, 15))

    image = fetch_ndvi_image(connection, *args, today=TODAY)

    [request] = sentinel_hub.of(PROCESS_PATH)
    assert request.headers["accept"] == "image/tiff"
    body = request.json
    assert body["output"]["responses"] == [
        {"identifier": "default", "format": {"type": "image/tiff"}}
    ]
    assert (body["output"]["resx"], body["output"]["resy"]) == (10, 10)
    data = body["input"]["data"][0]
    assert data["type"] == "sentinel-2-l2a"
    assert data["dataFilter"] == {
        "timeRange": {"from": "2024-06-01T00:00:00Z", "to": "2024-06-16T00:00:00Z"},
        "mosaickingOrder": "leastCC",
    }
    assert body["input"]["bounds"]["properties"]["crs"].endswith("/32631")
    assert image.ndvi.dtype == np.float32 and image.ndvi.ndim == 2
    min_x, min_y, max_x, max_y = image.bbox_utm  # the field's 300 m x 200 m, a little rotated
    assert image.ndvi.shape == (round((max_y - min_y) / 10), round((max_x - min_x) / 10))
    assert image.epsg == 32631
    assert image.clear_fraction > 0.9
    assert math.isclose(float(np.nanmin(image.ndvi)), 0.5, abs_tol=1e-3)

    again = fetch_ndvi_image(SentinelHubConnection(sh_settings), *args, today=TODAY)
    assert sentinel_hub.count(PROCESS_PATH) == 1
    np.testing.assert_array_equal(again.ndvi, image.ndvi)
