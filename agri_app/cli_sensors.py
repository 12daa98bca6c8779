"""`agri sensors ...`: ingest sensor logs, download what was rejected, re-derive a device.

Registered on the main `agri` command by `app.add_typer(sensors_app, name="sensors")`. The
ingestion code (pandas, pyarrow, the workspace) is imported inside the commands, so registering
them costs `agri --help` nothing.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agri_app.cli_models import refresh_if_trained
from agri_app.cli_options import WorkspaceOption
from agri_app.settings import Settings

if TYPE_CHECKING:
    from pipelines.sources.sensors import IngestReport
    from pipelines.sources.sensors.reprocess import ReprocessReport

sensors_app = typer.Typer(
    help="Sensor logs: ingest vendor exports into the workspace, download rejected rows.",
    no_args_is_help=True,
    add_completion=False,
)


class LogFormat(StrEnum):
    auto = "auto"
    zentra = "zentra"
    long = "long"
    wide = "wide"
    sentek = "sentek"
    davis = "davis"
    hobo = "hobo"
    toa5 = "toa5"
    ambient = "ambient"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


class _Progress:
    """Progress on stderr: one line per stage, and storage progress in tenths."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.reported: set[tuple[str, int]] = set()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "store" and done < total and total < 100_000:
            return  # small uploads finish before anyone would read a progress line
        tenth = 10 * done // total if total else 10
        if (stage, tenth) in self.reported:
            return
        self.reported.add((stage, tenth))
        elapsed = time.perf_counter() - self.started
        if stage == "read":
            typer.echo(f"  read {total / 1e6:.1f} MB ({elapsed:.1f} s)", err=True)
        elif stage == "check":
            typer.echo(f"  checked {total:,} readings ({elapsed:.1f} s)", err=True)
        else:
            typer.echo(f"  {stage} {done:,}/{total:,} ({elapsed:.1f} s)", err=True)


def print_report(report: IngestReport) -> None:
    """The readable summary of an upload."""
    typer.echo(f"{report.file_name}  ({report.format}, {report.encoding or 'unread'})")
    typer.echo(f"  sha256     {report.file_sha256}")
    if report.status == "skipped":
        typer.echo("  already ingested with the same device registry: nothing to do")
        return
    if report.status == "rejected":
        typer.echo(f"  REJECTED   {report.rejected} line(s) not ingested")
        for problem in report.problems:
            typer.echo(f"    - {problem}")
        if report.quarantined:
            typer.echo(
                f"  see the rejected rows: agri sensors quarantine --upload {report.upload_id}"
            )
        return
    typer.echo(f"  accepted   {report.accepted:>10,}")
    typer.echo(f"  duplicate  {report.duplicate:>10,}  (already stored or repeated in the file)")
    typer.echo(f"  rejected   {report.rejected:>10,}  (kept in quarantine with their reasons)")
    flags = ", ".join(f"{name} {count:,}" for name, count in report.flag_counts.items())
    typer.echo(f"  flagged    {report.flagged:>10,}" + (f"  ({flags})" if flags else ""))
    if report.reflagged:
        typer.echo(f"  re-flagged {report.reflagged:>10,}  stored readings next to the new ones")
    if report.first_ts:
        typer.echo(f"  period     {report.first_ts} to {report.last_ts}")
    if report.devices:
        typer.echo(f"  devices    {', '.join(report.devices)}")
    if report.empty_cells:
        typer.echo(f"  empty      {report.empty_cells:,} cells without a value (no reading)")
    if report.ignored_columns:
        typer.echo(f"  ignored    {', '.join(report.ignored_columns)}")
    for note in report.notes:
        typer.echo(f"  note       {note}")
    for warning in report.warnings:
        typer.secho(f"  WARNING    {warning}", fg=typer.colors.YELLOW)
    if report.quarantined:
        typer.echo(f"  see the rejected rows: agri sensors quarantine --upload {report.upload_id}")
    typer.echo(f"  upload #{report.upload_id} in {report.seconds:.1f} s")


@sensors_app.command("ingest")
def ingest_command(
    file: Annotated[Path, typer.Argument(help="The sensor log (CSV export).")],
    format: Annotated[
        LogFormat, typer.Option("--format", help="Layout of the file (auto: detect it).")
    ] = LogFormat.auto,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="Mapping file of a wide CSV (docs/sensor-formats.md)."),
    ] = None,
    workspace: WorkspaceOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="Who uploads (default: the login name).")
    ] = None,
    device: Annotated[
        str | None,
        typer.Option("--device", help="Device id, for files that do not name their logger."),
    ] = None,
    devices: Annotated[
        Path | None,
        typer.Option(
            "--devices",
            help="A devices.csv to use instead of the workspace's registered devices.",
        ),
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh/--no-refresh",
            help="Refresh the stored advice after accepted readings (needs a trained model).",
        ),
    ] = True,
) -> None:
    """Ingest one sensor log; prints accepted / duplicate / rejected / flagged counts.

    Re-sending the same or an overlapping file adds nothing twice. Rows that cannot be read
    are kept in quarantine with their reasons; a file that cannot be read at all is rejected
    with the fix (exit code 2). When readings were accepted and a model is trained, the stored
    advice is then refreshed (progress on stderr).
    """
    from pipelines.sources.sensors import ingest_file
    from pipelines.store import storage
    from pipelines.tables import InputError

    if not file.is_file():
        raise _fail(f"no file at {file}; pass the path of a sensor log (CSV)")
    if mapping is not None and not mapping.is_file():
        raise _fail(f"no mapping file at {mapping}")
    if devices is not None and not devices.is_file():
        raise _fail(f"no devices file at {devices}")
    settings = Settings.from_env(workspace)
    try:
        engine = storage.open_workspace(settings.workspace)
    except storage.WorkspaceError as exc:
        raise _fail(str(exc)) from None
    registry = None
    if devices is not None:
        # The file stands in for the registry during this upload, checked like the registry:
        # its fields must be the workspace's, its clocks must parse, its rows must agree.
        from pipelines.store.devices import check_devices_file

        try:
            registry = check_devices_file(engine, devices)
        except InputError as exc:
            engine.dispose()
            raise _fail(
                f"{devices.name} cannot be used as the device registry: "
                + "; ".join(str(p) for p in exc.problems)
            ) from None
    typer.echo(f"ingesting {file} into {settings.workspace.root} ...", err=True)
    try:
        report = ingest_file(
            engine,
            settings.workspace,
            file,
            format=format.value,
            mapping=mapping,
            uploaded_by=user,
            device_id=device,
            devices=registry,
            progress=_Progress(),
        )
    except InputError as exc:
        raise _fail(str(exc).replace("\n", " ")) from None
    finally:
        engine.dispose()
    if json_output:
        typer.echo(report.to_json())
    else:
        print_report(report)
    if report.status == "rejected":
        reason = report.problems[0] if report.problems else "the file could not be read"
        raise _fail(f"{file.name} was rejected: {reason}")
    if refresh and report.accepted:
        refresh_if_trained(settings, "upload", None)


