"""Read and validate a farm data bundle (`docs/bundle-format.md`).

`read_bundle(path)` checks everything once, at the boundary, and either returns a `Bundle` whose
tables follow the data contracts of ARCHITECTURE.md or raises `InputError` listing every problem
with its file, line and column and the fix to apply. Code past this point trusts the tables.
"""

from __future__ import annotations

import hashlib
import json
import math
import zoneinfo
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyproj import Geod
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from pipelines.crops import CROP_COLUMNS, builtin_crops, merge_crops, with_crop_defaults
from pipelines.tables import (
    ColumnSpec,
    InputError,
    Problem,
    ProblemLog,
    check_table,
    read_csv_strings,
)

FORMAT_VERSION = 1
# Nitrogen applied up to this many days before sowing still counts for that season (base dressing).
PRE_SOWING_DAYS = 60
AREA_TOLERANCE = 0.10

PCT_AS_FRACTION = "looks like percent: divide by 100"
FARM_COLUMNS = (
    ColumnSpec("farm_id", "id"),
    ColumnSpec("farm_name", "text"),
    ColumnSpec("contact_email", "text", required=False),
)
FIELD_COLUMNS = (
    ColumnSpec("field_id", "id"),
    ColumnSpec("farm_id", "id"),
    ColumnSpec("field_name", "text"),
    ColumnSpec("area_ha", "float", lo=0.01, hi=10_000, above="in m²? divide by 10,000"),
    ColumnSpec("station_id", "id"),
    ColumnSpec("irrigated", "bool"),
    ColumnSpec("sand_pct", "float", lo=0, hi=100, below="", above=""),
    ColumnSpec("clay_pct", "float", lo=0, hi=100),
    ColumnSpec("soc_pct", "float", lo=0, hi=20, above="in g/kg? divide by 10"),
    ColumnSpec("field_capacity_m3_m3", "float", lo=0.05, hi=0.6, above=PCT_AS_FRACTION),
    ColumnSpec("wilting_point_m3_m3", "float", lo=0.01, hi=0.45, above=PCT_AS_FRACTION),
    ColumnSpec("root_depth_max_cm", "float", lo=20, hi=300, below="in metres? multiply by 100"),
)
SEASON_COLUMNS = (
    ColumnSpec("field_id", "id"),
    ColumnSpec("season", "int", lo=1950, hi=2100, below="write the four-digit harvest year"),
    ColumnSpec("crop", "text"),
    ColumnSpec("variety", "text", required=False),
    ColumnSpec("sowing_date", "date"),
    ColumnSpec("harvest_date", "date", required=False),
    ColumnSpec(
        "yield_t_ha", "float", required=False, lo=0, hi=30, above="in kg/ha? divide by 1000"
    ),
    ColumnSpec(
        "yield_moisture_pct",
        "float",
        required=False,
        lo=0,
        hi=50,
        below="",
        above="write the moisture in percent, e.g. 15.5",
    ),
)
OPERATION_UNITS = {"nitrogen": "kg_N_ha", "irrigation": "mm"}
# Conversions we name in the error rather than apply silently: the user fixes the source.
UNIT_FIXES = {
    ("nitrogen", "lb_N_ac"): "multiply by 1.121 to get kg_N_ha",
    ("nitrogen", "kg_ha"): "if the amount is product (e.g. CAN 27 %), multiply by its N "
    "fraction; if it is already N, write kg_N_ha",
    ("nitrogen", "g_N_m2"): "multiply by 10 to get kg_N_ha",
    ("irrigation", "cm"): "multiply by 10 to get mm",
    ("irrigation", "in"): "multiply by 25.4 to get mm",
    ("irrigation", "m3_ha"): "divide by 10 to get mm",
}
OPERATION_COLUMNS = (
    ColumnSpec("field_id", "id"),
    ColumnSpec("date", "date"),
    ColumnSpec("operation", "text", choices=tuple(OPERATION_UNITS)),
    ColumnSpec("amount", "float", lo=0.0, hi=1000),
    ColumnSpec("unit", "text"),
    ColumnSpec("product", "text", required=False),
)
WEATHER_COLUMNS = (
    ColumnSpec("station_id", "id"),
    ColumnSpec("date", "date"),
    ColumnSpec(
        "tmin_degc", "float", lo=-50, hi=45, above="looks like °F: convert with (°F − 32) × 5/9"
    ),
    ColumnSpec(
        "tmax_degc", "float", lo=-40, hi=55, above="looks like °F: convert with (°F − 32) × 5/9"
    ),
    ColumnSpec("precip_mm", "float", lo=0, hi=500, above="in tenths of mm? divide by 10"),
    ColumnSpec(
        "rad_mj_m2",
        "float",
        required=False,
        lo=0,
        hi=45,
        above="looks like kJ/m²/day: divide by 1000 (W/m² daily mean: × 0.0864)",
    ),
    ColumnSpec(
        "vp_kpa", "float", required=False, lo=0, hi=8, above="looks like hPa (mbar): divide by 10"
    ),
    ColumnSpec("rh_pct", "float", required=False, lo=0, hi=100),
    ColumnSpec(
        "wind_m_s", "float", required=False, lo=0, hi=40, above="looks like km/h: divide by 3.6"
    ),
    # Humidity as the station measures it; ETo uses the best one given each day (dew point,
    # then RHmax and RHmin, then the mean RH: pipelines.agronomy.weather).
    ColumnSpec(
        "tdew_degc",
        "float",
        required=False,
        lo=-60,
        hi=40,
        above="looks like °F: convert with (°F − 32) × 5/9",
    ),
    ColumnSpec("rh_max_pct", "float", required=False, lo=0, hi=100),
    ColumnSpec("rh_min_pct", "float", required=False, lo=0, hi=100),
    ColumnSpec("station_lat", "float", lo=-90, hi=90),
    ColumnSpec("station_lon", "float", lo=-180, hi=180),
    ColumnSpec("station_elevation_m", "float", lo=-450, hi=6000, above="in feet? × 0.3048"),
    # The height of the wind sensor above the ground (default 2 m); ETo brings the wind to 2 m
    # (FAO-56 eq. 47). The range is pipelines.agronomy.weather.WIND_HEIGHT_RANGE_M.
    ColumnSpec(
        "station_anemometer_height_m",
        "float",
        required=False,
        lo=0.5,
        hi=20,
        below="write the wind sensor's height above the ground in metres (usually 2 or 10)",
        above="in feet? multiply by 0.3048 (a 10 m mast is 33 ft)",
    ),
)
STATION_COLUMNS = {
    "station_lat": "lat",
    "station_lon": "lon",
    "station_elevation_m": "elevation_m",
    "station_anemometer_height_m": "anemometer_height_m",
}
# FAO-56 defines ETo for wind measured at 2 m; a station that does not say measures there.
DEFAULT_ANEMOMETER_HEIGHT_M = 2.0
_NOT_FORECAST_COLUMNS = ("station_id", "date", *STATION_COLUMNS)
# forecast.csv: the daily weather columns for days ahead, per station and issue date. The only
# bundle file whose dates may lie after the reference date.
FORECAST_COLUMNS = (
    ColumnSpec("station_id", "id"),
    ColumnSpec("issued_date", "date"),
    ColumnSpec("date", "date"),
    *(spec for spec in WEATHER_COLUMNS if spec.name not in _NOT_FORECAST_COLUMNS),
)
INDEX_RANGE = {"lo": -1.0, "hi": 1.0, "above": "looks scaled (e.g. × 10000): divide by the scale"}
SATELLITE_COLUMNS = (
    ColumnSpec("field_id", "id"),
    ColumnSpec("date", "date"),
    ColumnSpec("cloud_free_fraction", "float", lo=0, hi=1, above=PCT_AS_FRACTION),
    ColumnSpec("pixel_count", "int", lo=1, hi=1e9),
    *(
        ColumnSpec(f"{index}_{stat}", "float", required=index != "ndmi", **INDEX_RANGE)  # type: ignore[arg-type]
        for index in ("ndvi", "ndre", "ndmi")
        for stat in ("mean", "std", "p10", "p50", "p90")
        if not (index == "ndmi" and stat in ("p10", "p50", "p90"))
    ),
)
DEVICE_COLUMNS = (
    ColumnSpec("device_id", "id"),
    ColumnSpec("port", "int", lo=0, hi=1000),
    ColumnSpec("field_id", "id"),
    ColumnSpec("depth_cm", "float", lo=0, hi=300),
    ColumnSpec("sensor_model", "text", required=False),
    ColumnSpec("timezone", "text"),
    ColumnSpec("installed_date", "date"),
    ColumnSpec("removed_date", "date", required=False),
)
# The longest cell of each kind. Ids are stored as VARCHAR(64) (pipelines/store/schema.py); a
# name or a product is a line on a screen or in a report, not a document; a number or a date is
# short. A longer cell is a paste or export gone wrong: it is reported with a short preview, so
# neither the message nor the database receives the whole of it.
MAX_CHARS = {"id": 64, "text": 200, "float": 40, "int": 40, "date": 40, "bool": 40}
# RFC 5321 allows an address of up to 254 characters.
MAX_CHARS_OF_COLUMN = {"contact_email": 254}
MAX_HEADER_CHARS = 100
KIND_NAMES = {
    "id": "an identifier",
    "text": "a text",
    "float": "a number",
    "int": "a number",
    "date": "a date",
    "bool": "a true/false value",
}
PREVIEW_CHARS = 40
# Two fields whose boundaries overlap this much (intersection over union) are one polygon given
# twice: a copy-paste, not two neighbours (neighbours share an edge and overlap by ~0).
SAME_BOUNDARY_OVERLAP = 0.95
# Probe depths are written in centimetres. A depth above 0 and below this is a metre value
# (0.1, 0.3, 0.6): no probe is installed 1 cm deep (the shortest, e.g. a TEROS 12, has 5.5 cm
# needles and is written at the depth of its centre).
METRES_AS_CM_BELOW = 1.5
# A station's median daily wind, at 2 m, above which the column is km/h rather than m/s. FAO-56
# (Chapter 3, Table 4) calls a daily mean of 5 m/s or more "strong" wind; the windiest farmed
# places (Patagonia, the Isthmus of Tehuantepec) have a median daily wind at 2 m of about
# 5-6 m/s, so no farm has more than 7 m/s on half of its days. The same wind in km/h (× 3.6) is
# above it for any station whose true median exceeds 1.95 m/s (FAO-56's world average is 2 m/s);
# a calmer station's km/h values look like plausible m/s and cannot be told apart by size alone.
KMH_MEDIAN_WIND_M_S = 7.0
# A station needs this many days of wind (or of RH) before its median says anything about units.
MIN_DAYS_FOR_UNITS = 10
# Dew point is at most the air temperature at every moment, so the daily mean dew point is at
# most Tmax; this margin allows for two instruments' errors.
DEW_POINT_ABOVE_TMAX_DEGC = 1.0


