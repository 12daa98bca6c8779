"""`agri report weekly`: the weekly advisory report of each farm (HTML and PDF) and the
cooperative summary, written under the workspace's reports folder and recorded in its
`reports` table, which is what the app's Reports page lists.

Files go to `<reports_dir>/<YYYY-Www>/` as `<YYYY-Www>_<farm_id>.html|.pdf|.json` and
`<YYYY-Www>_<cooperative_id>.html|.pdf`. The numbers come from the stored advice run of the
issue day (computed and stored first if missing), and "change since last week" from the stored
run of the issue day a week before, so the report, the app and `agri advise` agree.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agri_app.cli_models import _fail, _progress, load_data, open_engine, require_model
from agri_app.cli_options import CooperativeOption, WorkspaceOption
from agri_app.settings import Settings

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from agri_app.report import build
    from pipelines.store.loader import WorkspaceData

report_app = typer.Typer(
    help="Weekly advisory reports: per farm HTML and PDF, and a cooperative summary.",
    no_args_is_help=True,
    add_completion=False,
)


@report_app.callback()
def report_callback() -> None:
    """Weekly advisory reports: per farm HTML and PDF, and a cooperative summary."""


@dataclass(frozen=True)
class WrittenReports:
    files: list[Path]
    seconds_per_farm: dict[str, float]
    seconds_advice: float
    seconds_cooperative: float
    advice_run_id: int


def _sensor_daily(engine: Engine, data: WorkspaceData, week: build.ReportWeek) -> pd.DataFrame:
    from pipelines.sources.sensors.daily import read_daily_aggregates

    return read_daily_aggregates(
        engine,
        data.timezone,
        field_ids=list(data.fields["field_id"]),
        start=week.start.date(),
        end=week.issued.date(),
    )


def _previous_p50(engine: Engine, data: WorkspaceData, week: build.ReportWeek) -> dict[str, float]:
    """Last week's P50 per field, from the stored advice run of last week's issue day."""
    import pandas as pd

    from agri_app.advice_service import stored_advice

    before = stored_advice(
        engine,
        cooperative_id=data.cooperative_id,
        as_of=week.issued - pd.Timedelta(days=7),
    )
    if before is None:
        return {}
    p50 = before.table.set_index("field_id")["yield_p50_t_ha"].dropna()
    return {str(k): float(v) for k, v in p50.items()}


def write_reports(
    settings: Settings,
    engine: Engine,
    data: WorkspaceData,
    week: build.ReportWeek,
    farm_ids: list[str] | None = None,
    with_cooperative: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> WrittenReports:
    """The reports of `farm_ids` (all farms when None) from the stored advice of
    `week.issued`, each recorded in the workspace's reports table.

    `progress(done, total, next_step)` is called before each step (the advice, each farm, the
    cooperative summary) and once at the end with done == total: the app's progress bar."""
    from agri_app.advice_service import refresh_advice, stored_advice
    from agri_app.report import build, render
    from pipelines.store.reports import record_report

    names = data.farms.set_index("farm_id")["farm_name"].astype(str)
    chosen = sorted(names.index) if farm_ids is None else farm_ids
    steps = 1 + len(chosen) + int(with_cooperative)

    def step(done: int, text: str) -> None:
        if progress is not None:
            progress(done, steps, text)

    step(0, f"reading the stored advice of {week.issued:%Y-%m-%d}")
    started = time.perf_counter()
    run = refresh_advice(
        engine,
        settings,
        trigger="report",
        cooperative_id=data.cooperative_id,
        as_of=week.issued,
        data=data,
    ).run
    stored = stored_advice(engine, run_id=run.run_id)
    assert stored is not None
    advice = stored.table
    previous = _previous_p50(engine, data, week)
    sensor_daily = _sensor_daily(engine, data, week)
    seconds_advice = time.perf_counter() - started
    reports_root = settings.workspace.reports_dir
    folder = reports_root / week.label
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    timings: dict[str, float] = {}
    reports = []

    def record(owner_kind: str, owner_id: str, written: dict[str, Path]) -> None:
        record_report(
            engine,
            cooperative_id=data.cooperative_id,
            owner_kind=owner_kind,
            owner_id=owner_id,
            week=week.label,
            issued_date=week.issued.date(),
            files={k: p.relative_to(reports_root).as_posix() for k, p in written.items()},
            advice_run_id=run.run_id,
        )

    for done, farm_id in enumerate(chosen, start=1):
        step(done, f"writing the report of {names[farm_id]}")
        tic = time.perf_counter()
        report = build.farm_report(
            farm_id,
            str(names[farm_id]),
            data.cooperative_name,
            week,
            advice,
            data.fields,
            data.seasons,
            data.weather,
            data.forecast,
            data.satellite,
            data.devices,
            sensor_daily,
            previous,
        )
        html = render.farm_html(report)
        stem = folder / f"{week.label}_{farm_id}"
        written = {kind: stem.with_suffix(f".{kind}") for kind in ("html", "pdf", "json")}
        written["html"].write_text(html, encoding="utf-8")
        written["pdf"].write_bytes(render.pdf_bytes(html, week))
        written["json"].write_text(
            json.dumps(build.report_numbers(report), indent=1, sort_keys=True) + "\n"
        )
        record("farm", farm_id, written)
        files += list(written.values())
        timings[farm_id] = time.perf_counter() - tic
        reports.append(report)
    tic = time.perf_counter()
    if with_cooperative:
        step(steps - 1, f"writing the summary of {data.cooperative_name}")
        actions, outlook, quality = build.cooperative_tables(reports, data.fields)
        cooperative = data.cooperative_id
        html = render.cooperative_html(
            cooperative, data.cooperative_name, week, actions, outlook, quality
        )
        stem = folder / f"{week.label}_{cooperative}"
        written = {kind: stem.with_suffix(f".{kind}") for kind in ("html", "pdf")}
        written["html"].write_text(html, encoding="utf-8")
        written["pdf"].write_bytes(render.pdf_bytes(html, week))
        record("cooperative", cooperative, written)
        files += list(written.values())
    step(steps, "done")
    return WrittenReports(files, timings, seconds_advice, time.perf_counter() - tic, run.run_id)


