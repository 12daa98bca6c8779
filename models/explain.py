"""Why a forecast is what it is: the top drivers of each prediction, in agronomic words.

LightGBM's own `pred_contrib=True` gives, per prediction, each feature's contribution in t/ha
(TreeSHAP, Lundberg et al. 2020, Nat. Mach. Intell. 2:56): they sum with the expected value to
the prediction. The largest contributions by size are named with the feature's value, e.g.
"low NDVI peak (0.62): −0.41 t/ha" or "23 days of water stress: −0.30 t/ha". A level ("low",
"high") compares the value with the median of the crop's training rows *at the same stage of the
season* (thermal progress in steps of `median_progress_edges`, stored with the model), so it
means "lower than usual at this point of the season for this crop on this cooperative's
fields". Against the whole season's median, a season NDVI sum of 0 just after sowing read as
"low season NDVI sum (0)" while only saying it is early.

A zero that is the usual value at that stage (nothing observed or accumulated yet: NDVI sum,
water stress days, N or irrigation so far early in the season) says nothing about the field;
such drivers are left out, and the next ones by size take their place. Models saved without the
per-stage medians compare with the all-season ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.yield_model import YieldModel, progress_bucket, thermal_progress


@dataclass(frozen=True)
class Wording:
    """How a feature is named: `label` with the value formatted by `value_format`; `count`
    labels read as "23 heat days" (value first), others as "low NDVI peak (0.62)"."""

    label: str
    value_format: str
    count: bool = False
    missing: str = ""


WORDING: Mapping[str, Wording] = {
    "days_after_sowing_d": Wording("days after sowing", "{:.0f}", count=True),
    "gdd_to_date_degc_d": Wording("thermal time since sowing", "{:.0f} °C·d"),
    "eta_sum_mm": Wording("crop water use so far", "{:.0f} mm"),
    "et_deficit_sum_mm": Wording("water shortfall so far", "{:.0f} mm"),
    "ks_mean": Wording("mean water-stress factor Ks", "{:.2f}"),
    "ks_below_1_d": Wording("days of water stress", "{:.0f}", count=True),
    "dr_last_mm": Wording("root-zone depletion", "{:.0f} mm"),
    "depletion_fraction_last": Wording("share of the root zone's water used", "{:.0%}"),
    "ndvi_latest_index": Wording("latest NDVI", "{:.2f}", missing="no clear NDVI image yet"),
    "ndvi_peak_index": Wording("NDVI peak", "{:.2f}", missing="no NDVI peak yet"),
    "ndvi_integral_index_d": Wording("season NDVI sum", "{:.0f}", missing="no NDVI yet"),
    "ndvi_anomaly_index": Wording(
        "NDVI versus past seasons", "{:+.2f}", missing="no past NDVI to compare"
    ),
    "ndre_latest_index": Wording("latest NDRE", "{:.2f}", missing="no clear NDRE image yet"),
    "ndre_peak_index": Wording("NDRE peak", "{:.2f}", missing="no NDRE peak yet"),
    "ndre_integral_index_d": Wording("season NDRE sum", "{:.0f}", missing="no NDRE yet"),
    "ndre_anomaly_index": Wording(
        "NDRE versus past seasons", "{:+.2f}", missing="no past NDRE to compare"
    ),
    "n_applied_kg_ha": Wording("nitrogen applied so far", "{:.0f} kg N/ha"),
    "n_season_total_kg_ha": Wording("season nitrogen", "{:.0f} kg N/ha"),
    "irrigation_applied_mm": Wording("irrigation so far", "{:.0f} mm"),
    "irrigated_flag": Wording("irrigation equipment", "{:.0f}"),
    "past_mean_yield_t_ha": Wording(
        "field's past yields", "{:.1f} t/ha", missing="no past yield of this crop"
    ),
    "taw_max_mm": Wording("soil water-holding capacity", "{:.0f} mm"),
    "sand_pct": Wording("sand content", "{:.0f} %"),
    "clay_pct": Wording("clay content", "{:.0f} %"),
    "soc_pct": Wording("soil organic carbon", "{:.1f} %"),
    "cm_dvs": Wording("crop-model development stage", "{:.2f}", missing="no crop model"),
    "cm_lai": Wording("crop-model leaf area index", "{:.1f}", missing="no crop model"),
    "cm_tagp_t_ha": Wording("crop-model biomass so far", "{:.1f} t/ha", missing="no crop model"),
    "cm_twso_t_ha": Wording("crop-model grain so far", "{:.1f} t/ha", missing="no crop model"),
    "cm_transpiration_ratio": Wording(
        "crop-model water supply so far (transpiration / demand)",
        "{:.0%}",
        missing="no crop model",
    ),
    "heat_days_to_date_d": Wording("heat days", "{:.0f}", count=True),
    "frost_days_to_date_d": Wording("frost days", "{:.0f}", count=True),
}


def describe(feature: str, value: float, median: float | None, effect_t_ha: float) -> str:
    """One driver in words with its effect, e.g. "low NDVI peak (0.62): −0.41 t/ha"."""
    wording = WORDING.get(feature, Wording(feature.replace("_", " "), "{:.3g}"))
    effect = f"{effect_t_ha:+.2f} t/ha".replace("-", "−")
    if value is None or not math.isfinite(value):
        text = wording.missing or f"{wording.label} not known yet"
    elif feature == "irrigated_flag":
        text = "irrigation equipment" if value >= 0.5 else "no irrigation equipment"
    elif wording.count:
        text = f"{wording.value_format.format(value)} {wording.label}"
    else:
        level = ""
        if median is not None and math.isfinite(median) and value != median:
            level = "high " if value > median else "low "
        text = f"{level}{wording.label} ({wording.value_format.format(value)})"
    return f"{text}: {effect}"


def contributions(model: YieldModel, features: pd.DataFrame) -> pd.DataFrame:
    """Per row, each feature's contribution (t/ha) to the yield model's P50, plus `expected`
    (the model's average), from LightGBM's `pred_contrib`. Rows of unknown crops are NaN."""
    names = list(model.features)
    out = pd.DataFrame(np.nan, index=features.index, columns=[*names, "expected"])
    crop_of_row = features["crop"].astype(str).to_numpy()
    for crop, crop_model in model.crops.items():
        mask = crop_of_row == crop
        if not mask.any():
            continue
        booster = crop_model.yield_booster
        values = features.loc[mask, booster.feature_name()].to_numpy(np.float64)
        contrib = np.asarray(booster.predict(values, pred_contrib=True), dtype=np.float64)
        frame = pd.DataFrame(contrib, columns=[*booster.feature_name(), "expected"])
        out.loc[mask, [*names, "expected"]] = frame[[*names, "expected"]].to_numpy()
    return out


def too_early_to_tell(feature: str, value: float, stage_median: float | None) -> bool:
    """True when `value` is a zero that is the usual value at this stage of the season (the
    median of the training rows at the same thermal progress is zero too): a feature that has
    seen nothing yet, not a field that differs. Irrigation equipment is a property of the
    field, never "too early"."""
    return (
        feature != "irrigated_flag"
        and value == 0.0
        and stage_median is not None
        and stage_median == 0.0
    )


def stage_medians(model: YieldModel, features: pd.DataFrame) -> list[Mapping[str, float]]:
    """Per row, the feature medians of its crop's training rows at the row's stage of the
    season (`CropModel.feature_medians_by_progress`; the all-season medians for models saved
    without them, and an empty mapping for unknown crops)."""
    out: list[Mapping[str, float]] = [{} for _ in range(len(features))]
    crop_of_row = features["crop"].astype(str).to_numpy()
    for crop, crop_model in model.crops.items():
        rows = np.flatnonzero(crop_of_row == crop)
        if rows.size == 0:
            continue
        by_stage = crop_model.feature_medians_by_progress
        if not by_stage:
            for i in rows:
                out[i] = crop_model.feature_medians
            continue
        progress = thermal_progress(features.iloc[rows], crop_model.harvest_thermal_time_degc_d)
        stage = progress_bucket(progress, model.settings.median_progress_edges)
        for i, k in zip(rows, stage, strict=True):
            out[i] = by_stage[min(int(k), len(by_stage) - 1)]
    return out


def top_drivers(model: YieldModel, features: pd.DataFrame, top: int = 3) -> pd.Series:
    """The `top` largest contributions of each row, described (`describe`, against the medians
    at the row's stage of the season) and joined by "; ". Contributions under 0.005 t/ha and
    zeros that are usual at the row's stage (`too_early_to_tell`) are left out."""
    contrib = contributions(model, features)
    names = list(model.features)
    values = features[names].to_numpy(np.float64)
    effects = contrib[names].to_numpy(np.float64)
    crops = features["crop"].astype(str).to_numpy()
    medians_of_row = stage_medians(model, features)
    texts = []
    for i in range(len(features)):
        if crops[i] not in model.crops or not np.isfinite(effects[i]).any():
            texts.append("")
            continue
        medians = medians_of_row[i]
        order = np.argsort(-np.abs(np.nan_to_num(effects[i])), kind="stable")
        parts: list[str] = []
        for j in order:
            if len(parts) == top or not abs(effects[i, j]) >= 0.005:
                break
            value, median = float(values[i, j]), medians.get(names[j])
            if too_early_to_tell(names[j], value, median):
                continue
            parts.append(describe(names[j], value, median, float(effects[i, j])))
        texts.append("; ".join(parts))
    return pd.Series(texts, index=features.index, name="drivers", dtype="object")
