"""Logger wall-clock time to UTC, with daylight-saving gaps and repeats handled explicitly.

When the clocks jump forward (Europe: last Sunday of March, 02:00 → 03:00) the wall times in
between do not exist; a logger that writes them is not following daylight saving time, and
guessing an offset for it would shift its readings by an hour. Those readings are rejected
with the fix (a fixed-offset zone such as `Etc/GMT-1`).

When the clocks go back (last Sunday of October, 03:00 → 02:00) the wall times 02:00–02:59
happen twice. A logger that follows the clock writes them twice, in order: the first occurrence
is daylight time and the second standard time. A wall time that appears once is resolved by
the order of its neighbours in the same hour when they show on which side of the change it
lies, and rejected otherwise: nothing in the file says which of the two instants it was.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

OK, NONEXISTENT, AMBIGUOUS = 0, 1, 2
_NIGHT_S = 2 * 3600
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Zulu"})


@dataclass(frozen=True)
class Localised:
    utc: npt.NDArray[np.int64]  # epoch seconds
    status: npt.NDArray[np.int8]  # OK, NONEXISTENT or AMBIGUOUS


def local_to_utc(wall: npt.NDArray[np.int64], zone: str) -> Localised:
    """UTC epoch seconds for wall-clock seconds `wall` (given in file order) in `zone`."""
    n = len(wall)
    status = np.zeros(n, dtype=np.int8)
    if zone in _UTC_ZONES or n == 0:
        return Localised(wall.astype(np.int64, copy=True), status)
    index = pd.DatetimeIndex(wall.astype("datetime64[s]"))
    probe = index.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    ambiguous = np.asarray(probe.isna(), dtype=bool)
    strict = index.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    nonexistent = np.asarray(strict.isna(), dtype=bool) & ~ambiguous
    daylight = np.zeros(n, dtype=bool)
    if ambiguous.any():
        positions = np.flatnonzero(ambiguous)
        first, unresolved = resolve_repeated(wall[positions])
        daylight[positions] = first
        status[positions[unresolved]] = AMBIGUOUS
    status[nonexistent] = NONEXISTENT
    final = index.tz_localize(zone, ambiguous=daylight, nonexistent="NaT")
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
    """Days since 1970-01-01 of the local calendar date of each UTC instant in `zone`."""
    if zone in _UTC_ZONES:
        return np.floor_divide(utc, 86_400)
    index = pd.DatetimeIndex(utc.astype("datetime64[s]")).tz_localize("UTC").tz_convert(zone)
    wall = index.tz_localize(None).to_numpy(dtype="datetime64[s]").astype(np.int64)
    return np.floor_divide(wall, 86_400)
