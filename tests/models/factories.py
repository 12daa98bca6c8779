"""Small, explicit training tables for the model tests (no feature pipeline needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.yield_model import N_SEASON_TOTAL, YIELD_FEATURES, YieldModelSettings

# Tiny trees and few rounds: the tests check behaviour, not skill.
FAST = YieldModelSettings(num_boost_round=40, num_leaves=7, min_data_in_leaf=5, lambda_l2=1.0)


def training_rows(
    n_fields: int = 10,
    seasons: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023),
    crops: tuple[str, ...] = ("winter_wheat",),
    points: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0),
    seed: int = 0,
) -> pd.DataFrame:
    """A `training_table`-shaped frame: per crop, field and season, rows at the given shares of
    a 2,000 °C·d season, the last one as of the harvest. Yield rises with N (to a plateau at
    200 kg N/ha), with crop water use and with NDVI, plus a season effect and noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for crop in crops:
        for season in seasons:
            season_effect = rng.normal(0.0, 0.5)
            for f in range(n_fields):
                sowing = pd.Timestamp(f"{season - 1}-10-20")
                harvest = pd.Timestamp(f"{season}-08-01")
                n_total = float(rng.choice([0, 60, 120, 160, 200, 240]))
                soil = rng.uniform(80, 220)
                ndvi_peak = rng.uniform(0.6, 0.9)
                y = (
                    5.0
                    + 4.0 * min(n_total, 200.0) / 200.0
                    + 0.005 * soil
                    + 2.0 * (ndvi_peak - 0.75)
                    + season_effect
                    + rng.normal(0.0, 0.3)
                )
                for share in points:
                    as_of = harvest if share >= 1.0 else sowing + (harvest - sowing) * share
                    row = {name: np.nan for name in YIELD_FEATURES}
                    row.update(
                        field_id=f"f{f:02d}",
                        season=season,
                        crop=crop,
                        as_of=as_of,
                        harvest_date=harvest,
                        yield_t_ha=round(y, 2),
                        days_after_sowing_d=float((as_of - sowing).days),
                        gdd_to_date_degc_d=2000.0 * share,
                        eta_sum_mm=300.0 * share * soil / 150.0,
                        et_deficit_sum_mm=20.0 * share * 150.0 / soil,
                        ks_mean=1.0 - 0.1 * share * 150.0 / soil,
                        ndvi_peak_index=ndvi_peak if share > 0.3 else 0.3,
                        ndvi_latest_index=ndvi_peak * min(1.0, 2 * share),
                        n_applied_kg_ha=n_total * min(1.0, share / 0.75),
                        irrigation_applied_mm=0.0,
                        irrigated_flag=float(f % 2),
                        past_mean_yield_t_ha=7.0 + 0.1 * (f % 3),
                        taw_max_mm=soil,
                        sand_pct=40.0,
                        clay_pct=20.0,
                        soc_pct=1.5 + 0.1 * (f % 4),
                    )
                    row[N_SEASON_TOTAL] = n_total
                    rows.append(row)
    return pd.DataFrame(rows)
