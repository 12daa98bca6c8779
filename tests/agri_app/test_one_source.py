"""One source of truth: a bundle that is not the sample trains on its own data; advice is
computed once, stored, refreshed only where inputs changed, and the app, `agri advise` and the
weekly report carry the same numbers for the same field and day."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from agri_app.advice_service import refresh_advice, stored_advice
from agri_app.cli import APP_SCRIPT
from agri_app.cli import app as cli_app
from agri_app.cli_models import models_app
from agri_app.cli_report import report_app
from agri_app.settings import Settings
from models.irrigation import IrrigationTrigger
from models.registry import ModelRegistry
from pipelines.store import access, schema, storage
from pipelines.store.loader import load_workspace
from tests.agri_app.test_advice import sample_slice

AS_OF = "2026-05-25"  # the slice's reference date, the issue day of 2026-W21
COOP = "coop-elsewhere"
TRAIN_ENV = {"AGRI_TRAIN_EVERY_DAYS": "42", "AGRI_CROP_MODEL_MEMBERS": "3"}
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Trained:
    workspace: Path
    train_output: str


def _other_cooperative(root: Path) -> Path:
    """A slice of the sample renamed to another cooperative: not the sample's data."""
    bundle = sample_slice(root, per_farm=2)
    manifest = json.loads((bundle / "bundle.json").read_text())
    manifest["cooperative_id"] = COOP
    manifest["cooperative_name"] = "Elsewhere growers"
    (bundle / "bundle.json").write_text(json.dumps(manifest))
    return bundle


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    root = tmp_path_factory.mktemp("one-source")
    ws = root / "ws"
    runner = CliRunner()
    imported = runner.invoke(
        cli_app, ["import", str(_other_cooperative(root / "b")), "--workspace", str(ws)]
    )
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(models_app, ["train", "--workspace", str(ws)], env=TRAIN_ENV)
    assert result.exit_code == 0, result.output
    engine = storage.open_workspace(storage.Workspace(ws))
    access.add_user(engine, "agro", PASSWORD, "agronomist", COOP, ())
    return Trained(ws, result.output)


def _settings(ws: Path) -> Settings:
    """The settings the trained fixture's commands ran with (`TRAIN_ENV`)."""
    return replace(
        Settings.from_env(ws),
        train_every_days=int(TRAIN_ENV["AGRI_TRAIN_EVERY_DAYS"]),
        crop_model_members=int(TRAIN_ENV["AGRI_CROP_MODEL_MEMBERS"]),
    )


def _engine(ws: Path) -> sa.Engine:
    return storage.open_workspace(storage.Workspace(ws))


def test_a_bundle_that_is_not_the_sample_trains_on_its_own_data(trained: Trained) -> None:
    metadata = ModelRegistry(trained.workspace / "models").metadata()
    inputs = metadata["training_inputs"]
    data = load_workspace(_engine(trained.workspace))
    assert inputs["cooperative_id"] == COOP == data.cooperative_id
    assert inputs["data_sha256"] == data.inputs_sha256(with_forecast=False)
    assert inputs["reference_date"] == AS_OF
    seasons = set(data.seasons.loc[data.seasons["yield_t_ha"].notna(), "season"].astype(int))
    for crop in metadata["crops"].values():
        assert set(crop["training_seasons"]) <= seasons
    # The irrigation trigger is calibrated with the models, on this cooperative's own records.
    trigger = IrrigationTrigger.from_json(metadata["irrigation_trigger"])
    recorded = data.operations[data.operations["operation"] == "irrigation"]
    assert trigger is None or set(trigger.crops) <= set(data.seasons["crop"])
    assert sum(records for _, records in (trigger.crops.values() if trigger else [])) <= len(
        recorded
    )
    # Training ends by storing the advice of the data's day with the new model.
    assert "8 field(s) recomputed, 0 unchanged" in trained.train_output
    stored = stored_advice(_engine(trained.workspace))
    assert stored is not None and stored.run.model_version == metadata["version"]
    assert str(stored.run.as_of) == AS_OF and len(stored.table) == 8


