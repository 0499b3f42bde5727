"""The ``migcap`` command line: thin — it parses, calls one function, prints.

Errors a user can act on (:class:`~migcap.errors.MigcapError`) print as one
line on standard error and exit with status 1; usage errors exit with 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from migcap.clitools import run, with_progress

app = typer.Typer(
    name="migcap",
    help="Migration evidence, flows, projections and capacity assessments, from official data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
data_app = typer.Typer(help="The bundled and imported data: build, list, import, update, export.",
                       no_args_is_help=True)
countries_app = typer.Typer(help="Country names and codes.", no_args_is_help=True)
schemes_app = typer.Typer(help="Region schemes (classifications of countries).", no_args_is_help=True)

# Panels of `migcap --help`. Typer lists single commands before command groups, so they appear as: evidence,
# capacities, report and web application, the future (groups only), data and set-up.
EVIDENCE = "Evidence: stocks, regions, shocks"
FUTURE = "The future: flows and projections"
CAPACITIES = "Capacities: inventory, assessments, review"
DELIVERY = "Report and web application"
DATA = "Data and set-up"


def _mount_flows() -> None:
    from migcap.flows.cli import app as flows_app

    app.add_typer(flows_app, name="flows", help="Bilateral migration flows estimated from stock tables.",
                  rich_help_panel=FUTURE)


def _mount_capacity() -> None:
    from migcap.capacity.cli import assess_app, inventory_app, profile, recommend, review

    app.add_typer(inventory_app, name="inventory", rich_help_panel=CAPACITIES)
    app.add_typer(assess_app, name="assess", rich_help_panel=CAPACITIES)
    for command in (review, recommend, profile):
        app.command(rich_help_panel=CAPACITIES)(command)


def _mount_projections() -> None:
    from migcap.projections.cli import app as project_app

    app.add_typer(project_app, name="project", help="Probabilistic projections of net migration and migrant stocks.",
                  rich_help_panel=FUTURE)


def _mount_web() -> None:
    from migcap.web.cli import serve_command

    app.command("serve", rich_help_panel=DELIVERY)(serve_command)

db_app = typer.Typer(help="The assessments database (SQLite by default, PostgreSQL by MIGCAP_DATABASE_URL).",
                     no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the assessments database to the latest schema (Alembic migrations; also done on first use)."""
    from migcap.capacity.db import upgrade

    typer.echo(f"Database at schema revision {upgrade()}.")


def _mount_accounts() -> None:
    from migcap.accounts.cli import backup_command, restore_command, users_app

    app.add_typer(users_app, name="users", rich_help_panel=DATA)
    db_app.command("backup")(backup_command)
    db_app.command("restore")(restore_command)

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table (terminal), csv, json, md or xlsx.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of the terminal.")]
EditionOpt = Annotated[str | None, typer.Option("--edition", "-e", help="Dataset edition (default: the latest).")]
SchemeOpt = Annotated[str, typer.Option(
    "--scheme", "-s",
    help="Region scheme: wmr2010, un-geo, un-subregion, un-sdg, un-development, un-income, wb-income, "
         "wb-region, ldc, lldc, sids, or a path to your own TSV/CSV (columns iso3, code, name).")]


# ---------------------------------------------------------------------------------------------- data


@data_app.command("build")
def data_build() -> None:
    """Build the warehouse from the bundled snapshots and your imports (replaces it atomically)."""
    from migcap.warehouse import build

    report = with_progress(build)
    typer.echo(f"Built {report.path} from {report.editions} dataset editions ({report.rows:,} rows) "
               f"in {report.seconds:.1f} s.")


