"""Growth stages from thermal time and the crop table's FAO-56 stage lengths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.agronomy.stages import (
    HARVESTED,
    NOT_SOWN,
    STAGE_NAMES,
    field_stages,
    stage_ends_degc_d,
    stage_index,
    stage_text,
    typical_daily_thermal_time,
)

# Two crops that differ only by their numbers: the code never names a crop.
CROPS = pd.DataFrame(
    {
        "crop_id": ["cool_crop", "warm_crop"],
        "base_temp_degc": [0.0, 10.0],
        "cap_temp_degc": [30.0, 30.0],
        "stage_ini_days": [20, 30],
        "stage_dev_days": [30, 40],
        "stage_mid_days": [40, 50],
        "stage_late_days": [10, 50],
    }
)


def _weather(station: str, start: str, end: str, tmean_degc: float) -> pd.DataFrame:
    dates = pd.date_range(start, end, freq="D")
    return pd.DataFrame(
        {
            "station_id": station,
            "date": dates,
            "tmin_degc": tmean_degc - 5.0,
            "tmax_degc": tmean_degc + 5.0,
        }
    )


def test_stage_ends_in_constant_weather_are_days_times_daily_thermal_time() -> None:
    typical = np.full(366, 12.0)
    ends = stage_ends_degc_d(typical, 100, [20, 30, 40, 10])
    np.testing.assert_allclose(ends, [240.0, 600.0, 1080.0, 1200.0])


def test_stage_ends_wrap_around_the_new_year() -> None:
    typical = np.zeros(366)
    typical[:10] = 5.0  # only the first ten days of January are warm
    ends = stage_ends_degc_d(typical, 360, [3, 10, 5, 1])  # sown on the 360th day
    # days 360..362 cold; 363..366 cold; then 1 Jan..: 5 per day
    np.testing.assert_allclose(ends, [0.0, 30.0, 50.0, 50.0])


def test_stage_ends_refuse_negative_lengths() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        stage_ends_degc_d(np.ones(366), 1, [10, -1, 5, 5])


@pytest.mark.parametrize(
    ("thermal", "expected"),
    [(0.0, 0), (240.0, 0), (240.1, 1), (599.0, 1), (1000.0, 2), (1100.0, 3), (5000.0, 4)],
)
def test_stage_index(thermal: float, expected: int) -> None:
    assert stage_index(thermal, np.array([240.0, 600.0, 1080.0, 1200.0])) == expected


@given(st.floats(0, 3000), st.floats(0, 3000))
def test_stage_never_goes_back_as_thermal_time_grows(a: float, b: float) -> None:
    ends = np.array([240.0, 600.0, 1080.0, 1200.0])
    low, high = sorted((a, b))
    assert stage_index(low, ends) <= stage_index(high, ends)


def test_typical_thermal_time_is_the_mean_per_calendar_day() -> None:
    dates = pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01", "2021-01-02"]))
    typical = typical_daily_thermal_time(dates, np.array([4.0, 6.0, 9.0]))
    assert typical[0] == 5.0 and typical[1] == 9.0
    assert typical[200] == pytest.approx(19.0 / 3.0)  # never observed: the mean of all days


def _fields(**overrides: object) -> pd.DataFrame:
    row = {
        "field_id": "F1",
        "station_id": "S1",
        "crop_id": "cool_crop",
        "sowing_date": pd.Timestamp("2024-04-01"),
        "harvest_date": pd.NaT,
    }
    return pd.DataFrame([{**row, **overrides}])


def test_field_stage_follows_thermal_time_not_days() -> None:
    # Typical weather: 10 °C every day (10 °C·d for the cool crop); this season runs at 20 °C.
    weather = pd.concat(
        [
            _weather("S1", "2019-01-01", "2023-12-31", 10.0),
            _weather("S1", "2024-01-01", "2024-12-31", 20.0),
        ]
    )
    typical = (5 * 10.0 + 20.0) / 6  # the 2024 year counts in the typical weather too
    # 15 days after sowing the crop is in its initial stage by days (20 days long), but this
    # warm season has reached 15 × 20 = 300 °C·d, past the initial stage's typical 20 days.
    stages = field_stages(_fields(), weather, CROPS, pd.Timestamp("2024-04-15"))
    row = stages.iloc[0]
    assert 20 * typical < 300.0 < 50 * typical
    assert row["stage"] == "development"
    assert row["thermal_time_degc_d"] == pytest.approx(15 * 20.0)
    assert row["maturity_degc_d"] == pytest.approx(100 * typical)


def test_field_stage_of_a_warm_crop_uses_its_base_temperature() -> None:
    weather = _weather("S1", "2020-01-01", "2024-12-31", 15.0)  # 5 °C·d above a 10 °C base
    stages = field_stages(
        _fields(crop_id="warm_crop"), weather, CROPS, pd.Timestamp("2024-05-10")
    )  # 40 days: 200 °C·d; initial ends at 30 × 5 = 150, development at 350
    assert stages.iloc[0]["stage"] == "development"
    assert stages.iloc[0]["stage_progress_pct"] == pytest.approx(100 * 200 / (170 * 5))


def test_missing_days_count_as_typical_days() -> None:
    weather = _weather("S1", "2020-01-01", "2024-12-31", 10.0)
    weather = weather[(weather["date"] < "2024-04-05") | (weather["date"] > "2024-04-15")]
    stages = field_stages(_fields(), weather, CROPS, pd.Timestamp("2024-04-30"))
    assert stages.iloc[0]["thermal_time_degc_d"] == pytest.approx(30 * 10.0)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"sowing_date": pd.Timestamp("2024-06-01")}, NOT_SOWN),
        ({"sowing_date": pd.NaT}, NOT_SOWN),
        ({"harvest_date": pd.Timestamp("2024-04-20")}, HARVESTED),
        ({"crop_id": "unknown_crop"}, None),
        ({"station_id": "no-weather"}, None),
    ],
)
def test_fields_without_a_growing_crop(overrides: dict[str, object], expected: object) -> None:
    weather = _weather("S1", "2020-01-01", "2024-12-31", 10.0)
    stages = field_stages(_fields(**overrides), weather, CROPS, pd.Timestamp("2024-05-01"))
    assert stages.iloc[0]["stage"] == expected
    assert stage_text(expected, np.nan) == ("-" if expected is None else expected)


def test_a_long_season_ends_mature() -> None:
    weather = _weather("S1", "2020-01-01", "2024-12-31", 10.0)
    stages = field_stages(_fields(), weather, CROPS, pd.Timestamp("2024-09-01"))
    assert stages.iloc[0]["stage"] == STAGE_NAMES[-1]


def test_stage_text() -> None:
    assert stage_text("development", 41.6) == ("development (42 % of the thermal time to maturity)")
    assert stage_text(None, 3.0) == "-"


def test_stages_on_picks_the_latest_season_sown_by_the_date() -> None:
    from pipelines.agronomy.stages import stages_on

    weather = _weather("S1", "2020-01-01", "2024-12-31", 10.0)
    fields = pd.DataFrame({"field_id": ["F1", "F2"], "station_id": ["S1", "S1"]})
    seasons = pd.DataFrame(
        {
            "field_id": ["F1", "F1", "F1", "F2"],
            "season": [2023, 2024, 2025, 2025],
            "crop": ["cool_crop", "warm_crop", "cool_crop", "cool_crop"],
            "sowing_date": ["2023-04-01", "2024-04-01", "2024-10-15", "2024-10-15"],
            "harvest_date": ["2023-08-01", None, None, None],
        }
    )
    stages = stages_on(fields, seasons, weather, CROPS, pd.Timestamp("2024-05-10"))
    assert list(stages["field_id"]) == ["F1", "F2"]
    # F1: the 2024 warm crop (40 days at 0 °C·d above its 10 °C base: still initial)
    assert list(stages["stage"]) == ["initial", NOT_SOWN]
    assert stages.iloc[0]["thermal_time_degc_d"] == 0.0


def test_fields_sharing_station_crop_and_sowing_share_their_stage() -> None:
    weather = _weather("S1", "2020-01-01", "2024-12-31", 10.0)
    fields = pd.concat([_fields(field_id=f"F{i}") for i in range(5)], ignore_index=True)
    fields.loc[4, "crop_id"] = "warm_crop"
    stages = field_stages(fields, weather, CROPS, pd.Timestamp("2024-04-30"))
    assert list(stages["field_id"]) == [f"F{i}" for i in range(5)]
    assert list(stages["stage"]) == ["development"] * 4 + ["initial"]
