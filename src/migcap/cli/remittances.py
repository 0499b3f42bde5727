"""``migcap remittances``: remittance corridors and the region × region matrix (bilateral remittances)."""

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
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """The largest remittance corridors (sending → receiving country) of the world, a region or a country.

    Columns: rank, year, origin_code, origin (sending), destination_code, destination (receiving),
    remittances_usd_m, share_pct.
    """
    from migcap.cli.output import emit
    from migcap.evidence.remittances import corridors as top_corridors

    emit(top_corridors(area, role=role, scheme=scheme, edition=edition, top=top),  # type: ignore[arg-type]
         fmt, out)


@app.command("matrix")
def matrix(
    scheme: SchemeOpt = "wmr2010",
    edition: Annotated[str | None, typer.Option("--edition", "-e", help=_EDITION_HELP)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f",
                                     help="table, csv (year, origin, destination, remittances_usd_m), "
                                     "json, md or xlsx.")] = "table",
    out: OutOpt = None,
) -> None:
    """Remittances by sending region × receiving region, and the shares within regions."""
    from migcap.cli.output import emit, emit_document
    from migcap.evidence.remittances import remittance_matrix

    m = remittance_matrix(scheme, edition=edition)
    if fmt in ("csv", "xlsx"):
        emit(m.long, fmt, out)
    else:   # to read: the matrix as a matrix; JSON keeps the long form
        wide = m.wide()
        emit_document([], [wide, m.shares], m.to_dict(), wide.to_markdown() + "\n" + m.shares.to_markdown(),
                      fmt, out)
