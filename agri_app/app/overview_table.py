"""The overview's field table: what to do first, units in the headers, numbers rounded as shown.

One frame serves the page (st.dataframe, whose own CSV export then carries the same rounded
numbers) and the "Download the table (CSV)" button.
"""

from __future__ import annotations

import pandas as pd

from agri_app.app import advice_source
from pipelines.agronomy.stages import stage_text

# Advice status → what the overview says (map legend, table, tooltip). The dots match the map.
STATUS_TEXT = {
    "act": "act",
    "watch": "watch",
    "ok": "ok",
    "no-season": "no forecast",
    "no-model": "no forecast",
}
STATUS_DOTS = {"act": "🔴", "watch": "🟠", "ok": "🟢", "no forecast": "⚪"}
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
    rows = (
        {}
        if advice is None or advice.empty
        else {
            str(r["field_id"]): r
            for r in advice.drop_duplicates("field_id").to_dict(orient="records")
        }
    )
    stage_of = stages.set_index("field_id")
    records = []
    for field in fields.to_dict(orient="records"):
        row = rows.get(str(field["field_id"]))
        status = status_of(row)
        stage = stage_of.loc[field["field_id"]] if field["field_id"] in stage_of.index else None
        stage_cell = (
            "-"
            if stage is None
            else stage_text(stage["stage"], stage["stage_progress_pct"]).replace(
                " of the thermal time to maturity", ""
            )
        )
        source = row.get("yield_source") if row is not None else None
        p10 = advice_source.as_number(row.get("yield_p10_t_ha")) if row else None
        p90 = advice_source.as_number(row.get("yield_p90_t_ha")) if row else None
        mm = advice_source.as_number(row.get("irrigation_mm")) if row else None
        records.append(
            {
                "Field": field["field_name"],
                "Status": f"{STATUS_DOTS[status]} {status}",
                "To do this week": advice_source.action_text(row) if row else "-",
                "Stage": stage_cell,
                "Crop": field["crop"] if pd.notna(field["crop"]) else None,
                "Yield P50 (t/ha)": advice_source.as_number(row.get("yield_p50_t_ha"))
                if row
                else None,
                "Yield from": None
                if source is None or not isinstance(source, str)
                else (
                    f"field mean: model {advice_source.FIELD_MEAN_NOTE}"
                    if source == advice_source.FIELD_MEAN
                    else source
                ),
                "Yield P10–P90 (t/ha)": f"{p10:.1f}–{p90:.1f}"
                if p10 is not None and p90 is not None
                else None,
                "N now (kg N/ha)": advice_source.as_number(row.get("n_rate_now_kg_ha"))
                if row
                else None,
                "Irrigation (mm)": mm,
                "Irrigate by": row.get("irrigation_date") if row and mm else None,
                "Farm": field["farm_name"],
                "Area (ha)": field["area_ha"],
                "Last satellite": field["last_satellite"],
                "Last sensor (UTC)": field["last_sensor"],
                "ID": field["field_id"],
                "status_key": status,
            }
        )
    table = pd.DataFrame.from_records(records, columns=[*COLUMNS, "status_key"])
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
    """The shown table as CSV: rounded as shown, units in the headers, missing cells "-",
    status without its coloured dot."""
    out = table.drop(columns=["status_key"], errors="ignore").copy()
    if "Status" in out.columns:
        out["Status"] = out["Status"].str.split(" ", n=1).str[-1]
    return out.to_csv(index=False, na_rep="-").encode()
