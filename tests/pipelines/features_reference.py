"""The slow, obviously-correct versions of the water balance and the in-season features.

One request at a time, one day at a time, with pandas selections and plain Python arithmetic that
follows FAO-56 line by line. The tests and `benchmarks/features.py` check the vectorised
`pipelines.agronomy.features.build_features` and `pipelines.agronomy.waterbalance` against these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipelines.agronomy.features import FEATURE_COLUMNS, INDICES, WINDOWS, FeatureParameters
from pipelines.agronomy.index_cleaning import clean_time_series
from pipelines.agronomy.season_grid import SeasonSources
from pipelines.agronomy.waterbalance import WaterBalanceParameters


def kc_adjustment(u2: float, rh_min: float, height: float) -> float:
    """FAO-56 eq. 62 with its validity limits."""
    u2 = min(max(u2, 1.0), 6.0)
    rh_min = min(max(rh_min, 20.0), 80.0)
    height = min(max(height, 0.1), 10.0)
    return (0.04 * (u2 - 2) - 0.004 * (rh_min - 45)) * (height / 3) ** 0.3


def stage_of_day(i: int, crop: Any) -> int:
    if i <= crop.stage_ini_days:
        return 0
    if i <= crop.stage_ini_days + crop.stage_dev_days:
        return 1
    if i <= crop.stage_ini_days + crop.stage_dev_days + crop.stage_mid_days:
        return 2
    return 3


def kc_series(crop: Any, wind: list[float], rh_min: list[float]) -> list[float]:
    """Kc day by day, with eq. 62/65 from the stage means so far (the module's causal rule)."""
    l1, l2, l3, l4 = (
        int(crop.stage_ini_days),
        int(crop.stage_dev_days),
        int(crop.stage_mid_days),
        int(crop.stage_late_days),
    )
    mid_u = mid_rh = late_u = late_rh = 0.0
    mid_n = late_n = 0
    out = []
    for k in range(len(wind)):
        i = k + 1
        if l1 < i <= l1 + l2 + l3:
            mid_u, mid_rh, mid_n = mid_u + wind[k], mid_rh + rh_min[k], mid_n + 1
        if i > l1 + l2 + l3:
            late_u, late_rh, late_n = late_u + wind[k], late_rh + rh_min[k], late_n + 1
        kc_mid = crop.kc_mid
        if mid_n:
            kc_mid += kc_adjustment(mid_u / mid_n, mid_rh / mid_n, crop.max_height_m)
        kc_end = crop.kc_end
        if late_n and crop.kc_end >= 0.45:
            kc_end += kc_adjustment(late_u / late_n, late_rh / late_n, crop.max_height_m)
        if i <= l1:
            kc = crop.kc_ini
        elif i <= l1 + l2:
            kc = crop.kc_ini + (i - l1) / l2 * (kc_mid - crop.kc_ini)
        elif i <= l1 + l2 + l3:
            kc = kc_mid
        elif i <= l1 + l2 + l3 + l4:
            kc = kc_mid + (i - l1 - l2 - l3) / l4 * (kc_end - kc_mid)
        else:
            kc = kc_end
        out.append(kc)
    return out


def runoff(precip: float, curve_number: float) -> float:
    s = 25400 / curve_number - 254
    if precip <= 0.2 * s:
        return 0.0
    return (precip - 0.2 * s) ** 2 / (precip + 0.8 * s)


def root_zone_theta(readings: dict[float, float], root_depth_m: float) -> float:
    """Depth-weighted water content over the root zone from {depth_cm: vwc} of one day."""
    depths = sorted(readings)
    zr = 100 * root_depth_m
    if not any(d <= zr for d in depths):
        return math.nan
    weighted = total = 0.0
    for n, d in enumerate(depths):
        top = 0.0 if n == 0 else (depths[n - 1] + d) / 2
        bottom = math.inf if n == len(depths) - 1 else (d + depths[n + 1]) / 2
        thickness = max(min(bottom, zr) - min(top, zr), 0.0)
        weighted += thickness * readings[d]
        total += thickness
    return weighted / total if total > 0 else math.nan


@dataclass
class DayState:
    dr: float
    taw: float
    raw: float
    ks: float
    etc: float
    etc_adj: float
    deep_percolation: float
    runoff: float
    correction: float
    sensor: bool
    theta: float


def balance_one_season(
    *,
    eto: list[float],
    kc: list[float],
    precip: list[float],
    irrigation_net: list[float],
    root_depth: list[float],
    fc: float,
    wp: float,
    p_table: float,
    theta_measured: list[float],
    params: WaterBalanceParameters,
) -> list[DayState]:
    """FAO-56 eqs. 81-88, one day after the other."""
    days = []
    dr = params.initial_depletion_fraction * 1000 * (fc - wp) * root_depth[0] if eto else 0.0
    for t in range(len(eto)):
        taw = 1000 * (fc - wp) * root_depth[t]
        dr = min(dr, taw)
        etc = kc[t] * eto[t]
        p = min(max(p_table + 0.04 * (5 - etc), 0.1), 0.8)
        raw = p * taw
        ks = 1.0 if dr <= raw else min(max((taw - dr) / ((1 - p) * taw), 0.0), 1.0)
        etc_adj = min(ks * etc, taw - dr)
        ro = runoff(precip[t], params.curve_number)
        modelled = dr + etc_adj - ((precip[t] - ro) + irrigation_net[t])
        percolation = max(-modelled, 0.0)
        modelled = max(modelled, 0.0)
        theta = theta_measured[t]
        if math.isnan(theta):
            new = modelled
        else:
            measured = min(max(1000 * (fc - theta) * root_depth[t], 0.0), taw)
            new = modelled + params.sensor_gain * (measured - modelled)
        days.append(
            DayState(
                new,
                taw,
                raw,
                ks,
                etc,
                etc_adj,
                percolation,
                ro,
                new - modelled,
                not math.isnan(theta),
                theta,
            )
        )
        dr = new
    return days


def _smoothed(
    sources: SeasonSources,
    field_id: str,
    sowing: pd.Timestamp,
    end: pd.Timestamp,
    params: FeatureParameters,
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """The field's cleaned daily indices from sowing to end, the accepted days, the raw values."""
    n = (end - sowing).days + 1
    sat = sources.satellite
    obs = sat[(sat["field_id"] == field_id) & (sat["date"] >= sowing) & (sat["date"] <= end)]
    if obs.empty or n <= 0:
        nothing = np.full(max(n, 0), np.nan)
        return {i: nothing for i in INDICES}, np.zeros(max(n, 0), bool), {}
    if "ndmi_mean" not in obs.columns:  # clean_time_series wants it; the features do not
        obs = obs.assign(ndmi_mean=np.nan)
    ds = clean_time_series(
        obs, params.cleaning, fields=[field_id], start=sowing.date(), end=end.date()
    )
    raw = obs.set_index("date").reindex(pd.date_range(sowing, end))
    return (
        {i: ds[i].to_numpy()[0] for i in INDICES},
        ds["quality_flag"].to_numpy()[0] == 1,
        {i: raw[f"{i}_mean"].to_numpy(dtype=float) for i in INDICES},
    )


def _thermal(weather: pd.DataFrame, crop: Any) -> list[float]:
    total, out = 0.0, []
    for tmin, tmax in zip(weather["tmin_degc"], weather["tmax_degc"], strict=True):
        mean = (tmin + tmax) / 2
        total += max(min(mean, crop.cap_temp_degc) - crop.base_temp_degc, 0.0)
        out.append(total)
    return out


def _station_weather(
    sources: SeasonSources, station: str, sowing: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    w = sources.weather[sources.weather["station_id"] == station]
    return w.set_index("date").reindex(pd.date_range(sowing, end, freq="D"))


def past_curve(
    sources: SeasonSources, field_id: str, season: int, params: FeatureParameters
) -> dict[str, list[float]]:
    """A harvested season's indices on the first day its thermal time reached each grid value."""
    s = sources.seasons
    row = s[(s["field_id"] == field_id) & (s["season"] == season)].iloc[0]
    crop = sources.crops.set_index("crop_id").loc[row["crop"]]
    station = str(sources.fields.set_index("field_id").at[field_id, "station_id"])
    sowing, harvest = row["sowing_date"], row["harvest_date"]
    thermal = _thermal(_station_weather(sources, station, sowing, harvest), crop)
    smoothed, _, _ = _smoothed(sources, field_id, sowing, harvest, params)
    curves: dict[str, list[float]] = {i: [] for i in INDICES}
    for j in range(params.thermal_steps):
        g = params.thermal_step_degc_d * j
        first = next((t for t, c in enumerate(thermal) if c >= g), None)
        for i in INDICES:
            curves[i].append(math.nan if first is None else float(smoothed[i][first]))
    return curves


def features_one(
    sources: SeasonSources,
    field_id: str,
    season: int,
    as_of: pd.Timestamp,
    params: FeatureParameters,
    curve_cache: dict[tuple[str, int], dict[str, list[float]]],
) -> dict[str, Any]:
    seasons = sources.seasons
    srow = seasons[(seasons["field_id"] == field_id) & (seasons["season"] == season)].iloc[0]
    field = sources.fields.set_index("field_id").loc[field_id]
    crop = sources.crops.set_index("crop_id").loc[srow["crop"]]
    sowing, harvest = srow["sowing_date"], srow["harvest_date"]
    end = harvest if pd.notna(harvest) and harvest <= as_of else as_of
    n = max((end - sowing).days + 1, 0)
    f: dict[str, Any] = {"crop": srow["crop"]}
    f["days_after_sowing_d"] = n - 1 if n else math.nan

    w = _station_weather(sources, str(field["station_id"]), sowing, end)
    thermal = _thermal(w, crop)
    gdd = [
        max(min((a + b) / 2, crop.cap_temp_degc) - crop.base_temp_degc, 0.0)
        for a, b in zip(w["tmin_degc"], w["tmax_degc"], strict=True)
    ]
    stages = [stage_of_day(t + 1, crop) for t in range(n)]
    f["crop_stage_code"] = stages[-1] + 1 if n else math.nan
    daily = {
        "gdd": gdd,
        "rain": list(w["precip_mm"]),
        "eto": list(w["eto_mm"]),
        "cwb": list(w["precip_mm"] - w["eto_mm"]),
        "heat_days": [float(t > crop.cap_temp_degc) for t in w["tmax_degc"]],
        "frost_days": [float(t < params.frost_below_degc) for t in w["tmin_degc"]],
    }
    units = {"gdd": "degc_d", "rain": "mm", "eto": "mm", "cwb": "mm"}
    for k, window in enumerate(WINDOWS):
        days = [t for t in range(n) if window == "to_date" or stages[t] == k]
        for q, values in daily.items():
            name = f"{q}_{window}_{units.get(q, 'd')}"
            f[name] = sum(values[t] for t in days) if days else math.nan

    # Water balance.
    wb = params.water_balance
    deepest = min(crop.root_depth_max_m, field["root_depth_max_cm"] / 100)
    first = min(wb.initial_root_depth_m, deepest)
    zr = [
        first
        + (deepest - first)
        * min(max((t + 1) / (crop.stage_ini_days + crop.stage_dev_days), 0.0), 1.0)
        for t in range(n)
    ]
    sens = sources.sensors[sources.sensors["field_id"] == field_id]
    theta = []
    for t, day in enumerate(pd.date_range(sowing, end, freq="D")):
        today = sens[sens["date"] == day]
        readings = {
            float(d): float(v)
            for d, v in zip(today["depth_cm"], today["vwc_m3_m3"], strict=True)
            if not math.isnan(v)
        }
        theta.append(root_zone_theta(readings, zr[t]) if readings else math.nan)
    ops = sources.operations
    irrigation = ops[(ops["field_id"] == field_id) & (ops["operation"] == "irrigation")]
    irr_by_day = irrigation.groupby("date")["amount"].sum()
    irr = [
        float(irr_by_day.get(day, 0.0)) * wb.irrigation_efficiency
        for day in pd.date_range(sowing, end, freq="D")
    ]
    kc = kc_series(crop, list(w["wind_used_m_s"]), list(w["rh_min_pct"]))
    states = balance_one_season(
        eto=list(w["eto_mm"]),
        kc=kc,
        precip=list(w["precip_mm"]),
        irrigation_net=irr,
        root_depth=zr,
        fc=float(field["field_capacity_m3_m3"]),
        wp=float(field["wilting_point_m3_m3"]),
        p_table=crop.depletion_fraction_p,
        theta_measured=theta,
        params=wb,
    )
    if n:
        f["ks_below_1_d"] = sum(s.ks < 1 for s in states)
        f["ks_mean"] = sum(s.ks for s in states) / n
        f["dr_last_mm"], f["taw_last_mm"] = states[-1].dr, states[-1].taw
        f["depletion_fraction_last"] = states[-1].dr / states[-1].taw
        f["eta_sum_mm"] = sum(s.etc_adj for s in states)
        f["et_deficit_sum_mm"] = sum(s.etc - s.etc_adj for s in states)
        f["deep_percolation_sum_mm"] = sum(s.deep_percolation for s in states)
        f["runoff_sum_mm"] = sum(s.runoff for s in states)
        sensor_days = [s for s in states if s.sensor]
        f["sensor_days_d"] = len(sensor_days)
        if sensor_days:
            f["sensor_vwc_mean_m3_m3"] = sum(s.theta for s in sensor_days) / len(sensor_days)
            f["sensor_vwc_last_m3_m3"] = sensor_days[-1].theta
            f["sensor_correction_mean_mm"] = sum(s.correction for s in sensor_days) / len(
                sensor_days
            )

    # Satellite.
    smoothed, accepted, raw = _smoothed(sources, field_id, sowing, end, params)
    if accepted.any():
        f["sat_last_obs_age_d"] = (n - 1) - int(np.flatnonzero(accepted)[-1])
    past_seasons = seasons[
        (seasons["field_id"] == field_id)
        & (seasons["crop"] == srow["crop"])
        & (seasons["season"] < season)
        & seasons["harvest_date"].notna()
        & (seasons["harvest_date"] <= as_of)
    ]["season"]
    curves = []
    for past in past_seasons:
        key = (field_id, int(past))
        if key not in curve_cache:
            curve_cache[key] = past_curve(sources, field_id, int(past), params)
        curves.append(curve_cache[key])
    for i in INDICES:
        s = smoothed[i]
        if n:
            f[f"{i}_obs_count"] = sum(
                bool(accepted[t]) and not math.isnan(raw[i][t]) for t in range(n)
            )
        have = [t for t in range(n) if not math.isnan(s[t])]
        if not have:
            continue
        last = have[-1]
        f[f"{i}_latest_index"] = s[last]
        peak = max(have, key=lambda t: (s[t], -t))
        f[f"{i}_peak_index"], f[f"{i}_peak_das_d"] = s[peak], peak
        f[f"{i}_integral_index_d"] = sum(s[t] for t in have)
        k = params.slope_days
        if last >= k:
            f[f"{i}_slope_per_d"] = (s[last] - s[last - k]) / k
        mean_curve = []
        for j in range(params.thermal_steps):
            values = [c[i][j] for c in curves if not math.isnan(c[i][j])]
            mean_curve.append(sum(values) / len(values) if values else math.nan)
        position = thermal[last] / params.thermal_step_degc_d
        lower = math.floor(position)
        if lower >= 0 and lower + 1 < params.thermal_steps:
            left, right = mean_curve[lower], mean_curve[lower + 1]
            f[f"{i}_anomaly_index"] = s[last] - (left + (position - lower) * (right - left))

    # Soil, management and trend.
    f["season_year"] = season
    yields = seasons[
        (seasons["field_id"] == field_id)
        & (seasons["crop"] == srow["crop"])
        & (seasons["season"] < season)
        & (seasons["harvest_date"] <= as_of)
        & seasons["yield_t_ha"].notna()
    ]["yield_t_ha"]
    f["past_mean_yield_t_ha"] = yields.mean() if len(yields) else math.nan
    f["past_seasons_count"] = len(yields)
    f["field_capacity_m3_m3"] = field["field_capacity_m3_m3"]
    f["wilting_point_m3_m3"] = field["wilting_point_m3_m3"]
    f["soil_root_depth_cm"] = field["root_depth_max_cm"]
    f["taw_max_mm"] = (
        1000 * (field["field_capacity_m3_m3"] - field["wilting_point_m3_m3"]) * (deepest)
    )
    for name in ("sand_pct", "clay_pct", "soc_pct"):
        f[name] = field[name]
    f["irrigated_flag"] = float(bool(field["irrigated"]))
    done = ops[(ops["field_id"] == field_id) & (ops["season"] == season) & (ops["date"] <= as_of)]
    nitrogen = done[done["operation"] == "nitrogen"]["amount"]
    water = done[done["operation"] == "irrigation"]["amount"]
    f["n_applied_kg_ha"], f["n_applications_count"] = float(nitrogen.sum()), len(nitrogen)
    f["irrigation_applied_mm"], f["irrigation_events_count"] = float(water.sum()), len(water)
    return f


def reference_features(
    sources: SeasonSources, requests: pd.DataFrame, params: FeatureParameters | None = None
) -> pd.DataFrame:
    """The features of `build_features`, request by request."""
    params = params or FeatureParameters()
    cache: dict[tuple[str, int], dict[str, list[float]]] = {}
    rows = [
        features_one(sources, str(field), int(season), pd.Timestamp(as_of), params, cache)
        for field, season, as_of in zip(
            requests["field_id"], requests["season"], requests["as_of"], strict=True
        )
    ]
    table = pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))
    numeric = [c for c in FEATURE_COLUMNS if c != "crop"]
    table[numeric] = table[numeric].astype(np.float64)
    table.index = pd.MultiIndex.from_frame(
        requests[["field_id", "season", "as_of"]]
        .assign(as_of=lambda r: pd.to_datetime(r["as_of"]), season=lambda r: r["season"])
        .reset_index(drop=True)
        .astype({"season": np.int64})
    )
    return table