def test_app_agri_advise_and_the_report_carry_the_same_numbers(trained: Trained) -> None:
    ws = str(trained.workspace)
    runner = CliRunner()
    advised = runner.invoke(
        models_app,
        ["advise", "--as-of", AS_OF, "--format", "json", "--workspace", ws],
        env=TRAIN_ENV,
    )
    assert advised.exit_code == 0, advised.output
    cli = {r["field_id"]: r for r in json.loads(advised.stdout)}
    assert "0 field(s) computed, 8 unchanged" in advised.stderr  # read, not recomputed

    reported = runner.invoke(
        report_app, ["weekly", "--week", "2026-W21", "--workspace", ws], env=TRAIN_ENV
    )
    assert reported.exit_code == 0, reported.output
    growing = [f for f, r in sorted(cli.items()) if r["yield_p50_t_ha"] is not None]
    assert growing
    folder = trained.workspace / "reports" / "2026-W21"
    engine = _engine(trained.workspace)
    farm_of = dict(
        engine.connect().execute(sa.select(schema.fields.c.field_id, schema.fields.c.farm_id)).all()
    )
    for field in growing:
        numbers = json.loads((folder / f"2026-W21_{farm_of[field]}.json").read_text())
        assert numbers["fields"][field]["yield_p50_t_ha"] == round(cli[field]["yield_p50_t_ha"], 3)
        html = (folder / f"2026-W21_{farm_of[field]}.html").read_text()
        outlook = html[html.index('<section id="outlook">') :]
        row = outlook[outlook.index(f"<tr><td>{field}</td>") :].split("</tr>")[0]
        assert f"{cli[field]['yield_p50_t_ha']:.1f} t/ha" in row
        assert f"{cli[field]['yield_p10_t_ha']:.1f}–{cli[field]['yield_p90_t_ha']:.1f} t/ha" in row

    # The app's field page, signed in, shows the same stored numbers.
    field = growing[0]
    env = {"AGRI_WORKSPACE": ws, **TRAIN_ENV}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
        at.run()
        at.text_input(key="username").input("agro")
        at.text_input(key="password").input(PASSWORD)
        at.button[0].click()
        at.run()
        at.switch_page("views/field.py")
        at.run()
        at.selectbox(key="field_select").select(field)
        at.run()
        assert not at.exception, at.exception
        metrics = {m.label: m.value for m in at.metric}
    row = cli[field]
    assert metrics["P50"] == f"{row['yield_p50_t_ha']:.1f} t/ha"
    no_n_advice = any(r.startswith("no N advice") for r in row["reasons"].split(" | "))
    rate = f"{row['n_rate_now_kg_ha']:.0f} kg N/ha"
    assert metrics["Apply now"] == ("no advice" if no_n_advice else rate)
    irrigation = row["irrigation_mm"]
    assert metrics["Irrigate"] == (f"{irrigation:.0f} mm" if irrigation else "none due")


def test_a_refresh_recomputes_only_the_fields_whose_inputs_changed(trained: Trained) -> None:
    engine = _engine(trained.workspace)
    settings = _settings(trained.workspace)
    unchanged = refresh_advice(engine, settings, trigger="test")
    assert not unchanged.new_run and unchanged.computed == 0

    data = load_workspace(engine)
    changed = sorted(data.fields["field_id"])[:2]
    with engine.begin() as conn:  # a re-processed satellite series on two fields
        conn.execute(
            sa.update(schema.satellite_observations)
            .where(schema.satellite_observations.c.field_id.in_(changed))
            .values(ndvi_mean=schema.satellite_observations.c.ndvi_mean * 0.97)
        )
    result = refresh_advice(engine, settings, trigger="test")
    assert result.new_run and (result.computed, result.reused) == (2, 6)
    incremental = stored_advice(engine, run_id=result.run.run_id)
    full = refresh_advice(engine, settings, trigger="test", force=True)
    assert full.computed == 8
    recomputed = stored_advice(engine, run_id=full.run.run_id)
    assert incremental is not None and recomputed is not None
    pd.testing.assert_frame_equal(incremental.table, recomputed.table)

    # A new weather day at one station changes the advice inputs of that station's fields only.
    station = str(data.fields["station_id"].iloc[0])
    at_station = int((data.fields["station_id"] == station).sum())
    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.weather_daily)
            .where(
                schema.weather_daily.c.station_id == station,
                schema.weather_daily.c.date == pd.Timestamp("2026-05-20").date(),
            )
            .values(precip_mm=schema.weather_daily.c.precip_mm + 5.0)
        )
    by_weather = refresh_advice(engine, settings, trigger="test")
    assert by_weather.computed == at_station and by_weather.reused == 8 - at_station


