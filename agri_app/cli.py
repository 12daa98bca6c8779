"""The `agri` command line: the front door for everything that is not a screen."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agri_app.cli_devices import devices_app
from agri_app.cli_models import (
    advise_command,
    evaluate_command,
    refresh_if_trained,
    train_command,
)
from agri_app.cli_options import WorkspaceOption
from agri_app.cli_report import report_app
from agri_app.cli_satellite import satellite_app
from agri_app.cli_sensors import sensors_app
from agri_app.cli_users import users_app
from agri_app.cli_weather import weather_app
from agri_app.settings import SAMPLE_BUNDLE, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipelines.sources.bundle import Bundle
    from pipelines.store.importer import ImportReport
    from pipelines.store.storage import Workspace

app = typer.Typer(
    help="Field sensing and yield advisory: import farm data, build the workspace, serve the app.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(satellite_app, name="satellite")
app.add_typer(sensors_app, name="sensors")
app.add_typer(devices_app, name="devices")
app.add_typer(users_app, name="users")
app.add_typer(report_app, name="report")
app.add_typer(weather_app, name="weather")
app.command("train")(train_command)
app.command("advise")(advise_command)
app.command("evaluate")(evaluate_command)

APP_SCRIPT = Path(__file__).resolve().parent / "app" / "main.py"


def _fail(message: str, details: str | None = None, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    if details:
        typer.echo(details, err=True)
    return typer.Exit(code)


def _print_report(report: ImportReport) -> None:
    width = max(len(name) for name in report.tables)
    typer.echo(f"{'table':<{width}}  {'added':>7}  {'updated':>7}  {'unchanged':>9}")
    for name, counts in report.tables.items():
        typer.echo(
            f"{name:<{width}}  {counts.added:>7}  {counts.updated:>7}  {counts.unchanged:>9}"
        )
    typer.echo(
        f"files: {report.files_archived} archived, {report.files_known} already in the archive"
    )
    typer.echo("the workspace changed" if report.changed else "nothing changed (already imported)")


def _import(settings: Settings, bundle_dir: Path, allow_older: bool = False) -> ImportReport:
    from pipelines.sources.bundle import read_bundle
    from pipelines.store import storage
    from pipelines.store.importer import ConflictError, import_bundle
    from pipelines.tables import InputError

    typer.echo(f"reading bundle {bundle_dir} ...", err=True)
    try:
        bundle = read_bundle(bundle_dir)
    except InputError as exc:
        raise _fail(
            f"the bundle has {len(exc.problems)} problem(s); fix them and import again",
            str(exc),
        ) from None
    workspace = settings.workspace
    try:
        engine = storage.open_workspace(workspace)
        typer.echo(
            f"importing into {workspace.root} ({engine.url.render_as_string()}) ...", err=True
        )
        report = import_bundle(engine, bundle, workspace, allow_older=allow_older)
    except (ConflictError, storage.WorkspaceError) as exc:
        raise _fail(str(exc)) from None
    if bundle.sensor_logs:
        _ingest_sensor_logs(engine, workspace, bundle)
    return report


def _ingest_sensor_logs(engine: Engine, workspace: Workspace, bundle: Bundle) -> None:
    """Parse the bundle's raw sensor logs into readings (a log seen before is skipped)."""
    from pipelines.sources.sensors.ingest import ingest_bundle_sensors

    typer.echo(f"ingesting {len(bundle.sensor_logs)} sensor log(s) ...", err=True)
    reports = ingest_bundle_sensors(engine, workspace, bundle)
    totals = {
        k: sum(getattr(r, k) for r in reports)
        for k in ("accepted", "duplicate", "rejected", "flagged")
    }
    skipped = sum(r.status == "skipped" for r in reports)
    refused = [r for r in reports if r.status == "rejected"]
    typer.echo(
        f"sensor logs: {len(reports) - skipped} ingested, {skipped} seen before; readings "
        + ", ".join(f"{v} {k}" for k, v in totals.items()),
        err=True,
    )
    for r in refused:
        typer.echo(f"  rejected {r.file_name}: see `agri sensors quarantine`", err=True)


@app.command("import")
def import_command(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder (docs/bundle-format.md).")],
    workspace: WorkspaceOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    allow_older: Annotated[
        bool,
        typer.Option(help="Import a bundle older than one already imported (rolls back rows)."),
    ] = False,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh/--no-refresh",
            help="Refresh the stored advice of the fields whose data changed (needs a model).",
        ),
    ] = True,
) -> None:
    """Load a farm data bundle into the workspace. Importing the same bundle twice changes
    nothing; a newer bundle adds its new rows and updates changed ones. When a model is trained,
    the stored advice of the fields whose data changed is then refreshed."""
    settings = Settings.from_env(workspace)
    report = _import(settings, bundle, allow_older)
    if json_output:
        typer.echo(report.to_json())
    else:
        _print_report(report)
    if refresh:
        refresh_if_trained(settings, "import", report.cooperative_id)


