"""`agri satellite ...`: pull per-field Sentinel-2 statistics into the workspace.

The satellite code (sentinelhub, requests, pandas, the workspace) is imported inside the
command, so registering it costs `agri --help` nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from agri_app.cli_options import WorkspaceOption
from agri_app.settings import Settings

if TYPE_CHECKING:
    from pipelines.sources.satellite.sources import SatelliteSource

satellite_app = typer.Typer(
    help="Sentinel-2 field statistics: fetch them from Sentinel Hub into the workspace.",
    no_args_is_help=True,
    add_completion=False,
)


class SourceName(StrEnum):
    sentinelhub = "sentinelhub"
    local = "local"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} {value!r} is not a date; write YYYY-MM-DD") from None


def _field_ids(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@satellite_app.command()
def fetch(
    workspace: WorkspaceOption = None,
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--fields",
            help="Field ids, comma-separated or repeated (default: every field).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="First day, YYYY-MM-DD (default: the earliest sowing date of the fields' "
            "latest seasons, else 1 January).",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Last day, YYYY-MM-DD (default: today, UTC).", show_default=False),
    ] = None,
    source: Annotated[
        SourceName | None,
        typer.Option(
            help="sentinelhub (needs SH_CLIENT_ID and SH_CLIENT_SECRET) or local (the satellite "
            "rows already imported from bundles). Default: sentinelhub when credentials are set.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Fetch per-field NDVI, NDRE and NDMI statistics for a period into the workspace.

    Answers are cached in the workspace: a month fetched once is read from disk afterwards.
    """
    from pipelines.sources.satellite.connection import (
        SentinelHubAuthError,
        SentinelHubConnection,
    )
    from pipelines.sources.satellite.fetch import (
        UnknownFieldsError,
        default_start,
        fetch_observations,
        load_fields,
    )
    from pipelines.sources.satellite.settings import (
        MissingCredentialsError,
        SentinelHubSettings,
        missing_credentials_message,
    )
    from pipelines.sources.satellite.sources import LocalSource, SentinelHubSource
    from pipelines.store import storage

    settings = Settings.from_env(workspace)
    try:
        sh_settings = SentinelHubSettings.from_env()
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if source is None and not sh_settings.has_credentials:
        raise _fail(missing_credentials_message())
    end = _parse_day(until, "--until") or datetime.now(UTC).date()
    start_given = _parse_day(since, "--since")

    engine = storage.open_workspace(settings.workspace)
    try:
        field_frame = load_fields(engine, _field_ids(fields))
    except UnknownFieldsError as exc:
        raise _fail(str(exc)) from None
    if field_frame.empty:
        raise _fail("the workspace has no fields; run `agri import BUNDLE` first")
    start = start_given or default_start(engine, list(field_frame["field_id"]), end)
    if end < start:
        raise _fail(f"--until {end} is before --since {start}")

    chosen: SatelliteSource
    try:
        if source is SourceName.local:
            chosen = LocalSource.from_workspace(engine)
        else:
            connection = SentinelHubConnection(sh_settings)
            chosen = SentinelHubSource(connection, settings.workspace.cache_dir / "sentinelhub")
    except MissingCredentialsError as exc:
        raise _fail(str(exc)) from None

    typer.echo(
        f"fetching {len(field_frame)} field(s) from {start} to {end} from {chosen.description}",
        err=True,
    )

    def progress(done: int, total: int) -> None:
        typer.echo(f"  {done}/{total} done", err=True)

    try:
        summary = fetch_observations(engine, chosen, field_frame, start, end, progress)
    except SentinelHubAuthError as exc:
        raise _fail(str(exc)) from None
    for line in summary.lines():
        typer.echo(line)
    if summary.fetched + summary.cached == 0 and summary.skipped:
        raise typer.Exit(1)
