"""In-season features per (field_id, season, as_of): agreement with the request-by-request
reference, no look-ahead, alignment by sowing date, crops as data, and the documentation."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.agronomy.features import FEATURE_COLUMNS, FeatureParameters, build_features
from pipelines.agronomy.season_grid import SeasonSources, season_requests
from pipelines.sources.bundle import read_bundle
from tests.conftest import bundle_sources
from tests.pipelines.features_reference import reference_features
from tests.pipelines.season_data import synthetic_sources

REPO = Path(__file__).resolve().parents[2]
REFERENCE = pd.Timestamp("2025-05-25")


@pytest.fixture(scope="module")
def sources() -> SeasonSources:
    return synthetic_sources(6, seed=1)


def assert_same_features(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns) == list(FEATURE_COLUMNS)
    pd.testing.assert_index_equal(actual.index, expected.index)
    assert (actual["crop"].to_numpy() == expected["crop"].to_numpy()).all()
    numeric = [c for c in FEATURE_COLUMNS if c != "crop"]
    a, e = actual[numeric].to_numpy(float), expected[numeric].to_numpy(float)
    close = np.isclose(a, e, rtol=1e-9, atol=1e-9, equal_nan=True)
    wrong = sorted({numeric[j] for j in np.nonzero(~close)[1]})
    assert not wrong, f"features differ from the reference: {wrong}"


def test_features_equal_the_request_by_request_reference(sources: SeasonSources) -> None:
    requests = season_requests(sources.seasons, REFERENCE, every_days=60)
    requests = pd.concat(
        [
            requests,
            # as_of before sowing, and long after harvest
            pd.DataFrame({"field_id": ["f-00000"], "season": [2025], "as_of": ["2025-01-01"]}),
            pd.DataFrame({"field_id": ["f-00001"], "season": [2021], "as_of": ["2024-01-01"]}),
        ],
        ignore_index=True,
    ).astype({"as_of": "datetime64[ns]"})
    features = build_features(sources, requests)
    assert_same_features(features, reference_features(sources, requests))
    # The synthetic set exercises every group of features.
    assert features["sensor_days_d"].gt(0).any() and features["ks_below_1_d"].gt(0).any()
    assert features["ndvi_anomaly_index"].notna().sum() > 20
    assert features["irrigation_applied_mm"].gt(0).any() and features["n_applied_kg_ha"].gt(0).any()
    early = features.xs(("f-00000", 2025, pd.Timestamp("2025-01-01")))
    assert np.isnan(early["days_after_sowing_d"]) and np.isnan(early["ndvi_latest_index"])


def test_features_equal_the_reference_on_the_sample_cooperative() -> None:
    bundle = read_bundle(REPO / "sample_data" / "demo")
    sources = bundle_sources(bundle)
    fields = sorted(set(bundle.seasons["field_id"]))[:2]
    requests = season_requests(
        bundle.seasons[bundle.seasons["field_id"].isin(fields)],
        bundle.manifest.reference_date,
        every_days=60,
    )
    assert_same_features(build_features(sources, requests), reference_features(sources, requests))


def _changed_after(sources: SeasonSources, as_of: pd.Timestamp, seed: int) -> SeasonSources:
    """The same sources with everything dated after `as_of` replaced by other values."""
    rng = np.random.default_rng(seed)

    def scramble(frame: pd.DataFrame, columns: list[str], date: str = "date") -> pd.DataFrame:
        frame = frame.copy()
        later = (frame[date] > as_of).to_numpy()
        for c in columns:
            values = frame.loc[later, c].to_numpy(dtype=float)
            frame.loc[later, c] = values * rng.uniform(0.3, 1.7, values.size) + rng.normal(
                0, 1, values.size
            )
        return frame

    weather = scramble(
        sources.weather, ["tmin_degc", "tmax_degc", "eto_mm", "wind_used_m_s", "rh_min_pct"]
    )
    weather["precip_mm"] = np.where(
        weather["date"] > as_of, rng.gamma(0.5, 8.0, len(weather)), weather["precip_mm"]
    )
    weather["tmax_degc"] = np.maximum(weather["tmax_degc"], weather["tmin_degc"])
    satellite = scramble(sources.satellite, ["ndvi_mean", "ndre_mean"])
    satellite["ndvi_mean"] = satellite["ndvi_mean"].clip(-1, 1)
    satellite["ndre_mean"] = satellite["ndre_mean"].clip(-1, 1)
    later_sat = satellite["date"] > as_of
    satellite.loc[later_sat, "cloud_free_fraction"] = rng.random(int(later_sat.sum()))
    sensors = scramble(sources.sensors, ["vwc_m3_m3"])
    sensors["vwc_m3_m3"] = sensors["vwc_m3_m3"].clip(0.01, 0.6)
    operations = scramble(sources.operations, ["amount"])
    operations["amount"] = operations["amount"].abs()
    # What is not known yet: harvests after as_of (and their yields) move or disappear.
    seasons = sources.seasons.copy()
    later = (seasons["harvest_date"] > as_of).to_numpy()
    seasons.loc[later, "harvest_date"] = seasons.loc[later, "harvest_date"] + pd.to_timedelta(
        rng.integers(1, 20, int(later.sum())), unit="D"
    )
    seasons.loc[later, "yield_t_ha"] = rng.uniform(2, 15, int(later.sum()))
    return replace(
        sources,
        weather=weather,
        satellite=satellite,
        sensors=sensors,
        operations=operations,
        seasons=seasons,
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pick=st.integers(0, 10_000), days_after_sowing=st.integers(-20, 330), seed=st.integers(0, 99)
)
def test_no_feature_changes_when_data_after_as_of_change(
    sources: SeasonSources, pick: int, days_after_sowing: int, seed: int
) -> None:
    season = sources.seasons.iloc[pick % len(sources.seasons)]
    as_of = min(season["sowing_date"] + pd.Timedelta(days=days_after_sowing), REFERENCE)
    requests = pd.DataFrame(
        {"field_id": [season["field_id"]], "season": [season["season"]], "as_of": [as_of]}
    )
    before = build_features(sources, requests)
    after = build_features(_changed_after(sources, as_of, seed), requests)
    pd.testing.assert_frame_equal(before, after, rtol=1e-12)


def test_the_future_would_change_features_if_it_were_used(sources: SeasonSources) -> None:
    # The property above is not vacuous: the same change before as_of does show.
    season = sources.seasons.iloc[3]
    as_of = season["sowing_date"] + pd.Timedelta(days=200)
    requests = pd.DataFrame(
        {"field_id": [season["field_id"]], "season": [season["season"]], "as_of": [as_of]}
    )
    before = build_features(sources, requests)
    after = build_features(_changed_after(sources, as_of - pd.Timedelta(days=60), 1), requests)
    numeric = [c for c in FEATURE_COLUMNS if c != "crop"]
    changed = ~np.isclose(before[numeric], after[numeric], equal_nan=True)
    assert changed.sum() > 20


def _shifted(sources: SeasonSources, field: str, shift_days: int) -> SeasonSources:
    """A copy of `field` on its own station whose whole calendar is moved by `shift_days`."""
    shift = pd.Timedelta(days=shift_days)
    fields = sources.fields
    station = fields.set_index("field_id").at[field, "station_id"]
    twin = fields[fields["field_id"] == field].assign(field_id="twin", station_id="st-twin")
    weather = sources.weather[sources.weather["station_id"] == station]
    twin_weather = weather.assign(station_id="st-twin", date=weather["date"] + shift)

    def moved(frame: pd.DataFrame, *dates: str) -> pd.DataFrame:
        rows = frame[frame["field_id"] == field].assign(field_id="twin")
        return rows.assign(**{d: rows[d] + shift for d in dates})

    return replace(
        sources,
        fields=pd.concat([fields, twin], ignore_index=True),
        weather=pd.concat([sources.weather, twin_weather], ignore_index=True),
        seasons=pd.concat(
            [sources.seasons, moved(sources.seasons, "sowing_date", "harvest_date")],
            ignore_index=True,
        ),
        satellite=pd.concat([sources.satellite, moved(sources.satellite, "date")]),
        sensors=pd.concat([sources.sensors, moved(sources.sensors, "date")]),
        operations=pd.concat([sources.operations, moved(sources.operations, "date")]),
    )


def test_winter_wheat_sown_in_october_is_aligned_by_sowing_date(sources: SeasonSources) -> None:
    wheat = sources.seasons[
        (sources.seasons["crop"] == "winter_wheat") & sources.seasons["harvest_date"].notna()
    ].iloc[0]
    assert wheat["sowing_date"].month in (10, 11)
    field, season = wheat["field_id"], int(wheat["season"])
    # 100 days after sowing is in the new year, but the features count from sowing: the autumn
    # weather is in, and nothing is cut at 1 January.
    as_of = wheat["sowing_date"] + pd.Timedelta(days=100)
    assert as_of.year == season
    request = pd.DataFrame({"field_id": [field], "season": [season], "as_of": [as_of]})
    features = build_features(sources, request).iloc[0]
    station = sources.fields.set_index("field_id").at[field, "station_id"]
    w = sources.weather[
        (sources.weather["station_id"] == station)
        & sources.weather["date"].between(wheat["sowing_date"], as_of)
    ]
    assert len(w) == 101 and w["date"].dt.year.nunique() == 2
    mean = (w["tmin_degc"] + w["tmax_degc"]) / 2
    assert features["days_after_sowing_d"] == 100
    assert features["gdd_to_date_degc_d"] == pytest.approx(mean.clip(upper=30).clip(lower=0).sum())
    assert features["rain_to_date_mm"] == pytest.approx(w["precip_mm"].sum())
    assert features["frost_days_to_date_d"] == (w["tmin_degc"] < 0).sum()
    assert features["crop_stage_code"] == 1  # initial stage: 160 days (FAO-56 Table 11)

    # The same crop sown 250 days later (with its weather and observations moved by as much)
    # has the same features at the same crop age: the calendar does not enter.
    twin_sources = _shifted(sources, field, 250)
    both = pd.DataFrame(
        {
            "field_id": [field, "twin"],
            "season": [season, season],
            "as_of": [as_of, as_of + pd.Timedelta(days=250)],
        }
    )
    pair = build_features(twin_sources, both)
    crop_age_features = [
        c
        for c in FEATURE_COLUMNS
        if c != "crop" and not c.startswith(("ndvi_anomaly", "ndre_anomaly", "past_"))
    ]
    np.testing.assert_allclose(
        pair.iloc[0][crop_age_features].to_numpy(float),
        pair.iloc[1][crop_age_features].to_numpy(float),
        rtol=1e-9,
        equal_nan=True,
    )


def test_anomaly_compares_with_past_seasons_at_the_same_thermal_time() -> None:
    # Two identical seasons on one field and station (the second a copy of the first, a whole
    # number of years later): the second season's anomaly against the first is 0; with its
    # observations lowered by 0.1 it is about −0.1.
    base = synthetic_sources(3, seed=4)
    maize = base.seasons[
        (base.seasons["field_id"] == "f-00001") & (base.seasons["crop"] == "grain_maize")
    ]
    first = maize.iloc[0]
    shift = pd.Timedelta(days=2 * 365)
    second = first.copy()
    second["season"] = first["season"] + 2
    second["sowing_date"] = first["sowing_date"] + shift
    second["harvest_date"] = first["harvest_date"] + shift
    station = base.fields.set_index("field_id").at["f-00001", "station_id"]
    weather = base.weather[base.weather["station_id"] == station]
    in_first = weather["date"].between(first["sowing_date"], first["harvest_date"])
    copied = weather[in_first].assign(date=lambda w: w["date"] + shift)
    weather = pd.concat([weather[~weather["date"].isin(copied["date"])], copied])
    sat = base.satellite[base.satellite["field_id"] == "f-00001"]
    first_obs = sat[sat["date"].between(first["sowing_date"], first["harvest_date"])]
    copy_obs = first_obs.assign(date=first_obs["date"] + shift)
    satellite = pd.concat([first_obs, copy_obs], ignore_index=True)
    sources = replace(
        base,
        fields=base.fields[base.fields["field_id"] == "f-00001"],
        seasons=pd.DataFrame([first, second]).reset_index(drop=True),
        weather=weather.sort_values("date", ignore_index=True),
        satellite=satellite,
        operations=base.operations.iloc[:0],
        sensors=base.sensors.iloc[:0],
    )
    as_of = second["sowing_date"] + pd.Timedelta(days=80)
    request = pd.DataFrame(
        {"field_id": ["f-00001"], "season": [second["season"]], "as_of": [as_of]}
    )
    same = build_features(sources, request).iloc[0]
    assert same["ndvi_anomaly_index"] == pytest.approx(0.0, abs=0.01)
    assert same["past_seasons_count"] == 1
    assert same["past_mean_yield_t_ha"] == pytest.approx(first["yield_t_ha"])
    lower = replace(
        sources,
        satellite=satellite.assign(
            ndvi_mean=np.where(
                satellite["date"] > first["harvest_date"],
                satellite["ndvi_mean"] - 0.1,
                satellite["ndvi_mean"],
            )
        ),
    )
    assert build_features(lower, request).iloc[0]["ndvi_anomaly_index"] == pytest.approx(
        -0.1, abs=0.02
    )
    # Without a past season of the crop there is nothing to compare with.
    alone = build_features(
        sources, request.assign(season=first["season"], as_of=first["harvest_date"])
    )
    assert np.isnan(alone.iloc[0]["ndvi_anomaly_index"])


def test_a_crop_added_as_a_row_gets_features_without_code_changes(sources: SeasonSources) -> None:
    rapeseed = sources.crops[sources.crops["crop_id"] == "winter_wheat"].assign(
        crop_id="winter_rapeseed",
        crop_name="Winter oilseed rape (test row)",
        base_temp_degc=5.0,
        kc_ini=0.35,
        kc_mid=1.10,
        kc_end=0.35,
        max_height_m=0.6,
        stage_ini_days=150,
        stage_dev_days=60,
        stage_mid_days=50,
        stage_late_days=30,
        root_depth_max_m=1.0,
        depletion_fraction_p=0.6,
    )
    seasons = sources.seasons.copy()
    seasons.loc[seasons["crop"] == "winter_wheat", "crop"] = "winter_rapeseed"
    with_rapeseed = replace(
        sources, crops=pd.concat([sources.crops, rapeseed], ignore_index=True), seasons=seasons
    )
    requests = season_requests(seasons, REFERENCE, every_days=150)
    features = build_features(with_rapeseed, requests)
    rape = features[features["crop"] == "winter_rapeseed"]
    assert len(rape) > 10 and rape["gdd_to_date_degc_d"].notna().all()
    assert rape["ndvi_anomaly_index"].notna().any()
    assert_same_features(features, reference_features(with_rapeseed, requests))


def test_requests_are_checked(sources: SeasonSources) -> None:
    one = pd.DataFrame({"field_id": ["f-00000"], "season": [2022], "as_of": ["2022-05-01"]})
    with pytest.raises(ValueError, match="more than once"):
        build_features(sources, pd.concat([one, one]))
    with pytest.raises(ValueError, match="not in seasons"):
        build_features(sources, one.assign(season=1999))


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="slope_days"):
        FeatureParameters(slope_days=0)


SUFFIX_UNITS = {
    "_mm": "mm",
    "_degc_d": "°C·d",
    "_d": "d",
    "_kg_ha": "kg N/ha",
    "_t_ha": "t/ha",
    "_m3_m3": "m³/m³",
    "_pct": "%",
    "_cm": "cm",
    "_index": "1",
    "_index_d": "1·d",
    "_per_d": "1/d",
    "_count": "count",
    "_flag": "0/1",
    "_year": "year",
}


def test_every_feature_is_documented_with_the_unit_its_name_carries() -> None:
    text = (REPO / "docs" / "features.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]*) \|", text, flags=re.MULTILINE)
    documented = {name: unit.strip() for name, unit in rows}
    assert sorted(documented) == sorted(FEATURE_COLUMNS)
    for name, unit in documented.items():
        suffixes = [s for s in SUFFIX_UNITS if name.endswith(s)]
        if suffixes:
            expected = SUFFIX_UNITS[max(suffixes, key=len)]
            assert unit == expected, f"{name}: documented unit '{unit}', its name says {expected}"


def test_satellite_probes_and_operations_may_all_be_absent(sources: SeasonSources) -> None:
    bare = SeasonSources(
        fields=sources.fields, seasons=sources.seasons, crops=sources.crops, weather=sources.weather
    )
    requests = season_requests(sources.seasons, REFERENCE)
    features = build_features(bare, requests)
    assert features["ndvi_latest_index"].isna().all() and (features["ndvi_obs_count"] == 0).all()
    assert (features["sensor_days_d"] == 0).all() and (features["n_applied_kg_ha"] == 0).all()
    with_all = build_features(sources, requests)
    weather_only = [c for c in FEATURE_COLUMNS if c.startswith(("gdd_", "rain_", "eto_", "cwb_"))]
    pd.testing.assert_frame_equal(features[weather_only], with_all[weather_only])
