"""Generate a farm data bundle and its truth: the sample (``demo``/``truth``) or the shifted set.

Profiles
--------
``--profile sample`` (default) writes ``<out>/demo`` and ``<out>/truth``; ``--profile shifted``
writes ``<out>/shifted`` and ``<out>/shifted_truth``: a second cooperative (``coop-shifted``, ids
``sx-…``) that differs from the sample the way real cooperatives differ: a warmer, drier climate
(other NL1 years with a larger delta-change) on the Hungarian Great Plain, cultivars whose
WOFOST parameters differ per field, stated soil water limits that are off by a little, N habits
from about 90 to 240 kg/ha with different splits, and no sensor logs. A ``Profile`` holds
everything that differs; the simulation code is shared. See ``sample_data/README.md``.

What the sample makes
---------------------
One cooperative (``coop-betuwe``) with 4 farms and about 24 fields each in the Betuwe / Gelderse
Vallei around Wageningen, seasons 2018-2025 (harvested, with observed yields) and 2026 in progress
(reference date 2026-05-25), in the folder format of ``docs/bundle-format.md``: ``bundle.json``,
``farms.csv``, ``fields.geojson``, ``seasons.csv``, ``operations.csv``, ``weather.csv``,
``satellite.csv``, ``forecast.csv`` (14 days ahead of the reference date) and ``sensors/``
(``devices.csv``, METER ZENTRA-style exports and a generic long CSV). ``truth/`` holds what a real
cooperative would not know (never read by the app): soil N parameters, noise-free simulated
yields, the 2026 N-rate sweeps with quadratic-plateau fits and economic optimum N rates, the 2026
maize irrigation runs, planned operations after the reference date, cloud-contaminated satellite
observations and the injected sensor faults.

How
---
* Weather: the real Wageningen (Haarweg, NL1) CABO files shipped in the pcse wheel, years
  1977-1986 re-dated by +40 years to 2017-2026, perturbed per farm station (``_gen_weather``).
* Crops: WOFOST through pcse, offline (``_gen_crop``). Winter wheat with WOFOST 8.1
  ``Wofost81_NWLP_CWB_CNB`` (N-limited), grain maize with ``Wofost72_WLP_CWB`` (water-limited;
  maize N is recorded but has no effect). Crop parameters: the vendored, unmodified WOFOST 8.1
  parameter files in ``sample_data/wofost_crop_parameters`` (copied to a temp dir, where pcse
  writes its cache and where we write a ``crops.yaml`` listing the crops we run).
* Observed yield = TWSO / (1 - moisture) / 1000 at 15 % (wheat) / 15.5 % (maize) moisture,
  times a 3 % multiplicative measurement noise.
* Satellite statistics and probe logs from the simulated LAI and soil moisture (``_gen_remote``).

Determinism
-----------
Every random draw comes from ``numpy.random.default_rng([seed, *stable_keys])`` (e.g. the field's
farm and field index and the season), never from a shared stream, so the worker pool's scheduling
cannot change the output. Rows are sorted and floats written with fixed formats; no wall-clock
time goes into any file. Same seed => byte-identical output.

Usage
-----
    python sample_data/generate.py [--profile sample|shifted] [--out sample_data]
                                   [--seed 20261126] [--jobs 2] [--smoke] [--crop-params DIR]

``--smoke`` makes a tiny set (1 farm, 4 fields, seasons 2025-2026, N sweep of 3 rates) in seconds.
Writes the profile's bundle and truth folders in ``<out>`` (both replaced). Set HOME to a scratch
directory if you do not want pcse to create ``~/.pcse``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import logging
import math
import multiprocessing
import shutil
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _gen_crop as gcrop
import _gen_remote as gremote
import _gen_weather as gweather

REFERENCE_DATE = dt.date(2026, 5, 25)
WEATHER_START = dt.date(2017, 9, 1)
SIM_END = dt.date(2026, 12, 31)
SAT_ANCHOR = dt.date(2017, 9, 3)  # fixed acquisition phase, 5-day revisit
CURRENT_SEASON = 2026
ALL_SEASONS = list(range(2018, 2027))
SMOKE_SEASONS = [2025, 2026]
SENSOR_SEASONS = [2025, 2026]
WHEAT_MOISTURE, MAIZE_MOISTURE = 15.0, 15.5
PRICE_N_EUR_KG = 1.10
PRICE_WHEAT_EUR_KG = 0.22  # at 15 % moisture
# Up to 400 kg N/ha so the economic optimum of N-hungry loam fields is inside the tested range.
SWEEP_FULL = list(range(0, 401, 25))
SWEEP_SMOKE = [0, 125, 250]
ZENTRA_STEP_H, LONG_STEP_H = 1, 3
RAD_GAP = {"farm_index": 1, "start": dt.date(2023, 6, 12), "days": 10}

FARMS = [
    dict(
        farm_id="farm-meent",
        farm_name="Akkerbouwbedrijf De Meent",
        email="meent@example.org",
        texture="sand",
        lat=52.018,
        lon=5.598,
        elev=9.0,
        station_id="wx-meent",
        n_practice=175,
        p_wheat_first=0.4,
        p_ww=0.15,
        p_mw=0.6,
        p_irrigated=0.8,
        trigger_frac=0.50,
        irr_mm=25,
        wheat_varieties=("Winter_wheat_102", "Winter_wheat_103"),
        angle=18.0,
    ),
    dict(
        farm_id="farm-hogehof",
        farm_name="Maatschap Hoge Hof",
        email="hogehof@example.org",
        texture="loam",
        lat=51.934,
        lon=5.515,
        elev=8.0,
        station_id="wx-kesteren",
        n_practice=160,
        p_wheat_first=0.5,
        p_ww=0.25,
        p_mw=0.75,
        p_irrigated=0.45,
        trigger_frac=0.40,
        irr_mm=30,
        wheat_varieties=("Winter_wheat_102",),
        angle=-12.0,
    ),
    dict(
        farm_id="farm-lingehoeve",
        farm_name="Lingehoeve",
        email="lingehoeve@example.org",
        texture="clay",
        lat=51.906,
        lon=5.712,
        elev=7.0,
        station_id="wx-zetten",
        n_practice=190,
        p_wheat_first=0.6,
        p_ww=0.35,
        p_mw=0.8,
        p_irrigated=0.25,
        trigger_frac=0.45,
        irr_mm=20,
        wheat_varieties=("Winter_wheat_103", "Winter_wheat_102"),
        angle=30.0,
    ),
    dict(
        farm_id="farm-rijnoord",
        farm_name="Rijnoord Akkerbouw",
        email="rijnoord@example.org",
        texture="mixed",
        lat=51.953,
        lon=5.762,
        elev=8.0,
        station_id="wx-heteren",
        n_practice=140,
        p_wheat_first=0.5,
        p_ww=0.2,
        p_mw=0.7,
        p_irrigated=0.5,
        trigger_frac=0.42,
        irr_mm=25,
        wheat_varieties=("Winter_wheat_102", "Winter_wheat_103"),
        angle=-35.0,
    ),
]

FIELD_NAMES = [
    "Achterste Kamp",
    "Hoge Akker",
    "Lange Stuk",
    "Molenveld",
    "Kerkakker",
    "De Brink",
    "Eng",
    "Broekland",
    "Nieuwe Kamp",
    "Zandakker",
    "Wetering",
    "Kleine Driehoek",
    "Grote Driehoek",
    "Dijkstuk",
    "Boomgaardstuk",
    "Heuvelakker",
    "Slootkant",
    "Middelveld",
    "Oude Weide",
    "Schapendries",
    "Voorste Kamp",
    "Rietland",
    "Bovenveld",
    "Laagveld",
]

SOIL_CLASSES = {
    # fineness u in [0, 1] drives clay, FC and WP together (finer = more clay, higher FC and WP)
    "sand": dict(
        sand=(92, 75),
        clay=(2, 7),
        fc=(0.16, 0.24),
        wp=(0.04, 0.08),
        rd=(60, 110),
        sm0_add=(0.14, 0.20),
        k0=(40, 80),
        sope=(20, 40),
        ksub=(15, 30),
        crairc=0.08,
        soc_base=2.1,
        ec0=0.25,
    ),
    "loam": dict(
        sand=(50, 25),
        clay=(12, 25),
        fc=(0.28, 0.36),
        wp=(0.10, 0.16),
        rd=(90, 150),
        sm0_add=(0.10, 0.14),
        k0=(10, 25),
        sope=(8, 15),
        ksub=(5, 12),
        crairc=0.06,
        soc_base=1.5,
        ec0=0.45,
    ),
    "clay": dict(
        sand=(20, 5),
        clay=(35, 55),
        fc=(0.36, 0.45),
        wp=(0.20, 0.27),
        rd=(70, 130),
        sm0_add=(0.06, 0.10),
        k0=(2, 8),
        sope=(2, 6),
        ksub=(1, 4),
        crairc=0.04,
        soc_base=2.2,
        ec0=0.70,
    ),
}

# N split of the sample farms: shares and nominal dates (month, day), each date +-7 days.
DEFAULT_N_DATES = ((3, 1), (4, 15), (6, 1))

# The shifted cooperative: four farms around Szentes / Hodmezovasarhely on the Hungarian Great
# Plain (about 46.6 N, 20.3 E, 80-85 m), a warmer and drier place than Wageningen.
SHIFTED_FARMS = [
    dict(
        farm_id="sx-farm-tisza",
        farm_name="Tisza-menti Gazdaság Kft.",
        email="tisza@example.org",
        field_stem="sx-tisza",
        texture="clay",
        lat=46.655,
        lon=20.205,
        elev=80.0,
        station_id="sx-wx-szentes",
        n_practice=200,
        p_wheat_first=0.5,
        p_ww=0.2,
        p_mw=0.7,
        p_irrigated=0.5,
        trigger_frac=0.50,
        irr_mm=30,
        wheat_varieties=("Winter_wheat_104", "Winter_wheat_105"),
        maize_varieties=("Grain_maize_203", "Grain_maize_204"),
        maize_n=(140, 200),
        angle=8.0,
    ),
    dict(
        farm_id="sx-farm-homokhat",
        farm_name="Homokhát Agrár Bt.",
        email="homokhat@example.org",
        field_stem="sx-homokhat",
        texture="sand",
        lat=46.545,
        lon=20.045,
        elev=88.0,
        station_id="sx-wx-mindszent",
        # extensive, low-input farm: two equal dressings, the first early
        n_practice=90,
        n_shares=(0.5, 0.5),
        n_dates=((3, 5), (4, 10)),
        p_wheat_first=0.4,
        p_ww=0.1,
        p_mw=0.6,
        p_irrigated=0.75,
        trigger_frac=0.55,
        irr_mm=25,
        wheat_varieties=("Winter_wheat_105", "Winter_wheat_104"),
        maize_varieties=("Grain_maize_203", "Grain_maize_204"),
        maize_n=(80, 120),
        angle=-22.0,
    ),
    dict(
        farm_id="sx-farm-korosmente",
        farm_name="Körös-menti Mezőgazdasági Zrt.",
        email="korosmente@example.org",
        field_stem="sx-korosmente",
        texture="loam",
        lat=46.745,
        lon=20.395,
        elev=82.0,
        station_id="sx-wx-szarvas",
        # high-input farm: three dressings weighted towards stem extension
        n_practice=240,
        n_shares=(0.3, 0.4, 0.3),
        n_dates=((2, 25), (4, 5), (5, 15)),
        p_wheat_first=0.6,
        p_ww=0.3,
        p_mw=0.75,
        p_irrigated=0.4,
        trigger_frac=0.45,
        irr_mm=35,
        wheat_varieties=("Winter_wheat_104", "Winter_wheat_105"),
        maize_varieties=("Grain_maize_204", "Grain_maize_203"),
        maize_n=(180, 240),
        angle=35.0,
    ),
    dict(
        farm_id="sx-farm-kurca",
        farm_name="Kurca-völgyi Gazdaság",
        email="kurca@example.org",
        field_stem="sx-kurca",
        texture="mixed",
        lat=46.420,
        lon=20.330,
        elev=84.0,
        station_id="sx-wx-vasarhely",
        n_practice=150,
        p_wheat_first=0.5,
        p_ww=0.2,
        p_mw=0.7,
        p_irrigated=0.6,
        trigger_frac=0.50,
        irr_mm=30,
        wheat_varieties=("Winter_wheat_105", "Winter_wheat_104"),
        maize_varieties=("Grain_maize_204", "Grain_maize_203"),
        maize_n=(120, 180),
        angle=-5.0,
    ),
]

SHIFTED_FIELD_NAMES = [
    "Felső-dűlő",
    "Alsó-dűlő",
    "Nagytábla",
    "Kistábla",
    "Gátoldal",
    "Homokdomb",
    "Szikes",
    "Tanyahely",
    "Nyárfás",
    "Malomföld",
    "Kereszt-dűlő",
    "Rétoldal",
]


@dataclass(frozen=True)
class Profile:
    """What sets one generated cooperative apart; the simulation code is the same for all."""

    name: str
    bundle_dir: str
    truth_dir: str
    # Mixed into every random stream; None keeps the sample's streams (and its bytes) unchanged.
    rng_salt: str | None
    cooperative_id: str
    cooperative_name: str
    description: str
    timezone: str
    farms: tuple[dict, ...]
    field_names: tuple[str, ...]
    fields_per_farm: int
    grid: tuple[int, int, float, float]  # columns, rows, cell width m, cell height m
    field_area_ha: tuple[float, float]
    seasons: tuple[int, ...]
    weather_start: dt.date
    sat_anchor: dt.date
    weather_years: dict[int, int]  # calendar year -> real NL1 year
    weather_redating: str
    weather_perturbation: dict[str, tuple[float, float] | str]
    rad_gap: dict | None
    wheat_sowing: tuple[int, int, int]  # month, day, window in days
    maize_sowing: tuple[int, int, int]
    maize_end_by: tuple[int, int]  # month, day (+-3 days)
    n_max_kg_ha: float
    n_extremes_kg_ha: tuple[tuple[float, float], tuple[float, float]]
    # Per-field cultivar: half-width of the uniform factor per parameter group, or None.
    cultivar_spread: dict[str, float] | None = None
    # Error of the stated soil water limits: sd (m3/m3) and half-range of the depth (cm), or None.
    stated_soil_error: dict[str, float] | None = None
    sensors: bool = True
    cloud_full: tuple[float, float] = (0.44, 0.17)  # mean and seasonal amplitude
    # Soil N supply (WOFOST NAVAILI, NSOILBASE in kg/ha): ranges of uniform draws per field.
    soil_n_kg_ha: tuple[tuple[float, float], tuple[float, float]] = ((10.0, 30.0), (30.0, 100.0))


PROFILES = {
    "sample": Profile(
        name="sample",
        bundle_dir="demo",
        truth_dir="truth",
        rng_salt=None,
        cooperative_id="coop-betuwe",
        cooperative_name="Coöperatie Betuwe & Vallei Akkerbouw (sample data)",
        description="Generated sample data: real Wageningen weather (re-dated), "
        "WOFOST-simulated crops, "
        "synthetic satellite statistics and soil-moisture probe logs. See sample_data/README.md.",
        timezone="Europe/Amsterdam",
        farms=tuple(FARMS),
        field_names=tuple(FIELD_NAMES),
        fields_per_farm=24,
        grid=(7, 5, 460.0, 360.0),
        field_area_ha=(2.6, 13.5),
        seasons=tuple(ALL_SEASONS),
        weather_start=WEATHER_START,
        sat_anchor=SAT_ANCHOR,
        weather_years=gweather.SAMPLE_YEARS,
        weather_redating=f"+{gweather.YEAR_SHIFT} years (1977-1986 -> 2017-2026)",
        weather_perturbation=gweather.SAMPLE_PERTURBATION,
        rad_gap=RAD_GAP,
        wheat_sowing=(10, 15, 27),
        maize_sowing=(4, 20, 21),
        maize_end_by=(10, 20),
        n_max_kg_ha=250.0,
        n_extremes_kg_ha=((0.0, 60.0), (215.0, 250.0)),
    ),
    "shifted": Profile(
        name="shifted",
        bundle_dir="shifted",
        truth_dir="shifted_truth",
        rng_salt="shifted",
        cooperative_id="coop-shifted",
        cooperative_name="Shifted growers (generated)",
        description="Generated second truth set that differs from the sample: warmer and drier "
        "delta-changed Wageningen weather on the Hungarian Great Plain, per-field cultivars, "
        "stated soil water limits off by a little, N habits of 90-240 kg/ha, no sensor logs. "
        "See sample_data/README.md.",
        timezone="Europe/Budapest",
        farms=tuple(SHIFTED_FARMS),
        field_names=tuple(SHIFTED_FIELD_NAMES),
        fields_per_farm=8,
        grid=(4, 3, 760.0, 560.0),
        field_area_ha=(6.0, 25.0),
        seasons=tuple(range(2020, 2027)),
        weather_start=dt.date(2019, 9, 1),
        sat_anchor=dt.date(2019, 9, 2),
        # Real years 1989-1999 without the gap years 1990-1991; leap years onto leap years.
        # Dry (1996, 1995, 1997), hot (1992, 1999) and wet (1998) summers in a new order.
        weather_years={
            2019: 1993,
            2020: 1996,
            2021: 1989,
            2022: 1995,
            2023: 1997,
            2024: 1992,
            2025: 1998,
            2026: 1999,
        },
        weather_redating="calendar year -> NL1 year: 2019->1993, 2020->1996, 2021->1989, "
        "2022->1995, 2023->1997, 2024->1992, 2025->1998, 2026->1999",
        weather_perturbation={
            "temperature_offset_degc": (1.5, 3.0),
            "rain_factor": (0.55, 0.8),
            "radiation_factor": (1.05, 1.12),
            "wind_factor": (0.85, 1.15),
            "vapour_pressure": "constant_rh",
        },
        rad_gap=None,
        wheat_sowing=(10, 1, 25),
        maize_sowing=(4, 10, 21),
        maize_end_by=(10, 5),
        n_max_kg_ha=320.0,
        n_extremes_kg_ha=((0.0, 50.0), (260.0, 320.0)),
        cultivar_spread={"TSUM1": 0.10, "TSUM2": 0.10, "SPAN": 0.05, "AMAX": 0.05},
        stated_soil_error={"sd_m3_m3": 0.02, "root_depth_cm": 15.0},
        sensors=False,
        cloud_full=(0.34, 0.17),
        # Richer soils (chernozems) and more mineral N at sowing (drier winters leach less):
        # without it the economic optimum of the deep loams lies beyond the tested 400 kg N/ha.
        soil_n_kg_ha=((20.0, 50.0), (60.0, 100.0)),
    ),
}


# --------------------------------------------------------------------------- randomness


def _key(k) -> int:
    if isinstance(k, str):
        return zlib.crc32(k.encode())
    return int(k)


def make_rng_for(seed: int, salt: str | None = None):
    prefix = [int(seed)] + ([_key(salt)] if salt is not None else [])

    def rng_for(*keys) -> np.random.Generator:
        return np.random.default_rng(prefix + [_key(k) for k in keys])

    return rng_for


# --------------------------------------------------------------------------- layout


def _field_polygon(rng, cx, cy, cell_w, cell_h, area_ha=(2.6, 13.5)):
    """Irregular quadrilateral or pentagon (local metres) inside a cell centred at (cx, cy)."""
    margin = 20.0
    max_w, max_h = cell_w - 2 * margin, cell_h - 2 * margin
    area = rng.uniform(*area_ha) * 1e4
    ratio = rng.uniform(1.0, 2.2)
    w = min(math.sqrt(area * ratio), max_w)
    h = min(area / w, max_h)
    jit = 0.07 * min(w, h)
    ox = rng.uniform(-(max_w - w) / 2, (max_w - w) / 2)
    oy = rng.uniform(-(max_h - h) / 2, (max_h - h) / 2)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    pts = []
    for x, y in corners:
        x2 = x + rng.uniform(-jit, jit) * (1 if x < 0 else -1) * rng.uniform(0, 1)
        y2 = y + rng.uniform(-jit, jit) * (1 if y < 0 else -1) * rng.uniform(0, 1)
        pts.append((x2, y2))
    if rng.uniform() < 0.4:  # cut one corner -> pentagon
        k = int(rng.integers(0, 4))
        p_prev, p, p_next = pts[k - 1], pts[k], pts[(k + 1) % 4]
        a, b = rng.uniform(0.2, 0.4), rng.uniform(0.2, 0.4)
        q1 = (p[0] + a * (p_prev[0] - p[0]), p[1] + a * (p_prev[1] - p[1]))
        q2 = (p[0] + b * (p_next[0] - p[0]), p[1] + b * (p_next[1] - p[1]))
        pts = pts[:k] + [q1, q2] + pts[k + 1 :]
    return [(cx + ox + x, cy + oy + y) for x, y in pts]


def build_layout(profile: Profile, seed: int, smoke: bool):
    from pyproj import Geod, Transformer
    from shapely.geometry import Polygon
    from shapely.geometry.polygon import orient

    rng_for = make_rng_for(seed, profile.rng_salt)
    geod = Geod(ellps="WGS84")
    farms = [dict(fm) for fm in profile.farms[: 1 if smoke else None]]
    fields = []
    for fi, farm in enumerate(farms):
        r = rng_for("layout", fi)
        tr = Transformer.from_crs(
            f"+proj=aeqd +lat_0={farm['lat']} +lon_0={farm['lon']} +datum=WGS84 +units=m",
            "EPSG:4326",
            always_xy=True,
        )
        ncol, nrow, cw, ch = profile.grid
        cells = [(c, rr) for rr in range(nrow) for c in range(ncol)]
        chosen = sorted(r.choice(len(cells), size=profile.fields_per_farm, replace=False).tolist())
        names = r.permutation(len(profile.field_names)).tolist()
        th = math.radians(farm["angle"])
        n_fields = 4 if smoke else profile.fields_per_farm
        short = farm.get("field_stem") or farm["farm_id"].split("-", 1)[1]
        for j in range(n_fields):
            c, rr = cells[chosen[j]]
            cx, cy = (c - (ncol - 1) / 2) * cw, (rr - (nrow - 1) / 2) * ch
            rf = rng_for("field-geom", fi, j)
            pts = _field_polygon(rf, cx, cy, cw, ch, profile.field_area_ha)
            pts = [
                (x * math.cos(th) - y * math.sin(th), x * math.sin(th) + y * math.cos(th))
                for x, y in pts
            ]
            lonlat = [tuple(round(v, 6) for v in tr.transform(x, y)) for x, y in pts]
            poly = orient(Polygon(lonlat), sign=1.0)
            ring = [(round(x, 6), round(y, 6)) for x, y in poly.exterior.coords]
            area_m2, _ = geod.polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
            area_m2 = abs(area_m2)
            fields.append(
                {
                    "_key": fi * 1000 + j,
                    "_fi": fi,
                    "_j": j,
                    "farm": farm,
                    "field_id": f"{short}-{j + 1:02d}",
                    "farm_id": farm["farm_id"],
                    "field_name": profile.field_names[names[j]],
                    "station_id": farm["station_id"],
                    "ring": ring,
                    "area_ha": round(area_m2 / 1e4, 2),
                    "pixel_count": int(round(area_m2 / 100.0)),
                    "_poly": Polygon(ring),
                }
            )
    # sanity: no overlaps, areas in range
    lo, hi = profile.field_area_ha
    for a in fields:
        assert 0.75 * lo <= a["area_ha"] <= 1.12 * hi, a["area_ha"]
    for i, a in enumerate(fields):
        for b in fields[i + 1 :]:
            assert not a["_poly"].intersects(b["_poly"]), (a["field_id"], b["field_id"])
    for f in fields:
        del f["_poly"]
        _soil_and_site(f, rng_for, profile.soil_n_kg_ha)
        if profile.stated_soil_error:
            _stated_soil(f, rng_for, profile.stated_soil_error)
        if profile.cultivar_spread:
            _cultivars(f, rng_for, profile.cultivar_spread)
    return farms, fields


def _stated_soil(f, rng_for, error: dict[str, float]) -> None:
    """Replace the bundle's stated water limits by the simulated ones plus a measurement error.

    A cooperative's soil data come from maps and pedotransfer functions, not from the soil the
    crop grows in: field capacity and wilting point are off by N(0, sd) and the rooting depth by
    a whole number of 5 cm steps within +-root_depth_cm. WOFOST keeps the true values.
    """
    r = rng_for("soil-stated", f["_fi"], f["_j"])
    sd, depth = error["sd_m3_m3"], error["root_depth_cm"]
    soil = f["soil"]
    fc = round(float(soil["SMFCF"] + r.normal(0, sd)), 3)
    wp = round(float(soil["SMW"] + r.normal(0, sd)), 3)
    wp = round(min(max(wp, 0.02), fc - 0.04), 3)
    steps = int(depth // 5)
    rd = float(soil["RDMSOL"] + 5 * int(r.integers(-steps, steps + 1)))
    f.update({"field_capacity_m3_m3": fc, "wilting_point_m3_m3": wp, "root_depth_max_cm": rd})


def _cultivars(f, rng_for, spread: dict[str, float]) -> None:
    """Per field, one variety per crop with its own phenology and productivity factors.

    Farmers grow local cultivars the vendored parameter sets only approximate: TSUM1 and TSUM2
    (phenology), SPAN (leaf life) and the maximum leaf assimilation (AMAX_REF for wheat, the
    AMAXTB values for maize) are scaled by U(1 - spread, 1 + spread) per field and crop.
    """
    r = rng_for("cultivar", f["_fi"], f["_j"])
    farm = f["farm"]
    out = {}
    for crop, key in (("winter_wheat", "wheat_varieties"), ("grain_maize", "maize_varieties")):
        names = farm[key]
        variety = names[0] if r.uniform() < 0.6 else names[1]
        factors = {}
        for name in gcrop.CULTIVAR_PARAMETERS[crop]:
            group = "AMAX" if name.startswith("AMAX") else name
            factors[name] = round(float(r.uniform(1 - spread[group], 1 + spread[group])), 3)
        out[crop] = {"variety": variety, "factors": factors}
    f["cultivars"] = out


def _soil_and_site(f, rng_for, soil_n_kg_ha=((10.0, 30.0), (30.0, 100.0))):
    farm = f["farm"]
    r = rng_for("soil", f["_fi"], f["_j"])
    tex = (
        farm["texture"]
        if farm["texture"] != "mixed"
        else ("loam" if r.uniform() < 0.55 else "clay")
    )
    c = SOIL_CLASSES[tex]
    u = r.uniform()

    def lerp(rngv, uu, sd=0.0):
        return rngv[0] + uu * (rngv[1] - rngv[0]) + r.normal(0, sd)

    uc = float(np.clip(u + r.normal(0, 0.1), 0, 1))
    sand = round(float(np.clip(lerp(c["sand"], uc, 2.0), 1, 98)), 1)
    clay = round(float(np.clip(lerp(c["clay"], uc, 1.0), 1, 98 - sand)), 1)
    fc = round(float(lerp(c["fc"], u, 0.006)), 3)
    wp = round(float(min(lerp(c["wp"], u, 0.004), fc - 0.06)), 3)
    rd = float(5 * round(r.uniform(*c["rd"]) / 5))
    sm0 = round(fc + r.uniform(*c["sm0_add"]), 3)
    navaili = round(float(r.uniform(*soil_n_kg_ha[0])), 1)
    nsoilbase = round(float(r.uniform(*soil_n_kg_ha[1])), 1)
    soc = c["soc_base"] + 0.012 * (nsoilbase - 65) + 0.02 * (navaili - 20) + r.normal(0, 0.15)
    f.update(
        {
            "texture": tex,
            "sand_pct": sand,
            "clay_pct": clay,
            "soc_pct": round(float(max(soc, 0.5)), 2),
            "field_capacity_m3_m3": fc,
            "wilting_point_m3_m3": wp,
            "root_depth_max_cm": rd,
            "irrigated": bool(r.uniform() < farm["p_irrigated"]),
            "soil": {
                "SMW": wp,
                "SMFCF": fc,
                "SM0": sm0,
                "CRAIRC": c["crairc"],
                "K0": round(float(r.uniform(*c["k0"])), 1),
                "SOPE": round(float(r.uniform(*c["sope"])), 1),
                "KSUB": round(float(r.uniform(*c["ksub"])), 1),
                "RDMSOL": rd,
            },
            "site": {
                "NAVAILI": navaili,
                "NSOILBASE": nsoilbase,
                "NSOILBASE_FR": 0.025,
                "station_id": f["station_id"],
            },
            "irrigation": {
                "trigger_sm": round(wp + farm["trigger_frac"] * (fc - wp), 3),
                "amount_mm": float(farm["irr_mm"]),
                "efficiency": 0.8,
            },
            "_soil_brightness": float(r.normal(0, 0.02)),
            "_heterogeneity": float(r.uniform(0.10, 0.25)),
            "_ec0": round(c["ec0"] * r.uniform(0.8, 1.25), 3),
        }
    )


# --------------------------------------------------------------------------- management


def build_management(
    profile: Profile, f, seed: int, seasons: list[int], smoke: bool, cultivars: dict | None = None
) -> dict:
    """One field's task for the crop model: soil, site and the planned management per season.

    `cultivars` maps a crop to its WOFOST parameter overrides (``gcrop.cultivar_parameters``).
    """
    rng_for = make_rng_for(seed, profile.rng_salt)
    farm = f["farm"]
    r = rng_for("rotation", f["_fi"], f["_j"])
    crops = []
    for i, _ in enumerate(profile.seasons):
        u = r.uniform()
        if i == 0:
            crops.append("winter_wheat" if u < farm["p_wheat_first"] else "grain_maize")
        elif crops[-1] == "winter_wheat":
            crops.append("winter_wheat" if u < farm["p_ww"] else "grain_maize")
        else:
            crops.append("winter_wheat" if u < farm["p_mw"] else "grain_maize")
    if smoke and f["_j"] < 2:  # guarantee one wheat and one maize field in the current season
        crops[-1] = "winter_wheat" if f["_j"] == 0 else "grain_maize"
    field_n = rng_for("n-field", f["_fi"], f["_j"]).normal(0, 15)
    out = []
    n_shares = tuple(farm.get("n_shares", gcrop.N_SHARES))
    n_dates = farm.get("n_dates", DEFAULT_N_DATES)
    (ex_lo, ex_hi) = profile.n_extremes_kg_ha
    w_month, w_day, w_window = profile.wheat_sowing
    m_month, m_day, m_window = profile.maize_sowing
    for season, crop in zip(profile.seasons, crops, strict=True):
        if season not in seasons:
            continue
        rs = rng_for("season", f["_fi"], f["_j"], season)
        s = {"season": season, "crop": crop, "noise": float(1 + rs.normal(0, 0.03))}
        if crop == "winter_wheat":
            year_n = rng_for("n-year", f["_fi"], season).normal(0, 10)
            if rs.uniform() < 0.08:  # strip-trial-like extreme
                n = rs.uniform(*ex_lo) if rs.uniform() < 0.5 else rs.uniform(*ex_hi)
            else:
                n = farm["n_practice"] + field_n + year_n + rs.normal(0, 12)
            n_total = float(np.clip(5 * round(n / 5), 0, profile.n_max_kg_ha))
            if "cultivars" in f:  # the field's own cultivar, every season
                variety = f["cultivars"]["winter_wheat"]["variety"]
            else:
                vars_ = farm["wheat_varieties"]
                variety = vars_[0] if len(vars_) == 1 or rs.uniform() < 0.7 else vars_[1]
            s.update(
                {
                    "variety": variety,
                    "sow_planned": dt.date(season - 1, w_month, w_day)
                    + dt.timedelta(days=int(rs.integers(0, w_window))),
                    "sow_gap_days": int(rs.integers(7, 15)),
                    "harvest_lag_days": int(rs.integers(3, 10)),
                    "n_total": n_total,
                    "n_dates": [
                        dt.date(season, mo, dy) + dt.timedelta(days=int(rs.integers(-7, 8)))
                        for mo, dy in n_dates
                    ],
                    "n_shares": n_shares,
                    "wav_frac": float(rs.uniform(0.6, 0.9)),
                }
            )
        else:
            if "cultivars" in f:
                variety = f["cultivars"]["grain_maize"]["variety"]
            else:
                variety = "Grain_maize_201" if rs.uniform() < 0.75 else "Grain_maize_202"
            e_month, e_day = profile.maize_end_by
            s.update(
                {
                    "variety": variety,
                    "sow_planned": dt.date(season, m_month, m_day)
                    + dt.timedelta(days=int(rs.integers(0, m_window))),
                    "end_by": dt.date(season, e_month, e_day)
                    + dt.timedelta(days=int(rs.integers(-3, 4))),
                    "harvest_lag_days": int(rs.integers(2, 7)),
                    "n_maize": float(5 * round(rs.uniform(*farm.get("maize_n", (120, 180))) / 5)),
                    "wav_frac": float(rs.uniform(0.85, 1.0)),
                }
            )
        out.append(s)
    return {
        "field_id": f["field_id"],
        "soil": f["soil"],
        "site": f["site"],
        "irrigated": f["irrigated"],
        "irrigation": f["irrigation"],
        "seasons": out,
        "prev_harvest": None,
        "current_season": CURRENT_SEASON,
        "sweep_rates": SWEEP_SMOKE if smoke else SWEEP_FULL,
        "cultivars": cultivars or {},
    }


# --------------------------------------------------------------------------- N response


def qp_fit(rates, yields_kg, price_ratio):
    """Quadratic-plateau fit y = a + b*x + c*x^2 (x < x0), plateau beyond x0 = -b / (2c)."""
    import warnings

    from scipy.optimize import OptimizeWarning, curve_fit

    warnings.simplefilter("ignore", OptimizeWarning)

    x = np.asarray(rates, float)
    y = np.asarray(yields_kg, float)

    def qp(xx, a, b, x0):
        c = -b / (2 * x0)
        xm = np.minimum(xx, x0)
        return a + b * xm + c * xm**2

    slope0 = max((y[-1] - y[0]) / max(x[-1] - x[0], 1), 1.0)
    best = None
    for x0_init in (100.0, 175.0, 250.0, 350.0):
        try:
            p, _ = curve_fit(
                qp,
                x,
                y,
                p0=(y[0], 2 * slope0, x0_init),
                bounds=([0, 0, 10], [np.inf, np.inf, 2000]),
                maxfev=20000,
            )
        except RuntimeError:
            continue
        sse = float(np.sum((qp(x, *p) - y) ** 2))
        if best is None or sse < best[1]:
            best = (p, sse)
    (a, b, x0), sse = best
    c = -b / (2 * x0)
    sst = float(np.sum((y - y.mean()) ** 2))
    eonr = x0 * (1 - price_ratio / b) if b > price_ratio else 0.0
    return {
        "a": a,
        "b": b,
        "c": c,
        "aonr": x0,
        "plateau": a + b * x0 + c * x0**2,
        "eonr": eonr,
        "r2": 1 - sse / sst if sst > 0 else 1.0,
    }


def sweep_eonr(rates, yields_kg, price_ratio):
    """Model-free EONR: highest rate up to which each step's marginal yield still pays for the N.

    Marginal yield (kg grain per kg N) of each step is assigned to the step's midpoint and linearly
    interpolated to where it equals the price ratio; the maximum tested rate if it never drops
    that low.
    """
    x = np.asarray(rates, float)
    m = np.diff(np.asarray(yields_kg, float)) / np.diff(x)
    mid = (x[:-1] + x[1:]) / 2
    if m[0] < price_ratio:
        return 0.0
    for i in range(1, len(m)):
        if m[i] < price_ratio:
            return float(
                mid[i - 1] + (m[i - 1] - price_ratio) / (m[i - 1] - m[i]) * (mid[i] - mid[i - 1])
            )
    return float(x[-1])


# --------------------------------------------------------------------------- writing helpers


def fmt(v, nd=None):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and nd is not None:
        s = f"{v:.{nd}f}"
        return "0." + "0" * nd if s == "-0." + "0" * nd else s
    return str(v)


def write_csv(path: Path, header: list[str], rows: list[list]):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def t_ha(twso, moisture):
    return twso / (1 - moisture / 100.0) / 1000.0


# --------------------------------------------------------------------------- main


def prepare_crop_params(src: Path | None, tmp: Path) -> tuple[str | None, str | None]:
    """Copy the vendored crop parameters into writable dirs, each with its own crops.yaml."""
    if src is None or not src.is_dir():
        return None, None  # pcse downloads the parameter repository as it normally does
    dirs = []
    for name, crop in (("wofost81", "wheat"), ("wofost72", "maize")):
        d = tmp / name
        shutil.copytree(src, d)
        (d / "crops.yaml").write_text(f"available_crops:\n  - {crop}\n", encoding="utf-8")
        dirs.append(str(d))
    return dirs[0], dirs[1]


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="sample",
        help="sample: demo/ and truth/; shifted: shifted/ and shifted_truth/ (see README.md)",
    )
    ap.add_argument(
        "--out",
        default=str(here),
        help="output folder (the profile's bundle and truth folders are written in it)",
    )
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the WOFOST runs")
    ap.add_argument("--smoke", action="store_true", help="tiny set: 1 farm, 4 fields, 2 seasons")
    ap.add_argument("--crop-params", default=str(here / "wofost_crop_parameters"))
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)
    import pcse

    logging.disable(logging.CRITICAL)
    seed, smoke = args.seed, args.smoke
    profile = PROFILES[args.profile]
    rng_for = make_rng_for(seed, profile.rng_salt)
    out = Path(args.out)
    demo, truth = out / profile.bundle_dir, out / profile.truth_dir
    for d in (demo, truth):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)

    farms, fields = build_layout(profile, seed, smoke)
    seasons_used = SMOKE_SEASONS if smoke else list(profile.seasons)

    # ---- weather
    base = gweather.base_weather(profile.weather_start, SIM_END, profile.weather_years)
    weather, providers, wx_meta = {}, {}, []
    for fi, farm in enumerate(farms):
        w, p = gweather.perturb(base, rng_for("weather", fi), profile.weather_perturbation)
        weather[farm["station_id"]] = w
        r = rng_for("station", fi)
        st = (
            round(farm["lat"] + r.uniform(-0.01, 0.01), 4),
            round(farm["lon"] + r.uniform(-0.01, 0.01), 4),
        )
        farm["station"] = st
        providers[farm["station_id"]] = gweather.make_provider(w, st[0], st[1], farm["elev"])
        wx_meta.append({"station_id": farm["station_id"], **p})

    # ---- crop model runs
    tmp = Path(tempfile.mkdtemp(prefix="sample-data-"))
    try:
        d81, d72 = prepare_crop_params(Path(args.crop_params) if args.crop_params else None, tmp)
        gcrop.init_models(d81, d72, providers)
        for f in fields:  # the cultivars' parameter values, recorded in truth
            f["cultivar_parameters"] = {
                crop: gcrop.cultivar_parameters(crop, c["variety"], c["factors"])
                for crop, c in f.get("cultivars", {}).items()
            }
        tasks = [
            build_management(profile, f, seed, seasons_used, smoke, f["cultivar_parameters"])
            for f in fields
        ]
        order = sorted(range(len(tasks)), key=lambda i: -sum(len(s) for s in [tasks[i]["seasons"]]))
        if args.jobs > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(args.jobs) as pool:
                res_list = pool.map(gcrop.simulate_field, [tasks[i] for i in order], chunksize=1)
        else:
            res_list = [gcrop.simulate_field(tasks[i]) for i in order]
        results = {r["field_id"]: r for r in res_list}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    task_by_field = {t["field_id"]: t for t in tasks}

    write_all(
        profile,
        out,
        demo,
        truth,
        farms,
        fields,
        results,
        task_by_field,
        weather,
        wx_meta,
        seed,
        smoke,
        pcse.__version__,
    )
    return 0


def write_all(
    profile,
    out,
    demo,
    truth,
    farms,
    fields,
    results,
    tasks,
    weather,
    wx_meta,
    seed,
    smoke,
    pcse_version,
):
    rng_for = make_rng_for(seed, profile.rng_salt)
    ref = REFERENCE_DATE
    fields = sorted(fields, key=lambda f: f["field_id"])

    # ---- farms.csv
    write_csv(
        demo / "farms.csv",
        ["farm_id", "farm_name", "contact_email"],
        [
            [f["farm_id"], f["farm_name"], f["email"]]
            for f in sorted(farms, key=lambda x: x["farm_id"])
        ],
    )

    # ---- fields.geojson
    feats = []
    for f in fields:
        props = {
            k: f[k]
            for k in (
                "field_id",
                "farm_id",
                "field_name",
                "area_ha",
                "station_id",
                "irrigated",
                "sand_pct",
                "clay_pct",
                "soc_pct",
                "field_capacity_m3_m3",
                "wilting_point_m3_m3",
                "root_depth_max_cm",
            )
        }
        feats.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in f["ring"]]]},
            }
        )
    (demo / "fields.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, indent=1) + "\n",
        encoding="utf-8",
    )

    # ---- seasons, operations, truth tables
    season_rows, ops, planned, sim_rows = [], [], [], []
    final_rows, sweep_rows, nresp_rows, irr_rows = [], [], [], []
    price_ratio = PRICE_N_EUR_KG / PRICE_WHEAT_EUR_KG
    for f in fields:
        fid = f["field_id"]
        spec = {s["season"]: s for s in tasks[fid]["seasons"]}
        for r in results[fid]["seasons"]:
            sp = spec[r["season"]]
            moist = WHEAT_MOISTURE if r["crop"] == "winter_wheat" else MAIZE_MOISTURE
            y_true = t_ha(r["twso"], moist)
            y_obs = round(y_true * sp["noise"], 2)
            cur = r["season"] == CURRENT_SEASON
            season_rows.append(
                [
                    fid,
                    r["season"],
                    r["crop"],
                    r["variety"],
                    r["sow"].isoformat(),
                    "" if cur else r["harvest"].isoformat(),
                    "" if cur else fmt(y_obs, 2),
                    "" if cur else fmt(moist, 1),
                ]
            )
            irr_mm = sum(a for _, a in r["irrigation"])
            sim_rows.append(
                [
                    fid,
                    r["season"],
                    r["crop"],
                    r["variety"],
                    r["sow"].isoformat(),
                    r["crop_end"].isoformat(),
                    fmt(r["matured"]),
                    r["harvest"].isoformat(),
                    fmt(r["dvs_end"], 3),
                    fmt(r["twso"], 1),
                    fmt(y_true, 3),
                    "" if cur else fmt(y_obs, 2),
                    fmt(sp["noise"], 4),
                    fmt(r["n_total"] if r["crop"] == "winter_wheat" else r["n_maize"], 1),
                    fmt(float(irr_mm), 1),
                ]
            )
            field_ops = []
            if r["crop"] == "winter_wheat" and r["n_total"] > 0:
                for d, sh in zip(r["n_dates"], r["n_shares"], strict=True):
                    field_ops.append(
                        (d, "nitrogen", r["n_total"] * sh, "kg_N_ha", "CAN 27%", "planned")
                    )
            if r["crop"] == "grain_maize":
                field_ops.append(
                    (r["sow"], "nitrogen", r["n_maize"], "kg_N_ha", "CAN 27%", "planned")
                )
                for d, mm in r["irrigation"]:
                    field_ops.append(
                        (d, "irrigation", mm, "mm", "reel gun", "simulated soil-moisture trigger")
                    )
            for d, op, amt, unit, prod, why in field_ops:
                row = [fid, d.isoformat(), op, fmt(float(amt), 1), unit, prod]
                if d <= ref:
                    ops.append(row)
                else:
                    planned.append(row + [why])
            if cur:
                final_rows.append(
                    [
                        fid,
                        r["crop"],
                        r["variety"],
                        r["sow"].isoformat(),
                        r["crop_end"].isoformat(),
                        fmt(r["matured"]),
                        r["harvest"].isoformat(),
                        fmt(r["twso"], 1),
                        fmt(y_true, 3),
                        fmt(moist, 1),
                    ]
                )
                if r["crop"] == "winter_wheat":
                    rates = [a for a, _ in r["sweep"]]
                    ys = [t_ha(tw, WHEAT_MOISTURE) for _, tw in r["sweep"]]
                    for a, yy in zip(rates, ys, strict=True):
                        sweep_rows.append([fid, fmt(float(a), 0), fmt(yy, 3)])
                    q = qp_fit(rates, [yy * 1000 for yy in ys], price_ratio)
                    nresp_rows.append(
                        [
                            fid,
                            fmt(r["n_total"], 0),
                            fmt(q["a"] / 1000, 4),
                            fmt(q["b"], 5),
                            fmt(q["c"], 8),
                            fmt(q["aonr"], 1),
                            fmt(q["plateau"] / 1000, 3),
                            fmt(q["eonr"], 1),
                            fmt(min(q["eonr"], max(rates)), 1),
                            fmt(sweep_eonr(rates, [yy * 1000 for yy in ys], price_ratio), 1),
                            fmt(q["r2"], 4),
                        ]
                    )
                else:
                    ir = r["irrigated_run"]
                    irr_rows.append(
                        [
                            fid,
                            fmt(f["irrigated"]),
                            fmt(f["irrigation"]["trigger_sm"], 3),
                            fmt(f["irrigation"]["amount_mm"], 1),
                            str(len(ir["irrigation"])),
                            fmt(float(sum(a for _, a in ir["irrigation"])), 1),
                            fmt(t_ha(ir["twso"], MAIZE_MOISTURE), 3),
                            fmt(t_ha(r["rainfed_run"]["twso"], MAIZE_MOISTURE), 3),
                        ]
                    )
    season_rows.sort(key=lambda x: (x[0], x[1]))
    write_csv(
        demo / "seasons.csv",
        [
            "field_id",
            "season",
            "crop",
            "variety",
            "sowing_date",
            "harvest_date",
            "yield_t_ha",
            "yield_moisture_pct",
        ],
        season_rows,
    )
    ops.sort(key=lambda x: (x[0], x[1], x[2]))
    write_csv(
        demo / "operations.csv", ["field_id", "date", "operation", "amount", "unit", "product"], ops
    )
    planned.sort(key=lambda x: (x[0], x[1], x[2]))
    write_csv(
        truth / "planned_operations_2026.csv",
        ["field_id", "date", "operation", "amount", "unit", "product", "source"],
        planned,
    )
    sim_rows.sort(key=lambda x: (x[0], x[1]))
    write_csv(
        truth / "simulated_seasons.csv",
        [
            "field_id",
            "season",
            "crop",
            "variety",
            "sowing_date",
            "crop_end_date",
            "matured",
            "harvest_date_expected",
            "dvs_end",
            "twso_kg_dm_ha",
            "yield_noise_free_t_ha",
            "yield_observed_t_ha",
            "yield_noise_factor",
            "n_total_kg_ha",
            "irrigation_mm",
        ],
        sim_rows,
    )
    write_csv(
        truth / "final_yield_2026.csv",
        [
            "field_id",
            "crop",
            "variety",
            "sowing_date",
            "crop_end_date",
            "matured",
            "harvest_date_expected",
            "twso_kg_dm_ha",
            "yield_t_ha",
            "yield_moisture_pct",
        ],
        sorted(final_rows),
    )
    write_csv(
        truth / "n_sweep_2026.csv",
        ["field_id", "n_total_kg_ha", "yield_t_ha"],
        sorted(sweep_rows, key=lambda x: (x[0], float(x[1]))),
    )
    write_csv(
        truth / "n_response_2026.csv",
        [
            "field_id",
            "n_planned_kg_ha",
            "qp_a_t_ha",
            "qp_b_kg_per_kg_n",
            "qp_c_kg_per_kg_n2",
            "aonr_kg_ha",
            "plateau_yield_t_ha",
            "eonr_kg_ha",
            "eonr_within_tested_kg_ha",
            "eonr_sweep_kg_ha",
            "fit_r2",
        ],
        sorted(nresp_rows),
    )
    write_csv(
        truth / "irrigation_2026.csv",
        [
            "field_id",
            "irrigated",
            "trigger_sm_m3_m3",
            "amount_per_event_mm",
            "events",
            "irrigation_mm",
            "yield_irrigated_t_ha",
            "yield_rainfed_t_ha",
        ],
        sorted(irr_rows),
    )
    # When the stated soil differs from the simulated one, both are recorded side by side.
    stated = bool(profile.stated_soil_error)
    write_csv(
        truth / "soil_parameters.csv",
        [
            "field_id",
            "texture",
            "NAVAILI_kg_ha",
            "NSOILBASE_kg_ha",
            "NSOILBASE_FR",
            "SMW",
            "SMFCF",
            "SM0",
            "CRAIRC",
            "K0_cm_d",
            "SOPE_cm_d",
            "KSUB_cm_d",
            "RDMSOL_cm",
            "soc_pct",
        ]
        + (
            ["wilting_point_stated_m3_m3", "field_capacity_stated_m3_m3", "root_depth_stated_cm"]
            if stated
            else []
        ),
        [
            [
                f["field_id"],
                f["texture"],
                fmt(f["site"]["NAVAILI"], 1),
                fmt(f["site"]["NSOILBASE"], 1),
                fmt(f["site"]["NSOILBASE_FR"], 3),
                fmt(f["soil"]["SMW"], 3),
                fmt(f["soil"]["SMFCF"], 3),
                fmt(f["soil"]["SM0"], 3),
                fmt(f["soil"]["CRAIRC"], 2),
                fmt(f["soil"]["K0"], 1),
                fmt(f["soil"]["SOPE"], 1),
                fmt(f["soil"]["KSUB"], 1),
                fmt(f["soil"]["RDMSOL"], 0),
                fmt(f["soc_pct"], 2),
            ]
            + (
                [
                    fmt(f["wilting_point_m3_m3"], 3),
                    fmt(f["field_capacity_m3_m3"], 3),
                    fmt(f["root_depth_max_cm"], 0),
                ]
                if stated
                else []
            )
            for f in fields
        ],
    )
    if profile.cultivar_spread:
        write_cultivars(truth / "cultivars.csv", fields)

    # ---- weather.csv
    wrows = []
    gap = None
    rad_gap = profile.rad_gap
    for fi, farm in enumerate(farms):
        w = weather[farm["station_id"]]
        gap_days = set()
        if rad_gap is not None and fi == rad_gap["farm_index"]:
            gap_days = {rad_gap["start"] + dt.timedelta(days=k) for k in range(rad_gap["days"])}
            gap = {
                "station_id": farm["station_id"],
                "variable": "rad_mj_m2",
                "first_day": rad_gap["start"].isoformat(),
                "last_day": max(gap_days).isoformat(),
                "note": "empty in weather.csv; WOFOST was driven with the station's values",
            }
        for i, d in enumerate(w["date"]):
            if d > ref:
                break
            wrows.append(
                [
                    farm["station_id"],
                    d.isoformat(),
                    fmt(w["tmin"][i], 1),
                    fmt(w["tmax"][i], 1),
                    fmt(w["rain"][i], 1),
                    "" if d in gap_days else fmt(w["rad"][i], 2),
                    fmt(w["vp"][i], 3),
                    "",
                    fmt(w["wind"][i], 1),
                    fmt(farm["station"][0], 4),
                    fmt(farm["station"][1], 4),
                    fmt(farm["elev"], 1),
                ]
            )
    wrows.sort(key=lambda x: (x[0], x[1]))
    write_csv(
        demo / "weather.csv",
        [
            "station_id",
            "date",
            "tmin_degc",
            "tmax_degc",
            "precip_mm",
            "rad_mj_m2",
            "vp_kpa",
            "rh_pct",
            "wind_m_s",
            "station_lat",
            "station_lon",
            "station_elevation_m",
        ],
        wrows,
    )

    # ---- forecast.csv: issued on the reference date, from each station's own stream
    frows = []
    for fi, farm in enumerate(farms):
        days = gweather.forecast(weather[farm["station_id"]], ref, rng_for("forecast", fi))
        for day in days:
            frows.append(
                [
                    farm["station_id"],
                    ref.isoformat(),
                    day["date"].isoformat(),
                    fmt(day["tmin"], 1),
                    fmt(day["tmax"], 1),
                    fmt(day["rain"], 1),
                    fmt(day["rad"], 2),
                    fmt(day["vp"], 3),
                    "",
                    fmt(day["wind"], 1),
                ]
            )
    frows.sort(key=lambda x: (x[0], x[2]))
    write_csv(
        demo / "forecast.csv",
        [
            "station_id",
            "issued_date",
            "date",
            "tmin_degc",
            "tmax_degc",
            "precip_mm",
            "rad_mj_m2",
            "vp_kpa",
            "rh_pct",
            "wind_m_s",
        ],
        frows,
    )

    # ---- satellite.csv
    sat_dates = gremote.acquisition_dates(profile.weather_start, ref, profile.sat_anchor)
    fields_by_farm = {
        fm["farm_id"]: [f for f in fields if f["farm_id"] == fm["farm_id"]] for fm in farms
    }
    cloud = gremote.cloud_states(sat_dates, farms, fields_by_farm, rng_for, *profile.cloud_full)
    sat_rows, contam_rows = [], []
    n_partial = 0
    for f in fields:
        seas = results[f["field_id"]]["seasons"]
        first_sow = min(s["sow"] for s in seas)
        prev_h0 = dt.date(first_sow.year - (0 if first_sow.month >= 9 else 1), 8, 5)
        rs = rng_for("satellite", f["_key"])
        tl = gremote.field_canopy_timeline(sat_dates, seas, prev_h0, rs)
        rows, contam = gremote.field_statistics(f, sat_dates, tl, cloud, rs)
        n_partial += sum(1 for rw in rows if rw["cloud_free_fraction"] < 0.9)
        sat_rows += rows
        contam_rows += contam
    sat_cols = ["field_id", "date", "cloud_free_fraction", "pixel_count"]
    sat_cols += [f"{i}_{s}" for i in ("ndvi", "ndre") for s in ("mean", "std", "p10", "p50", "p90")]
    sat_cols += ["ndmi_mean", "ndmi_std"]
    sat_rows.sort(key=lambda x: (x["field_id"], x["date"]))
    write_csv(
        demo / "satellite.csv",
        sat_cols,
        [
            [rw[c] if c in ("field_id", "date", "pixel_count") else fmt(rw[c], 4) for c in sat_cols]
            for rw in sat_rows
        ],
    )
    contam_rows.sort(key=lambda x: (x["field_id"], x["date"]))
    ccols = [
        "field_id",
        "date",
        "cloud_free_fraction",
        "contaminated_pixel_share",
        "ndvi_mean_bias",
        "ndre_mean_bias",
        "ndmi_mean_bias",
    ]
    write_csv(
        truth / "satellite_contamination.csv",
        ccols,
        [[c[k] if isinstance(c[k], str) else fmt(c[k], 4) for k in ccols] for c in contam_rows],
    )

    # ---- sensors
    if profile.sensors:
        sensor_meta = write_sensors(demo, truth, farms, fields, results, weather, rng_for, smoke)
    else:
        sensor_meta = "none: this profile has no sensor logs"

    # ---- metadata
    n_dates_total = len(sat_dates) * len(fields)
    stats = {
        "satellite_dates": len(sat_dates),
        "satellite_field_dates": n_dates_total,
        "satellite_rows": len(sat_rows),
        "satellite_rows_lost_fully_cloudy": n_dates_total - len(sat_rows),
        "satellite_rows_partly_cloudy_cff_below_0_9": n_partial,
        "satellite_rows_contaminated": len(contam_rows),
    }
    generator = {
        "script": "sample_data/generate.py",
        "seed": seed,
        "smoke": smoke,
        "pcse_version": pcse_version,
        "models": {"winter_wheat": gcrop.WHEAT_MODEL, "grain_maize": gcrop.MAIZE_MODEL},
        "crop_parameters": "WOFOST_crop_parameters branch wofost81, commit "
        "2b0d5274faec1d40585a13d0906f63b97f349503 "
        "(EUPL), vendored unmodified in sample_data/wofost_crop_parameters"
        + (
            "; each field's cultivar scales some of them (truth: cultivars.csv)"
            if profile.cultivar_spread
            else ""
        ),
        "weather_source": "Wageningen (Haarweg) NL1 CABO files shipped in the pcse wheel "
        "(pcse/tests/test_data)",
        "weather_real_years": sorted(set(profile.weather_years.values())),
        "weather_redating": profile.weather_redating,
        "weather_perturbation": wx_meta,
        "weather_gaps": [gap] if gap else [],
        "forecast": f"forecast.csv: {gweather.FORECAST_DAYS} days after the reference date, "
        "issued on it: each station's own weather for those days with errors growing with lead "
        "time (see _gen_weather.forecast)",
        "satellite_acquisition_phase": f"every 5 days from {profile.sat_anchor.isoformat()}",
    }
    if profile.sensors:
        generator["sensor_log_interval_minutes"] = {
            "zentra": ZENTRA_STEP_H * 60,
            "long": LONG_STEP_H * 60,
        }
    if profile.rng_salt is not None:  # the sample's manifest stays as it was
        generator["profile"] = profile.name
    bundle = {
        "format_version": 1,
        "cooperative_id": profile.cooperative_id,
        "cooperative_name": profile.cooperative_name,
        "reference_date": ref.isoformat(),
        "timezone": profile.timezone,
        "description": profile.description,
        "generator": generator,
    }
    (demo / "bundle.json").write_text(
        json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tmeta = {
        "seed": seed,
        "smoke": smoke,
        "reference_date": ref.isoformat(),
        "prices": {
            "n_eur_per_kg_n": PRICE_N_EUR_KG,
            "wheat_eur_per_kg_at_15pct_moisture": PRICE_WHEAT_EUR_KG,
            "price_ratio_kg_grain_per_kg_n": price_ratio,
        },
        "n_sweep_rates_kg_ha": SWEEP_SMOKE if smoke else SWEEP_FULL,
        "n_split": _n_split_meta(farms),
        "n_response_model": "quadratic-plateau y = a + b x + c x^2 for x < aonr, plateau beyond; "
        "yields in kg/ha at "
        "15 % moisture for the fit (t/ha in the table); eonr = aonr * (1 - price_ratio / b)",
        "yield_moisture_pct": {"winter_wheat": WHEAT_MOISTURE, "grain_maize": MAIZE_MOISTURE},
        "yield_measurement_noise_sd_rel": 0.03,
        "maize_n_note": "maize N is in operations.csv but has no effect in Wofost72_WLP_CWB",
        "weather": generator["weather_perturbation"],
        "weather_gaps": generator["weather_gaps"],
        "satellite": stats,
        "sensors": sensor_meta,
        "files": {
            "soil_parameters.csv": "WOFOST soil and soil-N parameters per field",
            "simulated_seasons.csv": "each field-season: noise-free yield, crop end, N, water",
            "final_yield_2026.csv": "simulated final yield of the in-progress season (noise-free)",
            "n_sweep_2026.csv": "N-rate sweep per 2026 wheat field (same split dates, shares)",
            "n_response_2026.csv": "quadratic-plateau fit, AONR, plateau yield and EONR per 2026 "
            "wheat field; "
            "eonr_kg_ha may extrapolate beyond the tested range, "
            "eonr_within_tested_kg_ha is capped at the highest tested rate, "
            "eonr_sweep_kg_ha is read directly from the sweep's marginal yields",
            "irrigation_2026.csv": "2026 maize: soil-moisture-triggered run and rainfed yield",
            "planned_operations_2026.csv": "2026 operations after the reference date",
            "satellite_contamination.csv": "partly cloudy rows biased low by residual cloud/shadow",
            "sensor_faults.csv": "faults injected into the sensor logs (timestamps UTC)",
        },
    }
    if not profile.sensors:
        del tmeta["files"]["sensor_faults.csv"]
    if profile.stated_soil_error:
        tmeta["files"]["soil_parameters.csv"] += (
            "; *_stated_* columns are the values in fields.geojson (WOFOST ran on SMW, SMFCF, "
            "RDMSOL)"
        )
        tmeta["stated_soil_error"] = {
            **profile.stated_soil_error,
            "note": "fields.geojson field_capacity_m3_m3 = SMFCF + N(0, sd), wilting_point_m3_m3 = "
            "SMW + N(0, sd) (kept >= 0.02 and >= 0.04 below field capacity), root_depth_max_cm = "
            "RDMSOL + a multiple of 5 cm within +-root_depth_cm",
        }
    if profile.cultivar_spread:
        tmeta["files"]["cultivars.csv"] = (
            "per field and crop: the variety and the factors applied to its WOFOST parameters"
        )
        tmeta["cultivars"] = {
            "parameters": {k: list(v) for k, v in gcrop.CULTIVAR_PARAMETERS.items()},
            "factor_half_range": profile.cultivar_spread,
            "note": "factors ~ U(1 - h, 1 + h) per field and crop; AMAX is AMAX_REF (wheat, "
            "WOFOST 8.1) or the values of AMAXTB (maize, WOFOST 7.2)",
        }
    if profile.rng_salt is not None:
        tmeta["profile"] = profile.name
        tmeta["farms"] = [
            {
                "farm_id": fm["farm_id"],
                "texture": fm["texture"],
                "n_practice_kg_ha": fm["n_practice"],
                "p_irrigated": fm["p_irrigated"],
                "station": {"lat": fm["station"][0], "lon": fm["station"][1], "elev": fm["elev"]},
            }
            for fm in farms
        ]
    (truth / "metadata.json").write_text(
        json.dumps(tmeta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _n_split_meta(farms) -> dict:
    """The N split of metadata.json: one entry when all farms split alike, else one per farm."""

    def describe(fm) -> dict:
        dates = fm.get("n_dates", DEFAULT_N_DATES)
        return {
            "shares": list(fm.get("n_shares", gcrop.N_SHARES)),
            "n_recovery": gcrop.N_RECOVERY,
            "dates": ", ".join(f"{MONTHS[mo - 1]} {dy}" for mo, dy in dates) + ", each +-7 days",
        }

    splits = {fm["farm_id"]: describe(fm) for fm in farms}
    first = next(iter(splits.values()))
    if all(v == first for v in splits.values()):
        return first
    return {"per_farm": splits}


def write_cultivars(path: Path, fields) -> None:
    """truth: each field's variety per crop, the factors and the resulting parameter values."""
    rows = []
    for f in fields:
        for crop, c in sorted(f["cultivars"].items()):
            values = f["cultivar_parameters"][crop]
            amax_name = next(n for n in gcrop.CULTIVAR_PARAMETERS[crop] if n.startswith("AMAX"))
            amax = values[amax_name]
            amax_max = max(amax[1::2]) if isinstance(amax, list) else amax
            rows.append(
                [
                    f["field_id"],
                    crop,
                    c["variety"],
                    fmt(c["factors"]["TSUM1"], 3),
                    fmt(c["factors"]["TSUM2"], 3),
                    fmt(c["factors"]["SPAN"], 3),
                    amax_name,
                    fmt(c["factors"][amax_name], 3),
                    fmt(values["TSUM1"], 1),
                    fmt(values["TSUM2"], 1),
                    fmt(values["SPAN"], 2),
                    fmt(float(amax_max), 2),
                ]
            )
    write_csv(
        path,
        [
            "field_id",
            "crop",
            "variety",
            "tsum1_factor",
            "tsum2_factor",
            "span_factor",
            "amax_parameter",
            "amax_factor",
            "tsum1_degc_d",
            "tsum2_degc_d",
            "span_d",
            "amax_max_kg_co2_ha_h",
        ],
        rows,
    )


