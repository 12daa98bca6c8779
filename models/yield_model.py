"""Yield forecasts from in-season features: LightGBM per crop, leave-one-season-out skill against
naive baselines, and prediction intervals calibrated on held-out seasons.

What is trained, per crop (a crop is a value of the `crop` column, never a code path):

- the **yield model**: `yield_t_ha` (converted to the crop's standard moisture) from the
  features of `pipelines.agronomy.features` at many `as_of` dates of each past season (every
  `every_days`
  days after sowing and at harvest), so one model forecasts at any point of a season. Nitrogen
  and irrigation *to date* are inputs with a monotone constraint (more never lowers the
  prediction);
- the **nitrogen response model**: the same, but with the season's *total* nitrogen
  (`n_season_total_kg_ha`, the decision a recommendation is about) in place of the nitrogen
  applied to date, also monotone. `models.nitrogen` evaluates it over a grid of rates, for crops
  where shuffling N on held-out seasons shows that N carries information
  (`n_response_importance_pct`).

Why these features and not all of `FEATURE_COLUMNS`: the sample cooperative has 8 seasons, and
every field of a season shares its station's weather, so stage-by-stage weather windows (rain,
ETo, degree days, heat and frost days per FAO-56 stage) identify the season rather than describe
it: with them, leave-one-season-out error rose above the naive baseline for maize. We keep the
integrating, physiologically signed quantities (crop water use and deficit from the FAO-56
balance, thermal time, canopy indices, inputs, soil) and give the signed ones a monotone
constraint, which regularises extrapolation to an unseen season. `season_year` is left out: trees
cannot extrapolate a trend, and the year is only an identifier to them.

How skill is measured (the bar of issue 7, after the CY-Bench benchmark in ESSD):
leave-one-season-out cross-validation (LOSO): for each season, train on all other seasons and
forecast the held-out one. Two baselines, fitted on the same training seasons: the field's mean
yield of that crop, and a linear trend in the season year per field. Metrics per crop and
forecast point: RMSE, nRMSE (RMSE / mean observed yield), R² and the skill score
1 − RMSE_model / RMSE_baseline (= the relative reduction of nRMSE). Forecast points are fractions
of the season's thermal time (degree days since sowing over the crop's median degree days at
harvest): 25 %, 50 % ("mid-season") and 75 %, plus the end-of-season row at harvest. Thermal
time, not calendar days, because a winter crop's first half is winter.

Intervals: conformal on held-out residuals (Vovk et al. 2005; Lei et al. 2018, JASA
113:1094), blocked by season. The 80 % quantile of the absolute LOSO residuals |y − ŷ|, per crop
and thermal-time bucket (errors shrink as the season advances), each held-out season weighing
the same (`season_pooled_quantile`: the fields of a season miss together, so rows are not
exchangeable), is subtracted from and added to the P50 to give the P10 and P90. The coverage
reported for a held-out season uses only the residuals of the other seasons (the CV+
construction of Barber et al. 2021, Ann. Stat. 49:486), averaged over the seasons.

The honest fallback: per crop and bucket, the model is served only where its LOSO skill against
the field-mean baseline at that bucket's forecast point reaches `min_skill_vs_field_mean`;
elsewhere `predict_yield` serves the field's own past mean yield with an interval from the
baseline's held-out errors, and says so (`yield_source`). LOSO refits the models without the
held-out season in the other seasons' past mean yields (`past_mean_without_season`).
Leave-farm-out (`leave_one_farm_out`) measures how the model carries over to fields it never
saw.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

TARGET = "yield_t_ha"
N_TO_DATE = "n_applied_kg_ha"
N_SEASON_TOTAL = "n_season_total_kg_ha"
IRRIGATION_TO_DATE = "irrigation_applied_mm"
THERMAL_TIME = "gdd_to_date_degc_d"
HARVEST_POINT = "harvest"
# What a yield forecast comes from (`predict_yield`'s `yield_source`).
SOURCE_MODEL = "model"
SOURCE_FIELD_MEAN = "field mean"

# The crop model's state of the field-season at the as-of date (WOFOST, water-limited, from
# observed weather only: `pipelines.agronomy.crop_indicators.STATE_FEATURES`); NaN for a crop
# without a crop model.
CROP_MODEL_FEATURES: tuple[str, ...] = (
    "cm_dvs",
    "cm_lai",
    "cm_tagp_t_ha",
    "cm_twso_t_ha",
    "cm_transpiration_ratio",
)
# The model's inputs (see the module docstring for why these).
YIELD_FEATURES: tuple[str, ...] = (
    "days_after_sowing_d",
    THERMAL_TIME,
    "eta_sum_mm",
    "et_deficit_sum_mm",
    "ks_mean",
    "ks_below_1_d",
    "dr_last_mm",
    "depletion_fraction_last",
    "ndvi_latest_index",
    "ndvi_peak_index",
    "ndvi_integral_index_d",
    "ndvi_anomaly_index",
    "ndre_latest_index",
    "ndre_peak_index",
    "ndre_integral_index_d",
    "ndre_anomaly_index",
    N_TO_DATE,
    IRRIGATION_TO_DATE,
    "irrigated_flag",
    "past_mean_yield_t_ha",
    "taw_max_mm",
    "sand_pct",
    "clay_pct",
    "soc_pct",
    *CROP_MODEL_FEATURES,
)
RESPONSE_FEATURES: tuple[str, ...] = tuple(
    N_SEASON_TOTAL if name == N_TO_DATE else name for name in YIELD_FEATURES
)

# +1: more never lowers the prediction; −1: more never raises it. Nitrogen and irrigation are the
# issue's requirement; the others follow crop physiology: transpiration and green canopy go with
# biomass (yield ∝ transpiration, de Wit 1958; FAO-33 Ky), water stress against it, and a field's
# past yield and water-holding capacity for it.
MONOTONE_SIGNS: Mapping[str, int] = {
    N_TO_DATE: 1,
    N_SEASON_TOTAL: 1,
    IRRIGATION_TO_DATE: 1,
    "eta_sum_mm": 1,
    "et_deficit_sum_mm": -1,
    "ks_mean": 1,
    "ks_below_1_d": -1,
    "ndvi_peak_index": 1,
    "ndre_peak_index": 1,
    "ndvi_anomaly_index": 1,
    "ndre_anomaly_index": 1,
    "past_mean_yield_t_ha": 1,
    "taw_max_mm": 1,
    "soc_pct": 1,
    "cm_tagp_t_ha": 1,
    "cm_twso_t_ha": 1,
    "cm_transpiration_ratio": 1,
}

FloatArray = NDArray[np.float64]
Fit = Callable[[pd.DataFrame, pd.Series, Sequence[str], "YieldModelSettings"], lgb.Booster]


@dataclass(frozen=True)
class YieldModelSettings:
    """Training settings. The defaults were chosen by leave-one-season-out error on the sample
    cooperative's harvested seasons (never on its truth set): small trees, many rows per leaf and
    strong L2, because the information about seasons is 8 seasons, not 10,000 rows.

    `num_threads` is 1 by default: on a shared 2-core machine LightGBM's OpenMP threads spin
    against other work and train slower than one thread.
    """

    every_days: int = 14
    num_boost_round: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_data_in_leaf: int = 100
    lambda_l2: float = 10.0
    feature_fraction: float = 0.7
    bagging_fraction: float = 0.8
    seed: int = 20261126
    num_threads: int = 1
    interval_coverage: float = 0.8
    # Upper edges of the thermal-time buckets the intervals are calibrated in (the last bucket is
    # open-ended); each forecast point sits in the middle of one.
    progress_edges: tuple[float, ...] = (0.375, 0.625, 0.875)
    forecast_points: tuple[float, ...] = (0.25, 0.5, 0.75)
    # A season counts at a forecast point when one of its rows is this close in thermal fraction.
    point_tolerance: float = 0.1
    # N advice for a crop needs held-out evidence that N matters: shuffling the season N totals
    # among a held-out season's fields must raise the N response model's RMSE by at least this
    # much (mean of `n_shuffles` shuffles). In the sample cooperative wheat, whose simulated
    # yields respond to N, scored +27.5 %; maize, whose simulated yields do not, −0.7 %.
    n_response_min_importance_pct: float = 0.5
    n_shuffles: int = 3
    # The model is served for a crop and thermal-time bucket only where its held-out skill
    # against the field-mean baseline at that bucket's forecast point, 1 − RMSE_model /
    # RMSE_field_mean in leave-one-season-out, is at least this; elsewhere the field's own mean
    # yield is served with the empirical interval of that baseline. 0.15 is the target
    # ("nRMSE at least 15 % below the field-mean baseline, or the honest fallback served").
    min_skill_vs_field_mean: float = 0.15
    # Thermal-progress edges of the stages whose training medians the drivers compare a value
    # with: "low NDVI peak" means low for this point of the season, not for the whole season.
    median_progress_edges: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)

    def __post_init__(self) -> None:
        if not 0.0 < self.interval_coverage < 1.0:
            raise ValueError("interval_coverage is a fraction, e.g. 0.8 for an 80 % interval")
        if self.every_days < 1 or self.num_boost_round < 1:
            raise ValueError("every_days and num_boost_round must be at least 1")
        for name in ("progress_edges", "median_progress_edges"):
            edges = list(getattr(self, name))
            if edges != sorted(edges):
                raise ValueError(f"{name} must be increasing")

    def lightgbm_params(self, features: Sequence[str]) -> dict[str, Any]:
        return {
            "objective": "regression",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "lambda_l2": self.lambda_l2,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1,
            "monotone_constraints": [MONOTONE_SIGNS.get(name, 0) for name in features],
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.num_threads,
            "verbosity": -1,
        }


@dataclass(frozen=True)
class CropModel:
    """The trained models of one crop and what prediction needs besides them."""

    crop: str
    yield_booster: lgb.Booster
    response_booster: lgb.Booster
    harvest_thermal_time_degc_d: float
    # Per thermal-time bucket (len(progress_edges) + 1): residual quantiles (lower, upper), t/ha.
    interval_offsets: tuple[tuple[float, float], ...]
    feature_medians: Mapping[str, float]
    training_rows: int
    training_seasons: tuple[int, ...]
    # Held-out evidence that N matters for this crop (`n_response_importance_pct`); without it,
    # `models.nitrogen` recommends no more N.
    n_response_importance_pct: float = math.nan
    n_response_supported: bool = True
    # Per thermal-time bucket: whether the model earned its place (held-out skill against the
    # field-mean baseline at least `min_skill_vs_field_mean`), and that skill. None: a model
    # saved before the fallback existed, with no skill information; it serves the model.
    model_skilled: tuple[bool, ...] | None = None
    skill_vs_field_mean: tuple[float, ...] = ()
    # Where the model is not skilled: the field's own past mean yield (the crop's cooperative
    # mean for a field without one) with these offsets (P10, P90), t/ha, from the field-mean
    # baseline's held-out errors (`field_mean_offsets`).
    field_mean_offsets: tuple[float, float] = (math.nan, math.nan)
    cooperative_mean_yield_t_ha: float = math.nan
    # Per stage of `median_progress_edges` (len + 1): the training rows' feature medians; empty
    # for older models, whose drivers compare with `feature_medians`.
    feature_medians_by_progress: tuple[Mapping[str, float], ...] = ()


@dataclass(frozen=True)
class YieldModel:
    """Per-crop models with their settings and provenance (saved by `models.registry`)."""

    crops: Mapping[str, CropModel]
    settings: YieldModelSettings
    training_data_sha256: str
    last_harvest_date: pd.Timestamp
    features: tuple[str, ...] = YIELD_FEATURES
    response_features: tuple[str, ...] = RESPONSE_FEATURES
    skill: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The same table from leave-farm-out (train on the other farms, forecast the held-out one);
    # empty when the training had no farms or only one.
    skill_leave_farm_out: pd.DataFrame = field(default_factory=pd.DataFrame)


# --------------------------------------------------------------------------- training data


def season_nitrogen_totals(operations: pd.DataFrame) -> pd.Series:
    """Total nitrogen (kg N/ha) per (field_id, season) over all of the season's applications."""
    nitrogen = operations[operations["operation"] == "nitrogen"].dropna(subset=["season"])
    amount = nitrogen["amount"].astype(np.float64)
    totals = amount.groupby([nitrogen["field_id"], nitrogen["season"].astype(np.int64)]).sum()
    return totals.rename(N_SEASON_TOTAL).rename_axis(["field_id", "season"])


