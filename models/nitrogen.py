"""Nitrogen: whether a crop responds to N at all, how much N a field still needs this season,
and the classic quadratic-plateau analysis of N-rate strip trials.

**Does the crop respond to N?** (`nitrogen_response_evidence`) A cooperative's farms apply N out
of habit, and their fields differ in soil and water for reasons of their own: across farms, more
N and more yield can go together without N doing anything. The evidence is therefore the
*within-field, within-season* slope of yield on the season's N total, with field and season fixed
effects (the two-way within estimator, Wooldridge 2010, Econometric Analysis of Cross Section and
Panel Data, ch. 10): only a field's deviation from its own usual N, against the other fields of
the same season, counts. Its uncertainty comes from a block bootstrap over seasons (all fields of
a season share its weather, so seasons are the independent units), and from shuffling each field's
N totals among its own seasons (under no response, which season got which of the field's totals
is chance). N has value for a crop when the slope is at least `min_slope_kg_grain_per_kg_n`, the
lower end of its 90 % bootstrap interval is above zero and fewer than `permutation_alpha` of the
shuffles give as large a slope. With fewer than 3 seasons, or N that hardly varies within fields
(`min_within_field_n_sd_kg_ha`), there is no evidence either way, and no N advice.

**The response of a field this season.** Yield against the N the crop can take up per tonne of
the yield that water allows (a quadratic-plateau, Cerrato & Blackmer 1990, Agron. J. 82:138, in
the N supply per tonne of attainable yield)::

    y(N) = P G(z),   z = (S + r N) / P,
    G(z) = 1 − (1 − g0) (1 − z / z0)²  for z < z0,  1 beyond,

with P the attainable yield without N shortage (t/ha at the crop's standard moisture), S the
field's soil N supply over the season (kg N/ha), r the recovery of fertiliser N
(`fertiliser_n_recovery`, 0.7: the sample's WOFOST N_recovery, inside the usual 0.5-0.8) and N the
season's fertiliser N. The response ends at z0 = `uptake_at_plateau_kg_n_per_t` (25 kg N per
tonne: wheat grain removes about 21 kg N/t, 43 lb N/ton at 12 % moisture, and holds about three
quarters of the crop's N at maturity, Geisseler 2016 in the CDFA FREP wheat fertilization
guidelines, so a crop takes up about 28 kg N per tonne of grain; an assumption, to be set per
region), and g0 (`relative_yield_without_n`, 0.3, an assumption) sets its curvature. Written so,
the Stanford (1973) N budget falls out: N pays until r G'(z) equals the price ratio (t grain per kg
N), i.e. up to a fixed z* (about 22 kg N/t at 5 kg grain per kg N), so N* = (z* P − S) / r: the
crop's demand at the attainable yield minus the soil's supply, over the recovery. The optimum
rises above the rates a farm has used when the attainable yield asks for it, and falls when
water limits the yield; it never looks at what the farm used to apply.

**Calibration on the cooperative's history** (`calibrate_nitrogen_response`, at training; per crop
with an N response):

- P of a past field-season is Ym Kw with the FAO-33 water factor Kw = 1 − Ky (1 − ETa/ETc)
  (Doorenbos & Kassam 1979, FAO Irrigation and Drainage Paper 33; Ky = `ky_season` of the crop
  table), ETa/ETc from the FAO-56 balance of the season (`pipelines.agronomy.waterbalance`);
  Where the crop has a crop model (a `wofost_model` in its crop row) and the history has its
  water-limited yield (`cm_twso_t_ha` at harvest, WOFOST on the season's observed weather, the
  field's stated soil and the irrigation applied), Kw is that yield over the history's median
  instead (`crop_model_factor`): WOFOST's response to a dry season, rooting depth and soil water
  is much stronger and more specific than a season-long Ky, and the same quantity is available
  in season from the crop model's outlook (below);
- S = S̄ + δ_f, the cooperative's mean and each field's deviation, by least squares on the yields
  given Ym, with a ridge on δ_f (`field_soil_supply_sd_kg_ha`) so a field with few seasons stays
  near S̄;
- the potential Ym by least squares too, each candidate with its best S̄ (a profile likelihood),
  searched from 0.8 to 2.5 times the median of y / Kw over the best-fertilised fifth of the crop's
  field-seasons (`attainable_top_n_share`). The within-field response to N tells how far below
  their plateau the fields were: Ym is not tied to the yields the farms' habits reached.

**The weather still to come** (`water_outlook`): the FAO-56 balance runs over the season so far
(observed weather, irrigation and probe readings up to the advice date) and on to the crop's usual
season length over each past year's weather of the field's station (one ensemble member per year
with complete weather), giving ETa/ETc, hence Kw and P_m = Ym Kw, per member. Water stress that
has already happened lowers every member; a soil that holds little water lowers the dry ones.

For a crop calibrated on the crop model, the members are WOFOST's instead: the observed weather
to the advice date, then each past year's weather to the end of the season
(`pipelines.agronomy.crop_indicators.outlook_runs`), P_m = Ym × (simulated yield of member m /
the calibration's reference).

**The recommendation** (`recommend_nitrogen`): the expected yield over the members,
ȳ(N) = mean_m P_m G((S + r N) / P_m), on a grid of additional rates; the most profitable season
total (`economic_optimum`: grain price × ȳ − N price × N), never below the N applied and never
above min(`n_max_kg_ha`, regulatory cap). Then the crop table's agronomy: no N once the season's
thermal time has passed `n_last_useful_progress` (wheat about flowering, maize before tasselling);
the rest is split over the doses left (`n_splits` minus the doses applied, at least one), the dose
now never above `n_max_single_dose_kg_ha`, and what is not applied now is advised for later. A crop
without evidence of a response, or without a calibration, gets no N.

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
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares, minimize_scalar
from scipy.sparse import lil_matrix

from models.yield_model import N_SEASON_TOTAL, N_TO_DATE, TARGET, THERMAL_TIME, YieldModel
from pipelines.agronomy.season_grid import REQUIRED_WEATHER, SeasonSources, season_inputs
from pipelines.agronomy.waterbalance import WaterBalanceParameters, season_water_balance

FloatArray = NDArray[np.float64]

# The water factor Kw never drops below this: FAO-33's linear relation is not meant for a crop
# that yields nothing, and a zero attainable yield would make z = S / P infinite.
WATER_FACTOR_FLOOR = 0.05
# The crop model's state at harvest in a training table (`pipelines.agronomy.crop_indicators`):
# the season's simulated water-limited yield, t/ha at the crop's standard moisture.
CROP_MODEL_STATE_YIELD = "cm_twso_t_ha"
# Its column in `nitrogen_history`.
CROP_MODEL_YIELD = "crop_model_yield_t_ha"
# Separates a field or station id from its ensemble member in `water_outlook`'s internal ids.
MEMBER_MARK = "#outlook"
# What `recommend_nitrogen` says about each row (`n_status`).
N_ADVISED = "advised"
N_NOT_WORTH = "not-worth"
N_AT_CAP = "at-cap"
N_NO_RESPONSE = "no-response"
N_NO_CALIBRATION = "no-calibration"
N_PAST_LAST_STAGE = "past-last-stage"
N_NO_MODEL = "no-model"


@dataclass(frozen=True)
class NitrogenSettings:
    """Prices, limits and the agronomic constants of the N response (units in the names).

    `n_price_eur_per_kg_n`: price of fertiliser N (EUR per kg N, not per kg of product).
    `n_cap_kg_ha`: a regulatory cap on the season's total N for every crop (None: only the crop
    table's agronomic maximum applies). `step_kg_ha`: spacing of the grid of additional rates.
    The response (module docstring): `fertiliser_n_recovery` r, `uptake_at_plateau_kg_n_per_t`
    z0, `relative_yield_without_n` g0. Calibration: `attainable_top_n_share` (share of
    field-seasons with the most N whose yields give the potential), `field_soil_supply_sd_kg_ha`
    (ridge on a field's soil N supply against the cooperative's). Evidence:
    `min_slope_kg_grain_per_kg_n`, `min_within_field_n_sd_kg_ha`, `bootstrap_draws`,
    `permutations`, `permutation_alpha`, `seed`.
    `outlook_years`: at most this many past years of weather make the ensemble of the season to
    come. `crop_model_min_share`: the crop model's water-limited yields replace FAO-33's water
    factor for a crop when at least this share of its history has one.
    """

    n_price_eur_per_kg_n: float = 1.10
    n_cap_kg_ha: float | None = None
    step_kg_ha: float = 5.0
    fertiliser_n_recovery: float = 0.7
    uptake_at_plateau_kg_n_per_t: float = 25.0
    relative_yield_without_n: float = 0.3
    attainable_top_n_share: float = 0.2
    field_soil_supply_sd_kg_ha: float = 25.0
    min_slope_kg_grain_per_kg_n: float = 1.0
    min_within_field_n_sd_kg_ha: float = 5.0
    bootstrap_draws: int = 400
    permutations: int = 499
    permutation_alpha: float = 0.05
    seed: int = 20261126
    outlook_years: int = 10
    crop_model_min_share: float = 0.9

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
        if not 0 < self.fertiliser_n_recovery <= 1:
            raise ValueError("fertiliser_n_recovery is a fraction (0.7, not 70)")
        if not 0 <= self.relative_yield_without_n < 1:
            raise ValueError("relative_yield_without_n is a fraction below 1 (e.g. 0.3)")
        if not 5 <= self.uptake_at_plateau_kg_n_per_t <= 80:
            raise ValueError("uptake_at_plateau_kg_n_per_t is kg N per tonne of grain (e.g. 25)")
        if not 0 < self.attainable_top_n_share <= 1:
            raise ValueError("attainable_top_n_share is a fraction (e.g. 0.2)")

    def price_ratio_t_per_kg_n(self, grain_price_eur_t: float) -> float:
        """Tonnes of grain that pay for one kg of N."""
        return self.n_price_eur_per_kg_n / grain_price_eur_t


# --------------------------------------------------------------------------- the response curve


def relative_yield(z_kg_n_per_t: ArrayLike, settings: NitrogenSettings) -> FloatArray:
    """G(z): yield as a share of the attainable yield at an N supply of z kg N per tonne of
    attainable yield (quadratic-plateau, module docstring)."""
    z0 = settings.uptake_at_plateau_kg_n_per_t
    z = np.clip(np.asarray(z_kg_n_per_t, dtype=np.float64), 0.0, z0)
    result: FloatArray = 1.0 - (1.0 - settings.relative_yield_without_n) * (1.0 - z / z0) ** 2
    return result


def response_yield(
    n_total_kg_ha: ArrayLike,
    soil_supply_kg_ha: ArrayLike,
    attainable_t_ha: ArrayLike,
    settings: NitrogenSettings,
) -> FloatArray:
    """y = P G((S + r N) / P) (t/ha), broadcasting its arguments."""
    attainable = np.maximum(np.asarray(attainable_t_ha, dtype=np.float64), 1e-6)
    supply = np.asarray(soil_supply_kg_ha, dtype=np.float64) + settings.fertiliser_n_recovery * (
        np.asarray(n_total_kg_ha, dtype=np.float64)
    )
    result: FloatArray = attainable * relative_yield(supply / attainable, settings)
    return result


def crop_model_factor(simulated_t_ha: ArrayLike, reference_t_ha: float) -> FloatArray:
    """The water factor from the crop model: the simulated water-limited yield over the crop's
    reference (`CropNitrogenResponse.crop_model_reference_t_ha`), never below the floor."""
    return np.maximum(
        np.asarray(simulated_t_ha, dtype=np.float64) / reference_t_ha, WATER_FACTOR_FLOOR
    )


def water_factor(water_ratio: ArrayLike, ky: ArrayLike) -> FloatArray:
    """FAO-33 relative yield Kw = 1 − Ky (1 − ETa/ETc), within [WATER_FACTOR_FLOOR, 1]."""
    ratio = np.clip(np.asarray(water_ratio, dtype=np.float64), 0.0, 1.0)
    result: FloatArray = np.clip(
        1.0 - np.asarray(ky, dtype=np.float64) * (1.0 - ratio), WATER_FACTOR_FLOOR, 1.0
    )
    return result


def optimum_supply_kg_n_per_t(settings: NitrogenSettings, price_ratio_t_per_kg_n: float) -> float:
    """z*: the N supply per tonne of attainable yield at which r G'(z) equals the price ratio
    (tonnes of grain per kg N). The Stanford budget's N demand per tonne."""
    z0, g0, r = (
        settings.uptake_at_plateau_kg_n_per_t,
        settings.relative_yield_without_n,
        settings.fertiliser_n_recovery,
    )
    # G'(z) = 2 (1 − g0) (1 − z/z0) / z0
    return float(max(0.0, z0 * (1.0 - price_ratio_t_per_kg_n * z0 / (2.0 * r * (1.0 - g0)))))