def write_sensors(demo, truth, farms, fields, results, weather, rng_for, smoke):
    ref = REFERENCE_DATE
    sens_dir = demo / "sensors"
    dev_rows, fault_rows = [], []
    counts = {}
    zentra_serial = 10234
    long_serial = 40211
    devices = []
    for fi, farm in enumerate(farms):
        ff = [f for f in fields if f["farm_id"] == farm["farm_id"]]
        r = rng_for("sensor-fields", fi)
        n_dev = 2 if smoke else 3
        pick = sorted(r.choice(len(ff), size=n_dev, replace=False).tolist())
        for k, idx in enumerate(pick):
            vendor = "long" if k == n_dev - 1 else "zentra"
            if vendor == "zentra":
                dev_id = f"z6-{zentra_serial + 37 * len(devices)}"
            else:
                dev_id = f"sm-{long_serial + 53 * len(devices)}"
            devices.append(
                {"device_id": dev_id, "vendor": vendor, "field": ff[idx], "fi": fi, "k": k}
            )
    zentra_devs = [d for d in devices if d["vendor"] == "zentra"]
    long_devs = [d for d in devices if d["vendor"] == "long"]
    percent_dev = zentra_devs[min(2, len(zentra_devs) - 1)]["device_id"] if not smoke else None
    offset_dev = long_devs[min(1, len(long_devs) - 1)]["device_id"] if not smoke else None
    for dev in devices:
        f = dev["field"]
        seas = {s["season"]: s for s in results[f["field_id"]]["seasons"]}
        w = weather[f["station_id"]]
        rdev = rng_for("probe-offsets", f["_key"])
        offsets = {p: float(rdev.normal(0, 0.012)) for p in (1, 2, 3)}
        for season in SENSOR_SEASONS:
            s = seas.get(season)
            if s is None:
                continue
            rs = rng_for("sensor", f["_key"], season)
            install = s["sow"] + dt.timedelta(days=int(rs.integers(11, 18)))
            install = min(install, ref - dt.timedelta(days=5))
            removed = (
                None
                if season == CURRENT_SEASON
                else s["harvest"] - dt.timedelta(days=int(rs.integers(3, 11)))
            )
            if removed is not None and removed > s["crop_end"]:
                removed = s["crop_end"]
            step = ZENTRA_STEP_H if dev["vendor"] == "zentra" else LONG_STEP_H
            start_l = dt.datetime.combine(install, dt.time(11), gremote.AMS)
            end_l = (
                dt.datetime.combine(removed, dt.time(9), gremote.AMS)
                if removed
                else dt.datetime.combine(ref, dt.time(23, 59), gremote.AMS)
            )
            inst = gremote.hourly_instants(start_l, end_l, step)
            inst = [t for t in inst if (t.date() - s["sow"]).days < len(s["sm"])]
            soil = dict(f["soil"])
            soil["_ec0"] = f["_ec0"]
            series = gremote.probe_series(inst, s, w, soil, offsets, rs, step)
            forced = {}
            if dev["device_id"] == percent_dev:
                forced["percent"] = True
            if dev["device_id"] == offset_dev and season == 2025:
                forced.update(
                    {"offset_port": 2, "offset_at": float(rs.uniform(0.4, 0.7)), "offset": 0.045}
                )
            keep, faults = gremote.inject_faults(series, inst, dev["device_id"], season, rs, forced)
            fault_rows += faults
            for flt in faults:
                counts[flt["kind"]] = counts.get(flt["kind"], 0) + 1
            if dev["vendor"] == "zentra":
                text = gremote.zentra_csv(
                    dev["device_id"], inst, series, keep, bool(forced.get("percent"))
                )
                path = sens_dir / "zentra" / f"{dev['device_id']}_{season}.csv"
                model = "TEROS 12"
                tz = "Europe/Amsterdam"
            else:
                text = gremote.long_csv(dev["device_id"], inst, series, keep)
                path = sens_dir / "long" / f"{dev['device_id']}_{season}.csv"
                model = "SMT100"
                tz = "UTC"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            for port, depth in ((1, 10), (2, 30), (3, 60)):
                dev_rows.append(
                    [
                        dev["device_id"],
                        str(port),
                        f["field_id"],
                        str(depth),
                        model,
                        tz,
                        install.isoformat(),
                        removed.isoformat() if removed else "",
                    ]
                )
    dev_rows.sort(key=lambda x: (x[0], x[6], int(x[1])))
    write_csv(
        sens_dir / "devices.csv",
        [
            "device_id",
            "port",
            "field_id",
            "depth_cm",
            "sensor_model",
            "timezone",
            "installed_date",
            "removed_date",
        ],
        dev_rows,
    )
    fault_rows.sort(
        key=lambda x: (x["device_id"], x["season"], x["start"], str(x["port"]), x["kind"])
    )
    fcols = ["device_id", "port", "season", "start", "end", "kind", "detail"]
    write_csv(truth / "sensor_faults.csv", fcols, [[str(x[c]) for c in fcols] for x in fault_rows])
    return {
        "devices": [
            {
                "device_id": d["device_id"],
                "vendor_format": d["vendor"],
                "field_id": d["field"]["field_id"],
            }
            for d in sorted(devices, key=lambda d: d["device_id"])
        ],
        "fault_counts": dict(sorted(counts.items())),
        "percent_vwc_device": percent_dev,
        "ports": {"1": "10 cm", "2": "30 cm", "3": "60 cm"},
    }


if __name__ == "__main__":
    sys.exit(main())
