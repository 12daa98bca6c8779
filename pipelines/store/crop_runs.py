"""Crop-model runs kept in the workspace: a run is computed once for its inputs.

A WOFOST season takes a few tenths of a second, so a cooperative's hindcasts and in-season
ensembles take minutes; their results depend only on the run's inputs. `cached_run_many` hashes
each run (`run_key`: crop-model spec, site and soil, sowing, every weather value, irrigation
applied and the rule, report dates, duration, plus the crop-model code's version), reads the
results stored under those hashes in `crop_model_results`, runs only the others
(`pipelines.agronomy.cropmodel.run_many`, in-process or on Dask) and stores them. Re-running
training or a refresh whose weather did not change costs a table read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.agronomy.cropmodel import (
    EVAPORATION_COLUMNS,
    WEATHER_COLUMNS,
    CropModelRun,
    code_version,
    run_many,
)
from pipelines.store.schema import crop_model_results

_KEYS_PER_QUERY = 500


def run_key(run: CropModelRun, weather_digests: dict[int, bytes] | None = None) -> str:
    """sha256 of everything the run's result depends on (not its `key`, a caller's label).
    `weather_digests` caches the weather's digest by frame identity, for runs that share one
    weather frame within a call."""
    digest = hashlib.sha256()
    described = {
        "code": code_version(),
        "spec": [run.spec.model, run.spec.crop, run.spec.variety, run.spec.yield_moisture_pct],
        "site": [
            run.site.lat,
            run.site.lon,
            run.site.elevation_m,
            run.site.field_capacity_m3_m3,
            run.site.wilting_point_m3_m3,
            run.site.root_depth_max_cm,
        ],
        "sowing": run.sowing_date.isoformat(),
        "reports": [d.isoformat() for d in run.report_dates],
        "rule": None
        if run.irrigation is None
        else [
            run.irrigation.trigger_depletion,
            run.irrigation.amount_mm,
            run.irrigation.efficiency,
        ],
        "applied": [[d.isoformat(), float(mm)] for d, mm in run.applied_irrigation],
        "applied_efficiency": run.applied_irrigation_efficiency,
        "duration": run.max_duration_days,
        "latest_harvest": None if run.latest_harvest is None else run.latest_harvest.isoformat(),
        "overrides": sorted((str(k), repr(v)) for k, v in (run.parameter_overrides or {}).items()),
        "initial_water": run.site.initial_available_water_fraction,
    }
    digest.update(json.dumps(described, sort_keys=True).encode())
    cached = None if weather_digests is None else weather_digests.get(id(run.weather))
    if cached is None:
        cached = _weather_digest(run.weather)
        if weather_digests is not None:
            weather_digests[id(run.weather)] = cached
    digest.update(cached)
    return digest.hexdigest()


def _weather_digest(weather: pd.DataFrame) -> bytes:
    digest = hashlib.sha256()
    digest.update("|".join(pd.to_datetime(weather["date"]).dt.strftime("%Y%m%d")).encode())
    used = [*WEATHER_COLUMNS[1:], *(c for c in EVAPORATION_COLUMNS if c in weather)]
    for column in used:
        digest.update(column.encode())
        digest.update(np.ascontiguousarray(weather[column].to_numpy(dtype=np.float64)).tobytes())
    return digest.digest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def cached_run_many(
    engine: Engine,
    runs: Sequence[CropModelRun],
    *,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The results of `runs` (the columns of `run_many`, one row per run, in order, with each
    run's `key`): stored ones read, the others computed and stored."""
    if not runs:
        return run_many([])
    digests: dict[int, bytes] = {}
    hashes = [run_key(run, digests) for run in runs]
    stored: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(hashes))
    with engine.connect() as connection:
        for chunk in _chunks(wanted, _KEYS_PER_QUERY):
            rows = connection.execute(
                sa.select(crop_model_results.c.run_sha256, crop_model_results.c.result_json).where(
                    crop_model_results.c.run_sha256.in_(chunk)
                )
            )
            stored.update({h: json.loads(text) for h, text in rows})
    missing: dict[str, CropModelRun] = {}
    for h, run in zip(hashes, runs, strict=True):
        if h not in stored and h not in missing:
            missing[h] = run
    if missing:
        computed = run_many(list(missing.values()), scheduler=scheduler, progress=progress)
        now = datetime.now(UTC)
        new_rows = []
        for h, record in zip(missing, computed.to_dict(orient="records"), strict=True):
            record.pop("key", None)
            result = _jsonable(record)
            stored[h] = result
            if not result.get("error"):
                new_rows.append(
                    {"run_sha256": h, "created_at": now, "result_json": json.dumps(result)}
                )
        if new_rows:
            with engine.begin() as connection:
                present: set[str] = set()
                for chunk in _chunks([str(r["run_sha256"]) for r in new_rows], _KEYS_PER_QUERY):
                    present.update(
                        str(h)
                        for h in connection.execute(
                            sa.select(crop_model_results.c.run_sha256).where(
                                crop_model_results.c.run_sha256.in_(chunk)
                            )
                        ).scalars()
                    )
                fresh = [r for r in new_rows if r["run_sha256"] not in present]
                if fresh:
                    connection.execute(sa.insert(crop_model_results), fresh)
    records = [{"key": run.key, **stored[h]} for h, run in zip(hashes, runs, strict=True)]
    return pd.DataFrame.from_records(records)
