"""The crop table: a crop is a row of parameters, never a code path."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from pipelines.agronomy.cropmodel import SUPPORTED_MODELS
from pipelines.tables import ColumnSpec, ProblemLog, check_table, read_csv_strings

CROP_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("crop_id", "id"),
    ColumnSpec("crop_name", "text"),
    ColumnSpec(
        "base_temp_degc",
        "float",
        lo=-5,
        hi=20,
        above="a base temperature in °F? convert with (°F − 32) × 5/9",
    ),
    ColumnSpec("cap_temp_degc", "float", lo=15, hi=45, above="in °F? convert with (°F − 32) × 5/9"),
    ColumnSpec("kc_ini", "float", lo=0.1, hi=1.5),
    ColumnSpec("kc_mid", "float", lo=0.1, hi=1.5),
    ColumnSpec("kc_end", "float", lo=0.1, hi=1.5),
    ColumnSpec("max_height_m", "float", lo=0.05, hi=10, above="in centimetres? divide by 100"),
    ColumnSpec("stage_ini_days", "int", lo=1, hi=250),
    ColumnSpec("stage_dev_days", "int", lo=1, hi=250),
    ColumnSpec("stage_mid_days", "int", lo=1, hi=250),
    ColumnSpec("stage_late_days", "int", lo=1, hi=250),
    ColumnSpec("root_depth_max_m", "float", lo=0.1, hi=4, above="in centimetres? divide by 100"),
    ColumnSpec(
        "depletion_fraction_p", "float", lo=0.05, hi=0.95, above="in percent? divide by 100"
    ),
    ColumnSpec("yield_moisture_pct", "float", lo=0, hi=90, below="", above=""),
    ColumnSpec("grain_price_eur_t", "float", lo=0, hi=100_000),
    ColumnSpec("n_max_kg_ha", "float", lo=0, hi=600),
    # Optional in a bundle's crops.csv: a missing value takes its default (CROP_DEFAULTS).
    ColumnSpec("ky_season", "float", required=False, lo=0.1, hi=2.0),
    ColumnSpec(
        "n_last_useful_progress", "float", required=False, lo=0, hi=1, above="in percent? / 100"
    ),
    ColumnSpec("n_max_single_dose_kg_ha", "float", required=False, lo=0, hi=600),
    ColumnSpec("n_splits", "int", required=False, lo=1, hi=6),
    # Optional, no default: a blank wofost_model means the crop has no crop model.
    ColumnSpec(
        "wofost_model",
        "text",
        required=False,
        choices=SUPPORTED_MODELS,
        choices_hint=f"use one of {', '.join(SUPPORTED_MODELS)}, or leave it blank (no model)",
    ),
    ColumnSpec("wofost_crop", "text", required=False),
    ColumnSpec("wofost_variety", "text", required=False),
)
# The crop model columns (text, stored as given; see reference/crops.md).
WOFOST_COLUMNS: tuple[str, ...] = ("wofost_model", "wofost_crop", "wofost_variety")
# Defaults of the optional crop columns, for a crop that does not state them (see crops.md):
# FAO-33's yield response factor of 1 (yield falls in proportion to water use), N useful until
# mid-season, the whole agronomic maximum in one dose (`n_max_kg_ha`, filled in below).
CROP_DEFAULTS: dict[str, float] = {
    "ky_season": 1.0,
    "n_last_useful_progress": 0.5,
    "n_splits": 1,
}


def with_crop_defaults(table: pd.DataFrame) -> pd.DataFrame:
    """The crop table with the optional columns' missing values filled by their defaults."""
    out = table.copy()
    for name, value in CROP_DEFAULTS.items():
        out[name] = out[name].fillna(value)
    out["n_max_single_dose_kg_ha"] = out["n_max_single_dose_kg_ha"].fillna(out["n_max_kg_ha"])
    return out


def builtin_crops() -> pd.DataFrame:
    """The crop table shipped with the package (sources in `reference/crops.md`)."""
    log = ProblemLog()
    ref = resources.files("pipelines") / "reference" / "crops.csv"
    with resources.as_file(ref) as path:
        raw = read_csv_strings(path, "pipelines/reference/crops.csv", log)
    table = None if raw is None else check_table(raw, CROP_COLUMNS, "crops.csv", log)
    log.raise_if_any("built-in crop table")
    assert table is not None
    return with_crop_defaults(table)


def merge_crops(base: pd.DataFrame, extra: pd.DataFrame | None) -> pd.DataFrame:
    """Crops of `base` with rows of `extra` added or replacing those with the same crop_id."""
    if extra is None or extra.empty:
        return base.reset_index(drop=True)
    kept = base[~base["crop_id"].isin(extra["crop_id"])]
    merged = pd.concat([kept, extra], ignore_index=True)
    return merged.sort_values("crop_id", ignore_index=True)
