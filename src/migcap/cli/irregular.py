"""``migcap irregular``: deaths and disappearances en route, internal displacement, asylum applications
and border encounters (registered in :mod:`migcap.cli.app`)."""

from __future__ import annotations

from typing import Annotated

import typer

from migcap.cli.options import EditionOpt, FormatOpt, OutOpt, SchemeOpt

app = typer.Typer(help="Irregular migration and displacement: deaths en route, internal displacement, "
                       "asylum applications, border encounters.", no_args_is_help=True)

AreaOpt = Annotated[str, typer.Option("--area", "-a", help="WLD, a region of the scheme (code or name), or a "
                                      "country (any name or code).")]
YearsOpt = Annotated[str | None, typer.Option("--years", "-y",
                                              help="Years: 2023, 2015-2024 or 2019,2021 (default: all).")]


@app.command()
def deaths(
    area: AreaOpt = "WLD",
    years: YearsOpt = None,
    by: Annotated[str, typer.Option(help="year, or route (one row per year and route).")] = "year",
    scheme: SchemeOpt = "wmr2010",
    edition: EditionOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Migrants recorded dead or missing en route, by country of incident (IOM Missing Migrants Project).

    Columns: area_code, area, year, months, dead_and_missing, incidents, countries, coverage (with
    --by route: area_code, area, year, route, dead_and_missing, incidents).
    """
    from migcap.cli.output import emit
    from migcap.evidence.irregular import deaths as make

    emit(make(area, years=years, by=by, scheme=scheme, edition=edition), fmt, out)  # type: ignore[arg-type]


@app.command()
def displacement(
    area: AreaOpt = "WLD",
    years: YearsOpt = None,
    scheme: SchemeOpt = "wmr2010",
    edition: EditionOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Internal displacement by cause (conflict, disaster): new displacements and IDPs (IDMC).

    Columns: area_code, area, year, conflict_new, disaster_new, new_displacements, coverage_new,
    conflict_idps, disaster_idps, idps, coverage_idps.
    """
    from migcap.cli.output import emit
    from migcap.evidence.irregular import displacement as make

    emit(make(area, years=years, scheme=scheme, edition=edition), fmt, out)


@app.command()
def asylum(
    area: AreaOpt = "WLD",
    years: YearsOpt = None,
    scheme: SchemeOpt = "wmr2010",
    edition: EditionOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Asylum applicants in European countries (Eurostat), in the area and from it.

    Columns: area_code, area, year, as_destination, destinations, coverage_destination, as_origin,
    coverage_origin.
    """
    from migcap.cli.output import emit
    from migcap.evidence.irregular import asylum as make

    emit(make(area, years=years, scheme=scheme, edition=edition), fmt, out)


@app.command()
def encounters(
    area: AreaOpt = "WLD",
    years: YearsOpt = None,
    fiscal: Annotated[bool, typer.Option(help="US fiscal years (October-September) instead of calendar "
                                         "years.")] = False,
    scheme: SchemeOpt = "wmr2010",
    edition: EditionOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Encounters at the US southwest land border of citizens of the area (US CBP).

    Columns: area_code, area, year, months, encounters, apprehensions, inadmissibles, expulsions,
    countries, coverage.
    """
    from migcap.cli.output import emit
    from migcap.evidence.irregular import encounters as make

    emit(make(area, years=years, fiscal=fiscal, scheme=scheme, edition=edition), fmt, out)
