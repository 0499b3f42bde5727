"""Remittances between countries and regions (KNOMAD/World Bank Bilateral Remittance Matrix).

Two analyses of the ``bilateral_remittances`` dataset, one edition (one year) at a time:

* :func:`corridors` — the largest sending → receiving corridors of the world, a region or a country,
  as sender, receiver or both;
* :func:`remittance_matrix` — remittances by sending region × receiving region, within and between the
  regions of a scheme, built with the helpers of the migrant stock matrix
  (:func:`migcap.evidence.matrix.region_cells`, :func:`~migcap.evidence.matrix.intra_shares`,
  :class:`~migcap.evidence.matrix.MatrixResult`).

Values are US$ million as published. The sending country is where the migrants live (``origin`` of the
remittances), the receiving country their country of origin (``destination``). Both results note the
world total as published (the WORLD row and column of the source) beside the sum of the country cells,
and say where they differ.

Examples
--------
>>> corridors("WLD", edition="2021", top=1).rows[0][2:7]                 # doctest: +SKIP
('USA', 'United States', 'MEX', 'Mexico', 52595.342546...)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from migcap.errors import MigcapError
from migcap.evidence.matrix import MatrixResult, intra_shares, region_cells
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["CORRIDOR_COLUMNS", "ROLES", "UNIT", "corridors", "remittance_matrix", "world_total_note"]

DATASET = "bilateral_remittances"
UNIT = "US$ million"
VALUE = "remittances_usd_m"
Role = Literal["sender", "receiver", "both"]
ROLES = ("sender", "receiver", "both")
CORRIDOR_COLUMNS = ("rank", "year", "origin_code", "origin", "destination_code", "destination", VALUE,
                    "share_pct")
#: differences smaller than this (US$ million) between a published total and its cells are rounding
_ROUNDING = 0.05


def _edition(con: duckdb.DuckDBPyConnection, edition: str | None) -> tuple[str, int, str]:
    """(edition, its year, its source line)."""
    from migcap.store.warehouse import resolve_edition, source_line, years_of

    ed = resolve_edition(con, DATASET, edition)
    years = years_of(con, DATASET, ed)
    if not years:
        raise MigcapError(f"edition {ed} of {DATASET} holds no rows")
    return ed, years[-1], source_line(con, DATASET, ed)


def world_total_note(con: duckdb.DuckDBPyConnection, edition: str) -> str:
    """The published world total of an edition beside the sum of its country cells, in words.

    Where they differ, names the receiving countries whose published total (WORLD row) is not the sum
    of their column, the largest difference first.

    Examples
    --------
    >>> world_total_note(con, "2021")[:70]                                    # doctest: +SKIP
    'World total as published (WORLD row × WORLD column): 781,075.7 US$ mil'
    """
    [(cells,)] = con.execute(f"SELECT sum({VALUE}) FROM {DATASET} WHERE edition = ?", [edition]).fetchall()
    row = con.execute(f"SELECT {VALUE} FROM {DATASET}_published WHERE edition = ? AND origin = 'WLD' "
                      "AND dest = 'WLD'", [edition]).fetchone()
    cells = cells or 0.0
    if row is None:
        return f"The source gives no world total; the country cells add up to {cells:,.1f} {UNIT}."
    world = row[0]
    if abs(world - cells) <= _ROUNDING:
        return (f"World total as published (WORLD row × WORLD column): {world:,.1f} {UNIT}, the sum of the "
                "country cells.")
    diffs = con.execute(f"""
        SELECT p.dest, p.{VALUE} - coalesce(s.cells, 0) AS diff
        FROM {DATASET}_published p
        LEFT JOIN (SELECT dest, sum({VALUE}) AS cells FROM {DATASET} WHERE edition = ? GROUP BY dest) s
          USING (dest)
        WHERE p.edition = ? AND p.origin = 'WLD' AND p.dest <> 'WLD'
          AND abs(p.{VALUE} - coalesce(s.cells, 0)) > ?
        ORDER BY abs(diff) DESC""", [edition, edition, _ROUNDING]).fetchall()
    from migcap.geo.countries import country_table

    name = country_table().name_of
    where = ", ".join(f"{name(d)} {diff:+,.1f}" for d, diff in diffs)
    return (f"World total as published (WORLD row × WORLD column): {world:,.1f} {UNIT}; the country cells "
            f"add up to {cells:,.1f} ({cells - world:+,.1f})"
            + (f": the WORLD row gives {where} against the cells of their columns." if where else "."))


def corridors(
    area: str = "WLD",
    *,
    role: Role = "both",
    scheme: str | Scheme = "wmr2010",
    edition: str | None = None,
    top: int = 10,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Table:
    """The largest remittance corridors (sending country → receiving country) of an area.

    Parameters
    ----------
    area
        ``WLD``, a region of ``scheme`` (code or name) or a country (any name or code).
    role
        ``sender`` (corridors from the area), ``receiver`` (into the area) or ``both``; the world's
        corridors are all corridors whatever the role.
    scheme
        Region scheme of a region ``area``.
    edition
        Edition of the bilateral remittances (``2021``, ``2017``); default: the latest.
    top
        How many corridors (at least 1).
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).

    Returns
    -------
    Table
        Columns ``rank, year, origin_code, origin`` (sending), ``destination_code, destination``
        (receiving), ``remittances_usd_m`` and ``share_pct``: the corridor's share of all the corridors
        of the area in that role.

    Raises
    ------
    MigcapError
        For an unknown role or a ``top`` below 1; ``UnknownAreaError`` for an unknown area;
        ``EditionError`` for an unknown edition.
    """
    from migcap.evidence.overview import resolve_area
    from migcap.geo.aggregate import register_members
    from migcap.geo.countries import country_table
    from migcap.store.warehouse import connect

    if role not in ROLES:
        raise MigcapError(f"unknown role {role!r}", hint="use sender, receiver or both")
    if top < 1:
        raise MigcapError(f"--top must be at least 1 (got {top})")
    con = con or connect()
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    a = resolve_area(area, sch)
    ed, year, source = _edition(con, edition)
    if a.kind == "world":
        side, params = "TRUE", []
    else:
        if a.kind == "region":
            members = register_members(con, sch)
            test, one = f"IN (SELECT iso3 FROM {members} WHERE code = ?)", [a.code]
        else:
            test, one = "= ?", [a.code]
        parts = {"sender": [f"origin {test}"], "receiver": [f"dest {test}"],
                 "both": [f"origin {test}", f"dest {test}"]}[role]
        side, params = "(" + " OR ".join(parts) + ")", one * len(parts)
    rows = con.execute(f"""
        SELECT origin, dest, {VALUE}, {VALUE} / sum({VALUE}) OVER () * 100 AS share
        FROM {DATASET} WHERE edition = ? AND {side}
        ORDER BY {VALUE} DESC, origin, dest""", [ed, *params]).fetchall()
    name = country_table().name_of
    out = tuple((i + 1, year, o, name(o), d, name(d), v, s) for i, (o, d, v, s) in enumerate(rows[:top]))
    what = {"sender": "sent from", "receiver": "received by", "both": "sent from or received by"}[role]
    where = "the world" if a.kind == "world" else a.name
    title = (f"Largest remittance corridors, {year}" if a.kind == "world"
             else f"Largest remittance corridors {what} {where}, {year}")
    total = sum(v for _, _, v, _ in rows)
    notes = [f"share_pct: share of the {len(rows):,} corridors of {where}"
             + ("" if a.kind == "world" else f" ({role})") + f", together {total:,.1f} {UNIT}.",
             "Analytical estimates of the World Bank from migrant stocks and incomes of the host and the "
             "origin country, not reported flows.",
             world_total_note(con, ed)]
    if a.kind == "region":
        notes.insert(0, f"Regions: {sch.title} ({sch.id}).")
    return Table(CORRIDOR_COLUMNS, out, title=title, sources=(source,), notes=tuple(notes),
                 units={VALUE: UNIT, "share_pct": "% of the area's corridors"})


def remittance_matrix(
    scheme: str | Scheme = "wmr2010",
    *,
    edition: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> MatrixResult:
    """Remittances by sending region × receiving region, within and between the regions of a scheme.

    Parameters
    ----------
    scheme
        Region scheme (name, file or :class:`~migcap.geo.schemes.Scheme`); countries in none of its
        regions are the region "Outside the scheme".
    edition
        Edition of the bilateral remittances (default: the latest).
    con
        Warehouse connection.

    Returns
    -------
    MatrixResult
        ``long``: ``year, origin`` (sending region) ``, destination`` (receiving region)
        ``, remittances_usd_m``, adding up to the sum of the country cells; ``shares``: per region, the
        remittances within the region, received (from all regions, from other regions) and sent (to all,
        to other regions) and the within-region shares of both, then a ``World`` row whose within is the
        sum over the regions and whose between is the rest (flows of countries outside the scheme
        included); ``wide()`` reads it as a matrix.
    """
    from migcap.store.warehouse import connect

    con = con or connect()
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    ed, year, source = _edition(con, edition)
    pairs = con.execute(f"SELECT year, origin, dest, {VALUE} FROM {DATASET} WHERE edition = ? AND year = ?",
                        [ed, year]).fetchall()
    cells, order = region_cells(pairs, sch)
    rank = {n: i for i, n in enumerate(order)}
    long_rows = tuple(sorted(((y, o, d, v) for (y, o, d), v in cells.items()), key=lambda r: (rank[r[1]],
                                                                                               rank[r[2]])))
    regions = list(sch.regions.values())
    share_rows = []
    for region, within, received, rec_pct, sent, sent_pct in intra_shares(cells, year, regions):
        share_rows.append((year, region, within, received, received - within, rec_pct, sent, sent - within,
                           sent_pct))
    total = sum(cells.values())
    within_all = sum(r[2] for r in share_rows)
    world_pct = within_all / total * 100 if total else None
    share_rows.append((year, "World", within_all, total, total - within_all, world_pct, total,
                       total - within_all, world_pct))
    notes = (f"Regions: {sch.title} ({sch.id}). Rows: the sending region (where the migrants live); "
             "columns: the receiving region.",
             f"Within regions {within_all:,.1f}, between regions {total - within_all:,.1f}, together "
             f"{total:,.1f} {UNIT}.",
             world_total_note(con, ed))
    long = Table(("year", "origin", "destination", VALUE), long_rows,
                 title=f"Remittances by sending region and receiving region, {year}", sources=(source,),
                 notes=notes, units={VALUE: UNIT})
    shares = Table(
        ("year", "region", "within_region", "received", "received_from_other_regions",
         "intra_share_received_pct", "sent", "sent_to_other_regions", "intra_share_sent_pct"),
        tuple(share_rows),
        title="Remittances within regions: the share of a region's receipts sent from the same region, "
        "and of its payments sent to the same region", sources=(source,), notes=notes,
        units={c: UNIT for c in ("within_region", "received", "received_from_other_regions", "sent",
                                 "sent_to_other_regions")}
        | {"intra_share_received_pct": "%", "intra_share_sent_pct": "%"})
    return MatrixResult(sch.id, (year,), long, shares,
                        heading="Remittances (US$ million) by sending region (rows) and receiving region "
                        "(columns)")
