"""Remittances between countries and regions (KNOMAD/World Bank Bilateral Remittance Matrix).

Two analyses of the ``bilateral_remittances`` dataset, one edition (one year) at a time:

* :func:`corridors` — the largest sending → receiving corridors of the world, a region or a country,
  as sender, receiver or both;
* :func:`remittance_matrix` — remittances by sending region × receiving region, within and between the
  regions of a scheme, built with the helpers of the migrant stock matrix
  (:func:`migcap.evidence.matrix.region_cells`, :func:`~migcap.evidence.matrix.intra_shares`,
  :class:`~migcap.evidence.matrix.MatrixResult`);
* remittances per migrant by corridor (``corridors(..., per_migrant=True)``): each corridor's remittances
  divided by UN DESA's migrant stock of the nearest year (:func:`nearest_year`);
* :func:`remittance_change` — the same corridors or region pairs in two editions (2017 → 2021), with the
  absolute and relative change.

Values are US$ million as published. The sending country is where the migrants live (``origin`` of the
remittances), the receiving country their country of origin (``destination``). Both results note the
world total as published (the WORLD row and column of the source) beside the sum of the country cells,
and say where they differ.

The figures are model estimates, not recorded flows: :data:`MODEL_NOTE`, the one wording of that caveat,
goes with every table built here (and with the web pages and the report that show them).

**Per migrant, never with KNOMAD's own stocks.** The World Bank allocates each country's remittances to
corridors in proportion to its own bilateral migrant stocks (and the incomes of both countries); remittances
divided by those same stocks would give back the allocation rule, not evidence. The per-migrant figures
therefore divide by UN DESA's International Migrant Stock (dataset ``bilateral_stock``, default edition: the
latest, IMS 2024), an independent count, in the year of that edition nearest the remittance year; KNOMAD's
bilateral stocks are not used anywhere in migcap.

Examples
--------
>>> corridors("WLD", edition="2021", top=1).rows[0][2:7]                 # doctest: +SKIP
('USA', 'United States', 'MEX', 'Mexico', 52595.342546...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from migcap.errors import MigcapError
from migcap.evidence.matrix import MatrixResult, intra_shares, region_cells
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["CHANGE_NOTE", "CORRIDOR_COLUMNS", "MODEL_NOTE", "PER_MIGRANT_COLUMNS", "PER_MIGRANT_NOTE",
           "ROLES", "SORTS", "UNIT", "ChangeResult", "corridors", "nearest_year", "remittance_change",
           "remittance_matrix", "world_total_note"]

DATASET = "bilateral_remittances"
UNIT = "US$ million"
VALUE = "remittances_usd_m"
Role = Literal["sender", "receiver", "both"]
ROLES = ("sender", "receiver", "both")
CORRIDOR_COLUMNS = ("rank", "year", "origin_code", "origin", "destination_code", "destination", VALUE,
                    "share_pct")
PER_MIGRANT_COLUMNS = ("migrants", "stock_year", "usd_per_migrant")
Sort = Literal["value", "per_migrant"]
SORTS = ("value", "per_migrant")
STOCKS = "bilateral_stock"

#: The caveat of every remittance table, page and report section: one wording, in one place.
MODEL_NOTE = ("These are model estimates, not recorded flows: the World Bank allocates each country's "
              "remittance inflow among sending countries by their migrant stocks and incomes (KNOMAD "
              "Bilateral Remittance Matrix).")
#: Why remittances per migrant divide by UN DESA's stocks and not by KNOMAD's.
PER_MIGRANT_NOTE = ("Per migrant: the corridor's remittances ÷ UN DESA's migrant stock (persons born "
                    "in the receiving country who live in the sending country). KNOMAD's own bilateral "
                    "stocks are not used: the matrix allocates remittances by those stocks, so the ratio "
                    "would be circular.")
#: The caveat of a change between two editions of the matrix.
CHANGE_NOTE = ("The two editions are separate model estimates, each made with the migrant stocks, incomes "
               "and remittance totals of its time and the method of its edition: a change mixes real change "
               "with changes of inputs and method, and is not a measured growth.")

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


def _named(name: str) -> str:
    """An area's name as in a sentence ('the Philippines', 'Kenya')."""
    from migcap.evidence.facts import with_article

    return with_article(name)


