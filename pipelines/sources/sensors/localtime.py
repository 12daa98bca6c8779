"""Logger clocks: what an installation states, wall-clock time to UTC, and clocks that look wrong.

A logger's clock is stated per installation (the `timezone` column of sensors/devices.csv and of
`sensor_devices`) as either

- an IANA time zone (`Europe/Amsterdam`): the logger follows daylight saving time, or
- a fixed UTC offset as people write it (`UTC+01:00`, `UTC+1`, `+01:00`, or IANA's own fixed
  zones such as `Etc/GMT-1`): the logger keeps one offset all year (standard time).

`parse_clock` is the one function that reads a clock; everything else goes through it.

When the clocks jump forward (Europe: last Sunday of March, 02:00 → 03:00) the wall times in
between do not exist; a logger that writes them is not following daylight saving time, and
guessing an offset for it would shift its readings by an hour. Those readings are rejected
with the fix (a fixed-offset clock such as `UTC+01:00`).

When the clocks go back (last Sunday of October, 03:00 → 02:00) the wall times 02:00–02:59
happen twice. A logger that follows the clock writes them twice, in order: the first occurrence
is daylight time and the second standard time. A wall time that appears once is resolved by
the order of its neighbours in the same hour when they show on which side of the change it
lies, and rejected otherwise: nothing in the file says which of the two instants it was.

`diagnose_clock` looks at a series around each clock change of its zone: a logger read with a
daylight-saving zone whose readings are evenly spaced in wall time straight through the change
keeps standard time; a logger read with a fixed offset whose readings jump forward or repeat an
hour exactly at its region's change follows daylight saving time.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import numpy as np
import numpy.typing as npt
import pandas as pd

OK, NONEXISTENT, AMBIGUOUS = 0, 1, 2
_NIGHT_S = 2 * 3600
_DAY_S = 86_400
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Zulu"})
# UTC offsets in use run from UTC-12:00 to UTC+14:00, in whole quarter hours.
_MIN_OFFSET_S, _MAX_OFFSET_S = -12 * 3600, 14 * 3600
_OFFSET_TEXT = re.compile(r"^(?:UTC\s*)?([+\-\u2212])\s*(\d{1,2})(?:(?::|h|\s*)(\d{2}))?$", re.I)
_GMT_OFFSET = re.compile(r"^GMT\s*[+\-\u2212]\s*\d", re.I)
# Only loggers sampling at most this far apart show the hour a clock change moves; a file of
# daily values is labelled with dates, which run evenly through any change.
_MAX_DIAGNOSED_STEP_S = 3 * 3600
CLOCK_HINT = (
    "write an IANA time zone for a logger that follows daylight saving time (e.g. "
    "Europe/Amsterdam), or a fixed UTC offset for one kept on standard time all year (e.g. "
    "UTC+01:00)"
)


# ---- clocks


@dataclass(frozen=True)
class Clock:
    """A logger clock: an IANA zone (`zone`) or a fixed offset east of UTC (`offset_s`)."""

    text: str  # canonical spelling: the IANA name, or "UTC+01:00"
    zone: str | None = None
    offset_s: int | None = None

    @property
    def tzinfo(self) -> tzinfo:
        if self.zone is not None:
            return zoneinfo.ZoneInfo(self.zone)
        return timezone(timedelta(seconds=self.offset_s or 0))


def parse_clock(text: str) -> Clock:
    """The clock an installation states; `ValueError` naming the accepted forms otherwise.

    `Europe/Amsterdam` (any IANA zone, in any letter case), `UTC+01:00`, `UTC+1`, `+01:00`,
    `+0100`, `UTC-03:30`. `GMT+1` is refused: IANA's `Etc/GMT+1` is UTC-1, the opposite of what
    people usually mean by it.
    """
    return _parse_clock(str(text).strip())


def clock_problem(text: object) -> str | None:
    """Why `text` is not a clock (the message of `parse_clock`), or None when it is one."""
    try:
        parse_clock(str(text))
    except ValueError as exc:
        return str(exc)
    return None


def is_clock(text: object) -> bool:
    return clock_problem(text) is None


def clock_tzinfo(text: str) -> tzinfo:
    """The `tzinfo` of a clock (for `datetime.now(...)` and the like)."""
    return parse_clock(text).tzinfo


def format_offset(seconds: int) -> str:
    """A fixed offset as a clock: 3600 → "UTC+01:00", -12600 → "UTC-03:30"."""
    sign = "-" if seconds < 0 else "+"
    minutes = abs(int(seconds)) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@functools.lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


@functools.lru_cache(maxsize=1024)
def _parse_clock(text: str) -> Clock:
    if not text:
        raise ValueError(f"the logger's clock is empty: {CLOCK_HINT}")
    zones = _zones()
    name = zones.get(text.lower())
    if name is not None:
        return Clock(name, zone=name)
    match = _OFFSET_TEXT.match(text)
    if match is not None:
        sign, hours, minutes = match.groups()
        total = int(hours) * 3600 + int(minutes or 0) * 60
        offset = -total if sign in "-\u2212" else total
        if int(minutes or 0) % 15 or not _MIN_OFFSET_S <= offset <= _MAX_OFFSET_S:
            raise ValueError(
                f"'{text}' is not a UTC offset in use: offsets run from UTC-12:00 to UTC+14:00 "
                "in quarter hours (e.g. UTC+01:00, UTC+05:30)"
            )
        return Clock(format_offset(offset), offset_s=offset)
    if _GMT_OFFSET.match(text):
        raise ValueError(
            f"'{text}' is ambiguous: IANA's Etc/GMT+1 means UTC-1, people usually mean UTC+1; "
            "write the offset as UTC+01:00 or UTC-01:00"
        )
    close = difflib.get_close_matches(text.lower(), list(zones), n=1, cutoff=0.8)
    hint = f"; did you mean {zones[close[0]]}?" if close else ""
    raise ValueError(f"'{text}' is not a clock we know{hint} ({CLOCK_HINT})")


# ---- wall time to UTC


@dataclass(frozen=True)
class Localised:
    utc: npt.NDArray[np.int64]  # epoch seconds
    status: npt.NDArray[np.int8]  # OK, NONEXISTENT or AMBIGUOUS


def local_to_utc(wall: npt.NDArray[np.int64], zone: str) -> Localised:
    """UTC epoch seconds for wall-clock seconds `wall` (given in file order) on clock `zone`."""
    n = len(wall)
    status = np.zeros(n, dtype=np.int8)
    clock = parse_clock(zone)
    if clock.zone is None:
        return Localised((wall - (clock.offset_s or 0)).astype(np.int64), status)
    if clock.zone in _UTC_ZONES or n == 0:
        return Localised(wall.astype(np.int64, copy=True), status)
    index = pd.DatetimeIndex(wall.astype("datetime64[s]"))
    probe = index.tz_localize(clock.zone, ambiguous="NaT", nonexistent="shift_forward")
    ambiguous = np.asarray(probe.isna(), dtype=bool)
    strict = index.tz_localize(clock.zone, ambiguous="NaT", nonexistent="NaT")
    nonexistent = np.asarray(strict.isna(), dtype=bool) & ~ambiguous
    daylight = np.zeros(n, dtype=bool)
    if ambiguous.any():
        positions = np.flatnonzero(ambiguous)
        first, unresolved = resolve_repeated(wall[positions])
        daylight[positions] = first
        status[positions[unresolved]] = AMBIGUOUS
    status[nonexistent] = NONEXISTENT
    final = index.tz_localize(clock.zone, ambiguous=daylight, nonexistent="NaT")
    seconds = final.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[s]")
    utc = np.where(status == OK, seconds.astype(np.int64), 0).astype(np.int64)
    return Localised(utc, status)


def resolve_repeated(
    walls: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """For ambiguous wall times in file order: (is daylight time, cannot tell).

    A wall time written twice is daylight time the first time and standard time the second.
    A wall time written once lies after the change if an earlier line of the same night is a
    second occurrence or later on the clock, and before it if a later line is a first
    occurrence or earlier on the clock.
    """
    n = len(walls)
    daylight = np.zeros(n, dtype=bool)
    unresolved = np.zeros(n, dtype=bool)
    values = walls.tolist()
    counts = Counter(values)
    seen: defaultdict[int, int] = defaultdict(int)
    occurrence = []
    for wall in values:
        occurrence.append(seen[wall])
        seen[wall] += 1
    for i, wall in enumerate(values):
        if counts[wall] >= 2:
            daylight[i] = occurrence[i] == 0
            continue
        # Only lines of the same night count as evidence (a repeated hour spans at most 1 h).
        same_night = [j for j in range(n) if j != i and abs(values[j] - wall) < _NIGHT_S]
        after = any(
            j < i and (values[j] >= wall or (counts[values[j]] >= 2 and occurrence[j] >= 1))
            for j in same_night
        )
        before = any(
            j > i and (values[j] <= wall or (counts[values[j]] >= 2 and occurrence[j] == 0))
            for j in same_night
        )
        if after == before:
            unresolved[i] = True
        else:
            daylight[i] = before
    return daylight, unresolved


def local_days(utc: npt.NDArray[np.int64], zone: str) -> npt.NDArray[np.int64]:
    """Days since 1970-01-01 of the local calendar date of each UTC instant on clock `zone`."""
    clock = parse_clock(zone)
    if clock.zone is None:
        return np.floor_divide(utc + (clock.offset_s or 0), _DAY_S)
    if clock.zone in _UTC_ZONES:
        return np.floor_divide(utc, _DAY_S)
    index = pd.DatetimeIndex(utc.astype("datetime64[s]")).tz_localize("UTC").tz_convert(clock.zone)
    wall = index.tz_localize(None).to_numpy(dtype="datetime64[s]").astype(np.int64)
    return np.floor_divide(wall, _DAY_S)


# ---- clock changes and the clocks they reveal


@dataclass(frozen=True)
class Transition:
    """A change of a zone's UTC offset (a daylight-saving change, mostly)."""

    zone: str
    utc: int  # epoch seconds of the change
    offset_before_s: int
    offset_after_s: int
    daylight_saving: bool  # one side of it is daylight saving time

    @property
    def forward(self) -> bool:
        return self.offset_after_s > self.offset_before_s

    @property
    def standard_offset_s(self) -> int:
        # The smaller offset is the one kept all year by a logger on standard time (also in
        # Ireland, whose zone data call winter time the exception).
        return min(self.offset_before_s, self.offset_after_s)

    @property
    def local_date(self) -> str:
        return str(np.datetime64(self.utc + self.offset_before_s, "s"))[:10]

    @property
    def wall_before(self) -> str:
        """Wall time at the change on the clock before it ("02:00" for Europe in spring)."""
        return str(np.datetime64(self.utc + self.offset_before_s, "s"))[11:16]

    @property
    def wall_after(self) -> str:
        return str(np.datetime64(self.utc + self.offset_after_s, "s"))[11:16]


