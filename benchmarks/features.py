"""Benchmark: in-season features for 10,000 field-seasons.

Makes a synthetic cooperative (`tests/pipelines/season_data.py`: 1,250 fields x 8 seasons of
alternating winter wheat and maize, 50 weather stations with daily weather and reference ET,
5-daily satellite observations with clouds, operations, and daily probe aggregates on every tenth
field), then:

1. times `pipelines.agronomy.features.build_features` for all 10,000 field-seasons (as of each
  season's
   harvest, or the reference date while in progress), best of `--repeat` runs, and measures its
   peak traced memory (tracemalloc, a separate run);
2. times the straightforward request-by-request pandas version
   (`tests/pipelines/features_reference.py`) on the seasons of a `--subset-fields` subset, checks
   that both give the same features, and prints the ratio of time per field-season.

Targets: under 30 s for the 10,000 and at least 20x faster per field-season.

    .venv/bin/python benchmarks/features.py [--fields 1250] [--subset-fields 200] [--repeat 2]
                                            [--dask]

`--dask` also times the same features on a 2-worker `distributed.LocalCluster` (process workers).
The machine's load average is printed: on a shared machine other work slows both versions.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the reference and the synthetic data live with the tests

from pipelines.agronomy.features import FEATURE_COLUMNS, build_features  # noqa: E402
from pipelines.agronomy.season_grid import season_requests  # noqa: E402
from tests.pipelines.features_reference import reference_features  # noqa: E402
from tests.pipelines.season_data import synthetic_sources  # noqa: E402

TARGET_SECONDS = 30.0
TARGET_SPEEDUP = 20.0
REFERENCE_DATE = "2025-05-25"


def max_difference(actual: pd.DataFrame, expected: pd.DataFrame) -> tuple[int, float]:
    """(number of differing values, largest relative difference) of the numeric features."""
    numeric = [c for c in FEATURE_COLUMNS if c != "crop"]
    a, e = actual[numeric].to_numpy(float), expected[numeric].to_numpy(float)
    close = np.isclose(a, e, rtol=1e-9, atol=1e-9, equal_nan=True)
    both = np.isfinite(a) & np.isfinite(e)
    relative = np.abs(a - e)[both] / np.maximum(np.abs(e[both]), 1e-12)
    crops_equal = bool((actual["crop"].to_numpy() == expected["crop"].to_numpy()).all())
    return int((~close).sum()) + (0 if crops_equal else 1), float(relative.max(initial=0.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=1250, help="fields (8 seasons each)")
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--subset-fields", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2, help="vectorised runs; best is kept")
    parser.add_argument("--dask", action="store_true", help="also time a 2-worker LocalCluster")
    args = parser.parse_args()

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    started = time.perf_counter()
    sources = synthetic_sources(
        args.fields,
        n_stations=args.stations,
        first_season=2018,
        last_season=2025,
        reference_date=REFERENCE_DATE,
        seed=11,
        sensor_every=10,
    )
    requests = season_requests(sources.seasons, pd.Timestamp(REFERENCE_DATE))
    print(
        f"data: {len(requests):,} field-seasons, {len(sources.weather):,} weather days, "
        f"{len(sources.satellite):,} satellite rows, {len(sources.sensors):,} probe days "
        f"(made in {time.perf_counter() - started:.1f} s)"
    )

    build_features(sources, requests.head(50))  # warm-up: imports and first-call costs
    best, features = float("inf"), None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        features = build_features(sources, requests)
        best = min(best, time.perf_counter() - t0)
    assert features is not None
    tracemalloc.start()
    build_features(sources, requests)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_row = best / len(requests)
    print(
        f"vectorised: {best:.2f} s for {len(requests):,} field-seasons "
        f"({1000 * per_row:.2f} ms each), {features.shape[1]} features; peak traced memory "
        f"{peak / 2**20:.0f} MiB; process peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )

    subset_fields = sorted(set(requests["field_id"]))[: args.subset_fields]
    subset = requests[requests["field_id"].isin(subset_fields)].reset_index(drop=True)
    t0 = time.perf_counter()
    expected = reference_features(sources, subset)
    slow = time.perf_counter() - t0
    t0 = time.perf_counter()
    fast_subset = build_features(sources, subset)
    fast_subset_time = time.perf_counter() - t0
    differing, largest = max_difference(fast_subset, expected)
    from_full = features.loc[fast_subset.index]
    differing_full, _ = max_difference(from_full, expected)
    slow_per_row = slow / len(subset)
    print(
        f"per-field pandas reference: {slow:.1f} s for {len(subset):,} field-seasons of "
        f"{len(subset_fields)} fields ({1000 * slow_per_row:.1f} ms each); vectorised on the "
        f"same subset {fast_subset_time:.2f} s"
    )
    print(
        f"checked equal: {differing} differing values on the subset, {differing_full} against "
        f"the full run (largest relative difference {largest:.1e})"
    )
    speedup = slow_per_row / per_row
    print(f"speed-up per field-season: {speedup:.0f}x (vectorised 10,000 vs reference subset)")

    if args.dask:
        import distributed

        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40
            ) as cluster,
            distributed.Client(cluster),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            build_features(sources, requests.head(200), chunk_rows=100)  # workers import
            t0 = time.perf_counter()
            on_cluster = build_features(sources, requests, chunk_rows=1000)
            took = time.perf_counter() - t0
        same, _ = max_difference(on_cluster, features)
        print(f"dask LocalCluster (2 process workers): {took:.2f} s, {same} differing values")
        large = [w for w in caught if "large graph" in str(w.message)]
        if large:
            print(
                f"  dask warned {len(large)}x: {str(large[0].message).splitlines()[0]} (the "
                "inputs are built in the client and shipped with the graph)"
            )

    print(f"load average after: {os.getloadavg()[0]:.2f}")
    ok = best < TARGET_SECONDS and speedup >= TARGET_SPEEDUP and differing == 0
    print(
        f"targets: < {TARGET_SECONDS:.0f} s {'met' if best < TARGET_SECONDS else 'MISSED'}, "
        f">= {TARGET_SPEEDUP:.0f}x {'met' if speedup >= TARGET_SPEEDUP else 'MISSED'}, "
        f"equal {'yes' if differing == 0 else 'NO'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