# --------------------------------------------------------------------------- evidence of response


@dataclass(frozen=True)
class ResponseEvidence:
    """Whether N has value for a crop, on the within-field, within-season slope."""

    crop: str
    supported: bool
    reason: str
    slope_kg_grain_per_kg_n: float = math.nan
    slope_low_kg_grain_per_kg_n: float = math.nan
    slope_high_kg_grain_per_kg_n: float = math.nan
    within_field_n_sd_kg_ha: float = math.nan
    permutation_p_value: float = math.nan
    field_seasons: int = 0
    fields: int = 0
    seasons: int = 0


def _group_means(values: FloatArray, codes: NDArray[np.int64], n_groups: int) -> FloatArray:
    """Per row, the mean of `values` (rows × columns) over the rows of its group."""
    sums = np.zeros((n_groups, values.shape[1]))
    np.add.at(sums, codes, values)
    counts = np.bincount(codes, minlength=n_groups).astype(np.float64)
    means: FloatArray = (sums / np.maximum(counts, 1.0)[:, None])[codes]
    return means


def _two_way_within(
    values: FloatArray, field_codes: NDArray[np.int64], season_codes: NDArray[np.int64]
) -> FloatArray:
    """`values` (rows × columns) with field and season effects removed: the residuals of the
    two-way fixed-effects regression, exact for unbalanced panels. By Frisch-Waugh-Lovell, the
    field-demeaned values minus their projection on the field-demeaned season dummies."""
    n_fields, n_seasons = int(field_codes.max()) + 1, int(season_codes.max()) + 1
    within_field = values - _group_means(values, field_codes, n_fields)
    dummies = np.zeros((len(season_codes), n_seasons))
    dummies[np.arange(len(season_codes)), season_codes] = 1.0
    dummies -= _group_means(dummies, field_codes, n_fields)
    # An orthonormal basis of the demeaned dummies (they are collinear: drop null directions).
    basis, singular, _ = np.linalg.svd(dummies, full_matrices=False)
    basis = basis[:, singular > 1e-9 * max(float(singular.max(initial=0.0)), 1.0)]
    result: FloatArray = within_field - basis @ (basis.T @ within_field)
    return result


