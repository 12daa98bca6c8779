"""Sentinel-2-like field statistics and soil-moisture probe logs for the sample-data generator.

Vegetation indices come from simulated daily green LAI through Beer-type relations of the form

    VI = VI_inf + (VI_soil - VI_inf) * exp(-K * LAI)

(form: Baret & Guyot 1991, Remote Sens. Environ. 35:161-173). The coefficient values below are
assumptions in a typical range, not taken from that paper. NDRE saturates later (smaller K,
lower VI_inf); NDMI also drops with crop water stress (1 - RFTRA from WOFOST).

Per-field statistics are computed from a sample of synthetic pixels (LAI varies log-normally
within the field, soil brightness varies per pixel, plus scene noise N(0, 0.02)), so mean, std and
percentiles are mutually consistent.

Probe readings are derived from WOFOST's daily root-zone soil moisture: hourly interpolation,
first-order lag with a depth-dependent time constant (surface fast, deep slow), a rain pulse at
10 cm, a per-probe calibration offset and small noise. Soil temperature is hourly air temperature
(sinusoid between Tmin and Tmax) passed through a depth-dependent first-order lag.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
from scipy.signal import lfilter

UTC = dt.UTC
AMS = ZoneInfo("Europe/Amsterdam")

# (VI_inf, VI_soil_mean, K) -- typical-range assumptions, see module docstring
NDVI_C = (0.90, 0.16, 0.60)
NDRE_C = (0.62, 0.07, 0.32)
NDMI_C = (0.52, -0.14, 0.50)
NDMI_STRESS = 0.30  # drop of NDMI_inf at full water stress (RFTRA = 0)
SAT_NOISE_SD = 0.02
MAX_PIXEL_SAMPLE = 200


# --------------------------------------------------------------------------- satellite


def acquisition_dates(start: dt.date, end: dt.date, anchor: dt.date) -> list[dt.date]:
    d = anchor
    out = []
    while d <= end:
        if d >= start:
            out.append(d)
        d += dt.timedelta(days=5)
    return out


def cloud_states(
    dates, farms, fields_by_farm, rng_for, p_full_mean=0.44, p_full_amplitude=0.17
) -> dict:
    """Regional cloudiness per date, shared (correlated) by farms and fields.

    The chance that a scene is fully cloudy is ``p_full_mean + p_full_amplitude * cos(...)``,
    highest in mid-January. Returns {(field_id, date): cloud_free_fraction or None (fully
    cloudy)}.
    """
    from scipy.stats import norm

    out = {}
    for di, d in enumerate(dates):
        r = rng_for("cloud-date", di)
        z_reg = r.normal()
        doy = d.timetuple().tm_yday
        p_full = p_full_mean + p_full_amplitude * np.cos(2 * np.pi * (doy - 15) / 365.25)
        p_part = 0.16
        for fi, farm in enumerate(farms):
            rf = rng_for("cloud-farm", di, fi)
            z_farm = 0.85 * z_reg + np.sqrt(1 - 0.85**2) * rf.normal()
            for fld in fields_by_farm[farm["farm_id"]]:
                rr = rng_for("cloud-field", di, fld["_key"])
                z = 0.93 * z_farm + np.sqrt(1 - 0.93**2) * rr.normal()
                u = norm.cdf(z)
                if u > 1 - p_full:
                    cff = None
                elif u > 1 - p_full - p_part:
                    x = (u - (1 - p_full - p_part)) / p_part  # 0 (edge of clear) .. 1 (full)
                    cff = float(np.clip(0.92 - 0.88 * x + rr.normal(0, 0.03), 0.02, 0.95))
                else:
                    cff = float(min(1.0, 1.0 - 0.03 * rr.uniform() ** 3))
                out[(fld["field_id"], d)] = cff
    return out


def _beer(c, soil, lai):
    vi_inf, _, k = c
    return vi_inf + (soil - vi_inf) * np.exp(-k * lai)


def field_canopy_timeline(dates, seasons, prev_harvest0: dt.date, rng) -> dict:
    """Per acquisition date: effective green LAI, stubble brightness, water stress (0..1)."""
    seasons = sorted(seasons, key=lambda s: s["sow"])
    lai = np.zeros(len(dates))
    stub = np.zeros(len(dates))
    stress = np.zeros(len(dates))
    till = {s["sow"]: int(rng.integers(7, 21)) for s in seasons}
    for i, d in enumerate(dates):
        cur = None
        for s in seasons:
            if s["sow"] <= d <= s["harvest"]:
                cur = s
        if cur is not None:
            k = (min(d, cur["crop_end"]) - cur["sow"]).days
            if d <= cur["crop_end"]:
                lai[i] = cur["lai"][k]
                stress[i] = 1.0 - cur["rftra"][k]
            else:  # ripe / senesced canopy between maturity and harvest
                lai[i] = cur["lai"][-1] * np.exp(-(d - cur["crop_end"]).days / 6.0)
                stub[i] = 0.10
            continue
        # fallow: after the last harvest before d, until the next sowing
        prev = [s["harvest"] for s in seasons if s["harvest"] < d]
        h = max(prev) if prev else prev_harvest0
        nxt = [s["sow"] for s in seasons if s["sow"] > d]
        nsow = min(nxt) if nxt else None
        ds = (d - h).days if d >= h else 365  # before the first known harvest: settled fallow
        stub[i] = 0.10 * np.exp(-ds / 60.0)
        tillage = nsow - dt.timedelta(days=till[nsow]) if nsow else None
        if tillage is not None and d >= tillage:
            lai[i], stub[i] = 0.0, 0.0
            continue
        long_fallow = nsow is None or (nsow - h).days > 120
        lmax = 1.4 if (h.month <= 9 and long_fallow) else 0.35  # cover crop after an early harvest
        lai[i] = lmax * (1 - np.exp(-max(0, ds - 15) / 35.0))
    return {"lai": lai, "stub": stub, "stress": stress}


def field_statistics(fld, dates, timeline, cloud, rng) -> tuple[list, list]:
    """Rows of satellite.csv for one field, and truth rows of contaminated observations."""
    rows, contam = [], []
    soil_ndvi = NDVI_C[1] + fld["_soil_brightness"]
    soil_ndre = NDRE_C[1] + 0.5 * fld["_soil_brightness"]
    soil_ndmi = NDMI_C[1] + fld["_soil_brightness"]
    het = fld["_heterogeneity"]
    for i, d in enumerate(dates):
        cff = cloud[(fld["field_id"], d)]
        if cff is None:
            continue
        n_clear = max(1, int(round(fld["pixel_count"] * cff)))
        n = min(n_clear, MAX_PIXEL_SAMPLE)
        lai = timeline["lai"][i] * np.exp(rng.normal(0, het, n))
        soil_pix = rng.normal(0, 0.02, n)
        stub = timeline["stub"][i]
        scene = rng.normal(0, SAT_NOISE_SD, 3)
        ndvi = _beer(NDVI_C, soil_ndvi + stub + soil_pix, lai) + scene[0] + rng.normal(0, 0.01, n)
        ndre = (
            _beer(NDRE_C, soil_ndre + 0.6 * stub + 0.6 * soil_pix, lai)
            + scene[1]
            + rng.normal(0, 0.01, n)
        )
        c_ndmi = (NDMI_C[0] - NDMI_STRESS * timeline["stress"][i], NDMI_C[1], NDMI_C[2])
        ndmi = (
            _beer(c_ndmi, soil_ndmi - 0.5 * stub + soil_pix, lai)
            + scene[2]
            + rng.normal(0, 0.01, n)
        )
        contaminated = False
        if cff < 0.95 and rng.uniform() < 0.15 + 0.6 * (1 - cff):
            contaminated = True
            share = rng.uniform(0.15, 0.5)
            m = rng.uniform(size=n) < share
            clean_means = (ndvi.mean(), ndre.mean(), ndmi.mean())
            ndvi = np.where(m, ndvi - rng.uniform(0.1, 0.45, n), ndvi)
            ndre = np.where(m, ndre - rng.uniform(0.05, 0.25, n), ndre)
            ndmi = np.where(m, ndmi - rng.uniform(0.05, 0.3, n), ndmi)
            contam.append(
                {
                    "field_id": fld["field_id"],
                    "date": d.isoformat(),
                    "cloud_free_fraction": round(cff, 4),
                    "contaminated_pixel_share": round(float(m.mean()), 4),
                    "ndvi_mean_bias": round(float(ndvi.mean() - clean_means[0]), 4),
                    "ndre_mean_bias": round(float(ndre.mean() - clean_means[1]), 4),
                    "ndmi_mean_bias": round(float(ndmi.mean() - clean_means[2]), 4),
                }
            )
        row = {
            "field_id": fld["field_id"],
            "date": d.isoformat(),
            "cloud_free_fraction": round(cff, 4),
            "pixel_count": fld["pixel_count"],
        }
        for name, v in (("ndvi", ndvi), ("ndre", ndre), ("ndmi", ndmi)):
            v = np.clip(v, -1.0, 1.0)
            row[f"{name}_mean"] = float(v.mean())
            row[f"{name}_std"] = float(v.std(ddof=1)) if n > 1 else 0.0
            if name != "ndmi":
                p10, p50, p90 = np.percentile(v, [10, 50, 90])
                row[f"{name}_p10"], row[f"{name}_p50"], row[f"{name}_p90"] = (
                    float(p10),
                    float(p50),
                    float(p90),
                )
        rows.append(row)
        row["_contaminated"] = contaminated
    return rows, contam


# --------------------------------------------------------------------------- sensors


def hourly_instants(
    start_local: dt.datetime, end_local: dt.datetime, step_h: int
) -> list[dt.datetime]:
    """UTC instants every step_h hours from start_local to end_local (aware, Europe/Amsterdam)."""
    t = start_local.astimezone(UTC)
    t = t.replace(minute=0, second=0, microsecond=0)
    end = end_local.astimezone(UTC)
    out = []
    while t <= end:
        out.append(t)
        t += dt.timedelta(hours=step_h)
    return out


def _lag(x: np.ndarray, tau_h: float, step_h: float) -> np.ndarray:
    a = np.exp(-step_h / tau_h)
    y, _ = lfilter([1 - a], [1, -a], x, zi=[a * x[0]])
    return y


def probe_series(instants, season, weather, soil, probe_offsets, rng, step_h):
    """True (fault-free) hourly VWC, temperature and EC for ports at 10, 30, 60 cm."""
    t_h = np.array([(t - instants[0]).total_seconds() / 3600.0 for t in instants])
    # daily SM at 12 UTC on each simulated day
    day0 = season["sow"]
    sm_days = np.array(
        [
            (
                dt.datetime.combine(day0 + dt.timedelta(days=k), dt.time(12), UTC) - instants[0]
            ).total_seconds()
            / 3600
            for k in range(len(season["sm"]))
        ]
    )
    sm_h = np.interp(t_h, sm_days, season["sm"])
    # spin-up: start filters from the value a few days earlier
    wdates = weather["date"]
    widx = {d: i for i, d in enumerate(wdates)}
    days = [t.date() for t in instants]
    tmin = np.array([weather["tmin"][widx[d]] for d in days])
    tmax = np.array([weather["tmax"][widx[d]] for d in days])
    rain = np.array([weather["rain"][widx[d]] for d in days])
    hours = np.array([t.hour + t.minute / 60 for t in instants])
    tair = (tmin + tmax) / 2 + (tmax - tmin) / 2 * np.cos(2 * np.pi * (hours - 13) / 24)
    # rain pulse at 10 cm: the day's rain enters at the first reading of the day (UTC)
    pulse_in = np.zeros(len(instants))
    first_of_day = np.r_[True, np.diff([d.toordinal() for d in days]) > 0]
    pulse_in[first_of_day] = rain[first_of_day]
    pulse = _lag(pulse_in, 18.0, step_h) * (24.0 / step_h) * 0.0035 / (24.0 / 18.0)
    fc, wp, sat = soil["SMFCF"], soil["SMW"], soil["SM0"]
    out = {}
    for port, depth, tau_sm, tau_t in (
        (1, 10, 6.0, 5.0),
        (2, 30, 36.0, 30.0),
        (3, 60, 120.0, 90.0),
    ):
        base = _lag(sm_h, tau_sm, step_h)
        if depth == 10:
            v = base - 0.01 + pulse
        elif depth == 30:
            v = base + 0.005
        else:
            v = 0.5 * base + 0.5 * fc + 0.012
        v = v + probe_offsets[port] + rng.normal(0, 0.0015, len(v))
        v = np.clip(v, 0.02, sat + 0.02)
        tsoil = _lag(tair, tau_t, step_h) + 0.4 + depth * 0.01
        tsoil = np.maximum(tsoil, -2.5 * 10 / depth) + rng.normal(0, 0.05, len(v))
        rel = np.clip((v - wp) / max(fc - wp, 0.02), 0, 1.3)
        ec = soil["_ec0"] * (0.8 + 0.35 * rel) + rng.normal(0, 0.01, len(v))
        out[port] = {"depth": depth, "vwc": v, "temp": tsoil, "ec": np.maximum(ec, 0.01)}
    return out


def inject_faults(
    series, instants, device_id, season, rng, forced: dict
) -> tuple[np.ndarray, list]:
    """Apply gaps, spikes, flat lines, forced offset/percent faults; return (keep, faults)."""
    n = len(instants)
    keep = np.ones(n, dtype=bool)
    faults = []

    def iso(i):
        return instants[i].strftime("%Y-%m-%dT%H:%M:%SZ")

    step_h = (instants[1] - instants[0]).total_seconds() / 3600 if n > 1 else 1.0
    per_day = int(round(24 / step_h))
    if n > per_day * 30 and rng.uniform() < 0.6:  # logger offline 2-10 days
        length = int(rng.integers(2, 11)) * per_day + int(rng.integers(0, per_day))
        s = int(rng.integers(per_day * 3, n - length - per_day * 3))
        keep[s : s + length] = False
        faults.append(
            {
                "device_id": device_id,
                "port": "",
                "season": season,
                "start": iso(s),
                "end": iso(s + length - 1),
                "kind": "gap",
                "detail": "logger offline, all ports",
            }
        )
    for port in sorted(series):
        v = series[port]["vwc"]
        for _ in range(
            int(rng.poisson(n / per_day / 120.0))
        ):  # spikes, about one per port per 4 months
            i = int(rng.integers(0, n))
            if not keep[i]:
                continue
            val = float(rng.choice([0.0, rng.uniform(0.6, 0.95)]))
            v[i] = val
            faults.append(
                {
                    "device_id": device_id,
                    "port": port,
                    "season": season,
                    "start": iso(i),
                    "end": iso(i),
                    "kind": "spike",
                    "detail": f"vwc reading {val:.4f} m3/m3",
                }
            )
        if n > per_day * 30 and rng.uniform() < 0.12:  # stuck value
            length = int(rng.integers(2, 8)) * per_day
            s = int(rng.integers(0, n - length))
            v[s : s + length] = v[s]
            series[port]["temp"][s : s + length] = series[port]["temp"][s]
            faults.append(
                {
                    "device_id": device_id,
                    "port": port,
                    "season": season,
                    "start": iso(s),
                    "end": iso(s + length - 1),
                    "kind": "flatline",
                    "detail": "stuck reading (vwc and temperature)",
                }
            )
    if forced.get("offset_port"):
        port = forced["offset_port"]
        s = int(n * forced["offset_at"])
        delta = forced["offset"]
        series[port]["vwc"][s:] += delta
        faults.append(
            {
                "device_id": device_id,
                "port": port,
                "season": season,
                "start": iso(s),
                "end": iso(n - 1),
                "kind": "offset",
                "detail": f"probe re-installed after maintenance; vwc {delta:+.3f} m3/m3",
            }
        )
    if forced.get("percent"):
        faults.append(
            {
                "device_id": device_id,
                "port": "",
                "season": season,
                "start": iso(0),
                "end": iso(n - 1),
                "kind": "percent_units",
                "detail": "ZENTRA export in % VWC (values x100)",
            }
        )
    return keep, faults


def zentra_csv(device_id, instants, series, keep, percent: bool) -> str:
    ports = sorted(series)
    unit_vwc = "% VWC Water Content" if percent else "m³/m³ Water Content"
    h1 = [device_id] + [f"Port{p}" for p in ports for _ in range(3)]
    h2 = ["Timestamps"] + ["TEROS 12 Moisture/Temp/EC" for _ in ports for _ in range(3)]
    h3 = [""] + [
        c for _ in ports for c in (unit_vwc, "°C Soil Temperature", "mS/cm Saturation Extract EC")
    ]
    lines = [",".join(h1), ",".join(h2), ",".join(h3)]
    for i, t in enumerate(instants):
        if not keep[i]:
            continue
        cells = [t.astimezone(AMS).strftime("%Y-%m-%d %H:%M:%S")]
        for p in ports:
            v = series[p]["vwc"][i]
            cells.append(f"{v * 100:.2f}" if percent else f"{v:.4f}")
            cells.append(f"{series[p]['temp'][i]:.1f}")
            cells.append(f"{series[p]['ec'][i]:.2f}")
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def long_csv(device_id, instants, series, keep) -> str:
    lines = ["device_id,port,depth_cm,variable,ts,value,unit"]
    for i, t in enumerate(instants):
        if not keep[i]:
            continue
        ts = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        for p in sorted(series):
            d = series[p]["depth"]
            lines.append(f"{device_id},{p},{d},soil_temp_degc,{ts},{series[p]['temp'][i]:.1f},degC")
            lines.append(f"{device_id},{p},{d},vwc_m3_m3,{ts},{series[p]['vwc'][i]:.4f},m3/m3")
    return "\n".join(lines) + "\n"
