"""Benchmark: the weekly reports of every sample farm and the cooperative summary for one week.

Reads `sample_data/demo` (4 farms, 96 fields), trains a yield model into a temporary workspace
when the given one has none (not timed as part of the reports), then times
`agri_app.cli_report.write_reports` for week 2026-W21 (issued 2026-05-25, the sample's reference
date): the advice for all fields once, then per farm the report's numbers, two charts, the HTML
and the PDF. Target: under 5 s per farm on 2 cores.

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

from typer.testing import CliRunner  # noqa: E402

from agri_app.cli_models import models_app  # noqa: E402
from agri_app.cli_report import write_reports  # noqa: E402
from agri_app.report.build import parse_week  # noqa: E402
from agri_app.settings import SAMPLE_BUNDLE, Settings  # noqa: E402
from models.registry import ModelNotFoundError, ModelRegistry  # noqa: E402
from pipelines.sources.bundle import read_bundle  # noqa: E402

TARGET_S_PER_FARM = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2026-W21")
    parser.add_argument("--workspace", type=Path, default=None)
    args = parser.parse_args()
    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="agri-report-bench-"))
    settings = Settings.from_env(workspace)
    try:
        model = ModelRegistry(settings.workspace.models_dir).load()
    except ModelNotFoundError:
        print(f"training a model into {workspace} (not part of the timing) ...", flush=True)
        tic = time.perf_counter()
        result = CliRunner().invoke(
            models_app, ["train", "--bundle", str(SAMPLE_BUNDLE), "--workspace", str(workspace)]
        )
        if result.exit_code != 0:
            print(result.output, file=sys.stderr)
            return 1
        print(f"  trained in {time.perf_counter() - tic:.1f} s")
        model = ModelRegistry(settings.workspace.models_dir).load()
    bundle = read_bundle(SAMPLE_BUNDLE)
    week = parse_week(args.week)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    tic = time.perf_counter()
    written = write_reports(settings, bundle, model, week)
    total = time.perf_counter() - tic
    farms = len(written.seconds_per_farm)
    print(f"advice for {len(bundle.fields)} fields (shared): {written.seconds_advice:6.2f} s")
    for farm, seconds in written.seconds_per_farm.items():
        print(f"  {farm:<20} report (HTML + PDF): {seconds:6.2f} s")
    print(f"cooperative summary:                {written.seconds_cooperative:6.2f} s")
    per_farm = total / farms
    verdict = "ok" if per_farm < TARGET_S_PER_FARM else "SLOWER than target"
    print(
        f"total {total:.2f} s for {farms} farms: {per_farm:.2f} s per farm including the shared "
        f"advice (target < {TARGET_S_PER_FARM:.0f} s) {verdict}"
    )
    print(f"reports in {settings.workspace.reports_dir / week.label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
