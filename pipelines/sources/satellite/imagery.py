"""NDVI pixels of one field (Process API, GeoTIFF) for the field map in the app, cached on disk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sentinelhub import (
    DataCollection,
    MimeType,
    MosaickingOrder,
    SentinelHubDownloadClient,
    SentinelHubRequest,
)

from pipelines.sources.satellite.connection import SentinelHubConnection, field_geometry_utm
from pipelines.sources.satellite.evalscript import NDVI_IMAGE_EVALSCRIPT
from pipelines.sources.satellite.sources import RESOLUTION_M, SETTLE_DAYS


class ImageryError(RuntimeError):
    """No image could be obtained; the message says why."""


@dataclass(frozen=True)
class NdviImage:
    """NDVI on a regular UTM grid, row 0 at the north edge; NaN outside the field or not clear."""

    field_id: str
    ndvi: np.ndarray  # (rows, cols) float32
    bbox_utm: tuple[float, float, float, float]  # min x, min y, max x, max y in metres
    epsg: int
    resolution_m: float
    start: date
    end: date

    @property
    def clear_fraction(self) -> float:
        """Share of the grid's pixels with an NDVI value (the field is part of its grid)."""
        return float(np.isfinite(self.ndvi).mean()) if self.ndvi.size else 0.0


def fetch_ndvi_image(
    connection: SentinelHubConnection,
    cache_dir: Path,
    field_id: str,
    boundary_geojson: str,
    start: date,
    end: date,
    *,
    today: date | None = None,
) -> NdviImage:
    """The least-cloudy NDVI mosaic of the field over `start`..`end` (inclusive), 10 m pixels.

    A period that ended more than `SETTLE_DAYS` ago is cached under `cache_dir/process` and read
    from there afterwards; a recent one is fetched again each time.
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    field = field_geometry_utm(boundary_geojson)
    settled = ((today or datetime.now(UTC).date()) - end).days > SETTLE_DAYS
    time_range = (
        datetime.combine(start, datetime.min.time(), UTC),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC),
    )
    # Plain dict: the stock collection's service URL would override SH_BASE_URL (see sources.py).
    input_data = dict(
        SentinelHubRequest.input_data(
            DataCollection.SENTINEL2_L2A,
            time_interval=time_range,
            mosaicking_order=MosaickingOrder.LEAST_CC,
        )
    )
    request = SentinelHubRequest(
        evalscript=NDVI_IMAGE_EVALSCRIPT,
        input_data=[input_data],
        responses=[SentinelHubRequest.output_response("default", MimeType.TIFF)],
        geometry=field.geometry,
        resolution=(RESOLUTION_M, RESOLUTION_M),
        config=connection.config,
        data_folder=str(Path(cache_dir) / "process") if settled else None,
    )
    outcome = connection.download(SentinelHubDownloadClient, request.download_list)
    image = outcome.results[0]
    if image is None:
        reason = "; ".join(outcome.problems) or "the download failed"
        raise ImageryError(f"no NDVI image for field '{field_id}' ({start}..{end}): {reason}")
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim == 3:  # (rows, cols, 1) when the decoder keeps the band axis
        pixels = pixels[..., 0]
    bounds = field.geometry.bbox
    return NdviImage(
        field_id=field_id,
        ndvi=pixels,
        bbox_utm=(bounds.min_x, bounds.min_y, bounds.max_x, bounds.max_y),
        epsg=int(field.crs.epsg),
        resolution_m=RESOLUTION_M,
        start=start,
        end=end,
    )
