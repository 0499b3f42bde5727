"""The ``migcap`` command line: thin — it parses, calls one function, prints.

Errors a user can act on (:class:`~migcap.errors.MigcapError`) print as one
line on standard error and exit with status 1; usage errors exit with 2.
"""

from __future__ import annotations

import typer

from migcap.cli.data import data_app, db_app
from migcap.cli.evidence import crisis, facts, matrix, overview, revisions, stocks
from migcap.cli.geo import countries_app, schemes_app
from migcap.cli.options import CAPACITIES, DATA, DELIVERY, EVIDENCE, FUTURE
from migcap.cli.remittances import app as remittances_app
from migcap.cli.reports import report
from migcap.cli.tools import run

app = typer.Typer(
    name="migcap",
    help="Migration evidence, flows, projections and capacity assessments, from official data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

def _mount_flows() -> None:
    from migcap.cli.flows import app as flows_app

    app.add_typer(flows_app, name="flows", help="Bilateral migration flows estimated from stock tables.",
                  rich_help_panel=FUTURE)


def _mount_irregular() -> None:
    from migcap.cli.irregular import app as irregular_app

    app.add_typer(irregular_app, name="irregular", rich_help_panel=EVIDENCE)


def _mount_capacity() -> None:
    from migcap.cli.capacity import assess_app, inventory_app, profile, recommend, review

    app.add_typer(inventory_app, name="inventory", rich_help_panel=CAPACITIES)
    app.add_typer(assess_app, name="assess", rich_help_panel=CAPACITIES)
    for command in (review, recommend, profile):
        app.command(rich_help_panel=CAPACITIES)(command)


def _mount_projections() -> None:
    from migcap.cli.project import app as project_app

    app.add_typer(project_app, name="project",
                  help="Probabilistic projections of net migration and migrant stocks.",
                  rich_help_panel=FUTURE)


def _mount_web() -> None:
    from migcap.cli.serve import serve_command

    app.command("serve", rich_help_panel=DELIVERY)(serve_command)


def _mount_accounts() -> None:
    from migcap.cli.accounts import backup_command, restore_command, users_app

    app.add_typer(users_app, name="users", rich_help_panel=DATA)
    db_app.command("backup")(backup_command)
    db_app.command("restore")(restore_command)


# -------------------------------------------------------------------------------------------- mounting
# In the order of the panels (migcap.cli.options).
for _command in (stocks, revisions, overview, matrix, crisis, facts):
    app.command(rich_help_panel=EVIDENCE)(_command)
app.add_typer(remittances_app, name="remittances", rich_help_panel=EVIDENCE)
_mount_irregular()
_mount_flows()
_mount_projections()
_mount_capacity()
app.command(rich_help_panel=DELIVERY)(report)
_mount_web()
app.add_typer(data_app, name="data", rich_help_panel=DATA)
app.add_typer(countries_app, name="countries", rich_help_panel=DATA)
app.add_typer(schemes_app, name="schemes", rich_help_panel=DATA)
app.add_typer(db_app, name="db", rich_help_panel=DATA)
_mount_accounts()


# ------------------------------------------------------------------------------------------------ main


def _only(name: str) -> typer.Typer | None:
    """An app that holds just the top-level command ``name`` (``None`` for a group or an unknown name).

    Building the click commands of the whole tree takes longer than a quick command itself; a command
    run on its own needs only its own. ``migcap --help`` and the groups still build the whole tree.
    """
    for info in app.registered_commands:
        callback = info.callback
        if callback is not None and (info.name or callback.__name__.replace("_", "-")) == name:
            one = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich")
            one.registered_commands.append(info)
            return one
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``migcap`` (see :func:`migcap.cli.tools.run`)."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    single = _only(args[0]) if args else None
    if single is None:
        run(app, args)
    else:
        run(single, args[1:], prog_name=f"migcap {args[0]}")


if __name__ == "__main__":
    main()
