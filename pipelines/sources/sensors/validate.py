"""Readings of any format to installations, UTC and physical ranges; what fails is rejected.

This is the one place where a reading meets the device registry (`sensors/devices.csv` or the
upload form): it belongs to the installation of its device and port whose dates contain its
local day; that installation gives its field, depth and the logger's clock (an IANA zone or a
fixed UTC offset: `localtime.parse_clock`). A series whose wall times contradict its clock at a
clock change gets a warning naming the likely clock (`localtime.diagnose_clock`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from pipelines.sources.sensors import units
from pipelines.sources.sensors.localtime import (
    AMBIGUOUS,
    NONEXISTENT,
    ClockFinding,
    clock_problem,
    diagnose_clock,
    format_offset,
    local_days,
    local_to_utc,
    parse_clock,
    standard_offset_near,
)
from pipelines.sources.sensors.parsed import ParsedLog, Rejection
from pipelines.tables import InputError, Problem

DEVICE_COLUMNS = (
    "device_id",
    "port",
    "field_id",
    "depth_cm",
    "timezone",
    "installed_date",
    "removed_date",
)
# Depths in a file and in the registry are the same probe if they agree to within this.
DEPTH_TOLERANCE_CM = 0.5
_OPEN_END = np.iinfo(np.int64).max // 2


def normalise_devices(devices: pd.DataFrame, name: str = "devices") -> pd.DataFrame:
    """Installations with typed columns plus `installed_day`/`removed_day` (days since 1970).

    Accepts the bundle's `devices` table, the `sensor_devices` rows of the database, or a form's
    strings; raises `InputError` naming the fix when a column or value is unusable.
    """
    problems: list[Problem] = []
    missing = [c for c in DEVICE_COLUMNS if c not in devices.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"missing column(s) {', '.join(missing)}; the device registry has the "
                    "columns of sensors/devices.csv (docs/bundle-format.md)",
                )
            ],
            "device registry",
        )
    frame = devices[list(DEVICE_COLUMNS)].copy()
    frame["device_id"] = frame["device_id"].astype(str).str.strip()
    frame["field_id"] = frame["field_id"].astype(str).str.strip()
    frame["timezone"] = frame["timezone"].astype(str).str.strip()
    frame["port"] = pd.to_numeric(frame["port"], errors="coerce")
    frame["depth_cm"] = pd.to_numeric(frame["depth_cm"], errors="coerce")
    installed = pd.to_datetime(frame["installed_date"], errors="coerce")
    removed = pd.to_datetime(frame["removed_date"].replace("", None), errors="coerce")
    for row, record in enumerate(frame.itertuples(index=False)):
        where = f"row {row + 1}"
        port = float(cast(float, record.port))
        if np.isnan(port) or port != round(port):
            problems.append(Problem(name, where, "port", "needs a whole port number"))
        if pd.isna(record.depth_cm):
            problems.append(Problem(name, where, "depth_cm", "needs the depth in cm"))
        problem = clock_problem(record.timezone)
        if problem is not None:
            problems.append(Problem(name, where, "timezone", problem))
        if pd.isna(installed.iloc[row]):
            problems.append(Problem(name, where, "installed_date", "needs a date (YYYY-MM-DD)"))
    if problems:
        raise InputError(problems, "device registry")
    frame["port"] = frame["port"].astype(np.int64)
    # One spelling per clock ("UTC+1" and "+01:00" are both UTC+01:00).
    frame["timezone"] = [parse_clock(clock).text for clock in frame["timezone"]]
    frame["installed_date"] = installed.dt.date
    frame["removed_date"] = [None if pd.isna(d) else d.date() for d in removed]
    frame["installed_day"] = installed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    frame["removed_day"] = np.where(
        removed.isna().to_numpy(),
        _OPEN_END,
        removed.to_numpy(dtype="datetime64[D]").astype(np.int64),
    )
    return frame.sort_values(["device_id", "port", "installed_day"], ignore_index=True)


@dataclass
class Resolved:
    """Readings ready for storage, sorted by (segment, ts).

    A segment is one variable of one installation: the unit that quality control runs over.
    """

    segments: pd.DataFrame  # device_id, port, variable, installed_date, field_id, depth_cm, ...
    segment: npt.NDArray[np.int64]
    ts: npt.NDArray[np.int64]  # UTC epoch seconds
    value: npt.NDArray[np.float64]
    line: npt.NDArray[np.int64]
    rejected: list[Rejection] = field(default_factory=list)
    duplicates_in_file: int = 0
    notes: list[str] = field(default_factory=list)
    # Clocks that look wrong: what to set and how to repair the stored readings.
    warnings: list[str] = field(default_factory=list)


def resolve(
    parsed: ParsedLog,
    installations: pd.DataFrame,
    reference_zones: Mapping[str, str] | None = None,
) -> Resolved:
    """Assign installations, convert local times to UTC, check ranges and in-file duplicates.

    `reference_zones` maps a field to the time zone of its region (the cooperative's): a logger
    stated to keep a fixed offset is checked against that zone's daylight-saving changes.
    """
    readings = parsed.readings
    rejected: list[Rejection] = []
    notes: list[str] = []
    findings: list[tuple[str, int, ClockFinding]] = []
    n = len(readings)
    inst_index = np.full(n, -1, dtype=np.int64)
    utc = np.zeros(n, dtype=np.int64)
    lines = readings.line
    ts = readings.ts
    local = readings.local
    depth = readings.depth_cm
    columns = np.asarray(readings.column, dtype=object)
    variable_codes = np.asarray(readings.variable.codes, dtype=np.int64)
    variable_names = [str(v) for v in readings.variable.categories]
    device_codes = np.asarray(readings.device_id.codes, dtype=np.int64)
    device_names = [str(d) for d in readings.device_id.categories]
    ports = readings.port

    # Positions of each device port's installations, in installation order.
    # (normalise_devices sorts them by device, port and installation day.)
    grouped: dict[tuple[str, int], list[int]] = {}
    for position, (device_id, port_number) in enumerate(
        zip(installations["device_id"].tolist(), installations["port"].tolist(), strict=True)
    ):
        grouped.setdefault((str(device_id), int(port_number)), []).append(position)
    registry = {key: np.asarray(value, dtype=np.int64) for key, value in grouped.items()}
    arrays = _InstallationArrays(
        installations["installed_day"].to_numpy(dtype=np.int64),
        installations["removed_day"].to_numpy(dtype=np.int64),
        installations["timezone"].to_numpy(dtype=object),
    )
    known = {str(d) for d in installations["device_id"]}
    by_lower = {d.lower(): d for d in known}

    group_key = device_codes * 100_003 + ports
    order = np.argsort(group_key, kind="stable")
    bounds = np.flatnonzero(np.diff(group_key[order])) + 1
    for rows in np.split(order, bounds):
        if rows.size == 0:
            continue
        device = device_names[int(device_codes[rows[0]])]
        port = int(ports[rows[0]])
        registered = device if device in known else by_lower.get(device.lower())
        if registered is not None and registered != device:
            notes.append(f"device '{device}' taken as '{registered}' of the device registry")
        insts = registry.get((registered, port)) if registered is not None else None
        if insts is None or insts.size == 0:
            if registered is None:
                reason = (
                    f"device '{device}' is not in the device registry; add a row per port to "
                    "sensors/devices.csv (or the upload form) with its field, depth, time zone "
                    "and installation date"
                )
            else:
                ports_known = sorted(
                    {
                        int(p)
                        for p in installations.loc[installations["device_id"] == registered, "port"]
                    }
                )
                reason = (
                    f"port {port} of device '{registered}' is not in the device registry "
                    f"(registered ports: {', '.join(map(str, ports_known))}); add it to "
                    "sensors/devices.csv or check the port number"
                )
            rejected.extend(_reject(rows, lines, columns, reason))
            continue
        _match_group(
            rows,
            insts,
            arrays,
            installations,
            ts,
            local,
            lines,
            columns,
            variable_codes,
            inst_index,
            utc,
            rejected,
            reference_zones or {},
            findings,
        )
    matched = inst_index >= 0
    # Depth stated by the file must agree with the registry.
    inst_depth = installations["depth_cm"].to_numpy(dtype=np.float64)
    stated = matched & np.isfinite(depth)
    if stated.any():
        differs = np.zeros(n, dtype=bool)
        differs[stated] = (
            np.abs(depth[stated] - inst_depth[inst_index[stated]]) > DEPTH_TOLERANCE_CM
        )
        for row in np.flatnonzero(differs):
            inst = installations.iloc[int(inst_index[row])]
            rejected.append(
                Rejection(
                    int(lines[row]),
                    _col(columns[row]),
                    f"depth {depth[row]:g} cm in the file, but the registry has {inst.depth_cm:g} "
                    f"cm for device '{inst.device_id}' port {inst.port} installed "
                    f"{inst.installed_date}; correct the file or sensors/devices.csv",
                )
            )
        matched &= ~differs

    # Physical ranges (impossible values are rejected; implausible ones are flagged later).
    values = readings.value
    for code, name in enumerate(variable_names):
        spec = units.variable(name)
        if spec is None:
            # Readers reject unknown names; a category left over from rejected rows has no rows.
            rows = matched & (variable_codes == code)
            reason = f"variable '{name}' is not known; {units.unknown_variable_hint(name)}"
            rejected.extend(
                Rejection(int(lines[r]), _col(columns[r]), reason) for r in np.flatnonzero(rows)
            )
            matched &= ~rows
            continue
        lo, hi = spec.physical
        rows = matched & (variable_codes == code) & ((values < lo) | (values > hi))
        for row in np.flatnonzero(rows):
            rejected.append(
                Rejection(
                    int(lines[row]),
                    _col(columns[row]),
                    f"{values[row]:g} {spec.canonical_unit} is outside the physical range "
                    f"{lo:g} to {hi:g} of {name}{_range_hint(name, values[row])}",
                )
            )
        matched &= ~rows

    keep = np.flatnonzero(matched)
    seg_key = inst_index[keep] * 1_000 + variable_codes[keep]
    unique_keys, segment = np.unique(seg_key, return_inverse=True)
    seg_inst = unique_keys // 1_000
    seg_var = unique_keys % 1_000
    segments = installations.iloc[seg_inst].reset_index(drop=True)
    segments.insert(2, "variable", [variable_names[int(v)] for v in seg_var])
    seg_ts = utc[keep]
    seg_val = values[keep]
    seg_line = lines[keep]
    seg_column = columns[keep]
    # Readers emit each column's readings in line order, so a stable sort on (segment, ts) keeps
    # repeated instants in line order: the first line of a repeat stays first.
    order = np.argsort(segment.astype(np.int64) * (1 << 40) + (seg_ts - seg_ts.min(initial=0)),
                       kind="stable")  # fmt: skip
    segment, seg_ts, seg_val, seg_line, seg_column = (
        segment[order].astype(np.int64),
        seg_ts[order],
        seg_val[order],
        seg_line[order],
        seg_column[order],
    )
    # The same sensor and instant twice in one file: drop exact repeats, reject conflicts.
    same = np.zeros(len(segment), dtype=bool)
    if len(segment) > 1:
        same[1:] = (segment[1:] == segment[:-1]) & (seg_ts[1:] == seg_ts[:-1])
    duplicates = 0
    if same.any():
        first_of = np.maximum.accumulate(np.where(~same, np.arange(len(same)), 0))
        conflict = same & (seg_val != seg_val[first_of])
        duplicates = int((same & ~conflict).sum())
        for row in np.flatnonzero(conflict):
            first = int(first_of[row])
            rejected.append(
                Rejection(
                    int(seg_line[row]),
                    _col(seg_column[row]),
                    f"line {seg_line[first]} already gives {seg_val[first]:g} for the same "
                    f"sensor and time ({segments.at[int(segment[row]), 'variable']}); this "
                    f"line's {seg_val[row]:g} is kept out: check which one is right",
                )
            )
        keep_rows = ~same
        segment, seg_ts, seg_val, seg_line = (
            segment[keep_rows],
            seg_ts[keep_rows],
            seg_val[keep_rows],
            seg_line[keep_rows],
        )
    return Resolved(
        segments,
        segment,
        seg_ts,
        seg_val,
        seg_line,
        rejected,
        duplicates,
        notes,
        clock_warnings(findings),
    )


def clock_warnings(findings: list[tuple[str, int, ClockFinding]]) -> list[str]:
    """One warning per device and clock change (ports and variables together), with the fix."""
    ports: dict[tuple[str, int, bool, str], set[int]] = {}
    changes: dict[tuple[str, int, bool, str], ClockFinding] = {}
    for device, port, finding in findings:
        key = (device, finding.transition.utc, finding.keeps_standard_time, finding.suggested)
        ports.setdefault(key, set()).add(port)
        changes[key] = finding
    warnings = []
    for key in sorted(ports, key=lambda k: (k[0], k[1])):
        device = key[0]
        finding = changes[key]
        change = finding.transition
        numbers = sorted(ports[key])
        where = f"device '{device}' port{'s' if len(numbers) > 1 else ''} " + ", ".join(
            map(str, numbers)
        )
        what = "daylight-saving change" if change.daylight_saving else "clock change"
        when = f"the {change.local_date} {what} of {change.zone}"
        fix = (
            f"set its clock to {finding.suggested} in the device registry (`agri devices` or "
            f"sensors/devices.csv) and run `agri sensors reprocess --device {device}`"
        )
        if finding.keeps_standard_time:
            warnings.append(
                f"{where}: timestamps run straight through {when} (clocks "
                f"{'forward' if change.forward else 'back'} at {change.wall_before}), so the "
                f"logger probably keeps standard time all year and its readings after the change "
                f"are stored an hour off: {fix}"
            )
        else:
            moved = "jump forward" if change.forward else "repeat"
            warnings.append(
                f"{where}: timestamps {moved} an hour at {when} ({change.wall_before} → "
                f"{change.wall_after}), so the logger probably follows daylight saving time and "
                f"its readings after the change are stored an hour off: {fix}"
            )
    return warnings


@dataclass(frozen=True)
class _InstallationArrays:
    start_day: npt.NDArray[np.int64]
    end_day: npt.NDArray[np.int64]
    zone: npt.NDArray[np.object_]


def _match_group(
    rows: npt.NDArray[np.int64],
    positions: npt.NDArray[np.int64],
    arrays: _InstallationArrays,
    installations: pd.DataFrame,
    ts: npt.NDArray[np.int64],
    local: npt.NDArray[np.bool_],
    lines: npt.NDArray[np.int64],
    columns: npt.NDArray[np.object_],
    variable_codes: npt.NDArray[np.int64],
    inst_index: npt.NDArray[np.int64],
    utc: npt.NDArray[np.int64],
    rejected: list[Rejection],
    reference_zones: Mapping[str, str],
    findings: list[tuple[str, int, ClockFinding]],
) -> None:
    """Match one device port's readings to its installations by local day; convert local times
    to UTC per installation and variable, and diagnose each series' clock."""
    starts = arrays.start_day[positions]
    ends = arrays.end_day[positions]
    zones = arrays.zone[positions]
    is_local = local[rows]
    days = np.full(rows.size, np.iinfo(np.int64).min, dtype=np.int64)
    days[is_local] = np.floor_divide(ts[rows[is_local]], 86_400)
    found = np.full(rows.size, -1, dtype=np.int64)
    for zone in sorted(set(zones.tolist())):
        # An instant's local day depends on the zone of the installation it may belong to.
        zone_days = days.copy()
        aware = ~is_local
        if aware.any():
            zone_days[aware] = local_days(ts[rows[aware]], str(zone))
        slot = np.searchsorted(starts, zone_days, side="right") - 1
        valid = slot >= 0
        slot_safe = np.clip(slot, 0, len(starts) - 1)
        valid &= zone_days <= ends[slot_safe]
        valid &= zones[slot_safe] == zone
        found = np.where((found < 0) & valid, slot_safe, found)
    unmatched = found < 0
    if unmatched.any():
        insts = installations.iloc[positions]
        spans = ", ".join(
            f"{start} to {end or 'now'}"
            for start, end in zip(insts["installed_date"], insts["removed_date"], strict=True)
        )
        first = insts.iloc[0]
        for row in rows[unmatched]:
            day = _day_text(ts[row], bool(local[row]))
            rejected.append(
                Rejection(
                    int(lines[row]),
                    _col(columns[row]),
                    f"on {day} port {first.port} of device '{first.device_id}' is not installed "
                    f"according to the device registry ({spans}); add or correct the "
                    "installation in sensors/devices.csv",
                )
            )
    ok_rows = rows[~unmatched]
    slots = found[~unmatched]
    inst_index[ok_rows] = positions[slots]
    aware_rows = ok_rows[~local[ok_rows]]
    utc[aware_rows] = ts[aware_rows]
    # Local wall-clock times: per installation and variable, in file order.
    local_mask = local[ok_rows]
    if not local_mask.any():
        return
    for slot in np.unique(slots[local_mask]):
        zone = str(zones[slot])
        inst = installations.iloc[int(positions[slot])]
        reference = reference_zones.get(str(inst.field_id))
        in_slot = ok_rows[local_mask & (slots == slot)]
        for code in np.unique(variable_codes[in_slot]):
            series = in_slot[variable_codes[in_slot] == code]
            series = series[np.argsort(lines[series], kind="stable")]
            result = local_to_utc(ts[series], zone)
            utc[series] = result.utc
            findings.extend(
                (str(inst.device_id), int(inst.port), finding)
                for finding in diagnose_clock(ts[series], zone, reference)
            )
            for row, status in zip(
                series[result.status != 0], result.status[result.status != 0], strict=True
            ):
                wall = pd.Timestamp(int(ts[row]), unit="s")
                if status == NONEXISTENT:
                    standard = format_offset(standard_offset_near(zone, int(ts[row])))
                    reason = (
                        f"local time {wall} does not exist in {zone} (the clocks jump forward "
                        "that night), so the logger clock does not follow daylight saving "
                        f"time: set its clock to {standard} (standard time all year) in the "
                        "device registry and run `agri sensors reprocess --device "
                        f"{inst.device_id}`, or export in UTC"
                    )
                else:
                    assert status == AMBIGUOUS
                    reason = (
                        f"local time {wall} happens twice in {zone} (the clocks go back that "
                        "night) and the file does not show which is meant; export in UTC or "
                        "with an offset"
                    )
                rejected.append(Rejection(int(lines[row]), _col(columns[row]), reason))
                inst_index[row] = -1


def _reject(
    rows: npt.NDArray[np.int64],
    lines: npt.NDArray[np.int64],
    columns: npt.NDArray[np.object_],
    reason: str,
) -> list[Rejection]:
    return [Rejection(int(lines[row]), _col(columns[row]), reason) for row in rows]


def _col(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _day_text(seconds: int, local: bool) -> str:
    text = str(np.datetime64(int(seconds), "s")).replace("T", " ")
    return text[:10] + ("" if local else " (UTC)")


def _range_hint(name: str, value: float) -> str:
    if name == "vwc_m3_m3" and 1 < value <= 100:
        return "; in percent? label the unit as % so it is divided by 100"
    if name.endswith("_degc") and value > 0:
        return "; in °F? label the unit as °F so it is converted"
    if name.endswith("_kpa") and value > 110:
        return "; in hPa or mbar? label the unit so it is divided by 10"
    return ""
