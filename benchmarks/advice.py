"""Benchmark: training on the sample cooperative, and advice for 1,000 fields.

1. Imports `sample_data/demo` into a workspace (`agri import`), loads it through the one loader
   and trains on it as `agri train` does (features every 14 days of every harvested season,
   leave-one-season-out for both crops, the final yield and N response models), printing the
   time of each phase. Target: under 60 s on 2 cores.
2. Grows the sample bundle to `--fields` fields (`benchmarks/refresh.py`'s `grow_bundle`: the
   sample's fields and replicas with their seasons, operations and satellite rows), imports it
   into a second workspace, loads it and times `agri_app.advice.build_advice` for the reference
   date: features as of that date, yield forecast with interval and drivers, the N grid, and
   the water balance projected over the 14-day forecast, the crop model's state and outlook read
   from the runs stored in the workspace (made by a first, untimed call, whose time is printed).
   Target: under 5 s for 1,000 fields. Training here leaves the crop model out (its runs are
   timed by `benchmarks/cropmodel.py`).
   (`benchmarks/refresh.py` times the whole stored-advice refresh around it.)

    .venv/bin/python benchmarks/advice.py [--fields 1000] [--repeat 2] [--profile] [--keep DIR]

Both workspaces live in a temporary folder removed afterwards (`--keep DIR`: in DIR, reused).
The machine's load average is printed: on a shared machine other work slows both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from agri_app.advice import build_advice  # noqa: E402
from agri_app.crop_model import crop_model_runner  # noqa: E402
from agri_app.settings import SAMPLE_BUNDLE, Settings  # noqa: E402
from benchmarks.refresh import agri_import, grow_bundle  # noqa: E402
from models.yield_model import TARGET, train_yield_model, training_table  # noqa: E402
from pipelines.agronomy.features import FeatureParameters, build_features  # noqa: E402
from pipelines.agronomy.season_grid import season_requests  # noqa: E402
from pipelines.agronomy.waterbalance import WaterBalanceParameters  # noqa: E402
from pipelines.store.loader import load_workspace  # noqa: E402
from pipelines.store.schema import crop_model_results  # noqa: E402

TRAIN_TARGET_S = 60.0
ADVICE_TARGET_S = 5.0


def run(root: Path, n_fields: int, repeat: int, profile: bool = False) -> None:
    """Both phases, with the workspaces under `root`."""
    started = time.perf_counter()
    engine = agri_import(SAMPLE_BUNDLE, root / "sample")
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    data = load_workspace(engine)
    load_s = time.perf_counter() - started
    settings = Settings(workspace_dir=root / "sample")
    model_settings = settings.yield_model()
    params = FeatureParameters(
        water_balance=WaterBalanceParameters(irrigation_efficiency=settings.irrigation_efficiency)
    )

    t0 = time.perf_counter()
    requests = season_requests(
        data.seasons, data.reference_date, every_days=model_settings.every_days
    )
    harvested = data.seasons.loc[data.seasons[TARGET].notna(), ["field_id", "season"]]
    requests = requests.merge(harvested.astype({"season": np.int64}), on=["field_id", "season"])
    features = build_features(data.sources(), requests, params)
    t1 = time.perf_counter()
    table = training_table(features, data.seasons, data.operations, data.crops)
    model = train_yield_model(table, model_settings)
    t2 = time.perf_counter()
    train_s = t2 - t0
    print(
        f"training on the sample: {len(table)} rows; agri import {import_s:.1f} s and "
        f"load_workspace {load_s:.1f} s (not counted), features {t1 - t0:.1f} s, LOSO + final "
        f"models {t2 - t1:.1f} s; total {train_s:.1f} s (target < {TRAIN_TARGET_S:.0f} s): "
        + ("OK" if train_s < TRAIN_TARGET_S else "MISSED")
    )

    shutil.rmtree(root / "big-bundle", ignore_errors=True)  # grown again (a kept folder too)
    bundle = grow_bundle(SAMPLE_BUNDLE, root / "big-bundle", n_fields)
    started = time.perf_counter()
    big_engine = agri_import(bundle, root / "big")
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    big = load_workspace(big_engine)
    load_s = time.perf_counter() - started
    big_sources = big.sources()
    reference = big.reference_date
    print(
        f"{len(big.fields)} fields: agri import {import_s:.1f} s, load_workspace {load_s:.1f} s "
        "(not counted)"
    )
    # The crop model's runs are stored inputs: the first call makes them (and keeps them in the
    # workspace; the replicas share their originals' runs), the timed calls read them.
    runner = crop_model_runner(settings, big_engine)
    t0 = time.perf_counter()
    build_advice(
        big_sources, big.stations, big.forecast, model, settings, reference, crop_model=runner
    )
    first_s = time.perf_counter() - t0
    with big_engine.connect() as connection:
        stored = connection.execute(
            sa.select(sa.func.count()).select_from(crop_model_results)
        ).scalar()
    print(
        f"first advice, making the crop model's runs: {first_s:.1f} s ({stored} distinct runs "
        f"stored; {settings.crop_model_members} past years per outlook)"
    )
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        advice = build_advice(
            big_sources, big.stations, big.forecast, model, settings, reference, crop_model=runner
        )
        times.append(time.perf_counter() - t0)
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        build_advice(
            big_sources, big.stations, big.forecast, model, settings, reference, crop_model=runner
        )
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    best = min(times)
    counts = advice["status"].value_counts().to_dict()
    print(
        f"advice for {len(advice)} fields as of {reference:%Y-%m-%d}: best of {repeat} "
        f"{best:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}; target < "
        f"{ADVICE_TARGET_S:.0f} s): " + ("OK" if best < ADVICE_TARGET_S else "MISSED")
    )
    print("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    engine.dispose()
    big_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--profile", action="store_true", help="profile one more advice call (cProfile)"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep the workspaces in this folder and reuse them (and the crop model's runs "
        "stored in them) on the next run",
    )
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.keep, args.fields, args.repeat, args.profile)
        return
    root = Path(tempfile.mkdtemp(prefix="agri-bench-advice-"))
    try:
        run(root, args.fields, args.repeat, args.profile)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
