"""Advice is data: computed once by `refresh_advice`, stored as an advice run, read by all.

`refresh_advice` loads the workspace through the one loader, fingerprints each field's inputs
(its rows of every table, its station's weather and forecasts, its crops, plus the model
version, the as-of date and the advice settings) and recomputes only the fields whose
fingerprint differs from the latest stored run of that day; the others keep their stored rows.
Nothing changed means no new run. `agri advise`, `agri report weekly` and the app read
`stored_advice`, so two surfaces cannot disagree about one field and day.

This module imports the model code lazily: reading stored advice (the app's pages) needs
neither LightGBM nor the feature pipeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from agri_app.advice_table import ADVICE_COLUMNS, advice_from_rows, advice_row_json
from agri_app.settings import Settings
from pipelines.store import advice as advice_store
from pipelines.store.access import Scope
from pipelines.store.advice import AdviceRun
from pipelines.store.loader import WorkspaceData, load_workspace, resolve_cooperative

# Fields per build_advice call: progress is reported after each batch.
BATCH_FIELDS = 100

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class StoredAdvice:
    run: AdviceRun
    table: pd.DataFrame  # ADVICE_COLUMNS, one row per field


@dataclass(frozen=True)
class RefreshResult:
    run: AdviceRun
    computed: int
    reused: int
    new_run: bool  # False: nothing had changed, the stored run stands


# Settings that do not change advice: where the data live, and how models are trained (which
# reaches the advice through the model version).
_NOT_ADVICE_SETTINGS = (
    "workspace_dir",
    "database_url",
    "model_threads",
    "train_every_days",
    "dask_scheduler",
)


def settings_fingerprint(settings: Settings) -> str:
    """Every setting that changes advice (prices, caps, irrigation limits and costs), as text to
    hash: a new setting is included unless it is listed in `_NOT_ADVICE_SETTINGS`."""
    values = asdict(settings)
    return repr(sorted((k, v) for k, v in values.items() if k not in _NOT_ADVICE_SETTINGS))


def _model_version(settings: Settings) -> str:
    from models.registry import ModelRegistry

    return ModelRegistry(settings.workspace.models_dir).latest()


def field_fingerprints(
    data: WorkspaceData, model_version: str, as_of: pd.Timestamp, settings: Settings
) -> pd.Series:
    """Per field: the hash its stored advice row carries."""
    salt = f"{model_version}|{as_of.date().isoformat()}|{settings_fingerprint(settings)}|"
    return data.field_input_hashes().map(lambda h: hashlib.sha256((salt + h).encode()).hexdigest())


def compute_advice(
    data: WorkspaceData,
    field_ids: Sequence[str],
    settings: Settings,
    as_of: pd.Timestamp,
    *,
    model_version: str | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> pd.DataFrame:
    """`agri_app.advice.build_advice` for `field_ids`, in batches (progress after each), with
    the crop model's runs kept in the workspace of `engine` (when given)."""
    from agri_app.advice import build_advice
    from agri_app.crop_model import crop_model_runner
    from models.registry import ModelRegistry

    model = ModelRegistry(settings.workspace.models_dir).load(model_version)
    runner = crop_model_runner(settings, engine)
    parts = []
    ids = list(field_ids)
    for start in range(0, len(ids), BATCH_FIELDS):
        batch = data.subset(ids[start : start + BATCH_FIELDS])
        parts.append(
            build_advice(
                batch.sources(),
                batch.stations,
                batch.forecast,
                model,
                settings,
                as_of,
                crop_model=runner,
            )
        )
        if progress is not None:
            done = min(start + BATCH_FIELDS, len(ids))
            progress(done, len(ids), f"advice computed for {done} of {len(ids)} field(s)")
    if not parts:
        return pd.DataFrame(columns=list(ADVICE_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def refresh_advice(
    engine: Engine,
    settings: Settings,
    *,
    trigger: str,
    cooperative_id: str | None = None,
    as_of: date | pd.Timestamp | None = None,
    progress: Progress | None = None,
    force: bool = False,
    data: WorkspaceData | None = None,
) -> RefreshResult:
    """Bring the stored advice of `as_of` (default: the data's reference date) up to date with
    the workspace and the latest model, recomputing only the fields whose inputs changed.

    `data`, when the caller has loaded the cooperative's data already, saves loading it again.
    Raises `models.registry.ModelNotFoundError` when no model is trained."""
    model_version = _model_version(settings)
    if data is None:
        data = load_workspace(engine, cooperative_id)
    day = pd.Timestamp(as_of if as_of is not None else data.reference_date).normalize()
    fingerprints = field_fingerprints(data, model_version, day, settings)
    previous = advice_store.latest_run(engine, data.cooperative_id, day.date())
    if previous is not None:
        stored = advice_store.run_rows(engine, previous.run_id)
    else:
        stored = pd.DataFrame(columns=list(advice_store.ROW_COLUMNS))
    stored_hash = dict(zip(stored["field_id"], stored["inputs_sha256"], strict=True))
    changed = [str(f) for f, h in fingerprints.items() if force or stored_hash.get(str(f)) != h]
    if previous is not None and not changed and set(stored_hash) == set(fingerprints.index):
        if progress is not None:
            progress(0, 0, "advice is up to date: nothing changed")
        return RefreshResult(previous, 0, len(stored), new_run=False)
    computed = compute_advice(
        data,
        changed,
        settings,
        day,
        model_version=model_version,
        progress=progress,
        engine=engine,
    )
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
    run = advice_store.write_run(
        engine,
        cooperative_id=data.cooperative_id,
        as_of=day.date(),
        model_version=model_version,
        trigger=trigger,
        rows=rows,
        fields_computed=len(new_rows),
    )
    return RefreshResult(run, len(new_rows), len(kept), new_run=True)


def stored_advice(
    engine: Engine,
    *,
    cooperative_id: str | None = None,
    scope: Scope | None = None,
    as_of: date | pd.Timestamp | None = None,
    run_id: int | None = None,
) -> StoredAdvice | None:
    """The stored advice of the cooperative (or the scope's fields of it): the newest run of
    `as_of`, or of run `run_id`, or without either the newest run of the latest date. None when
    there is no such run."""
    if run_id is not None:
        run = advice_store.run_by_id(engine, run_id)
    else:
        coop = scope.cooperative_id if scope is not None else None
        coop = coop or resolve_cooperative(engine, cooperative_id)
        day = None if as_of is None else pd.Timestamp(as_of).date()
        run = advice_store.latest_run(engine, coop, day)
    if run is None:
        return None
    rows = advice_store.run_rows(engine, run.run_id, scope)
    return StoredAdvice(run, advice_from_rows(rows))