class Manifest(BaseModel):
    """`bundle.json`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: int
    cooperative_id: str = Field(max_length=MAX_CHARS["id"])
    cooperative_name: str = Field(max_length=MAX_CHARS["text"])
    reference_date: date
    timezone: str = Field(max_length=MAX_CHARS["id"])
    description: str | None = Field(default=None, max_length=2000)
    generator: dict[str, Any] | None = None


@dataclass(frozen=True)
class BundleFile:
    """A file of the bundle, identified by its content."""

    path: str  # relative to the bundle root, with '/' separators
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class Bundle:
    """A validated bundle. Dates are datetime64 (naive, local calendar days)."""

    root: Path
    manifest: Manifest
    farms: pd.DataFrame
    fields: pd.DataFrame  # with `boundary_geojson` (str) and `farm_id`
    seasons: pd.DataFrame
    operations: pd.DataFrame  # with the `season` each operation belongs to
    stations: pd.DataFrame
    weather: pd.DataFrame
    satellite: pd.DataFrame
    devices: pd.DataFrame
    crops: pd.DataFrame  # built-in crops merged with the bundle's own
    files: tuple[BundleFile, ...]
    # forecast.csv (optional): empty, with its columns, when the bundle has none.
    forecast: pd.DataFrame = dataclass_field(default_factory=lambda: empty_forecast())

    @property
    def sha256(self) -> str:
        """Content hash of the whole bundle (paths and file contents)."""
        digest = hashlib.sha256()
        for f in self.files:
            digest.update(f"{f.path}\0{f.sha256}\n".encode())
        return digest.hexdigest()

    @property
    def sensor_logs(self) -> tuple[BundleFile, ...]:
        return tuple(
            f
            for f in self.files
            if f.path.startswith("sensors/") and f.path != "sensors/devices.csv"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_bundle(root: str | Path) -> Bundle:
    """Read and validate the bundle at `root`; raise `InputError` listing every problem."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(
            [
                Problem(
                    str(root),
                    None,
                    None,
                    "not a folder; pass the bundle folder (see docs/bundle-format.md)",
                )
            ],
            "bundle",
        )
    log = ProblemLog()
    manifest = _read_manifest(root, log)

    def table(name: str, specs: tuple[ColumnSpec, ...], required: bool) -> pd.DataFrame | None:
        path = root / name
        if not path.exists():
            if required:
                log.add(
                    name,
                    None,
                    None,
                    "file is missing; every bundle needs it (see docs/bundle-format.md)",
                )
                return None
            return check_table(pd.DataFrame(columns=[s.name for s in specs]), specs, name, log)
        raw = read_csv_strings(path, name, log)
        if raw is None:
            return None
        return check_table(cap_cell_lengths(raw, specs, name, log), specs, name, log)

    farms = table("farms.csv", FARM_COLUMNS, required=True)
    fields = _read_fields(root, log)
    seasons = table("seasons.csv", SEASON_COLUMNS, required=True)
    operations = table("operations.csv", OPERATION_COLUMNS, required=False)
    weather = table("weather.csv", WEATHER_COLUMNS, required=True)
    satellite = table("satellite.csv", SATELLITE_COLUMNS, required=False)
    devices = table("sensors/devices.csv", DEVICE_COLUMNS, required=False)
    extra_crops = table("crops.csv", CROP_COLUMNS, required=False)
    forecast = table("forecast.csv", FORECAST_COLUMNS, required=False)
    crops = merge_crops(
        builtin_crops(), None if extra_crops is None else with_crop_defaults(extra_crops)
    )

    # Cross-file checks need every table parsed; a table that failed to parse is already reported.
    if farms is not None:
        _unique(farms, ["farm_id"], "farms.csv", log)
    stations = None
    if weather is not None:
        stations = _check_weather(weather, log)
    if fields is not None:
        _check_fields(fields, farms, stations, log)
        _check_same_boundaries(fields, log)
    field_ids = set(fields["field_id"]) if fields is not None else None
    if seasons is not None:
        _check_seasons(seasons, field_ids, crops, manifest, log)
    if operations is not None and seasons is not None:
        operations = _check_operations(operations, field_ids, seasons, manifest, log)
    if weather is not None and fields is not None and seasons is not None:
        _check_weather_coverage(weather, fields, seasons, manifest, log)
    if satellite is not None:
        _check_keyed(satellite, ["field_id", "date"], "satellite.csv", field_ids, manifest, log)
    if devices is not None:
        check_devices(
            devices,
            field_ids,
            log,
            reference_date=None if manifest is None else manifest.reference_date,
        )
    if forecast is not None:
        _check_forecast(forecast, stations, manifest, log)
    log.raise_if_any("bundle")

    assert manifest is not None and farms is not None and fields is not None
    assert seasons is not None and operations is not None and weather is not None
    assert stations is not None and satellite is not None and devices is not None
    assert forecast is not None
    return Bundle(
        root=root,
        manifest=manifest,
        farms=farms,
        fields=fields,
        seasons=seasons.sort_values(["field_id", "season"], ignore_index=True),
        operations=operations.sort_values(["field_id", "date", "operation"], ignore_index=True),
        stations=stations,
        weather=weather.drop(columns=list(STATION_COLUMNS)).sort_values(
            ["station_id", "date"], ignore_index=True
        ),
        satellite=satellite.sort_values(["field_id", "date"], ignore_index=True),
        devices=devices.sort_values(["device_id", "port", "installed_date"], ignore_index=True),
        crops=crops,
        files=_list_files(root),
        forecast=forecast.sort_values(["station_id", "issued_date", "date"], ignore_index=True),
    )


