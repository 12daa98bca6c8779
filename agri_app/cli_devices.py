"""`agri devices ...`: the device registry (which logger port sits in which field).

Registered on the main `agri` command by `app.add_typer(devices_app, name="devices")`. The
workspace code is imported inside the commands, so registering them costs `agri --help` nothing.
Every change goes through `pipelines.store.devices`, which checks it against the workspace.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agri_app.cli_models import refresh_if_trained
from agri_app.cli_options import CooperativeOption, WorkspaceOption
from agri_app.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipelines.store.devices import RegistryChange

devices_app = typer.Typer(
    help="The device registry: which logger port is installed in which field, at which depth.",
    no_args_is_help=True,
    add_completion=False,
)
# The trigger recorded with the advice refreshed after a change of the registry.
TRIGGER = "device registration"

RefreshOption = Annotated[
    bool,
    typer.Option(
        "--refresh/--no-refresh",
        help="Refresh the stored advice after a change (needs a trained model).",
    ),
]


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{option} '{text}' is not a date; write YYYY-MM-DD") from None


def _open(workspace: Path | None, cooperative: str | None) -> tuple[Settings, Engine, str]:
    from pipelines.store import devices, storage
    from pipelines.tables import InputError

    settings = Settings.from_env(workspace)
    try:
        engine = storage.open_workspace(settings.workspace)
        coop = devices.cooperative_of(engine, cooperative)
    except storage.WorkspaceError as exc:
        raise _fail(str(exc)) from None
    except InputError as exc:
        raise _fail(exc.problems[0].message) from None
    return settings, engine, coop


def _refused(exc: Exception) -> typer.Exit:
    """The registry refused a change: every problem on its own line, then exit 2."""
    from pipelines.tables import InputError

    if isinstance(exc, InputError):
        count = len(exc.problems)
        typer.secho(
            f"error: the device registry was not changed: {count} problem(s) to fix",
            err=True,
            fg=typer.colors.RED,
        )
        for problem in exc.problems:
            typer.echo(f"  - {problem}", err=True)
        return typer.Exit(2)
    return _fail(str(exc))


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _report(change: RegistryChange, settings: Settings, coop: str, refresh: bool) -> None:
    """What changed; then the readings the change affects are derived again, and the stored
    advice refreshed. Exit 1 when a device's readings could not be derived again."""
    for inst in change.added:
        typer.echo(f"registered {inst.describe()}")
    for inst in change.updated:
        typer.echo(f"updated    {inst.describe()}")
    if change.unchanged:
        typer.echo(f"{change.unchanged} installation(s) already registered as given: unchanged")
    if not change.changed:
        typer.echo("nothing changed")
    for note in change.notes:
        typer.echo(f"note: {note}")
    failed: tuple[tuple[str, str], ...] = ()
    if change.reprocess:
        from agri_app.cli_sensors import print_reprocess
        from pipelines.store import devices, storage

        typer.echo(
            f"deriving the readings of {', '.join(change.reprocess)} again from their uploads ...",
            err=True,
        )
        engine = storage.open_workspace(settings.workspace)
        try:
            done = devices.rederive_readings(engine, settings.workspace, change, by=_login_name())
        finally:
            engine.dispose()
        for report in done.reports:
            print_reprocess(report)
        failed = done.failed
    if change.changed and refresh:
        refresh_if_trained(settings, TRIGGER, coop)
    if failed:
        for device, why in failed:
            typer.secho(
                f"error: the readings of device {device} were not derived again: {why}",
                err=True,
                fg=typer.colors.RED,
            )
        raise typer.Exit(1)


@devices_app.command("add")
def add_command(
    device: Annotated[str, typer.Argument(help="Logger serial as in its exports (e.g. z6-10234).")],
    port: Annotated[int, typer.Option("--port", help="Logger port of the probe (0: a station).")],
    field: Annotated[str, typer.Option("--field", help="Field id the probe is in.")],
    depth_cm: Annotated[
        float, typer.Option("--depth-cm", help="Probe depth below the surface, in cm.")
    ],
    installed: Annotated[
        str, typer.Option("--installed", help="First day in the soil (YYYY-MM-DD).")
    ],
    clock: Annotated[
        str | None,
        typer.Option(
            "--clock",
            help="The logger's clock: an IANA zone (e.g. Europe/Amsterdam, follows daylight "
            "saving time) or a fixed offset for a logger on standard time all year. "
            "Default: the cooperative's time zone.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Sensor model, e.g. 'TEROS 12'.")
    ] = None,
    removed: Annotated[
        str | None,
        typer.Option("--removed", help="Last day in the soil, for a past installation."),
    ] = None,
    workspace: WorkspaceOption = None,
    cooperative: CooperativeOption = None,
    refresh: RefreshOption = True,
) -> None:
    """Register a probe: which device port is in which field, at which depth, from which day.

    Checked against the workspace: the field must be one of the cooperative's, and the port may
    not already be installed on those days (retire the old installation first)."""
    from pipelines.store import devices
    from pipelines.store.access import AccessError
    from pipelines.tables import InputError

    installed_date = _day(installed, "--installed")
    removed_date = None if removed is None else _day(removed, "--removed")
    settings, engine, coop = _open(workspace, cooperative)
    if clock is None:
        clock = devices.cooperative_clock(engine, coop)
        typer.echo(
            f"clock: {clock} (the cooperative's time zone; pass --clock for a logger kept on "
            "standard time all year)",
            err=True,
        )
    installation = devices.Installation(
        device_id=device,
        port=port,
        field_id=field,
        depth_cm=depth_cm,
        timezone=clock,
        installed_date=installed_date,
        sensor_model=model,
        removed_date=removed_date,
    )
    try:
        change = devices.add_installation(engine, coop, installation)
    except (InputError, AccessError) as exc:
        raise _refused(exc) from None
    finally:
        engine.dispose()
    _report(change, settings, coop, refresh)
    if change.added:
        typer.echo("upload its logs with `agri sensors ingest FILE`")


