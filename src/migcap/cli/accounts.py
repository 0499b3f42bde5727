"""Command line of accounts and of the database's backups: ``migcap users …``, ``migcap db backup|restore``.

Mount in the main command line with::

    from migcap.cli.accounts import backup_command, restore_command, users_app

    app.add_typer(users_app, name="users")
    db_app.command("backup")(backup_command)
    db_app.command("restore")(restore_command)

or run ``python -m migcap.cli.accounts``. Importing this costs only typer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app", "backup_command", "restore_command", "users_app"]

users_app = typer.Typer(help="Accounts and organisations of the web application (see docs/accounts.md).",
                        no_args_is_help=True)


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1) from None


def _password(prompt: bool) -> str:
    env = os.environ.get("MIGCAP_ADMIN_PASSWORD")
    if env:
        return env
    if not prompt:
        raise typer.BadParameter("give the password in MIGCAP_ADMIN_PASSWORD or answer the prompt")
    return str(typer.prompt("Password (at least 10 characters)", hide_input=True, confirmation_prompt=True))


@users_app.command("create-admin")
def create_admin_command(
    email: Annotated[str, typer.Argument(help="The administrator's email address (the login name).")],
    organisation: Annotated[str, typer.Option("--org", help="Their organisation's name (created if new), "
                                              "e.g. 'Kenya national team'.")],
    name: Annotated[str | None, typer.Option(
        help="Full name (default: the part of the email before @).")] = None,
    kind: Annotated[str, typer.Option(
        help="Kind of organisation: state, international, ngo, research or other.")] = "state",
    iso3: Annotated[str | None, typer.Option(
        help="The state a state's team assesses (name or ISO3 code).")] = None,
) -> None:
    """Bootstrap the first account: a site administrator who is the admin of an organisation.

    The password is asked for (twice), or read from MIGCAP_ADMIN_PASSWORD. The administrator then invites everyone else from the web application (the organisation's page).
    """  # noqa: E501 (the text as --help shows it)
    from migcap.accounts.organisations import create_admin
    from migcap.errors import MigcapError

    try:
        user, org = create_admin(email, name or email.split("@")[0], _password(True), organisation, kind=kind,
                                 iso3=iso3)
    except MigcapError as exc:
        _fail(exc)
        return
    typer.echo(f"Created {user.email}: site administrator, admin of {org.name} ({org.slug}). "
               "Log in at /login after 'migcap serve'.")


@users_app.command("create-org")
def create_org_command(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    kind: Annotated[str, typer.Option(help="state, international, ngo, research or other.")] = "state",
    iso3: Annotated[str | None, typer.Option(help="The state a state's team assesses.")] = None,
) -> None:
    """Create an organisation (its first admin is then invited by a site administrator on the web)."""
    from migcap.accounts.organisations import create_organisation
    from migcap.errors import MigcapError

    try:
        org = create_organisation(name, kind=kind, iso3=iso3)
    except MigcapError as exc:
        _fail(exc)
        return
    typer.echo(f"Created {org.name} ({org.slug}).")


@users_app.command("unlock")
def unlock_command(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
) -> None:
    """Lift the login lock of an account after too many wrong passwords (its failed logins are forgotten)."""
    from migcap.accounts.sessions import unlock
    from migcap.errors import MigcapError

    try:
        n = unlock(email)
    except MigcapError as exc:
        _fail(exc)
        return
    typer.echo(f"Unlocked {email.strip().lower()}: {n} failed login(s) forgotten.")


@users_app.command("reset-password")
def reset_password_command(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    hours: Annotated[float, typer.Option(min=1, max=168,
                                         help="How long the link works (1 to 168 hours).")] = 24,
) -> None:
    """Make a password-reset link for an account: hand it over yourself (there is no email server).

    The link works once; with it the owner chooses a new password, every session of the account ends and the
    login lock is lifted. It is built from MIGCAP_WEB_PUBLIC_URL (or the host and port the site is served on).
    """
    from migcap.accounts.invitations import reset_link
    from migcap.errors import MigcapError
    from migcap.web.settings import WebSettings

    try:
        inv, token = reset_link(email, by=None, days=hours / 24)
    except MigcapError as exc:
        _fail(exc)
        return
    typer.echo(f"Password-reset link for {inv.email} "
               f"(works once, until {inv.expires_at:%Y-%m-%d %H:%M} UTC):")
    typer.echo(f"{WebSettings().site_url()}/invite/{token}")


@users_app.command("orgs")
def orgs_command() -> None:
    """List the organisations."""
    from migcap.accounts.organisations import list_organisations

    for o in list_organisations():
        typer.echo(f"{o.slug}\t{o.kind}\t{o.iso3 or '-'}\t{o.name}")


@users_app.command("assign")
def assign_command(
    assessment: Annotated[str, typer.Argument(help="The assessment id (see 'migcap assess list').")],
    org: Annotated[str, typer.Option(
        "--org", help="The organisation's short name (see 'migcap users orgs').")],
    force: Annotated[bool, typer.Option(help="Move it even if it belongs to another organisation.")] = False,
) -> None:
    """Give an assessment made with the command line (or imported from a file) to an organisation, as a draft."""  # noqa: E501 (the text as --help shows it)
    from migcap.capacity.teamwork import assign
    from migcap.errors import MigcapError

    try:
        own = assign(assessment, org, force=force)
    except MigcapError as exc:
        _fail(exc)
        return
    typer.echo(f"Assessment {assessment} belongs to {own.organisation} ({own.status}).")


def backup_command(
    file: Annotated[Path, typer.Argument(help="The backup file to write (a .zip).")],
) -> None:
    """Back up the assessments database, its accounts and the attached files to one file.

    The file is the same for SQLite and PostgreSQL (restore moves data between them); see docs/accounts.md.
    """
    from migcap.capacity.backup import backup
    from migcap.errors import MigcapError

    try:
        report = backup(file)
    except MigcapError as exc:
        _fail(exc)
        return
    typer.echo(report.text("Wrote"))


def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup made by 'migcap db backup'.")],
    replace: Annotated[bool, typer.Option(help="Replace a database that already holds data (everything in it "
                                          "is replaced by the backup).")] = False,
) -> None:
    """Restore a backup: all of it or nothing (the database is upgraded to this migcap's schema)."""
    from migcap.capacity.backup import restore
    from migcap.errors import MigcapError

    try:
        report = restore(file, replace=replace)
    except MigcapError as exc:
        _fail(exc)
        return
    typer.echo(report.text("Restored"))


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
app.add_typer(users_app, name="users")
db_app = typer.Typer(help="Backups of the assessments database.", no_args_is_help=True)
db_app.command("backup")(backup_command)
db_app.command("restore")(restore_command)
app.add_typer(db_app, name="db")

if __name__ == "__main__":
    app()
