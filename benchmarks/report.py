"""Benchmark: the weekly reports of every sample farm and the cooperative summary for one week.

Imports `sample_data/demo` (4 farms, 96 fields) into a temporary workspace with `agri import`
when the given one holds no data, trains a yield model on it when it has none (`train_models`,
without storing advice; neither is part of the timing), loads it through the one loader and
times `agri_app.cli_report.write_reports` for week 2026-W21 (issued 2026-05-25, the sample's
reference date): the stored advice of the issue day (computed for all fields and stored when
missing; the output says whether it was), then per farm the report's numbers, two charts, the
HTML and the PDF. Target: under 5 s per farm on 2 cores.

    .venv/bin/python benchmarks/report.py [--week 2026-W21] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agri_app.cli_models import train_models  # noqa: E402
from agri_app.cli_report import write_reports  # noqa: E402
from agri_app.report.build import parse_week  # noqa: E402
from agri_app.settings import SAMPLE_BUNDLE, Settings  # noqa: E402
from benchmarks.refresh import agri  # noqa: E402
from models.registry import ModelRegistry  # noqa: E402
from pipelines.store import advice as advice_store  # noqa: E402
from pipelines.store import storage  # noqa: E402
from pipelines.store.loader import cooperative_ids, load_workspace  # noqa: E402

TARGET_S_PER_FARM = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2026-W21")
    parser.add_argument("--workspace", type=Path, default=None)
    args = parser.parse_args()
    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="agri-report-bench-"))
    settings = Settings.from_env(workspace)
    engine = storage.open_workspace(settings.workspace)
    if not cooperative_ids(engine):
        print(f"agri import {SAMPLE_BUNDLE} into {workspace} (not part of the timing) ...")
        tic = time.perf_counter()
        agri("import", str(SAMPLE_BUNDLE), "--workspace", str(workspace), "--no-refresh")
        print(f"  imported in {time.perf_counter() - tic:.1f} s")
    if not ModelRegistry(settings.workspace.models_dir).versions():
        print(f"training a model into {workspace} (not part of the timing) ...", flush=True)
        tic = time.perf_counter()
        train_models(settings, load_workspace(engine), engine)
        print(f"  trained in {time.perf_counter() - tic:.1f} s")
    week = parse_week(args.week)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    tic = time.perf_counter()
    data = load_workspace(engine)
    load_s = time.perf_counter() - tic
    written = write_reports(settings, engine, data, week)
    total = time.perf_counter() - tic
    run = advice_store.run_by_id(engine, written.advice_run_id)
    assert run is not None
    farms = len(written.seconds_per_farm)
    width = 44
    print(f"{f'load_workspace ({len(data.fields)} fields):':<{width}}{load_s:6.2f} s")
    print(
        f"{f'stored advice of {run.as_of} (shared):':<{width}}{written.seconds_advice:6.2f} s "
        f"(run {run.run_id}: {run.fields_computed} fields computed, {run.fields_reused} reused)"
    )
    for farm, seconds in written.seconds_per_farm.items():
        print(f"{f'  {farm} report (HTML + PDF):':<{width}}{seconds:6.2f} s")
    print(f"{'cooperative summary:':<{width}}{written.seconds_cooperative:6.2f} s")
    per_farm = total / farms
    verdict = "ok" if per_farm < TARGET_S_PER_FARM else "SLOWER than target"
    print(
        f"total {total:.2f} s for {farms} farms: {per_farm:.2f} s per farm including the load "
        f"and the shared advice (target < {TARGET_S_PER_FARM:.0f} s) {verdict}"
    )
    print(f"reports in {settings.workspace.reports_dir / week.label}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
