"""`agri evaluate --json` end to end on a slice of the sample cooperative: held-out skill with
what is served, the season against the truth, nitrogen with the flat rates, irrigation, and a
verdict per target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agri_app.cli import app as cli_app
from agri_app.cli_models import format_evaluation, models_app
from tests.agri_app.test_advice import sample_slice

VERDICTS = {"met", "missed", "fallback served", "no data"}


@pytest.mark.slow
def test_evaluate_json_on_a_slice_of_the_sample(tmp_path: Path) -> None:
    bundle = str(sample_slice(tmp_path / "slice", per_farm=2))
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    env = {"AGRI_TRAIN_EVERY_DAYS": "42", "AGRI_CROP_MODEL_MEMBERS": "3"}
    imported = runner.invoke(cli_app, ["import", bundle, "--workspace", ws, "--no-refresh"])
    assert imported.exit_code == 0, imported.output
    trained = runner.invoke(models_app, ["train", "--workspace", ws], env=env)
    assert trained.exit_code == 0, trained.output

    evaluated = runner.invoke(models_app, ["evaluate", "--workspace", ws, "--json"], env=env)
    assert evaluated.exit_code == 0, evaluated.output
    result = json.loads(evaluated.stdout)
    assert result["cooperative_id"] == "coop-betuwe"
    assert result["reference_date"] == "2026-05-25"

    for scheme in ("leave_one_season_out", "leave_farm_out"):
        rows = result["skill"][scheme]
        assert {(r["crop"], r["forecast_point"]) for r in rows} == {
            (crop, point)
            for crop in ("grain_maize", "winter_wheat")
            for point in ("25 %", "50 %", "75 %", "harvest")
        }
        for row in rows:
            if row["serves"] == "field mean":
                assert row["served_skill_vs_field_mean"] == 0.0
                assert row["served_nrmse_pct"] == row["field_mean_nrmse_pct"]
            else:
                assert row["served_nrmse_pct"] == row["model_nrmse_pct"]
            expected = "no target" if row["forecast_point"] in ("25 %", "harvest") else None
            assert row["verdict"] == expected or row["verdict"] in VERDICTS

    assert {row["as_of"] for row in result["yield"]} == {"2026-03-30", "2026-04-27", "2026-05-25"}
    assert all(row["yield_source"] for row in result["yield"])

    strategies = [row["strategy"] for row in result["nitrogen"]["strategies"]]
    assert strategies[0] == "model recommendation"
    assert strategies[1].startswith("cooperative average")
    assert {"flat 150 kg N/ha", "flat 175 kg N/ha", "flat 200 kg N/ha"} <= set(strategies)
    assert len({row["fields"] for row in result["nitrogen"]["strategies"]}) == 1
    advice = {row["crop"]: row for row in result["nitrogen"]["advice"]}
    assert advice["grain_maize"]["truth_response"] == "none"
    assert advice["winter_wheat"]["truth_response"] == "responds"

    assert result["irrigation"]["window_days"] == 7
    assert "outside_the_truth_rule" in result["irrigation"]
    assert {row["crop"] for row in result["irrigation"]["triggers"]} >= {"grain_maize"}
    assert {row["part"] for row in result["verdicts"]} == {"yield", "nitrogen", "irrigation"}
    assert {row["verdict"] for row in result["verdicts"]} <= VERDICTS

    text = runner.invoke(models_app, ["evaluate", "--workspace", ws], env=env)
    assert text.exit_code == 0, text.output
    for heading in ("1. Held-out yield skill", "2. The 2026 season", "3. Nitrogen", "5. Targets"):
        assert heading in text.stdout


def test_evaluate_names_a_missing_truth_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        models_app, ["evaluate", "--workspace", str(tmp_path), "--truth", str(tmp_path / "no")]
    )
    assert result.exit_code == 2 and "pass --truth DIR" in result.stderr


def test_format_evaluation_is_importable() -> None:
    assert callable(format_evaluation)
