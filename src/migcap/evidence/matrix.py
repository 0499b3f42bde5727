"""Migration within and between regions: the region × region matrix of migrant stocks.

Rows are regions of origin (place of birth), columns regions of destination;
migrants of unknown origin are kept as their own origin row ("Unknown origin"),
never dropped, so that every year's matrix adds up to the world total of the
edition. The intra-regional share of a region is the part of its immigrants born
in the same region (the unknown-origin ones count in the denominator); the
emigrant-side share is the part of the region's emigrants who live in another
country of the same region.

Examples
--------
>>> m = region_matrix("wmr2010", year=2019)                            # doctest: +SKIP
>>> m.long.columns                                                      # doctest: +SKIP
('year', 'origin', 'destination', 'migrants')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migcap.errors import DataUnavailableError
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table
from migcap.table import square as square_table

if TYPE_CHECKING:
    import duckdb

__all__ = ["MATRIX_COLUMNS", "OUTSIDE", "UNKNOWN", "MatrixResult", "bilateral_years", "intra_shares",
           "region_cells", "region_matrix", "unknown_origin_note"]

MATRIX_COLUMNS = ("year", "origin", "destination", "migrants")
UNKNOWN = "Unknown origin"
OUTSIDE = "Outside the scheme"

# Bilateral rows whose destination has no official total in the same edition (Sint Maarten in 2005
# in IMS 2019) are left out, so that the matrix adds up to the edition's official world total.
_RELATION = """
    SELECT b.year, b.origin, b.dest, b.migrants
    FROM bilateral_stock b
    JOIN migrant_stock t ON t.iso3 = b.dest AND t.year = b.year AND t.edition = ?
    WHERE b.edition = ? AND t.migrants IS NOT NULL
"""


@dataclass(frozen=True)
class MatrixResult:
    """The region matrix and the intra-regional shares.

    ``long`` has the columns ``year, origin, destination`` and the value (its last column: ``migrants``
    here, ``remittances_usd_m`` in :func:`migcap.evidence.remittances.remittance_matrix`); ``heading`` is
    the title of :meth:`wide`, before the year.
    """

    scheme: str
    years: tuple[int, ...]
    long: Table
    shares: Table
    heading: str = "Migrant stock by region of origin (rows) and destination (columns)"

    def square(self, year: int) -> tuple[list[str], list[str], list[list[float]]]:
        """``(origins, destinations, values)`` of one year as a square table."""
        value = self.long.columns[-1]
        rows = [r for r in self.long if r["year"] == year]
        origins = list(dict.fromkeys(r["origin"] for r in rows))
        dests = list(dict.fromkeys(r["destination"] for r in rows))
        cell = {(r["origin"], r["destination"]): r[value] for r in rows}
        return origins, dests, [[cell.get((o, d), 0.0) for d in dests] for o in origins]

    def wide(self, year: int | None = None) -> Table:
        """One year (default: the latest) as a matrix to read: a row per region of origin (unknown origin
        included), a column per region of destination, and the totals of both."""
        year = self.years[-1] if year is None else year
        origins, dests, values = self.square(year)
        return square_table(f"{self.heading}, {year}",
                            origins, dests, values,
                            unit=self.long.units.get(self.long.columns[-1], "persons"),
                            sources=self.long.sources, notes=self.long.notes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the long matrix and the shares."""
        return {"scheme": self.scheme, "years": list(self.years), "matrix": self.long.to_dict(),
                "shares": self.shares.to_dict()}


def unknown_origin_note(con: duckdb.DuckDBPyConnection, edition: str) -> str:
    """What origin ``UNK`` holds in an edition of the bilateral stocks, in words: migcap's residual
    (IMS 2019, ``derived``) or the UN's own "other" origin (IMS 2020 and 2024)."""
    row = con.execute("SELECT coalesce(bool_or(derived), false) FROM bilateral_stock WHERE edition = ? "
                      "AND origin = 'UNK'", [edition]).fetchone()
    if row is not None and row[0]:
        return "the residual official total − known origins, derived by migcap"
    return "the UN's 'other' origin of this edition, as published"


def region_cells(
    pairs: Iterable[tuple[int, str, str, float]],
    sch: Scheme,
    *,
    unknown: Callable[[str], bool] = lambda _code: False,
) -> tuple[dict[tuple[int, str, str], float], list[str]]:
    """Country pairs summed to region pairs.

    Parameters
    ----------
    pairs
        ``(year, origin ISO3, destination ISO3, value)``.
    sch
        The region scheme; a country in several regions (group schemes) counts in the first.
    unknown
        Whether an origin code stands for an unknown origin (its own row, :data:`UNKNOWN`).

    Returns
    -------
    cells
        ``{(year, origin region, destination region): sum}``, regions by name; countries in no region
        of the scheme are :data:`OUTSIDE`.
    order
        The region names in order: the scheme's, then :data:`OUTSIDE` and :data:`UNKNOWN`.

    Examples
    --------
    >>> from migcap.geo.schemes import load_scheme
    >>> pairs = [(2021, "USA", "MEX", 2.0), (2021, "CAN", "MEX", 1.0), (2021, "ARE", "IND", 4.0)]
    >>> cells, order = region_cells(pairs, load_scheme("wmr2010"))
    >>> cells
    {(2021, 'Americas', 'Americas'): 3.0, (2021, 'Middle East', 'Asia'): 4.0}
    >>> order[-2:]
    ['Outside the scheme', 'Unknown origin']
    """
    region = {iso3: code for iso3, code in reversed(sch.members)}
    names = dict(sch.regions)
    cells: dict[tuple[int, str, str], float] = defaultdict(float)
    for y, origin, dest, value in pairs:
        o = UNKNOWN if unknown(origin) else names.get(region.get(origin, ""), OUTSIDE)
        d = names.get(region.get(dest, ""), OUTSIDE)
        cells[(y, o, d)] += value
    return dict(cells), [*names.values(), OUTSIDE, UNKNOWN]


