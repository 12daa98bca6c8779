"""`agri users`: local accounts of the app (admin, agronomist, member).

The workspace code (SQLAlchemy, the schema) is imported inside the commands, so registering
them costs `agri --help` nothing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from agri_app.cli_options import WorkspaceOption
from agri_app.settings import Settings

users_app = typer.Typer(help="Manage the app's user accounts.", no_args_is_help=True)


@users_app.command("add")
def add_command(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    role: Annotated[str, typer.Option(help="admin, agronomist or member.")] = "member",
    cooperative: Annotated[
        str, typer.Option("--cooperative", help="Cooperative id the user belongs to.")
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
        bool, typer.Option("--replace", help="Redefine an existing user (resets the password).")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Create a user; prints the generated password when none is given."""
    from pipelines.store import access, storage

    engine = storage.open_workspace(Settings.from_env(workspace).workspace)
    if not cooperative:
        typer.secho("error: pass --cooperative COOPERATIVE_ID", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    secret = password or access.generate_password()
    try:
        access.add_user(engine, username, secret, role, cooperative, farm or (), replace=replace)
    except access.AccessError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    typer.echo(f"user {username} ({role}, {cooperative}) added")
    if password is None:
        typer.echo(f"password: {secret}")


@users_app.command("list")
def list_command(workspace: WorkspaceOption = None) -> None:
    """List the users with their role, cooperative and farms."""
    from pipelines.store import access, storage

    engine = storage.open_workspace(Settings.from_env(workspace).workspace)
    rows = access.list_users(engine)
    if not rows:
        typer.echo("no users yet; add one with `agri users add NAME --role admin --cooperative ID`")
        return
    typer.echo(f"{'username':<20} {'role':<11} {'cooperative':<20} farms")
    for row in rows:
        typer.echo(
            f"{row['username']:<20} {row['role']:<11} {row['cooperative_id']:<20} {row['farms']}"
        )
