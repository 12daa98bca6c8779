"""`agri report weekly`: the weekly advisory report of each farm (HTML and PDF) and the
cooperative summary, written under the workspace's reports folder.

Files go to `<reports_dir>/<YYYY-Www>/` as `<YYYY-Www>_<farm_id>.html|.pdf|.json` and
`<YYYY-Www>_<cooperative_id>.html|.pdf`, the names the app's Reports page scopes by. The JSON
holds the numbers next week's report compares against.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from agri_app.advice import build_advice
from agri_app.cli_models import BundleOption, _fail, _load_model, _progress, _read, _sources
from agri_app.cli_options import WorkspaceOption
from agri_app.report import build, render
from agri_app.settings import SAMPLE_BUNDLE, Settings
from models.yield_model import YieldModel
from pipelines.sources.bundle import Bundle
from pipelines.sources.sensors.daily import read_daily_aggregates
from pipelines.store import storage

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


def _sensor_daily(settings: Settings, bundle: Bundle, week: build.ReportWeek) -> pd.DataFrame:
    engine = storage.open_workspace(settings.workspace)
    try:
        return read_daily_aggregates(
            engine,
            bundle.manifest.timezone,
            field_ids=list(bundle.fields["field_id"]),
            start=week.start.date(),
            end=week.issued.date(),
        )
    finally:
        engine.dispose()


def _previous_numbers(folder: Path, week: build.ReportWeek, farm_id: str) -> dict[str, object]:
    path = folder / week.previous / f"{week.previous}_{farm_id}.json"
    if not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text())
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def write_reports(
    settings: Settings,
    bundle: Bundle,
    model: YieldModel,
    week: build.ReportWeek,
    farm_ids: list[str] | None = None,
    with_cooperative: bool = True,
) -> WrittenReports:
    """Advice as of `week.issued` and the reports of `farm_ids` (all farms when None)."""
    started = time.perf_counter()
    advice = build_advice(
        _sources(settings, bundle),
        bundle.stations,
        bundle.forecast,
        model,
        settings,
        week.issued,
    )
    sensor_daily = _sensor_daily(settings, bundle, week)
    seconds_advice = time.perf_counter() - started
    reports_root = settings.workspace.reports_dir
    folder = reports_root / week.label
    folder.mkdir(parents=True, exist_ok=True)
    names = bundle.farms.set_index("farm_id")["farm_name"].astype(str)
    chosen = sorted(names.index) if farm_ids is None else farm_ids
    files: list[Path] = []
    timings: dict[str, float] = {}
    reports = []
    for farm_id in chosen:
        tic = time.perf_counter()
        report = build.farm_report(
            farm_id,
            str(names[farm_id]),
            bundle.manifest.cooperative_name,
            week,
            advice,
            bundle.fields,
            bundle.seasons,
            bundle.weather,
            bundle.forecast,
            bundle.satellite,
            bundle.devices,
            sensor_daily,
            build.previous_p50(_previous_numbers(reports_root, week, farm_id)),
        )
        html = render.farm_html(report)
        stem = folder / f"{week.label}_{farm_id}"
        stem.with_suffix(".html").write_text(html, encoding="utf-8")
        stem.with_suffix(".pdf").write_bytes(render.pdf_bytes(html, week))
        stem.with_suffix(".json").write_text(
            json.dumps(build.report_numbers(report), indent=1, sort_keys=True) + "\n"
        )
        files += [stem.with_suffix(s) for s in (".html", ".pdf", ".json")]
        timings[farm_id] = time.perf_counter() - tic
        reports.append(report)
    tic = time.perf_counter()
    if with_cooperative:
        actions, outlook, quality = build.cooperative_tables(reports, bundle.fields)
        cooperative = bundle.manifest.cooperative_id
        html = render.cooperative_html(
            cooperative, bundle.manifest.cooperative_name, week, actions, outlook, quality
        )
        stem = folder / f"{week.label}_{cooperative}"
        stem.with_suffix(".html").write_text(html, encoding="utf-8")
        stem.with_suffix(".pdf").write_bytes(render.pdf_bytes(html, week))
        files += [stem.with_suffix(".html"), stem.with_suffix(".pdf")]
    return WrittenReports(files, timings, seconds_advice, time.perf_counter() - tic)


@report_app.command("weekly")
def weekly_command(
    week: Annotated[
        str, typer.Option("--week", help="ISO week, YYYY-Www (e.g. 2026-W21).", show_default=False)
    ],
    farm: Annotated[
        list[str] | None,
        typer.Option("--farm", help="Only this farm (repeat for several).", show_default=False),
    ] = None,
    cooperative: Annotated[
        str | None,
        typer.Option(
            "--cooperative",
            help="Cooperative id; the summary is written unless only --farm is given.",
            show_default=False,
        ),
    ] = None,
    workspace: WorkspaceOption = None,
    bundle: BundleOption = SAMPLE_BUNDLE,
) -> None:
    """Write the weekly report of each farm (HTML and PDF) and the cooperative summary.

    The report of week W covers Monday to Sunday of W and is issued on the Monday after it; the
    advice is computed as of that Monday.
    """
    try:
        report_week = build.parse_week(week)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    settings = Settings.from_env(workspace)
    data = _read(bundle)
    reference = pd.Timestamp(data.manifest.reference_date)
    if report_week.issued > reference:
        raise _fail(
            f"the report of {week} is issued on {report_week.issued:%Y-%m-%d}, after the "
            f"bundle's reference date {reference:%Y-%m-%d}; pick an earlier week"
        )
    if cooperative is not None and cooperative != data.manifest.cooperative_id:
        raise _fail(
            f"--cooperative {cooperative} is not the bundle's cooperative "
            f"({data.manifest.cooperative_id})"
        )
    known = set(data.farms["farm_id"].astype(str))
    unknown = sorted(set(farm or []) - known)
    if unknown:
        raise _fail(
            f"unknown farm(s) {', '.join(unknown)}; the bundle has {', '.join(sorted(known))}"
        )
    model = _load_model(settings)
    _progress(f"writing the reports of {week} ...")
    written = write_reports(
        settings,
        data,
        model,
        report_week,
        farm_ids=sorted(farm) if farm else None,
        with_cooperative=not farm or cooperative is not None,
    )
    for path in written.files:
        typer.echo(str(path))
