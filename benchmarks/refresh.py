"""Benchmark: refreshing the stored advice of a 1,000-field cooperative, in full and after a change.

    .venv/bin/python benchmarks/refresh.py [--fields 1000] [--repeats 3] [--keep]

Targets (issue, on 2 cores): after an upload that touches 10 of 1,000 fields the refresh takes
under 3 s; a full refresh of 1,000 fields under 10 s. What it does, in a temporary folder that
it removes afterwards (unless `--keep`):

1. Imports the sample cooperative (`sample_data/demo`) into a workspace (`agri import`), trains
   the models on it (`train_models` with `--train-every-days`, 42 by default to save time: the
   model's version, not its training settings, reaches the advice) and stores its advice once
   (untimed; it also warms the imports and first-call costs of the advice code).
2. Writes a copy of the sample bundle grown to `--fields` fields (`grow_bundle`): the sample's
   fields plus replicas `<field_id>-rNN` on replica farms, each with its seasons, operations and
   satellite rows, so every field has a real history; the sensor logs come along for the
   original fields only. Imports it into a second workspace (`agri import`) and copies the
   sample's models folder in.
3. Times (a) the first refresh, which computes all fields; (b) `--repeats` times, a refresh
   after changing 10 fields' inputs the way a satellite update does (the newest satellite row of
   each field gets a slightly different NDVI, through SQL on `satellite_observations`, a table
   the loader reads); (c) a refresh with nothing changed; (d) the incremental refresh step by
   step (the steps of `refresh_advice`, timed separately here).

The machine's load average is printed: on a shared machine other work slows every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agri_app.advice_service import (  # noqa: E402
    compute_advice,
    field_fingerprints,
    refresh_advice,
)
from agri_app.advice_table import advice_row_json  # noqa: E402
from agri_app.cli_models import train_models  # noqa: E402
from agri_app.settings import SAMPLE_BUNDLE, Settings  # noqa: E402
from models.registry import ModelRegistry  # noqa: E402
from pipelines.store import advice as advice_store  # noqa: E402
from pipelines.store import schema, storage  # noqa: E402
from pipelines.store.loader import load_workspace  # noqa: E402

INCREMENTAL_TARGET_S = 3.0
FULL_TARGET_S = 10.0
CHANGED_FIELDS = 10
# Replica copies are laid out on a grid of the sample's extent (about 0.30° x 0.14°), so the
# map shows them side by side; a few tenths of a degree of latitude keep areas within tolerance.
GRID_COLUMNS, GRID_DX_DEG, GRID_DY_DEG = 4, 0.32, -0.15

T = TypeVar("T")


def timed(run: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def grow_bundle(sample: Path, out: Path, n_fields: int) -> Path:
    """A copy of the bundle at `sample` with `n_fields` fields, written to `out`: its own fields
    plus replicas `<field_id>-rNN` (on replica farms `<farm_id>-rNN`, boundaries shifted) with
    their seasons, operations and satellite rows. Weather, forecasts and the sensor logs (of the
    original fields only) are copied as they are."""
    geo = json.loads((sample / "fields.geojson").read_text(encoding="utf-8"))
    originals = [f["properties"]["field_id"] for f in geo["features"]]
    if n_fields < len(originals):
        raise SystemExit(f"--fields must be at least the sample's {len(originals)} fields")
    out.mkdir(parents=True)
    for name in ("bundle.json", "weather.csv", "forecast.csv"):
        shutil.copy2(sample / name, out / name)
    shutil.copytree(sample / "sensors", out / "sensors")

    copies: list[tuple[int, str]] = []  # (copy number, original field id), in order
    k = 1
    while len(originals) + len(copies) < n_fields:
        room = n_fields - len(originals) - len(copies)
        copies += [(k, f) for f in originals[:room]]
        k += 1
    copy_numbers = sorted({c for c, _ in copies})

    def replica(value: str, copy: int) -> str:
        return f"{value}-r{copy:02d}"

    def read(name: str) -> pd.DataFrame:  # rows are copied as written
        return pd.read_csv(sample / name, dtype=str, keep_default_na=False)

    farms = read("farms.csv")
    grown_farms = [farms] + [
        farms.assign(
            farm_id=farms["farm_id"] + f"-r{c:02d}",
            farm_name=farms["farm_name"] + f" (copy {c:02d})",
        )
        for c in copy_numbers
    ]
    pd.concat(grown_farms).to_csv(out / "farms.csv", index=False)

    for name in ("seasons.csv", "operations.csv", "satellite.csv"):
        frame = read(name)
        by_field = dict(tuple(frame.groupby("field_id", sort=False)))
        parts = [frame] + [
            by_field[f].assign(field_id=replica(f, c)) for c, f in copies if f in by_field
        ]
        pd.concat(parts, ignore_index=True).to_csv(out / name, index=False)

    feature_of = {f["properties"]["field_id"]: f for f in geo["features"]}
    for c, f in copies:
        feature = json.loads(json.dumps(feature_of[f]))
        dx = GRID_DX_DEG * (c % GRID_COLUMNS)
        dy = GRID_DY_DEG * (c // GRID_COLUMNS)
        rings = feature["geometry"]["coordinates"]
        feature["geometry"]["coordinates"] = [[[x + dx, y + dy] for x, y in r] for r in rings]
        props = feature["properties"]
        props.update(
            field_id=replica(f, c),
            farm_id=replica(props["farm_id"], c),
            field_name=f"{props['field_name']} ({c:02d})",
        )
        geo["features"].append(feature)
    (out / "fields.geojson").write_text(json.dumps(geo), encoding="utf-8")
    return out


def agri(*command: str) -> str:
    """`agri COMMAND...` run in this process; its output (stdout and stderr)."""
    from typer.testing import CliRunner

    from agri_app.cli import app

    result = CliRunner().invoke(app, list(command))
    if result.exit_code != 0:
        raise RuntimeError(f"agri {' '.join(command)} failed:\n{result.output}")
    return result.output


def agri_import(bundle_dir: Path, root: Path) -> Engine:
    """`agri import BUNDLE --workspace ROOT --no-refresh`; the workspace's engine."""
    agri("import", str(bundle_dir), "--workspace", str(root), "--no-refresh")
    return storage.open_workspace(storage.Workspace(root))


