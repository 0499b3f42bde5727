"""What the warehouse holds: the list of sources and editions, exports, and the schema document."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from migcap.datasets import DATASETS, get_dataset
from migcap.errors import MigcapError
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["EXPORT_FORMATS", "data_list", "export", "provenance_of", "schema_markdown"]

EXPORT_FORMATS = ("csv", "parquet", "xlsx")


def _coverage(con: duckdb.DuckDBPyConnection, dataset: str,
              edition: str) -> tuple[int | None, int | None, int]:
    spec = DATASETS[dataset]
    area = spec.area_columns[0]
    row = con.execute(f'SELECT min(year), max(year), count(DISTINCT "{area}") FROM "{dataset}" '
                      'WHERE edition = ?',
                      [edition]).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def months_since(released: str | None, today: date | None = None) -> int | None:
    """Whole months from a release date (``YYYY-MM-DD``) to today: how old an edition is.

    >>> months_since("2025-01-27", date(2026, 12, 3)), months_since("2025-01-27", date(2026, 12, 26))
    (22, 22)
    >>> months_since("2025-01-27", date(2026, 12, 27)), months_since(None) is None
    (23, True)
    """
    if not released:
        return None
    r = date.fromisoformat(str(released)[:10])
    t = today or date.today()
    return max(0, (t.year - r.year) * 12 + t.month - r.month - (t.day < r.day))


def data_list(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> Table:
    """Every dataset edition: source, years, areas, rows, licence, provenance in short, and how current
    it is.

    Returns
    -------
    Table
        Columns ``dataset, edition, latest, publisher, title, released, years, areas, rows, licence,
        bundled, url, latest_year, age_months`` (``latest_year``: the last year with data;
        ``age_months``: whole months since the release, today).
    """
    from migcap.store.warehouse import editions

    if dataset is not None:
        get_dataset(dataset)
    rows = []
    latest_seen: set[str] = set()
    for e in editions(con, dataset):
        first, last, areas = _coverage(con, e.dataset, e.edition)
        latest = e.dataset not in latest_seen
        latest_seen.add(e.dataset)
        p = e.provenance
        rows.append((e.dataset, e.edition, latest, p.publisher, p.title, e.released,
                     f"{first}–{last}" if first is not None else "", areas, e.rows, p.licence, e.bundled,
                     p.url, last, months_since(e.released)))
    return Table(
        ("dataset", "edition", "latest", "publisher", "title", "released", "years", "areas", "rows",
         "licence", "bundled", "url", "latest_year", "age_months"),
        tuple(rows),
        title="Datasets and editions in the warehouse",
        notes=("latest = the edition used unless --edition says otherwise (for wdi: per indicator) or a "
               "pinned edition (MIGCAP_EDITION_<DATASET>, editions.toml). latest_year = the last year with "
               f"data; age_months = whole months from the release to today ({date.today().isoformat()}). "
               "Full provenance: migcap data show DATASET EDITION.",),
        units={"age_months": "months since the release"},
    )


def provenance_of(con: duckdb.DuckDBPyConnection, dataset: str, edition: str | None = None) -> str:
    """The full provenance record (JSON) of a dataset edition (default: the latest)."""
    from migcap.store.warehouse import resolve_edition

    get_dataset(dataset)
    ed = resolve_edition(con, dataset, edition)
    row = con.execute("SELECT provenance FROM editions WHERE dataset = ? AND edition = ?",
                      [dataset, ed]).fetchone()
    assert row is not None
    import json

    return json.dumps(json.loads(row[0]), indent=2, ensure_ascii=False) + "\n"


def export(con: duckdb.DuckDBPyConnection, table: str, out: Path, fmt: str, *, edition: str | None = None,
           published: bool = False) -> int:
    """Export a dataset table (one edition, or ``all``) to CSV, Parquet or Excel; return the row count.

    Parameters
    ----------
    table
        A dataset name (see ``migcap data list``).
    edition
        An edition, ``"all"``, or ``None`` for the latest.
    published
        Export the source's published aggregates instead of the country rows.

    Raises
    ------
    MigcapError
        Unknown table or format, or a table with no published aggregates.
    """
    from migcap.store.warehouse import resolve_edition

    spec = get_dataset(table)
    if fmt not in EXPORT_FORMATS:
        raise MigcapError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(EXPORT_FORMATS)}")
    name = spec.name
    if published:
        if not spec.published:
            raise MigcapError(f"{table} has no published aggregates")
        name = spec.published
    if edition == "all":
        where, params = "", []
    else:
        where, params = "WHERE edition = ?", [resolve_edition(con, spec.name, edition)]
        if published and not con.execute(f'SELECT 1 FROM "{name}" WHERE edition = ? LIMIT 1',
                                         params).fetchone():
            having = [r[0] for r in con.execute(f'SELECT DISTINCT edition FROM "{name}" ORDER BY 1')
                      .fetchall()]
            raise MigcapError(f"edition {params[0]} of {table} has no published aggregates (the source gives "
                              "none)", hint=f"editions that have them: {', '.join(having) or 'none'}; "
                              "use --edition")
    query = f'SELECT * FROM "{name}" {where} ORDER BY ALL'
    from migcap.files import atomic_target

    with atomic_target(Path(out)) as tmp:
        if fmt == "xlsx":
            from migcap.sheets import to_xlsx

            rel = con.execute(query, params)
            cols = tuple(d[0] for d in rel.description)
            rows = tuple(rel.fetchall())
            if len(rows) > 1_048_575:
                raise MigcapError(f"{len(rows)} rows do not fit in one Excel sheet; export csv or parquet")
            tmp.write_bytes(to_xlsx(Table(cols, rows, title=f"{table} ({edition or 'latest'})")))
            n = len(rows)
        else:
            opts = "(FORMAT csv, HEADER true)" if fmt == "csv" else "(FORMAT parquet, COMPRESSION zstd)"
            literal = query.replace("?", "'" + str(params[0]).replace("'", "''") + "'") if params else query
            if fmt == "csv":   # texts by the rule of migcap.sheets: never a live formula in a spreadsheet
                from migcap.sheets import csv_text_sql

                kinds = con.execute(f"DESCRIBE ({literal})").fetchall()
                select = ", ".join(csv_text_sql(_quoted(c[0])) + f" AS {_quoted(c[0])}" if c[1] == "VARCHAR"
                                   else _quoted(c[0]) for c in kinds)
                literal = f"SELECT {select} FROM ({literal})"
            con.execute(f"COPY ({literal}) TO '{tmp}' {opts}")
            count = con.execute(f"SELECT count(*) FROM ({literal})").fetchone()
            n = int(count[0]) if count else 0
    return n


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_markdown() -> str:
    """The warehouse schema as Markdown (``docs/schema.md``)."""
    lines = [
        "# The migcap warehouse schema",
        "",
        "Generated by `migcap data schema` from `migcap/datasets.py`; do not edit by hand.",
        "",
        "Every dataset table has an `edition` column; editions of one dataset live side by side, "
        "and queries use",
        "the latest (by release date) unless asked for another. `<dataset>_published` tables hold "
        "the source's own",
        "aggregates (world, regions, income groups) exactly as published, under the source's codes.",
        "",
        "Reference tables: `meta(key, value)`, `editions(dataset, edition, released, accessed, "
        "sort_date, bundled,",
        "rows, title, publisher, licence, url, provenance JSON)`, `countries(iso3, iso2, "
        "iso_numeric, m49, name,",
        "short_name, official_name, un_area, wb_economy)`, `schemes(scheme, title, source, complete)`,",
        "`scheme_members(scheme, iso3, code, name)`.",
        "",
    ]
    lines += [
        "Valid values, as enforced on every import and bundled snapshot (`Snapshot.validated`): numbers are",
        "finite (no NaN or infinity; a missing value is empty), within the rule of their column, and years",
        "within the dataset's range; anything else is refused with its file, sheet, row, column and value.",
        "",
    ]
    for spec in DATASETS.values():
        last = "the edition's release year" if spec.years[1] is None else str(spec.years[1])
        lines += [f"## `{spec.name}` — {spec.title}", "", spec.description, "",
                  f"Source reader: `--source {spec.source}`. Key: `edition, {', '.join(spec.key_names)}`. "
                  f"Years: {spec.years[0]} to {last}.", "",
                  "| column | type | meaning | valid values |", "|---|---|---|---|"]
        for c in spec.columns:
            valid = ("by indicator, below" if spec.valid_by_indicator else c.valid.describe()) \
                if c.type == "DOUBLE" else ""
            lines.append(f"| `{c.name}` | {c.type} | {c.description} | {valid} |")
        if spec.valid_by_indicator:
            rules = "; ".join(f"`{k}` {v.describe()}" for k, v in spec.valid_by_indicator.items())
            lines += ["", f"Valid values of the numeric columns by indicator: {rules}; other indicators: any "
                          "finite number."]
        if spec.published:
            keys = ", ".join(c.name for c in spec.published_keys)
            lines += ["", f"`{spec.published}`: the same values keyed by `edition, {keys}` with the "
                          "source's `name`.", ""]
        else:
            lines.append("")
    return "\n".join(lines)