def standard_moisture_yield(
    yield_t_ha: pd.Series, moisture_pct: pd.Series, standard_pct: pd.Series
) -> pd.Series:
    """Yield converted to the standard moisture: y (100 − m) / (100 − m_std), the same dry
    matter at another water content. Where either moisture is unknown the yield is kept."""
    factor = (100.0 - moisture_pct) / (100.0 - standard_pct)
    return (yield_t_ha * factor).where(factor.notna(), yield_t_ha)


def with_crop_model_columns(features: pd.DataFrame) -> pd.DataFrame:
    """`features` with the `CROP_MODEL_FEATURES` it lacks added as NaN (no crop-model run)."""
    missing = [name for name in CROP_MODEL_FEATURES if name not in features]
    if not missing:
        return features
    return features.assign(**{name: np.nan for name in missing})


def training_table(
    features: pd.DataFrame,
    seasons: pd.DataFrame,
    operations: pd.DataFrame,
    crops: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Feature rows of harvested seasons with a yield, with the target and the season's N total.

    `features` is `pipelines.agronomy.features.build_features` output (index field_id, season,
    as_of).
    Rows of seasons still in progress, or without a yield, are dropped. With the crop table
    (`crops`, with `yield_moisture_pct` per crop_id), yields recorded at another moisture
    (`seasons.yield_moisture_pct`) are converted to the crop's standard moisture, so the model
    learns and forecasts on one basis. Raises ValueError if a row's as_of lies after its
    harvest: such a row would describe a finished season as if it were in progress.
    """
    rows = with_crop_model_columns(features.reset_index())
    known = seasons.loc[seasons[TARGET].notna()].astype({"season": np.int64})
    if crops is not None and "yield_moisture_pct" in known:
        standard = known["crop"].map(crops.set_index("crop_id")["yield_moisture_pct"])
        known = known.assign(
            **{
                TARGET: standard_moisture_yield(
                    known[TARGET], known["yield_moisture_pct"], standard
                )
            }
        )
    known = known[["field_id", "season", "harvest_date", TARGET]]
    rows = rows.astype({"season": np.int64}).merge(known, on=["field_id", "season"], how="inner")
    late = rows["as_of"] > rows["harvest_date"]
    if late.any():
        first = rows.loc[late].iloc[0]
        raise ValueError(
            f"{int(late.sum())} training row(s) have as_of after the harvest, e.g. field "
            f"'{first['field_id']}' season {first['season']} as of {first['as_of']:%Y-%m-%d}; "
            "request as_of dates from sowing to harvest "
            "(pipelines.agronomy.season_grid.season_requests)"
        )
    totals = season_nitrogen_totals(operations)
    rows = rows.merge(totals.reset_index(), on=["field_id", "season"], how="left")
    rows[N_SEASON_TOTAL] = rows[N_SEASON_TOTAL].astype(np.float64).fillna(0.0)
    return rows.sort_values(["crop", "field_id", "season", "as_of"], ignore_index=True)


def table_sha256(table: pd.DataFrame) -> str:
    """Content hash of a training table (values, column names and order)."""
    digest = hashlib.sha256()
    digest.update("\0".join(map(str, table.columns)).encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- fitting


def fit_booster(
    x: pd.DataFrame, y: pd.Series, features: Sequence[str], settings: YieldModelSettings
) -> lgb.Booster:
    """A LightGBM regression of y on `features` of x with the monotone constraints."""
    data = lgb.Dataset(
        x[list(features)].to_numpy(np.float64),
        label=y.to_numpy(np.float64),
        feature_name=list(features),
        free_raw_data=True,
    )
    return lgb.train(
        settings.lightgbm_params(features), data, num_boost_round=settings.num_boost_round
    )


def predict_booster(booster: lgb.Booster, x: pd.DataFrame) -> FloatArray:
    names = booster.feature_name()
    values: FloatArray = np.asarray(
        booster.predict(x[names].to_numpy(np.float64)), dtype=np.float64
    )
    return values


def thermal_progress(features: pd.DataFrame, harvest_thermal_time_degc_d: float) -> pd.Series:
    """Share of the crop's typical season thermal time reached by each row (0 at sowing)."""
    return features[THERMAL_TIME] / harvest_thermal_time_degc_d


def progress_bucket(progress: pd.Series | FloatArray, edges: Sequence[float]) -> NDArray[np.int64]:
    """Index of the thermal-time bucket (0 … len(edges)); rows without thermal time go to 0."""
    values = np.nan_to_num(np.asarray(progress, dtype=np.float64), nan=0.0)
    bucket: NDArray[np.int64] = np.searchsorted(np.asarray(edges), values, side="right")
    return bucket


def harvest_thermal_time(table: pd.DataFrame) -> float:
    """Median thermal time at harvest over the table's seasons (rows as of their harvest)."""
    at_harvest = table[table["as_of"] == table["harvest_date"]]
    values = at_harvest[THERMAL_TIME].dropna()
    if values.empty:  # no end-of-season rows: the latest row of each season stands in
        values = table.groupby(["field_id", "season"])[THERMAL_TIME].max().dropna()
    if values.empty or float(values.median()) <= 0:
        raise ValueError("no thermal time in the training rows: are weather data missing?")
    return float(values.median())


def season_pooled_quantile(values: FloatArray, seasons: NDArray[Any] | None, level: float) -> float:
    """The `level` quantile of `values` (NaN ignored) with every season weighing the same.

    The fields of a season share its weather and miss together, so held-out residuals are not
    exchangeable row by row: counted by rows, a season with many rows (at a stage, or with
    more fields) outweighs one with few, and the quantile follows the seasons that happened to
    be sampled most. Here each of the K seasons weighs 1/K, split evenly among its values: the
    quantile of the pooled CDF F(x) = (1/K) Σ_k F_k(x) (CDF pooling for two-layer hierarchical
    data, Dunn, Wasserman & Ramdas 2023, JASA 118:2491): the smallest value at which F reaches
    `level`. Without `seasons`, every value is exchangeable and this is the ⌈(n + 1) level⌉-th
    smallest value of split-conformal prediction (Lei et al. 2018, JASA 113:1094), the largest
    when that rank exceeds n.

    Pooling has no finite-sample guarantee; the guaranteed variant (an extra 1/(K + 1) at +∞,
    Lee, Barber & Willett 2023, arXiv:2306.06342) covered about 91 % instead of 80 % in
    leave-one-season-out on the sample cooperative, whose 7 calibration seasons make it the
    largest residual for a P90.
    """
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array)
    if not finite.any():
        return math.nan
    kept = array[finite]
    order = np.argsort(kept, kind="stable")
    if seasons is None:
        rank = min(math.ceil((kept.size + 1) * level), kept.size)
        return float(kept[order][rank - 1])
    _, codes, counts = np.unique(
        np.asarray(seasons)[finite], return_inverse=True, return_counts=True
    )
    weight = 1.0 / (counts.size * counts[codes])
    cumulative = np.cumsum(weight[order])
    # The tolerance lets weights that add up to exactly `level` reach it despite rounding.
    reached = np.flatnonzero(cumulative >= level - 1e-12)
    return float(kept[order][reached[0] if reached.size else kept.size - 1])


