"""The result type of analytic functions: a small, frozen, self-describing table.

Rows are plain tuples so that results need not import pandas; ``to_frame()``
builds a DataFrame when asked. ``sources`` carries the dataset editions every
figure comes from.

Examples
--------
>>> t = Table(("area", "migrants"), (("World", 280598105.0),), title="Stocks",
...           sources=("UN DESA IMS 2020",))
>>> t.to_dict()["rows"][0]
{'area': 'World', 'migrants': 280598105}
>>> print(t.to_csv(), end="")
area,migrants
World,280598105
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migcap.text import format_number

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NOTE_COLUMNS", "Table", "format_number", "square"]

#: Columns that hold a note per row (shown as references under the table when read on a screen or page).
NOTE_COLUMNS = ("note", "notes")


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


@dataclass(frozen=True)
class Table:
    """A frozen table of results.

    Attributes
    ----------
    columns
        Column names.
    rows
        Row tuples, in order.
    title
        What the table shows.
    sources
        Citations of the dataset editions the figures come from.
    notes
        Caveats (coverage, derived values, …).
    units
        Column → unit, where it helps.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    units: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (dict(zip(self.columns, r, strict=True)) for r in self.rows)

    def column(self, name: str) -> list[Any]:
        """The values of one column."""
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def where(self, **equals: Any) -> Table:
        """Rows whose columns equal the given values."""
        idx = [(self.columns.index(k), v) for k, v in equals.items()]
        return self._with_rows(tuple(r for r in self.rows if all(r[i] == v for i, v in idx)))

    def _with_rows(self, rows: tuple[tuple[Any, ...], ...]) -> Table:
        """The same table (columns, title, sources, notes, units and any other field) with other rows."""
        return dataclasses.replace(self, rows=rows)

    def filter(self, keep: Callable[[dict[str, Any]], bool]) -> Table:
        """The rows for which ``keep`` (given the row as ``{column: value}``) is true, in order.

        Parameters
        ----------
        keep
            A test of one row, as :meth:`__iter__` yields it.

        Returns
        -------
        Table
            The same table with only those rows.

        Examples
        --------
        >>> t = Table(("area", "value"), (("A", 1), ("B", 2), ("C", 3)), title="T", sources=("S",))
        >>> t.filter(lambda r: r["value"] != 2).rows, t.filter(lambda r: False).sources
        ((('A', 1), ('C', 3)), ('S',))
        """
        return self._with_rows(tuple(r for r, d in zip(self.rows, self, strict=True) if keep(d)))

    def slice(self, start: int | None = None, stop: int | None = None) -> Table:
        """The rows ``start`` to ``stop`` (as ``rows[start:stop]``), with the table's metadata.

        Examples
        --------
        >>> Table(("n",), ((1,), (2,), (3,)), notes=("N",)).slice(1, 5).rows
        ((2,), (3,))
        """
        return self._with_rows(self.rows[start:stop])

    def sort(self, key: Callable[[dict[str, Any]], Any], *, reverse: bool = False) -> Table:
        """The rows in the order of ``key`` (given the row as ``{column: value}``); the sort is stable.

        Parameters
        ----------
        key
            The sort key of one row.
        reverse
            Largest key first (rows with equal keys keep their order).

        Examples
        --------
        >>> t = Table(("area", "value"), (("A", 1), ("B", None), ("C", 3)), units={"value": "persons"})
        >>> s = t.sort(lambda r: -(r["value"] or 0))
        >>> s.column("area"), s.units
        (['C', 'A', 'B'], {'value': 'persons'})
        """
        pairs = sorted(zip(self, self.rows, strict=True), key=lambda p: key(p[0]), reverse=reverse)
        return self._with_rows(tuple(r for _, r in pairs))

    def select(self, columns: Sequence[str]) -> Table:
        """A table with only these columns."""
        idx = [self.columns.index(c) for c in columns]
        return Table(tuple(columns), tuple(tuple(r[i] for i in idx) for r in self.rows), self.title,
                     self.sources, self.notes, {c: u for c, u in self.units.items() if c in columns})

    def head(self, n: int) -> Table:
        """The first ``n`` rows."""
        return self.slice(None, n)

    def footnoted(self) -> tuple[Table, tuple[str, ...]]:
        """For reading: the table with each cell of a ``note``/``notes`` column replaced by a reference
        ``[1]``, ``[2]``, … and the distinct notes, the first for ``[1]``; long notes then do not stretch
        every row. Files (CSV, JSON, Excel) keep the notes in their rows.

        >>> t, refs = Table(("area", "note"), (("A", "x"), ("B", None), ("C", "x"))).footnoted()
        >>> [r[1] for r in t.rows], refs
        (['[1]', None, '[1]'], ('x',))
        """
        cols = [i for i, c in enumerate(self.columns) if c in NOTE_COLUMNS]
        if not cols:
            return self, ()
        refs: dict[str, int] = {}
        rows = []
        for r in self.rows:
            row = list(r)
            for i in cols:
                if row[i]:
                    row[i] = f"[{refs.setdefault(str(row[i]), len(refs) + 1)}]"
            rows.append(tuple(row))
        return Table(self.columns, tuple(rows), self.title, self.sources, self.notes, self.units), tuple(refs)

    def to_frame(self) -> pd.DataFrame:
        """A pandas DataFrame of the rows (metadata in ``.attrs``)."""
        import pandas as pd

        frame = pd.DataFrame.from_records(list(self.rows), columns=list(self.columns))
        frame.attrs.update(title=self.title, sources=list(self.sources), notes=list(self.notes),
                           units=dict(self.units))
        return frame

    def to_dict(self) -> dict[str, Any]:
        """``{"title", "sources", "notes", "units", "columns", "rows": [{...}, ...]}``."""
        return {
            "title": self.title,
            "sources": list(self.sources),
            "notes": list(self.notes),
            "units": dict(self.units),
            "columns": list(self.columns),
            "rows": [{c: _json_value(v) for c, v in zip(self.columns, r, strict=True)} for r in self.rows],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The :meth:`to_dict` form as JSON."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_csv(self) -> str:
        """CSV text with a header row (empty cells for missing values); a text that starts like a formula
        gets a leading ``'`` (:mod:`migcap.sheets`, the one writer of CSV and Excel cells)."""
        from migcap.sheets import to_csv

        return to_csv(self.columns, self.rows)

    def to_parquet(self) -> bytes:
        """A Parquet file of the rows (zstd); title, sources, notes and units are in the schema's
        metadata under ``migcap`` (JSON), so the file carries its provenance.

        >>> import io, json, pyarrow.parquet as pq
        >>> t = Table(("year", "value"), ((2020, 1.5),), title="T", sources=("S",))
        >>> f = pq.read_table(io.BytesIO(t.to_parquet()))
        >>> f.column("value").to_pylist(), json.loads(f.schema.metadata[b"migcap"])["sources"]
        ([1.5], ['S'])
        """
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {c: [r[i] for r in self.rows] for i, c in enumerate(self.columns)}
        arrow = pa.table(columns)
        meta = {"title": self.title, "sources": list(self.sources), "notes": list(self.notes),
                "units": dict(self.units)}
        arrow = arrow.replace_schema_metadata({"migcap": json.dumps(meta, ensure_ascii=False)})
        buf = io.BytesIO()
        pq.write_table(arrow, buf, compression="zstd")
        return buf.getvalue()

    def to_markdown(self) -> str:
        """A Markdown table, with the title above and sources below."""
        lines = [f"**{self.title}**", ""] if self.title else []
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        for r in self.rows:
            lines.append("| " + " | ".join(format_number(v) for v in r) + " |")
        if self.sources:
            lines += ["", "Source: " + "; ".join(self.sources)]
        for n in self.notes:
            lines.append(f"Note: {n}")
        return "\n".join(lines) + "\n"


def square(title: str, origins: Sequence[str], dests: Sequence[str], values: Sequence[Sequence[float]], *,
           unit: str, sources: tuple[str, ...] = (), notes: tuple[str, ...] = ()) -> Table:
    """An origin × destination matrix to read: a row per origin, a column per destination, and the totals
    of both (the last row and column)."""
    rows = tuple((o, *vals, sum(vals)) for o, vals in zip(origins, values, strict=True))
    totals = ("All origins", *(sum(col) for col in zip(*values, strict=True)), sum(sum(v) for v in values))
    return Table(("origin ↓ / destination →", *dests, "all destinations"), (*rows, totals), title=title,
                 sources=sources, notes=(f"Values in {unit}.", *notes))
