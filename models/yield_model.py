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

Intervals: split-conformal on held-out residuals (Vovk et al. 2005; Lei et al. 2018, JASA
113:1094). The 80 % quantile of the absolute LOSO residuals |y − ŷ|, per crop and thermal-time
bucket (errors shrink as the season advances), is subtracted from and added to the P50 to give
the P10 and P90. The coverage reported for a held-out season uses only the residuals of the
other seasons (the CV+ construction of Barber et al. 2021, Ann. Stat. 49:486), so it is an
honest estimate.
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

    def __post_init__(self) -> None:
        if not 0.0 < self.interval_coverage < 1.0:
            raise ValueError("interval_coverage is a fraction, e.g. 0.8 for an 80 % interval")
        if self.every_days < 1 or self.num_boost_round < 1:
            raise ValueError("every_days and num_boost_round must be at least 1")
        if list(self.progress_edges) != sorted(self.progress_edges):
            raise ValueError("progress_edges must be increasing")

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
    rows = features.reset_index()
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


def conformal_offsets(residuals: FloatArray, coverage: float) -> tuple[float, float]:
    """Offsets (−q, +q) of a central `coverage` interval around the point forecast: q is the
    ⌈(n + 1) coverage⌉-th smallest absolute residual (split-conformal, Lei et al. 2018).

    Symmetric because the errors here are dominated by the season (all fields of a season miss
    together, in either direction): signed residual quantiles covered 72-79 % of held-out
    seasons, absolute ones 75-82 %, in leave-one-season-out runs on the sample cooperative.
    """
    finite = np.sort(np.abs(residuals[np.isfinite(residuals)]))
    n = finite.size
    if n == 0:
        return (math.nan, math.nan)
    rank = min(math.ceil((n + 1) * coverage), n)
    q = float(finite[rank - 1])
    return (-q, q)


def bucket_offsets(
    residuals: FloatArray, bucket: NDArray[np.int64], n_buckets: int, coverage: float
) -> tuple[tuple[float, float], ...]:
    """`conformal_offsets` per bucket; a bucket without residuals borrows the nearest one."""
    own = [conformal_offsets(residuals[bucket == b], coverage) for b in range(n_buckets)]
    filled = []
    for b in range(n_buckets):
        order = sorted(range(n_buckets), key=lambda k: (abs(k - b), k))
        filled.append(next((own[k] for k in order if np.isfinite(own[k][0])), (math.nan, math.nan)))
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


# --------------------------------------------------------------------------- cross-validation


def season_folds(seasons: pd.Series) -> Iterator[tuple[int, NDArray[np.bool_]]]:
    """(held-out season, mask of the rows of that season) for each season present."""
    values = seasons.to_numpy(np.int64)
    for season in np.unique(values):
        yield int(season), values == season


def leave_one_season_out(
    table: pd.DataFrame,
    settings: YieldModelSettings,
    fit: Fit = fit_booster,
) -> pd.DataFrame:
    """Out-of-season forecasts of every row of `table` (one crop's `training_table` rows).

    For each season the models (`fit`) see only the rows of the other seasons; the baselines
    too. Returns the rows' keys, observed yield, thermal progress, `predicted` (yield model),
    `field_mean`, `linear_trend`, `held_out` (the season left out), and for the N response
    model `response` (its forecast) and `response_shuffled` (its mean forecast over
    `n_shuffles` shuffles of the season N totals among the held-out season's fields).
    """
    harvest_tt = harvest_thermal_time(table)
    parts = []
    for season, test_mask in season_folds(table["season"]):
        train = table.loc[~test_mask]
        test = table.loc[test_mask]
        if train.empty:
            continue
        booster = fit(train, train[TARGET], YIELD_FEATURES, settings)
        response = fit(train, train[TARGET], RESPONSE_FEATURES, settings)
        one_per_season = ["field_id", "season", TARGET]
        baselines = baseline_forecasts(
            train[one_per_season].drop_duplicates(["field_id", "season"]),
            test[["field_id", "season"]].drop_duplicates(),
        )
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


def held_out_intervals(oof: pd.DataFrame, settings: YieldModelSettings) -> pd.DataFrame:
    """P10/P90 of each out-of-season forecast from the residuals of the *other* seasons only.

    `oof` is one crop's `leave_one_season_out` output; adds `lower`, `upper` and `bucket`.
    """
    n_buckets = len(settings.progress_edges) + 1
    bucket = progress_bucket(oof["progress"], settings.progress_edges)
    residual = (oof[TARGET] - oof["predicted"]).to_numpy(np.float64)
    lower = np.full(len(oof), np.nan)
    upper = np.full(len(oof), np.nan)
    held = oof["held_out"].to_numpy()
    for season in np.unique(held):
        own = held == season
        offsets = bucket_offsets(
            residual[~own], bucket[~own], n_buckets, settings.interval_coverage
        )
        low = np.array([o[0] for o in offsets])[bucket[own]]
        high = np.array([o[1] for o in offsets])[bucket[own]]
        lower[own] = oof["predicted"].to_numpy()[own] + low
        upper[own] = oof["predicted"].to_numpy()[own] + high
    return oof.assign(lower=np.maximum(lower, 0.0), upper=upper, bucket=bucket)


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
    1 − RMSE/RMSE_baseline against each, and the achieved coverage of the P10–P90 interval.

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
        inside = (group[TARGET] >= group["lower"]) & (group[TARGET] <= group["upper"])
        row["coverage_p10_p90"] = float(inside.mean())
        row["_order"] = order[str(point)]
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(["crop", "_order"]).drop(columns="_order")
    return table.reset_index(drop=True)