def conformal_offsets(
    residuals: FloatArray, coverage: float, seasons: NDArray[Any] | None = None
) -> tuple[float, float]:
    """Offsets (−q, +q) of a central `coverage` interval around the point forecast: q is the
    `season_pooled_quantile` at `coverage` of the absolute residuals, every season of
    `seasons` weighing the same (without seasons: the ⌈(n + 1) coverage⌉-th smallest absolute
    residual, split-conformal).

    Symmetric because the errors here are dominated by the season (all fields of a season miss
    together, in either direction): signed residual quantiles covered 72-79 % of held-out
    seasons, absolute ones 75-82 %, in leave-one-season-out runs on the sample cooperative.
    """
    q = season_pooled_quantile(np.abs(residuals), seasons, coverage)
    return (-q, q)


def bucket_offsets(
    residuals: FloatArray,
    bucket: NDArray[np.int64],
    n_buckets: int,
    coverage: float,
    seasons: NDArray[Any] | None = None,
) -> tuple[tuple[float, float], ...]:
    """`conformal_offsets` per bucket; a bucket without residuals borrows the nearest one."""
    own = [
        conformal_offsets(
            residuals[bucket == b], coverage, None if seasons is None else seasons[bucket == b]
        )
        for b in range(n_buckets)
    ]
    return _fill_from_nearest(own, lambda o: bool(np.isfinite(o[0])), (math.nan, math.nan))


