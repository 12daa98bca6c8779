"""Per-field advice for the pages: the stored advice run, never computed on page load.

Pages read the latest stored run of the data's reference date through
`agri_app.advice_service.stored_advice`, filtered to the scope's farms in SQL, the same rows
`agri advise` prints and the weekly report shows. After a change (a sensor upload in the app)
`start_refresh` runs `refresh_advice` in a background thread of the server; every page shows
its progress (`refresh_status`) and reads the new run when it is stored.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from agri_app.app import data
from pipelines.store.access import Scope

TRAIN_HINT = "No trained model in this workspace yet: run `agri train`, then reload this page."
NO_ADVICE_HINT = (
    "No stored advice yet: run `agri advise` (or `agri train`, which stores advice as it ends), "
    "then reload this page."
)
# Columns the pages read; the advice table may hold more.
STATUS_COLUMN = "status"


@dataclass(frozen=True)
class Advice:
    table: pd.DataFrame | None
    message: str = ""
    as_of: pd.Timestamp | None = None
    model_version: str = ""
    created_at: pd.Timestamp | None = None

    @property
    def available(self) -> bool:
        return self.table is not None


@st.cache_data(ttl=5, show_spinner=False)
def field_advice(scope: Scope) -> Advice:
    """The stored advice of the fields visible to `scope` (other farms' rows are never read)."""
    from agri_app.advice_service import stored_advice

    if not data.model_versions():
        return Advice(None, TRAIN_HINT)
    until = data.cooperative(scope)["data_until"]
    engine = data.engine()
    stored = stored_advice(engine, scope=scope, as_of=until) if until else None
    if stored is None:
        # No run for the data's date yet (say, a newer import is being refreshed): the newest.
        stored = stored_advice(engine, scope=scope)
    if stored is None:
        return Advice(None, NO_ADVICE_HINT)
    return Advice(
        stored.table,
        as_of=pd.Timestamp(stored.run.as_of),
        model_version=stored.run.model_version,
        created_at=pd.Timestamp(stored.run.created_at),
    )


def column(table: pd.DataFrame, *names: str) -> pd.Series:
    """The first of `names` present in `table`, else a column of NaN (the page shows '–')."""
    for name in names:
        if name in table.columns:
            return table[name]
    return pd.Series(float("nan"), index=table.index)


# ---- the background refresh


@dataclass
class RefreshJob:
    """One background refresh of stored advice (state shared with the server's threads)."""

    trigger: str
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int = 0
    message: str = "starting …"
    finished: bool = False
    error: str = ""


@dataclass
class RefreshJobs:
    """The refresh jobs of this server, one per cooperative at a time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: dict[str, RefreshJob] = field(default_factory=dict)


@st.cache_resource
def _jobs() -> RefreshJobs:
    return RefreshJobs()


def _run(job: RefreshJob, cooperative_id: str) -> None:
    from agri_app.advice_service import refresh_advice

    def progress(done: int, total: int, text: str) -> None:
        job.done, job.total, job.message = done, total, text

    try:
        result = refresh_advice(
            data.engine(),
            data.settings(),
            trigger=job.trigger,
            cooperative_id=cooperative_id,
            progress=progress,
        )
        job.message = (
            f"advice refreshed: {result.computed} field(s) recomputed, {result.reused} unchanged"
            if result.new_run
            else "advice is up to date: nothing changed"
        )
    except Exception as exc:  # shown on the page; the server keeps running
        job.error = f"{type(exc).__name__}: {exc}"
    finally:
        job.finished = True


def start_refresh(scope: Scope, trigger: str) -> bool:
    """Refresh the stored advice of the scope's cooperative in the background; False when a
    refresh of it is already running or there is no model to advise with."""
    if not data.model_versions():
        return False
    jobs = _jobs()
    with jobs.lock:
        running = jobs.jobs.get(scope.cooperative_id)
        if running is not None and not running.finished:
            return False
        job = RefreshJob(trigger)
        jobs.jobs[scope.cooperative_id] = job
    threading.Thread(
        target=_run, args=(job, scope.cooperative_id), name="advice-refresh", daemon=True
    ).start()
    return True


def refresh_status(scope: Scope) -> RefreshJob | None:
    return _jobs().jobs.get(scope.cooperative_id)


def refresh_banner(scope: Scope) -> None:
    """Progress of a running refresh of the scope's cooperative; nothing, and no periodic
    rerun, when there is none to watch."""
    job = refresh_status(scope)
    if job is None or (job.finished and st.session_state.get("_refresh_seen", True)):
        return
    _live_refresh_banner(scope)


@st.fragment(run_every=1.0)
def _live_refresh_banner(scope: Scope) -> None:
    """Redrawn every second while the refresh runs; when it ends, one rerun of the page shows
    the new advice (or the error, once)."""
    job = refresh_status(scope)
    if job is None:
        return
    if not job.finished:
        share = job.done / job.total if job.total else 0.0
        st.progress(share, text=f"Refreshing advice after the {job.trigger}: {job.message}")
        st.session_state["_refresh_seen"] = False
        return
    if job.error:  # shown until the page is run again
        st.session_state["_refresh_seen"] = True
        st.error(f"The advice refresh failed ({job.error}); `agri advise` shows the full error.")
        return
    if st.session_state.get("_refresh_seen", True):
        return  # this page has already been rerun for it
    st.session_state["_refresh_seen"] = True
    field_advice.clear()
    st.rerun(scope="app")