def within_field_slope(
    yield_t_ha: ArrayLike,
    n_kg_ha: ArrayLike,
    field_ids: ArrayLike,
    seasons: ArrayLike,
) -> tuple[float, float]:
    """Slope of yield on N (kg grain per kg N) with field and season fixed effects, and the
    standard deviation of N left once they are removed (kg N/ha): the variation the slope
    rests on."""
    _, field_codes = np.unique(np.asarray(field_ids), return_inverse=True)
    _, season_codes = np.unique(np.asarray(seasons), return_inverse=True)
    values = np.column_stack(
        [np.asarray(yield_t_ha, dtype=np.float64), np.asarray(n_kg_ha, dtype=np.float64)]
    )
    within = _two_way_within(values, field_codes.astype(np.int64), season_codes.astype(np.int64))
    sxx = float(np.sum(within[:, 1] ** 2))
    n_sd = math.sqrt(sxx / len(within)) if len(within) else math.nan
    if sxx <= 1e-9:
        return math.nan, n_sd
    return 1000.0 * float(np.sum(within[:, 0] * within[:, 1])) / sxx, n_sd


def nitrogen_response_evidence(
    history: pd.DataFrame, settings: NitrogenSettings | None = None
) -> dict[str, ResponseEvidence]:
    """Per crop of `history` (one row per harvested field-season: field_id, season, crop,
    yield_t_ha, n_season_total_kg_ha), the evidence that N raises yield within fields."""
    settings = settings or NitrogenSettings()
    out: dict[str, ResponseEvidence] = {}
    for crop, rows in history.groupby("crop"):
        name = str(crop)
        rows = rows.dropna(subset=[TARGET, N_SEASON_TOTAL])
        counts = {
            "field_seasons": len(rows),
            "fields": int(rows["field_id"].nunique()),
            "seasons": int(rows["season"].nunique()),
        }
        if counts["seasons"] < 3:
            out[name] = ResponseEvidence(
                name, False, f"only {counts['seasons']} harvested season(s); 3 are needed", **counts
            )
            continue
        y = rows[TARGET].to_numpy(np.float64)
        n = rows[N_SEASON_TOTAL].to_numpy(np.float64)
        field_ids = rows["field_id"].astype(str).to_numpy()
        season_values = rows["season"].to_numpy(np.int64)
        slope, n_sd = within_field_slope(y, n, field_ids, season_values)
        if not n_sd >= settings.min_within_field_n_sd_kg_ha:
            out[name] = ResponseEvidence(
                name,
                False,
                f"N hardly varied within fields ({n_sd:.1f} kg N/ha once field and season are "
                "accounted for): the data cannot tell a response to N from the farms' habits",
                slope,
                within_field_n_sd_kg_ha=n_sd,
                **counts,
            )
            continue
        low, high = _bootstrap_by_season(y, n, field_ids, season_values, settings, name)
        p_value = _permutation_p_value(y, n, field_ids, season_values, slope, settings, name)
        supported = bool(
            slope >= settings.min_slope_kg_grain_per_kg_n
            and low > 0
            and p_value < settings.permutation_alpha
        )
        evidence = (
            f"{slope:.1f} kg grain per kg N (90 % interval {low:.1f} to {high:.1f} over "
            f"{counts['seasons']} seasons; N shuffled within fields gives as much in "
            f"{100 * p_value:.1f} % of {settings.permutations} shuffles)"
        )
        reason = (
            f"within fields, yield rose with N: {evidence}"
            if supported
            else f"no within-field response to N: {evidence}"
        )
        out[name] = ResponseEvidence(
            name, supported, reason, slope, low, high, n_sd, p_value, **counts
        )
    return out