def empty_forecast() -> pd.DataFrame:
    """forecast.csv's typed columns without rows: the forecast of a bundle that has none."""
    log = ProblemLog()
    empty = pd.DataFrame(columns=[s.name for s in FORECAST_COLUMNS])
    frame = check_table(empty, FORECAST_COLUMNS, "forecast.csv", log)
    assert frame is not None
    return frame


def _read_manifest(root: Path, log: ProblemLog) -> Manifest | None:
    path = root / "bundle.json"
    if not path.exists():
        log.add(
            "bundle.json",
            None,
            None,
            "file is missing; it names the cooperative and the "
            "reference date (see docs/bundle-format.md)",
        )
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        log.add("bundle.json", None, None, f"not valid JSON ({exc})")
        return None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            log.add("bundle.json", None, key, err["msg"])
        return None
    if manifest.format_version != FORMAT_VERSION:
        log.add(
            "bundle.json",
            None,
            "format_version",
            f"version {manifest.format_version} is not supported; this reader reads "
            f"version {FORMAT_VERSION}",
        )
    if manifest.timezone not in zoneinfo.available_timezones():
        log.add(
            "bundle.json",
            None,
            "timezone",
            f"'{manifest.timezone}' is not an IANA time zone (e.g. Europe/Amsterdam)",
        )
    return manifest


