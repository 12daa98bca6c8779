"""The overview's field table: what to do first, units in the headers, numbers rounded as shown.

One frame serves the page (st.dataframe, whose own CSV export then carries the same rounded
numbers) and the "Download the table (CSV)" button.
"""

from __future__ import annotations

import pandas as pd

from agri_app.app import advice_source
from pipelines.agronomy.stages import stage_text

# Advice status → what the overview says (map legend, table, tooltip).
STATUS_TEXT = {
    "act": "act",
    "watch": "watch",
    "ok": "ok",
    "no-season": "no forecast",
    "no-model": "no forecast",
}
STATUS_MEANING = {
    "act": "act this week: N or irrigation due",
    "watch": "watch: water runs short soon, or the forecast is uncertain",
    "ok": "nothing to do this week",
    "no forecast": "no forecast: no crop growing, or no trained model",
}
# Key columns first: a phone shows the first three.
COLUMNS = (
    "Field",
    "Status",
    "To do this week",
    "Stage",
    "Crop",
    "Yield P50 (t/ha)",
    "Yield from",
    "Yield P10–P90 (t/ha)",
    "N now (kg N/ha)",
    "Irrigation (mm)",
    "Irrigate by",
    "Farm",
    "Area (ha)",
    "Last satellite",
    "Last sensor (UTC)",
    "ID",
)
FORECAST_COLUMNS = (
    "To do this week",
    "Yield P50 (t/ha)",
    "Yield from",
    "Yield P10–P90 (t/ha)",
    "N now (kg N/ha)",
    "Irrigation (mm)",
    "Irrigate by",
)
# Decimals shown, and kept in the CSV: the precision the numbers carry.
DECIMALS = {"Yield P50 (t/ha)": 1, "N now (kg N/ha)": 0, "Irrigation (mm)": 0, "Area (ha)": 1}


def _dates(values: pd.Series) -> pd.Series:
    """Calendar days (no time of day), missing as None."""
    days = pd.to_datetime(values, utc=False, errors="coerce")
    if getattr(days.dt, "tz", None) is not None:
        days = days.dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.Series(
        [d.date() if pd.notna(d) else None for d in days], index=values.index, dtype=object
    )


def status_of(advice_row: advice_source.AdviceRow | None) -> str:
    if advice_row is None:
        return "no forecast"
    status = advice_row.get("status")
    return STATUS_TEXT.get(status, "no forecast") if isinstance(status, str) else "no forecast"


def field_table(
    fields: pd.DataFrame, advice: pd.DataFrame | None, stages: pd.DataFrame
) -> pd.DataFrame:
    """One row per field (the order of `fields`) with the `COLUMNS`; without stored advice the
    `FORECAST_COLUMNS` are left out (blank columns would read as zeros at a glance).

    Also holds `status_key` (the plain status) and `action` for the map; drop them to show."""
    ids = fields["field_id"].astype(str).tolist()
    found = (
        {}
        if advice is None or advice.empty
        else {
            str(r["field_id"]): r
            for r in advice.drop_duplicates("field_id").to_dict(orient="records")
        }
    )
    rows = [found.get(field_id) for field_id in ids]
    stage_of = {
        str(f): (stage, progress)
        for f, stage, progress in zip(
            stages["field_id"], stages["stage"], stages["stage_progress_pct"], strict=True
        )
    }

    def stage_cell(field_id: str) -> str:
        if field_id not in stage_of:
            return "-"
        text = stage_text(*stage_of[field_id])
        return text.replace(" of the thermal time to maturity", "")

    def value(name: str) -> list[float | None]:
        return [advice_source.as_number(r.get(name)) if r else None for r in rows]

    def yield_from(row: advice_source.AdviceRow | None) -> str | None:
        source = row.get("yield_source") if row else None
        if not isinstance(source, str):
            return None
        if source == advice_source.FIELD_MEAN:
            return "field mean"
        return source

    statuses = [status_of(r) for r in rows]
    p10, p90, mm = value("yield_p10_t_ha"), value("yield_p90_t_ha"), value("irrigation_mm")
    table = pd.DataFrame(
        {
            "Field": fields["field_name"].to_numpy(),
            "Status": statuses,
            "To do this week": [advice_source.action_text(r) if r else "-" for r in rows],
            "Stage": [stage_cell(f) for f in ids],
            "Crop": [crop if isinstance(crop, str) else None for crop in fields["crop"]],
            "Yield P50 (t/ha)": value("yield_p50_t_ha"),
            "Yield from": [yield_from(r) for r in rows],
            "Yield P10–P90 (t/ha)": [
                f"{low:.1f}–{high:.1f}" if low is not None and high is not None else None
                for low, high in zip(p10, p90, strict=True)
            ],
            "N now (kg N/ha)": value("n_rate_now_kg_ha"),
            "Irrigation (mm)": mm,
            "Irrigate by": [
                r.get("irrigation_date") if r and depth else None
                for r, depth in zip(rows, mm, strict=True)
            ],
            "Farm": fields["farm_name"].to_numpy(),
            "Area (ha)": fields["area_ha"].to_numpy(),
            "Last satellite": fields["last_satellite"].to_numpy(),
            "Last sensor (UTC)": fields["last_sensor"].to_numpy(),
            "ID": ids,
            "status_key": statuses,
        }
    )
    for column, decimals in DECIMALS.items():
        table[column] = pd.to_numeric(table[column], errors="coerce").round(decimals)
        if decimals == 0:
            table[column] = table[column].astype("Int64")
    table["Irrigate by"] = _dates(table["Irrigate by"])
    table["Last satellite"] = _dates(table["Last satellite"])
    table["Last sensor (UTC)"] = _dates(table["Last sensor (UTC)"])
    if advice is None:
        table = table.drop(columns=list(FORECAST_COLUMNS))
    return table


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The shown table as CSV: rounded as shown, units in the headers, missing cells "-"."""
    out = table.drop(columns=["status_key"], errors="ignore")
    return out.to_csv(index=False, na_rep="-").encode()
