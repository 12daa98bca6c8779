"""Shared factories: a small, explicit, valid farm data bundle, and databases to import into."""

from __future__ import annotations

import json
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from pyproj import Geod

from pipelines.agronomy.season_grid import SeasonSources, season_sources
from pipelines.sources.bundle import Bundle
from pipelines.store import schema, storage

REPO = Path(__file__).resolve().parents[1]
SAMPLE_BUNDLE = REPO / "sample_data" / "demo"

LAT, LON = 51.95, 5.60


def _rectangle(lon: float, lat: float, width_m: float, height_m: float) -> dict:
    dlat = height_m / 111_320
    dlon = width_m / (111_320 * 0.6157)  # cos(51.95°)
    ring = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _area_ha(geometry: dict) -> float:
    lons, lats = zip(*geometry["coordinates"][0], strict=True)
    return round(abs(Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)[0]) / 10_000, 2)


def write_bundle(root: Path, reference_date: str = "2025-06-01") -> Path:
    """Write a small valid bundle: 2 farms, 3 fields, one station, past and running seasons."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "bundle.json").write_text(
        json.dumps(
            {
                "format_version": 1,
                "cooperative_id": "coop-test",
                "cooperative_name": "Test cooperative",
                "reference_date": reference_date,
                "timezone": "Europe/Amsterdam",
            },
            indent=2,
        )
    )
    pd.DataFrame(
        {
            "farm_id": ["farm-a", "farm-b"],
            "farm_name": ["Farm A", "Farm B"],
            "contact_email": ["a@example.org", ""],
        }
    ).to_csv(root / "farms.csv", index=False)
    features = []
    soils = [  # sand, clay, soc, fc, wp, root depth
        (70.0, 8.0, 1.2, 0.22, 0.08, 80.0),
        (35.0, 20.0, 2.1, 0.32, 0.14, 120.0),
        (15.0, 40.0, 2.8, 0.40, 0.22, 100.0),
    ]
    for i, (field_id, farm_id) in enumerate([("A1", "farm-a"), ("A2", "farm-a"), ("B1", "farm-b")]):
        geometry = _rectangle(LON + 0.01 * i, LAT, 300 + 50 * i, 200)
        sand, clay, soc, fc, wp, root_cm = soils[i]
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "field_id": field_id,
                    "farm_id": farm_id,
                    "field_name": f"Field {field_id}",
                    "area_ha": _area_ha(geometry),
                    "station_id": "st-1",
                    "irrigated": i == 1,
                    "sand_pct": sand,
                    "clay_pct": clay,
                    "soc_pct": soc,
                    "field_capacity_m3_m3": fc,
                    "wilting_point_m3_m3": wp,
                    "root_depth_max_cm": root_cm,
                },
            }
        )
    (root / "fields.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, indent=1)
    )
    pd.DataFrame(
        [
            ["A1", 2024, "winter_wheat", "Julius", "2023-10-20", "2024-08-01", 8.52, 15.0],
            ["A1", 2025, "grain_maize", "", "2025-04-25", "", "", ""],
            ["A2", 2024, "grain_maize", "P8666", "2024-04-28", "2024-10-10", 11.3, 15.5],
            ["A2", 2025, "winter_wheat", "Julius", "2024-10-25", "", "", ""],
            ["B1", 2024, "winter_wheat", "", "2023-11-02", "2024-08-10", 7.9, 15.0],
        ],
        columns=[
            "field_id",
            "season",
            "crop",
            "variety",
            "sowing_date",
            "harvest_date",
            "yield_t_ha",
            "yield_moisture_pct",
        ],
    ).to_csv(root / "seasons.csv", index=False)
    pd.DataFrame(
        [
            ["A1", "2024-03-01", "nitrogen", 70, "kg_N_ha", "CAN 27%"],
            ["A1", "2024-04-15", "nitrogen", 60, "kg_N_ha", "CAN 27%"],
            ["A2", "2024-07-10", "irrigation", 25, "mm", "reel"],
            ["A2", "2025-03-05", "nitrogen", 80, "kg_N_ha", ""],
        ],
        columns=["field_id", "date", "operation", "amount", "unit", "product"],
    ).to_csv(root / "operations.csv", index=False)
    days = pd.date_range("2023-10-01", reference_date, freq="D")
    doy = days.dayofyear.to_numpy()
    pd.DataFrame(
        {
            "station_id": "st-1",
            "date": days.strftime("%Y-%m-%d"),
            "tmin_degc": (5 + 6 * -pd.Series(doy).sub(200).abs().div(180)).round(1) + 6,
            "tmax_degc": (14 + 8 * -pd.Series(doy).sub(200).abs().div(180)).round(1) + 8,
            "precip_mm": [(3.2 if d % 3 == 0 else 0.0) for d in doy],
            "rad_mj_m2": 12.5,
            "vp_kpa": 1.1,
            "rh_pct": "",
            "wind_m_s": 3.0,
            "station_lat": LAT,
            "station_lon": LON,
            "station_elevation_m": 9.0,
        }
    ).to_csv(root / "weather.csv", index=False)
    sat_rows = []
    for field_id in ("A1", "A2", "B1"):
        for k, day in enumerate(pd.date_range("2024-03-01", "2024-07-01", freq="10D")):
            ndvi = 0.3 + 0.04 * k
            sat_rows.append(
                [
                    field_id,
                    day.strftime("%Y-%m-%d"),
                    0.95,
                    600,
                    ndvi,
                    0.05,
                    ndvi - 0.06,
                    ndvi,
                    ndvi + 0.06,
                    ndvi / 2,
                    0.03,
                    ndvi / 2 - 0.04,
                    ndvi / 2,
                    ndvi / 2 + 0.04,
                    "",
                    "",
                ]
            )
    pd.DataFrame(
        sat_rows,
        columns=[
            "field_id",
            "date",
            "cloud_free_fraction",
            "pixel_count",
            "ndvi_mean",
            "ndvi_std",
            "ndvi_p10",
            "ndvi_p50",
            "ndvi_p90",
            "ndre_mean",
            "ndre_std",
            "ndre_p10",
            "ndre_p50",
            "ndre_p90",
            "ndmi_mean",
            "ndmi_std",
        ],
    ).to_csv(root / "satellite.csv", index=False)
    (root / "sensors" / "long").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        [
            ["dev-1", 1, "A2", 10, "TEROS 12", "UTC", "2024-05-01", "2024-09-30"],
            ["dev-1", 2, "A2", 30, "TEROS 12", "UTC", "2024-05-01", "2024-09-30"],
        ],
        columns=[
            "device_id",
            "port",
            "field_id",
            "depth_cm",
            "sensor_model",
            "timezone",
            "installed_date",
            "removed_date",
        ],
    ).to_csv(root / "sensors" / "devices.csv", index=False)
    (root / "sensors" / "long" / "dev-1_2024.csv").write_text(
        "device_id,port,depth_cm,variable,ts,value,unit\n"
        "dev-1,1,10,vwc_m3_m3,2024-05-01T00:00:00Z,0.281,m3/m3\n"
    )
    return root


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """A fresh, valid bundle folder the test may edit."""
    return write_bundle(tmp_path / "bundle")


@pytest.fixture
def edit_csv() -> Callable[[Path, Callable[[pd.DataFrame], pd.DataFrame]], None]:
    """Rewrite a CSV of a bundle through a function of its (string) DataFrame."""

    def edit(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        change(frame).to_csv(path, index=False)

    return edit


def _postgres_admin_url() -> str | None:
    return os.environ.get("AGRI_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of a reachable PostgreSQL server; skipped loudly only when none can be started."""
    url = _postgres_admin_url() or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    try:
        sa.create_engine(url).connect().close()
    except Exception as exc:
        message = f"no PostgreSQL server at {url}: {exc}"
        if os.environ.get("AGRI_REQUIRE_POSTGRES") or os.environ.get("CI"):
            pytest.fail(message + " (run the tests through `make test`, which starts one)")
        warnings.warn("POSTGRESQL TESTS SKIPPED: " + message, stacklevel=1)
        pytest.skip("POSTGRESQL TESTS SKIPPED: " + message)
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    name = f"agri_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = (
        sa.engine.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> storage.Workspace:
    """An empty workspace on SQLite, and the same on a real PostgreSQL database."""
    if request.param == "sqlite":
        return storage.Workspace(tmp_path / "ws")
    return storage.Workspace(tmp_path / "ws", request.getfixturevalue("postgres_url"))


def dump_database(url: str) -> dict[str, list[tuple]]:
    """Every row of every table except the schema version, sorted: for equality checks."""
    engine = storage.connect(url)
    out = {}
    with engine.connect() as conn:
        for name, table in schema.METADATA.tables.items():
            if name == "schema_version":
                continue
            rows = conn.execute(sa.select(table)).all()
            out[name] = sorted((tuple(r) for r in rows), key=lambda r: tuple(map(str, r)))
    engine.dispose()
    return out


def bundle_sources(bundle: Bundle, sensors: pd.DataFrame | None = None) -> SeasonSources:
    """`SeasonSources` straight from a bundle read in a test (the product reads the workspace
    through `pipelines.store.loader`)."""
    return season_sources(bundle, sensors)