def _read_fields(root: Path, log: ProblemLog) -> pd.DataFrame | None:
    name = "fields.geojson"
    path = root / name
    if not path.exists():
        log.add(name, None, None, "file is missing; every bundle needs the field boundaries")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        log.add(name, None, None, f"not valid JSON ({exc})")
        return None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        log.add(name, None, None, "must be a GeoJSON FeatureCollection")
        return None
    features = data.get("features") or []
    if not features:
        log.add(name, None, None, "holds no features; add one Feature per field")
        return None
    props = []
    geometries: list[str | None] = []
    areas = []
    geod = Geod(ellps="WGS84")
    for i, feature in enumerate(features):
        where = f"feature {i + 1}"
        p = feature.get("properties") or {}
        props.append({k: "" if v is None else str(v).strip() for k, v in p.items()})
        geometry = feature.get("geometry")
        area = np.nan
        if not isinstance(geometry, dict) or geometry.get("type") not in (
            "Polygon",
            "MultiPolygon",
        ):
            log.add(name, where, "geometry", "must be a Polygon or MultiPolygon")
            geometries.append(None)
        else:
            try:
                geom = shape(geometry)
                lon_min, lat_min, lon_max, lat_max = geom.bounds
                if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
                    raise ValueError("coordinates outside WGS84 longitude/latitude")
                if not geom.is_valid:
                    raise ValueError("the polygon crosses itself")
                area = abs(geod.geometry_area_perimeter(geom)[0]) / 10_000
            except (ValueError, TypeError, AttributeError, IndexError) as exc:
                log.add(
                    name,
                    where,
                    "geometry",
                    f"{exc}; coordinates must be [longitude, latitude] in WGS84 degrees",
                )
            geometries.append(json.dumps(geometry, separators=(",", ":")))
        areas.append(area)
    raw = cap_cell_lengths(
        pd.DataFrame(props).fillna(""), FIELD_COLUMNS, name, log, row_label="feature"
    )
    fields = check_table(raw, FIELD_COLUMNS, name, log, row_label="feature")
    if fields is None:
        return None
    fields["boundary_geojson"] = geometries
    measured = np.asarray(areas)
    stated = fields["area_ha"].to_numpy()
    off = np.abs(stated - measured) > AREA_TOLERANCE * measured
    for i in np.flatnonzero(off & np.isfinite(measured)).tolist():
        log.add(
            name,
            f"feature {i + 1}",
            "area_ha",
            f"area_ha is {stated[i]:g} but the polygon measures {measured[i]:.2f} ha; fix "
            "area_ha or check the coordinates are [longitude, latitude]",
        )
    return fields


def preview(text: str, chars: int = PREVIEW_CHARS) -> str:
    """The start of `text`, for a message about it (the whole of it may be megabytes)."""
    return text if len(text) <= chars else text[:chars] + "…"


def cap_cell_lengths(
    raw: pd.DataFrame,
    specs: tuple[ColumnSpec, ...],
    name: str,
    log: ProblemLog,
    row_label: str = "line",
) -> pd.DataFrame:
    """`raw` (strings) with every over-long header and cell reported and cut to a preview.

    A cell longer than its kind allows (`MAX_CHARS`) is reported with its length and first
    characters; the cut value goes on to the column checks, so the problem is reported once
    and no check, message or table holds the whole cell.
    """
    long_headers = [c for c in raw.columns if len(str(c)) > MAX_HEADER_CHARS]
    for column in long_headers:
        log.add(
            name,
            "line 1" if row_label == "line" else None,
            preview(str(column)),
            f"a column name of {len(str(column)):,} characters; the header row holds short "
            "column names (see docs/bundle-format.md): is a data row or a document pasted "
            "into it?",
        )
    out = raw.rename(columns={c: preview(str(c)) for c in long_headers})
    kinds = {spec.name: spec.kind for spec in specs}
    for column in out.columns:
        limit = MAX_CHARS_OF_COLUMN.get(column, MAX_CHARS[kinds.get(column, "text")])
        values = out[column]
        # len() mapped in C: a bundle has millions of cells, and all of them are strings here.
        lengths = np.fromiter(map(len, values.to_numpy()), dtype=np.int64, count=len(values))
        rows = np.flatnonzero(lengths > limit)
        if not rows.size:
            continue
        what = KIND_NAMES[kinds.get(column, "text")]
        log.add_rows(
            name,
            rows,
            column,
            {
                int(r): f"value of {int(lengths[r]):,} characters ('{preview(values.iloc[r])}'); "
                f"{what} in this column is at most {limit} characters: shorten it (was a "
                "document or several cells pasted into one?)"
                for r in rows[:5]
            },
            row_label,
        )
        column_values = out[column].copy()
        column_values.iloc[rows] = [preview(values.iloc[r]) for r in rows]
        out[column] = column_values
    return out


