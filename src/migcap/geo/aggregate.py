"""Country figures → world and region figures, with an explicit coverage rule.

Missing is not zero: a region total is the sum over the members that report a
value, and every total carries its coverage — the share of the region's members
(among those the dataset covers at all) that reported. A coverage rule decides
when a total is shown at all:

* ``any`` — whenever at least one member reports (the default; coverage shown);
* ``all`` — only when every member reports;
* a share such as ``0.9`` or ``90%`` — when at least that share reports.

A member "the dataset covers at all" is one with a value of the leading
indicator in any year of the edition: a country that the source never reports
separately (e.g. Taiwan Province of China in the UN migrant stock) does not
lower coverage, while one that starts late (South Sudan, from 2010) does in the
years before it starts. The other value columns are summed over every member
that has them (so a region's population includes members without a migrant
estimate, as in UN DESA's own aggregates).

Examples
--------
>>> CoverageRule.parse("90%").min_share
0.9
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from migcap.errors import MigcapError
from migcap.geo.schemes import WORLD_CODE, Scheme

if TYPE_CHECKING:
    import duckdb

__all__ = ["AggregateRows", "CoverageRule", "aggregate_sql", "register_members"]

By = Literal["world", "region", "country"]
Method = Literal["sum", "mean"]


@dataclass(frozen=True)
class CoverageRule:
    """When an aggregate over incomplete members is shown.

    Attributes
    ----------
    min_share
        Smallest share of members that must report (0 = any, 1 = all).
    """

    min_share: float = 0.0

    @classmethod
    def parse(cls, text: str | float | CoverageRule) -> CoverageRule:
        """``"any"``, ``"all"``, ``"0.9"``, ``"90%"`` or a number → rule."""
        if isinstance(text, CoverageRule):
            return text
        t = str(text).strip().lower()
        if t == "any":
            return cls(0.0)
        if t == "all":
            return cls(1.0)
        try:
            share = float(t[:-1]) / 100 if t.endswith("%") else float(t)
        except ValueError:
            raise MigcapError(f"unknown coverage rule {text!r}",
                              hint="use any, all, or a share such as 0.9 or 90%") from None
        if not 0.0 <= share <= 1.0:
            raise MigcapError(f"coverage share must be between 0 and 1 (got {text})")
        return cls(share)

    def __str__(self) -> str:
        return {0.0: "any", 1.0: "all"}.get(self.min_share, f"{self.min_share:g}")


@dataclass(frozen=True)
class AggregateRows:
    """Aggregated rows and what was left out."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    unclassified: tuple[str, ...]


def register_members(con: duckdb.DuckDBPyConnection, scheme: Scheme) -> str:
    """A temporary table of the scheme's members on this connection (created once); its name."""
    import hashlib

    key = hashlib.sha1(repr((scheme.regions, scheme.members)).encode()).hexdigest()[:16]
    name = f"_members_{key}"
    exists = con.execute("SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = ?",
                         [name]).fetchone()
    if exists:
        return name
    order = {code: i for i, code in enumerate(scheme.regions)}
    rows = [(iso3, code, scheme.regions[code], order[code]) for iso3, code in scheme.members]
    values = ", ".join("(?, ?, ?, ?)" for _ in rows)
    con.execute(f"CREATE TEMP TABLE {name} (iso3 VARCHAR, code VARCHAR, name VARCHAR, ord INTEGER)")
    con.execute(f"INSERT INTO {name} VALUES {values}", [v for row in rows for v in row])
    return name


def aggregate_sql(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    params: Sequence[Any],
    values: Mapping[str, Method],
    *,
    by: By,
    scheme: Scheme | None = None,
    years: Sequence[int] | None = None,
    rule: CoverageRule = CoverageRule(),
    weight: str | None = None,
) -> AggregateRows:
    """Aggregate a country relation ``(iso3, year, <values>)`` to the world, regions or countries.

    Parameters
    ----------
    con
        Warehouse connection.
    relation, params
        SQL of the country rows and its parameters.
    values
        Value column → ``"sum"`` or ``"mean"`` (mean weighted by ``weight`` if given).
        The first column decides whether a member reports.
    by
        ``world``, ``region`` (needs ``scheme``) or ``country``.
    years
        Keep only these years.
    rule
        Coverage rule; totals that fail it are ``None``.

    Returns
    -------
    AggregateRows
        Columns ``area_code, area, year, <values…>, members, reporting, coverage``;
        ``unclassified`` lists countries with data that no region of the scheme holds.
    """
    if by == "region" and scheme is None:
        raise MigcapError("aggregating by region needs a scheme")
    primary = next(iter(values))
    year_filter = f"WHERE year IN ({', '.join(str(int(y)) for y in years)})" if years else ""
    if by == "country":
        mem = "SELECT p.iso3, p.iso3 AS code, coalesce(c.name, p.iso3) AS name, 0 AS ord FROM present p " \
              "LEFT JOIN countries c USING (iso3)"
    elif by == "world":
        mem = f"SELECT iso3, '{WORLD_CODE}' AS code, 'World' AS name, 0 AS ord FROM anywhere"
    else:
        assert scheme is not None
        members_table = register_members(con, scheme)
        mem = f"SELECT m.iso3, m.code, m.name, m.ord FROM {members_table} m JOIN anywhere USING (iso3)"
    agg = []
    for col, method in values.items():
        if method == "sum":
            agg.append(f'sum(s."{col}") AS "{col}"')
        elif weight:
            agg.append(f'sum(s."{col}" * s."{weight}") / nullif(sum(CASE WHEN s."{col}" IS NOT NULL '
                       f'THEN s."{weight}" END), 0) AS "{col}"')
        else:
            agg.append(f'avg(s."{col}") AS "{col}"')
    order = "g.ord, g.name, g.year" if by == "country" else "g.ord, g.year"
    sql = f"""
        WITH src AS ({relation}),
        anywhere AS (SELECT DISTINCT iso3 FROM src),
        present AS (SELECT DISTINCT iso3 FROM src WHERE "{primary}" IS NOT NULL),
        yrs AS (SELECT DISTINCT year FROM src {year_filter}),
        mem AS ({mem}),
        grid AS (SELECT mem.*, yrs.year, mem.iso3 IN (SELECT iso3 FROM present) AS counted
                 FROM mem CROSS JOIN yrs)
        SELECT g.code, g.name, g.year, {", ".join(agg)},
               count(*) FILTER (WHERE g.counted) AS members, count(s."{primary}") AS reporting
        FROM grid g LEFT JOIN src s ON s.iso3 = g.iso3 AND s.year = g.year
        GROUP BY g.code, g.name, g.ord, g.year
        ORDER BY {order}
    """
    raw = con.execute(sql, list(params)).fetchall()
    n = len(values)
    rows = []
    for code, name, year, *rest in raw:
        vals, members, reporting = rest[:n], rest[n], rest[n + 1]
        coverage = reporting / members if members else 0.0
        if reporting == 0 or coverage + 1e-12 < rule.min_share:
            vals = [None] * n
        rows.append((code, name, year, *vals, members, reporting, round(coverage, 4)))
    unclassified: tuple[str, ...] = ()
    if by == "region":
        left = con.execute(
            f'WITH src AS ({relation}) SELECT DISTINCT iso3 FROM src WHERE "{primary}" IS NOT NULL '
            f"AND iso3 NOT IN (SELECT iso3 FROM {members_table}) ORDER BY iso3", list(params)).fetchall()
        unclassified = tuple(r[0] for r in left)
    return AggregateRows(("area_code", "area", "year", *values, "members", "reporting", "coverage"),
                         tuple(rows), unclassified)
