"""Reference evapotranspiration (FAO-56 Penman-Monteith) through pyet, with units in the names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyet


def reference_et_fao56_mm(
    tmin_degc: pd.Series,
    tmax_degc: pd.Series,
    wind_m_s: pd.Series,
    *,
    elevation_m: float,
    lat_deg: float,
    rad_mj_m2: pd.Series | None = None,
    sunshine_h: pd.Series | None = None,
    vp_kpa: pd.Series | None = None,
    rh_max_pct: pd.Series | None = None,
    rh_min_pct: pd.Series | None = None,
    soil_heat_flux_mj_m2: pd.Series | float = 0.0,
) -> pd.Series:
    """Daily (or monthly-mean daily) FAO-56 reference ET in mm/day.

    Inputs are Series on a DatetimeIndex (pyet derives day of year from it). Mean temperature is
    the mean of Tmax and Tmin (FAO-56 eq. 9). Give either measured radiation or sunshine hours,
    and either vapour pressure or RHmax/RHmin.
    """
    if rad_mj_m2 is None and sunshine_h is None:
        raise ValueError("give rad_mj_m2 or sunshine_h (or estimate radiation first)")
    if vp_kpa is None and (rh_max_pct is None or rh_min_pct is None):
        raise ValueError("give vp_kpa, or both rh_max_pct and rh_min_pct")
    if not -90 <= lat_deg <= 90:
        raise ValueError(f"lat_deg={lat_deg} is not a latitude in degrees")
    tmean = (tmax_degc + tmin_degc) / 2
    eto = pyet.pm_fao56(
        tmean,
        wind_m_s,
        rs=rad_mj_m2,
        g=soil_heat_flux_mj_m2,
        tmax=tmax_degc,
        tmin=tmin_degc,
        rhmax=rh_max_pct,
        rhmin=rh_min_pct,
        elevation=elevation_m,
        lat=np.deg2rad(lat_deg),  # pyet takes radians
        n=sunshine_h,
        ea=vp_kpa,
    )
    return pd.Series(eto, index=tmean.index, name="eto_mm")
