"""The advice table's columns and its text forms: the JSON stored per field, CSV and JSON output.

Light on purpose (pandas and numpy only): the app's pages read stored advice through this
module without importing the model code of `agri_app.advice`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

# The columns of an advice table, in order (build_advice returns them; docs/models.md).
ADVICE_COLUMNS = (
    "field_id",
    "season",
    "crop",
    "as_of",
    "yield_p10_t_ha",
    "yield_p50_t_ha",
    "yield_p90_t_ha",
    "yield_moisture_pct",
    "season_progress_pct",
    "n_applied_kg_ha",
    "n_rate_now_kg_ha",
    "n_total_recommended_kg_ha",
    "n_expected_gain_t_ha",
    "irrigation_mm",
    "irrigation_date",
    "irrigation_yield_at_stake_t_ha",
    "root_zone_depletion_mm",
    "readily_available_water_mm",
    "reaches_raw_date",
    # The crop model's outlook (WOFOST over past years' weather to come): what irrigating by the
    # crop's depletion threshold is worth over the rest of the season, its gross depth, and the
    # water-limited yield as managed so far (P10-P50-P90 over the members; docs/models.md).
    "irrigation_season_value_t_ha",
    "irrigation_season_mm",
    "crop_model_p10_t_ha",
    "crop_model_p50_t_ha",
    "crop_model_p90_t_ha",
    "crop_model_members",
    "status",
    "reasons",
    "drivers",
    # "model", or "field mean" where the model showed no skill at this stage (docs/models.md).
    "yield_source",
)
DATE_COLUMNS = ("as_of", "irrigation_date", "reaches_raw_date")
TEXT_COLUMNS = ("field_id", "crop", "status", "reasons", "drivers", "yield_source")


def _json_value(value: object) -> object:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.generic):
        return value.item()
    return value


def advice_row_json(row: dict[str, object]) -> str:
    """One advice row as the JSON object stored for it (dates YYYY-MM-DD, missing as null)."""
    return json.dumps(
        {c: _json_value(row.get(c)) for c in ADVICE_COLUMNS},
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    )


def advice_from_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The stored rows' JSON back into the advice table (dates datetime64, numbers float)."""
    records = [json.loads(text) for text in rows["advice_json"]]
    table = pd.DataFrame.from_records(records, columns=list(ADVICE_COLUMNS))
    for column in ADVICE_COLUMNS:
        if column in DATE_COLUMNS:
            table[column] = pd.to_datetime(table[column]).astype("datetime64[ns]")
        elif column == "season":
            table[column] = table[column].astype("Int64")
        elif column in TEXT_COLUMNS:
            table[column] = table[column].astype(object)
        else:
            table[column] = table[column].astype("float64")
    return table


def advice_to_json(advice: pd.DataFrame) -> str:
    """The advice as a JSON array of objects: dates as YYYY-MM-DD, missing values as null."""
    records = [
        {str(key): _json_value(value) for key, value in row.items()}
        for row in advice.to_dict(orient="records")
    ]
    return json.dumps(records, indent=1, ensure_ascii=False)


def advice_to_csv(advice: pd.DataFrame) -> str:
    """The advice as CSV: dates as YYYY-MM-DD, empty cells for missing values, 3 decimals."""
    out = advice.copy()
    for column in DATE_COLUMNS:
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, float_format="%.3f", lineterminator="\n")