def _bootstrap_by_season(
    y: FloatArray,
    n: FloatArray,
    field_ids: NDArray[Any],
    seasons: NDArray[np.int64],
    settings: NitrogenSettings,
    crop: str,
) -> tuple[float, float]:
    """5th and 95th percentiles of the within-field slope over seasons drawn with replacement
    (each draw of a season is a season of its own)."""
    rng = np.random.default_rng([settings.seed, zlib.crc32(crop.encode())])
    _, field_codes = np.unique(field_ids, return_inverse=True)
    unique_seasons = np.unique(seasons)
    rows_of = [np.flatnonzero(seasons == s) for s in unique_seasons]
    slopes = np.full(settings.bootstrap_draws, np.nan)
    for b in range(settings.bootstrap_draws):
        pick = rng.integers(0, len(unique_seasons), len(unique_seasons))
        index = np.concatenate([rows_of[k] for k in pick])
        draw_season = np.repeat(np.arange(len(pick)), [len(rows_of[k]) for k in pick])
        values = np.column_stack([y[index], n[index]])
        within = _two_way_within(values, field_codes[index].astype(np.int64), draw_season)
        sxx = float(np.sum(within[:, 1] ** 2))
        if sxx > 1e-9:
            slopes[b] = 1000.0 * float(np.sum(within[:, 0] * within[:, 1])) / sxx
    if not np.isfinite(slopes).any():
        return math.nan, math.nan
    return float(np.nanpercentile(slopes, 5)), float(np.nanpercentile(slopes, 95))


def _permutation_p_value(
    y: FloatArray,
    n: FloatArray,
    field_ids: NDArray[Any],
    seasons: NDArray[np.int64],
    slope: float,
    settings: NitrogenSettings,
    crop: str,
) -> float:
    """One-sided p-value of the within-field slope against N shuffled among each field's own
    seasons (under no response, which of its seasons got which of its N totals is chance)."""
    rng = np.random.default_rng([settings.seed, zlib.crc32(crop.encode()), 1])
    _, field_codes = np.unique(field_ids, return_inverse=True)
    _, season_codes = np.unique(seasons, return_inverse=True)
    fields, seasons_ = field_codes.astype(np.int64), season_codes.astype(np.int64)
    # The yields' within transform is fixed: only N's changes with a shuffle.
    y_within = _two_way_within(y[:, None], fields, seasons_)[:, 0]
    order = np.argsort(field_codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(field_codes[order]) != 0])
    ends = np.r_[starts[1:], len(order)]
    as_large = 0
    for _ in range(settings.permutations):
        shuffled = n.copy()
        for start, end in zip(starts, ends, strict=True):
            members = order[start:end]
            shuffled[members] = n[rng.permutation(members)]
        n_within = _two_way_within(shuffled[:, None], fields, seasons_)[:, 0]
        sxx = float(np.sum(n_within**2))
        permuted = 1000.0 * float(np.sum(y_within * n_within)) / sxx if sxx > 1e-9 else 0.0
        as_large += permuted >= slope
    return (as_large + 1) / (settings.permutations + 1)


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class CropNitrogenResponse:
    """A crop's calibrated N response in a cooperative (module docstring)."""

    crop: str
    potential_yield_t_ha: float  # Ym: neither water nor N short
    soil_supply_kg_ha: float  # S̄
    field_soil_supply_kg_ha: Mapping[str, float]  # S per field with history
    ky: float
    season_days: float  # usual days from sowing to harvest (the outlook's horizon)
    field_seasons: int
    rmse_t_ha: float
    # Where the crop has a crop model: the water factor of a field-season is its simulated
    # water-limited yield over this reference (the median of the history's), in place of FAO-33's
    # Kw; NaN: FAO-33 (module docstring).
    crop_model_reference_t_ha: float = math.nan

    @property
    def uses_crop_model(self) -> bool:
        return bool(np.isfinite(self.crop_model_reference_t_ha))

    def soil_supply(self, field_ids: Sequence[str]) -> FloatArray:
        """S per field: its own where the history gave one, else the cooperative's."""
        values = [self.field_soil_supply_kg_ha.get(f, self.soil_supply_kg_ha) for f in field_ids]
        return np.maximum(np.asarray(values, dtype=np.float64), 0.0)


def nitrogen_history(table: pd.DataFrame) -> pd.DataFrame:
    """One row per harvested field-season of a `models.yield_model.training_table`: its row as
    of the harvest (else its latest), with the season's water ratio ETa/ETc of the FAO-56
    balance (`water_ratio`) and its length (`season_days`)."""
    rows = table.sort_values(["field_id", "season", "as_of"])
    at_harvest = rows[rows["as_of"] == rows["harvest_date"]]
    latest = rows.drop_duplicates(["field_id", "season"], keep="last")
    chosen = pd.concat([at_harvest, latest]).drop_duplicates(["field_id", "season"], keep="first")
    eta = chosen["eta_sum_mm"].to_numpy(np.float64)
    etc = eta + chosen["et_deficit_sum_mm"].to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(etc > 0, eta / etc, np.nan)
    return pd.DataFrame(
        {
            "field_id": chosen["field_id"].astype(str).to_numpy(),
            "season": chosen["season"].astype(np.int64).to_numpy(),
            "crop": chosen["crop"].astype(str).to_numpy(),
            TARGET: chosen[TARGET].to_numpy(np.float64),
            N_SEASON_TOTAL: chosen[N_SEASON_TOTAL].to_numpy(np.float64),
            "water_ratio": ratio,
            "season_days": chosen["days_after_sowing_d"].to_numpy(np.float64),
            CROP_MODEL_YIELD: (
                chosen[CROP_MODEL_STATE_YIELD].to_numpy(np.float64)
                if CROP_MODEL_STATE_YIELD in chosen
                else np.full(len(chosen), np.nan)
            ),
        }
    ).reset_index(drop=True)


