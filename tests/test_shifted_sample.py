"""The shifted truth set (sample_data/shifted + shifted_truth) is a valid bundle that differs from
the sample cooperative the way real cooperatives differ.

These tests read the committed files; the generator itself runs only in --smoke
(tests/test_generator.py).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.sources.bundle import read_bundle
from pipelines.store import schema, storage
from pipelines.store.importer import import_bundle
from tests.agri_app.test_advice import sample_slice
from tests.conftest import SAMPLE_BUNDLE, write_bundle

ROOT = Path(__file__).resolve().parents[1]
SHIFTED = ROOT / "sample_data" / "shifted"
SHIFTED_TRUTH = ROOT / "sample_data" / "shifted_truth"
SAMPLE_TRUTH = ROOT / "sample_data" / "truth"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"field_id": str, "farm_id": str, "station_id": str})


def _field_props(bundle_dir: Path) -> pd.DataFrame:
    geo = json.loads((bundle_dir / "fields.geojson").read_text(encoding="utf-8"))
    return pd.DataFrame([f["properties"] for f in geo["features"]])


@pytest.fixture(scope="module")
def shifted():
    return read_bundle(SHIFTED)


def test_shifted_bundle_reads_as_designed(shifted) -> None:
    manifest = shifted.manifest
    assert manifest.cooperative_id == "coop-shifted"
    assert str(manifest.reference_date) == "2026-05-25"
    assert len(shifted.farms) == 4
    assert len(shifted.fields) == 32
    assert shifted.fields.groupby("farm_id").size().eq(8).all()
    past = shifted.seasons[shifted.seasons["yield_t_ha"].notna()]
    running = shifted.seasons[shifted.seasons["harvest_date"].isna()]
    assert sorted(past["season"].unique()) == list(range(2020, 2026))
    assert len(running) == 32 and set(running["season"]) == {2026}
    assert set(shifted.seasons["crop"]) == {"winter_wheat", "grain_maize"}
    assert str(shifted.weather["date"].min())[:10] == "2019-09-01"
    assert not shifted.satellite.empty and len(shifted.forecast) == 4 * 14
    assert shifted.devices.empty and not shifted.sensor_logs  # no sensor logs in this profile
    # Other varieties than the sample's 102/103 and 201/202.
    assert set(shifted.seasons["variety"]) <= {
        "Winter_wheat_104",
        "Winter_wheat_105",
        "Grain_maize_203",
        "Grain_maize_204",
    }


def test_shifted_ids_never_collide_with_the_sample() -> None:
    farms = _csv(SHIFTED / "farms.csv")
    fields = _field_props(SHIFTED)
    stations = set(_csv(SHIFTED / "weather.csv")["station_id"])
    assert farms["farm_id"].str.startswith("sx-farm-").all()
    assert fields["field_id"].str.startswith("sx-").all()
    assert all(s.startswith("sx-wx-") for s in stations)
    sample_fields = _field_props(SAMPLE_BUNDLE)
    assert not set(fields["field_id"]) & set(sample_fields["field_id"])
    assert not set(farms["farm_id"]) & set(_csv(SAMPLE_BUNDLE / "farms.csv")["farm_id"])
    assert not stations & set(sample_fields["station_id"])


def test_shifted_imports_next_to_other_cooperatives(tmp_path: Path, shifted) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    try:
        import_bundle(engine, read_bundle(write_bundle(tmp_path / "conftest")), workspace)
        import_bundle(engine, read_bundle(sample_slice(tmp_path / "slice", per_farm=1)), workspace)
        report = import_bundle(engine, shifted, workspace)
        assert report.tables["fields"].added == 32
        assert report.tables["satellite_observations"].added == len(shifted.satellite)
        with engine.connect() as conn:
            per_coop = dict(
                conn.execute(
                    sa.select(schema.farms.c.cooperative_id, sa.func.count())
                    .select_from(
                        schema.fields.join(
                            schema.farms, schema.fields.c.farm_id == schema.farms.c.farm_id
                        )
                    )
                    .group_by(schema.farms.c.cooperative_id)
                ).all()
            )
        assert per_coop == {"coop-test": 3, "coop-betuwe": 4, "coop-shifted": 32}
    finally:
        engine.dispose()


def _growing_season(weather: pd.DataFrame) -> pd.DataFrame:
    """Apr-Sep of 2020-2025 (harvested in both sets), per station and year: mean temperature and
    rain sum."""
    w = weather.assign(date=pd.to_datetime(weather["date"]))
    w = w[w["date"].dt.month.between(4, 9) & w["date"].dt.year.between(2020, 2025)]
    w = w.assign(tmean=(w["tmin_degc"] + w["tmax_degc"]) / 2, year=w["date"].dt.year)
    return w.groupby(["station_id", "year"]).agg(tmean=("tmean", "mean"), rain=("precip_mm", "sum"))


def test_shifted_climate_is_warmer_and_drier() -> None:
    sample = _growing_season(_csv(SAMPLE_BUNDLE / "weather.csv"))
    shifted = _growing_season(_csv(SHIFTED / "weather.csv"))
    assert shifted["tmean"].mean() > sample["tmean"].mean() + 1.5
    assert shifted["rain"].mean() < 0.85 * sample["rain"].mean()
    # ... and water limits more: irrigation pays in every 2026 maize field.
    irr = _csv(SHIFTED_TRUTH / "irrigation_2026.csv")
    assert len(irr) >= 5
    assert (irr["yield_irrigated_t_ha"] >= irr["yield_rainfed_t_ha"]).all()
    gain = (irr["yield_irrigated_t_ha"] - irr["yield_rainfed_t_ha"]).mean()
    sample_irr = _csv(SAMPLE_TRUTH / "irrigation_2026.csv")
    assert gain > (sample_irr["yield_irrigated_t_ha"] - sample_irr["yield_rainfed_t_ha"]).mean()


def test_farms_have_different_n_habits(shifted) -> None:
    seasons = shifted.seasons.merge(shifted.fields[["field_id", "farm_id"]], on="field_id")
    wheat = seasons[(seasons["crop"] == "winter_wheat") & seasons["yield_t_ha"].notna()]
    n_ops = shifted.operations[shifted.operations["operation"] == "nitrogen"]
    per_season = n_ops.groupby(["field_id", "season"])["amount"].agg(["sum", "size"])
    wheat = wheat.merge(per_season, left_on=["field_id", "season"], right_index=True, how="left")
    wheat = wheat.fillna({"sum": 0.0, "size": 0})
    farm_means = wheat.groupby("farm_id")["sum"].mean()
    assert farm_means.max() - farm_means.min() >= 100, farm_means
    # At least one farm splits its N in two dressings, another in three.
    usual_dressings = wheat[wheat["sum"] > 0].groupby("farm_id")["size"].agg(lambda s: s.mode()[0])
    assert {2, 3} <= set(usual_dressings), usual_dressings
    # Strip-trial-like extremes beyond the sample's 0-250 range.
    assert wheat["sum"].max() > 250


def test_stated_soil_water_limits_are_off_by_a_little() -> None:
    stated = _field_props(SHIFTED).set_index("field_id")
    truth = _csv(SHIFTED_TRUTH / "soil_parameters.csv").set_index("field_id").loc[stated.index]
    fc_error = stated["field_capacity_m3_m3"] - truth["SMFCF"]
    wp_error = stated["wilting_point_m3_m3"] - truth["SMW"]
    depth_error = stated["root_depth_max_cm"] - truth["RDMSOL_cm"]
    assert (fc_error.abs() > 0.0005).mean() >= 0.75
    assert (wp_error.abs() > 0.0005).mean() >= 0.6
    assert 0.005 < fc_error.std() < 0.04 and fc_error.abs().max() < 0.1
    assert depth_error.abs().max() <= 15 and (depth_error != 0).mean() >= 0.5
    # Truth records what the bundle states, side by side with what WOFOST ran on.
    assert (truth["field_capacity_stated_m3_m3"] == stated["field_capacity_m3_m3"]).all()
    assert (truth["root_depth_stated_cm"] == stated["root_depth_max_cm"]).all()
    # In the sample they are equal: that is the difference.
    sample = _field_props(SAMPLE_BUNDLE).set_index("field_id")
    sample_truth = _csv(SAMPLE_TRUTH / "soil_parameters.csv").set_index("field_id")
    assert (sample["field_capacity_m3_m3"] == sample_truth.loc[sample.index, "SMFCF"]).all()


def test_truth_records_per_field_cultivars(shifted) -> None:
    cultivars = _csv(SHIFTED_TRUTH / "cultivars.csv")
    assert len(cultivars) == 2 * 32
    assert set(cultivars["crop"]) == {"winter_wheat", "grain_maize"}
    for column, half in (
        ("tsum1_factor", 0.10),
        ("tsum2_factor", 0.10),
        ("span_factor", 0.05),
        ("amax_factor", 0.05),
    ):
        assert cultivars[column].between(1 - half, 1 + half).all(), column
        assert cultivars[column].nunique() > 20, column
    # The variety in seasons.csv is the field's cultivar, every season.
    by_field = cultivars.set_index(["field_id", "crop"])["variety"]
    for row in shifted.seasons.itertuples():
        assert row.variety == by_field[(row.field_id, row.crop)]
    with open(SHIFTED_TRUTH / "metadata.json", encoding="utf-8") as fh:
        meta = json.load(fh)
    assert meta["profile"] == "shifted" and "cultivars.csv" in meta["files"]


def test_shifted_truth_has_the_sample_truth_files() -> None:
    names = {p.name for p in SAMPLE_TRUTH.iterdir()} - {"sensor_faults.csv"}
    assert names <= {p.name for p in SHIFTED_TRUTH.iterdir()}
    with open(SHIFTED_TRUTH / "n_sweep_2026.csv", encoding="utf-8") as fh:
        rates = sorted({int(r["n_total_kg_ha"]) for r in csv.DictReader(fh)})
    assert rates == list(range(0, 401, 25))
    nresp = _csv(SHIFTED_TRUTH / "n_response_2026.csv")
    final = _csv(SHIFTED_TRUTH / "final_yield_2026.csv")
    assert set(nresp["field_id"]) == set(final.loc[final["crop"] == "winter_wheat", "field_id"])
