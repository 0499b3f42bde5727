"""``migcap data`` and ``migcap db``: the bundled and imported data, and the assessments database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from migcap.cli.options import FormatOpt, OutOpt
from migcap.cli.tools import with_progress

data_app = typer.Typer(help="The bundled and imported data: build, list, import, update, export.",
                       no_args_is_help=True)
db_app = typer.Typer(help="The assessments database (SQLite by default, PostgreSQL by MIGCAP_DATABASE_URL).",
                     no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the assessments database to the latest schema (Alembic migrations; also done on first use)."""
    from migcap.db import upgrade

    typer.echo(f"Database at schema revision {upgrade()}.")


# ---------------------------------------------------------------------------------------------- data


@data_app.command("build")
def data_build() -> None:
    """Build the warehouse from the bundled snapshots and your imports (replaces it atomically)."""
    from migcap.store.warehouse import build

    report = with_progress(build)
    typer.echo(f"Built {report.path} from {report.editions} dataset editions ({report.rows:,} rows) "
               f"in {report.seconds:.1f} s.")


@data_app.command("list")
def data_list(
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Sources, editions, years and areas covered, licence and origin of every dataset, and how current
    each is (latest_year: the last year with data; age_months: months since the release)."""
    from migcap.cli.output import emit
    from migcap.store.catalog import data_list as list_data
    from migcap.store.warehouse import connect

    table = list_data(connect(), dataset)
    if fmt == "table":
        table = table.select(["dataset", "edition", "latest", "released", "age_months", "years",
                              "latest_year", "areas", "rows", "licence"])
    emit(table, fmt, out)


@data_app.command("show")
def data_show(
    dataset: Annotated[str, typer.Argument(help="Dataset, e.g. migrant_stock.")],
    edition: Annotated[str | None, typer.Argument(help="Edition (default: the latest).")] = None,
) -> None:
    """The full provenance record of a dataset edition (JSON)."""
    from migcap.store.catalog import provenance_of
    from migcap.store.warehouse import connect

    sys.stdout.write(provenance_of(connect(), dataset, edition))


@data_app.command("aggregates")
def data_aggregates(
    indicator: Annotated[str, typer.Option(help="remittances_received or remittances_paid.")]
    = "remittances_received",
    edition: Annotated[str | None, typer.Option("--edition", "-e", help="The WDI edition summed by migcap "
                                                "(default: the latest with the indicator).")] = None,
    against: Annotated[str | None, typer.Option(help="The WDI edition whose World and LMY aggregates are "
                                                "compared (default: the latest other one that has them).")]
    = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """migcap's world and low- and middle-income sums of a WDI series beside the World Bank's published
    aggregates (WLD, LMY), for the years both editions hold.

    CSV columns: aggregate_code, aggregate, year, migcap_sum, coverage, published, difference, difference_pct.
    """
    from migcap.cli.output import emit
    from migcap.evidence.indicators import compare_with_published

    emit(compare_with_published(indicator, edition=edition, against=against), fmt, out)


@data_app.command("export")
def data_export(
    table: Annotated[str,
                     typer.Argument(help="Dataset table, e.g. migrant_stock, bilateral_stock, wdi, wpp.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet or xlsx.")] = "csv",
    out: OutOpt = None,
    edition: Annotated[str | None, typer.Option("--edition", "-e",
                                                help="Edition, or 'all' (default: the latest).")] = None,
    published: Annotated[bool, typer.Option(help="Export the source's own aggregates instead.")] = False,
) -> None:
    """Export a dataset table to CSV, Parquet or Excel."""
    from migcap.store.catalog import export
    from migcap.store.warehouse import connect

    target = out or Path(f"{table}{'_published' if published else ''}.{fmt}")
    n = export(connect(), table, target, fmt, edition=edition, published=published)
    typer.echo(f"Wrote {n:,} rows to {target}", err=True)


@data_app.command("import")
def data_import(
    files: Annotated[list[Path], typer.Argument(help="Official file(s) of one release.")],
    source: Annotated[str, typer.Option("--source", help="un-ims, wdi, knomad, knomad-brm (bilateral "
                                                   "remittance matrix), wpp, unhcr, iom-mmp, idmc, "
                                                   "eurostat-asylum, cbp or frontex.")],
    edition: Annotated[str | None,
                       typer.Option(help="Name of the new edition (default: read from the file).")] = None,
    indicator: Annotated[str | None, typer.Option(help="WDI indicator code of a long CSV.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace an imported edition of the same name.")] = False,
) -> None:
    """Add a new release of an official source as a new edition (the store is untouched on error)."""
    from migcap.store.editions import import_files

    report = with_progress(import_files, files, source, edition=edition, indicator=indicator,
                                  replace=replace)
    for dataset, ed, rows in report.editions:
        typer.echo(f"Imported {dataset} edition {ed}: {rows:,} rows.")


@data_app.command("remove")
def data_remove(dataset: str, edition: str) -> None:
    """Remove an imported edition (bundled editions stay)."""
    from migcap.store.editions import remove_edition

    remove_edition(dataset, edition)
    typer.echo(f"Removed {dataset} edition {edition}.")


@data_app.command("update")
def data_update(
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Only these sources (wdi, unhcr, wpp, un-ims, iom-mmp, idmc, eurostat-asylum, cbp, "
                         "frontex, knomad-brm).")] = None,
) -> None:
    """Fetch the latest releases from the publishers (needs the internet) and import them."""
    from migcap.store.fetch import update

    for line in with_progress(update, sources=source):
        typer.echo(line)


@data_app.command("schema")
def data_schema(out: OutOpt = None) -> None:
    """The warehouse schema as Markdown."""
    from migcap.files import write_atomic
    from migcap.store.catalog import schema_markdown

    text = schema_markdown()
    if out:
        write_atomic(out, text.encode())
    else:
        sys.stdout.write(text)
