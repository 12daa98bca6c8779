"""Quality-control flags: each test on a small series, and the fast code against a slow one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from pipelines.sources.sensors import daily_aggregates, ingest_file, read_daily_aggregates
from pipelines.sources.sensors.qc import (
    FLATLINE,
    GAP,
    GAP_HOURS,
    OFFSET,
    OUT_OF_RANGE,
    SPIKE,
    SPIKE_NEIGHBOUR_HOURS,
    SegmentRules,
    flags_to_text,
    qc_flags,
)
from pipelines.sources.sensors.units import VARIABLES
from pipelines.store import storage
from tests.pipelines.sensors.conftest import devices_frame

H = 3600


def _flags(
    values: list[float],
    variable: str = "vwc_m3_m3",
    step_h: float = 1.0,
    depth_cm: float = 30.0,
    has_earlier: bool = False,
    times_h: list[float] | None = None,
) -> np.ndarray:
    n = len(values)
    hours = np.arange(n) * step_h if times_h is None else np.asarray(times_h)
    return qc_flags(
        np.zeros(n, dtype=np.int64),
        (1_700_000_000 + hours * H).astype(np.int64),
        np.asarray(values, dtype=np.float64),
        SegmentRules.for_segments([variable], [depth_cm]),
        np.array([has_earlier]),
    )


def _wavy(n: int, level: float = 0.25) -> list[float]:
    return [round(level + 0.004 * np.sin(i / 3) + 0.0007 * (i % 3), 4) for i in range(n)]


def test_single_reading_jumping_away_and_back_is_a_spike() -> None:
    values = _wavy(30)
    values[10] = 0.0
    values[20] = 0.91
    flags = _flags(values)
    assert [i for i in range(30) if flags[i] & SPIKE] == [10, 20]
    assert flags[10] & OUT_OF_RANGE and flags[20] & OUT_OF_RANGE


def test_a_rain_step_that_stays_is_not_a_spike() -> None:
    values = _wavy(30)
    values[10:] = [v + 0.12 for v in values[10:]]
    assert not (_flags(values) & SPIKE).any()


def test_stuck_sensor_for_a_day_is_a_flat_line() -> None:
    values = _wavy(80)
    values[20:46] = [values[20]] * 26  # 25 hours without change
    flags = _flags(values)
    flat = [i for i in range(80) if flags[i] & FLATLINE]
    assert flat == list(range(20, 46))


def test_a_shorter_plateau_is_not_a_flat_line() -> None:
    values = _wavy(80)
    values[20:40] = [values[20]] * 20
    assert not (_flags(values) & FLATLINE).any()


def test_frozen_soil_at_zero_is_not_a_stuck_thermometer() -> None:
    flags = _flags([-0.3] * 80, variable="soil_temp_degc")
    assert not (flags & FLATLINE).any()
    assert (_flags([4.3] * 80, variable="soil_temp_degc") & FLATLINE).all()


def test_first_reading_after_six_hours_without_data_starts_a_gap() -> None:
    times = [0, 1, 2, 3, 3 + GAP_HOURS + 1, 3 + GAP_HOURS + 2]
    flags = _flags(_wavy(6), times_h=times)
    assert [i for i in range(6) if flags[i] & GAP] == [4]
    # The first reading of an upload starts after a gap only if earlier readings exist.
    assert _flags(_wavy(6), times_h=times, has_earlier=True)[0] & GAP


def test_a_step_that_persists_at_depth_is_an_offset() -> None:
    values = _wavy(60, 0.30)
    values[30:] = [v + 0.045 for v in values[30:]]
    flags = _flags(values, depth_cm=30)
    assert [i for i in range(60) if flags[i] & OFFSET] == [30]


def test_a_rising_step_in_the_topsoil_is_rain_but_a_drop_is_an_offset() -> None:
    rise = _wavy(60, 0.30)
    rise[30:] = [v + 0.045 for v in rise[30:]]
    assert not (_flags(rise, depth_cm=10) & OFFSET).any()
    drop = _wavy(60, 0.30)
    drop[30:] = [v - 0.045 for v in drop[30:]]
    assert _flags(drop, depth_cm=10)[30] & OFFSET


def test_flag_text_lists_names_in_a_fixed_order() -> None:
    texts = flags_to_text(np.array([0, OUT_OF_RANGE | SPIKE, GAP], dtype=np.uint8))
    assert list(texts) == ["", "out_of_range,spike", "gap"]


def _reference(ts: list[int], values: list[float], variable: str, has_earlier: bool) -> list[int]:
    """The rules of pipelines.sources.sensors.qc written out reading by reading (no offset test)."""
    spec = VARIABLES[variable]
    out = []
    n = len(ts)
    for i in range(n):
        f = 0
        if not spec.plausible[0] <= values[i] <= spec.plausible[1]:
            f |= OUT_OF_RANGE
        if (i == 0 and has_earlier) or (i > 0 and ts[i] - ts[i - 1] > GAP_HOURS * H):
            f |= GAP
        jump = spec.qc.spike_jump
        if jump is not None and 0 < i < n - 1:
            near = SPIKE_NEIGHBOUR_HOURS * H
            if ts[i] - ts[i - 1] <= near and ts[i + 1] - ts[i] <= near:
                up, down = values[i] - values[i - 1], values[i] - values[i + 1]
                if (
                    abs(up) >= jump
                    and abs(down) >= jump
                    and np.sign(up) == np.sign(down)
                    and abs(values[i + 1] - values[i - 1]) < jump / 2
                ):
                    f |= SPIKE
        hours = spec.qc.flatline_hours
        if hours is not None:
            start = i
            while (
                start > 0
                and values[start - 1] == values[i]
                and ts[start] - ts[start - 1] <= GAP_HOURS * H
            ):
                start -= 1
            end = i
            while (
                end < n - 1
                and values[end + 1] == values[i]
                and ts[end + 1] - ts[end] <= GAP_HOURS * H
            ):
                end += 1
            exempt = spec.qc.flatline_exempt
            if (
                end - start + 1 >= 3
                and ts[end] - ts[start] >= hours * H
                and not (exempt and exempt[0] <= values[i] <= exempt[1])
            ):
                f |= FLATLINE
        out.append(f)
    return out


series = st.lists(
    st.tuples(
        st.sampled_from([1, 1, 1, 1, 2, 3, 7]),  # hours since the previous reading
        st.sampled_from([0.20, 0.20, 0.21, 0.22, 0.0, 0.75, 0.33]),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(series, st.booleans(), st.sampled_from(["vwc_m3_m3", "soil_temp_degc"]))
def test_fast_flags_match_the_reading_by_reading_reference(
    steps: list[tuple[int, float]], has_earlier: bool, variable: str
) -> None:
    ts = list(1_700_000_000 + np.cumsum([s for s, _ in steps]) * H)
    values = [v if variable == "vwc_m3_m3" else v * 40 for _, v in steps]
    fast = qc_flags(
        np.zeros(len(ts), dtype=np.int64),
        np.asarray(ts, dtype=np.int64),
        np.asarray(values),
        SegmentRules.for_segments([variable], [10.0]),  # topsoil: rises are never offsets
        np.array([has_earlier]),
    )
    slow = _reference(ts, values, variable, has_earlier)
    assert [int(f) & ~OFFSET for f in fast] == slow


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(series, st.booleans(), st.sampled_from(["vwc_m3_m3", "soil_temp_degc"])),
        min_size=2,
        max_size=5,
    )
)
def test_many_series_at_once_flag_as_each_alone(
    many: list[tuple[list[tuple[int, float]], bool, str]],
) -> None:
    """One call over several series (as an upload makes) equals the reference series by series:
    nothing leaks across a segment boundary."""
    segment, ts, values, expected = [], [], [], []
    for number, (steps, has_earlier, variable) in enumerate(many):
        times = list(1_700_000_000 + np.cumsum([s for s, _ in steps]) * H)
        series_values = [v if variable == "vwc_m3_m3" else v * 40 for _, v in steps]
        segment += [number] * len(times)
        ts += times
        values += series_values
        expected += _reference(times, series_values, variable, has_earlier)
    fast = qc_flags(
        np.asarray(segment, dtype=np.int64),
        np.asarray(ts, dtype=np.int64),
        np.asarray(values),
        SegmentRules.for_segments([v for _, _, v in many], [10.0] * len(many)),
        np.array([h for _, h, _ in many]),
    )
    assert [int(f) & ~OFFSET for f in fast] == expected


def test_daily_aggregates_leave_flagged_readings_out() -> None:
    day = pd.Timestamp("2025-06-01T00:00Z").value // 10**9
    frame = pd.DataFrame(
        {
            "field_id": "A2",
            "device_id": "dev-1",
            "port": 1,
            "depth_cm": 10.0,
            "variable": ["vwc_m3_m3"] * 4 + ["precip_mm"] * 2,
            "ts": [day, day + H, day + 2 * H, day + 86_400, day, day + H],
            "value": [0.20, 0.30, 0.91, 0.25, 1.5, 2.0],
            "qc_flags": ["", "", "out_of_range,spike", "", "", ""],
        }
    )
    daily = daily_aggregates(frame, "UTC")
    vwc = daily[daily["variable"].eq("vwc_m3_m3")]
    assert list(vwc["value"]) == pytest.approx([0.25, 0.25])
    assert list(vwc["n_readings"]) == [2, 1]
    assert list(vwc["n_flagged"]) == [1, 0]
    assert daily[daily["variable"].eq("precip_mm")]["value"].iloc[0] == 3.5  # rain is summed


def test_daily_aggregates_from_the_workspace_use_local_days(
    sqlite_workspace: tuple[Engine, storage.Workspace], tmp_path: Path
) -> None:
    engine, workspace = sqlite_workspace
    path = tmp_path / "log.csv"
    # 23:00 UTC on 31 May is 1 June in Amsterdam (UTC+2).
    path.write_text(
        "device_id,port,variable,ts,value\n"
        "dev-1,1,vwc_m3_m3,2025-05-31T21:00:00Z,0.20\n"
        "dev-1,1,vwc_m3_m3,2025-05-31T23:00:00Z,0.30\n"
    )
    registry = devices_frame("dev-1,1,A2,10,TEROS 12,UTC,2025-05-01,")
    ingest_file(engine, workspace, path, uploaded_by="t", devices=registry)
    daily = read_daily_aggregates(engine, "Europe/Amsterdam", field_ids=["A2"])
    assert [str(d) for d in daily["date"]] == ["2025-05-31", "2025-06-01"]
    assert list(daily["value"]) == pytest.approx([0.20, 0.30])


def _probe_flags(
    vwc: list[float], temp: list[float], probes: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Hourly flags of water content (segment 0) and soil temperature (segment 1)."""
    n = len(vwc)
    hours = np.arange(n, dtype=np.int64)
    flags = qc_flags(
        np.repeat(np.array([0, 1], dtype=np.int64), n),
        np.tile(1_700_000_000 + hours * H, 2),
        np.asarray(vwc + temp, dtype=np.float64),
        SegmentRules.for_segments(["vwc_m3_m3", "soil_temp_degc"], [30.0, 30.0], probes),
        np.array([False, False]),
    )
    return flags[:n], flags[n:]


