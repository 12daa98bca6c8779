"""The Models page per role (AppTest): the trained date, skill in words ("better than the field's
own average by X %" / "no better than the field's average yet: the average is served"), figures
with one or two decimals, no developer column names."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.store import storage

PAGE = "views/models.py"
DEVELOPER_NAMES = ("nrmse", "skill_vs", "rmse_t_ha", "coverage_p10", "forecast_point", "gain_share")


def _skill(
    crop: str, point: str, skill: float, serves: str, model_rmse: float
) -> dict[str, object]:
    field_mean_rmse = model_rmse / (1.0 - skill)
    return {
        "crop": crop,
        "forecast_point": point,
        "seasons": 8,
        "field_seasons": 240,
        "model_rmse_t_ha": model_rmse,
        "model_nrmse_pct": 100 * model_rmse / 9.0,
        "field_mean_rmse_t_ha": field_mean_rmse,
        "field_mean_nrmse_pct": 100 * field_mean_rmse / 9.0,
        "skill_vs_field_mean": skill,
        "skill_vs_trend": 0.4,
        "coverage_p10_p90": 0.79326,
        "field_mean_coverage_p10_p90": 0.71579,
        "serves": serves,
    }


def write_model(workspace: storage.Workspace) -> None:
    """A trained model's metadata.json as `models.registry` writes it (two crops, maize
    without skill early in the season)."""
    folder = workspace.models_dir / "yield" / "20250601T101500000000Z-abcdef12"
    folder.mkdir(parents=True)
    skill = [
        _skill("grain_maize", "25 %", 0.12364933, "field mean", 2.0815591),
        _skill("grain_maize", "50 %", 0.22721988, "model", 1.8972695),
        _skill("grain_maize", "harvest", 0.42681177, "model", 1.2034),
        _skill("winter_wheat", "50 %", 0.2742083, "model", 1.30117),
    ]
    meta = {
        "format": 1,
        "version": "20250601T101500000000Z-abcdef12",
        "created_utc": "2025-06-01T10:15:00.000000+00:00",
        "training_data_sha256": "abcdef1234567890",
        "settings": {"progress_edges": [0.375, 0.625, 0.875], "min_skill_vs_field_mean": 0.15},
        "crops": {
            "grain_maize": {
                "model_skilled_by_bucket": [False, True, True, True],
                "training_seasons": [2018, 2019, 2020, 2021, 2022, 2023, 2024],
            },
            "winter_wheat": {
                "model_skilled_by_bucket": [False, True, True, True],
                "training_seasons": [2018, 2019, 2020, 2021, 2022, 2023, 2024],
            },
        },
        "metrics": {
            "skill": skill,
            "skill_leave_farm_out": skill[1:],
            "feature_importance": [
                {"crop": "grain_maize", "feature": "irrigation_applied_mm", "gain_share": 0.1848},
                {"crop": "grain_maize", "feature": "cm_twso_t_ha", "gain_share": 0.1358},
                {"crop": "winter_wheat", "feature": "ndvi_peak_index", "gain_share": 0.3012},
            ],
        },
    }
    (folder / "metadata.json").write_text(json.dumps(meta))


def _shown(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "subheader") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("username", ["admin", "agro", "member-a"])
def test_models_page_in_an_agronomists_words(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace, username: str
) -> None:
    write_model(app_workspace)
    at = signed_in(username, PAGE)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Trained": "01 Jun 2025",  # the date the metadata holds, not "-"
        "Seasons learned from": "2018–2024",
    }
    assert "Crops: Grain maize, Winter wheat" in [c.value for c in at.caption]
    assert at.selectbox(key="model_version").options == ["trained 01 Jun 2025 10:15 UTC"]
    assert "How good is the yield forecast?" in [s.value for s in at.subheader]

    # Per crop (sorted), first held out by season, then by farm: static tables whose cells
    # wrap on a phone, with their figures already rounded.
    tables = [t.value for t in at.table]
    assert len(tables) == 4
    maize = tables[0]
    assert list(maize.columns) == ["Stage", "Forecast served", "Typical error", "80 % range held"]
    assert maize.to_dict(orient="list") == {
        "Stage": ["25 %", "50 %", "harvest"],
        "Forecast served": [
            "no better than the field's average yet: the average is served",
            "better than the field's own average by 23 %",
            "better than the field's own average by 43 %",
        ],
        # What is served is what the error belongs to: the field mean's at 25 %, the model's
        # later.
        "Typical error": ["2.4 t/ha", "1.9 t/ha", "1.2 t/ha"],
        "80 % range held": ["72 %", "79 %", "79 %"],
    }

    importance = next(d.value for d in at.dataframe if "What" in d.value.columns)
    assert importance["What"].tolist() == ["irrigation so far", "crop-model grain so far"]
    shown = _shown(at) + " ".join(" ".join(map(str, d.value.columns)) for d in at.dataframe)
    for name in DEVELOPER_NAMES:
        assert name not in shown, name
    assert "better than the field's own average by 25 %" in shown  # the caption explains it
    assert "at least 15 % better" in shown


def test_a_model_without_skill_tables_says_how_to_get_them(
    signed_in: Callable[..., AppTest], app_workspace: storage.Workspace
) -> None:
    folder = app_workspace.models_dir / "yield" / "20250601T000000Z-abcdef12"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(json.dumps({"created_utc": "2025-06-01T00:00:00"}))
    at = signed_in("agro", PAGE)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Trained"] == "01 Jun 2025"
    assert any("agri train" in i.value for i in at.info)


def test_without_a_model_the_page_names_the_command(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("member-a", PAGE)
    assert "agri train" in at.info[0].value
