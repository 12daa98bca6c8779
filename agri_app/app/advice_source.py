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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from agri_app.app import data
from agri_app.settings import Settings
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


# ---- the stored advice in the pages' words

# One stored advice row, as `DataFrame.to_dict` gives it.
AdviceRow = Mapping[Any, Any]
FIELD_MEAN = "field mean"
FIELD_MEAN_NOTE = "no better than this field's average"


def as_number(value: Any) -> float | None:
    """`value` as a float, None when missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else number


def reason_list(row: AdviceRow) -> list[str]:
    """The stored reasons of one advice row, one per item (the drivers listed apart)."""
    reasons = row.get("reasons")
    if not isinstance(reasons, str) or not reasons:
        return []
    out = []
    for reason in reasons.split(" | "):
        reason = reason.split("; drivers:")[0]
        if reason and not reason.startswith("drivers:"):
            out.append(reason)
    return out


@dataclass(frozen=True)
class NitrogenText:
    """What the N card says: a headline (the metric) and the one stored reason about N."""

    headline: str
    detail: str
    advised: bool


def nitrogen_text(row: AdviceRow) -> NitrogenText:
    """The N advice of a stored row in one consistent statement.

    The stored reasons hold exactly one sentence about N ("apply … now", "no N advice …" or
    "no more N: …"); the headline follows it, so a "no N advice" never stands next to a
    recommended season total (the total is part of the "apply" sentence only)."""
    rate = as_number(row.get("n_rate_now_kg_ha"))
    about_n = [
        r
        for r in reason_list(row)
        if (r.startswith("apply ") and "kg N/ha" in r) or r.startswith(("no N advice", "no more N"))
    ]
    detail = about_n[0] if about_n else ""
    if detail.startswith("no N advice"):
        return NitrogenText("no advice", detail, False)
    if rate is None:
        return NitrogenText("-", detail, False)
    return NitrogenText(f"{rate:.0f} kg N/ha", detail, rate > 0)


def action_text(row: AdviceRow) -> str:
    """The overview's "to do" cell: what to do this week, "nothing" or "-" (no advice)."""
    status = row.get("status")
    if not isinstance(status, str) or status in ("no-season", "no-model"):
        return "-"
    todo = []
    rate = as_number(row.get("n_rate_now_kg_ha"))
    if rate is not None and rate > 0:
        todo.append(f"apply {rate:.0f} kg N/ha")
    mm = as_number(row.get("irrigation_mm"))
    if mm is not None and mm > 0:
        when = row.get("irrigation_date")
        by = f" by {pd.Timestamp(when):%d %b}" if when is not None and pd.notna(when) else ""
        todo.append(f"irrigate {mm:.0f} mm{by}")
    if not todo:
        return "watch" if status == "watch" else "nothing to do"
    return "; ".join(todo)


def yield_text(row: AdviceRow) -> str:
    """ "7.8 t/ha (6.9–8.6)", with "(field mean)" when the model is no better than the field's
    own average at this stage; "-" without a forecast."""
    p50 = as_number(row.get("yield_p50_t_ha"))
    if p50 is None:
        return "-"
    p10, p90 = as_number(row.get("yield_p10_t_ha")), as_number(row.get("yield_p90_t_ha"))
    text = f"{p50:.1f}"
    if p10 is not None and p90 is not None:
        text += f" ({p10:.1f}–{p90:.1f})"
    if row.get("yield_source") == FIELD_MEAN:
        text += f": {FIELD_MEAN_NOTE}"
    return text


def assumptions(
    row: AdviceRow, crop: AdviceRow | None, settings: Settings
) -> list[tuple[str, str]]:
    """(what, value) pairs behind one field's advice: the stored row's own numbers, the crop
    table's prices and caps and the settings' N price and irrigation system."""

    def fmt(value: object, pattern: str, missing: str = "-") -> str:
        number = as_number(value)
        return missing if number is None else pattern.format(number)

    crop = crop or {}
    cap = settings.n_cap_kg_ha
    items = [
        (
            "Advice date",
            f"{pd.Timestamp(row['as_of']):%d %b %Y}" if pd.notna(row.get("as_of")) else "-",
        ),
        (
            "Yield forecast from",
            "this field's own mean yield (the model did not beat it on held-out seasons at "
            "this stage)"
            if row.get("yield_source") == FIELD_MEAN
            else "the yield model (80 % interval: P10–P90)",
        ),
        ("Yield moisture basis", fmt(row.get("yield_moisture_pct"), "{:.1f} %")),
        ("Season's thermal time so far", fmt(row.get("season_progress_pct"), "{:.0f} %")),
        ("Grain price", fmt(crop.get("grain_price_eur_t"), "{:.0f} EUR/t")),
        ("Nitrogen price", f"{settings.n_price_eur_per_kg_n:.2f} EUR/kg N"),
        ("N already applied this season", fmt(row.get("n_applied_kg_ha"), "{:.0f} kg N/ha")),
        ("Crop's N maximum per season", fmt(crop.get("n_max_kg_ha"), "{:.0f} kg N/ha")),
        ("Regulatory N cap", "none set" if cap is None else f"{cap:.0f} kg N/ha"),
        ("Largest single N dose", fmt(crop.get("n_max_single_dose_kg_ha"), "{:.0f} kg N/ha")),
        (
            "N pays until",
            fmt(crop.get("n_last_useful_progress"), "{:.0%} of the season's thermal time"),
        ),
        ("Irrigation application efficiency", f"{settings.irrigation_efficiency:.0%}"),
        ("Largest irrigation pass", f"{settings.irrigation_max_mm:.0f} mm"),
        ("Irrigation cost", f"{settings.irrigation_cost_eur_per_mm_ha:.2f} EUR/mm/ha"),
        (
            "Smallest yield at stake worth irrigating",
            f"{settings.irrigation_min_yield_at_stake_t_ha:.2f} t/ha",
        ),
        ("Rain expected within", f"{settings.irrigation_rain_window_days} days counts"),
    ]
    return items