@app.command()
def status(workspace: WorkspaceOption = None) -> None:
    """Show what the workspace holds."""
    from pipelines.store import storage

    settings = Settings.from_env(workspace)
    engine = storage.open_workspace(settings.workspace)
    typer.echo(f"workspace {settings.workspace.root.resolve()}")
    for name, count in storage.table_counts(engine).items():
        typer.echo(f"  {name:<24} {count:>9}")


@app.command()
def serve(
    workspace: WorkspaceOption = None,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Start the Streamlit app on the workspace (until Ctrl-C)."""
    from pipelines.store import storage

    settings = Settings.from_env(workspace)
    storage.open_workspace(settings.workspace)
    _serve(settings, port, address)


def _serve(settings: Settings, port: int, address: str) -> None:
    env = {
        **os.environ,
        "AGRI_WORKSPACE": str(settings.workspace.root.resolve()),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    if settings.database_url:
        env["AGRI_DATABASE_URL"] = settings.database_url
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    typer.echo(f"serving the app on http://{address}:{port} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(command, env=env, check=False)


def _demo_users(settings: Settings) -> None:
    """One user per role for the sample cooperative (idempotent: existing users are kept)."""
    import sqlalchemy as sa

    from pipelines.store import access, schema, storage

    engine = storage.open_workspace(settings.workspace)
    with engine.connect() as conn:
        first = conn.execute(
            sa.select(schema.farms.c.cooperative_id, schema.farms.c.farm_id)
            .order_by(schema.farms.c.cooperative_id, schema.farms.c.farm_id)
            .limit(1)
        ).first()
    if first is None:
        return
    cooperative_id, farm_id = first
    typer.echo("demo users (sign in to the app with one of these):")
    for username, role in (("admin", "admin"), ("agronomist", "agronomist"), ("member", "member")):
        if access.user_exists(engine, username):
            typer.echo(f"  {username:<11} ({role}): exists already; password unchanged")
            continue
        password = access.generate_password()
        farms = (farm_id,) if role == "member" else ()
        access.add_user(engine, username, password, role, cooperative_id, farms)
        where = f"farm {farm_id}" if farms else f"cooperative {cooperative_id}"
        typer.echo(f"  {username:<11} ({role}, {where}): password {password}")


@app.command()
def demo(
    workspace: WorkspaceOption = None,
    bundle: Annotated[
        Path, typer.Option(help="Bundle to import (default: the embedded sample cooperative).")
    ] = SAMPLE_BUNDLE,
    serve_app: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the app when done.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port for the app.")] = 8501,
) -> None:
    """Build the workspace from the sample data, train, and serve the app."""
    if not bundle.is_dir():
        raise _fail(
            f"no bundle at {bundle}; pass --bundle DIR (the sample data ship in the "
            "repository's sample_data/demo)"
        )
    settings = Settings.from_env(workspace)
    typer.echo("step 1/3: import the sample cooperative")
    report = _import(settings, bundle)
    _print_report(report)
    _demo_users(settings)
    # Imported here: the model modules load LightGBM, which the other commands do not need.
    from agri_app.cli_models import (
        SKILL_NOTE,
        current_model_matches,
        format_skill_table,
        load_data,
        open_engine,
        refresh_stored_advice,
        train_models,
    )

    engine = open_engine(settings)
    data = load_data(engine, report.cooperative_id)
    trained_on_this = current_model_matches(settings, data)
    if trained_on_this is not None:
        typer.echo(
            f"step 2/3: train the models: skipped, model {trained_on_this} was trained on "
            "exactly this data, code and settings (delete its folder under models/ to retrain)"
        )
    else:
        typer.echo("step 2/3: train the models (held-out skill against naive baselines)")
        try:
            trained = train_models(settings, data, engine)
        except ValueError as exc:
            typer.echo(f"step 2/3: train the models: not available yet ({exc})")
        else:
            typer.echo(format_skill_table(trained.model.skill))
            typer.echo(SKILL_NOTE)
            typer.echo(f"model {trained.version} saved ({trained.seconds:.0f} s)")
    refresh_stored_advice(engine, settings, "demo", data.cooperative_id, data)
    if serve_app:
        typer.echo("step 3/3: serve the app")
        _serve(settings, port, "127.0.0.1")
    else:
        typer.echo("step 3/3: serve the app: skipped (--no-serve); run `agri serve` to start it")


if __name__ == "__main__":  # pragma: no cover
    app()