def _fill_from_nearest(values: list[Any], known: Callable[[Any], bool], missing: Any) -> tuple:
    """Each bucket's value, or where it is not `known`, the nearest known bucket's (ties to the
    earlier one); `missing` when none is known."""
    filled = []
    for b in range(len(values)):
        order = sorted(range(len(values)), key=lambda k: (abs(k - b), k))
        filled.append(next((values[k] for k in order if known(values[k])), missing))
    return tuple(filled)


# --------------------------------------------------------------------------- baselines


def baseline_forecasts(train_seasons: pd.DataFrame, test_seasons: pd.DataFrame) -> pd.DataFrame:
    """The two naive forecasts for each (field_id, season) of `test_seasons`, from the yields of
    `train_seasons` (both one row per field-season with field_id, season, yield_t_ha).

    `field_mean`: the field's mean yield in the training seasons (CY-Bench's naive average),
    else the mean of all training seasons. `linear_trend`: per field, the least-squares line of
    yield on the season year over its training seasons, with at least 3 seasons, else the field
    mean (CY-Bench's trend baseline, with the field as the region).
    """
    overall = float(train_seasons[TARGET].mean())
    by_field = train_seasons.groupby("field_id")
    field_mean = by_field[TARGET].mean()
    stats = pd.DataFrame(
        {
            "n": by_field.size(),
            "mean_x": by_field["season"].mean(),
            "mean_y": field_mean,
        }
    )
    centred = train_seasons.assign(
        dx=train_seasons["season"] - train_seasons["field_id"].map(stats["mean_x"]),
    )
    centred = centred.assign(
        dy=centred[TARGET] - centred["field_id"].map(stats["mean_y"]),
    )
    sxx = (centred["dx"] ** 2).groupby(centred["field_id"]).sum()
    sxy = (centred["dx"] * centred["dy"]).groupby(centred["field_id"]).sum()
    slope = (sxy / sxx.where(sxx > 0)).where(stats["n"] >= 3)

    out = test_seasons[["field_id", "season"]].copy()
    mean_of_field = out["field_id"].map(field_mean)
    out["field_mean"] = mean_of_field.fillna(overall)
    trend = mean_of_field + out["field_id"].map(slope) * (
        out["season"] - out["field_id"].map(stats["mean_x"])
    )
    out["linear_trend"] = trend.fillna(out["field_mean"])
    return out