def _check_same_boundaries(fields: pd.DataFrame, log: ProblemLog) -> None:
    """Two fields may not have the same boundary: one of them was given the other's polygon."""
    shapes: list[BaseGeometry] = []
    rows: list[int] = []
    for row, text in enumerate(fields["boundary_geojson"]):
        if not isinstance(text, str):
            continue
        geometry = shape(json.loads(text))
        if geometry.is_valid and not geometry.is_empty and geometry.area > 0:
            shapes.append(geometry)
            rows.append(row)
    if len(shapes) < 2:
        return
    tree = STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    ids = fields["field_id"]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        shared = shapes[a].intersection(shapes[b]).area
        overlap = shared / shapes[a].union(shapes[b]).area
        if overlap < SAME_BOUNDARY_OVERLAP:
            continue
        first, second = rows[a], rows[b]
        # Rounded down, so a near copy never reads "100 %".
        same = (
            "the same polygon as"
            if overlap > 0.9999
            else f"{math.floor(overlap * 1000) / 10:g} % the same ground as"
        )
        log.add(
            "fields.geojson",
            f"feature {second + 1}",
            "geometry",
            f"field '{ids.iloc[second]}' has {same} field '{ids.iloc[first]}' (feature "
            f"{first + 1}); two fields cannot cover the same ground: give the field its own "
            "boundary, or keep one of the two fields",
        )


def _unique(frame: pd.DataFrame, keys: list[str], file: str, log: ProblemLog) -> None:
    dup = frame.duplicated(keys, keep="first") & frame[keys].notna().all(axis=1)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        messages = {
            int(r): "duplicate of an earlier row with the same "
            + ", ".join(f"{k}={_fmt(frame[k].iloc[r])}" for k in keys)
            + "; keep one"
            for r in rows[:5]
        }
        label = "feature" if file.endswith(".geojson") else "line"
        log.add_rows(file, rows, keys[-1], messages, label)


