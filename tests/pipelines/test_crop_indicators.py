"""The crop model's indicators of field-seasons (WOFOST through pcse; a handful of short runs).

What is checked: a state run sees nothing after its as-of date (the training rows' crop state
is leakage-free), the outlook's members come only from weather on or before the as-of date and
an irrigated twin runs only where the field has equipment, and the workspace keeps a run once:
a second call computes nothing and returns the same frame, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.agronomy import crop_indicators as ci
from pipelines.agronomy.cropmodel import IrrigationRule, run_many
from pipelines.agronomy.season_grid import SeasonSources
from pipelines.sources.bundle import Bundle, read_bundle
from pipelines.store import storage
from pipelines.store.schema import crop_model_results
from tests.conftest import bundle_sources, write_bundle

# No `pytest.importorskip("pcse")` here: importing pcse outside `cropmodel._import_pcse` runs its
# logging.config.dictConfig, which disables every logger that exists at collection time.


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return read_bundle(write_bundle(tmp_path_factory.mktemp("b")))


@pytest.fixture(scope="module")
def sources(bundle: Bundle) -> SeasonSources:
    return bundle_sources(bundle)


@pytest.fixture(scope="module")
def stations(bundle: Bundle) -> pd.DataFrame:
    return bundle.stations


def test_the_crop_table_names_the_crop_model_of_each_crop(sources: SeasonSources) -> None:
    specs = ci.crop_model_specs(sources.crops)
    assert set(specs) == {"winter_wheat", "grain_maize"}
    no_model = sources.crops.assign(wofost_model=None)
    assert ci.crop_model_specs(no_model) == {}


def test_a_state_run_sees_nothing_after_its_as_of_date(
    sources: SeasonSources, stations: pd.DataFrame
) -> None:
    as_of = pd.Timestamp("2024-06-15")
    harvest = pd.Timestamp("2024-10-10")
    # Training asks for the season's dates up to its harvest: the run goes to the harvest ...
    season = pd.DataFrame(
        {"field_id": ["A2", "A2"], "season": [2024] * 2, "as_of": [as_of, harvest]}
    )
    runs = ci.state_runs(sources, stations, season)
    assert len(runs) == 1
    assert runs[0].latest_harvest == harvest.date()
    assert runs[0].report_dates == (as_of.date(), harvest.date())
    whole = ci.state_features(run_many(runs), season)
    # ... while in season the run stops at the as-of date, and the state there is the same.
    requests = season.iloc[:1]
    runs = ci.state_runs(sources, stations, requests)
    assert runs[0].latest_harvest == as_of.date()
    before = ci.state_features(run_many(runs), requests)
    pd.testing.assert_frame_equal(before, whole.iloc[:1])
    assert whole.iloc[1]["cm_twso_t_ha"] > before.iloc[0]["cm_twso_t_ha"]

    # ... and a different summer after the as-of date changes nothing of that state.
    wet = sources.weather.copy()
    after = pd.to_datetime(wet["date"]) > as_of
    wet.loc[after, "precip_mm"] = 25.0
    wet.loc[after, "tmax_degc"] = wet.loc[after, "tmax_degc"] - 5.0
    changed = SeasonSources(
        fields=sources.fields,
        seasons=sources.seasons,
        crops=sources.crops,
        weather=wet,
        operations=sources.operations,
    )
    again = ci.state_features(run_many(ci.state_runs(changed, stations, requests)), requests)
    pd.testing.assert_frame_equal(before, again)
    row = before.iloc[0]
    assert 0.0 < row["cm_dvs"] < 2.0
    assert row["cm_tagp_t_ha"] > 0.5
    assert 0.0 < row["cm_transpiration_ratio"] <= 1.0


def test_the_outlook_uses_past_years_and_twins_only_equipped_fields(
    sources: SeasonSources, stations: pd.DataFrame
) -> None:
    as_of = pd.Timestamp("2025-06-01")
    requests = pd.DataFrame(
        {"field_id": ["A1", "A2"], "season": [2025, 2025], "as_of": [as_of, as_of]}
    )
    rule = IrrigationRule(trigger_depletion=0.55, amount_mm=30.0)
    runs = ci.outlook_runs(sources, stations, requests, members=3, irrigation_rules={"A1": rule})
    keys = [run.key for run in runs]
    # The bundle's weather starts in October 2023: one past year covers the rest of 2025.
    assert {k[1] for k in keys} == {"A1", "A2"}
    assert {k[4] for k in keys} == {2024}
    assert [k for k in keys if k[5]] == [("outlook", "A1", 2025, as_of.date(), 2024, True)]
    for run in runs:
        observed = run.weather[pd.to_datetime(run.weather["date"]) <= as_of]
        original = sources.weather.assign(date=pd.to_datetime(sources.weather["date"]))
        original = original.set_index("date").loc[pd.to_datetime(observed["date"])]
        np.testing.assert_allclose(
            observed["precip_mm"].to_numpy(float), original["precip_mm"].to_numpy(float)
        )
    summary = ci.outlook_summary(run_many(runs)).set_index("field_id")
    assert summary.loc["A1", "cm_outlook_members"] == 1
    assert summary.loc["A1", "cm_irrigation_gain_t_ha"] >= 0.0
    assert np.isnan(summary.loc["A2", "cm_irrigation_gain_t_ha"])


def test_the_workspace_keeps_each_run_once(
    sources: SeasonSources, stations: pd.DataFrame, workspace: storage.Workspace
) -> None:
    from pipelines.store.crop_runs import cached_run_many

    engine = storage.open_workspace(workspace)
    requests = pd.DataFrame(
        {
            "field_id": ["A1", "B1"],
            "season": [2024, 2024],
            "as_of": [pd.Timestamp("2024-05-01")] * 2,
        }
    )
    runs = ci.state_runs(sources, stations, requests)
    calls: list[int] = []
    first = cached_run_many(engine, runs, progress=lambda done, total: calls.append(total))
    second = cached_run_many(engine, runs, progress=lambda done, total: calls.append(total))
    assert calls == [2]  # one batch of two runs, and the second call ran nothing
    pd.testing.assert_frame_equal(first, second)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(crop_model_results))
        assert stored.scalar() == 2
    states = ci.state_features(second, requests)
    assert states["cm_tagp_t_ha"].notna().all()


def test_a_local_cluster_gives_the_in_process_results(
    sources: SeasonSources, stations: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    from pipelines.agronomy import cropmodel

    monkeypatch.setattr(cropmodel, "LOCAL_MIN_RUNS", 0)
    requests = pd.DataFrame(
        {"field_id": ["A1", "A2"], "season": [2024] * 2, "as_of": [pd.Timestamp("2024-05-01")] * 2}
    )
    runs = ci.state_runs(sources, stations, requests)
    local = run_many(runs, scheduler=cropmodel.LOCAL_SCHEDULER)
    pd.testing.assert_frame_equal(local, run_many(runs))


def test_the_outlook_runs_the_forecast_before_the_past_years(
    sources: SeasonSources, stations: pd.DataFrame
) -> None:
    as_of = pd.Timestamp("2025-06-01")
    days = pd.date_range("2025-06-02", periods=5, freq="D")
    forecast = pd.DataFrame(
        {
            "station_id": "st-1",
            "date": days,
            "tmin_degc": 11.0,
            "tmax_degc": 31.0,
            "precip_mm": [0.0, 0.0, 40.0, 0.0, 0.0],
            "rad_mj_m2": 27.0,
            "vp_kpa": 1.3,
            "wind_m_s": 2.0,
        }
    )
    requests = pd.DataFrame({"field_id": ["A1"], "season": [2025], "as_of": [as_of]})
    runs = ci.outlook_runs(sources, stations, requests, members=1, forecast=forecast)
    assert [run.key[4] for run in runs] == [2024]
    weather = runs[0].weather.assign(date=pd.to_datetime(runs[0].weather["date"]))
    ahead = weather.set_index("date").loc[days]
    np.testing.assert_allclose(ahead["precip_mm"], [0.0, 0.0, 40.0, 0.0, 0.0])
    np.testing.assert_allclose(ahead["tmax_degc"], 31.0)
    # After the forecast: the member year's own weather, a year back.
    after = weather.set_index("date").loc[pd.Timestamp("2025-06-10")]
    past = sources.weather.assign(date=pd.to_datetime(sources.weather["date"])).set_index("date")
    assert after["precip_mm"] == past.loc[pd.Timestamp("2024-06-10"), "precip_mm"]


def _summary_reference(results: pd.DataFrame) -> pd.DataFrame:
    """`outlook_summary` written the slow, obvious way: one group at a time."""
    frame = results[results["key"].map(lambda k: k[0] == ci.OUTLOOK)].copy()
    frame["field_id"] = frame["key"].map(lambda k: k[1])
    frame["season"] = frame["key"].map(lambda k: k[2])
    frame["as_of"] = frame["key"].map(lambda k: pd.Timestamp(k[3]))
    frame["member"] = frame["key"].map(lambda k: k[4])
    frame["irrigates"] = frame["key"].map(lambda k: bool(k[5]))
    out = []
    for (field_id, season, as_of), group in frame.groupby(["field_id", "season", "as_of"]):
        base = group[~group["irrigates"]].set_index("member")["yield_t_ha"].astype(float)
        valid = base.dropna()
        row = {"field_id": field_id, "season": season, "as_of": as_of}
        row["cm_outlook_members"] = len(valid)
        for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
            row[f"cm_outlook_{name}_t_ha"] = float(valid.quantile(q)) if len(valid) else np.nan
        twins = group[group["irrigates"]].set_index("member")
        gain = (twins["yield_t_ha"].astype(float) - base.reindex(twins.index)).dropna()
        row["cm_irrigation_gain_t_ha"] = float(gain.mean()) if len(gain) else np.nan
        row["cm_irrigation_mm"] = (
            float(twins["irrigation_mm"].astype(float).mean()) if len(twins) else np.nan
        )
        after = [
            pd.Timestamp(d)
            for days in twins["triggered_dates"]
            for d in days
            if pd.Timestamp(d) > as_of
        ]
        row["cm_irrigation_trigger_date"] = min(after) if after else pd.NaT
        out.append(row)
    return pd.DataFrame(out, columns=["field_id", "season", "as_of", *ci.OUTLOOK_COLUMNS])


def test_outlook_summary_matches_the_one_group_at_a_time_reference() -> None:
    from datetime import date

    rng = np.random.default_rng(7)
    rows = []
    for f in range(40):
        for member in range(5):
            for irrigates in (False, True) if f % 3 else (False,):
                if f == 7 and not irrigates:
                    continue  # twins without a rainfed member
                triggered = (
                    [date(2026, 5, 20), date(2026, 6, 1 + member)]
                    if irrigates and rng.random() < 0.7
                    else []
                )
                rows.append(
                    {
                        "key": (
                            ci.OUTLOOK,
                            f"f{f}",
                            2026,
                            date(2026, 5, 25),
                            2010 + member,
                            irrigates,
                        ),
                        "yield_t_ha": np.nan if rng.random() < 0.1 else rng.normal(9.0, 1.0),
                        "irrigation_mm": rng.random() * 100 if irrigates else 0.0,
                        "triggered_dates": triggered,
                    }
                )
    rows.append(
        {
            "key": ("state", "x", 2026, date(2026, 5, 25), 12.0),
            "yield_t_ha": 1.0,
            "irrigation_mm": 0.0,
            "triggered_dates": [],
        }
    )
    results = pd.DataFrame(rows)
    pd.testing.assert_frame_equal(
        ci.outlook_summary(results), _summary_reference(results), check_dtype=False
    )
    rainfed_only = results[results["key"].map(lambda k: k[0] != ci.OUTLOOK or not k[5])]
    pd.testing.assert_frame_equal(
        ci.outlook_summary(rainfed_only), _summary_reference(rainfed_only), check_dtype=False
    )