def transitions(zone: str, start_utc: int, end_utc: int) -> tuple[Transition, ...]:
    """The changes of `zone`'s UTC offset in [start_utc, end_utc], from the zone database."""
    clock = parse_clock(zone)
    if clock.zone is None or clock.zone in _UTC_ZONES:
        return ()
    # Cached per day range: every series of an upload asks about the same days.
    return _transitions(clock.zone, start_utc // _DAY_S, end_utc // _DAY_S + 1)


@functools.lru_cache(maxsize=256)
def _transitions(zone: str, first_day: int, last_day: int) -> tuple[Transition, ...]:
    info = zoneinfo.ZoneInfo(zone)
    # The offset at the start of every day, then the second of each change by bisection.
    days = np.arange(first_day, last_day + 2, dtype=np.int64) * _DAY_S
    index = pd.DatetimeIndex(days.astype("datetime64[s]")).tz_localize("UTC").tz_convert(zone)
    offsets = index.tz_localize(None).to_numpy(dtype="datetime64[s]").astype(np.int64) - days
    found = []
    for i in np.flatnonzero(np.diff(offsets)).tolist():
        lo, hi = int(days[i]), int(days[i + 1])  # offsets[i] at lo, another at hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset(info, mid) == offsets[i]:
                lo = mid
            else:
                hi = mid
        before = datetime.fromtimestamp(lo, UTC).astimezone(info)
        after = datetime.fromtimestamp(hi, UTC).astimezone(info)
        found.append(
            Transition(
                zone,
                hi,
                int(offsets[i]),
                _offset(info, hi),
                bool(before.dst()) or bool(after.dst()),
            )
        )
    return tuple(t for t in found if first_day * _DAY_S <= t.utc <= (last_day + 1) * _DAY_S)


def _offset(info: zoneinfo.ZoneInfo, seconds: int) -> int:
    offset = datetime.fromtimestamp(seconds, UTC).astimezone(info).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def standard_offset_near(zone: str, wall: int) -> int:
    """The standard-time offset of `zone` around wall time `wall` (the smaller of the offsets a
    day before and a day after): the fixed clock of a logger there that ignores the change."""
    clock = parse_clock(zone)
    if clock.zone is None:
        return clock.offset_s or 0
    info = zoneinfo.ZoneInfo(clock.zone)
    return min(_offset(info, wall - _DAY_S), _offset(info, wall + _DAY_S))


@dataclass(frozen=True)
class ClockFinding:
    """A series whose wall times contradict its stated clock at a clock change.

    `keeps_standard_time`: read with a daylight-saving zone, the readings run evenly straight
    through the change (the logger keeps standard time: `suggested` is its fixed offset).
    Otherwise: read with a fixed offset, they jump forward or repeat an hour exactly at the
    change of `transition.zone` (the logger follows daylight saving: `suggested` is the zone).
    """

    transition: Transition
    keeps_standard_time: bool
    suggested: str


def diagnose_clock(
    wall: npt.NDArray[np.int64], clock: str, reference_zone: str | None = None
) -> list[ClockFinding]:
    """Clock changes at which the wall times `wall` (one series, in file order) contradict
    `clock`. `reference_zone` is the daylight-saving zone of the region (the cooperative's),
    needed to check a fixed-offset clock.

    Only evidence that leaves no doubt counts: near the change, the readings are evenly spaced
    at the series' usual interval under one reading of the clock, and not under the other.
    """
    if len(wall) < 4:
        return []
    step = _regular_step(wall)
    if step is None:
        return []
    stated = parse_clock(clock)
    lo, hi = int(wall.min()) - _DAY_S, int(wall.max()) + _DAY_S
    findings = []
    own_changes = [
        t for t in transitions(clock, lo, hi) if abs(t.offset_after_s - t.offset_before_s) <= 7200
    ]
    for change in own_changes:
        window = _window(wall, change.utc + change.standard_offset_s, step)
        if window is None:
            continue
        as_standard = window - change.standard_offset_s
        if _even(as_standard, None, step, change.utc) and not _even_on(
            window, clock, step, change.utc
        ):
            findings.append(ClockFinding(change, True, format_offset(change.standard_offset_s)))
    if own_changes or reference_zone is None:
        return findings
    # A clock without changes here: a fixed offset (or a zone without daylight saving).
    fixed = stated.offset_s if stated.zone is None else standard_offset_near(clock, int(wall[0]))
    for change in transitions(reference_zone, lo, hi):
        if fixed not in (change.offset_before_s, change.offset_after_s):
            continue
        window = _window(wall, change.utc + fixed, step)
        if window is None:
            continue
        if _even_on(window, reference_zone, step, change.utc) and not _even(
            window - fixed, None, step, change.utc
        ):
            findings.append(ClockFinding(change, False, parse_clock(reference_zone).text))
    return findings


def _regular_step(wall: npt.NDArray[np.int64]) -> int | None:
    """The series' usual interval: its commonest positive step, if short enough to tell."""
    steps = np.diff(wall)
    steps = steps[steps > 0]
    if steps.size == 0:
        return None
    values, counts = np.unique(steps, return_counts=True)
    step = int(values[np.argmax(counts)])
    return step if step <= _MAX_DIAGNOSED_STEP_S else None


def _window(
    wall: npt.NDArray[np.int64], change_wall: int, step: int
) -> npt.NDArray[np.int64] | None:
    """The readings (a run of the file) whose wall times lie near the change."""
    reach = max(4 * step, 2 * 3600)
    near = np.flatnonzero(np.abs(wall - change_wall) <= reach)
    if near.size < 4:
        return None
    return wall[near[0] : near[-1] + 1]


def _even(
    utc: npt.NDArray[np.int64],
    status: npt.NDArray[np.int8] | None,
    step: int,
    change_utc: int,
) -> bool:
    """Readings exactly `step` apart in file order, on both sides of the change."""
    if status is not None and (status != OK).any():
        return False
    if not ((utc < change_utc).sum() >= 2 and (utc >= change_utc).sum() >= 2):
        return False
    return bool((np.diff(utc) == step).all())


def _even_on(window: npt.NDArray[np.int64], zone: str, step: int, change_utc: int) -> bool:
    localised = local_to_utc(window, zone)
    return _even(localised.utc, localised.status, step, change_utc)