def season_out_baselines(table: pd.DataFrame) -> pd.DataFrame:
    """`baseline_forecasts` of every field-season of `table` from its other seasons: per
    (field_id, season), `field_mean` and `linear_trend` fitted on the seasons other than its
    own (the baselines of leave-one-season-out)."""
    seasons = table[["field_id", "season", TARGET]].drop_duplicates(["field_id", "season"])
    parts = []
    for _season, test_mask in season_folds(seasons["season"]):
        train = seasons.loc[~test_mask]
        if train.empty:
            continue
        parts.append(baseline_forecasts(train, seasons.loc[test_mask, ["field_id", "season"]]))
    if not parts:
        return pd.DataFrame(columns=["field_id", "season", "field_mean", "linear_trend"])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- cross-validation


def season_folds(seasons: pd.Series) -> Iterator[tuple[int, NDArray[np.bool_]]]:
    """(held-out season, mask of the rows of that season) for each season present."""
    values = seasons.to_numpy(np.int64)
    for season in np.unique(values):
        yield int(season), values == season


def past_mean_without_season(rows: pd.DataFrame, table: pd.DataFrame, season: int) -> pd.Series:
    """`past_mean_yield_t_ha` of `rows` as if `season` had never been harvested.

    The feature of a row of a later season holds its field's yield of `season` (it is the mean
    of the seasons harvested by the row's date). In a leave-one-season-out fold those rows are
    training rows, and a model fitted on them has seen the held-out season's outcome. Rows
    whose past mean took in that yield get the mean of their field's other past seasons of
    `table` (one crop's `training_table`: yields at standard moisture) harvested by the row's
    date, NaN when there is none; the other rows keep theirs.
    """
    yields = table.drop_duplicates(["field_id", "season"])[
        ["field_id", "season", "harvest_date", TARGET]
    ]
    held_harvest = yields[yields["season"] == season].set_index("field_id")["harvest_date"]
    affected = (rows["season"] > season) & (rows["field_id"].map(held_harvest) <= rows["as_of"])
    out = rows["past_mean_yield_t_ha"].astype(np.float64)
    if not affected.any():
        return out
    hit = rows.loc[affected, ["field_id", "season", "as_of"]].reset_index(names="_row")
    past = hit.merge(yields[yields["season"] != season], on="field_id", suffixes=("", "_past"))
    past = past[(past["season_past"] < past["season"]) & (past["harvest_date"] <= past["as_of"])]
    means = past.groupby("_row")[TARGET].mean()
    out.loc[affected] = means.reindex(hit["_row"]).to_numpy()
    return out


def leave_one_season_out(
    table: pd.DataFrame,
    settings: YieldModelSettings,
    fit: Fit = fit_booster,
) -> pd.DataFrame:
    """Out-of-season forecasts of every row of `table` (one crop's `training_table` rows).

    For each season the models (`fit`) see only the rows of the other seasons, with their
    past mean yields recomputed without the held-out season (`past_mean_without_season`); the
    baselines see only the other seasons too. Returns the rows' keys, observed yield, thermal
    progress, `predicted` (yield model), `field_mean`, `linear_trend`, `held_out` (the season
    left out), and for the N response model `response` (its forecast) and `response_shuffled`
    (its mean forecast over `n_shuffles` shuffles of the season N totals among the held-out
    season's fields).
    """
    harvest_tt = harvest_thermal_time(table)
    baselines = season_out_baselines(table)
    parts = []
    for season, test_mask in season_folds(table["season"]):
        train = table.loc[~test_mask]
        test = table.loc[test_mask]
        if train.empty:
            continue
        train = train.assign(past_mean_yield_t_ha=past_mean_without_season(train, table, season))
        booster = fit(train, train[TARGET], YIELD_FEATURES, settings)
        response = fit(train, train[TARGET], RESPONSE_FEATURES, settings)
        forecast = test[["field_id", "season", "as_of", "harvest_date", TARGET]].merge(
            baselines, on=["field_id", "season"], how="left"
        )
        forecast["predicted"] = predict_booster(booster, test)
        forecast["response"] = predict_booster(response, test)
        forecast["response_shuffled"] = _shuffled_n_forecast(response, test, settings, season)
        forecast["progress"] = thermal_progress(test, harvest_tt).to_numpy()
        forecast["held_out"] = season
        parts.append(forecast)
    if not parts:
        raise ValueError("leave-one-season-out needs at least two seasons with yields")
    return pd.concat(parts, ignore_index=True)


def leave_one_farm_out(
    table: pd.DataFrame,
    farm_of_field: pd.Series,
    settings: YieldModelSettings,
    fit: Fit = fit_booster,
) -> pd.DataFrame:
    """Out-of-farm forecasts of every row of `table` (one crop's `training_table` rows): for
    each farm, the yield model is fitted on the other farms' fields, all seasons, and forecasts
    the farm's fields in the same seasons. `farm_of_field` maps field_id to farm_id.

    It asks whether what the model learnt carries over to fields it never saw, the way a new
    member farm's would. The baselines are those of leave-one-season-out (each field's own
    mean and trend over its other seasons): a farm that joins brings its fields' history.
    Returns the columns of `leave_one_season_out` but the N response ones; `held_out` is the
    farm.
    """
    farms = table["field_id"].map(farm_of_field)
    if farms.isna().any():
        missing = sorted(table.loc[farms.isna(), "field_id"].unique())[:3]
        raise ValueError(f"no farm for field(s) {', '.join(map(str, missing))}")
    harvest_tt = harvest_thermal_time(table)
    baselines = season_out_baselines(table)
    parts = []
    for farm in sorted(farms.unique()):
        test_mask = (farms == farm).to_numpy()
        train = table.loc[~test_mask]
        test = table.loc[test_mask]
        if train.empty:
            continue
        booster = fit(train, train[TARGET], YIELD_FEATURES, settings)
        forecast = test[["field_id", "season", "as_of", "harvest_date", TARGET]].merge(
            baselines, on=["field_id", "season"], how="left"
        )
        forecast["predicted"] = predict_booster(booster, test)
        forecast["progress"] = thermal_progress(test, harvest_tt).to_numpy()
        forecast["held_out"] = farm
        parts.append(forecast)
    if not parts:
        raise ValueError("leave-farm-out needs at least two farms")
    return pd.concat(parts, ignore_index=True)


