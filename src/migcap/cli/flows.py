"""``migcap flows``: bilateral migration flows estimated from stock tables (thin adapter).

Mounted in the main CLI as ``migcap flows``; :func:`main` runs it on its own
(errors as one line on standard error, exit status 1).

Examples
--------
::

    migcap flows estimate --period 2020-2024 --format csv
    migcap flows estimate --scheme wmr2010                 # all periods, regions
    migcap flows estimate --totals                         # global total per period
    migcap flows estimate --stocks-start s2010.csv --stocks-end s2020.csv \\
        --births births.csv --deaths deaths.csv --period 2010-2020
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="flows",
    help="Bilateral migration flows estimated from stock tables (the methods of migest).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def flows() -> None:
    """Bilateral migration flows estimated from stock tables (the methods of migest)."""


@app.command("estimate")
def estimate(
    period: Annotated[list[str] | None, typer.Option(
        "--period", "-p",
        help="Period as two stock years, e.g. 2020-2024 (repeatable), or 'all' (default): every "
             "consecutive pair of years of the bilateral stocks (1990-1995 …). With "
             "--stocks-start/--stocks-end: the label of the period in the output.")] = None,
    method: Annotated[str, typer.Option(
        "--method", "-m",
        help="demo: demographic accounting (migest ffs_demo, Abel's method; default); diff: stock "
             "differencing (ffs_diff); rates: Dennett's migration rates (ffs_rates), sharing --total "
             "(default: the demo total of the period) by the foreign-born stocks at the start.")] = "demo",
    scheme: Annotated[str | None, typer.Option(
        "--scheme", "-s",
        help="Aggregate the country flows to the regions of this scheme: wmr2010, un-geo, un-subregion, "
             "un-sdg, wb-region, … or a path to your own TSV/CSV (columns iso3, code, name). Flows "
             "between countries of one region appear with orig = dest. Default: country flows.")] = None,
    edition: Annotated[str | None, typer.Option(
        "--edition", "-e", help="IMS edition of the bilateral stocks (default: the latest).")] = None,
    wpp_edition: Annotated[str | None, typer.Option(
        "--wpp-edition", help="WPP edition of births and deaths (default: the latest).")] = None,
    unknown: Annotated[str | None, typer.Option(
        "--unknown",
        help="Migrants of unknown place of birth: distribute (default: shared over the known places "
             "of birth of their country of residence) or drop (left out).")] = None,
    population: Annotated[str | None, typer.Option(
        "--population",
        help="Population behind the native born: wpp (default: WPP estimates of the same edition as "
             "births and deaths, so that the demographic account closes) or ims (published with the "
             "IMS stocks).")] = None,
    stayers: Annotated[bool, typer.Option(
        "--stayers/--no-stayers",
        help="demo: the stayer assumption (default on: as many people as possible stay; minimum "
             "migration). --no-stayers fits the independence model of Azose & Raftery.")] = True,
    decrease: Annotated[str, typer.Option(
        "--decrease", help="diff: a decrease of a stock is a return flow (return, default) or "
                           "ignored (zero).")] = "return",
    total: Annotated[float | None, typer.Option(
        "--total", help="rates: the global flow of each period to share out (persons).")] = None,
    stocks_start: Annotated[Path | None, typer.Option(
        "--stocks-start",
        help="Your stock table at the start: CSV, long (pob, por, stock) or square (first column "
             "place of birth, header places of residence). Needs --stocks-end.")] = None,
    stocks_end: Annotated[Path | None, typer.Option(
        "--stocks-end", help="Your stock table at the end, same layouts and places.")] = None,
    births: Annotated[Path | None, typer.Option(
        "--births", help="With your tables: births per place over the period, CSV (place, value). "
                         "Default: none.")] = None,
    deaths: Annotated[Path | None, typer.Option(
        "--deaths", help="With your tables: deaths per place over the period, CSV (place, value). "
                         "Default: none.")] = None,
    totals: Annotated[bool, typer.Option(
        "--totals", help="Show the global total flow per period (with population, migrants, births, "
                         "deaths) instead of the flows.")] = False,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="table (terminal), csv, json, md, xlsx or parquet (files).")] = "table",
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write to this file instead of the terminal.")] = None,
) -> None:
    """Estimate bilateral migration flows (columns period, orig, dest, flow).

    From the bundled UN DESA bilateral stocks with births and deaths from WPP, or
    from your own tables with --stocks-start and --stocks-end.
    """
    from migcap.cli.output import emit
    from migcap.cli.tools import with_progress
    from migcap.flows.options import FlowRequest

    request = FlowRequest(periods=tuple(period or ()), method=method, scheme=scheme, stayers=stayers,
                          decrease=decrease, total=total, edition=edition, wpp_edition=wpp_edition,
                          unknown=unknown, population=population, stocks_start=stocks_start,
                          stocks_end=stocks_end, births=births, deaths=deaths)
    if request.several_periods:
        result = with_progress(request.estimate, description="estimating flows")
    else:
        result = request.estimate()
    for line in result.warnings:
        typer.echo(f"warning: {line}", err=True)
    emit(result.totals if totals else result.flows, fmt, out)


def main(argv: list[str] | None = None) -> None:
    """Run ``migcap flows`` on its own: migcap errors as one line and exit status 1."""
    from migcap.cli.tools import run

    run(app, argv)


if __name__ == "__main__":
    main()
