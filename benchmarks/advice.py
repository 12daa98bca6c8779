"""Benchmark: training on the sample cooperative, and advice for 1,000 fields.

1. Trains on `sample_data/demo` as `agri train` does (features every 14 days of every harvested
   season, leave-one-season-out for both crops, the final yield and N response models) and
   prints the time of each phase. Target: under 60 s on 2 cores.
2. Replicates the sample's fields (with their seasons, operations and satellite rows, under new
   ids) to `--fields` fields and times `agri_app.advice.build_advice` for the reference date:
   features as of that date, yield forecast with interval and drivers, the N grid, and the water
   balance projected over the 14-day forecast. Target: under 5 s for 1,000 fields.

    .venv/bin/python benchmarks/advice.py [--fields 1000] [--repeat 2]

The machine's load average is printed: on a shared machine other work slows both.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agri_app.advice import build_advice  # noqa: E402
from agri_app.settings import Settings  # noqa: E402
from models.yield_model import TARGET, train_yield_model, training_table  # noqa: E402
from pipelines.agronomy.features import FeatureParameters, build_features  # noqa: E402
from pipelines.agronomy.season_grid import SeasonSources, season_requests  # noqa: E402
from pipelines.agronomy.waterbalance import WaterBalanceParameters  # noqa: E402
from pipelines.sources.bundle import Bundle, read_bundle  # noqa: E402

TRAIN_TARGET_S = 60.0
ADVICE_TARGET_S = 5.0


def replicate(bundle: Bundle, n_fields: int) -> Bundle:
    """The bundle with its fields copied (ids suffixed `~k`) until there are `n_fields`."""
    ids = bundle.fields["field_id"].tolist()
    copies = -(-n_fields // len(ids))

    def grow(frame: pd.DataFrame) -> pd.DataFrame:
        parts = [frame.assign(field_id=frame["field_id"] + f"~{k}") for k in range(copies)]
        grown = pd.concat(parts, ignore_index=True)
        wanted = {f"{i}~{k}" for k in range(copies) for i in ids}
        keep = sorted(wanted)[:n_fields]
        return grown[grown["field_id"].isin(keep)].reset_index(drop=True)

    return replace(
        bundle,
        fields=grow(bundle.fields),
        seasons=grow(bundle.seasons),
        operations=grow(bundle.operations),
        satellite=grow(bundle.satellite),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    started = time.perf_counter()
    bundle = read_bundle(REPO / "sample_data" / "demo")
    read_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(workspace_dir=Path(tmp))
    model_settings = settings.yield_model()
    params = FeatureParameters(
        water_balance=WaterBalanceParameters(irrigation_efficiency=settings.irrigation_efficiency)
    )

    t0 = time.perf_counter()
    sources = SeasonSources.from_bundle(bundle)
    requests = season_requests(
        bundle.seasons, bundle.manifest.reference_date, every_days=model_settings.every_days
    )
    harvested = bundle.seasons.loc[bundle.seasons[TARGET].notna(), ["field_id", "season"]]
    requests = requests.merge(harvested.astype({"season": np.int64}), on=["field_id", "season"])
    features = build_features(sources, requests, params)
    t1 = time.perf_counter()
    table = training_table(features, bundle.seasons, bundle.operations, bundle.crops)
    model = train_yield_model(table, model_settings)
    t2 = time.perf_counter()
    train_s = t2 - t0
    print(
        f"training on the sample: {len(table)} rows; read {read_s:.1f} s (not counted), "
        f"features {t1 - t0:.1f} s, LOSO + final models {t2 - t1:.1f} s; "
        f"total {train_s:.1f} s (target < {TRAIN_TARGET_S:.0f} s): "
        + ("OK" if train_s < TRAIN_TARGET_S else "MISSED")
    )

    big = replicate(bundle, args.fields)
    big_sources = SeasonSources.from_bundle(big)
    reference = pd.Timestamp(bundle.manifest.reference_date)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        advice = build_advice(big_sources, big.stations, big.forecast, model, settings, reference)
        times.append(time.perf_counter() - t0)
    best = min(times)
    counts = advice["status"].value_counts().to_dict()
    print(
        f"advice for {len(advice)} fields as of {reference:%Y-%m-%d}: best of {args.repeat} "
        f"{best:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}; target < "
        f"{ADVICE_TARGET_S:.0f} s): " + ("OK" if best < ADVICE_TARGET_S else "MISSED")
    )
    print("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
