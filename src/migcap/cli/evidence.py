"""The evidence commands: stocks, revisions, overview, matrix, crisis, facts (see :mod:`migcap.cli.app`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from migcap.cli.options import EditionOpt, FormatOpt, OutOpt, SchemeOpt

# --------------------------------------------------------------------------------------------- stocks


def stocks(
    by: Annotated[str, typer.Option(help="world, region or country.")] = "world",
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[list[int] | None,
                    typer.Option("--year", "-y", help="Year (repeatable); default: all.")] = None,
    edition: EditionOpt = None,
    coverage: Annotated[str, typer.Option(
        help="Coverage rule for aggregates: any, all, or a share like 0.9.")] = "any",
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """International migrant stock, % of population, female share and refugees (UN DESA IMS).

    Columns: area_code, area, year, migrants, migrants_male, migrants_female, population, migrants_pct,
    female_pct, refugees, coverage.
    """
    from migcap.cli.output import emit
    from migcap.evidence.stocks import stocks as stock_table

    emit(stock_table(by=by, scheme=scheme, years=year, edition=edition,  # type: ignore[arg-type]
                     coverage=coverage), fmt, out)


def revisions(
    by: Annotated[str, typer.Option(help="world, region or country.")] = "world",
    scheme: SchemeOpt = "wmr2010",
    area: Annotated[list[str] | None, typer.Option(
        "--area", "-a", help="Keep this area (code or country name; repeatable); default: all.")] = None,
    year: Annotated[list[int] | None, typer.Option(
        "--year", "-y", help="Year (repeatable); default: the years two editions share.")] = None,
    edition: Annotated[list[str] | None, typer.Option(
        "--edition", "-e", help="Edition to compare (repeatable, at least two); default: all.")] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """How the migrant stock was revised between IMS editions (e.g. 2020 in IMS 2020 and IMS 2024).

    One row per area, year and edition, oldest edition first; change and change_pct compare with the
    previous edition. Example: migcap revisions --year 2020 --by country --area Kenya
    """
    from migcap.cli.output import emit
    from migcap.evidence.revisions import stock_revisions

    emit(stock_revisions(by=by, scheme=scheme, years=year, editions=edition,  # type: ignore[arg-type]
                         areas=area), fmt, out)


# ----------------------------------------------------------------------------- overview, matrix, crisis


def overview(
    area: Annotated[str, typer.Option("--area", "-a", help="WLD, a region of the scheme (code or name), or a "
                                      "country (any name or code).")] = "WLD",
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[int | None,
                    typer.Option("--year", "-y", help="Year of the migrant stock (default: latest).")] = None,
    edition: EditionOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table (terminal), json or md.")] = "table",
    out: OutOpt = None,
) -> None:
    """Overview of an area: stocks and trend, origins, corridors, diaspora, remittances, the 2009 crisis."""
    from migcap.cli.output import emit_document
    from migcap.evidence.overview import overview as make

    ov = make(area, scheme=scheme, year=year, edition=edition)
    emit_document(ov.facts, list(ov.sections.values()), ov.to_dict(), ov.to_markdown(), fmt, out)


def matrix(
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[int | None,
                    typer.Option("--year", "-y", help="Year (default: the latest of the edition).")] = None,
    edition: EditionOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f",
                                     help="table, csv (year, origin, destination, migrants), "
                                     "json, md, xlsx or parquet.")] = "table",
    out: OutOpt = None,
) -> None:
    """Migrant stock by region of origin × region of destination, and the intra-regional shares."""
    from migcap.cli.output import emit, emit_document
    from migcap.evidence.matrix import region_matrix

    m = region_matrix(scheme, year=year, edition=edition)
    if fmt in ("csv", "xlsx", "parquet"):
        emit(m.long, fmt, out)
    else:   # to read: the matrix as a matrix; JSON keeps the long form
        wide = m.wide()
        emit_document([], [wide, m.shares], m.to_dict(), wide.to_markdown() + "\n" + m.shares.to_markdown(),
                      fmt, out)


def crisis(
    indicator: Annotated[str, typer.Option(help="remittances_received, remittances_paid, "
                                           "remittance_inflows_knomad, migrant_stock, net_migration "
                                           "or unemployment.")] = "remittances_received",
    shock: Annotated[int, typer.Option(help="The shock year.")] = 2009,
    baseline: Annotated[str | None, typer.Option(help="Baseline years for the trend, e.g. 2003-2008 "
                                                 "(default: the six years before the shock).")] = None,
    by: Annotated[str, typer.Option(help="world, region or country.")] = "world",
    scheme: SchemeOpt = "wmr2010",
    edition: EditionOpt = None,
    level: Annotated[float, typer.Option(help="Coverage of the prediction interval.")] = 0.95,
    through: Annotated[int | None, typer.Option(
        help="Show every year from the shock to this year against the trend (the recovery path), "
             "e.g. --shock 2020 --through 2023.")] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Impact of an economic shock: actual vs the pre-shock trend, recovery year, ranking of the hardest hit.

    CSV columns: area_code, area, year, actual, counterfactual, lower, upper, deviation_pct, yoy_pct,
    recovery_year, deviation, pre_shock, rank, coverage, note. With --through: area_code, area, year,
    actual, counterfactual, lower, upper, deviation_pct, vs_pre_shock_pct, coverage, note.
    """
    from migcap.cli.output import emit, emit_document
    from migcap.evidence.crisis import recovery_path, shock_impact

    if through is not None:
        emit(recovery_path(indicator, shock=shock, through=through, baseline=baseline,
                           by=by, scheme=scheme, edition=edition, level=level),  # type: ignore[arg-type]
             fmt, out)
        return
    r = shock_impact(indicator, shock=shock, baseline=baseline, by=by,  # type: ignore[arg-type]
                     scheme=scheme, edition=edition, level=level)
    if fmt in ("json", "table", "md") and r.decomposition is not None:
        tables = [r.table, r.decomposition]
        md = r.table.to_markdown() + "\n" + r.decomposition.to_markdown()
        emit_document([], tables, r.to_dict(), md, fmt, out)
    elif fmt == "json":
        emit_document([], [r.table], r.to_dict(), r.table.to_markdown(), fmt, out)
    else:
        emit(r.table, fmt, out)


def facts(
    area: Annotated[str,
                    typer.Option("--area", "-a", help="WLD, a region of the scheme, or a country.")] = "WLD",
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[int | None, typer.Option("--year", "-y", help="Year (default: latest).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Key facts about an area in a few sentences, each with its source."""
    import json

    from migcap.evidence.overview import key_facts

    items = key_facts(area, scheme=scheme, year=year)
    if fmt == "json":
        sys.stdout.write(json.dumps([f.to_dict() for f in items], indent=2, ensure_ascii=False) + "\n")
    else:
        for f in items:
            typer.echo(f.text)
        for src in dict.fromkeys(s for f in items for s in f.sources):
            typer.echo(f"Source: {src}")
