"""Benchmark: the crop-model ensemble, 1,000 fields x 10 past years, in-process and on Dask.

    .venv/bin/python benchmarks/cropmodel.py [--fields 1000] [--years 10]
        [--only inprocess|cluster|both] [--workers 2] [--batch-size 20] [--as-of 2026-05-25]

Builds `--fields` synthetic fields grown from the sample cooperative (`sample_data/demo`): each
takes a sample field's station (its observed daily weather) and its soil with seeded noise
(field capacity and wilting point N(0, 0.02) m3/m3, rooting depth +-20 cm) and grows, in turn,
the crop table's winter wheat (sown 15-30 October 2025) or grain maize (sown 25 April-10 May 2026,
harvested by 20 October). Each field gets an ensemble (`pipelines.agronomy.cropmodel.ensemble`)
of `--years` members: the observed weather to `--as-of`, then a past season's weather to the end
of the 2026 season, rainfed, with the crop state reported at the as-of date. Days without
radiation (one station's 10-day gap in the sample) take the FAO-56 estimate from the temperature
range, as the product's weather does; the crop model refuses incomplete days. The sample's
weather (from September 2017) holds 8 complete past seasons (2018-2025); more members reuse them
from the latest back (the work per run is the same).

Then it times `run_many` in-process and on a `distributed.LocalCluster` of `--workers` process
workers with one thread each (started before the clock; its start-up is printed apart). Both
are warmed up first (pcse imported and the crop parameters read, once per process) so the
figures are the steady cost of runs. The in-process figure is the reference: the cluster's time
is printed as a ratio to it, and both frames are checked equal.

With fewer than 1,000 fields or 10 years the figures are for a subset, said so, with a linear
extrapolation to 10,000 runs. The full size takes about an hour of CPU: run it on a machine whose
cores are free. The machine's load average is printed: other work slows both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.agronomy.cropmodel import (  # noqa: E402
    WEATHER_COLUMNS,
    CropModelRun,
    CropModelSpec,
    SiteSoil,
    ensemble,
    run_many,
)
from pipelines.agronomy.weather import (  # noqa: E402
    extraterrestrial_radiation_mj_m2,
    solar_radiation_from_temperature_mj_m2,
)
from pipelines.crops import builtin_crops  # noqa: E402

SAMPLE = REPO / "sample_data" / "demo"
FULL_FIELDS, FULL_YEARS = 1000, 10
SEASON = 2026


def synthetic_runs(n_fields: int, n_years: int, as_of: dt.date, seed: int) -> list[CropModelRun]:
    rng = np.random.default_rng(seed)
    fields = [
        f["properties"] for f in json.loads((SAMPLE / "fields.geojson").read_text())["features"]
    ]
    weather = pd.read_csv(SAMPLE / "weather.csv", parse_dates=["date"])
    stations = {
        station: (_fill_radiation(rows)[list(WEATHER_COLUMNS)].reset_index(drop=True), rows.iloc[0])
        for station, rows in weather.groupby("station_id")
    }
    crops = builtin_crops().set_index("crop_id", drop=False)
    specs = {c: CropModelSpec.from_crop_row(crops.loc[c].to_dict()) for c in crops.index}
    past = list(range(SEASON - 1, SEASON - 9, -1))  # 2025 ... 2018: fully observed seasons
    members = [past[i % len(past)] for i in range(n_years)]
    runs: list[CropModelRun] = []
    for i in range(n_fields):
        field = fields[i % len(fields)]
        observed, station = stations[field["station_id"]]
        wp = float(np.clip(field["wilting_point_m3_m3"] + rng.normal(0, 0.02), 0.05, 0.3))
        fc = float(np.clip(field["field_capacity_m3_m3"] + rng.normal(0, 0.02), wp + 0.06, 0.5))
        site = SiteSoil(
            lat=float(station["station_lat"]),
            lon=float(station["station_lon"]),
            elevation_m=float(station["station_elevation_m"]),
            field_capacity_m3_m3=round(fc, 3),
            wilting_point_m3_m3=round(wp, 3),
            root_depth_max_cm=float(field["root_depth_max_cm"] + 5 * rng.integers(-4, 5)),
        )
        if i % 2 == 0:
            crop, sowing = "winter_wheat", dt.date(SEASON - 1, 10, 15 + int(rng.integers(0, 16)))
            end, harvest_by = dt.date(SEASON, 9, 30), None
        else:
            crop = "grain_maize"
            sowing = dt.date(SEASON, 4, 25) + dt.timedelta(days=int(rng.integers(0, 16)))
            end = harvest_by = dt.date(SEASON, 10, 20)
        spec = specs[crop]
        assert spec is not None, f"{crop} has no crop model in the crop table"
        runs += ensemble(
            observed,
            as_of,
            members,
            key=f"field-{i:04d}",
            spec=spec,
            site=site,
            sowing_date=sowing,
            end=end,
            latest_harvest=harvest_by,
            report_dates=(as_of,),
        )
    return runs


def _fill_radiation(rows: pd.DataFrame) -> pd.DataFrame:
    """The station's missing radiation (the sample has a 10-day gap) from the temperature range
    (FAO-56 eq. 50, the product's fallback): the crop model refuses a day without it."""
    missing = rows["rad_mj_m2"].isna()
    if not missing.any():
        return rows
    first = rows.iloc[0]
    ra = extraterrestrial_radiation_mj_m2(
        pd.DatetimeIndex(rows.loc[missing, "date"]), float(first["station_lat"])
    )
    estimate = solar_radiation_from_temperature_mj_m2(
        rows.loc[missing, "tmin_degc"],
        rows.loc[missing, "tmax_degc"],
        ra,
        elevation_m=float(first["station_elevation_m"]),
    )
    out = rows.copy()
    out.loc[missing, "rad_mj_m2"] = estimate
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=FULL_FIELDS)
    parser.add_argument("--years", type=int, default=FULL_YEARS, help="ensemble members")
    parser.add_argument("--only", choices=("inprocess", "cluster", "both"), default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(SEASON, 5, 25))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    t0 = time.perf_counter()
    runs = synthetic_runs(args.fields, args.years, args.as_of, args.seed)
    full = FULL_FIELDS * FULL_YEARS
    subset = len(runs) < full
    print(
        f"runs: {len(runs):,} ({args.fields} fields x {args.years} members, as of "
        f"{args.as_of}; built in {time.perf_counter() - t0:.1f} s)"
        + (f" -- a SUBSET of the {full:,} runs of 1,000 fields x 10 years" if subset else "")
    )
    if args.years > 8:
        print("  (the sample's weather has 8 past seasons: members 9 and on reuse them)")

    def report(label: str, seconds: float, frame: pd.DataFrame) -> None:
        errors = int(frame["error"].notna().sum())
        line = (
            f"{label}: {seconds:.1f} s for {len(frame):,} runs, {len(frame) / seconds:.2f} runs/s, "
            f"{seconds / len(frame):.3f} s per run; {errors} run(s) with an error"
        )
        if subset:
            line += f"; extrapolated to {full:,} runs: {seconds / len(frame) * full / 60:.0f} min"
        print(line)

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 5) < args.batch_size:
            print(f"  {done:,}/{total:,}", flush=True)

    in_process = on_cluster = None
    seconds_in = seconds_cluster = float("nan")
    if args.only in ("inprocess", "both"):
        t0 = time.perf_counter()
        run_many(runs[:1])  # imports pcse and reads the crop parameters
        print(f"in-process warm-up (import, parameters, one run): {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        in_process = run_many(runs, batch_size=args.batch_size, progress=progress)
        seconds_in = time.perf_counter() - t0
        report("in-process (1 process)", seconds_in, in_process)

    if args.only in ("cluster", "both"):
        import distributed

        t0 = time.perf_counter()
        with (
            distributed.LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            started = time.perf_counter() - t0
            t0 = time.perf_counter()
            run_many(runs[: args.workers * 2], client=client, batch_size=1)  # each worker warms up
            print(
                f"cluster: {args.workers} workers started in {started:.1f} s, warmed up in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            t0 = time.perf_counter()
            on_cluster = run_many(
                runs, client=client, batch_size=args.batch_size, progress=progress
            )
            seconds_cluster = time.perf_counter() - t0
        report(f"LocalCluster ({args.workers} process workers)", seconds_cluster, on_cluster)

    if in_process is not None and on_cluster is not None:
        same = in_process.equals(on_cluster)
        print(
            f"cluster / in-process time: {seconds_cluster / seconds_in:.2f} "
            f"(speed-up {seconds_in / seconds_cluster:.2f}x with {args.workers} workers); "
            f"same results: {'yes' if same else 'NO'}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