def calibrate_nitrogen_response(
    history: pd.DataFrame, crops: pd.DataFrame, settings: NitrogenSettings | None = None
) -> dict[str, CropNitrogenResponse]:
    """Per crop of `history` (`nitrogen_history` rows), the potential yield Ym and the soil N
    supply S̄ and S_f of the module docstring. `crops` is the crop table (`ky_season`)."""
    settings = settings or NitrogenSettings()
    ky_of = crops.set_index("crop_id")["ky_season"] if "ky_season" in crops else pd.Series()
    out: dict[str, CropNitrogenResponse] = {}
    for crop, rows in history.groupby("crop"):
        rows = rows.dropna(subset=[TARGET, N_SEASON_TOTAL]).reset_index(drop=True)
        if len(rows) < 5:
            continue
        ky = float(ky_of.get(crop, 1.0)) if np.isfinite(ky_of.get(crop, 1.0)) else 1.0
        simulated = rows[CROP_MODEL_YIELD].to_numpy(np.float64)
        reference = math.nan
        if np.isfinite(simulated).mean() >= settings.crop_model_min_share:
            rows = rows[np.isfinite(simulated)].reset_index(drop=True)
            simulated = rows[CROP_MODEL_YIELD].to_numpy(np.float64)
            reference = float(np.median(simulated))
        if len(rows) < 5:
            continue
        y = rows[TARGET].to_numpy(np.float64)
        n = rows[N_SEASON_TOTAL].to_numpy(np.float64)
        if np.isfinite(reference):
            factor = crop_model_factor(simulated, reference)
        else:
            factor = water_factor(rows["water_ratio"].fillna(1.0).to_numpy(np.float64), ky)
        fields, field_codes = np.unique(rows["field_id"].astype(str), return_inverse=True)
        codes = field_codes.astype(np.int64)
        potential = _profile_potential(y, n, factor, settings)
        mean_supply, deviations, rmse = _fit_soil_supply(
            y, n, potential * factor, codes, len(fields), settings
        )
        season_days = float(np.nanmedian(rows["season_days"])) if "season_days" in rows else 0.0
        out[str(crop)] = CropNitrogenResponse(
            crop=str(crop),
            potential_yield_t_ha=potential,
            soil_supply_kg_ha=mean_supply,
            field_soil_supply_kg_ha={
                str(f): float(mean_supply + d) for f, d in zip(fields, deviations, strict=True)
            },
            ky=ky,
            season_days=season_days,
            field_seasons=len(rows),
            rmse_t_ha=rmse,
            crop_model_reference_t_ha=reference,
        )
    return out


def _cooperative_supply(
    y: FloatArray, n: FloatArray, attainable: FloatArray, settings: NitrogenSettings
) -> tuple[float, float]:
    """The one soil N supply S̄ (kg N/ha) that best fits y = P G((S̄ + r N) / P), and the sum of
    squared errors: a 5 kg grid from 0 to 600, refined around its best point (the error is
    flat where every yield sits on its plateau, so a local search alone can stall there)."""

    def sse(supply: float) -> float:
        return float(np.sum((response_yield(n, supply, attainable, settings) - y) ** 2))

    grid = np.arange(0.0, 601.0, 5.0)
    start = float(grid[int(np.argmin([sse(float(v)) for v in grid]))])
    found = minimize_scalar(sse, bounds=(max(start - 5.0, 0.0), start + 5.0), method="bounded")
    return float(found.x), float(found.fun)


def _profile_potential(
    y: FloatArray, n: FloatArray, factor: FloatArray, settings: NitrogenSettings
) -> float:
    """Ym of least squared error, each candidate with its best S̄ (a profile likelihood), from
    0.8 to 2.5 times the median of y / Kw over the best-fertilised field-seasons: those yields
    may still have been short of N, so Ym is searched above them, never fixed to them."""
    top = n >= np.quantile(n, 1.0 - settings.attainable_top_n_share)
    start = float(np.median(y[top] / factor[top]))

    def sse(potential: float) -> float:
        return _cooperative_supply(y, n, potential * factor, settings)[1]

    grid = start * np.linspace(0.8, 2.5, 35)
    errors = [sse(float(v)) for v in grid]
    best = int(np.argmin(errors))
    low, high = float(grid[max(best - 1, 0)]), float(grid[min(best + 1, grid.size - 1)])
    found = minimize_scalar(sse, bounds=(low, high), method="bounded", options={"xatol": 0.01})
    return float(found.x) if found.fun <= errors[best] else float(grid[best])


def _fit_soil_supply(
    y: FloatArray,
    n: FloatArray,
    attainable: FloatArray,
    field_codes: NDArray[np.int64],
    n_fields: int,
    settings: NitrogenSettings,
) -> tuple[float, FloatArray, float]:
    """S̄, the fields' deviations δ_f and the RMSE (t/ha) of y = P G((S̄ + δ_f + r N) / P)."""

    def predicted(mean_supply: float, deviations: FloatArray) -> FloatArray:
        return response_yield(n, mean_supply + deviations[field_codes], attainable, settings)

    # The cooperative's S̄ alone first: its residuals give the yield noise the ridge is scaled to.
    first_supply, first_sse = _cooperative_supply(y, n, attainable, settings)
    noise = max(float(np.sqrt(first_sse / len(y))), 0.05)
    weight = noise / settings.field_soil_supply_sd_kg_ha

    def residuals(p: FloatArray) -> FloatArray:
        return np.concatenate([predicted(float(p[0]), p[1:]) - y, weight * p[1:]])

    sparsity = lil_matrix((len(y) + n_fields, 1 + n_fields), dtype=np.int8)
    sparsity[: len(y), 0] = 1
    sparsity[np.arange(len(y)), 1 + field_codes] = 1
    sparsity[len(y) + np.arange(n_fields), 1 + np.arange(n_fields)] = 1
    start = np.concatenate([[first_supply], np.zeros(n_fields)])
    fit = least_squares(
        residuals,
        start,
        jac_sparsity=sparsity,
        bounds=(
            np.concatenate([[0.0], np.full(n_fields, -300.0)]),
            np.concatenate([[600.0], np.full(n_fields, 300.0)]),
        ),
    )
    rmse = float(np.sqrt(np.mean(fit.fun[: len(y)] ** 2)))
    deviations: FloatArray = fit.x[1:]
    return float(fit.x[0]), deviations, rmse