def train_sample(root: Path, every_days: int) -> tuple[Engine, float]:
    """The sample cooperative imported at `root`, trained, with its advice stored; the seconds
    training took."""
    engine = agri_import(SAMPLE_BUNDLE, root)
    settings = Settings(workspace_dir=root, train_every_days=every_days)
    seconds, _ = timed(lambda: train_models(settings, load_workspace(engine), engine))
    refresh_advice(engine, settings, trigger="train")
    return engine, seconds


def touch_satellite(engine: Engine, field_ids: list[str], step: int) -> None:
    """Change the newest satellite row of each field (NDVI up by 0.001 per step), as a new
    satellite statistic for the latest acquisition would."""
    sat = schema.satellite_observations
    newest = (
        sa.select(sat.c.field_id, sa.func.max(sat.c.date).label("date"))
        .where(sat.c.field_id.in_(field_ids))
        .group_by(sat.c.field_id)
    )
    with engine.begin() as conn:
        rows = conn.execute(newest).all()
        for field_id, day in rows:
            conn.execute(
                sa.update(sat)
                .where(sat.c.field_id == field_id, sat.c.date == day)
                .values(ndvi_mean=sat.c.ndvi_mean + 0.001 * step)
            )
    if len(rows) != len(field_ids):
        raise RuntimeError(f"only {len(rows)} of {len(field_ids)} fields have satellite rows")


