"""Synthetic, explicit sources for the feature and water balance tests and the benchmark.

`synthetic_sources` makes stations with seasonal daily weather (and reference ET through the real
`daily_reference_et`), fields with soils, alternating winter wheat (sown in autumn, harvested the
next summer) and grain maize seasons, 5-daily satellite observations with clouds, nitrogen and
irrigation operations, and daily probe aggregates for every tenth field. Everything is vectorised
so that 10,000 field-seasons take seconds to make.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.agronomy.season_grid import SeasonSources
from pipelines.agronomy.weather import daily_reference_et
from pipelines.crops import builtin_crops


def synthetic_weather(
    n_stations: int, start: str, end: str, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    days = pd.date_range(start, end, freq="D")
    n = len(days)
    doy = days.dayofyear.to_numpy()
    season = np.cos(2 * np.pi * (doy - 200) / 365.25)  # 1 in mid-July
    offset = rng.uniform(-1.0, 1.0, (n_stations, 1))
    noise = rng.normal(0, 2.0, (n_stations, n))
    tmean = 10 + 8 * season[None, :] + offset + noise
    spread = rng.uniform(4, 12, (n_stations, n))
    tmin, tmax = np.round(tmean - spread / 2, 1), np.round(tmean + spread / 2, 1)
    wet = rng.random((n_stations, n)) < 0.45
    precip = np.round(np.where(wet, rng.gamma(0.8, 5.0, (n_stations, n)), 0.0), 1)
    rad = np.round(np.clip(11 + 9 * season[None, :] + rng.normal(0, 4, (n_stations, n)), 1, 30), 2)
    vp = np.round(0.6108 * np.exp(17.27 * tmin / (tmin + 237.3)) * rng.uniform(0.8, 1.0), 3)
    wind = np.round(rng.gamma(4, 0.8, (n_stations, n)), 1)
    stations = pd.DataFrame(
        {
            "station_id": [f"st-{s:03d}" for s in range(n_stations)],
            "lat": rng.uniform(51.5, 52.5, n_stations).round(4),
            "lon": rng.uniform(5.0, 6.0, n_stations).round(4),
            "elevation_m": rng.uniform(0, 30, n_stations).round(1),
        }
    )
    weather = pd.DataFrame(
        {
            "station_id": np.repeat(stations["station_id"].to_numpy(), n),
            "date": np.tile(days.to_numpy(), n_stations),
            "tmin_degc": tmin.ravel(),
            "tmax_degc": tmax.ravel(),
            "precip_mm": precip.ravel(),
            "rad_mj_m2": rad.ravel(),
            "vp_kpa": vp.ravel(),
            "rh_pct": np.nan,
            "wind_m_s": wind.ravel(),
        }
    )
    # A few gaps for the ETo fallbacks.
    gaps = rng.random(len(weather)) < 0.01
    weather.loc[gaps, "rad_mj_m2"] = np.nan
    weather.loc[rng.random(len(weather)) < 0.01, "wind_m_s"] = np.nan
    return weather, stations


def synthetic_seasons(
    n_fields: int,
    first_season: int,
    last_season: int,
    reference: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    field = np.repeat(np.arange(n_fields), last_season - first_season + 1)
    season = np.tile(np.arange(first_season, last_season + 1), n_fields)
    wheat = (field + season) % 2 == 0
    jitter = rng.integers(0, 16, field.size)
    sowing = (
        np.where(
            wheat,
            pd.to_datetime([f"{y - 1}-10-25" for y in season]).to_numpy(),
            pd.to_datetime([f"{y}-04-20" for y in season]).to_numpy(),
        )
        + pd.to_timedelta(jitter, unit="D").to_numpy()
    )
    harvest = (
        np.where(
            wheat,
            pd.to_datetime([f"{y}-07-25" for y in season]).to_numpy(),
            pd.to_datetime([f"{y}-09-20" for y in season]).to_numpy(),
        )
        + pd.to_timedelta(rng.integers(0, 21, field.size), unit="D").to_numpy()
    )
    table = pd.DataFrame(
        {
            "field_id": [f"f-{i:05d}" for i in field],
            "season": season,
            "crop": np.where(wheat, "winter_wheat", "grain_maize"),
            "sowing_date": sowing,
            "harvest_date": harvest,
            "yield_t_ha": np.round(np.where(wheat, 9.0, 10.0) + rng.normal(0, 1.2, field.size), 2),
        }
    )
    table = table[table["sowing_date"] <= reference].reset_index(drop=True)
    running = table["harvest_date"] > reference
    table.loc[running, "harvest_date"] = pd.NaT
    table.loc[running, "yield_t_ha"] = np.nan
    return table


def _canopy_ndvi(crop_age_d: np.ndarray, is_wheat: np.ndarray, in_season: np.ndarray) -> np.ndarray:
    # Logistic green-up and senescence by crop age; bare soil outside the season.
    up = np.where(is_wheat, 170.0, 45.0)
    down = np.where(is_wheat, 250.0, 130.0)
    green = 1 / (1 + np.exp(-(crop_age_d - up) / 12)) - 1 / (1 + np.exp(-(crop_age_d - down) / 10))
    winter_cover = np.where(is_wheat, 0.25 / (1 + np.exp(-(crop_age_d - 30) / 8)), 0.0)
    ndvi = 0.15 + np.maximum(0.7 * green, winter_cover) * (crop_age_d > 0)
    return np.where(in_season, ndvi, 0.18)


def synthetic_sources(
    n_fields: int = 6,
    *,
    n_stations: int = 2,
    first_season: int = 2021,
    last_season: int = 2025,
    reference_date: str = "2025-05-25",
    seed: int = 0,
    sensor_every: int = 3,
) -> SeasonSources:
    rng = np.random.default_rng(seed)
    reference = pd.Timestamp(reference_date)
    start = f"{first_season - 1}-09-01"
    weather, stations = synthetic_weather(n_stations, start, reference_date, rng)
    weather = daily_reference_et(weather, stations)

    field_ids = [f"f-{i:05d}" for i in range(n_fields)]
    wp = rng.uniform(0.05, 0.22, n_fields)
    fields = pd.DataFrame(
        {
            "field_id": field_ids,
            "station_id": [f"st-{i % n_stations:03d}" for i in range(n_fields)],
            "irrigated": pd.array(rng.random(n_fields) < 0.5, dtype="boolean"),
            "sand_pct": rng.uniform(5, 85, n_fields).round(1),
            "clay_pct": rng.uniform(3, 15, n_fields).round(1),
            "soc_pct": rng.uniform(0.8, 2.8, n_fields).round(2),
            "field_capacity_m3_m3": (wp + rng.uniform(0.08, 0.2, n_fields)).round(3),
            "wilting_point_m3_m3": wp.round(3),
            "root_depth_max_cm": rng.choice([60.0, 90.0, 120.0, 150.0], n_fields),
        }
    )
    seasons = synthetic_seasons(n_fields, first_season, last_season, reference, rng)

    # Satellite: every 5 days per field (its own orbit phase), 40 % lost to cloud, partly cloudy
    # rows biased low.
    days = pd.date_range(start, reference_date, freq="D")
    phase = np.arange(n_fields) % 5
    per_field = [days[p::5] for p in phase]
    sat = pd.DataFrame(
        {
            "field_id": np.repeat(field_ids, [len(d) for d in per_field]),
            "date": np.concatenate([d.to_numpy() for d in per_field]),
        }
    )
    sat = sat[rng.random(len(sat)) > 0.4].reset_index(drop=True)
    active = pd.merge_asof(
        sat.sort_values("date"),
        seasons.sort_values("sowing_date")[["field_id", "sowing_date", "harvest_date", "crop"]],
        left_on="date",
        right_on="sowing_date",
        by="field_id",
        direction="backward",
    ).sort_values(["field_id", "date"], ignore_index=True)
    age = (active["date"] - active["sowing_date"]).dt.days.to_numpy(dtype=float)
    end = active["harvest_date"].fillna(reference + pd.Timedelta(days=1))
    in_season = active["sowing_date"].notna().to_numpy() & (active["date"] <= end).to_numpy()
    ndvi = _canopy_ndvi(
        np.nan_to_num(age), (active["crop"] == "winter_wheat").to_numpy(), in_season
    )
    cloud_free = np.clip(rng.beta(5, 1, len(active)), 0, 1)
    ndvi = ndvi - np.where(cloud_free < 0.6, rng.uniform(0.05, 0.3, len(active)), 0.0)
    ndvi = np.clip(ndvi + rng.normal(0, 0.02, len(active)), -1, 1)
    satellite = pd.DataFrame(
        {
            "field_id": active["field_id"],
            "date": active["date"],
            "cloud_free_fraction": cloud_free.round(3),
            "ndvi_mean": ndvi.round(4),
            "ndre_mean": (0.62 * ndvi - 0.03).round(4),
        }
    )

    # Operations: wheat N in spring, irrigated maize watered every 14 days from day 60.
    wheat = seasons[seasons["crop"] == "winter_wheat"]
    n_ops = [
        pd.DataFrame(
            {
                "field_id": wheat["field_id"],
                "season": wheat["season"],
                "date": wheat["sowing_date"] + pd.Timedelta(days=d),
                "operation": "nitrogen",
                "amount": np.round(rng.uniform(30, 90, len(wheat))),
            }
        )
        for d in (130, 165, 200)
    ]
    irrigated = set(fields.loc[fields["irrigated"].to_numpy(dtype=bool), "field_id"])
    maize = seasons[(seasons["crop"] == "grain_maize") & seasons["field_id"].isin(irrigated)]
    water_ops = [
        pd.DataFrame(
            {
                "field_id": maize["field_id"],
                "season": maize["season"],
                "date": maize["sowing_date"] + pd.Timedelta(days=60 + 14 * k),
                "operation": "irrigation",
                "amount": 25.0,
            }
        )
        for k in range(4)
    ]
    operations = pd.concat(n_ops + water_ops, ignore_index=True)
    operations = operations[operations["date"] <= reference].reset_index(drop=True)
    operations["season"] = operations["season"].astype("Int64")

    # Daily probe aggregates at 10, 30 and 60 cm for every `sensor_every`-th field, in season.
    probed = seasons[seasons["field_id"].isin(field_ids[::sensor_every])]
    frames = []
    fc_of = fields.set_index("field_id")["field_capacity_m3_m3"]
    for row in probed.itertuples(index=False):
        sown = pd.Timestamp(row.sowing_date)  # type: ignore[arg-type]
        stop = pd.Timestamp(row.harvest_date) if pd.notna(row.harvest_date) else reference  # type: ignore[arg-type]
        span = pd.date_range(sown + pd.Timedelta(days=15), stop - pd.Timedelta(days=5))
        if len(span) == 0:
            continue
        for depth, dry in ((10.0, 0.10), (30.0, 0.07), (60.0, 0.04)):
            vwc = fc_of[row.field_id] - dry * (0.5 + 0.5 * np.sin(np.arange(len(span)) / 9.0))
            keep = rng.random(len(span)) > 0.1  # logger gaps
            frames.append(
                pd.DataFrame(
                    {
                        "field_id": row.field_id,
                        "date": span[keep],
                        "depth_cm": depth,
                        "vwc_m3_m3": np.round(vwc[keep], 3),
                    }
                )
            )
    sensors = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["field_id", "date", "depth_cm", "vwc_m3_m3"])
    )
    return SeasonSources(
        fields=fields,
        seasons=seasons,
        crops=builtin_crops(),
        weather=weather,
        operations=operations,
        satellite=satellite,
        sensors=sensors,
    )