def _point_key(name: str) -> float:
    return math.inf if name == HARVEST_POINT else float(name.rstrip(" %"))


# --------------------------------------------------------------------------- the whole training


def train_yield_model(
    table: pd.DataFrame, settings: YieldModelSettings | None = None
) -> YieldModel:
    """Cross-validate and train every crop of `training_table` rows; the skill table is in
    `YieldModel.skill`. Crops with fewer than two seasons of yields are skipped (no honest skill
    can be measured for them)."""
    settings = settings or YieldModelSettings()
    crops: dict[str, CropModel] = {}
    skills = []
    n_buckets = len(settings.progress_edges) + 1
    for crop, rows in table.groupby("crop"):
        rows = rows.reset_index(drop=True)
        if rows["season"].nunique() < 2:
            continue
        oof = held_out_intervals(leave_one_season_out(rows, settings), settings)
        skills.append(forecast_point_rows(oof.assign(crop=crop), settings))
        residual = (oof[TARGET] - oof["predicted"]).to_numpy(np.float64)
        offsets = bucket_offsets(
            residual, oof["bucket"].to_numpy(np.int64), n_buckets, settings.interval_coverage
        )
        medians = rows[list(YIELD_FEATURES) + [N_SEASON_TOTAL]].median()
        importance = n_response_importance_pct(oof)
        crops[str(crop)] = CropModel(
            crop=str(crop),
            yield_booster=fit_booster(rows, rows[TARGET], YIELD_FEATURES, settings),
            response_booster=fit_booster(rows, rows[TARGET], RESPONSE_FEATURES, settings),
            harvest_thermal_time_degc_d=harvest_thermal_time(rows),
            interval_offsets=offsets,
            feature_medians={str(k): float(v) for k, v in medians.items()},
            training_rows=len(rows),
            training_seasons=tuple(int(s) for s in sorted(rows["season"].unique())),
            n_response_importance_pct=importance,
            n_response_supported=importance >= settings.n_response_min_importance_pct,
        )
    if not crops:
        raise ValueError(
            "no crop has yields in two or more harvested seasons; the models need past seasons "
            "with yield_t_ha in seasons.csv"
        )
    skill = skill_table(pd.concat(skills, ignore_index=True))
    return YieldModel(
        crops=crops,
        settings=settings,
        training_data_sha256=table_sha256(table),
        last_harvest_date=pd.Timestamp(table["harvest_date"].max()),
        skill=skill,
    )


# --------------------------------------------------------------------------- prediction


def predict_yield(model: YieldModel, features: pd.DataFrame) -> pd.DataFrame:
    """P10, P50 and P90 yield (t/ha at the crop's standard moisture) for each feature row.

    `features` holds the `crop` column and the model's features; rows of crops the model has not
    been trained on get NaN. Returns the same index with yield_p10_t_ha, yield_p50_t_ha,
    yield_p90_t_ha and `season_progress` (share of the crop's typical thermal time).
    """
    out = pd.DataFrame(
        np.nan,
        index=features.index,
        columns=["yield_p10_t_ha", "yield_p50_t_ha", "yield_p90_t_ha", "season_progress"],
    )
    crop_of_row = features["crop"].astype(str).to_numpy()
    for crop, crop_model in model.crops.items():
        mask = crop_of_row == crop
        if not mask.any():
            continue
        rows = features.loc[mask]
        p50 = np.maximum(predict_booster(crop_model.yield_booster, rows), 0.0)
        progress = thermal_progress(rows, crop_model.harvest_thermal_time_degc_d)
        bucket = progress_bucket(progress, model.settings.progress_edges)
        low = np.array([o[0] for o in crop_model.interval_offsets])[bucket]
        high = np.array([o[1] for o in crop_model.interval_offsets])[bucket]
        out.loc[mask, "yield_p50_t_ha"] = p50
        out.loc[mask, "yield_p10_t_ha"] = np.clip(p50 + low, 0.0, p50)
        out.loc[mask, "yield_p90_t_ha"] = np.maximum(p50 + high, p50)
        out.loc[mask, "season_progress"] = progress.to_numpy()
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