def refresh_steps(engine: Engine, settings: Settings) -> dict[str, float]:
    """An incremental refresh done step by step as `refresh_advice` does it, each step timed.
    Stores the same run `refresh_advice` would."""
    steps: dict[str, float] = {}
    registry = ModelRegistry(settings.workspace.models_dir)
    steps["model version"], version = timed(registry.latest)
    steps["load_workspace"], data = timed(lambda: load_workspace(engine))
    # Inside load_workspace: the tables alone; the rest is the sensors' daily water content.
    steps["  of which tables (no sensors)"], _ = timed(
        lambda: load_workspace(engine, with_sensors=False)
    )
    day = pd.Timestamp(data.reference_date).normalize()
    steps["field_input_hashes"], fingerprints = timed(
        lambda: field_fingerprints(data, version, day, settings)
    )

    def read_stored() -> pd.DataFrame:
        previous = advice_store.latest_run(engine, data.cooperative_id, day.date())
        assert previous is not None
        return advice_store.run_rows(engine, previous.run_id)

    steps["read stored run"], stored = timed(read_stored)
    stored_hash = dict(zip(stored["field_id"], stored["inputs_sha256"], strict=True))
    changed = [str(f) for f, h in fingerprints.items() if stored_hash.get(str(f)) != h]
    steps["compute (10 fields)"], computed = timed(
        lambda: compute_advice(data, changed, settings, day, model_version=version, engine=engine)
    )
    steps["  of which model load"], _ = timed(lambda: registry.load(version))

    def write() -> None:
        farm_of = data.fields.set_index("field_id")["farm_id"]
        new_rows = pd.DataFrame(
            {
                "field_id": computed["field_id"].astype(str),
                "farm_id": computed["field_id"].map(farm_of).astype(str),
                "inputs_sha256": computed["field_id"].map(fingerprints),
                "status": computed["status"].astype(str),
                "advice_json": [
                    advice_row_json({str(k): v for k, v in r.items()})
                    for r in computed.to_dict(orient="records")
                ],
            }
        )
        kept = stored[stored["field_id"].isin(set(fingerprints.index) - set(changed))]
        rows = pd.concat([kept, new_rows], ignore_index=True).sort_values("field_id")
        advice_store.write_run(
            engine,
            cooperative_id=data.cooperative_id,
            as_of=day.date(),
            model_version=version,
            trigger="benchmark",
            rows=rows,
            fields_computed=len(new_rows),
        )

    steps["write run"], _ = timed(write)
    if len(changed) != CHANGED_FIELDS:
        raise RuntimeError(f"expected {CHANGED_FIELDS} changed fields, found {len(changed)}")
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="incremental refreshes; median")
    parser.add_argument(
        "--train-every-days", type=int, default=42, help="training dates' spacing (sample model)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="agri-bench-refresh-"))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; folder {root}")
    try:
        sample_engine, train_s = train_sample(root / "sample", args.train_every_days)
        sample_engine.dispose()
        print(f"sample trained in {train_s:.0f} s (every {args.train_every_days} days)")

        generation_s, bundle = timed(lambda: grow_bundle(SAMPLE_BUNDLE, root / "big", args.fields))
        import_s, engine = timed(lambda: agri_import(bundle, root / "ws"))
        shutil.copytree(root / "sample" / "models", root / "ws" / "models", dirs_exist_ok=True)
        settings = Settings(workspace_dir=root / "ws")
        data = load_workspace(engine)
        print(
            f"{len(data.fields)} fields, {len(data.satellite):,} satellite rows, "
            f"{len(data.sensors):,} sensor days: bundle written in {generation_s:.1f} s, "
            f"imported in {import_s:.1f} s"
        )

        full_s, full = timed(lambda: refresh_advice(engine, settings, trigger="benchmark"))
        n = full.computed
        print(
            f"(a) full refresh: {full_s:.2f} s for {n} fields ({n / full_s:.0f} fields/s); "
            f"target < {FULL_TARGET_S:.0f} s"
        )

        ids = data.fields["field_id"].astype(str).tolist()
        stride = len(ids) // CHANGED_FIELDS
        changed = ids[stride // 2 :: stride][:CHANGED_FIELDS]
        print(
            f"(b) change: the newest satellite row (ndvi_mean) of {len(changed)} fields, by SQL "
            f"on satellite_observations ({', '.join(changed[:3])}, ...)"
        )
        times = []
        for step in range(1, args.repeats + 1):
            touch_satellite(engine, changed, step)
            seconds, result = timed(lambda: refresh_advice(engine, settings, trigger="benchmark"))
            times.append(seconds)
            print(
                f"    run {step}: {seconds:.2f} s, computed {result.computed}, "
                f"reused {result.reused}"
            )
            if (result.computed, result.reused) != (len(changed), n - len(changed)):
                raise RuntimeError("the refresh did not recompute exactly the changed fields")
        incremental_s = statistics.median(times)
        print(
            f"    median of {len(times)}: {incremental_s:.2f} s; incremental / full = "
            f"{incremental_s / full_s:.2f}; target < {INCREMENTAL_TARGET_S:.0f} s"
        )

        unchanged_s, unchanged = timed(
            lambda: refresh_advice(engine, settings, trigger="benchmark")
        )
        assert not unchanged.new_run
        print(f"(c) nothing changed: {unchanged_s:.2f} s (no new run)")

        touch_satellite(engine, changed, args.repeats + 1)
        steps = refresh_steps(engine, settings)
        total = sum(v for k, v in steps.items() if not k.startswith(" "))
        print(f"(d) incremental refresh step by step ({total:.2f} s in all):")
        for name, seconds in steps.items():
            share = "" if name.startswith(" ") else f" ({100 * seconds / total:3.0f} %)"
            print(f"    {name:<30} {seconds:6.2f} s{share}")

        verdict = {True: "met", False: "MISSED"}
        print(
            f"summary: {n} fields; full refresh {full_s:.2f} s (target < {FULL_TARGET_S:.0f} s: "
            f"{verdict[full_s < FULL_TARGET_S]}); 10 fields changed {incremental_s:.2f} s "
            f"(median of {len(times)}; target < {INCREMENTAL_TARGET_S:.0f} s: "
            f"{verdict[incremental_s < INCREMENTAL_TARGET_S]}); ratio incremental/full "
            f"{incremental_s / full_s:.2f}; nothing changed {unchanged_s:.2f} s; load average "
            f"now {os.getloadavg()[0]:.2f}"
        )
        engine.dispose()
        return 0
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