@data_app.command("list")
def data_list(
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Sources, editions, years and areas covered, licence and origin of every dataset."""
    from migcap.catalog import data_list as list_data
    from migcap.output import emit
    from migcap.warehouse import connect

    table = list_data(connect(), dataset)
    if fmt == "table":
        table = table.select(["dataset", "edition", "latest", "released", "years", "areas", "rows",
                              "licence", "bundled"])
    emit(table, fmt, out)


@data_app.command("show")
def data_show(
    dataset: Annotated[str, typer.Argument(help="Dataset, e.g. migrant_stock.")],
    edition: Annotated[str | None, typer.Argument(help="Edition (default: the latest).")] = None,
) -> None:
    """The full provenance record of a dataset edition (JSON)."""
    from migcap.catalog import provenance_of
    from migcap.warehouse import connect

    sys.stdout.write(provenance_of(connect(), dataset, edition))


@data_app.command("export")
def data_export(
    table: Annotated[str, typer.Argument(help="Dataset table, e.g. migrant_stock, bilateral_stock, wdi, wpp.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet or xlsx.")] = "csv",
    out: OutOpt = None,
    edition: Annotated[str | None, typer.Option("--edition", "-e",
                                                help="Edition, or 'all' (default: the latest).")] = None,
    published: Annotated[bool, typer.Option(help="Export the source's own aggregates instead.")] = False,
) -> None:
    """Export a dataset table to CSV, Parquet or Excel."""
    from migcap.catalog import export
    from migcap.warehouse import connect

    target = out or Path(f"{table}{'_published' if published else ''}.{fmt}")
    n = export(connect(), table, target, fmt, edition=edition, published=published)
    typer.echo(f"Wrote {n:,} rows to {target}", err=True)


@data_app.command("import")
def data_import(
    files: Annotated[list[Path], typer.Argument(help="Official file(s) of one release.")],
    source: Annotated[str, typer.Option("--source", help="un-ims, wdi, knomad, wpp or unhcr.")],
    edition: Annotated[str | None, typer.Option(help="Name of the new edition (default: read from the file).")] = None,
    indicator: Annotated[str | None, typer.Option(help="WDI indicator code of a long CSV.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace an imported edition of the same name.")] = False,
) -> None:
    """Add a new release of an official source as a new edition (the store is untouched on error)."""
    from migcap.imports import import_files

    report = with_progress(import_files, files, source, edition=edition, indicator=indicator,
                                  replace=replace)
    for dataset, ed, rows in report.editions:
        typer.echo(f"Imported {dataset} edition {ed}: {rows:,} rows.")


@data_app.command("remove")
def data_remove(dataset: str, edition: str) -> None:
    """Remove an imported edition (bundled editions stay)."""
    from migcap.imports import remove_edition

    remove_edition(dataset, edition)
    typer.echo(f"Removed {dataset} edition {edition}.")


@data_app.command("update")
def data_update(
    source: Annotated[list[str] | None, typer.Option("--source", help="Only these sources (wdi, unhcr, wpp, un-ims).")] = None,
) -> None:
    """Fetch the latest releases from the publishers (needs the internet) and import them."""
    from migcap.update import update

    for line in with_progress(update, sources=source):
        typer.echo(line)


@data_app.command("schema")
def data_schema(out: OutOpt = None) -> None:
    """The warehouse schema as Markdown."""
    from migcap.catalog import schema_markdown
    from migcap.output import write_atomic

    text = schema_markdown()
    if out:
        write_atomic(out, text.encode())
    else:
        sys.stdout.write(text)


# --------------------------------------------------------------------------------------------- stocks


@app.command(rich_help_panel=EVIDENCE)
def stocks(
    by: Annotated[str, typer.Option(help="world, region or country.")] = "world",
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[list[int] | None, typer.Option("--year", "-y", help="Year (repeatable); default: all.")] = None,
    edition: EditionOpt = None,
    coverage: Annotated[str, typer.Option(help="Coverage rule for aggregates: any, all, or a share like 0.9.")] = "any",
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """International migrant stock, % of population, female share and refugees (UN DESA IMS).

    Columns: area_code, area, year, migrants, population, migrants_pct, female_pct, refugees, coverage.
    """
    from migcap.output import emit
    from migcap.stocks import stocks as stock_table

    emit(stock_table(by=by, scheme=scheme, years=year, edition=edition, coverage=coverage), fmt, out)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- overview, matrix, crisis


@app.command(rich_help_panel=EVIDENCE)
def overview(
    area: Annotated[str, typer.Option("--area", "-a", help="WLD, a region of the scheme (code or name), or a "
                                      "country (any name or code).")] = "WLD",
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[int | None, typer.Option("--year", "-y", help="Year of the migrant stock (default: latest).")] = None,
    edition: EditionOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table (terminal), json or md.")] = "table",
    out: OutOpt = None,
) -> None:
    """Overview of an area: stocks and trend, origins, corridors, diaspora, remittances, the 2009 crisis."""
    from migcap.output import emit_document
    from migcap.overview import overview as make

    ov = make(area, scheme=scheme, year=year, edition=edition)
    emit_document(ov.facts, list(ov.sections.values()), ov.to_dict(), ov.to_markdown(), fmt, out)


@app.command(rich_help_panel=EVIDENCE)
def matrix(
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[int | None, typer.Option("--year", "-y", help="Year (default: the latest of the edition).")] = None,
    edition: EditionOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv (year, origin, destination, migrants), "
                                     "json, md or xlsx.")] = "table",
    out: OutOpt = None,
) -> None:
    """Migrant stock by region of origin × region of destination, and the intra-regional shares."""
    from migcap.matrix import region_matrix
    from migcap.output import emit, emit_document

    m = region_matrix(scheme, year=year, edition=edition)
    if fmt in ("csv", "xlsx"):
        emit(m.long, fmt, out)
    else:   # to read: the matrix as a matrix; JSON keeps the long form
        wide = m.wide()
        emit_document([], [wide, m.shares], m.to_dict(), wide.to_markdown() + "\n" + m.shares.to_markdown(), fmt, out)


@app.command(rich_help_panel=EVIDENCE)
def crisis(
    indicator: Annotated[str, typer.Option(help="remittances_received, remittances_paid, remittance_inflows_knomad, "
                                           "migrant_stock, net_migration or unemployment.")] = "remittances_received",
    shock: Annotated[int, typer.Option(help="The shock year.")] = 2009,
    baseline: Annotated[str | None, typer.Option(help="Baseline years for the trend, e.g. 2003-2008 "
                                                 "(default: the six years before the shock).")] = None,
    by: Annotated[str, typer.Option(help="world, region or country.")] = "world",
    scheme: SchemeOpt = "wmr2010",
    edition: EditionOpt = None,
    level: Annotated[float, typer.Option(help="Coverage of the prediction interval.")] = 0.95,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Impact of an economic shock: actual vs the pre-shock trend, recovery year, ranking of the hardest hit.

    CSV columns: area_code, area, year, actual, counterfactual, lower, upper, deviation_pct, yoy_pct,
    recovery_year, deviation, pre_shock, rank, coverage, note.
    """
    from migcap.crisis import shock_impact
    from migcap.output import emit, emit_document

    r = shock_impact(indicator, shock=shock, baseline=baseline, by=by, scheme=scheme, edition=edition,  # type: ignore[arg-type]
                     level=level)
    if fmt in ("json", "table", "md") and r.decomposition is not None:
        tables = [r.table, r.decomposition]
        md = r.table.to_markdown() + "\n" + r.decomposition.to_markdown()
        emit_document([], tables, r.to_dict(), md, fmt, out)
    elif fmt == "json":
        emit_document([], [r.table], r.to_dict(), r.table.to_markdown(), fmt, out)
    else:
        emit(r.table, fmt, out)


@app.command(rich_help_panel=EVIDENCE)
def facts(
    area: Annotated[str, typer.Option("--area", "-a", help="WLD, a region of the scheme, or a country.")] = "WLD",
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[int | None, typer.Option("--year", "-y", help="Year (default: latest).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Key facts about an area in a few sentences, each with its source."""
    import json

    from migcap.facts import key_facts

    items = key_facts(area, scheme=scheme, year=year)
    if fmt == "json":
        sys.stdout.write(json.dumps([f.to_dict() for f in items], indent=2, ensure_ascii=False) + "\n")
    else:
        for f in items:
            typer.echo(f.text)
        for src in dict.fromkeys(s for f in items for s in f.sources):
            typer.echo(f"Source: {src}")


# --------------------------------------------------------------------------------------------- report


def report(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder of the report site (default: report; "
                                             "with --include-drafts a private folder in the data folder).")] = None,
    pdf: Annotated[bool, typer.Option(help="Also write one PDF (report.pdf in the folder).")] = False,
    edition: EditionOpt = None,
    scheme: SchemeOpt = "wmr2010",
    area: Annotated[list[str] | None, typer.Option("--area", "-a", help="Build only these parts: WLD, a region, "
                                                   "or a country (repeatable).")] = None,
    lang: Annotated[str, typer.Option(help="Language (en).")] = "en",
    include_drafts: Annotated[str | None, typer.Option(
        "--include-drafts", metavar="ORG", help="Also show the unpublished (draft) assessments of this "
        "organisation (its slug), for the team's own use: every page and the PDF say DRAFT, the folder is never "
        "served by 'migcap serve', and it may not be the served report folder.")] = None,
) -> None:
    """Write the report: a static HTML site (opens from disk, no internet) and, with --pdf, one PDF.

    Chapters: key facts and summary, global overview, one chapter per region, a profile per country, methods and
    sources. Capacity assessments appear once published (see docs/accounts.md).
    """
    from migcap.reports import build_report

    if include_drafts is not None:
        from migcap.reports.builder import drafts_folder
        from migcap.web.report import check_not_served

        out = out or drafts_folder(include_drafts)
        check_not_served(out)
    result = with_progress(build_report, out or Path("report"), pdf=pdf, edition=edition, scheme=scheme,
                           areas=area, lang=lang, include_drafts=include_drafts)
    typer.echo(f"Wrote {result.pages} pages with {result.charts} charts to {result.out}/index.html"
               + (f" and {result.pdf}" if result.pdf else "") + f" in {result.seconds:.1f} s.")


# ------------------------------------------------------------------------------------ countries, schemes


@countries_app.command("resolve")
def countries_resolve(names: Annotated[list[str], typer.Argument(help="Names or codes.")]) -> None:
    """ISO3 code and UN name for each name or code (fails on the first unknown one)."""
    from migcap.countries import country

    for name in names:
        c = country(name)
        typer.echo(f"{name}\t{c.iso3}\t{c.name}")


@countries_app.command("list")
def countries_list(fmt: FormatOpt = "table", out: OutOpt = None) -> None:
    """The country table."""
    from migcap.countries import country_table
    from migcap.output import emit
    from migcap.table import Table

    cols = ("iso3", "iso2", "m49", "name", "official_name", "un_area", "wb_economy")
    rows = tuple((c.iso3, c.iso2, c.m49, c.name, c.official_name, c.un_area, c.wb_economy) for c in country_table())
    emit(Table(cols, rows, title="Countries and areas"), fmt, out)


@schemes_app.command("list")
def schemes_list(fmt: FormatOpt = "table", out: OutOpt = None) -> None:
    """The region schemes: bundled ones and yours (in the data folder's schemes/)."""
    from migcap.output import emit
    from migcap.schemes import list_schemes, load_scheme
    from migcap.table import Table

    rows = []
    for name in list_schemes():
        s = load_scheme(name)
        rows.append((s.id, s.title, len(s.regions), len({i for i, _ in s.members}), s.complete, s.source))
    emit(Table(("scheme", "title", "regions", "countries", "complete", "source"), tuple(rows),
               title="Region schemes"), fmt, out)


@schemes_app.command("show")
def schemes_show(name: Annotated[str, typer.Argument(help="Scheme name or file.")], fmt: FormatOpt = "table",
                 out: OutOpt = None) -> None:
    """The members of each region of a scheme."""
    from migcap.countries import country_table
    from migcap.output import emit
    from migcap.schemes import load_scheme
    from migcap.table import Table

    s = load_scheme(name)
    t = country_table()
    rows = tuple((code, s.regions[code], iso3, t.name_of(iso3)) for code in s.regions for iso3 in s.members_of(code))
    emit(Table(("code", "region", "iso3", "country"), rows, title=s.title, sources=(s.source,), notes=s.notes),
         fmt, out)


# -------------------------------------------------------------------------------------------- mounting
# After the evidence commands above; see the panels at the top of the module.
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


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``migcap`` (see :func:`migcap.clitools.run`)."""
    run(app, argv)


if __name__ == "__main__":
    main()