@dataclass(frozen=True)
class NitrogenModel:
    """What N advice needs besides the yield model: per crop, the evidence of a response and
    the calibrated response. Saved in the model registry's metadata (`to_json`)."""

    evidence: Mapping[str, ResponseEvidence]
    responses: Mapping[str, CropNitrogenResponse]

    def supported(self, crop: str) -> bool:
        found = self.evidence.get(crop)
        return bool(found is not None and found.supported)

    def apply_to(self, model: YieldModel) -> YieldModel:
        """`model` with each crop's `n_response_supported` set from this evidence."""
        crops = {
            name: replace(crop_model, n_response_supported=self.supported(name))
            for name, crop_model in model.crops.items()
        }
        return replace(model, crops=crops)

    def to_json(self) -> dict[str, Any]:
        return {
            "evidence": {crop: asdict(e) for crop, e in self.evidence.items()},
            "responses": {
                crop: {**asdict(r), "field_soil_supply_kg_ha": dict(r.field_soil_supply_kg_ha)}
                for crop, r in self.responses.items()
            },
        }

    @classmethod
    def from_json(cls, payload: Mapping[str, Any] | None) -> NitrogenModel | None:
        """The model saved by `to_json` (NaN stored as null); None for metadata without one."""
        if not payload:
            return None

        def number(value: Any) -> float:
            return math.nan if value is None else float(value)

        evidence = {
            crop: ResponseEvidence(
                crop=str(e["crop"]),
                supported=bool(e["supported"]),
                reason=str(e["reason"]),
                slope_kg_grain_per_kg_n=number(e.get("slope_kg_grain_per_kg_n")),
                slope_low_kg_grain_per_kg_n=number(e.get("slope_low_kg_grain_per_kg_n")),
                slope_high_kg_grain_per_kg_n=number(e.get("slope_high_kg_grain_per_kg_n")),
                within_field_n_sd_kg_ha=number(e.get("within_field_n_sd_kg_ha")),
                permutation_p_value=number(e.get("permutation_p_value")),
                field_seasons=int(e.get("field_seasons", 0)),
                fields=int(e.get("fields", 0)),
                seasons=int(e.get("seasons", 0)),
            )
            for crop, e in payload.get("evidence", {}).items()
        }
        responses = {
            crop: CropNitrogenResponse(
                crop=str(r["crop"]),
                potential_yield_t_ha=number(r["potential_yield_t_ha"]),
                soil_supply_kg_ha=number(r["soil_supply_kg_ha"]),
                field_soil_supply_kg_ha={
                    str(k): number(v) for k, v in r["field_soil_supply_kg_ha"].items()
                },
                ky=number(r["ky"]),
                season_days=number(r["season_days"]),
                field_seasons=int(r["field_seasons"]),
                rmse_t_ha=number(r["rmse_t_ha"]),
                crop_model_reference_t_ha=number(r.get("crop_model_reference_t_ha")),
            )
            for crop, r in payload.get("responses", {}).items()
        }
        return cls(evidence=evidence, responses=responses)


def fit_nitrogen_model(
    table: pd.DataFrame, crops: pd.DataFrame, settings: NitrogenSettings | None = None
) -> NitrogenModel:
    """Evidence and calibration per crop from a `models.yield_model.training_table` (the
    training command calls it next to `train_yield_model`)."""
    settings = settings or NitrogenSettings()
    history = nitrogen_history(table)
    evidence = nitrogen_response_evidence(history, settings)
    responsive = [crop for crop, e in evidence.items() if e.supported]
    responses = calibrate_nitrogen_response(
        history[history["crop"].isin(responsive)], crops, settings
    )
    return NitrogenModel(evidence=evidence, responses=responses)


# --------------------------------------------------------------------------- the season to come


