"""Quality-control flags on accepted readings. Flags mark; they never delete.

Readings are grouped in segments (one variable of one installation) and sorted by time. Five
tests, each a pure function of a reading's neighbourhood:

- `out_of_range`: outside the variable's plausible range (`units.Variable.plausible`).
- `spike`: one reading jumps away from both neighbours (each at most 6 h away) by at least the
  variable's `spike_jump`, in the same direction, while the neighbours agree with each other.
- `flatline`: part of a run of identical consecutive readings (no hole longer than the gap
  threshold inside it) lasting at least the variable's `flatline_hours`: a stuck sensor. A
  probe that is stuck is stuck in every variable it reports: when one variable of a probe
  (device, port, installation) is flagged, a run of identical readings of another variable of
  the same probe (one that has a flat-line test) that stays flat alongside it for at least the
  flagged variable's `flatline_hours` is flagged too, whatever its value. That is what tells a
  dead probe writing 0.0 for everything from frozen soil held at 0 °C (the zero-curtain
  exemption): freezing soil loses liquid water, so its water content does not stay flat.
- `gap`: the first reading after more than 6 h without readings in the same installation.
- `offset`: a step of at least `offset_step` from the previous reading after which the level
  stays shifted for the next `offset_window_hours`, with both windows steady (10–90 % spread
  under half the shift) — the signature of a probe disturbed or re-seated during maintenance.
  Soil does not dry by a step, so a drop is flagged at any depth; rain does wet the topsoil by
  a step, so a rise is flagged only from `OFFSET_RISE_MIN_DEPTH_CM` down, where wetting fronts
  arrive damped. The flag marks the reading where the shift starts.

The tests follow the automated checks of the International Soil Moisture Network (Dorigo et
al. 2013, Vadose Zone J. 12(3), flags C (range), D06-D07 (spikes, breaks) and D08-D09 (plateaus,
which ISMN also flags when the plateau is at saturation).

Every test looks at most `CONTEXT_S` seconds away from the reading it flags (plus, for `gap`,
whether any earlier reading exists). That bound is what lets an upload recompute flags from a
window of stored neighbours and get the same flags as a computation over the whole history,
so sending a log in two parts flags it exactly as sending it whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pipelines.sources.sensors import units

OUT_OF_RANGE, SPIKE, FLATLINE, GAP, OFFSET = 1, 2, 4, 8, 16
FLAG_NAMES = ("out_of_range", "spike", "flatline", "gap", "offset")
GAP_HOURS = 6.0
SPIKE_NEIGHBOUR_HOURS = 6.0
OFFSET_RISE_MIN_DEPTH_CM = 20.0
# Flat runs need `flatline_hours` plus one permitted hole on each side; offsets their window.
CONTEXT_S = int(
    3600
    * max(
        [GAP_HOURS, SPIKE_NEIGHBOUR_HOURS]
        + [(v.qc.flatline_hours or 0) + GAP_HOURS for v in units.VARIABLES.values()]
        + [v.qc.offset_window_hours for v in units.VARIABLES.values() if v.qc.offset_step]
    )
)
# Text of every flag combination, indexed by the bit mask.
FLAG_TEXT = np.array(
    [",".join(n for bit, n in enumerate(FLAG_NAMES) if mask >> bit & 1) for mask in range(32)],
    dtype=object,
)
_TEXT_TO_MASK = {text: mask for mask, text in enumerate(FLAG_TEXT.tolist())}


def flags_to_text(flags: npt.NDArray[np.uint8]) -> npt.NDArray[np.object_]:
    return np.asarray(FLAG_TEXT[flags.astype(np.int64)], dtype=object)


def text_to_flags(texts: npt.NDArray[np.object_] | list[str]) -> npt.NDArray[np.uint8]:
    return np.fromiter((_TEXT_TO_MASK[t] for t in texts), dtype=np.uint8, count=len(texts))


@dataclass(frozen=True)
class SegmentRules:
    """The thresholds of each segment's variable, as arrays indexed by segment."""

    plausible_lo: npt.NDArray[np.float64]
    plausible_hi: npt.NDArray[np.float64]
    spike_jump: npt.NDArray[np.float64]  # NaN: no spike test
    flatline_s: npt.NDArray[np.float64]  # NaN: no flat-line test
    offset_step: npt.NDArray[np.float64]  # NaN: no offset test
    offset_window_s: npt.NDArray[np.float64]
    flat_exempt_lo: npt.NDArray[np.float64]  # NaN: no exemption
    flat_exempt_hi: npt.NDArray[np.float64]
    offset_rise_allowed: npt.NDArray[np.bool_]  # whether a rising step may be an offset
    probe: npt.NDArray[np.int64]  # segments of one probe (device, port, installation) share it

    @classmethod
    def for_segments(
        cls, variables: list[str], depths_cm: list[float], probes: list[int] | None = None
    ) -> SegmentRules:
        """Rules of each segment; `probes` numbers the probe of each (default: all different)."""
        specs = [units.VARIABLES[str(v)] for v in variables]

        def values(get: list[float | None]) -> npt.NDArray[np.float64]:
            return np.array([np.nan if x is None else float(x) for x in get], dtype=np.float64)

        return cls(
            values([s.plausible[0] for s in specs]),
            values([s.plausible[1] for s in specs]),
            values([s.qc.spike_jump for s in specs]),
            values(
                [None if s.qc.flatline_hours is None else s.qc.flatline_hours * 3600 for s in specs]
            ),
            values([s.qc.offset_step for s in specs]),
            values([s.qc.offset_window_hours * 3600 for s in specs]),
            values([s.qc.flatline_exempt[0] if s.qc.flatline_exempt else None for s in specs]),
            values([s.qc.flatline_exempt[1] if s.qc.flatline_exempt else None for s in specs]),
            np.array([d >= OFFSET_RISE_MIN_DEPTH_CM for d in depths_cm], dtype=bool),
            np.asarray(range(len(specs)) if probes is None else probes, dtype=np.int64),
        )


