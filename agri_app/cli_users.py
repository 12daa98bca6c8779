"""`agri users`: local accounts of the app (admin, agronomist, member).

The workspace code (SQLAlchemy, the schema) is imported inside the commands, so registering
them costs `agri --help` nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agri_app.cli_options import WorkspaceOption
from agri_app.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

users_app = typer.Typer(help="Manage the app's user accounts.", no_args_is_help=True)


@users_app.command("add")
def add_command(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    role: Annotated[str, typer.Option(help="admin, agronomist or member.")] = "member",
    cooperative: Annotated[
        str,
        typer.Option(
            "--cooperative",
            help="Cooperative id the user belongs to (default: the workspace's only one).",
        ),
    ] = "",
    farm: Annotated[
        list[str] | None,
        typer.Option("--farm", help="Farm id a member may see (repeat for several)."),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Password (at least 8 characters); generated and printed if omitted."),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Redefine an existing user (new password; its sessions end, a lockout lifts).",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Create a user; prints the generated password when none is given."""
    from pipelines.store import access

    engine = _engine(workspace)
    secret = password or access.generate_password()
    with _access_errors():
        cooperative = cooperative or access.only_cooperative(engine)
        access.add_user(engine, username, secret, role, cooperative, farm or (), replace=replace)
    typer.echo(f"user {username} ({role}, {cooperative}) {'redefined' if replace else 'added'}")
    if password is None:
        typer.echo(f"password: {secret}")


@users_app.command("list")
def list_command(workspace: WorkspaceOption = None) -> None:
    """List the users: role, cooperative, farms, lockout, last sign-in and open sessions."""
    from pipelines.store import access

    rows = access.user_statuses(_engine(workspace))
    if not rows:
        typer.echo("no users yet; add one with `agri users add NAME --role admin`")
        return
    typer.echo(
        f"{'username':<20} {'role':<11} {'cooperative':<16} {'last sign-in (UTC)':<18} "
        f"{'sessions':>8}  {'state':<20} farms"
    )
    for row in rows:
        last = f"{row.last_sign_in:%Y-%m-%d %H:%M}" if row.last_sign_in else "never"
        state = f"locked until {row.locked_until:%H:%M}" if row.locked_until else "active"
        typer.echo(
            f"{row.username:<20} {row.role:<11} {row.cooperative_id:<16} {last:<18} "
            f"{row.live_sessions:>8}  {state:<20} {', '.join(row.farm_ids) or '(all)'}"
        )


@users_app.command("reset-password")
def reset_password_command(
    username: Annotated[str, typer.Argument(help="The user whose password to reset.")],
    password: Annotated[
        str | None,
        typer.Option(
            help="New password (at least 8 characters); generated and printed if omitted."
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Give a user a new password; their sessions end and a lockout lifts."""
    from pipelines.store import access

    secret = password or access.generate_password()
    with _access_errors():
        ended = access.reset_password(_engine(workspace), username, secret)
    typer.echo(f"password of {username} reset; {_sessions(ended)} ended")
    if password is None:
        typer.echo(f"password: {secret}")


@users_app.command("unlock")
def unlock_command(
    username: Annotated[str, typer.Argument(help="The locked-out user.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Lift a lockout after too many failed sign-ins (the password stays)."""
    from pipelines.store import access

    with _access_errors():
        was_locked = access.unlock(_engine(workspace), username)
    typer.echo(f"{username} unlocked" if was_locked else f"{username} was not locked")


@users_app.command("revoke")
def revoke_command(
    username: Annotated[str, typer.Argument(help="The user to sign out everywhere.")],
    workspace: WorkspaceOption = None,
) -> None:
    """End every session of a user: every browser they are signed in on signs out."""
    from pipelines.store import access

    with _access_errors():
        ended = access.revoke_sessions(_engine(workspace), username)
    typer.echo(f"{username}: {_sessions(ended)} ended")


@users_app.command("remove")
def remove_command(
    username: Annotated[str, typer.Argument(help="The user to delete.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Delete a user and end their sessions (their uploads stay)."""
    from pipelines.store import access

    with _access_errors():
        ended = access.remove_user(_engine(workspace), username)
    typer.echo(f"user {username} removed; {_sessions(ended)} ended")


def _engine(workspace: Path | None) -> Engine:
    from pipelines.store import storage

    return storage.open_workspace(Settings.from_env(workspace).workspace)


@contextlib.contextmanager
def _access_errors() -> Iterator[None]:
    """An `AccessError` becomes its one-line reason on stderr and exit code 2."""
    from pipelines.store import access

    try:
        yield
    except access.AccessError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"
