"""The WOFOST runner: a published reference run, water and irrigation responses, Dask equal to
in-process, refused runs as rows, the weather splice, and crops without a crop model.

PCSE seasons take about 0.3 s each; this file runs 17 of them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from pipelines.agronomy import cropmodel
from pipelines.agronomy.cropmodel import (
    CropModelRun,
    CropModelSpec,
    IrrigationRule,
    SiteSoil,
    ensemble,
    run_many,
    run_one,
    simulate,
    splice_weather,
)
from pipelines.crops import builtin_crops

REPO = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).with_name("data") / "wofost72_wlp_17"
SAMPLE_WEATHER = REPO / "sample_data" / "demo" / "weather.csv"
SITE = SiteSoil(
    lat=51.95,
    lon=5.77,
    elevation_m=8.0,
    field_capacity_m3_m3=0.30,
    wilting_point_m3_m3=0.12,
    root_depth_max_cm=100.0,
)


def _spec(crop_id: str) -> CropModelSpec:
    crops = builtin_crops().set_index("crop_id", drop=False)
    spec = CropModelSpec.from_crop_row(crops.loc[crop_id].to_dict())
    assert spec is not None
    return spec


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    weather = pd.read_csv(SAMPLE_WEATHER, parse_dates=["date"])
    station = weather[weather["station_id"] == "wx-heteren"].reset_index(drop=True)
    return station[list(cropmodel.WEATHER_COLUMNS)]


# --- 1. the published WOFOST 7.2 reference run #17 (winter wheat, water-limited) ------------


@pytest.mark.parametrize(
    ("evaporation", "tolerance_kg_ha"),
    [
        ("given", 0.1),  # the file's precision for TWSO
        ("computed", 0.005 * 8781.4),  # PCSE's reference_ET instead of the CGMS values: +0.08 %
    ],
)
def test_reference_run_17_final_storage_organs(evaporation: str, tolerance_kg_ha: float) -> None:
    case = yaml.safe_load((REFERENCE / "case.yaml").read_text(encoding="utf-8"))
    weather = pd.read_csv(REFERENCE / "weather.csv")
    if evaporation == "computed":
        weather = weather[list(cropmodel.WEATHER_COLUMNS)]
    output, summary = simulate(
        case["model"],
        case["ModelParameters"],
        weather,
        latitude=case["latitude"],
        longitude=case["longitude"],
        elevation_m=case["elevation_m"],
        agromanagement=case["AgroManagement"],
    )
    expected = case["expected_final"]
    assert expected["TWSO"] == pytest.approx(8781.4, abs=0.05)  # the published figure
    assert summary["TWSO"] == pytest.approx(expected["TWSO"], abs=tolerance_kg_ha)
    assert summary["DOM"] == expected["day"]  # matures on the published day
    assert output[-1]["day"] == expected["day"]
    if evaporation == "given":
        assert summary["TAGP"] == pytest.approx(expected["TAGP"], abs=case["Precision"]["TAGP"])


# --- 2. behaviour: a dry member, irrigation ----------------------------------------------------


def test_drier_member_lowers_yield_and_irrigation_restores_it(observed: pd.DataFrame) -> None:
    # Member 2022 made much drier: no rain from May to October of that year.
    dry = observed["date"].between("2022-05-01", "2022-10-31")
    weather = observed.assign(precip_mm=observed["precip_mm"].mask(dry, 0.0))
    as_of = dt.date(2025, 6, 15)
    runs = ensemble(
        weather,
        as_of,
        [2021, 2022],
        key="field-1",
        spec=_spec("grain_maize"),
        site=SITE,
        sowing_date=dt.date(2025, 5, 1),
        end=dt.date(2025, 10, 20),
        latest_harvest=dt.date(2025, 10, 20),
        report_dates=(as_of, dt.date(2025, 8, 15)),
    )
    irrigated = dataclasses.replace(
        runs[1], key=("field-1", 2022, "irrigated"), irrigation=IrrigationRule(0.5, 30.0)
    )
    result = run_many([*runs, irrigated]).set_index("key")
    wet, dried, watered = (
        result.loc[[("field-1", 2021)]].iloc[0],
        result.loc[[("field-1", 2022)]].iloc[0],
        result.loc[[("field-1", 2022, "irrigated")]].iloc[0],
    )
    assert result["error"].isna().all()
    assert dried["yield_t_ha"] < 0.8 * wet["yield_t_ha"]
    assert dried["transpiration_ratio"] < wet["transpiration_ratio"] <= 1.0
    # Up to the as-of date both members saw the same observed weather: the same crop.
    assert dried["dvs_at0"] == wet["dvs_at0"] and dried["lai_at0"] == wet["lai_at0"]
    assert dried["sm_m3_m3_at1"] < wet["sm_m3_m3_at1"]
    assert watered["yield_t_ha"] >= dried["yield_t_ha"]
    assert watered["irrigation_mm"] > 0 and watered["irrigation_events"] > 0
    assert watered["irrigation_mm"] == pytest.approx(30.0 * watered["irrigation_events"])
    assert watered["triggered_irrigation_mm"] == watered["irrigation_mm"]
    assert dried["irrigation_mm"] == 0
    # Yield at the crop's standard moisture from dry matter.
    assert wet["yield_t_ha"] == pytest.approx(wet["twso_kg_ha"] / (1 - 0.155) / 1000)


# --- 3. Dask equals in-process ------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    with cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def test_run_many_on_a_local_cluster_equals_in_process(client: Any, observed: pd.DataFrame) -> None:
    as_of = dt.date(2025, 6, 15)
    wheat = ensemble(
        observed,
        as_of,
        [2021],
        key="wheat-field",
        spec=_spec("winter_wheat"),
        site=SITE,
        sowing_date=dt.date(2024, 10, 25),
        end=dt.date(2025, 9, 30),
        report_dates=(as_of,),
    )
    maize = ensemble(
        observed,
        as_of,
        [2020, 2023],
        key="maize-field",
        spec=_spec("grain_maize"),
        site=SITE,
        sowing_date=dt.date(2025, 5, 1),
        end=dt.date(2025, 10, 20),
        latest_harvest=dt.date(2025, 10, 20),
        irrigation=IrrigationRule(0.5, 25.0),
        report_dates=(dt.date(2025, 7, 1), dt.date(2025, 8, 1)),
    )
    # A refused run travels as a row too: a gap in its weather.
    gap = maize[0].weather.drop(index=[40])
    runs = [*wheat, *maize, dataclasses.replace(maize[0], key="gap", weather=gap)]
    calls: list[tuple[int, int]] = []
    in_process = run_many(runs, batch_size=2)
    on_cluster = run_many(
        runs, client=client, batch_size=1, progress=lambda done, total: calls.append((done, total))
    )
    pd.testing.assert_frame_equal(on_cluster, in_process)
    assert list(in_process["key"]) == [r.key for r in runs]
    assert in_process["error"].iloc[:3].isna().all()
    assert "WeatherDataProviderError" in in_process["error"].iloc[3]
    assert np.isnan(in_process["yield_t_ha"].iloc[3])
    assert calls[-1] == (4, 4) and len(calls) == 4
    assert len(client.scheduler_info()["workers"]) == 2


# --- refused runs ------------------------------------------------------------------------------


def test_a_crop_that_does_not_mature_gives_an_error_row_with_its_state(
    observed: pd.DataFrame,
) -> None:
    run = CropModelRun(
        key="short",
        spec=_spec("grain_maize"),
        site=SITE,
        sowing_date=dt.date(2024, 5, 1),
        weather=observed[observed["date"] >= "2024-05-01"],
        max_duration_days=40,
        report_dates=(dt.date(2024, 4, 1), dt.date(2024, 12, 1)),
    )
    result = run_one(run)
    assert "did not mature within 40 days" in result["error"]
    assert np.isnan(result["yield_t_ha"]) and result["maturity_date"] is None
    assert 0 < result["dvs_final"] < 1 and result["crop_end_date"] == dt.date(2024, 6, 10)
    before, after = result["at"]
    assert np.isnan(before["dvs"])  # before sowing
    assert after["dvs"] == result["dvs_final"]  # after the crop's end: its last state


def test_unknown_variety_is_an_error_row_not_an_exception(observed: pd.DataFrame) -> None:
    spec = dataclasses.replace(_spec("grain_maize"), variety="No_such_maize")
    run = CropModelRun("x", spec, SITE, dt.date(2024, 5, 1), observed.tail(400))
    result = run_one(run)
    assert "No_such_maize" in result["error"] and np.isnan(result["yield_t_ha"])


# --- 4. crops are data -------------------------------------------------------------------------


def test_crop_specs_come_from_the_crop_table_and_blank_means_no_model() -> None:
    crops = builtin_crops()
    specs = {row["crop_id"]: CropModelSpec.from_crop_row(row) for row in crops.to_dict("records")}
    assert all(spec is not None for spec in specs.values())
    wheat = specs["winter_wheat"]
    assert wheat is not None and wheat.yield_moisture_pct == 15.0
    row = crops.iloc[0].to_dict() | {"wofost_model": None, "wofost_variety": None}
    assert CropModelSpec.from_crop_row(row) is None
    assert CropModelSpec.from_crop_row(row | {"wofost_model": " "}) is None
    assert CropModelSpec.from_crop_row(row | {"wofost_model": float("nan")}) is None
    with pytest.raises(ValueError, match="needs wofost_crop and wofost_variety"):
        CropModelSpec.from_crop_row(row | {"wofost_model": "Wofost72_WLP_CWB"})
    with pytest.raises(ValueError, match="not offered; use one of"):
        CropModelSpec("Wofost81_NWLP_CWB_CNB", "wheat", "Winter_wheat_102", 15.0)
    source = Path(cropmodel.__file__).read_text(encoding="utf-8").lower()
    for crop_id in crops["crop_id"]:
        assert crop_id not in source
    for word in ("wheat", "maize"):
        assert word not in source


# --- the weather splice ------------------------------------------------------------------------


def test_splice_takes_observed_days_then_the_member_season_shifted_by_whole_years() -> None:
    days = pd.date_range("2019-01-01", "2024-12-31", freq="D")
    observed = pd.DataFrame({"date": days, "tmax_degc": np.arange(len(days), dtype=float)})
    value = dict(zip(days, observed["tmax_degc"], strict=True))
    spliced = splice_weather(observed, dt.date(2024, 2, 20), 2021, dt.date(2024, 3, 5))
    assert list(spliced.columns) == ["date", "tmax_degc"]
    assert spliced["date"].iloc[0] == days[0] and spliced["date"].iloc[-1] == pd.Timestamp(
        "2024-03-05"
    )
    assert spliced["date"].is_monotonic_increasing and spliced["date"].is_unique
    by_date = spliced.set_index("date")["tmax_degc"]
    assert by_date[pd.Timestamp("2024-02-20")] == value[pd.Timestamp("2024-02-20")]  # observed
    assert by_date[pd.Timestamp("2024-02-21")] == value[pd.Timestamp("2021-02-21")]  # member
    assert by_date[pd.Timestamp("2024-02-29")] == value[pd.Timestamp("2021-02-28")]  # leap day
    assert by_date[pd.Timestamp("2024-03-01")] == value[pd.Timestamp("2021-03-01")]
    # A leap member into a common year: 29 February of the member is not used.
    common = splice_weather(observed, dt.date(2023, 2, 20), 2020, dt.date(2023, 3, 2))
    assert (
        common.set_index("date")["tmax_degc"][pd.Timestamp("2023-03-01")]
        == (value[pd.Timestamp("2020-03-01")])
    )
    # As of the end or later: observed only.
    assert len(splice_weather(observed, dt.date(2024, 3, 5), 2021, dt.date(2024, 3, 1))) == (
        len(observed[observed["date"] <= "2024-03-01"])
    )
    with pytest.raises(ValueError, match="member 2025: no observed weather"):
        splice_weather(observed, dt.date(2024, 6, 1), 2025, dt.date(2024, 9, 1))


# --- start-up and the process's logging -------------------------------------------------------


def test_importing_the_runner_does_not_import_pcse_or_dask() -> None:
    code = (
        "import sys; import pipelines.crops, pipelines.agronomy.cropmodel; "
        "assert not {'pcse', 'distributed', 'dask'} & set(sys.modules), 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_pcse_import_survives_an_unusable_home_and_keeps_the_logging(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    env = os.environ | {
        "USER": "someone",
        "HOME": str(tmp_path / "a-file" / "home"),  # cannot be created
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    code = (
        "import logging, sys\n"
        "handler = logging.StreamHandler(sys.stdout)\n"
        "logging.getLogger().addHandler(handler)\n"
        "mine = logging.getLogger('agri.mine')\n"
        "from pipelines.agronomy import cropmodel\n"
        "cropmodel._import_pcse()\n"
        "assert logging.getLogger().handlers == [handler], logging.getLogger().handlers\n"
        "assert not mine.disabled\n"
        "assert cropmodel.crop_parameters_dir().is_dir()\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"  # pcse's "Building PCSE demo database" is not printed
    assert (tmp_path / "tmp" / ".pcse").is_dir()
