"""The stored advice in the pages' words: one consistent N statement, what to do, the table."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from agri_app.app import advice_source, overview_table
from agri_app.settings import Settings

NO_N = (
    "no N advice for grain_maize: nitrogen showed no effect on yield within fields across seasons"
)
APPLY = (
    "apply 40 kg N/ha now (season total 175 kg N/ha): +0.31 t/ha expected, worth 68 EUR/ha for "
    "44 EUR/ha of N"
)


def _row(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "field_id": "F1",
        "crop": "grain_maize",
        "status": "ok",
        "n_rate_now_kg_ha": 0.0,
        "n_total_recommended_kg_ha": 175.0,
        "irrigation_mm": 0.0,
        "irrigation_date": None,
        "yield_p10_t_ha": 7.04,
        "yield_p50_t_ha": 8.562787760850227,
        "yield_p90_t_ha": 9.91,
        "yield_source": "model",
        "reasons": "",
    }
    return {**base, **values}


def test_no_n_advice_never_shows_a_recommended_total() -> None:
    text = advice_source.nitrogen_text(_row(reasons=f"{NO_N} | forecast 8.6 t/ha"))
    assert text.headline == "no advice" and text.detail == NO_N and not text.advised
    assert "175" not in text.headline + text.detail


def test_an_application_carries_its_total_in_one_sentence() -> None:
    text = advice_source.nitrogen_text(_row(n_rate_now_kg_ha=40.0, reasons=APPLY, status="act"))
    assert text.headline == "40 kg N/ha" and text.detail == APPLY and text.advised
    assert advice_source.nitrogen_text(_row(n_rate_now_kg_ha=np.nan)).headline == "-"
    stop = "no more N: the season total is at the cap of 170 kg N/ha"
    text = advice_source.nitrogen_text(_row(reasons=stop))
    assert (text.headline, text.detail, text.advised) == ("0 kg N/ha", stop, False)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"status": "no-model"}, "-"),
        ({"status": "ok"}, "nothing to do"),
        ({"status": "watch"}, "watch"),
        ({"status": "act", "n_rate_now_kg_ha": 40.0}, "apply 40 kg N/ha"),
        (
            {
                "status": "act",
                "irrigation_mm": 25.4,
                "irrigation_date": pd.Timestamp("2025-06-12"),
            },
            "irrigate 25 mm by 12 Jun",
        ),
    ],
)
def test_action_text(values: dict[str, object], expected: str) -> None:
    assert advice_source.action_text(_row(**values)) == expected


def test_yield_text_says_when_it_is_the_field_mean() -> None:
    assert advice_source.yield_text(_row()) == "8.6 (7.0–9.9)"
    assert advice_source.yield_text(_row(yield_source="field mean")).endswith(
        ": no better than this field's average"
    )
    assert advice_source.yield_text(_row(yield_p50_t_ha=np.nan)) == "-"


def test_assumptions_name_prices_caps_and_efficiency() -> None:
    crop = {"grain_price_eur_t": 200.0, "n_max_kg_ha": 220.0, "n_last_useful_progress": 0.45}
    settings = Settings(n_price_eur_per_kg_n=1.25, n_cap_kg_ha=170.0, irrigation_efficiency=0.8)
    items = dict(advice_source.assumptions(_row(as_of=pd.Timestamp("2025-06-01")), crop, settings))
    assert items["Grain price"] == "200 EUR/t"
    assert items["Nitrogen price"] == "1.25 EUR/kg N"
    assert items["Regulatory N cap"] == "170 kg N/ha"
    assert items["Crop's N maximum per season"] == "220 kg N/ha"
    assert items["N pays until"] == "45% of the season's thermal time"
    assert items["Irrigation application efficiency"] == "80%"
    assert items["Largest single N dose"] == "-"  # not in this crop row
    assert items["Advice date"] == "01 Jun 2025"


def _fields() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "field_id": ["F1", "F2"],
            "field_name": ["North", "South"],
            "farm_name": ["Farm", "Farm"],
            "crop": ["Grain maize", None],
            "area_ha": [6.04321, 3.0],
            "last_satellite": [pd.Timestamp("2025-05-30"), None],
            "last_sensor": [pd.Timestamp("2025-05-31 13:45", tz="UTC"), pd.NaT],
        }
    )


def test_field_table_key_columns_first_rounded_and_csv_with_units() -> None:
    stages = pd.DataFrame(
        {
            "field_id": ["F1", "F2"],
            "stage": ["development", "not sown"],
            "stage_progress_pct": [41.6, np.nan],
        }
    )
    advice = pd.DataFrame([_row(n_rate_now_kg_ha=40.4, reasons=APPLY, status="act")])
    table = overview_table.field_table(_fields(), advice, stages)
    assert list(table.columns[:4]) == ["Field", "Status", "To do this week", "Stage"]
    first = table.iloc[0]
    assert first["Status"] == "act" and first["To do this week"] == "apply 40 kg N/ha"
    assert first["Stage"] == "development (42 %)"
    assert first["Yield P50 (t/ha)"] == 8.6 and first["N now (kg N/ha)"] == 40
    second = table.iloc[1]
    assert second["Status"] == "no forecast" and second["Stage"] == "not sown"
    assert second["To do this week"] == "-"
    csv = overview_table.csv_bytes(table).decode()
    rows = pd.read_csv(io.StringIO(csv), dtype=str)
    assert rows.loc[0, "Yield P50 (t/ha)"] == "8.6" and rows.loc[0, "Area (ha)"] == "6.0"
    assert rows.loc[0, "N now (kg N/ha)"] == "40" and rows.loc[0, "Status"] == "act"
    assert rows.loc[0, "Last sensor (UTC)"] == "2025-05-31"
    assert rows.loc[1, "Yield P50 (t/ha)"] == "-" and rows.loc[1, "Crop"] == "-"
    assert "status_key" not in rows.columns


def test_field_table_without_advice_leaves_forecast_columns_out() -> None:
    stages = pd.DataFrame({"field_id": ["F1"], "stage": [None], "stage_progress_pct": [np.nan]})
    table = overview_table.field_table(_fields(), None, stages)
    assert not set(overview_table.FORECAST_COLUMNS) & set(table.columns)
    assert list(table["Stage"]) == ["-", "-"]