def nearest_year(years: Sequence[int], year: int) -> int:
    """The year of ``years`` nearest ``year``; of two equally near, the earlier.

    Examples
    --------
    >>> nearest_year([2010, 2015, 2020, 2024], 2021), nearest_year([2015, 2020, 2024], 2017)
    (2020, 2015)
    >>> nearest_year([2020, 2024], 2022)
    2020
    """
    if not years:
        raise MigcapError("no years to choose from")
    return min(years, key=lambda y: (abs(y - year), y))


def _stock_edition(con: duckdb.DuckDBPyConnection, edition: str | None, year: int) -> tuple[str, int, str]:
    """(IMS bilateral edition, its year nearest ``year``, its source line)."""
    from migcap.store.warehouse import resolve_edition, source_line, years_of

    ed = resolve_edition(con, STOCKS, edition)
    return ed, nearest_year(years_of(con, STOCKS, ed), year), source_line(con, STOCKS, ed)


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


def _area_filter(con: duckdb.DuckDBPyConnection, area: str, role: Role, sch: Scheme,
                 prefix: str = "") -> tuple[Any, str, list[Any]]:
    """(the resolved area, a SQL test of the corridors of the area in its role, its parameters)."""
    from migcap.evidence.overview import resolve_area
    from migcap.geo.aggregate import register_members

    if role not in ROLES:
        raise MigcapError(f"unknown role {role!r}", hint="use sender, receiver or both")
    a = resolve_area(area, sch)
    if a.kind == "world":
        return a, "TRUE", []
    if a.kind == "region":
        members = register_members(con, sch)
        test, one = f"IN (SELECT iso3 FROM {members} WHERE code = ?)", [a.code]
    else:
        test, one = "= ?", [a.code]
    parts = {"sender": [f"{prefix}origin {test}"], "receiver": [f"{prefix}dest {test}"],
             "both": [f"{prefix}origin {test}", f"{prefix}dest {test}"]}[role]
    return a, "(" + " OR ".join(parts) + ")", one * len(parts)