def test_demo_skips_training_when_data_and_code_have_not_changed(tmp_path: Path) -> None:
    bundle = _other_cooperative(tmp_path / "b")
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    args = ["demo", "--bundle", str(bundle), "--workspace", ws, "--no-serve"]
    first = runner.invoke(cli_app, args, env=TRAIN_ENV)
    assert first.exit_code == 0, first.output
    assert "step 2/3: train the models (held-out skill" in first.stdout
    second = runner.invoke(cli_app, args, env=TRAIN_ENV)
    assert second.exit_code == 0, second.output
    assert "step 2/3: train the models: skipped, model" in second.stdout
    assert "trained on exactly this data, code and settings" in second.stdout
    # Other training settings make the model stale: it trains again.
    third = runner.invoke(
        cli_app, args, env={"AGRI_TRAIN_EVERY_DAYS": "35", "AGRI_CROP_MODEL_MEMBERS": "3"}
    )
    assert "step 2/3: train the models (held-out skill" in third.stdout


def test_every_advice_setting_is_in_the_fingerprint_and_training_settings_are_not() -> None:
    from dataclasses import replace

    from agri_app.advice_service import settings_fingerprint

    base = Settings()
    assert settings_fingerprint(replace(base, irrigation_max_mm=25.0)) != settings_fingerprint(base)
    assert settings_fingerprint(replace(base, n_price_eur_per_kg_n=1.5)) != settings_fingerprint(
        base
    )
    assert settings_fingerprint(replace(base, train_every_days=42)) == settings_fingerprint(base)
    assert settings_fingerprint(replace(base, workspace_dir=Path("elsewhere"))) == (
        settings_fingerprint(base)
    )


def test_the_apps_background_refresh_recomputes_after_a_change(
    trained: Trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import streamlit as st

    from agri_app.app import advice_source
    from pipelines.store.access import Scope

    monkeypatch.setenv("AGRI_WORKSPACE", str(trained.workspace))
    for key, value in TRAIN_ENV.items():
        monkeypatch.setenv(key, value)
    st.cache_resource.clear()
    scope = Scope("agro", "agronomist", COOP)

    def run() -> advice_source.RefreshJob:
        assert advice_source.start_refresh(scope, "upload")
        job = advice_source.refresh_status(scope)
        assert job is not None
        deadline = time.monotonic() + 120
        while not job.finished and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.finished and not job.error, job.error
        return job

    engine = _engine(trained.workspace)
    refresh_advice(engine, _settings(trained.workspace), trigger="test")
    assert run().message == "advice is up to date: nothing changed"
    field = sorted(load_workspace(engine).fields["field_id"])[-1]
    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.satellite_observations)
            .where(schema.satellite_observations.c.field_id == field)
            .values(ndvi_mean=schema.satellite_observations.c.ndvi_mean * 0.95)
        )
    assert run().message == "advice refreshed: 1 field(s) recomputed, 7 unchanged"
    latest = stored_advice(engine)
    assert latest is not None and latest.run.trigger == "upload"
    st.cache_resource.clear()
