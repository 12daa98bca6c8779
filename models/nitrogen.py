"""Nitrogen: the economic optimum rate for the season in progress, and the classic
quadratic-plateau analysis of N-rate strip trials.

**Recommendation** (`recommend_nitrogen`): the N response model of `models.yield_model` (yield
from the season's total N and the in-season features, monotone in N) is evaluated for each field
over a grid of additional rates on top of the N applied so far. The recommended total is the grid
point of highest partial profit, grain price × yield − N price × N: on a grid that is the point
where the marginal value of grain stops exceeding the price of N. It is never below the N already
applied (the additional rate is never negative) and never above the cap: the smaller of the
crop's agronomic maximum (`n_max_kg_ha` of the crop table) and a regulatory cap from settings.
Where the response is flat, or its slope is worth less than the N it takes, the additional rate
is zero. Ties go to the smaller rate. A crop whose N response model gained nothing from N on
held-out seasons (`models.yield_model.n_response_importance_pct`) gets no N advice at all: a
slope learnt from farm-to-farm differences in practice is not a response to N.

**Trial analysis** (`quadratic_plateau`): y = a + b x + c x² below the join point x₀ = −b/(2c),
the plateau a − b²/(4c) above it (Cerrato and Blackmer 1990, Agron. J. 82:138). For a fixed x₀
the model is linear in (a, b), so the fit scans x₀ and solves a least-squares problem for each,
then refines the best x₀ with a bounded scalar search: no starting values to guess. The agronomic
optimum AONR is x₀; the economic optimum EONR = (R − b)/(2c) with R = N price / grain price; the
maximum return to N, MRTN, is the return over the zero-N yield at the EONR,
grain price × (b EONR + c EONR²) − N price × EONR, as the `eonr` package defines it (Nigon et al.
2019, Comput. Electron. Agric. 167:105030).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar

from models.yield_model import N_SEASON_TOTAL, N_TO_DATE, YieldModel, predict_with

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class NitrogenSettings:
    """Prices and limits for N recommendations (the caller's settings, with units).

    `n_price_eur_per_kg_n`: price of fertiliser N (EUR per kg N, not per kg of product).
    `n_cap_kg_ha`: a regulatory cap on the season's total N for every crop (None: only the crop
    table's agronomic maximum applies). `step_kg_ha`: spacing of the grid of additional rates.
    """

    n_price_eur_per_kg_n: float = 1.10
    n_cap_kg_ha: float | None = None
    step_kg_ha: float = 5.0

    def __post_init__(self) -> None:
        if self.n_price_eur_per_kg_n < 0:
            raise ValueError("n_price_eur_per_kg_n must not be negative")
        if self.n_price_eur_per_kg_n > 50:
            raise ValueError(
                "n_price_eur_per_kg_n looks like a price per tonne or per kg of product; "
                "give EUR per kg of N (e.g. 1.10)"
            )
        if self.n_cap_kg_ha is not None and self.n_cap_kg_ha < 0:
            raise ValueError("n_cap_kg_ha must not be negative")
        if not 0 < self.step_kg_ha <= 50:
            raise ValueError("step_kg_ha must be between 0 and 50 kg N/ha")


# --------------------------------------------------------------------------- economic optimum


def economic_optimum(
    additional_kg_ha: ArrayLike,
    yield_t_ha: ArrayLike,
    n_applied_kg_ha: ArrayLike,
    grain_price_eur_t: ArrayLike,
    n_price_eur_per_kg_n: float,
    n_cap_kg_ha: ArrayLike,
) -> pd.DataFrame:
    """The most profitable additional N rate per field.

    `additional_kg_ha` (g,) are rates on top of `n_applied_kg_ha` (rows,), starting at 0;
    `yield_t_ha` (rows, g) the expected yield at each; prices per field (EUR/t grain) and per kg
    N; `n_cap_kg_ha` (rows,) the most a season's total may reach. Returns per row:
    n_rate_now_kg_ha (≥ 0), n_total_recommended_kg_ha, n_expected_gain_t_ha (yield at the
    recommendation minus yield with no more N) and the marginal return of the last step taken,
    marginal_return_eur_per_kg_n.
    """
    rates = np.asarray(additional_kg_ha, dtype=np.float64)
    yields = np.atleast_2d(np.asarray(yield_t_ha, dtype=np.float64))
    applied = np.asarray(n_applied_kg_ha, dtype=np.float64)
    price = np.broadcast_to(np.asarray(grain_price_eur_t, dtype=np.float64), applied.shape)
    cap = np.broadcast_to(np.asarray(n_cap_kg_ha, dtype=np.float64), applied.shape)
    if rates.ndim != 1 or rates[0] != 0 or np.any(np.diff(rates) <= 0):
        raise ValueError("additional rates must be increasing and start at 0")
    if yields.shape != (applied.size, rates.size):
        raise ValueError(f"yield_t_ha must be (fields, rates) = {(applied.size, rates.size)}")
    total = applied[:, None] + rates[None, :]
    profit = price[:, None] * yields - n_price_eur_per_kg_n * total
    allowed = (total <= cap[:, None] + 1e-9) | (rates[None, :] == 0)
    profit = np.where(allowed & np.isfinite(profit), profit, -np.inf)
    # Ties go to the smaller rate: np.argmax returns the first maximum; a cent per hectare of
    # rounding noise should not buy another 5 kg of N.
    best_profit = profit.max(axis=1, keepdims=True)
    best = np.argmax(profit >= best_profit - 0.01, axis=1)
    rows = np.arange(applied.size)
    rate = rates[best]
    gain = yields[rows, best] - yields[:, 0]
    previous = np.maximum(best - 1, 0)
    step = rates[best] - rates[previous]
    with np.errstate(invalid="ignore", divide="ignore"):
        marginal = np.where(
            best > 0,
            price * (yields[rows, best] - yields[rows, previous]) / np.where(step > 0, step, 1),
            np.nan,
        )
    no_prediction = ~np.isfinite(yields[:, 0])
    return pd.DataFrame(
        {
            "n_rate_now_kg_ha": np.where(no_prediction, np.nan, rate),
            "n_total_recommended_kg_ha": np.where(no_prediction, np.nan, applied + rate),
            "n_expected_gain_t_ha": np.where(no_prediction, np.nan, gain),
            "marginal_return_eur_per_kg_n": marginal,
        }
    )


def response_yields(
    model: YieldModel, features: pd.DataFrame, additional_kg_ha: FloatArray
) -> FloatArray:
    """Yield (t/ha) of the N response model for each row at N applied so far + each rate.

    `features` are in-season feature rows (with `crop` and `n_applied_kg_ha`); the season total
    is set to applied + rate, everything else is held at its value as of the row's date.
    """
    n_rows, n_rates = len(features), additional_kg_ha.size
    stacked = features.iloc[np.repeat(np.arange(n_rows), n_rates)].reset_index(drop=True)
    applied = features[N_TO_DATE].fillna(0.0).to_numpy(np.float64)
    stacked[N_SEASON_TOTAL] = (applied[:, None] + additional_kg_ha[None, :]).ravel()
    return predict_with(model, stacked, response=True).reshape(n_rows, n_rates)


def recommend_nitrogen(
    model: YieldModel,
    features: pd.DataFrame,
    crops: pd.DataFrame,
    settings: NitrogenSettings,
) -> pd.DataFrame:
    """N recommendation per in-season feature row (same index): additional rate now, total,
    expected gain, the cap used and the marginal return (see `economic_optimum`).

    `crops` is the crop table (grain_price_eur_t and n_max_kg_ha per crop_id). For a crop whose
    N response found no support on held-out seasons (`CropModel.n_response_supported`), the rate
    is 0 and `n_response_supported` is False.
    """
    crop_table = crops.set_index("crop_id")
    crop = features["crop"].astype(str)
    price = crop.map(crop_table["grain_price_eur_t"]).to_numpy(np.float64)
    cap = crop.map(crop_table["n_max_kg_ha"]).to_numpy(np.float64)
    if settings.n_cap_kg_ha is not None:
        cap = np.minimum(cap, settings.n_cap_kg_ha)
    applied = features[N_TO_DATE].fillna(0.0).to_numpy(np.float64)
    headroom = float(np.nanmax(np.maximum(cap - applied, 0.0), initial=0.0))
    rates = np.arange(0.0, headroom + settings.step_kg_ha / 2, settings.step_kg_ha)
    yields = response_yields(model, features, rates)
    result = economic_optimum(
        rates, yields, applied, price, settings.n_price_eur_per_kg_n, np.nan_to_num(cap, nan=0.0)
    )
    supported = crop.map({name: m.n_response_supported for name, m in model.crops.items()}).eq(True)
    unsupported = ~supported.to_numpy() & np.isfinite(result["n_rate_now_kg_ha"].to_numpy())
    result.loc[unsupported, "n_rate_now_kg_ha"] = 0.0
    result.loc[unsupported, "n_total_recommended_kg_ha"] = applied[unsupported]
    result.loc[unsupported, "n_expected_gain_t_ha"] = 0.0
    result.loc[unsupported, "marginal_return_eur_per_kg_n"] = np.nan
    result["n_applied_kg_ha"] = applied
    result["n_cap_kg_ha"] = cap
    result["n_response_supported"] = supported.to_numpy()
    result.index = features.index
    return result


# --------------------------------------------------------------------------- trial analysis


@dataclass(frozen=True)
class QuadraticPlateau:
    """A fitted quadratic-plateau response, in the units of the data it was fitted to."""

    intercept: float
    linear: float
    quadratic: float
    aonr: float
    plateau_yield: float
    eonr: float
    mrtn: float
    r2: float
    price_ratio: float

    def predict(self, rates: ArrayLike) -> FloatArray:
        x = np.minimum(np.asarray(rates, dtype=np.float64), self.aonr)
        result: FloatArray = self.intercept + self.linear * x + self.quadratic * x * x
        return result


def _shape(rates: FloatArray, join: float) -> FloatArray:
    """g(x) = m − m²/(2 x₀), m = min(x, x₀): with it, y = a + b g(x)."""
    m = np.minimum(rates, join)
    result: FloatArray = m - m * m / (2.0 * join)
    return result


def _fit_at(rates: FloatArray, yields: FloatArray, join: float) -> tuple[float, float, float]:
    """Least-squares (a, b) for a given join point and the residual sum of squares."""
    design = np.column_stack([np.ones_like(rates), _shape(rates, join)])
    coef, *_ = np.linalg.lstsq(design, yields, rcond=None)
    sse = float(np.sum((design @ coef - yields) ** 2))
    return float(coef[0]), float(coef[1]), sse


def quadratic_plateau(
    rates: ArrayLike, yields: ArrayLike, price_n: float, price_grain: float
) -> QuadraticPlateau:
    """Fit y = a + b x + c x² (x < x₀), plateau beyond, and derive AONR, EONR and MRTN.

    `price_n` is per unit of N rate and `price_grain` per unit of yield, in the same currency
    (e.g. $/kg N and $/kg grain for yields in kg/ha, as in the `eonr` package). The join point is
    searched up to three times the highest rate; a response still rising there is reported with
    an AONR beyond the tested rates. EONR is clipped to [0, AONR].
    """
    x = np.asarray(rates, dtype=np.float64)
    y = np.asarray(yields, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    positive = np.unique(x[x > 0])
    if positive.size < 2 or x.size < 4:
        raise ValueError("a quadratic-plateau fit needs at least 3 distinct rates and 4 plots")
    if price_grain <= 0:
        raise ValueError("price_grain must be positive")
    low, high = float(positive.min()) / 2.0, 3.0 * float(x.max())
    grid = np.geomspace(low, high, 400)
    sse = np.array([_fit_at(x, y, j)[2] for j in grid])
    k = int(np.argmin(sse))
    bracket = (float(grid[max(k - 1, 0)]), float(grid[min(k + 1, grid.size - 1)]))
    found = minimize_scalar(
        lambda j: _fit_at(x, y, float(j))[2],
        bounds=bracket,
        method="bounded",
        options={"xatol": 1e-9, "maxiter": 500},
    )
    join = float(found.x) if found.fun <= sse[k] else float(grid[k])
    a, b, sse_best = _fit_at(x, y, join)
    c = -b / (2.0 * join)
    ratio = price_n / price_grain
    eonr = (ratio - b) / (2.0 * c) if c < 0 else math.nan
    eonr = float(np.clip(eonr, 0.0, join)) if math.isfinite(eonr) else 0.0
    mrtn = price_grain * (b * eonr + c * eonr * eonr) - price_n * eonr
    total = float(np.sum((y - y.mean()) ** 2))
    return QuadraticPlateau(
        intercept=a,
        linear=b,
        quadratic=c,
        aonr=join,
        plateau_yield=a + b * join + c * join * join,
        eonr=eonr,
        mrtn=mrtn,
        r2=1.0 - sse_best / total if total > 0 else math.nan,
        price_ratio=ratio,
    )