def _fmt(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _unknown(
    frame: pd.DataFrame, column: str, known: set[str] | None, file: str, what: str, log: ProblemLog
) -> None:
    if known is None:
        return
    bad = frame[column].notna() & ~frame[column].isin(known)
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        msgs = {int(r): f"'{frame[column].iloc[r]}' is not a {what}" for r in rows[:5]}
        label = "feature" if file.endswith(".geojson") else "line"
        log.add_rows(file, rows, column, msgs, label)


def _check_weather(weather: pd.DataFrame, log: ProblemLog) -> pd.DataFrame:
    """Row and station checks of weather.csv; returns the stations (id, lat, lon, elevation_m,
    anemometer_height_m)."""
    name = "weather.csv"
    _unique(weather, ["station_id", "date"], name, log)
    _check_tmax_above_tmin(weather, name, log)
    _check_humidity_rows(weather, name, log)
    meta = list(STATION_COLUMNS)
    spread = weather.groupby("station_id", sort=True)[meta].agg(["min", "max"])
    for station_id, row in spread.iterrows():
        for col in meta:
            low, high = row[(col, "min")], row[(col, "max")]
            if pd.notna(low) and low != high:
                log.add(
                    name,
                    None,
                    col,
                    f"station '{station_id}' has more than one {col}; a station has one "
                    "location and one wind sensor height (use another station_id for another "
                    "site or mast)",
                )
    # A station property given on some rows holds for all of them.
    stations = (
        weather.groupby("station_id", sort=True)[meta].first().rename(columns=STATION_COLUMNS)
    )
    stations["anemometer_height_m"] = stations["anemometer_height_m"].fillna(
        DEFAULT_ANEMOMETER_HEIGHT_M
    )
    stations = stations.reset_index()
    _check_station_units(weather, stations, name, log)
    return stations


def _check_humidity_rows(frame: pd.DataFrame, name: str, log: ProblemLog) -> None:
    swapped = frame["rh_min_pct"] > frame["rh_max_pct"]
    if swapped.any():
        log.add_rows(
            name,
            np.flatnonzero(swapped.to_numpy()),
            "rh_min_pct",
            "rh_min_pct is above rh_max_pct; are the two columns swapped?",
        )
    dew_above = frame["tdew_degc"] > frame["tmax_degc"] + DEW_POINT_ABOVE_TMAX_DEGC
    if dew_above.any():
        log.add_rows(
            name,
            np.flatnonzero(dew_above.to_numpy()),
            "tdew_degc",
            "the dew point is above tmax_degc, which air cannot hold; is it in °F, or is it "
            "the air temperature (or wet-bulb) column?",
        )


def _check_station_units(
    weather: pd.DataFrame, stations: pd.DataFrame, name: str, log: ProblemLog
) -> None:
    """Units a single value cannot betray, seen in a station's whole record: wind in km/h and
    relative humidity as a fraction."""
    height = stations.set_index("station_id")["anemometer_height_m"]
    for station_id, rows in weather.groupby("station_id", sort=True):
        wind = rows["wind_m_s"].dropna()
        z = float(height.get(station_id, DEFAULT_ANEMOMETER_HEIGHT_M))
        if len(wind) >= MIN_DAYS_FOR_UNITS and 0.5 <= z <= 20:
            # FAO-56 eq. 47: the median at 2 m, comparable with the threshold.
            factor = 1.0 if z == DEFAULT_ANEMOMETER_HEIGHT_M else 4.87 / np.log(67.8 * z - 5.42)
            median_2m = float(wind.median()) * factor
            if median_2m > KMH_MEDIAN_WIND_M_S:
                log.add(
                    name,
                    None,
                    "wind_m_s",
                    f"station '{station_id}' has a median daily wind of {median_2m:.1f} m/s at "
                    f"2 m, more than any farm has on half of its days ({KMH_MEDIAN_WIND_M_S:g} "
                    "m/s); it looks like km/h: divide wind_m_s by 3.6 (from knots multiply by "
                    "0.514, from mph by 0.447)",
                )
        for column in ("rh_pct", "rh_max_pct", "rh_min_pct"):
            values = rows[column].dropna()
            if len(values) >= MIN_DAYS_FOR_UNITS and values.max() <= 1.0:
                log.add(
                    name,
                    None,
                    column,
                    f"station '{station_id}' has every {column} at or below 1; it looks like a "
                    "fraction: multiply by 100 to write percent",
                )


def _check_fields(
    fields: pd.DataFrame, farms: pd.DataFrame | None, stations: pd.DataFrame | None, log: ProblemLog
) -> None:
    name = "fields.geojson"
    _unique(fields, ["field_id"], name, log)
    _unknown(
        fields,
        "farm_id",
        set(farms["farm_id"]) if farms is not None else None,
        name,
        "farm_id of farms.csv",
        log,
    )
    _unknown(
        fields,
        "station_id",
        set(stations["station_id"]) if stations is not None else None,
        name,
        "station_id of weather.csv",
        log,
    )
    inverted = fields["wilting_point_m3_m3"] >= fields["field_capacity_m3_m3"]
    if inverted.any():
        log.add_rows(
            name,
            np.flatnonzero(inverted.to_numpy()),
            "wilting_point_m3_m3",
            "wilting point is not below field capacity; are the two swapped?",
            "feature",
        )
    texture = fields["sand_pct"] + fields["clay_pct"] > 100
    if texture.any():
        log.add_rows(
            name,
            np.flatnonzero(texture.to_numpy()),
            "clay_pct",
            "sand_pct + clay_pct exceeds 100 %",
            "feature",
        )


def _check_seasons(
    seasons: pd.DataFrame,
    field_ids: set[str] | None,
    crops: pd.DataFrame,
    manifest: Manifest | None,
    log: ProblemLog,
) -> None:
    name = "seasons.csv"
    _unique(seasons, ["field_id", "season"], name, log)
    _unknown(seasons, "field_id", field_ids, name, "field_id of fields.geojson", log)
    known_crops = set(crops["crop_id"])
    bad_crop = seasons["crop"].notna() & ~seasons["crop"].isin(known_crops)
    if bad_crop.any():
        log.add_rows(
            name,
            np.flatnonzero(bad_crop.to_numpy()),
            "crop",
            {
                int(r): f"unknown crop '{seasons['crop'].iloc[r]}'; use one of "
                f"{', '.join(sorted(known_crops))} or add it to the bundle's crops.csv"
                for r in np.flatnonzero(bad_crop.to_numpy())[:5]
            },
        )
    sow, harvest, year = seasons["sowing_date"], seasons["harvest_date"], seasons["season"]

    def rows(mask: pd.Series) -> np.ndarray:
        return np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))

    sow_year = sow.dt.year
    wrong_year = sow.notna() & year.notna() & ~(sow_year.eq(year) | sow_year.eq(year - 1))
    if wrong_year.any():
        log.add_rows(
            name,
            rows(wrong_year),
            "sowing_date",
            "sowing_date must fall in the season (harvest year) or the year before; "
            "'season' is the calendar year of harvest",
        )
    order = harvest.notna() & sow.notna() & (harvest <= sow)
    if order.any():
        log.add_rows(
            name,
            rows(order),
            "harvest_date",
            "harvest_date is not after sowing_date; dates out of order (swapped?)",
        )
    harvest_year = harvest.notna() & year.notna() & harvest.dt.year.ne(year)
    if harvest_year.any():
        log.add_rows(
            name, rows(harvest_year), "season", "season must be the calendar year of harvest_date"
        )
    unharvested_yield = seasons["yield_t_ha"].notna() & harvest.isna()
    if unharvested_yield.any():
        log.add_rows(
            name,
            rows(unharvested_yield),
            "harvest_date",
            "a yield is given but no harvest_date; add the harvest date",
        )
    no_moisture = seasons["yield_t_ha"].notna() & seasons["yield_moisture_pct"].isna()
    if no_moisture.any():
        log.add_rows(
            name,
            rows(no_moisture),
            "yield_moisture_pct",
            "a yield needs the moisture it is stated at (e.g. 15.5)",
        )
    if manifest is not None:
        ref = pd.Timestamp(manifest.reference_date)
        for col in ("sowing_date", "harvest_date"):
            late = seasons[col] > ref
            if late.any():
                log.add_rows(
                    name,
                    rows(late),
                    col,
                    f"{col} is after the bundle's reference_date {ref.date()}; a bundle "
                    "holds what happened up to that date",
                )
    # One crop at a time: each season must end before the next one on the field starts.
    ordered = seasons.dropna(subset=["field_id", "sowing_date"]).sort_values(
        ["field_id", "sowing_date"]
    )
    nxt = ordered.groupby("field_id")[["sowing_date", "season"]].shift(-1)
    has_next = nxt["sowing_date"].notna()
    open_season = has_next & ordered["harvest_date"].isna()
    overlap = (
        has_next & ordered["harvest_date"].notna() & (ordered["harvest_date"] >= nxt["sowing_date"])
    )
    for idx in ordered.index[overlap]:
        log.add(
            name,
            f"line {idx + 2}",
            "harvest_date",
            f"season {ordered.at[idx, 'season']} of field '{ordered.at[idx, 'field_id']}' "
            f"(harvest {_fmt(ordered.at[idx, 'harvest_date'])}) overlaps season "
            f"{_fmt(nxt.at[idx, 'season'])} sown {_fmt(nxt.at[idx, 'sowing_date'])}; "
            "fix the dates or the season year",
        )
    for idx in ordered.index[open_season]:
        log.add(
            name,
            f"line {idx + 2}",
            "harvest_date",
            f"season {ordered.at[idx, 'season']} of field '{ordered.at[idx, 'field_id']}' "
            "has no harvest_date but a later season follows; only the latest season may "
            "be in progress",
        )