def _shuffled_n_forecast(
    booster: lgb.Booster, test: pd.DataFrame, settings: YieldModelSettings, season: int
) -> FloatArray:
    """The response model's mean forecast of `test` when the season N totals are shuffled among
    its field-seasons (each field-season keeps one total across its rows)."""
    rng = np.random.default_rng([settings.seed, season])
    totals = test.drop_duplicates("field_id").set_index("field_id")[N_SEASON_TOTAL]
    total = np.zeros(len(test))
    for _ in range(settings.n_shuffles):
        shuffled = pd.Series(rng.permutation(totals.to_numpy()), index=totals.index)
        moved = test.assign(**{N_SEASON_TOTAL: test["field_id"].map(shuffled).to_numpy()})
        total += predict_booster(booster, moved)
    result: FloatArray = total / settings.n_shuffles
    return result


def n_response_importance_pct(oof: pd.DataFrame) -> float:
    """How much held-out error rises when the season N totals are shuffled among the held-out
    season's fields: 100 (RMSE_shuffled / RMSE − 1), from `leave_one_season_out` output.

    Permutation importance on held-out data (Breiman 2001, Mach. Learn. 45:5; Fisher et al. 2019,
    JMLR 20:177): near zero when N carries no information about yield that holds across seasons.
    """
    observed = oof[TARGET].to_numpy(np.float64)
    rmse = float(np.sqrt(np.mean((oof["response"].to_numpy() - observed) ** 2)))
    shuffled = float(np.sqrt(np.mean((oof["response_shuffled"].to_numpy() - observed) ** 2)))
    return 100.0 * (shuffled / rmse - 1.0) if rmse > 0 else 0.0


def field_mean_offsets(oof: pd.DataFrame, coverage: float) -> tuple[float, float]:
    """The field-mean fallback's interval offsets from held-out forecasts (`oof`): the
    `conformal_offsets` of its errors, observed − field mean, one per field-season (the
    baseline does not change during a season), every season weighing the same.

    Symmetric, like the model's: the field mean misses by the season, up in one year and down
    in the next, and the signed 10th and 90th percentiles of 7 seasons' errors covered 74-75 %
    of the sample cooperative's held-out field-seasons, the absolute 80th percentile 77-79 %.
    """
    once = oof.drop_duplicates(["field_id", "season"])
    errors = (once[TARGET] - once["field_mean"]).to_numpy(np.float64)
    return conformal_offsets(errors, coverage, once["season"].to_numpy())


def held_out_intervals(oof: pd.DataFrame, settings: YieldModelSettings) -> pd.DataFrame:
    """P10/P90 of each held-out forecast from the residuals of the *other* folds only (the
    other values of `held_out`: seasons, or farms), each season weighing the same.

    `oof` is one crop's `leave_one_season_out` (or `leave_one_farm_out`) output; adds `lower`,
    `upper` and `bucket` for the model, and `field_mean_lower`, `field_mean_upper` for the
    field-mean fallback (`field_mean_offsets` of the other folds).
    """
    n_buckets = len(settings.progress_edges) + 1
    coverage = settings.interval_coverage
    bucket = progress_bucket(oof["progress"], settings.progress_edges)
    residual = (oof[TARGET] - oof["predicted"]).to_numpy(np.float64)
    seasons = oof["season"].to_numpy()
    predicted = oof["predicted"].to_numpy(np.float64)
    field_mean = oof["field_mean"].to_numpy(np.float64)
    columns = ("lower", "upper", "field_mean_lower", "field_mean_upper")
    bounds = {name: np.full(len(oof), np.nan) for name in columns}
    held = oof["held_out"].to_numpy()
    for group in pd.unique(held):
        own = held == group
        offsets = bucket_offsets(residual[~own], bucket[~own], n_buckets, coverage, seasons[~own])
        bounds["lower"][own] = predicted[own] + np.array([o[0] for o in offsets])[bucket[own]]
        bounds["upper"][own] = predicted[own] + np.array([o[1] for o in offsets])[bucket[own]]
        low, high = field_mean_offsets(oof.loc[~own], coverage)
        bounds["field_mean_lower"][own] = field_mean[own] + low
        bounds["field_mean_upper"][own] = field_mean[own] + high
    for name in ("lower", "field_mean_lower"):
        bounds[name] = np.maximum(bounds[name], 0.0)
    return oof.assign(**bounds, bucket=bucket)


def forecast_point_rows(oof: pd.DataFrame, settings: YieldModelSettings) -> pd.DataFrame:
    """One row per season and forecast point: the row nearest each thermal-time fraction (within
    `point_tolerance`), and the row as of the harvest, labelled in `point`."""
    parts = []
    for target in settings.forecast_points:
        distance = (oof["progress"] - target).abs()
        near = oof.assign(distance=distance)[distance <= settings.point_tolerance]
        best = near.sort_values("distance").drop_duplicates(["field_id", "season"])
        parts.append(best.drop(columns="distance").assign(point=f"{round(100 * target)} %"))
    at_harvest = oof[oof["as_of"] == oof["harvest_date"]]
    parts.append(at_harvest.assign(point=HARVEST_POINT))
    return pd.concat(parts, ignore_index=True)


def _scores(observed: FloatArray, predicted: FloatArray) -> tuple[float, float, float]:
    """RMSE, nRMSE (% of the mean observed) and R²."""
    error = predicted - observed
    rmse = float(np.sqrt(np.mean(error**2)))
    mean = float(np.mean(observed))
    total = float(np.sum((observed - mean) ** 2))
    r2 = 1.0 - float(np.sum(error**2)) / total if total > 0 else math.nan
    return rmse, 100.0 * rmse / mean, r2