def intra_shares(cells: dict[tuple[int, str, str], float], year: int,
                 regions: Iterable[str]) -> list[tuple[str, float, float, float | None, float, float | None]]:
    """Per region of one year: ``(region, within, into, within / into %, out of, within / out of %)``.

    ``within`` is the cell of the region with itself, ``into`` its column total (all origins, the unknown
    included) and ``out of`` its row total; a share is ``None`` where its total is 0.
    """
    out = []
    for name in regions:
        into = sum(v for (yy, _o, d), v in cells.items() if yy == year and d == name)
        out_of = sum(v for (yy, o, _d), v in cells.items() if yy == year and o == name)
        within = cells.get((year, name, name), 0.0)
        out.append((name, within, into, within / into * 100 if into else None, out_of,
                    within / out_of * 100 if out_of else None))
    return out


def bilateral_years(con: duckdb.DuckDBPyConnection, edition: str | None = None) -> list[int]:
    """The years of a bilateral migrant stock edition, in order.

    Parameters
    ----------
    con
        Warehouse connection.
    edition
        Edition of the bilateral stock; default: the latest.

    Raises
    ------
    EditionError
        If the edition is not in the warehouse.
    """
    from migcap.store.warehouse import resolve_edition, years_of

    return years_of(con, "bilateral_stock", resolve_edition(con, "bilateral_stock", edition))


def region_matrix(
    scheme: str | Scheme = "wmr2010",
    *,
    year: int | None = None,
    edition: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> MatrixResult:
    """Origin region × destination region migrant stocks, with intra-regional shares.

    Parameters
    ----------
    scheme
        Region scheme (name, file or :class:`~migcap.geo.schemes.Scheme`).
    year
        The year of the matrix (default: the latest of the edition); the shares
        are given for every year, with their change since the first.
    edition
        Edition of the bilateral stock (the official totals of the same
        revision are used for the check).

    Raises
    ------
    DataUnavailableError
        If the year is not in the edition.
    """
    from migcap.geo.countries import country_table
    from migcap.store.warehouse import connect, resolve_edition, source_line

    con = con or connect()
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    ed = resolve_edition(con, "bilateral_stock", edition)
    raw = con.execute(_RELATION, [ed, ed]).fetchall()
    all_years = sorted({r[0] for r in raw})
    if year is not None and year not in all_years:
        raise DataUnavailableError(f"no bilateral stock for {year} in edition {ed}",
                                   hint=f"years available: {', '.join(map(str, all_years))}")
    table = country_table()
    names = dict(sch.regions)
    cells, order = region_cells(raw, sch, unknown=lambda code: code in table.special)
    rank = {n: i for i, n in enumerate(order)}
    chosen = year if year is not None else all_years[-1]
    long_rows = tuple(sorted(((y, o, d, v) for (y, o, d), v in cells.items() if y == chosen),
                             key=lambda r: (rank[r[1]], rank[r[2]])))
    shares = []
    first = all_years[0]
    base: dict[str, tuple[float | None, float | None]] = {}
    for y in all_years:
        for name, within, immigrants, imm, emigrants, emi in intra_shares(cells, y, names.values()):
            if y == first:
                base[name] = (imm, emi)
            b_imm, b_emi = base[name]
            shares.append((y, name, within, immigrants, imm, emigrants, emi,
                           None if imm is None or b_imm is None else imm - b_imm,
                           None if emi is None or b_emi is None else emi - b_emi))
    source = source_line(con, "bilateral_stock", ed)
    notes = (f"Regions: {sch.title} ({sch.id}). Unknown origin is its own row (for this "
             f"edition, {unknown_origin_note(con, ed)}).",)
    long = Table(MATRIX_COLUMNS, long_rows,
                 title=f"Migrant stock by region of origin and destination, {chosen}",
                 sources=(source,), notes=notes, units={"migrants": "persons"})
    shares_table = Table(
        ("year", "region", "within_region", "immigrants", "intra_share_immigrants_pct", "emigrants",
         "intra_share_emigrants_pct", f"change_immigrants_since_{first}", f"change_emigrants_since_{first}"),
        tuple(shares),
        title="Migration within regions: share of immigrants born in the same region, and share of "
        "emigrants living in the same region", sources=(source,), notes=notes,
        units={"intra_share_immigrants_pct": "%", "intra_share_emigrants_pct": "%"})
    return MatrixResult(sch.id, tuple(all_years), long, shares_table)
