"""FAO-56 single-coefficient soil water balance of the root zone, vectorised over fields, with
assimilation of soil-moisture probe readings.

Allen et al. (1998), FAO Irrigation and Drainage Paper 56 ("FAO-56"), Chapters 6 and 8. Per field
(a row of the `(row, day)` Dataset of `pipelines.agronomy.season_grid`) and day:

- **Kc** by crop stage from the sowing date (FAO-56 Fig. 25 and eq. 66), with the stage lengths
  and Kc ini/mid/end of the crop table (Tables 11 and 12). Kc mid and Kc end are adjusted for
  climate (eq. 62, and eq. 65 for Kc end ≥ 0.45) from the mean wind speed and RHmin. FAO-56 takes
  the means over the stage; an in-season balance cannot see the rest of the stage, so day t uses
  the mean from the start of the development stage (for Kc mid; frozen at the end of the
  mid-season stage) or of the late stage (for Kc end) up to day t. The balance stays causal: a
  day's state depends only on that day and the days before.
- **Root depth** grows linearly from `initial_root_depth_m` at sowing to its maximum at the end of
  the development stage; the maximum is the smaller of the crop's and the soil's rooting depth.
  The soil the roots grow into is taken to be at field capacity (the depletion in mm is kept).
- **TAW** = 1000 (θFC − θWP) Zr (eq. 82), **RAW** = p TAW (eq. 83), with
  p = p(Table 22) + 0.04 (5 − ETc), 0.1 ≤ p ≤ 0.8 (Table 22 footnote).
- **Ks** = (TAW − Dr) / ((1 − p) TAW) when Dr > RAW, else 1 (eq. 84), from the depletion at the
  end of the previous day; ETc adj = Ks Kc ETo (eq. 81), and never more water than the root zone
  holds above the wilting point (TAW − Dr), so Dr stays within [0, TAW] (eq. 86).
- **Runoff** (our rule): the USDA-SCS curve-number method on each day's rain,
  RO = (P − 0.2 S)² / (P + 0.8 S) for P > 0.2 S, S = 25400 / CN − 254 mm (USDA-SCS NEH-4; TR-55
  eqs. 2-1 to 2-4), CN = 78 by default (TR-55 Table 2-2b: row crops, straight row, good
  condition, hydrologic soil group B). Irrigation does not run off.
- **Irrigation**: the gross amount of `operations.csv` times the application efficiency.
- **Balance** (eq. 85): Dr,i = Dr,i−1 − (P − RO)i − Ii + ETc adj,i + DPi, with deep percolation
  DP (eq. 88) the water above field capacity, which drains the same day. Capillary rise is 0.
- **Sensor assimilation**: on days where a field's probes read within the current root zone, the
  probes' water contents are weighted by depth over the root zone (each probe stands for the soil
  from the midpoint to the next shallower probe, or the surface, to the midpoint to the next deeper
  one, cut at the root depth), turned into a measured depletion 1000 (θFC − θ) Zr (eq. 87), and
  the modelled depletion moves towards it by `sensor_gain` (1 = replaced). The change is output as
  `correction_mm` and the day's `state_source` is `sensor`; other days are `model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from pipelines.agronomy.season_grid import SeasonSources, blockwise, season_inputs

Array = NDArray[np.float64]

# FAO-56 eq. 62: validity range of the climate adjustment's inputs.
U2_RANGE_M_S = (1.0, 6.0)
RH_MIN_RANGE_PCT = (20.0, 80.0)
HEIGHT_RANGE_M = (0.1, 10.0)
# FAO-56 eq. 65: Kc end is adjusted only when it is at least 0.45.
KC_END_ADJUST_FROM = 0.45
# FAO-56 Table 22 footnote: limits of the adjusted depletion fraction.
P_RANGE = (0.1, 0.8)

STAGES = ("ini", "dev", "mid", "late")


@dataclass(frozen=True)
class WaterBalanceParameters:
    """Settings of the balance that are not crop or soil data.

    `initial_root_depth_m`: rooting depth at sowing (the seed bed the seedling draws from; an
    assumption, with the crop's maximum from the crop table reached at the end of the development
    stage). `curve_number`: SCS runoff curve number (TR-55 Table 2-2b, row crops, good condition,
    soil group B). `irrigation_efficiency`: share of the gross irrigation that reaches the root
    zone (about 0.75 for sprinklers in the FAO irrigation training manuals; set 1.0 when
    `operations.csv` holds net amounts). `initial_depletion_fraction`: Dr at sowing as a share of
    TAW (0: the soil is at field capacity). `sensor_gain`: how far a probe day moves the modelled
    depletion towards the measured one (1 replaces it, smaller values smooth sensor noise).
    """

    initial_root_depth_m: float = 0.2
    curve_number: float = 78.0
    irrigation_efficiency: float = 0.75
    initial_depletion_fraction: float = 0.0
    sensor_gain: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 < self.initial_root_depth_m <= 4.0:
            raise ValueError("initial_root_depth_m is in metres (0.2, not 20)")
        if not 30.0 <= self.curve_number <= 100.0:
            raise ValueError("curve_number must be between 30 and 100 (100: all rain runs off)")
        if not 0.0 < self.irrigation_efficiency <= 1.0:
            raise ValueError("irrigation_efficiency is a fraction (0.75, not 75)")
        if not 0.0 <= self.initial_depletion_fraction <= 1.0:
            raise ValueError("initial_depletion_fraction is a fraction of TAW between 0 and 1")
        if not 0.0 <= self.sensor_gain <= 1.0:
            raise ValueError("sensor_gain is between 0 (ignore probes) and 1 (replace the model)")


def crop_stage(
    day_number: ArrayLike, l_ini: ArrayLike, l_dev: ArrayLike, l_mid: ArrayLike
) -> NDArray[np.int64]:
    """Stage index 0 initial, 1 development, 2 mid-season, 3 late season (and after it).

    `day_number` counts from 1 on the sowing day (FAO-56 eq. 66's i). Arguments broadcast.
    """
    i = np.asarray(day_number)
    ends = np.cumsum(np.broadcast_arrays(l_ini, l_dev, l_mid), axis=0)
    stage: NDArray[np.int64] = (i > ends[0]).astype(np.int64) + (i > ends[1]) + (i > ends[2])
    return stage


def crop_coefficient(
    day_number: ArrayLike,
    kc_ini: ArrayLike,
    kc_mid: ArrayLike,
    kc_end: ArrayLike,
    l_ini: ArrayLike,
    l_dev: ArrayLike,
    l_mid: ArrayLike,
    l_late: ArrayLike,
) -> Array:
    """Kc on day `day_number` (1 = sowing day) of the FAO-56 crop coefficient curve (Fig. 25).

    Kc ini through the initial stage, a straight line to Kc mid over the development stage
    (eq. 66), Kc mid through the mid-season stage, a straight line to Kc end over the late stage,
    and Kc end after it. Arguments broadcast (fields × days).
    """
    i = np.asarray(day_number, dtype=np.float64)
    ini, dev = np.asarray(l_ini, np.float64), np.asarray(l_dev, np.float64)
    mid, late = np.asarray(l_mid, np.float64), np.asarray(l_late, np.float64)
    k_ini, k_mid, k_end = (np.asarray(k, np.float64) for k in (kc_ini, kc_mid, kc_end))
    rising = k_ini + np.clip((i - ini) / dev, 0.0, 1.0) * (k_mid - k_ini)
    falling = k_mid + np.clip((i - ini - dev - mid) / late, 0.0, 1.0) * (k_end - k_mid)
    kc: Array = np.where(i <= ini + dev, rising, np.where(i <= ini + dev + mid, k_mid, falling))
    return kc


def climate_adjustment(wind_m_s: ArrayLike, rh_min_pct: ArrayLike, height_m: ArrayLike) -> Array:
    """FAO-56 eq. 62 (and 65): [0.04 (u2 − 2) − 0.004 (RHmin − 45)] (h/3)^0.3, inputs clipped to
    the equation's range (1 ≤ u2 ≤ 6 m/s, 20 ≤ RHmin ≤ 80 %, 0.1 ≤ h ≤ 10 m).

    Zero in the sub-humid climate with moderate wind (u2 = 2 m/s, RHmin = 45 %) for which Table 12
    lists its values.
    """
    u2 = np.clip(np.asarray(wind_m_s, np.float64), *U2_RANGE_M_S)
    rh = np.clip(np.asarray(rh_min_pct, np.float64), *RH_MIN_RANGE_PCT)
    h = np.clip(np.asarray(height_m, np.float64), *HEIGHT_RANGE_M)
    result: Array = (0.04 * (u2 - 2.0) - 0.004 * (rh - 45.0)) * (h / 3.0) ** 0.3
    return result


def depletion_fraction(p_table: ArrayLike, etc_mm: ArrayLike) -> Array:
    """p adjusted for the day's ETc: p(Table 22) + 0.04 (5 − ETc), within 0.1-0.8 (Table 22
    footnote)."""
    p: Array = np.clip(
        np.asarray(p_table, np.float64) + 0.04 * (5.0 - np.asarray(etc_mm, np.float64)), *P_RANGE
    )
    return p


def total_available_water_mm(
    field_capacity_m3_m3: ArrayLike, wilting_point_m3_m3: ArrayLike, root_depth_m: ArrayLike
) -> Array:
    """TAW = 1000 (θFC − θWP) Zr in mm (FAO-56 eq. 82)."""
    fc, wp = np.asarray(field_capacity_m3_m3, np.float64), np.asarray(wilting_point_m3_m3)
    taw: Array = 1000.0 * (fc - wp) * np.asarray(root_depth_m, np.float64)
    return taw


def runoff_mm(precip_mm: ArrayLike, curve_number: float) -> Array:
    """Daily surface runoff by the SCS curve-number method (TR-55 eqs. 2-1 to 2-4)."""
    p = np.asarray(precip_mm, np.float64)
    retention = 25400.0 / curve_number - 254.0  # S in mm
    excess = np.maximum(p - 0.2 * retention, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ro: Array = np.where(excess > 0, excess**2 / (excess + retention), 0.0)
    return np.where(np.isfinite(p), ro, np.nan)


def water_stress_coefficient(dr_mm: ArrayLike, taw_mm: ArrayLike, p: ArrayLike) -> Array:
    """Ks = (TAW − Dr) / ((1 − p) TAW) when Dr > RAW = p TAW, else 1 (FAO-56 eq. 84)."""
    dr, taw, frac = (np.asarray(a, np.float64) for a in (dr_mm, taw_mm, p))
    with np.errstate(invalid="ignore", divide="ignore"):
        ks = np.where(dr <= frac * taw, 1.0, (taw - dr) / ((1.0 - frac) * taw))
    result: Array = np.clip(ks, 0.0, 1.0)
    return result


def root_depth_m(
    day_number: ArrayLike,
    l_ini: ArrayLike,
    l_dev: ArrayLike,
    max_root_depth_m: ArrayLike,
    initial_root_depth_m: float,
) -> Array:
    """Rooting depth growing linearly from sowing to its maximum at the end of development."""
    i = np.asarray(day_number, np.float64)
    deepest = np.asarray(max_root_depth_m, np.float64)
    first = np.minimum(initial_root_depth_m, deepest)
    share = np.clip(i / (np.asarray(l_ini, np.float64) + np.asarray(l_dev, np.float64)), 0.0, 1.0)
    depth: Array = first + (deepest - first) * share
    return depth


def root_zone_water_content_m3_m3(
    vwc_m3_m3: ArrayLike, depth_cm: ArrayLike, root_depth_m: ArrayLike
) -> Array:
    """Probe water contents weighted by depth over the root zone; NaN without a probe in it.

    `vwc_m3_m3` is (…, probes) with NaN where a probe has no reading, `depth_cm` (…, probes)
    broadcasting against it, `root_depth_m` (…). A probe stands for the soil between the
    midpoints to its available neighbours (the surface above the shallowest, no limit below the
    deepest), cut at the root depth.
    """
    vwc = np.asarray(vwc_m3_m3, np.float64)
    depth = np.broadcast_to(np.asarray(depth_cm, np.float64), vwc.shape)
    zr_cm = 100.0 * np.asarray(root_depth_m, np.float64)[..., None]
    available = np.isfinite(vwc) & np.isfinite(depth)
    upper = np.zeros(vwc.shape)
    lower = np.full(vwc.shape, np.inf)
    for k in range(vwc.shape[-1]):
        for j in range(vwc.shape[-1]):
            middle = (depth[..., j] + depth[..., k]) / 2
            shallower = available[..., j] & (depth[..., j] < depth[..., k])
            deeper = available[..., j] & (depth[..., j] > depth[..., k])
            upper[..., k] = np.where(shallower, np.maximum(upper[..., k], middle), upper[..., k])
            lower[..., k] = np.where(deeper, np.minimum(lower[..., k], middle), lower[..., k])
    weight = np.maximum(np.minimum(lower, zr_cm) - np.minimum(upper, zr_cm), 0.0)
    weight = np.where(available, weight, 0.0)
    in_root_zone = (available & (depth <= zr_cm)).any(axis=-1)
    total = weight.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = (weight * np.where(available, vwc, 0.0)).sum(axis=-1) / total
    result: Array = np.where(in_root_zone & (total > 0), theta, np.nan)
    return result


def run_soil_water_balance(
    *,
    eto_mm: Array,
    kc: Array,
    precip_mm: Array,
    irrigation_net_mm: Array,
    root_depth_m: Array,
    field_capacity_m3_m3: Array,
    wilting_point_m3_m3: Array,
    p_table: Array,
    active: NDArray[np.bool_],
    measured_vwc_m3_m3: Array | None = None,
    params: WaterBalanceParameters | None = None,
) -> dict[str, Array]:
    """The daily balance for many fields at once: arrays are (fields, days), soil and p_table
    (fields,). Returns (fields, days) arrays, NaN on inactive days: dr_mm, taw_mm, raw_mm, p, ks,
    etc_mm, etc_adj_mm, runoff_mm, deep_percolation_mm, correction_mm and sensor_assimilated
    (1.0 on days the measured root-zone water content `measured_vwc_m3_m3` was assimilated).

    Fields are independent; the loop runs over days only.
    """
    params = params or WaterBalanceParameters()
    n_fields, n_days = eto_mm.shape
    fc, wp = field_capacity_m3_m3[:, None], wilting_point_m3_m3[:, None]
    taw = total_available_water_mm(fc, wp, root_depth_m)
    etc = kc * eto_mm
    p = depletion_fraction(p_table[:, None], etc)
    raw = p * taw
    effective_rain = precip_mm - runoff_mm(precip_mm, params.curve_number)
    water_in = np.nan_to_num(effective_rain) + np.nan_to_num(irrigation_net_mm)
    if measured_vwc_m3_m3 is None:
        measured = np.full((n_fields, n_days), np.nan)
    else:
        measured = np.clip(1000.0 * (fc - measured_vwc_m3_m3) * root_depth_m, 0.0, taw)  # eq. 87

    out = {
        name: np.full((n_fields, n_days), np.nan)
        for name in ("dr_mm", "ks", "etc_adj_mm", "deep_percolation_mm", "correction_mm")
    }
    dr = params.initial_depletion_fraction * np.nan_to_num(taw[:, 0])
    for t in range(n_days):
        on = active[:, t]
        taw_t = taw[:, t]
        dr = np.minimum(dr, taw_t)  # in case the root zone shrank
        with np.errstate(invalid="ignore", divide="ignore"):
            ks = np.clip(
                np.where(dr <= raw[:, t], 1.0, (taw_t - dr) / ((1.0 - p[:, t]) * taw_t)), 0.0, 1.0
            )
        etc_adj = np.minimum(ks * etc[:, t], taw_t - dr)
        modelled = dr + etc_adj - water_in[:, t]
        percolation = np.maximum(-modelled, 0.0)
        modelled = np.maximum(modelled, 0.0)
        seen = np.isfinite(measured[:, t])
        corrected = np.where(
            seen, modelled + params.sensor_gain * (measured[:, t] - modelled), modelled
        )
        out["dr_mm"][:, t] = np.where(on, corrected, np.nan)
        out["ks"][:, t] = np.where(on, ks, np.nan)
        out["etc_adj_mm"][:, t] = np.where(on, etc_adj, np.nan)
        out["deep_percolation_mm"][:, t] = np.where(on, percolation, np.nan)
        out["correction_mm"][:, t] = np.where(on, corrected - modelled, np.nan)
        dr = np.where(on, corrected, dr)

    def active_only(values: Array) -> Array:
        return np.where(active, values, np.nan)

    out.update(
        taw_mm=active_only(taw),
        raw_mm=active_only(raw),
        p=active_only(p),
        etc_mm=active_only(etc),
        runoff_mm=active_only(precip_mm - effective_rain),
        sensor_assimilated=active_only(np.isfinite(measured).astype(np.float64)),
    )
    return out


def season_kc(inputs: xr.Dataset) -> tuple[Array, NDArray[np.int64]]:
    """Kc per row and day of a `season_inputs` Dataset, with the causal climate adjustment of the
    module docstring, and the stage index per row and day."""
    day_number = inputs["day"].to_numpy()[None, :] + 1
    col = {
        name: inputs[name].to_numpy()[:, None]
        for name in (
            "kc_ini",
            "kc_mid",
            "kc_end",
            "stage_ini_days",
            "stage_dev_days",
            "stage_mid_days",
            "stage_late_days",
            "max_height_m",
        )
    }
    l_ini, l_dev, l_mid = col["stage_ini_days"], col["stage_dev_days"], col["stage_mid_days"]
    wind = inputs["wind_used_m_s"].to_numpy()
    rh_min = inputs["rh_min_pct"].to_numpy()
    known = np.isfinite(wind) & np.isfinite(rh_min)

    def running_mean(window: NDArray[np.bool_], values: Array) -> Array:
        use = window & known
        count = np.cumsum(use, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean: Array = np.cumsum(np.where(use, values, 0.0), axis=1) / count
        return mean

    development_to_mid_end = (day_number > l_ini) & (day_number <= l_ini + l_dev + l_mid)
    late = day_number > l_ini + l_dev + l_mid
    adjust_mid = climate_adjustment(
        running_mean(development_to_mid_end, wind),
        running_mean(development_to_mid_end, rh_min),
        col["max_height_m"],
    )
    adjust_end = climate_adjustment(
        running_mean(late, wind), running_mean(late, rh_min), col["max_height_m"]
    )
    kc_mid = col["kc_mid"] + np.nan_to_num(adjust_mid)
    kc_end = col["kc_end"] + np.where(
        col["kc_end"] >= KC_END_ADJUST_FROM, np.nan_to_num(adjust_end), 0.0
    )
    kc = crop_coefficient(
        day_number, col["kc_ini"], kc_mid, kc_end, l_ini, l_dev, l_mid, col["stage_late_days"]
    )
    return kc, crop_stage(day_number, l_ini, l_dev, l_mid)


def water_balance_block(inputs: xr.Dataset, params: WaterBalanceParameters) -> xr.Dataset:
    """The balance of a block of rows of a numpy-backed `season_inputs` Dataset."""
    day_number = inputs["day"].to_numpy()[None, :] + 1
    active = day_number <= inputs["n_days"].to_numpy()[:, None]
    soil_depth_m = inputs["root_depth_max_cm"].to_numpy() / 100.0
    deepest = np.minimum(inputs["root_depth_max_m"].to_numpy(), soil_depth_m)
    zr = root_depth_m(
        day_number,
        inputs["stage_ini_days"].to_numpy()[:, None],
        inputs["stage_dev_days"].to_numpy()[:, None],
        deepest[:, None],
        params.initial_root_depth_m,
    )
    measured = root_zone_water_content_m3_m3(
        inputs["sensor_vwc_m3_m3"].to_numpy(),
        inputs["sensor_depth_cm"].to_numpy()[:, None, :],
        zr,
    )
    kc, stage = season_kc(inputs)
    eto = inputs["eto_mm"].to_numpy()
    result = run_soil_water_balance(
        eto_mm=eto,
        kc=kc,
        precip_mm=inputs["precip_mm"].to_numpy(),
        irrigation_net_mm=inputs["irrigation_gross_mm"].to_numpy() * params.irrigation_efficiency,
        root_depth_m=zr,
        field_capacity_m3_m3=inputs["field_capacity_m3_m3"].to_numpy(),
        wilting_point_m3_m3=inputs["wilting_point_m3_m3"].to_numpy(),
        p_table=inputs["depletion_fraction_p"].to_numpy(),
        active=active,
        measured_vwc_m3_m3=measured,
        params=params,
    )
    result.update(
        kc=np.where(active, kc, np.nan),
        eto_mm=eto,
        rain_mm=inputs["precip_mm"].to_numpy(),
        irrigation_mm=inputs["irrigation_gross_mm"].to_numpy() * params.irrigation_efficiency,
        root_depth_m=np.where(active, zr, np.nan),
        crop_stage=np.where(active, stage, -1).astype(np.float64),
        sensor_vwc_root_zone_m3_m3=np.where(active, measured, np.nan),
    )
    return xr.Dataset(
        {name: (("row", "day"), values) for name, values in result.items()},
        coords={"row": inputs["row"].to_numpy(), "day": inputs["day"].to_numpy()},
    )


def season_water_balance(
    inputs: xr.Dataset, params: WaterBalanceParameters | None = None
) -> xr.Dataset:
    """The balance of every row of a `season_inputs` Dataset, as a `(row, day)` Dataset.

    Block by block over `row` when `inputs` is chunked with dask (`blockwise`).
    """
    params = params or WaterBalanceParameters()
    return blockwise(partial(water_balance_block, params=params), inputs)


OUTPUT_COLUMNS = (
    "dr_mm",
    "taw_mm",
    "raw_mm",
    "ks",
    "kc",
    "eto_mm",
    "etc_mm",
    "etc_adj_mm",
    "rain_mm",
    "runoff_mm",
    "irrigation_mm",
    "deep_percolation_mm",
    "correction_mm",
    "root_depth_m",
)


def water_balance_table(
    sources: SeasonSources,
    requests: pd.DataFrame,
    params: WaterBalanceParameters | None = None,
) -> pd.DataFrame:
    """Per field-season request and day from sowing to its end: the balance in long form.

    Columns: field_id, season, as_of, date, the `OUTPUT_COLUMNS` and `state_source` (`sensor` on
    days a probe reading was assimilated, `model` otherwise).
    """
    inputs = season_inputs(sources, requests)
    balance = season_water_balance(inputs, params).compute()
    n_rows, n_days = balance.sizes["row"], balance.sizes["day"]
    valid = np.arange(n_days)[None, :] < inputs["n_days"].to_numpy()[:, None]
    row, day = np.nonzero(valid)
    sowing = inputs["sowing_date"].to_numpy()
    table = pd.DataFrame(
        {
            "field_id": inputs["field_id"].to_numpy()[row],
            "season": inputs["season"].to_numpy()[row],
            "as_of": inputs["as_of"].to_numpy()[row],
            "date": sowing[row] + day.astype("timedelta64[D]"),
        }
    )
    for name in OUTPUT_COLUMNS:
        table[name] = balance[name].to_numpy()[row, day]
    assimilated = balance["sensor_assimilated"].to_numpy()[row, day] == 1.0
    table["state_source"] = np.where(assimilated, "sensor", "model")
    assert len(table) == int(valid.sum()) and n_rows == len(requests)
    return table