def test_a_dead_probe_writing_zero_is_flagged_in_every_variable() -> None:
    vwc = _wavy(120)
    temp = [round(6 + 2 * np.sin(i / 4), 1) for i in range(120)]
    vwc[30:90] = [0.0] * 60  # 60 hours of 0.0 in both: the probe died and came back
    temp[30:90] = [0.0] * 60
    vwc_flags, temp_flags = _probe_flags(vwc, temp, [0, 0])
    assert [i for i in range(120) if vwc_flags[i] & FLATLINE] == list(range(30, 90))
    assert [i for i in range(120) if temp_flags[i] & FLATLINE] == list(range(30, 90))
    # Another probe's water content says nothing about this thermometer.
    _, other_probe = _probe_flags(vwc, temp, [0, 1])
    assert not (other_probe & FLATLINE).any()


def test_frozen_soil_at_zero_with_falling_water_content_is_not_flagged() -> None:
    # The zero curtain: 0.0 °C for days while liquid water content falls as the soil freezes.
    vwc = [round(0.30 - 0.001 * i, 4) for i in range(120)]
    temp = [0.0] * 120
    vwc_flags, temp_flags = _probe_flags(vwc, temp, [0, 0])
    assert not (vwc_flags & FLATLINE).any() and not (temp_flags & FLATLINE).any()