def _check_operations(
    ops: pd.DataFrame,
    field_ids: set[str] | None,
    seasons: pd.DataFrame,
    manifest: Manifest | None,
    log: ProblemLog,
) -> pd.DataFrame:
    name = "operations.csv"
    _unknown(ops, "field_id", field_ids, name, "field_id of fields.geojson", log)
    _unique(ops, ["field_id", "date", "operation"], name, log)
    zero = ops["amount"].notna() & (ops["amount"] <= 0)
    if zero.any():
        log.add_rows(
            name,
            np.flatnonzero(zero.to_numpy()),
            "amount",
            "amount must be above 0; leave out operations that did not happen",
        )
    expected = ops["operation"].map(OPERATION_UNITS)
    wrong = expected.notna() & ops["unit"].notna() & ops["unit"].ne(expected)
    rows = np.flatnonzero(wrong.to_numpy())
    messages = {}
    for r in rows[:5]:
        op, unit, want = ops["operation"].iloc[r], ops["unit"].iloc[r], expected.iloc[r]
        fix = UNIT_FIXES.get((op, unit), f"convert the amount to {want}")
        messages[int(r)] = f"unit '{unit}' is wrong for {op}: the unit must be {want}; {fix}"
    if rows.size:
        log.add_rows(name, rows, "unit", messages)
    if manifest is not None:
        late = ops["date"] > pd.Timestamp(manifest.reference_date)
        if late.any():
            log.add_rows(
                name,
                np.flatnonzero(late.to_numpy()),
                "date",
                "operation is after the bundle's reference_date; record only what was done",
            )
    # Attach each operation to its season: from PRE_SOWING_DAYS before sowing to harvest.
    windows = seasons.dropna(subset=["field_id", "season", "sowing_date"])[
        ["field_id", "season", "sowing_date", "harvest_date"]
    ]
    merged = ops.reset_index().merge(windows, on="field_id", how="left")
    end = merged["harvest_date"].fillna(pd.Timestamp.max)
    inside = (merged["date"] >= merged["sowing_date"] - pd.Timedelta(days=PRE_SOWING_DAYS)) & (
        merged["date"] <= end
    )
    matched = (
        merged[inside].sort_values(["index", "sowing_date"]).drop_duplicates("index", keep="last")
    )
    season = pd.Series(pd.array([None] * len(ops), dtype="Int64"), index=ops.index)
    season.loc[matched["index"].to_numpy()] = matched["season"].to_numpy()
    orphan = season.isna() & ops["field_id"].notna() & ops["date"].notna()
    if field_ids is not None:
        orphan &= ops["field_id"].isin(field_ids)
    if orphan.any():
        log.add_rows(
            name,
            np.flatnonzero(orphan.to_numpy()),
            "date",
            f"date is outside every season of the field (from {PRE_SOWING_DAYS} days "
            "before sowing to harvest); check the date or add the season to "
            "seasons.csv",
        )
    return ops.assign(season=season)


def _check_keyed(
    frame: pd.DataFrame,
    keys: list[str],
    name: str,
    field_ids: set[str] | None,
    manifest: Manifest | None,
    log: ProblemLog,
) -> None:
    _unique(frame, keys, name, log)
    _unknown(frame, "field_id", field_ids, name, "field_id of fields.geojson", log)
    if manifest is not None:
        late = frame["date"] > pd.Timestamp(manifest.reference_date)
        if late.any():
            log.add_rows(
                name,
                np.flatnonzero(late.to_numpy()),
                "date",
                "date is after the bundle's reference_date",
            )


def _check_weather_coverage(
    weather: pd.DataFrame,
    fields: pd.DataFrame,
    seasons: pd.DataFrame,
    manifest: Manifest | None,
    log: ProblemLog,
) -> None:
    """Every season needs daily weather at its field's station from sowing to harvest."""
    if manifest is None:
        return
    ref = pd.Timestamp(manifest.reference_date)
    late = weather["date"] > ref
    if late.any():
        log.add_rows(
            "weather.csv",
            np.flatnonzero(late.to_numpy()),
            "date",
            "date is after the bundle's reference_date; forecasts are not weather records",
        )
    days = weather.dropna(subset=["station_id", "date"]).groupby("station_id")["date"]
    have = {station: set(values) for station, values in days}
    spans = seasons.merge(fields[["field_id", "station_id"]], on="field_id", how="inner")
    spans = spans.dropna(subset=["sowing_date"])
    reported: set[tuple[Any, pd.Timestamp]] = set()
    for row in spans.itertuples():
        sown = pd.Timestamp(cast(Any, row.sowing_date))
        harvested = cast(Any, row.harvest_date)
        end = pd.Timestamp(harvested) if pd.notna(harvested) else ref
        needed = pd.date_range(sown, min(end, ref), freq="D")
        got = have.get(row.station_id, set())
        missing = [d for d in needed if d not in got]
        if missing and (row.station_id, missing[0]) not in reported:
            reported.add((row.station_id, missing[0]))
            log.add(
                "weather.csv",
                None,
                "date",
                f"station '{row.station_id}' lacks {len(missing)} day(s) of season "
                f"{row.season} of field '{row.field_id}' (first missing "
                f"{missing[0].date()}); weather must cover every season from sowing to "
                "harvest: fill the gap from a nearby station",
            )