def print_reprocess(report: ReprocessReport) -> None:
    """The readable summary of a reprocess."""
    typer.echo(f"device {report.device_id}: {len(report.uploads)} upload(s) read again")
    for upload in report.uploads:
        typer.echo(
            f"  #{upload.upload_id:<5} {upload.file_name} ({upload.format}): "
            f"{upload.readings:,} readings: {upload.accepted:,} stored, "
            f"{upload.duplicate:,} duplicate, {upload.quarantined:,} quarantined"
        )
    typer.echo(f"  readings     {report.readings_before:>10,} -> {report.readings_after:,}")
    typer.echo(f"  quarantined  {report.quarantined_before:>10,} -> {report.quarantined_after:,}")
    for note in report.notes:
        typer.echo(f"  note         {note}")
    for warning in report.warnings:
        typer.secho(f"  WARNING      {warning}", fg=typer.colors.YELLOW)
    if not report.changed:
        typer.echo("  no change: the stored readings already follow the registry")
        return
    typer.echo(
        f"  replaced     {report.removed:,} reading(s) by {report.added:,}; "
        f"{report.unchanged:,} unchanged"
    )
    typer.echo(f"  logged as upload #{report.upload_id} in {report.seconds:.1f} s")


@sensors_app.command("reprocess")
def reprocess_command(
    device: Annotated[
        str, typer.Option("--device", help="The device whose readings to derive again.")
    ],
    workspace: WorkspaceOption = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Who asks (default: the login name).")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh/--no-refresh",
            help="Refresh the stored advice when readings changed (needs a trained model).",
        ),
    ] = True,
) -> None:
    """Derive a device's readings again from its archived uploads, with the registry as it is.

    Run it after changing an installation's clock, dates, field or depth: the device's stored
    readings and quarantined rows are replaced by what its uploads give under the current
    registry (nothing lost, nothing doubled), and the upload log records it. Running it again
    changes nothing. Other devices are not touched.
    """
    from pipelines.sources.sensors.reprocess import reprocess_device
    from pipelines.store import storage
    from pipelines.tables import InputError

    settings = Settings.from_env(workspace)
    try:
        engine = storage.open_workspace(settings.workspace)
    except storage.WorkspaceError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"re-deriving device {device} in {settings.workspace.root} ...", err=True)

    def progress(done: int, total: int, what: str) -> None:
        typer.echo(f"  {done}/{total} {what}", err=True)

    try:
        report = reprocess_device(
            engine,
            settings.workspace,
            device,
            by=user or _login_name(),
            progress=progress,
        )
    except InputError as exc:
        raise _fail("; ".join(str(p) for p in exc.problems)) from None
    finally:
        engine.dispose()
    if json_output:
        typer.echo(report.to_json())
    else:
        print_reprocess(report)
    if refresh and report.changed:
        refresh_if_trained(settings, "reprocess", None)


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@sensors_app.command("quarantine")
def quarantine_command(
    upload: Annotated[
        int | None, typer.Option("--upload", help="Only this upload (default: all).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the CSV here (default: standard output).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Download rejected rows with their line, reason and raw text as CSV."""
    from pipelines.sources.sensors import read_quarantine
    from pipelines.store import storage

    settings = Settings.from_env(workspace)
    engine = storage.open_workspace(settings.workspace)
    try:
        rows = read_quarantine(engine, upload)
    finally:
        engine.dispose()
    if out is None:
        rows.to_csv(sys.stdout, index=False)
    else:
        rows.to_csv(out, index=False)
        typer.echo(f"wrote {len(rows)} rejected row(s) to {out}", err=True)


@sensors_app.command("uploads")
def uploads_command(workspace: WorkspaceOption = None) -> None:
    """List the upload log: who sent which file when, and what became of it."""
    from pipelines.sources.sensors import read_uploads
    from pipelines.store import storage

    settings = Settings.from_env(workspace)
    engine = storage.open_workspace(settings.workspace)
    try:
        log = read_uploads(engine)
    finally:
        engine.dispose()
    if log.empty:
        typer.echo("no uploads yet")
        return
    for row in log.itertuples(index=False):
        typer.echo(
            f"#{row.upload_id:<5} {str(row.uploaded_at)[:19]}  {row.uploaded_by:<12} "
            f"{row.status:<8} {row.message}"
        )
