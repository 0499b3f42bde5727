"""``migcap countries`` and ``migcap schemes``: the classifications."""

from __future__ import annotations

from typing import Annotated

import typer

from migcap.cli.options import FormatOpt, OutOpt

countries_app = typer.Typer(help="Country names and codes.", no_args_is_help=True)
schemes_app = typer.Typer(help="Region schemes (classifications of countries).", no_args_is_help=True)


# ------------------------------------------------------------------------------------ countries, schemes


@countries_app.command("resolve")
def countries_resolve(names: Annotated[list[str], typer.Argument(help="Names or codes.")]) -> None:
    """ISO3 code and UN name for each name or code (fails on the first unknown one)."""
    from migcap.geo.countries import country

    for name in names:
        c = country(name)
        typer.echo(f"{name}\t{c.iso3}\t{c.name}")


@countries_app.command("list")
def countries_list(fmt: FormatOpt = "table", out: OutOpt = None) -> None:
    """The country table."""
    from migcap.cli.output import emit
    from migcap.geo.countries import country_table
    from migcap.table import Table

    cols = ("iso3", "iso2", "m49", "name", "official_name", "un_area", "wb_economy")
    rows = tuple((c.iso3, c.iso2, c.m49, c.name, c.official_name, c.un_area, c.wb_economy)
                 for c in country_table())
    emit(Table(cols, rows, title="Countries and areas"), fmt, out)


@schemes_app.command("list")
def schemes_list(fmt: FormatOpt = "table", out: OutOpt = None) -> None:
    """The region schemes: bundled ones and yours (in the data folder's schemes/)."""
    from migcap.cli.output import emit
    from migcap.geo.schemes import list_schemes, load_scheme
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
    from migcap.cli.output import emit
    from migcap.geo.countries import country_table
    from migcap.geo.schemes import load_scheme
    from migcap.table import Table

    s = load_scheme(name)
    t = country_table()
    rows = tuple((code, s.regions[code], iso3, t.name_of(iso3)) for code in s.regions
                 for iso3 in s.members_of(code))
    emit(Table(("code", "region", "iso3", "country"), rows, title=s.title, sources=(s.source,),
               notes=s.notes),
         fmt, out)