@report_app.command("weekly")
def weekly_command(
    week: Annotated[
        str, typer.Option("--week", help="ISO week, YYYY-Www (e.g. 2026-W21).", show_default=False)
    ],
    farm: Annotated[
        list[str] | None,
        typer.Option("--farm", help="Only this farm (repeat for several).", show_default=False),
    ] = None,
    cooperative: CooperativeOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the weekly report of each farm (HTML and PDF) and the cooperative summary.

    The report of week W covers Monday to Sunday of W and is issued on the Monday after it; it
    shows the stored advice of that Monday (computed and stored first if missing). The
    cooperative summary is written unless only --farm is given.
    """
    from agri_app.report import build

    try:
        report_week = build.parse_week(week)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    settings = Settings.from_env(workspace)
    engine = open_engine(settings)
    data = load_data(engine, cooperative)
    problem = build.week_problem(report_week, data.reference_date)
    if problem:
        raise _fail(problem)
    known = set(data.farms["farm_id"].astype(str))
    unknown = sorted(set(farm or []) - known)
    if unknown:
        raise _fail(
            f"unknown farm(s) {', '.join(unknown)}; the cooperative has {', '.join(sorted(known))}"
        )
    require_model(settings)
    _progress(f"writing the reports of {week} ...")
    written = write_reports(
        settings,
        engine,
        data,
        report_week,
        farm_ids=sorted(farm) if farm else None,
        with_cooperative=not farm or cooperative is not None,
    )
    for path in written.files:
        typer.echo(str(path))
