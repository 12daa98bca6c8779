"""Advice: the status rules, one row per field with the documented columns, and `agri train`,
`agri advise` and `agri evaluate` end to end on a slice of the sample cooperative."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from agri_app.advice import AdviceRules, advice_rules, build_advice
from agri_app.advice_table import ADVICE_COLUMNS, advice_to_csv, advice_to_json
from agri_app.cli import app as cli_app
from agri_app.cli_models import format_skill_table, models_app
from agri_app.settings import Settings
from models.yield_model import train_yield_model
from pipelines.sources.bundle import read_bundle
from tests.conftest import SAMPLE_BUNDLE, bundle_sources
from tests.models.factories import FAST, training_rows

REQUIRED = (
    "field_id",
    "season",
    "crop",
    "yield_p10_t_ha",
    "yield_p50_t_ha",
    "yield_p90_t_ha",
    "n_rate_now_kg_ha",
    "n_total_recommended_kg_ha",
    "n_expected_gain_t_ha",
    "irrigation_mm",
    "irrigation_date",
    "status",
    "reasons",
)


def base_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "field_id": "A1",
        "season": 2026,
        "crop": "winter_wheat",
        "has_model": True,
        "yield_p10_t_ha": 9.0,
        "yield_p50_t_ha": 10.0,
        "yield_p90_t_ha": 11.0,
        "yield_moisture_pct": 15.0,
        "past_mean_yield_t_ha": 10.2,
        "n_applied_kg_ha": 120.0,
        "n_rate_now_kg_ha": 0.0,
        "n_total_recommended_kg_ha": 120.0,
        "n_expected_gain_t_ha": 0.0,
        "n_cap_kg_ha": 250.0,
        "grain_price_eur_t": 220.0,
        "irrigation_mm": 0.0,
        "irrigation_advised": False,
        "irrigation_reason": "root zone stays above readily available water through 2026-06-08",
        "reaches_raw_date": pd.NaT,
        "drivers": "low NDVI peak (0.62): −0.41 t/ha",
    }
    row.update(changes)
    return row


def status_of(**changes: object) -> tuple[str, str]:
    out = advice_rules(pd.DataFrame([base_row(**changes)]), AdviceRules())
    return str(out["status"].iloc[0]), str(out["reasons"].iloc[0])


def test_nothing_to_do_is_ok_with_the_forecast_and_its_drivers() -> None:
    status, reasons = status_of()
    assert status == "ok"
    assert "yield forecast 10.0 t/ha (80 % interval 9.0-11.0) at 15.0 % moisture" in reasons
    assert "low NDVI peak (0.62)" in reasons
    assert "no more N" in reasons


def test_nitrogen_to_apply_is_an_action_with_its_economics() -> None:
    status, reasons = status_of(
        n_rate_now_kg_ha=40.0, n_total_recommended_kg_ha=160.0, n_expected_gain_t_ha=0.5
    )
    assert status == "act"
    assert reasons.startswith(
        "apply 40 kg N/ha now (season total 160 kg N/ha): +0.50 t/ha expected, worth 110 EUR/ha "
        "for 44 EUR/ha of N"
    )


def test_a_crop_without_an_n_response_gets_no_n_advice() -> None:
    status, reasons = status_of(crop="grain_maize", n_response_supported=False)
    assert status == "ok"
    assert "no N advice for grain_maize: nitrogen showed no effect on yield" in reasons
    status, reasons = status_of(crop="grain_maize", n_status="no-response")
    assert status == "ok" and "no N advice for grain_maize" in reasons


def test_nitrogen_beyond_the_largest_single_dose_is_advised_for_later() -> None:
    status, reasons = status_of(
        n_applied_kg_ha=60.0,
        n_rate_now_kg_ha=100.0,
        n_later_kg_ha=80.0,
        n_total_recommended_kg_ha=240.0,
        n_expected_gain_t_ha=1.2,
        n_status="advised",
        n_last_useful_progress=0.6,
    )
    assert status == "act"
    assert reasons.startswith(
        "apply 100 kg N/ha now and 80 kg N/ha later, before 60 % of the season's thermal time "
        "(season total 240 kg N/ha): +1.20 t/ha expected"
    )


@pytest.mark.parametrize(
    ("n_status", "note"),
    [
        ("past-last-stage", "no more N: the crop is past the last stage at which N pays (60 %"),
        ("no-calibration", "no N advice for winter_wheat: the model has no N response"),
        ("at-cap", "no more N: the season total is at the cap of 250 kg N/ha"),
        ("not-worth", "no more N: more than 120 kg N/ha would return less grain value"),
    ],
)
def test_why_no_more_nitrogen_is_said(n_status: str, note: str) -> None:
    status, reasons = status_of(n_status=n_status, n_last_useful_progress=0.6)
    assert status == "ok" and note in reasons


def test_irrigation_due_is_an_action() -> None:
    reason = (
        "irrigate 30 mm by 2026-05-30, one application: ...; 0.30 t/ha at stake by FAO-33, "
        "1 − Ya/Ym = Ky (1 − ETa/ETm), ..."
    )
    status, reasons = status_of(
        irrigation_advised=True,
        irrigation_mm=30.0,
        irrigation_date=pd.Timestamp("2026-05-30"),
        irrigation_reason=reason,
        irrigation_yield_at_stake_t_ha=0.3,
        irrigation_decision="irrigate",
    )
    assert status == "act" and reasons.startswith(reason)


@pytest.mark.parametrize(
    "changes",
    [
        {"yield_p50_t_ha": 8.5},  # 17 % below the field's past yields
        {
            "reaches_raw_date": pd.Timestamp("2026-05-30"),
            "irrigation_reason": "reaches readily available water on 2026-05-30; no irrigation "
            "equipment on this field",
            "irrigation_decision": "no-equipment",
        },
        {
            "reaches_raw_date": pd.Timestamp("2026-05-30"),
            "irrigation_reason": "reaches readily available water on 2026-05-30, but 30 mm is "
            "not worth it: ...",
            "irrigation_decision": "not-worth",
        },
    ],
)
def test_a_poor_outlook_without_an_action_is_watch(changes: dict[str, object]) -> None:
    assert status_of(**changes)[0] == "watch"


def test_a_crop_short_of_water_in_its_late_stage_is_not_watched() -> None:
    reason = (
        "reaches readily available water on 2026-09-10, but the crop is in its late-season "
        "stage (from 2026-08-30): no irrigation so close to maturity"
    )
    status, reasons = status_of(
        reaches_raw_date=pd.Timestamp("2026-09-10"),
        irrigation_reason=reason,
        irrigation_decision="late-stage",
    )
    assert status == "ok" and reason in reasons


def test_a_forecast_no_better_than_the_field_mean_says_so() -> None:
    status, reasons = status_of(
        yield_source="field mean",
        yield_p10_t_ha=8.9,
        yield_p50_t_ha=10.2,
        yield_p90_t_ha=11.5,
        drivers="",
    )
    assert status == "ok"
    assert (
        "yield forecast no better than this field's average yet: serving its mean 10.2 t/ha "
        "(80 % interval 8.9-11.5) at 15.0 % moisture"
    ) in reasons
    assert "against the field's past" not in reasons and "drivers" not in reasons
    # A field without past yields of the crop is served the cooperative's mean.
    _, reasons = status_of(yield_source="field mean", past_mean_yield_t_ha=np.nan)
    assert "serving the cooperative's mean of winter_wheat, 10.0 t/ha" in reasons
    # The model's own forecast reads as before.
    _, reasons = status_of(yield_source="model")
    assert "yield forecast 10.0 t/ha (80 % interval 9.0-11.0)" in reasons


def test_no_crop_and_no_model() -> None:
    assert status_of(crop=np.nan)[0] == "no-season"
    status, reasons = status_of(crop="sugar_beet", has_model=False)
    assert status == "no-model" and "no trained model for sugar_beet" in reasons


def test_irrigation_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings().irrigation()
    assert (defaults.max_application_mm, defaults.refill_fraction_of_raw) == (35.0, 0.5)
    assert (defaults.cost_eur_per_mm_ha, defaults.min_yield_at_stake_t_ha) == (1.5, 0.05)
    monkeypatch.setenv("AGRI_IRRIGATION_MAX_MM", "25")
    monkeypatch.setenv("AGRI_IRRIGATION_REFILL_FRACTION_OF_RAW", "0.3")
    monkeypatch.setenv("AGRI_IRRIGATION_COST_EUR_PER_MM_HA", "2.0")
    monkeypatch.setenv("AGRI_IRRIGATION_MIN_YIELD_AT_STAKE_T_HA", "0.1")
    irrigation = Settings.from_env().irrigation()
    assert irrigation.max_application_mm == 25.0
    assert irrigation.refill_fraction_of_raw == 0.3
    assert irrigation.cost_eur_per_mm_ha == 2.0
    assert irrigation.min_yield_at_stake_t_ha == 0.1
    monkeypatch.setenv("AGRI_IRRIGATION_MAX_MM", "0.035")
    with pytest.raises(ValueError, match="max_application_mm is the gross depth of one pass"):
        Settings.from_env().irrigation()


def test_build_advice_gives_one_row_per_field(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)  # 3 fields; A1 maize and A2 wheat growing in 2025
    model = train_yield_model(
        training_rows(crops=("winter_wheat",), seasons=(2019, 2020, 2021)), FAST
    )
    advice = build_advice(
        bundle_sources(bundle),
        bundle.stations,
        bundle.forecast,
        model,
        Settings(),
        pd.Timestamp("2025-05-20"),
    )
    assert list(advice.columns) == list(ADVICE_COLUMNS)
    assert set(REQUIRED) <= set(advice.columns)
    by_field = advice.set_index("field_id")
    assert sorted(by_field.index) == ["A1", "A2", "B1"]
    assert by_field.loc["B1", "status"] == "no-season"  # harvested in 2024, nothing sown
    assert by_field.loc["A1", "status"] == "no-model"  # maize: the model knows wheat only
    wheat = by_field.loc["A2"]
    assert wheat["status"] in {"act", "watch", "ok"}
    assert wheat["yield_p10_t_ha"] <= wheat["yield_p50_t_ha"] <= wheat["yield_p90_t_ha"]
    assert wheat["n_applied_kg_ha"] == 80.0  # the 2025-03-05 dressing
    assert 0.0 <= wheat["n_rate_now_kg_ha"] <= 250.0 - 80.0
    assert wheat["yield_moisture_pct"] == 15.0
    assert 0.0 <= wheat["irrigation_mm"] <= Settings().irrigation_max_mm
    assert wheat["irrigation_yield_at_stake_t_ha"] >= 0.0
    assert wheat["yield_source"] in {"model", "field mean"}
    assert pd.isna(by_field.loc["B1", "yield_source"])

    parsed = pd.read_csv(io.StringIO(advice_to_csv(advice)))
    assert list(parsed.columns) == list(ADVICE_COLUMNS)
    assert list(ADVICE_COLUMNS)[-1] == "yield_source"
    assert parsed["as_of"].eq("2025-05-20").all()
    records = json.loads(advice_to_json(advice))
    assert len(records) == 3 and records[0]["as_of"] == "2025-05-20"
    assert {r["field_id"]: r["yield_p50_t_ha"] for r in records}["B1"] is None
    assert {r["field_id"]: r["yield_source"] for r in records}["A2"] == wheat["yield_source"]


def test_build_advice_serves_the_field_mean_where_the_model_has_no_skill(
    bundle_dir: Path,
) -> None:
    bundle = read_bundle(bundle_dir)
    trained = train_yield_model(
        training_rows(crops=("winter_wheat",), seasons=(2019, 2020, 2021)), FAST
    )
    wheat = replace(
        trained.crops["winter_wheat"],
        model_skilled=(False,) * 4,
        field_mean_offsets=(-1.0, 1.0),
        cooperative_mean_yield_t_ha=9.0,
    )
    model = replace(trained, crops={"winter_wheat": wheat})
    advice = build_advice(
        bundle_sources(bundle),
        bundle.stations,
        bundle.forecast,
        model,
        Settings(),
        pd.Timestamp("2025-05-20"),
    ).set_index("field_id")
    row = advice.loc["A2"]
    assert row["yield_source"] == "field mean"
    assert row["yield_p90_t_ha"] - row["yield_p50_t_ha"] == pytest.approx(1.0)
    assert "no better than this field's average yet: serving" in row["reasons"]
    assert row["drivers"] == ""  # the model's drivers would explain a number not served


def sample_slice(root: Path, per_farm: int = 3) -> Path:
    """A copy of the sample bundle with the first `per_farm` fields of each farm (no sensors)."""
    root.mkdir(parents=True)
    for name in ("bundle.json", "farms.csv", "weather.csv", "forecast.csv"):
        shutil.copy(SAMPLE_BUNDLE / name, root / name)
    geo = json.loads((SAMPLE_BUNDLE / "fields.geojson").read_text())
    kept: list[dict[str, Any]] = []
    per: dict[str, int] = {}
    for feature in geo["features"]:
        farm = feature["properties"]["farm_id"]
        if per.get(farm, 0) < per_farm:
            per[farm] = per.get(farm, 0) + 1
            kept.append(feature)
    geo["features"] = kept
    (root / "fields.geojson").write_text(json.dumps(geo))
    ids = {f["properties"]["field_id"] for f in kept}
    for name in ("seasons.csv", "operations.csv", "satellite.csv"):
        frame = pd.read_csv(SAMPLE_BUNDLE / name, dtype=str, keep_default_na=False)
        frame[frame["field_id"].isin(ids)].to_csv(root / name, index=False)
    return root


@pytest.mark.slow
def test_train_advise_evaluate_on_a_slice_of_the_sample(tmp_path: Path) -> None:
    bundle = str(sample_slice(tmp_path / "slice"))
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    env = {"AGRI_TRAIN_EVERY_DAYS": "42", "AGRI_CROP_MODEL_MEMBERS": "3"}
    imported = runner.invoke(cli_app, ["import", bundle, "--workspace", ws])
    assert imported.exit_code == 0, imported.output

    trained = runner.invoke(models_app, ["train", "--workspace", ws, "--json"], env=env)
    assert trained.exit_code == 0, trained.output
    skill = json.loads(trained.stdout)["skill"]
    assert {row["crop"] for row in skill} == {"winter_wheat", "grain_maize"}
    assert {row["forecast_point"] for row in skill} == {"25 %", "50 %", "75 %", "harvest"}
    assert all(0.0 <= row["coverage_p10_p90"] <= 1.0 for row in skill)
    assert {row["serves"] for row in skill} <= {"model", "field mean"}
    table = format_skill_table(pd.DataFrame(skill))
    assert table.splitlines()[0].split()[:3] == ["crop", "forecast", "seasons"]
    assert table.splitlines()[0].split()[-1] == "serves"
    assert len(table.splitlines()) == 1 + len(skill)
    farm_out = json.loads(trained.stdout)["skill_leave_farm_out"]  # 4 farms in the slice
    assert {(r["crop"], r["forecast_point"]) for r in farm_out} == {
        (r["crop"], r["forecast_point"]) for r in skill
    }

    out = tmp_path / "advice.csv"
    advised = runner.invoke(
        models_app,
        [
            "advise",
            "--as-of",
            "2026-05-25",
            "--workspace",
            ws,
            "--out",
            str(out),
        ],
    )
    assert advised.exit_code == 0, advised.output
    advice = pd.read_csv(out)
    assert len(advice) == 12 and advice["field_id"].is_unique
    assert set(REQUIRED) <= set(advice.columns)
    assert advice["status"].isin(["act", "watch", "ok"]).all()
    assert advice["yield_source"].isin(["model", "field mean"]).all()
    assert (advice["n_rate_now_kg_ha"] >= 0).all()
    assert (advice["n_total_recommended_kg_ha"] <= 250.0 + 1e-9).all()
    as_json = runner.invoke(
        models_app,
        [
            "advise",
            "--as-of",
            "2026-05-25",
            "--format",
            "json",
            "--workspace",
            ws,
        ],
    )
    assert len(json.loads(as_json.stdout)) == 12

    evaluated = runner.invoke(models_app, ["evaluate", "--workspace", ws, "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    result = json.loads(evaluated.stdout)
    assert {row["as_of"] for row in result["yield"]} == {"2026-03-30", "2026-04-27", "2026-05-25"}
    strategies = [row["strategy"] for row in result["nitrogen"]["strategies"]]
    assert strategies[0] == "model recommendation"
    assert strategies[1].startswith("cooperative average")


def test_advise_refuses_an_empty_workspace_a_missing_model_and_a_date_after_the_data(
    bundle_dir: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    empty = runner.invoke(models_app, ["advise", "--workspace", ws])
    assert empty.exit_code == 2 and "run `agri import BUNDLE` first" in empty.stderr
    imported = runner.invoke(cli_app, ["import", str(bundle_dir), "--workspace", ws])
    assert imported.exit_code == 0, imported.output
    missing = runner.invoke(models_app, ["advise", "--as-of", "2025-05-20", "--workspace", ws])
    assert missing.exit_code == 2 and "run `agri train` first" in missing.stderr
    bad = runner.invoke(models_app, ["advise", "--as-of", "25-05-2026", "--workspace", ws])
    assert bad.exit_code == 2 and "write YYYY-MM-DD" in bad.stderr
    late = runner.invoke(models_app, ["advise", "--as-of", "2030-01-01", "--workspace", ws])
    assert late.exit_code == 2 and "after the day the imported data run to" in late.stderr


def test_train_names_the_fix_when_history_is_too_short(bundle_dir: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "w")
    imported = CliRunner().invoke(cli_app, ["import", str(bundle_dir), "--workspace", ws])
    assert imported.exit_code == 0, imported.output
    result = CliRunner().invoke(models_app, ["train", "--workspace", ws])
    assert result.exit_code == 2
    assert "two or more harvested seasons" in result.stderr


def test_the_crop_model_must_confirm_an_irrigation_within_the_forecast() -> None:
    from agri_app.advice import crop_model_confirms

    plan = pd.DataFrame(
        {
            "field_id": ["a", "b", "c", "d"],
            "irrigation_mm": [30.0, 30.0, 30.0, 0.0],
            "irrigation_date": pd.to_datetime(["2025-07-03"] * 3 + [None]),
            "yield_at_stake_t_ha": [0.4, 0.4, 0.4, 0.0],
            "irrigation_decision": ["irrigate", "irrigate", "irrigate", "no-trigger"],
            "irrigation_reason": ["irrigate 30 mm"] * 3 + [""],
            "reaches_raw_date": pd.to_datetime(["2025-07-03"] * 3 + [None]),
            "projection_end": pd.to_datetime(["2025-07-15"] * 4),
        }
    )
    season_value = pd.DataFrame(
        {
            # a: the twin irrigates within the forecast; b: only after it; c: no twin ran.
            "cm_irrigation_gain_t_ha": [0.8, 0.3, np.nan, 0.1],
            "cm_irrigation_trigger_date": pd.to_datetime(["2025-07-05", "2025-07-20", None, None]),
        }
    )
    out = crop_model_confirms(plan, season_value)
    assert out["irrigation_mm"].tolist() == [30.0, 0.0, 30.0, 0.0]
    assert out.loc[1, "irrigation_decision"] == "no-trigger"
    assert "crop model keeps the root zone above" in out.loc[1, "irrigation_reason"]
    assert pd.isna(out.loc[1, "irrigation_date"])
    pd.testing.assert_frame_equal(out.drop(index=1), plan.drop(index=1))