def water_outlook(
    sources: SeasonSources,
    requests: pd.DataFrame,
    season_days: Mapping[str, float],
    params: WaterBalanceParameters | None = None,
    years: int = 10,
) -> pd.DataFrame:
    """ETa/ETc of the whole season for each request (field_id, season, as_of) and ensemble
    member: the FAO-56 balance over the season so far, then on over the weather of each of the
    last `years` years at the field's station, to sowing + `season_days` of its crop.

    Nothing dated after as_of is used: observed weather, operations and probe readings are cut
    there, and a member's weather after as_of is its station's weather one or more whole years
    (365 days each) earlier. A member counts only where that weather is complete. Returns
    field_id, season, member (years back) and water_ratio; requests of crops without a season
    length get no rows.
    """
    columns = ["field_id", "season", "member", "water_ratio"]
    parts = []
    requests = requests[["field_id", "season", "as_of"]].assign(
        as_of=lambda r: pd.to_datetime(r["as_of"]), season=lambda r: r["season"].astype(np.int64)
    )
    seasons = sources.seasons.astype({"season": np.int64})
    for as_of, group in requests.groupby("as_of"):
        day = pd.Timestamp(as_of)  # type: ignore[arg-type]
        rows = group.merge(
            seasons[["field_id", "season", "crop", "sowing_date"]], on=["field_id", "season"]
        )
        rows = rows.assign(days=rows["crop"].map(season_days)).dropna(subset=["days"])
        if rows.empty:
            continue
        station_of = sources.fields.set_index("field_id")["station_id"]
        end = rows["sowing_date"] + pd.to_timedelta(rows["days"].round(), unit="D")
        rows = rows.assign(
            station_id=rows["field_id"].map(station_of).to_numpy(), end=end.where(end > day, day)
        )
        ensemble = _outlook_members(sources, rows, day, years)
        if ensemble is None:
            continue
        pseudo, pseudo_requests = ensemble
        inputs = season_inputs(pseudo, pseudo_requests)
        balance = season_water_balance(inputs, params)
        active = np.arange(inputs.sizes["day"])[None, :] < inputs["n_days"].to_numpy()[:, None]
        eta = np.nansum(np.where(active, balance["etc_adj_mm"].to_numpy(), 0.0), axis=1)
        etc = np.nansum(np.where(active, balance["etc_mm"].to_numpy(), 0.0), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(etc > 0, eta / etc, np.nan)
        ids = pseudo_requests["field_id"].str.rsplit(MEMBER_MARK, n=1)
        parts.append(
            pd.DataFrame(
                {
                    "field_id": ids.str[0].to_numpy(),
                    "season": pseudo_requests["season"].to_numpy(np.int64),
                    "member": ids.str[1].astype(np.int64).to_numpy(),
                    "water_ratio": ratio,
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]


def _outlook_members(
    sources: SeasonSources, rows: pd.DataFrame, day: pd.Timestamp, years: int
) -> tuple[SeasonSources, pd.DataFrame] | None:
    """Sources and requests with one pseudo field per request and member, whose pseudo station
    holds the observed weather up to `day` and a past year's weather after it."""
    stations = pd.unique(rows["station_id"])
    weather = sources.weather[sources.weather["station_id"].isin(stations)]
    weather = weather[weather[list(REQUIRED_WEATHER)].notna().all(axis=1)]
    observed = weather[(weather["date"] >= rows["sowing_date"].min()) & (weather["date"] <= day)]
    station_end = rows.groupby("station_id")["end"].max()
    ids = rows["field_id"].unique()
    fields = sources.fields[sources.fields["field_id"].isin(ids)]
    seasons = sources.seasons.astype({"season": np.int64}).merge(
        rows[["field_id", "season"]], on=["field_id", "season"]
    )
    operations = sources.operations[
        sources.operations["field_id"].isin(ids) & (sources.operations["date"] <= day)
    ]
    sensors = sources.sensors[
        sources.sensors["field_id"].isin(ids) & (sources.sensors["date"] <= day)
    ]
    parts: dict[str, list[pd.DataFrame]] = {
        name: [] for name in ("weather", "fields", "seasons", "operations", "sensors", "requests")
    }
    for member in range(1, years + 1):
        shift = pd.Timedelta(days=365 * member)
        past = weather[
            (weather["date"] > day - shift) & (weather["date"] <= station_end.max() - shift)
        ]
        past = past.assign(date=past["date"] + shift)
        past = past[past["date"] <= past["station_id"].map(station_end)]
        needed = (station_end - day).dt.days
        have = past.groupby("station_id").size().reindex(station_end.index, fill_value=0)
        complete = set(station_end.index[have >= needed])
        if not complete:
            continue
        mark = f"{MEMBER_MARK}{member}"
        member_weather = pd.concat([observed, past], ignore_index=True)
        member_weather = member_weather[member_weather["station_id"].isin(complete)]
        parts["weather"].append(
            member_weather.assign(station_id=member_weather["station_id"] + mark)
        )
        member_fields = fields[fields["station_id"].isin(complete)]
        kept = set(member_fields["field_id"])
        parts["fields"].append(
            member_fields.assign(
                field_id=member_fields["field_id"] + mark,
                station_id=member_fields["station_id"] + mark,
            )
        )
        for name, frame in (("seasons", seasons), ("operations", operations), ("sensors", sensors)):
            frame = frame[frame["field_id"].isin(kept)]
            parts[name].append(frame.assign(field_id=frame["field_id"] + mark))
        member_rows = rows[rows["field_id"].isin(kept)]
        parts["requests"].append(
            pd.DataFrame(
                {
                    "field_id": member_rows["field_id"] + mark,
                    "season": member_rows["season"].to_numpy(np.int64),
                    "as_of": member_rows["end"].to_numpy(),
                }
            )
        )
    if not parts["requests"]:
        return None
    pseudo = replace(
        sources,
        weather=pd.concat(parts["weather"], ignore_index=True),
        fields=pd.concat(parts["fields"], ignore_index=True),
        seasons=pd.concat(parts["seasons"], ignore_index=True),
        operations=pd.concat(parts["operations"], ignore_index=True),
        sensors=pd.concat(parts["sensors"], ignore_index=True),
        satellite=sources.satellite.iloc[0:0],
    )
    return pseudo, pd.concat(parts["requests"], ignore_index=True)


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


# --------------------------------------------------------------------------- the recommendation


def _crop_column(crop_table: pd.DataFrame, name: str, crop: pd.Series, default: pd.Series) -> Any:
    """The crop table's `name` per row, `default` where the column or the value is missing."""
    if name not in crop_table:
        return default.to_numpy(np.float64)
    values = crop.map(crop_table[name]).astype(np.float64)
    return values.fillna(default).to_numpy(np.float64)


def season_water_members(
    features: pd.DataFrame, outlook: pd.DataFrame | None
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """ETa/ETc per feature row (rows × members) from `water_outlook` rows, and per row whether
    it had an outlook; a row without one keeps its season so far (eta / (eta + deficit))."""
    keys = pd.MultiIndex.from_arrays(
        [features["field_id"].astype(str), features["season"].astype(np.int64)]
    )
    if outlook is not None and not outlook.empty:
        table = outlook.pivot_table(
            index=["field_id", "season"], columns="member", values="water_ratio"
        )
        members = table.reindex(keys).to_numpy(np.float64)
    else:
        members = np.full((len(features), 1), np.nan)
    has_outlook = np.isfinite(members).any(axis=1)
    eta = features["eta_sum_mm"] if "eta_sum_mm" in features else pd.Series(np.nan, features.index)
    deficit = (
        features["et_deficit_sum_mm"]
        if "et_deficit_sum_mm" in features
        else pd.Series(np.nan, features.index)
    )
    so_far = (eta / (eta + deficit)).to_numpy(np.float64)
    so_far = np.where(np.isfinite(so_far), so_far, 1.0)
    members = np.where(has_outlook[:, None], members, np.nan)
    members[~has_outlook, 0] = so_far[~has_outlook]
    return members, has_outlook


def crop_model_member_yields(features: pd.DataFrame, members: pd.DataFrame | None) -> FloatArray:
    """The crop model's member yields per feature row (rows × members; NaN where none)."""
    if members is None or members.empty:
        return np.full((len(features), 1), np.nan)
    keys = pd.MultiIndex.from_arrays(
        [features["field_id"].astype(str), features["season"].astype(np.int64)]
    )
    table = members.assign(
        field_id=members["field_id"].astype(str), season=members["season"].astype(np.int64)
    ).pivot_table(index=["field_id", "season"], columns="member", values="yield_t_ha")
    return table.reindex(keys).to_numpy(np.float64)


def _pad(values: FloatArray, width: int) -> FloatArray:
    if values.shape[1] >= width:
        return values
    pad = np.full((values.shape[0], width - values.shape[1]), np.nan)
    return np.concatenate([values, pad], axis=1)


def recommend_nitrogen(
    model: YieldModel,
    features: pd.DataFrame,
    crops: pd.DataFrame,
    settings: NitrogenSettings,
    nitrogen: NitrogenModel | None = None,
    outlook: pd.DataFrame | None = None,
    crop_model_members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """N advice per in-season feature row (same index), from the calibrated response of
    `nitrogen` and the water `outlook` (`water_outlook`) of each row's field-season. For a
    crop calibrated on the crop model, the members are the crop model's outlook instead
    (`crop_model_members`: field_id, season, member, yield_t_ha, the water-limited final yield
    of each past year's weather after the as-of date); a row without one falls back to the
    FAO-56 outlook.

    `features` hold field_id, season, crop, thermal time, the N applied so far and the number of
    applications (`n_applications_count`). `crops` is the crop table (grain_price_eur_t,
    n_max_kg_ha, n_last_useful_progress, n_max_single_dose_kg_ha, n_splits). Returns
    n_rate_now_kg_ha, n_later_kg_ha, n_total_recommended_kg_ha (applied + now + later),
    n_expected_gain_t_ha (yield gain of the dose now against no more N, on the expected
    response), n_expected_gain_total_t_ha (of now and later), n_applied_kg_ha, n_cap_kg_ha,
    n_response_supported, n_status (why: `N_ADVISED`, ...), n_attainable_yield_t_ha (mean
    P over the members), season_progress, n_last_useful_progress and
    marginal_return_eur_per_kg_n. Rows of a crop without a yield model get NaN rates.
    """
    crop_table = crops.set_index("crop_id")
    crop = features["crop"].astype(str).reset_index(drop=True)
    n_rows = len(features)
    n_max = crop.map(crop_table["n_max_kg_ha"]).astype(np.float64).to_numpy()
    cap = n_max if settings.n_cap_kg_ha is None else np.minimum(n_max, settings.n_cap_kg_ha)
    cap = np.nan_to_num(cap, nan=0.0)
    price = crop.map(crop_table["grain_price_eur_t"]).astype(np.float64).to_numpy()
    last_useful = _crop_column(
        crop_table, "n_last_useful_progress", crop, pd.Series(0.5, crop.index)
    )
    max_dose = _crop_column(crop_table, "n_max_single_dose_kg_ha", crop, pd.Series(n_max))
    splits = _crop_column(crop_table, "n_splits", crop, pd.Series(1.0, crop.index))
    applied = features[N_TO_DATE].fillna(0.0).to_numpy(np.float64)
    doses_done = (
        features["n_applications_count"].fillna(0.0).to_numpy(np.float64)
        if "n_applications_count" in features
        else (applied > 0).astype(np.float64)
    )

    has_model = crop.isin(list(model.crops)).to_numpy()
    harvest_tt = crop.map(
        {name: m.harvest_thermal_time_degc_d for name, m in model.crops.items()}
    ).astype(np.float64)
    progress = (features[THERMAL_TIME].reset_index(drop=True) / harvest_tt).to_numpy(np.float64)
    if nitrogen is not None:
        supported = crop.map(nitrogen.supported).to_numpy(bool)
    else:
        supported = (
            crop.map({name: m.n_response_supported for name, m in model.crops.items()})
            .eq(True)
            .to_numpy()
        )

    members, _ = season_water_members(features.reset_index(drop=True), outlook)
    simulated = crop_model_member_yields(features.reset_index(drop=True), crop_model_members)
    headroom = float(np.max(np.maximum(cap - applied, 0.0), initial=0.0))
    rates = np.arange(0.0, headroom + settings.step_kg_ha / 2, settings.step_kg_ha)
    yields = np.full((n_rows, rates.size), np.nan)
    attainable_mean = np.full(n_rows, np.nan)
    calibrated = np.zeros(n_rows, dtype=bool)
    responses = nitrogen.responses if nitrogen is not None else {}
    for name, response in responses.items():
        mask = (crop == name).to_numpy() & has_model
        if not mask.any():
            continue
        calibrated |= mask
        supply = response.soil_supply(list(features["field_id"].astype(str).to_numpy()[mask]))
        factor = water_factor(members[mask], response.ky)
        if response.uses_crop_model:
            from_model = crop_model_factor(simulated[mask], response.crop_model_reference_t_ha)
            has: NDArray[np.bool_] = np.asarray(np.isfinite(simulated[mask]).any(axis=1))
            width = max(factor.shape[1], from_model.shape[1])
            factor = np.where(has[:, None], _pad(from_model, width), _pad(factor, width))
        attainable = response.potential_yield_t_ha * factor
        attainable_mean[mask] = np.nanmean(attainable, axis=1)
        totals = applied[mask][:, None, None] + rates[None, None, :]
        curves = response_yield(
            totals, supply[:, None, None], attainable[:, :, None], settings
        )  # rows × members × rates; members without weather are NaN
        yields[mask] = np.nanmean(curves, axis=1)
    # Crops with a yield model but no calibrated response: a flat curve (no N pays).
    flat = has_model & ~calibrated
    yields[flat] = 0.0
    optimum = economic_optimum(rates, yields, applied, price, settings.n_price_eur_per_kg_n, cap)
    best = np.nan_to_num(optimum["n_rate_now_kg_ha"].to_numpy(np.float64), nan=0.0)

    status = np.where(best > 0, N_ADVISED, N_NOT_WORTH).astype(object)
    status[(best <= 0) & (applied >= cap - 1e-6)] = N_AT_CAP
    past = np.isfinite(progress) & (progress >= last_useful)
    status[past] = N_PAST_LAST_STAGE
    status[~calibrated] = N_NO_CALIBRATION
    status[~supported] = N_NO_RESPONSE
    status[~has_model] = N_NO_MODEL
    best = np.where(status == N_ADVISED, best, 0.0)

    doses_left = np.maximum(np.nan_to_num(splits, nan=1.0) - doses_done, 1.0)
    step = settings.step_kg_ha
    now = np.ceil(best / doses_left / step - 1e-9) * step
    now = np.minimum(np.minimum(now, best), np.nan_to_num(max_dose, nan=np.inf))
    later = best - now
    curve_at = _interpolate_rows(rates, yields)
    gain_now = curve_at(now) - yields[:, 0]
    gain_total = curve_at(best) - yields[:, 0]
    result = pd.DataFrame(
        {
            "n_rate_now_kg_ha": now,
            "n_later_kg_ha": later,
            "n_total_recommended_kg_ha": applied + best,
            "n_expected_gain_t_ha": np.where(best > 0, gain_now, 0.0),
            "n_expected_gain_total_t_ha": np.where(best > 0, gain_total, 0.0),
            "n_applied_kg_ha": applied,
            "n_cap_kg_ha": cap,
            "n_response_supported": supported,
            "n_status": status,
            "n_attainable_yield_t_ha": attainable_mean,
            "season_progress": progress,
            "n_last_useful_progress": last_useful,
            "marginal_return_eur_per_kg_n": np.where(
                status == N_ADVISED, optimum["marginal_return_eur_per_kg_n"], np.nan
            ),
        }
    )
    no_model = ~has_model
    for column in (
        "n_rate_now_kg_ha",
        "n_later_kg_ha",
        "n_total_recommended_kg_ha",
        "n_expected_gain_t_ha",
        "n_expected_gain_total_t_ha",
    ):
        result.loc[no_model, column] = np.nan
    result.index = features.index
    return result


def _interpolate_rows(rates: FloatArray, yields: FloatArray) -> Any:
    """A function giving each row's yield at its own rate, linear between grid points."""

    def at(values: FloatArray) -> FloatArray:
        position = np.clip(np.asarray(values, dtype=np.float64), rates[0], rates[-1])
        upper = np.clip(np.searchsorted(rates, position, side="left"), 1, max(rates.size - 1, 1))
        lower = upper - 1
        if rates.size == 1:
            return yields[:, 0].copy()
        rows = np.arange(yields.shape[0])
        width = rates[upper] - rates[lower]
        share = np.where(width > 0, (position - rates[lower]) / width, 0.0)
        result: FloatArray = yields[rows, lower] + share * (
            yields[rows, upper] - yields[rows, lower]
        )
        return result

    return at


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