def skill_table(points: pd.DataFrame) -> pd.DataFrame:
    """Per crop and forecast point: RMSE, nRMSE, R² of the model and both baselines, the skill
    1 − RMSE/RMSE_baseline against each, and the achieved coverage of the P10–P90 interval
    (of the model, and with `field_mean_lower`/`field_mean_upper` in `points`, of the
    field-mean fallback's empirical interval), averaged over the held-out seasons.

    `points` is `forecast_point_rows` of `held_out_intervals`, with a `crop` column.
    """
    order = {name: k for k, name in enumerate(sorted(points["point"].unique(), key=_point_key))}
    rows = []
    for (crop, point), group in points.groupby(["crop", "point"]):
        observed = group[TARGET].to_numpy(np.float64)
        row: dict[str, Any] = {
            "crop": crop,
            "forecast_point": point,
            "seasons": int(group["season"].nunique()),
            "field_seasons": len(group),
        }
        for name, column in (
            ("model", "predicted"),
            ("field_mean", "field_mean"),
            ("trend", "linear_trend"),
        ):
            rmse, nrmse, r2 = _scores(observed, group[column].to_numpy(np.float64))
            row[f"{name}_rmse_t_ha"], row[f"{name}_nrmse_pct"], row[f"{name}_r2"] = rmse, nrmse, r2
        for name in ("field_mean", "trend"):
            row[f"skill_vs_{name}"] = 1.0 - row["model_rmse_t_ha"] / row[f"{name}_rmse_t_ha"]
        row["coverage_p10_p90"] = _season_coverage(group, "lower", "upper")
        if "field_mean_lower" in group:
            row["field_mean_coverage_p10_p90"] = _season_coverage(
                group, "field_mean_lower", "field_mean_upper"
            )
        row["_order"] = order[str(point)]
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(["crop", "_order"]).drop(columns="_order")
    return table.reset_index(drop=True)


def _season_coverage(group: pd.DataFrame, lower: str, upper: str) -> float:
    """The share of observed yields inside [lower, upper], per held-out season, averaged over
    the seasons: every season counts the same, however many of its rows reached the point."""
    inside = (group[TARGET] >= group[lower]) & (group[TARGET] <= group[upper])
    return float(inside.groupby(group["season"].to_numpy()).mean().mean())


def _point_key(name: str) -> float:
    return math.inf if name == HARVEST_POINT else float(name.rstrip(" %"))


def skilled_buckets(
    skill: pd.DataFrame, settings: YieldModelSettings
) -> tuple[tuple[bool, ...], tuple[float, ...]]:
    """Per thermal-time bucket of `settings.progress_edges`: whether the model's held-out skill
    against the field-mean baseline at the bucket's forecast point reaches
    `min_skill_vs_field_mean`, and that skill. `skill` is one crop's `skill_table`; the harvest
    point counts at a progress of 1. A bucket with several points takes the lowest skill; one
    without a point (or without a finite skill) takes the nearest bucket's; with none at all
    no bucket is skilled."""
    per_bucket = [math.nan] * (len(settings.progress_edges) + 1)
    for row in skill.to_dict(orient="records"):
        point = str(row["forecast_point"])
        share = 1.0 if point == HARVEST_POINT else _point_key(point) / 100.0
        b = int(progress_bucket(np.array([share]), settings.progress_edges)[0])
        value = float(row["skill_vs_field_mean"])
        if math.isfinite(value):
            per_bucket[b] = value if math.isnan(per_bucket[b]) else min(per_bucket[b], value)
    filled = _fill_from_nearest(per_bucket, math.isfinite, math.nan)
    skilled = tuple(bool(v >= settings.min_skill_vs_field_mean) for v in filled)
    return skilled, tuple(float(v) for v in filled)


def medians_by_progress(
    rows: pd.DataFrame, harvest_thermal_time_degc_d: float, edges: Sequence[float]
) -> tuple[dict[str, float], ...]:
    """Per stage of thermal progress (`edges`, len + 1 stages): the median of each feature over
    the training rows in that stage; a stage without rows takes the nearest stage's."""
    names = [*YIELD_FEATURES, N_SEASON_TOTAL]
    stage = progress_bucket(thermal_progress(rows, harvest_thermal_time_degc_d), edges)
    own: list[dict[str, float] | None] = []
    for k in range(len(edges) + 1):
        in_stage = rows.loc[stage == k, names]
        own.append(
            None
            if in_stage.empty
            else {str(name): float(value) for name, value in in_stage.median().items()}
        )
    return _fill_from_nearest(own, lambda m: m is not None, {})


# --------------------------------------------------------------------------- the whole training


