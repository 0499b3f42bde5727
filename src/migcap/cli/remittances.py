"""``migcap remittances``: remittance corridors (and per migrant), the region × region matrix, and the
change between editions (bilateral remittances)."""

from __future__ import annotations

from typing import Annotated

import typer

from migcap.cli.options import FormatOpt, OutOpt, SchemeOpt

app = typer.Typer(help="Remittances between countries and regions (KNOMAD/World Bank Bilateral Remittance "
                       "Matrix, US$ million).", no_args_is_help=True)

_EDITION_HELP = ("Edition of the bilateral remittances: 2021 or 2017, or one you imported (default: the "
                 "latest).")


@app.command("corridors")
def corridors(
    area: Annotated[str, typer.Option("--area", "-a", help="WLD, a region of the scheme (code or name), or a "
                                      "country (any name or code).")] = "WLD",
    role: Annotated[str, typer.Option("--role", "-r", help="The area as sender (corridors from it), receiver "
                                      "(into it) or both.")] = "both",
    scheme: SchemeOpt = "wmr2010",
    edition: Annotated[str | None, typer.Option("--edition", "-e", help=_EDITION_HELP)] = None,
    top: Annotated[int, typer.Option("--top", "-n", help="How many corridors.")] = 10,
    per_migrant: Annotated[bool, typer.Option("--per-migrant", "-p", help="Add the migrants of the corridor "
                                              "(UN DESA IMS, the year nearest the remittances) and the "
                                              "remittances per migrant (US$).")] = False,
    stock_edition: Annotated[str | None, typer.Option("--stock-edition", help="IMS edition of the migrant "
                                                      "stocks (default: the latest, 2024).")] = None,
    sort: Annotated[str, typer.Option("--sort", "-s", help="value (largest first) or per_migrant (most per "
                                      "migrant first; implies --per-migrant).")] = "value",
    min_migrants: Annotated[float, typer.Option("--min-migrants", help="With --per-migrant: only corridors "
                                                "with at least this many migrants.")] = 0,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """The largest remittance corridors (sending → receiving country) of the world, a region or a country.

    Columns: rank, year, origin_code, origin (sending), destination_code, destination (receiving),
    remittances_usd_m, share_pct; with --per-migrant also migrants, stock_year, usd_per_migrant. The
    migrants are UN DESA's, never KNOMAD's own stocks (the matrix allocates remittances by those: the ratio
    would be circular).
    """
    from migcap.cli.output import emit
    from migcap.evidence.remittances import corridors as top_corridors

    emit(top_corridors(area, role=role, scheme=scheme, edition=edition, top=top,  # type: ignore[arg-type]
                       per_migrant=per_migrant, stock_edition=stock_edition, sort=sort,  # type: ignore[arg-type]
                       min_migrants=min_migrants), fmt, out)


@app.command("matrix")
def matrix(
    scheme: SchemeOpt = "wmr2010",
    edition: Annotated[str | None, typer.Option("--edition", "-e", help=_EDITION_HELP)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f",
                                     help="table, csv (year, origin, destination, remittances_usd_m), "
                                     "json, md, xlsx or parquet.")] = "table",
    out: OutOpt = None,
) -> None:
    """Remittances by sending region × receiving region, and the shares within regions."""
    from migcap.cli.output import emit, emit_document
    from migcap.evidence.remittances import remittance_matrix

    m = remittance_matrix(scheme, edition=edition)
    if fmt in ("csv", "xlsx", "parquet"):
        emit(m.long, fmt, out)
    else:   # to read: the matrix as a matrix; JSON keeps the long form
        wide = m.wide()
        emit_document([], [wide, m.shares], m.to_dict(), wide.to_markdown() + "\n" + m.shares.to_markdown(),
                      fmt, out)


@app.command("change")
def change(
    by: Annotated[str, typer.Option("--by", "-b", help="corridor (country → country) or region (region → "
                                    "region of the scheme, with the world, within and between regions).")]
    = "corridor",
    area: Annotated[str, typer.Option("--area", "-a", help="With --by corridor: WLD, a region of the scheme "
                                      "or a country.")] = "WLD",
    role: Annotated[str, typer.Option("--role", "-r", help="The area as sender, receiver or both.")] = "both",
    scheme: SchemeOpt = "wmr2010",
    from_edition: Annotated[str | None, typer.Option("--from", help="The earlier edition (default: the "
                                                     "oldest, 2017).")] = None,
    to_edition: Annotated[str | None, typer.Option("--to", help="The later edition (default: the latest, "
                                                   "2021).")] = None,
    top: Annotated[int, typer.Option("--top", "-n", help="How many corridors.")] = 10,
    sort: Annotated[str, typer.Option("--sort", "-s", help="value (largest in the later edition first) or "
                                      "change (largest absolute change first).")] = "value",
    fmt: Annotated[str, typer.Option("--format", "-f",
                                     help="table, csv (the corridors or region pairs), json (both tables), "
                                     "md or xlsx.")] = "table",
    out: OutOpt = None,
) -> None:
    """Remittances per corridor or region pair in two editions (2017 → 2021): both values and the change.

    The two matrices are separate model estimates with their own inputs and methods: a change mixes real
    change with method change.
    """
    from migcap.cli.output import emit, emit_document
    from migcap.evidence.remittances import remittance_change

    r = remittance_change(area, by=by, role=role, scheme=scheme,  # type: ignore[arg-type]
                          from_edition=from_edition, to_edition=to_edition, top=top, sort=sort)  # type: ignore[arg-type]
    if fmt in ("csv", "xlsx", "parquet"):
        emit(r.table, fmt, out)
    else:
        emit_document([], [r.table, r.totals], r.to_dict(), r.to_markdown(), fmt, out)