def check_forecast_rows(forecast: pd.DataFrame, name: str, log: ProblemLog) -> None:
    """Row checks every forecast gets, from a bundle or from a forecast service."""
    _check_tmax_above_tmin(forecast, name, log)
    _check_humidity_rows(forecast, name, log)
    before_issue = forecast["date"] < forecast["issued_date"]
    if before_issue.any():
        log.add_rows(
            name,
            np.flatnonzero(before_issue.to_numpy()),
            "date",
            "date is before issued_date; a forecast covers the days from its issue on "
            "(observed days belong in weather.csv)",
        )


def _check_tmax_above_tmin(frame: pd.DataFrame, name: str, log: ProblemLog) -> None:
    swapped = frame["tmax_degc"] < frame["tmin_degc"]
    if swapped.any():
        log.add_rows(
            name,
            np.flatnonzero(swapped.to_numpy()),
            "tmax_degc",
            "tmax_degc is below tmin_degc; are the two columns swapped?",
        )


def _check_forecast(
    forecast: pd.DataFrame,
    stations: pd.DataFrame | None,
    manifest: Manifest | None,
    log: ProblemLog,
) -> None:
    """A forecast is issued by the reference date, for known stations, for days from its issue."""
    name = "forecast.csv"
    _unique(forecast, ["station_id", "issued_date", "date"], name, log)
    _unknown(
        forecast,
        "station_id",
        set(stations["station_id"]) if stations is not None else None,
        name,
        "station_id of weather.csv",
        log,
    )
    check_forecast_rows(forecast, name, log)
    if manifest is not None:
        late = forecast["issued_date"] > pd.Timestamp(manifest.reference_date)
        if late.any():
            log.add_rows(
                name,
                np.flatnonzero(late.to_numpy()),
                "issued_date",
                "issued_date is after the bundle's reference_date; a bundle holds the "
                "forecasts issued up to that date",
            )


def check_devices(
    devices: pd.DataFrame,
    field_ids: set[str] | None,
    log: ProblemLog,
    reference_date: date | None = None,
    name: str = "sensors/devices.csv",
) -> None:
    """Row checks of the installations of probe ports (`DEVICE_COLUMNS`, typed by `check_table`),
    for a bundle's devices.csv and for the device registry.

    One row per installation of a port, and a port's installations may not overlap; fields must
    be among `field_ids` (not checked when None); a clock is a zone or offset; a depth is in
    centimetres; with a `reference_date`, nothing is installed or removed after it.
    """
    _unique(devices, ["device_id", "port", "installed_date"], name, log)
    _unknown(devices, "field_id", field_ids, name, "field_id of fields.geojson", log)
    from pipelines.sources.sensors.localtime import clock_problem  # the one clock parser

    clocks = {row: clock for row, clock in enumerate(devices["timezone"]) if pd.notna(clock)}
    bad_clock = {row: p for row, clock in clocks.items() if (p := clock_problem(clock))}
    if bad_clock:
        log.add_rows(name, list(bad_clock), "timezone", bad_clock)
    metres = (devices["depth_cm"] > 0) & (devices["depth_cm"] < METRES_AS_CM_BELOW)
    if metres.any():
        rows = np.flatnonzero(metres.to_numpy())
        log.add_rows(
            name,
            rows,
            "depth_cm",
            {
                int(r): f"depth {devices['depth_cm'].iloc[r]:g} cm looks like metres: multiply "
                f"by 100 (write {devices['depth_cm'].iloc[r] * 100:g} for "
                f"{devices['depth_cm'].iloc[r]:g} m)"
                for r in rows[:5]
            },
        )
    if reference_date is not None:
        ref = pd.Timestamp(reference_date)
        for column, what in (("installed_date", "installed"), ("removed_date", "removed")):
            late = devices[column] > ref
            if late.any():
                log.add_rows(
                    name,
                    np.flatnonzero(late.to_numpy()),
                    column,
                    f"{column} is after the reference date {ref.date()}; record a probe once "
                    f"it is {what}: fix the date, or leave the row out until then",
                )
    order = devices["removed_date"].notna() & (devices["removed_date"] < devices["installed_date"])
    if order.any():
        log.add_rows(
            name,
            np.flatnonzero(order.to_numpy()),
            "removed_date",
            "removed_date is before installed_date; dates out of order",
        )
    ordered = devices.dropna(subset=["device_id", "port", "installed_date"]).sort_values(
        ["device_id", "port", "installed_date"]
    )
    following = ordered.groupby(["device_id", "port"])["installed_date"].shift(-1)
    still_in = ordered["removed_date"].isna() | (ordered["removed_date"] >= following)
    overlap = following.notna() & still_in
    for idx in ordered.index[overlap]:
        log.add(
            name,
            f"line {idx + 2}",
            "removed_date",
            f"port {ordered.at[idx, 'port']} of device '{ordered.at[idx, 'device_id']}' is "
            f"installed again on {_fmt(following.at[idx])} before this installation was "
            "removed; set removed_date to the day it came out",
        )


# The name the device registry (pipelines/store/devices.py) has called it by.
_check_devices = check_devices


def _list_files(root: Path) -> tuple[BundleFile, ...]:
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        files.append(BundleFile(rel, file_sha256(path), path.stat().st_size))
    return tuple(files)