def qc_flags(
    segment: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    value: npt.NDArray[np.float64],
    rules: SegmentRules,
    has_earlier: npt.NDArray[np.bool_],
) -> npt.NDArray[np.uint8]:
    """Flag bit masks for readings sorted by (segment, ts) with no repeated (segment, ts).

    `has_earlier[s]` says whether segment `s` has readings before the first one given here
    (then a first reading far from them starts after a gap).
    """
    n = len(ts)
    flags = np.zeros(n, dtype=np.uint8)
    if n == 0:
        return flags
    # Every test compares neighbours with shifted slices and uses each segment's thresholds
    # repeated over its readings (segments are contiguous): no fancy indexing over the rows,
    # which is what a million readings would spend their time on.
    gap_s = GAP_HOURS * 3600
    same_prev = np.empty(n, dtype=bool)
    same_prev[0] = False
    np.equal(segment[1:], segment[:-1], out=same_prev[1:])
    seg_starts = np.flatnonzero(~same_prev)
    seg_ids = segment[seg_starts]
    per_segment = np.diff(np.append(seg_starts, n))

    def repeated(per: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Each segment's entry of `per` (indexed by segment) repeated over its readings."""
        return np.repeat(per[seg_ids], per_segment)

    dt_prev = np.empty(n, dtype=np.int64)
    dt_prev[0] = 0
    np.subtract(ts[1:], ts[:-1], out=dt_prev[1:])
    step_prev = np.zeros(n)
    np.subtract(value[1:], value[:-1], out=step_prev[1:])

    lo = rules.plausible_lo[seg_ids]
    hi = rules.plausible_hi[seg_ids]
    outside = (np.fmin.reduceat(value, seg_starts) < lo) | (
        np.fmax.reduceat(value, seg_starts) > hi
    )
    if outside.any():
        flags[(value < repeated(rules.plausible_lo)) | (value > repeated(rules.plausible_hi))] |= (
            OUT_OF_RANGE
        )

    gap = same_prev & (dt_prev > gap_s)
    gap[seg_starts] = has_earlier[seg_ids]
    flags[gap] |= GAP

    if n >= 3 and np.isfinite(rules.spike_jump[seg_ids]).any():
        # Reading k + 1 against its neighbours k and k + 2 (NaN thresholds compare false).
        near = SPIKE_NEIGHBOUR_HOURS * 3600
        jump = repeated(rules.spike_jump)[1:-1]
        rise = step_prev[1:-1]
        fall = -step_prev[2:]
        spike = same_prev[1:-1] & same_prev[2:] & (dt_prev[1:-1] <= near) & (dt_prev[2:] <= near)
        spike &= (np.abs(rise) >= jump) & (np.abs(fall) >= jump)
        if spike.any():
            spike &= np.sign(rise) == np.sign(fall)
            spike &= np.abs(value[2:] - value[:-2]) < jump / 2
            flags[1:-1][spike] |= SPIKE

    if np.isfinite(rules.flatline_s[seg_ids]).any():
        # Runs of identical readings without a hole longer than the gap threshold.
        breaks = ~same_prev | (dt_prev > gap_s)
        breaks[1:] |= value[1:] != value[:-1]
        starts = np.flatnonzero(breaks)
        run_len = np.diff(np.append(starts, n))
        long_runs = run_len >= 3
        if long_runs.any():
            run_start = starts[long_runs]
            run_length = run_len[long_runs]
            run_segment = segment[run_start]
            run_first = ts[run_start]
            run_last = ts[run_start + run_length - 1]
            run_value = value[run_start]
            flat_s = rules.flatline_s[run_segment]
            exempt = (run_value >= rules.flat_exempt_lo[run_segment]) & (
                run_value <= rules.flat_exempt_hi[run_segment]
            )
            flagged = (run_last - run_first >= flat_s) & ~exempt  # NaN: no flat-line test
            stuck = flagged | _stuck_with_probe(
                run_segment, run_first, run_last, run_length, flagged, rules
            )
            if stuck.any():
                # +1 where a stuck run starts, -1 after it ends: inside a run the sum is 1.
                edges = np.zeros(n + 1, dtype=np.int8)
                edges[run_start[stuck]] = 1
                edges[run_start[stuck] + run_length[stuck]] -= 1
                flags[np.cumsum(edges[:-1], dtype=np.int8) > 0] |= FLATLINE

    if np.isfinite(rules.offset_step[seg_ids]).any():
        step = repeated(rules.offset_step)
        window = repeated(rules.offset_window_s)
        candidate = same_prev & (np.abs(step_prev) >= step) & (dt_prev <= window)
        candidate &= (flags & SPIKE) == 0
        candidate &= (step_prev < 0) | repeated(rules.offset_rise_allowed)
        if candidate.any():
            # Position keys: segment-major, then time, so windows are searchsorted ranges.
            key = segment.astype(np.int64) * (1 << 34) + (ts + (1 << 33))
            for at in np.flatnonzero(candidate).tolist():
                w = int(window[at])
                b0 = int(np.searchsorted(key, key[at] - w, side="left"))
                a1 = int(np.searchsorted(key, key[at] + w, side="right"))
                before = value[b0:at]
                after = value[at:a1]
                if before.size < 3 or after.size < 3:
                    continue
                shift = float(np.median(after) - np.median(before))
                if abs(shift) < step[at] or np.sign(shift) != np.sign(step_prev[at]):
                    continue
                if _spread(before) < abs(shift) / 2 and _spread(after) < abs(shift) / 2:
                    flags[at] |= OFFSET
    return flags


def _stuck_with_probe(
    run_segment: npt.NDArray[np.int64],
    run_first: npt.NDArray[np.int64],
    run_last: npt.NDArray[np.int64],
    run_len: npt.NDArray[np.int64],
    run_flagged: npt.NDArray[np.bool_],
    rules: SegmentRules,
) -> npt.NDArray[np.bool_]:
    """Runs of identical readings that stay flat alongside a flagged run of the same probe.

    Per run (of `qc_flags`): whether another variable of its probe has a flagged flat run that
    overlaps it for at least that variable's `flatline_hours`.
    """
    stuck = np.zeros(len(run_segment), dtype=bool)
    if not run_flagged.any():
        return stuck
    probe = rules.probe[run_segment]
    candidate = (run_len >= 3) & np.isfinite(rules.flatline_s[run_segment]) & ~run_flagged
    candidate &= np.isin(probe, probe[run_flagged])
    if not candidate.any():
        return stuck
    cand = np.flatnonzero(candidate)
    first, last, cand_probe, cand_segment = (
        run_first[cand],
        run_last[cand],
        probe[cand],
        run_segment[cand],
    )
    for flagged in np.flatnonzero(run_flagged).tolist():
        overlap = np.minimum(last, run_last[flagged]) - np.maximum(first, run_first[flagged])
        stuck[cand] |= (
            (cand_probe == probe[flagged])
            & (cand_segment != run_segment[flagged])
            & (overlap >= rules.flatline_s[run_segment[flagged]])
        )
    return stuck


def _spread(values: npt.NDArray[np.float64]) -> float:
    low, high = np.percentile(values, [10, 90])
    return float(high - low)


def flag_counts(flags: npt.NDArray[np.uint8]) -> dict[str, int]:
    return {
        name: int(((flags >> bit) & 1).sum())
        for bit, name in enumerate(FLAG_NAMES)
        if ((flags >> bit) & 1).any()
    }