def corridors(
    area: str = "WLD",
    *,
    role: Role = "both",
    scheme: str | Scheme = "wmr2010",
    edition: str | None = None,
    top: int = 10,
    per_migrant: bool = False,
    stock_edition: str | None = None,
    sort: Sort = "value",
    min_migrants: float = 0,
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
    per_migrant
        Add the migrant stock of the corridor and the remittances per migrant (US$). The stock is UN
        DESA's (``bilateral_stock``): persons born in the receiving country living in the sending country,
        in the year of ``stock_edition`` nearest the remittance year (:func:`nearest_year`). Never KNOMAD's
        own bilateral stocks: the matrix allocates remittances by them, so the ratio would be circular.
    stock_edition
        Edition of ``bilateral_stock`` (default: the latest or the pinned one, IMS 2024).
    sort
        ``value`` (the largest remittances first) or ``per_migrant`` (the most per migrant first, corridors
        without a stock last; implies ``per_migrant``).
    min_migrants
        With ``per_migrant``: leave out corridors with fewer migrants than this (a corridor of a few
        migrants gives a per-migrant figure of little meaning). Shares stay shares of all the corridors.
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).

    Returns
    -------
    Table
        Columns ``rank, year, origin_code, origin`` (sending), ``destination_code, destination``
        (receiving), ``remittances_usd_m`` and ``share_pct``: the corridor's share of all the corridors
        of the area in that role; with ``per_migrant`` also ``migrants``, ``stock_year`` and
        ``usd_per_migrant`` (empty where IMS has no migrants in the corridor).

    Raises
    ------
    MigcapError
        For an unknown role or sort, a ``top`` below 1, a negative ``min_migrants`` or ``min_migrants``
        without ``per_migrant``; ``UnknownAreaError`` for an unknown area; ``EditionError`` for an unknown
        edition.

    Examples
    --------
    >>> t = corridors("MEX", role="receiver", per_migrant=True, top=1)           # doctest: +SKIP
    >>> next(iter(t))["stock_year"]                                              # doctest: +SKIP
    2020
    """
    from migcap.geo.countries import country_table
    from migcap.store.warehouse import connect

    if sort not in SORTS:
        raise MigcapError(f"unknown sort {sort!r}", hint="use value or per_migrant")
    if top < 1:
        raise MigcapError(f"--top must be at least 1 (got {top})")
    per_migrant = per_migrant or sort == "per_migrant"
    if min_migrants < 0:
        raise MigcapError(f"--min-migrants must be 0 or more (got {min_migrants:g})")
    if min_migrants and not per_migrant:
        raise MigcapError("--min-migrants needs --per-migrant")
    con = con or connect()
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    a, side, params = _area_filter(con, area, role, sch)
    ed, year, source = _edition(con, edition)
    sources = [source]
    stock_sql, stock_params, keep = "NULL::DOUBLE", [], ""
    if per_migrant:
        s_ed, s_year, s_source = _stock_edition(con, stock_edition, year)
        sources.append(s_source)
        stock_sql = (f"(SELECT s.migrants FROM {STOCKS} s WHERE s.edition = ? AND s.year = ? "
                     "AND s.dest = r.origin AND s.origin = r.dest)")
        stock_params = [s_ed, s_year]
        keep = "WHERE coalesce(migrants, 0) >= ?" if min_migrants else ""
    order = ("per_migrant DESC NULLS LAST, " if sort == "per_migrant" else "") + f"{VALUE} DESC, origin, dest"
    rows = con.execute(f"""
        WITH r AS (
            SELECT origin, dest, {VALUE}, {VALUE} / sum({VALUE}) OVER () * 100 AS share,
                   sum({VALUE}) OVER () AS total, count(*) OVER () AS n
            FROM {DATASET} WHERE edition = ? AND {side}),
        m AS (SELECT r.*, {stock_sql} AS migrants FROM r)
        SELECT origin, dest, {VALUE}, share, total, n, migrants,
               CASE WHEN migrants > 0 THEN {VALUE} * 1e6 / migrants END AS per_migrant
        FROM m {keep}
        ORDER BY {order}""", [ed, *params, *stock_params, *([min_migrants] if keep else [])]).fetchall()
    name = country_table().name_of
    out = []
    for i, (o, d, v, s, _, _, mig, per) in enumerate(rows[:top]):
        row: tuple[Any, ...] = (i + 1, year, o, name(o), d, name(d), v, s)
        if per_migrant:
            row += (mig, s_year if mig is not None else None, per)
        out.append(row)
    what = {"sender": "sent from", "receiver": "received by", "both": "sent from or received by"}[role]
    where = "the world" if a.kind == "world" else _named(a.name)
    title = (f"Largest remittance corridors, {year}" if a.kind == "world"
             else f"Largest remittance corridors {what} {where}, {year}")
    if sort == "per_migrant":
        title = title.replace("Largest remittance corridors",
                              "Remittance corridors with the most per migrant")
    if rows:
        total, n = rows[0][4], rows[0][5]
    else:
        [(total, n)] = con.execute(f"SELECT coalesce(sum({VALUE}), 0), count(*) FROM {DATASET} "
                                   f"WHERE edition = ? AND {side}", [ed, *params]).fetchall()
    notes = [f"share_pct: share of the {n:,} corridors of {where}"
             + ("" if a.kind == "world" else f" ({role})") + f", together {total:,.1f} {UNIT}.",
             MODEL_NOTE, world_total_note(con, ed)]
    units = {VALUE: UNIT, "share_pct": "% of the area's corridors"}
    columns: tuple[str, ...] = CORRIDOR_COLUMNS
    if per_migrant:
        columns += PER_MIGRANT_COLUMNS
        units |= {"migrants": "persons", "usd_per_migrant": "US$ per migrant"}
        [(missing, missing_v)] = con.execute(f"""
            SELECT count(*), coalesce(sum({VALUE}), 0) FROM {DATASET} r
            WHERE r.edition = ? AND {side} AND coalesce({stock_sql}, 0) <= 0""",
                                             [ed, *params, *stock_params]).fetchall()
        notes += [PER_MIGRANT_NOTE,
                  f"migrants: UN DESA International Migrant Stock, edition {s_ed}, in {s_year} (the year of "
                  f"that edition nearest {year}); usd_per_migrant = remittances_usd_m × 1,000,000 ÷ "
                  "migrants.",
                  f"{missing:,} of the {n:,} corridors ({missing_v:,.1f} {UNIT}) have no migrants in IMS "
                  f"{s_ed} for {s_year}: they have no per-migrant figure."]
        if keep:
            notes.append(f"Only corridors with at least {min_migrants:,.0f} migrants are listed "
                         f"({len(rows):,} of {n:,}).")
    if a.kind == "region":
        notes.insert(0, f"Regions: {sch.title} ({sch.id}).")
    return Table(columns, tuple(out), title=title, sources=tuple(sources), notes=tuple(notes), units=units)


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
             MODEL_NOTE,
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


# ------------------------------------------------------------------------------------------- change

By = Literal["corridor", "region"]
ChangeSort = Literal["value", "change"]


@dataclass(frozen=True)
class ChangeResult:
    """Remittances in two editions of the matrix and their change.

    ``table``: per corridor (``by="corridor"``) or region pair (``by="region"``), the value in each edition
    (columns ``remittances_<edition>_usd_m``), ``change_usd_m`` and ``change_pct``; ``totals``: the same
    for all the corridors of the area, or for the world, within regions and between regions.
    """

    by: str
    editions: tuple[str, str]
    years: tuple[int, int]
    table: Table
    totals: Table

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "editions": list(self.editions), "years": list(self.years),
                "table": self.table.to_dict(), "totals": self.totals.to_dict()}

    def to_markdown(self) -> str:
        return self.table.to_markdown() + "\n" + self.totals.to_markdown()


def _change(a: float | None, b: float | None) -> tuple[float | None, float | None]:
    if a is None or b is None:
        return None, None
    return b - a, ((b - a) / a * 100 if a > 0 else None)


def _covered(con: duckdb.DuckDBPyConnection, edition: str) -> tuple[set[str], set[str]]:
    """The sending and the receiving countries of an edition: those with a cell or a published total."""
    rows = con.execute(f"""
        SELECT origin, dest FROM {DATASET} WHERE edition = ?
        UNION SELECT origin, dest FROM {DATASET}_published WHERE edition = ?""",
                       [edition, edition]).fetchall()
    return {o for o, _ in rows} - {"WLD"}, {d for _, d in rows} - {"WLD"}


def remittance_change(
    area: str = "WLD",
    *,
    by: By = "corridor",
    role: Role = "both",
    scheme: str | Scheme = "wmr2010",
    from_edition: str | None = None,
    to_edition: str | None = None,
    top: int = 10,
    sort: ChangeSort = "value",
    con: duckdb.DuckDBPyConnection | None = None,
) -> ChangeResult:
    """Remittances per corridor or per region pair in two editions (2017 → 2021) and their change.

    A corridor without a cell in an edition whose matrix has both countries (an empty, zero or ``-`` cell)
    counts as 0 in that edition; one whose sending or receiving country is missing from an edition has no
    value there and no change (missing is not zero). The two matrices are separate model estimates with
    their own inputs and methods (:data:`CHANGE_NOTE`): a change is not a measured growth.

    Parameters
    ----------
    area
        ``WLD``, a region of ``scheme`` or a country: the corridors of the area in its ``role``
        (``by="corridor"`` only; the region view shows every pair of regions).
    by
        ``corridor`` (sending country → receiving country) or ``region`` (sending region → receiving region of
        ``scheme``, countries in no region counted as "Outside the scheme").
    role
        ``sender``, ``receiver`` or ``both`` (as in :func:`corridors`).
    scheme
        Region scheme (of a region ``area``, and of ``by="region"``).
    from_edition, to_edition
        The two editions (default: the oldest and the latest, 2017 and 2021).
    top
        How many corridors (``by="corridor"``), at least 1.
    sort
        ``value`` (the largest corridors of ``to_edition`` first) or ``change`` (the largest absolute change
        first, up or down).
    con
        Warehouse connection.

    Returns
    -------
    ChangeResult
        The corridors or region pairs, and the totals.

    Examples
    --------
    >>> r = remittance_change(by="region")                                          # doctest: +SKIP
    >>> [row["scope"] for row in r.totals]                                           # doctest: +SKIP
    ['World', 'Within regions', 'Between regions']
    """
    from migcap.evidence.matrix import region_cells
    from migcap.geo.countries import country_table
    from migcap.store.warehouse import connect, editions

    if by not in ("corridor", "region"):
        raise MigcapError(f"unknown view {by!r}", hint="use corridor or region")
    if sort not in ("value", "change"):
        raise MigcapError(f"unknown sort {sort!r}", hint="use value or change")
    if top < 1:
        raise MigcapError(f"--top must be at least 1 (got {top})")
    con = con or connect()
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    names = [e.edition for e in editions(con, DATASET)]  # newest first
    e1, y1, src1 = _edition(con, from_edition or (names[-1] if names else None))
    e2, y2, src2 = _edition(con, to_edition)
    if e1 == e2:
        raise MigcapError(f"both editions are {e1}", hint=f"compare two of {', '.join(names)}")
    c1, c2 = f"remittances_{e1}_usd_m", f"remittances_{e2}_usd_m"
    units = {c1: UNIT, c2: UNIT, "change_usd_m": UNIT, "change_pct": "%"}
    values = (c1, c2, "change_usd_m", "change_pct")
    sources = (src1, src2)
    notes = [f"{c1}: {y1}, edition {e1}; {c2}: {y2}, edition {e2}.", CHANGE_NOTE, MODEL_NOTE,
             f"Edition {e1}: {world_total_note(con, e1)} Edition {e2}: {world_total_note(con, e2)}"]
    if by == "region":
        cells: dict[str, dict[tuple[str, str], float]] = {}
        order: list[str] = []
        for ed in (e1, e2):
            pairs = con.execute(f"SELECT year, origin, dest, {VALUE} FROM {DATASET} WHERE edition = ?",
                                [ed]).fetchall()
            summed, order_ed = region_cells(pairs, sch)
            cells[ed] = {(o, d): v for (_, o, d), v in summed.items()}
            order += [n for n in order_ed if n not in order]
        rank = {n: i for i, n in enumerate(order)}
        keys = sorted(set(cells[e1]) | set(cells[e2]), key=lambda k: (rank[k[0]], rank[k[1]]))
        pair_rows: list[tuple[Any, ...]] = []
        for o, d in keys:
            a_v, b_v = cells[e1].get((o, d), 0.0), cells[e2].get((o, d), 0.0)
            pair_rows.append((o, d, a_v, b_v, *_change(a_v, b_v)))
        table = Table(("origin", "destination", *values), tuple(pair_rows),
                      title=f"Remittances by sending and receiving region, {y1} and {y2}", sources=sources,
                      notes=(f"Regions: {sch.title} ({sch.id}). A pair of regions without a cell in an "
                             "edition counts as 0 there.", *notes), units=units)
        t1, t2 = sum(cells[e1].values()), sum(cells[e2].values())
        w1 = sum(v for (o, d), v in cells[e1].items() if o == d and o in sch.regions.values())
        w2 = sum(v for (o, d), v in cells[e2].items() if o == d and o in sch.regions.values())
        b1, b2 = t1 - w1, t2 - w2
        total_rows: list[tuple[Any, ...]] = [("World", t1, t2, *_change(t1, t2)),
                                             ("Within regions", w1, w2, *_change(w1, w2)),
                                             ("Between regions", b1, b2, *_change(b1, b2))]
        totals = Table(("scope", *values), tuple(total_rows),
                       title=f"Remittances within and between regions ({sch.id}), {y1} and {y2}",
                       sources=sources, notes=tuple(notes), units=units)
        return ChangeResult("region", (e1, e2), (y1, y2), table, totals)
    a, side, params = _area_filter(con, area, role, sch, prefix="p.")
    s1, r1 = _covered(con, e1)
    s2, r2 = _covered(con, e2)
    got = con.execute(f"""
        WITH a AS (SELECT origin, dest, {VALUE} AS v FROM {DATASET} WHERE edition = ?),
             b AS (SELECT origin, dest, {VALUE} AS v FROM {DATASET} WHERE edition = ?),
             p AS (SELECT origin, dest FROM a UNION SELECT origin, dest FROM b)
        SELECT p.origin, p.dest, a.v, b.v FROM p
        LEFT JOIN a ON a.origin = p.origin AND a.dest = p.dest
        LEFT JOIN b ON b.origin = p.origin AND b.dest = p.dest
        WHERE {side}""", [e1, e2, *params]).fetchall()
    full: list[tuple[Any, ...]] = []
    for o, d, v1, v2 in got:
        v1 = v1 if v1 is not None else (0.0 if o in s1 and d in r1 else None)
        v2 = v2 if v2 is not None else (0.0 if o in s2 and d in r2 else None)
        full.append((o, d, v1, v2, *_change(v1, v2)))
    if sort == "change":
        full.sort(key=lambda r: (r[4] is None, -abs(r[4] or 0.0), r[0], r[1]))
    else:
        full.sort(key=lambda r: (r[3] is None, -(r[3] or 0.0), -(r[2] or 0.0), r[0], r[1]))
    name = country_table().name_of
    rows = [(i + 1, o, name(o), d, name(d), v1, v2, ch, pct)
            for i, (o, d, v1, v2, ch, pct) in enumerate(full[:top])]
    where = "the world" if a.kind == "world" else _named(a.name)
    what = {"sender": "sent from", "receiver": "received by", "both": "sent from or received by"}[role]
    head = ("Remittance corridors" if a.kind == "world" else f"Remittance corridors {what} {where}")
    both = [r for r in full if r[2] is not None and r[3] is not None]
    t1 = sum(r[2] for r in both)
    t2 = sum(r[3] for r in both)
    only = len(full) - len(both)
    corridor_notes = [f"{len(full):,} corridors of {where}" + ("" if a.kind == "world" else f" ({role})")
                      + f"; {len(both):,} in both editions."
                      + (f" {only:,} have a sending or receiving country that one edition lacks: no change."
                         if only else ""),
                      "A corridor without a cell in an edition that has both its countries counts as 0 "
                      "there."]
    if a.kind == "region":
        corridor_notes.insert(0, f"Regions: {sch.title} ({sch.id}).")
    table = Table(("rank", "origin_code", "origin", "destination_code", "destination", *values), tuple(rows),
                  title=f"{head}, {y1} and {y2}" + (" (the largest changes)" if sort == "change" else ""),
                  sources=sources, notes=(*corridor_notes, *notes), units=units)
    totals = Table(("scope", *values), ((f"All corridors of {where} in both editions", t1, t2,
                                         *_change(t1, t2)),),
                   title=f"{head}: all corridors in both editions, {y1} and {y2}", sources=sources,
                   notes=tuple(notes), units=units)
    return ChangeResult("corridor", (e1, e2), (y1, y2), table, totals)