def test_a_short_stuck_spell_alongside_a_stuck_variable_is_not_enough() -> None:
    vwc = _wavy(120)
    temp = [round(6 + 2 * np.sin(i / 4), 1) for i in range(120)]
    vwc[30:90] = [0.0] * 60
    temp[40:50] = [0.0] * 10  # ten hours at 0 °C: shorter than the day water content needs
    _, temp_flags = _probe_flags(vwc, temp, [0, 0])
    assert not (temp_flags & FLATLINE).any()


def test_dead_probe_upload_flags_its_zero_temperatures_in_the_workspace(
    sqlite_workspace: tuple[Engine, storage.Workspace], tmp_path: Path
) -> None:
    engine, workspace = sqlite_workspace
    start = pd.Timestamp("2025-06-01T00:00Z")
    lines = ["device_id,port,variable,ts,value"]
    for hour in range(96):
        ts = (start + pd.Timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")
        dead = 24 <= hour < 84
        vwc = 0.0 if dead else round(0.25 + 0.004 * np.sin(hour / 3), 4)
        temp = 0.0 if dead else round(14 + 3 * np.sin(hour / 4), 1)
        lines += [f"dev-1,1,vwc_m3_m3,{ts},{vwc}", f"dev-1,1,soil_temp_degc,{ts},{temp}"]
    path = tmp_path / "dead.csv"
    path.write_text("\n".join(lines) + "\n")
    registry = devices_frame("dev-1,1,A2,10,TEROS 12,UTC,2025-05-01,")
    report = ingest_file(engine, workspace, path, uploaded_by="t", devices=registry)
    assert report.accepted == 192
    assert report.flag_counts["flatline"] == 120
    daily = read_daily_aggregates(engine, "UTC", field_ids=["A2"])
    temp = daily[daily["variable"].eq("soil_temp_degc")].set_index("date")
    # The three days the probe was dead in both variables hold no good temperature.
    assert list(temp["n_flagged"]) == [0, 24, 24, 12]
