"""Logger clocks: the clock an installation states, the zone database's changes, and the warning
an upload gets when its timestamps contradict the stated clock."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.sources.sensors import ingest_file
from pipelines.sources.sensors.localtime import (
    OK,
    clock_problem,
    clock_tzinfo,
    diagnose_clock,
    is_clock,
    local_days,
    local_to_utc,
    parse_clock,
    transitions,
)
from pipelines.sources.sensors.validate import normalise_devices
from pipelines.store import storage
from pipelines.tables import InputError
from tests.pipelines.sensors.clocks import (
    ZONE,
    long_log,
    register,
    wall_seconds,
    wall_times,
    workspace_with_fields,
)
from tests.pipelines.sensors.conftest import devices_frame, uploads


def _utc(seconds: int) -> str:
    return str(np.datetime64(int(seconds), "s"))


# ---- the clock an installation states


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        ("europe/amsterdam", "Europe/Amsterdam"),
        ("UTC+01:00", "UTC+01:00"),
        ("UTC+1", "UTC+01:00"),
        ("utc +1", "UTC+01:00"),
        ("+01:00", "UTC+01:00"),
        ("+0100", "UTC+01:00"),
        ("UTC-03:30", "UTC-03:30"),
        ("UTC+5:45", "UTC+05:45"),
        ("UTC\u221205:00", "UTC-05:00"),  # a typographic minus
        ("Etc/GMT-1", "Etc/GMT-1"),
        ("UTC", "UTC"),
    ],
)
def test_a_clock_is_an_iana_zone_or_a_fixed_offset(text: str, canonical: str) -> None:
    assert parse_clock(text).text == canonical
    assert is_clock(text)


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("GMT+1", "write the offset as UTC+01:00 or UTC-01:00"),
        ("Europe/Amsterdm", "did you mean Europe/Amsterdam?"),
        ("UTC+01:10", "in quarter hours"),
        ("UTC+15", "from UTC-12:00 to UTC+14:00"),
        ("", "the logger's clock is empty"),
        ("CEST", "e.g. UTC+01:00"),
    ],
)
def test_what_is_not_a_clock_is_refused_naming_the_fix(text: str, fix: str) -> None:
    problem = clock_problem(text)
    assert problem is not None and fix in problem
    with pytest.raises(ValueError, match="UTC"):
        parse_clock(text)


def test_a_fixed_offset_is_the_same_clock_as_its_iana_etc_zone() -> None:
    # The night the clocks jump forward in Amsterdam, a logger on UTC+1 writes 02:30: it exists.
    wall = wall_seconds(["2026-03-29 01:30", "2026-03-29 02:30", "2026-07-01 12:00"])
    for clock in ("UTC+01:00", "Etc/GMT-1"):
        result = local_to_utc(wall, clock)
        assert list(result.status) == [OK] * 3
        assert [_utc(s) for s in result.utc] == [
            "2026-03-29T00:30:00",
            "2026-03-29T01:30:00",
            "2026-07-01T11:00:00",
        ]
        # 23:30 UTC on 28 March is 00:30 on the 29th on the logger's clock.
        assert list(local_days(np.array([1774740600]), clock)) == [20541]
    assert clock_tzinfo("UTC+01:00").utcoffset(None) == pd.Timedelta(hours=1)


def test_the_registry_accepts_offsets_as_people_write_them_and_stores_one_spelling() -> None:
    registry = devices_frame(
        "lg-1,1,A1,10,TEROS 12,UTC+1,2026-01-01,",
        "lg-1,2,A1,30,TEROS 12,+01:00,2026-01-01,",
        "lg-2,1,A1,10,TEROS 12,europe/amsterdam,2026-01-01,",
    )
    assert list(normalise_devices(registry)["timezone"]) == [
        "UTC+01:00",
        "UTC+01:00",
        "Europe/Amsterdam",
    ]
    with pytest.raises(InputError, match="write the offset as UTC\\+01:00"):
        normalise_devices(devices_frame("lg-1,1,A1,10,TEROS 12,GMT+1,2026-01-01,"))


# ---- the zone database's changes


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # EU: 01:00 UTC on the last Sundays of March and October (Directive 2000/84/EC).
        ("Europe/Amsterdam", [("2026-03-29T01:00:00", 1, 2), ("2026-10-25T01:00:00", 2, 1)]),
        # US: 02:00 local on the second Sunday of March and the first Sunday of November.
        ("America/New_York", [("2026-03-08T07:00:00", -5, -4), ("2026-11-01T06:00:00", -4, -5)]),
        # New South Wales: 03:00 AEDT on the first Sunday of April, 02:00 AEST on the first
        # Sunday of October.
        ("Australia/Sydney", [("2026-04-04T16:00:00", 11, 10), ("2026-10-03T16:00:00", 10, 11)]),
    ],
)
def test_clock_changes_come_from_the_zone_database(
    zone: str, expected: list[tuple[str, int, int]]
) -> None:
    year = (1767225600, 1798761599)  # 2026 in UTC
    found = transitions(zone, *year)
    assert [
        (_utc(t.utc), t.offset_before_s // 3600, t.offset_after_s // 3600) for t in found
    ] == expected
    assert all(t.daylight_saving for t in found)
    assert transitions("UTC+01:00", *year) == () and transitions("Etc/GMT-1", *year) == ()


# ---- what a file's timestamps say about the logger's clock


def _findings(times: list[str], clock: str, reference: str | None = None) -> list[tuple]:
    return [
        (_utc(f.transition.utc), f.keeps_standard_time, f.suggested)
        for f in diagnose_clock(wall_seconds(times), clock, reference)
    ]


SPRING = ("2026-03-27", "2026-03-31")
AUTUMN = ("2026-10-23", "2026-10-27")


@pytest.mark.parametrize(
    ("period", "change"), [(SPRING, "2026-03-29T01:00:00"), (AUTUMN, "2026-10-25T01:00:00")]
)
@pytest.mark.parametrize("freq", ["15min", "h"])
def test_a_logger_on_standard_time_read_with_a_daylight_saving_zone_is_named(
    period: tuple[str, str], change: str, freq: str
) -> None:
    standard = wall_times(*period, freq, "Etc/GMT-1")
    assert _findings(standard, ZONE) == [(change, True, "UTC+01:00")]
    following = wall_times(*period, freq, ZONE)
    assert _findings(following, ZONE) == []


@pytest.mark.parametrize(
    ("period", "change"), [(SPRING, "2026-03-29T01:00:00"), (AUTUMN, "2026-10-25T01:00:00")]
)
@pytest.mark.parametrize("clock", ["UTC+01:00", "Etc/GMT-1"])
def test_a_daylight_saving_logger_read_with_a_fixed_offset_is_named(
    period: tuple[str, str], change: str, clock: str
) -> None:
    following = wall_times(*period, "15min", ZONE)
    assert _findings(following, clock, ZONE) == [(change, False, ZONE)]
    standard = wall_times(*period, "15min", "Etc/GMT-1")
    assert _findings(standard, clock, ZONE) == []
    # Without the region's zone a fixed clock has nothing to be compared with.
    assert _findings(following, clock, None) == []


def test_the_standard_offset_named_is_the_zones_own() -> None:
    standard = wall_times("2026-03-06", "2026-03-10", "30min", "Etc/GMT+5")  # UTC-5 all year
    assert _findings(standard, "America/New_York") == [("2026-03-08T07:00:00", True, "UTC-05:00")]


def test_no_warning_without_clear_evidence() -> None:
    # Daily values are labelled with dates: they run evenly through any change.
    daily = list(pd.date_range("2026-03-20", "2026-04-05", freq="D").strftime("%Y-%m-%d %H:%M:%S"))
    assert _findings(daily, ZONE) == []
    # Readings missing around the change: nothing shows which clock the logger kept.
    standard = wall_times(*SPRING, "15min", "Etc/GMT-1")
    gap = [t for t in standard if not "2026-03-29 00:00" <= t <= "2026-03-29 05:00"]
    assert _findings(gap, ZONE) == []
    # A file that does not span a change.
    assert _findings(wall_times("2026-05-01", "2026-05-10", "15min", "Etc/GMT-1"), ZONE) == []
    assert _findings(["2026-03-29 01:00:00", "2026-03-29 02:00:00"], ZONE) == []


# ---- the upload report


def test_an_upload_contradicting_its_clock_is_ok_with_a_warning_naming_the_clock(
    tmp_path: Path,
) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = workspace_with_fields(tmp_path, workspace)
    register(engine, "lg-9", 1, "A1", 10, "UTC+01:00", "2026-09-01")
    log = tmp_path / "lg-9.csv"
    following = wall_times("2026-10-20", "2026-10-30", "15min", ZONE)
    log.write_text(long_log({("lg-9", 1, "vwc_m3_m3"): following}))
    report = ingest_file(engine, workspace, log, uploaded_by="anna")
    assert report.status == "ok"
    # Read as UTC+1, the repeated hour lands on instants already given: 4 conflicts.
    assert (report.accepted, report.rejected) == (len(following) - 4, 4)
    [warning] = report.warnings
    assert warning.startswith("device 'lg-9' port 1: timestamps repeat an hour at the ")
    assert "2026-10-25 daylight-saving change of Europe/Amsterdam" in warning
    assert "set its clock to Europe/Amsterdam" in warning
    assert "`agri sensors reprocess --device lg-9`" in warning
    [logged] = uploads(engine)
    assert logged["status"] == "ok"
    assert json.loads(logged["report_json"])["warnings"] == [warning]
    assert "WARNING: device 'lg-9'" in logged["message"]
    engine.dispose()