def train_yield_model(
    table: pd.DataFrame,
    settings: YieldModelSettings | None = None,
    farm_of_field: pd.Series | None = None,
) -> YieldModel:
    """Cross-validate and train every crop of `training_table` rows; the skill tables are in
    `YieldModel.skill` (leave-one-season-out) and `YieldModel.skill_leave_farm_out` (with
    `farm_of_field`, field_id → farm_id, and at least two farms). Crops with fewer than two
    seasons of yields are skipped (no honest skill can be measured for them).

    Per crop and thermal-time bucket the leave-one-season-out skill against the field-mean
    baseline decides what is served (`skilled_buckets`): the model, or the field's own mean
    with the empirical interval of that baseline's held-out errors."""
    settings = settings or YieldModelSettings()
    crops: dict[str, CropModel] = {}
    skills, farm_skills = [], []
    n_buckets = len(settings.progress_edges) + 1
    for crop, rows in table.groupby("crop"):
        rows = rows.reset_index(drop=True)
        if rows["season"].nunique() < 2:
            continue
        oof = held_out_intervals(leave_one_season_out(rows, settings), settings)
        crop_skill = skill_table(forecast_point_rows(oof.assign(crop=crop), settings))
        skilled, skill_by_bucket = skilled_buckets(crop_skill, settings)
        served = [
            skilled[int(progress_bucket(np.array([share]), settings.progress_edges)[0])]
            for share in (
                1.0 if p == HARVEST_POINT else _point_key(p) / 100.0
                for p in crop_skill["forecast_point"]
            )
        ]
        skills.append(
            crop_skill.assign(serves=[SOURCE_MODEL if s else SOURCE_FIELD_MEAN for s in served])
        )
        if farm_of_field is not None and rows["field_id"].map(farm_of_field).nunique() >= 2:
            by_farm = held_out_intervals(
                leave_one_farm_out(rows, farm_of_field, settings), settings
            )
            farm_skills.append(
                skill_table(forecast_point_rows(by_farm.assign(crop=crop), settings))
            )
        residual = (oof[TARGET] - oof["predicted"]).to_numpy(np.float64)
        offsets = bucket_offsets(
            residual,
            oof["bucket"].to_numpy(np.int64),
            n_buckets,
            settings.interval_coverage,
            oof["season"].to_numpy(),
        )
        harvest_tt = harvest_thermal_time(rows)
        medians = rows[list(YIELD_FEATURES) + [N_SEASON_TOTAL]].median()
        importance = n_response_importance_pct(oof)
        field_seasons = rows.drop_duplicates(["field_id", "season"])
        crops[str(crop)] = CropModel(
            crop=str(crop),
            yield_booster=fit_booster(rows, rows[TARGET], YIELD_FEATURES, settings),
            response_booster=fit_booster(rows, rows[TARGET], RESPONSE_FEATURES, settings),
            harvest_thermal_time_degc_d=harvest_tt,
            interval_offsets=offsets,
            feature_medians={str(k): float(v) for k, v in medians.items()},
            training_rows=len(rows),
            training_seasons=tuple(int(s) for s in sorted(rows["season"].unique())),
            n_response_importance_pct=importance,
            n_response_supported=importance >= settings.n_response_min_importance_pct,
            model_skilled=skilled,
            skill_vs_field_mean=skill_by_bucket,
            field_mean_offsets=field_mean_offsets(oof, settings.interval_coverage),
            cooperative_mean_yield_t_ha=float(field_seasons[TARGET].mean()),
            feature_medians_by_progress=medians_by_progress(
                rows, harvest_tt, settings.median_progress_edges
            ),
        )
    if not crops:
        raise ValueError(
            "no crop has yields in two or more harvested seasons; the models need past seasons "
            "with yield_t_ha in seasons.csv"
        )
    return YieldModel(
        crops=crops,
        settings=settings,
        training_data_sha256=table_sha256(table),
        last_harvest_date=pd.Timestamp(table["harvest_date"].max()),
        skill=pd.concat(skills, ignore_index=True),
        skill_leave_farm_out=(
            pd.concat(farm_skills, ignore_index=True) if farm_skills else pd.DataFrame()
        ),
    )


# --------------------------------------------------------------------------- prediction


def predict_yield(model: YieldModel, features: pd.DataFrame) -> pd.DataFrame:
    """P10, P50 and P90 yield (t/ha at the crop's standard moisture) for each feature row, and
    where each comes from.

    `features` holds the `crop` column and the model's features; rows of crops the model has not
    been trained on get NaN. Returns the same index with yield_p10_t_ha, yield_p50_t_ha,
    yield_p90_t_ha, `season_progress` (share of the crop's typical thermal time) and
    `yield_source`: "model" where the crop's model showed held-out skill at this point of the
    season (`CropModel.model_skilled`), else "field mean": the field's past mean yield of the
    crop (`past_mean_yield_t_ha`; the crop's cooperative mean for a field without one) with
    the empirical interval of the field-mean baseline (`CropModel.field_mean_offsets`). A
    model without skill information (saved before the fallback existed) serves the model.
    """
    out = pd.DataFrame(
        np.nan,
        index=features.index,
        columns=["yield_p10_t_ha", "yield_p50_t_ha", "yield_p90_t_ha", "season_progress"],
    )
    out["yield_source"] = pd.Series(None, index=features.index, dtype=object)
    features = with_crop_model_columns(features)
    crop_of_row = features["crop"].astype(str).to_numpy()
    for crop, crop_model in model.crops.items():
        mask = crop_of_row == crop
        if not mask.any():
            continue
        rows = features.loc[mask]
        progress = thermal_progress(rows, crop_model.harvest_thermal_time_degc_d)
        bucket = progress_bucket(progress, model.settings.progress_edges)
        use_model = (
            np.ones(len(rows), dtype=bool)
            if crop_model.model_skilled is None
            else np.asarray(crop_model.model_skilled, dtype=bool)[bucket]
        )
        from_model = np.maximum(predict_booster(crop_model.yield_booster, rows), 0.0)
        field_mean = (
            rows["past_mean_yield_t_ha"]
            .astype(np.float64)
            .fillna(crop_model.cooperative_mean_yield_t_ha)
            .to_numpy()
        )
        p50 = np.where(use_model, from_model, field_mean)
        fallback_low, fallback_high = crop_model.field_mean_offsets
        low = np.where(
            use_model, np.array([o[0] for o in crop_model.interval_offsets])[bucket], fallback_low
        )
        high = np.where(
            use_model, np.array([o[1] for o in crop_model.interval_offsets])[bucket], fallback_high
        )
        out.loc[mask, "yield_p50_t_ha"] = p50
        out.loc[mask, "yield_p10_t_ha"] = np.clip(p50 + low, 0.0, p50)
        out.loc[mask, "yield_p90_t_ha"] = np.maximum(p50 + high, p50)
        out.loc[mask, "season_progress"] = progress.to_numpy()
        out.loc[mask, "yield_source"] = np.where(use_model, SOURCE_MODEL, SOURCE_FIELD_MEAN)
    return out


def predict_with(model: YieldModel, features: pd.DataFrame, response: bool = False) -> FloatArray:
    """Point predictions (t/ha) of the yield model, or of the N response model with
    `response=True` (features then hold `n_season_total_kg_ha`); NaN for unknown crops."""
    result = np.full(len(features), np.nan)
    crop_of_row = features["crop"].astype(str).to_numpy()
    for crop, crop_model in model.crops.items():
        mask = crop_of_row == crop
        if mask.any():
            booster = crop_model.response_booster if response else crop_model.yield_booster
            result[mask] = np.maximum(predict_booster(booster, features.loc[mask]), 0.0)
    return result