@devices_app.command("list")
def list_command(
    format: Annotated[
        ListFormat,
        typer.Option("--format", help="table; json or csv (devices.csv columns, re-importable)."),
    ] = ListFormat.table,
    device: Annotated[str | None, typer.Option("--device", help="Only this device.")] = None,
    field: Annotated[str | None, typer.Option("--field", help="Only this field.")] = None,
    workspace: WorkspaceOption = None,
    cooperative: CooperativeOption = None,
) -> None:
    """List the cooperative's installations, in the soil or removed."""
    from pipelines.store import devices

    _, engine, coop = _open(workspace, cooperative)
    try:
        table = devices.list_installations(engine, coop, device_id=device, field_id=field)
    finally:
        engine.dispose()
    if format is ListFormat.json:
        rows = [
            {
                name: (value.isoformat() if isinstance(value, date | datetime) else value)
                for name, value in record.items()
            }
            for record in table.to_dict(orient="records")
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if format is ListFormat.csv:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    if table.empty:
        typer.echo(
            "no devices registered"
            + (" matching that" if device or field else "")
            + "; add one with `agri devices add DEVICE --port P --field F --depth-cm D "
            "--installed YYYY-MM-DD`, or many with `agri devices import devices.csv`"
        )
        return
    header = ("device", "port", "field", "depth cm", "clock", "installed", "removed", "model")
    lines = [
        (
            str(r.device_id),
            str(r.port),
            str(r.field_id),
            f"{r.depth_cm:g}",
            str(r.timezone),
            str(r.installed_date),
            str(r.removed_date) if r.removed_date else "in the soil",
            str(r.sensor_model or ""),
        )
        for r in table.itertuples(index=False)
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    for line in (header, *lines):
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    in_soil = int(table["removed_date"].isna().sum())
    typer.echo(f"{len(table)} installation(s), {in_soil} in the soil")


@devices_app.command("retire")
def retire_command(
    device: Annotated[str, typer.Argument(help="The device to take out.")],
    removed: Annotated[
        str, typer.Option("--date", help="Last day the probe was in the soil (YYYY-MM-DD).")
    ],
    port: Annotated[
        int | None, typer.Option("--port", help="Only this port (default: every port).")
    ] = None,
    workspace: WorkspaceOption = None,
    cooperative: CooperativeOption = None,
    refresh: RefreshOption = True,
) -> None:
    """Record that a device (or one port of it) was taken out of the soil."""
    from pipelines.store import devices
    from pipelines.store.access import AccessError
    from pipelines.tables import InputError

    removed_date = _day(removed, "--date")
    settings, engine, coop = _open(workspace, cooperative)
    try:
        change = devices.retire_installation(engine, coop, device, removed_date, port=port)
    except (InputError, AccessError) as exc:
        raise _refused(exc) from None
    finally:
        engine.dispose()
    _report(change, settings, coop, refresh)


@devices_app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="A devices.csv: the columns of a bundle's sensors/devices.csv.")
    ],
    workspace: WorkspaceOption = None,
    cooperative: CooperativeOption = None,
    refresh: RefreshOption = True,
) -> None:
    """Add and update installations from a devices.csv. The whole file is checked first and
    refused with every problem listed; importing the same file again changes nothing, and
    registered installations missing from the file are kept."""
    from pipelines.store import devices
    from pipelines.tables import InputError

    if not file.is_file():
        raise _fail(f"no file at {file}; pass the path of a devices.csv")
    settings, engine, coop = _open(workspace, cooperative)
    try:
        change = devices.import_installations(engine, coop, file)
    except InputError as exc:
        raise _refused(exc) from None
    finally:
        engine.dispose()
    _report(change, settings, coop, refresh)
