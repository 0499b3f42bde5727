"""The user's own stock tables, births and deaths, read from CSV files and checked.

Layouts (comma, semicolon or tab separated; UTF-8; a header row):

* **long stock table** — columns ``pob, por`` and one value column (``stock``):
  place of birth, place of residence, persons; the layout of the migest
  reference files. Pairs that are not listed are 0; every place must appear both
  as a place of birth and as a place of residence.
* **square stock table** — the first column holds the places of birth, the header
  the places of residence (in any order), one row per place of birth::

      pob,A,B,C
      A,1000,100,10
      B,55,555,50
      C,80,40,800

* **births, deaths** — ``place, value`` (two columns).

Every problem is an :class:`~migcap.errors.InputError` naming the file, the row
(as a text editor numbers it, header = row 1), the column and the place.

Examples
--------
>>> import io, pandas as pd
>>> read_stock_table(pd.DataFrame({"pob": ["A", "A", "B"], "por": ["A", "B", "B"],
...                                "stock": [90, 10, 95]}), "stock_start").to_dict("index")
{'A': {'A': 90.0, 'B': 10.0}, 'B': {'A': 0.0, 'B': 95.0}}
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.errors import InputError
from migcap.sheets import csv_value

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_same_places", "read_place_values", "read_stock_table"]


def _read_rows(path: Path) -> list[list[str]]:
    """Rows of a CSV (delimiter sniffed from the header: comma, semicolon or tab)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text (CSV) file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=str(path)) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError("the file is empty (a header row is needed)", file=str(path))
    header = lines[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    # csv_value: a cell that migcap's CSV export quoted (a text starting like a formula) reads back as is
    return [[csv_value(cell.strip()) for cell in row] for row in csv.reader(lines, delimiter=delimiter)]


def _number(text: str, *, file: str, row: int, column: str, what: str) -> float:
    if text == "":
        raise InputError(f"missing {what}", file=file, row=row, column=column)
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{what} is not a number", file=file, row=row, column=column, value=text) from None
    if not math.isfinite(value):
        raise InputError(f"{what} is not a finite number", file=file, row=row, column=column, value=text)
    return value


def _long_table(rows: list[list[str]], file: str, name: str) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    header = rows[0]
    lower = [h.lower() for h in header]
    if len(header) != 3:
        raise InputError(f"a long stock table has three columns (pob, por, stock), found {len(header)}: "
                         f"{', '.join(header)}", file=file, row=1)
    ipob, ipor = lower.index("pob"), lower.index("por")
    ival = next(i for i in range(3) if i not in (ipob, ipor))
    col = header[ival]
    cells: dict[tuple[str, str], float] = {}
    first_row: dict[tuple[str, str], int] = {}
    births: dict[str, None] = {}
    residences: dict[str, None] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        if len(row) != 3:
            raise InputError(f"expected 3 values, found {len(row)}", file=file, row=lineno)
        pob, por = row[ipob], row[ipor]
        for column, place in (("pob", pob), ("por", por)):
            if not place:
                raise InputError("empty place name", file=file, row=lineno, column=column)
        value = _number(row[ival], file=file, row=lineno, column=col, what="stock")
        if value < 0:
            raise InputError(f"negative stock for place of birth {pob!r}, place of residence {por!r}",
                             file=file, row=lineno, column=col, value=value)
        key = (pob, por)
        if key in cells:
            raise InputError(f"place of birth {pob!r}, place of residence {por!r} is listed twice "
                             f"(rows {first_row[key]} and {lineno})", file=file, row=lineno)
        cells[key] = value
        first_row[key] = lineno
        births[pob] = None
        residences[por] = None
    if not cells:
        raise InputError(f"{name}: the table has no rows", file=file)
    _same_labels(list(births), list(residences), file, name)
    places = list(births)
    pos = {p: i for i, p in enumerate(places)}
    values = np.zeros((len(places), len(places)))
    for (pob, por), value in cells.items():
        values[pos[pob], pos[por]] = value
    out = pd.DataFrame(values, index=places, columns=places)
    out.index.name, out.columns.name = "pob", "por"
    return out


def _same_labels(rows: Sequence[str], cols: Sequence[str], file: str, name: str) -> None:
    col_set, row_set = set(cols), set(rows)
    for place in rows:
        if place not in col_set:
            raise InputError(f"{name}: place {place!r} is a place of birth but never a place of residence "
                             "(the table must be square)", file=file)
    for place in cols:
        if place not in row_set:
            raise InputError(f"{name}: place {place!r} is a place of residence but never a place of birth "
                             "(the table must be square)", file=file)


def _square_table(rows: list[list[str]], file: str, name: str) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    header = rows[0]
    cols = header[1:]
    if not cols:
        raise InputError(f"{name}: expected a long table (pob, por, stock) or a square table with places "
                         "of residence as columns", file=file, row=1)
    for j, c in enumerate(cols, start=2):
        if not c:
            raise InputError("empty place of residence in the header", file=file, row=1, column=f"#{j}")
        if cols.count(c) > 1:
            raise InputError(f"place of residence {c!r} is in the header twice", file=file, row=1, column=c)
    body = [(lineno, row) for lineno, row in enumerate(rows[1:], start=2) if any(row)]
    labels: list[str] = []
    seen: dict[str, int] = {}
    values = np.empty((len(body), len(cols)))
    for i, (lineno, row) in enumerate(body):
        if len(row) != len(header):
            raise InputError(f"expected {len(header)} values (a place of birth and {len(cols)} stocks), "
                             f"found {len(row)}", file=file, row=lineno)
        place = row[0]
        if not place:
            raise InputError("empty place of birth", file=file, row=lineno, column=header[0] or "#1")
        if place in seen:
            raise InputError(f"place of birth {place!r} is listed twice (rows {seen[place]} and {lineno})",
                             file=file, row=lineno)
        seen[place] = lineno
        labels.append(place)
        for j, (col, cell) in enumerate(zip(cols, row[1:], strict=True)):
            value = _number(cell, file=file, row=lineno, column=col, what="stock")
            if value < 0:
                raise InputError(f"negative stock for place of birth {place!r}, place of residence {col!r}",
                                 file=file, row=lineno, column=col, value=value)
            values[i, j] = value
    if len(labels) != len(cols):
        raise InputError(f"{name}: the table is not square: {len(labels)} places of birth (rows), "
                         f"{len(cols)} places of residence (columns)", file=file)
    _same_labels(labels, cols, file, name)
    out = pd.DataFrame(values, index=labels, columns=cols).loc[:, labels]
    out.index.name, out.columns.name = "pob", "por"
    return out


def read_stock_table(source: str | Path | pd.DataFrame, name: str = "stock table") -> pd.DataFrame:
    """A stock table as a square DataFrame (index = place of birth, columns = place of residence).

    Parameters
    ----------
    source
        CSV file in the long (``pob, por, stock``) or square layout (see the module
        documentation), or a DataFrame in either layout.
    name
        Name of the table in messages (``stock_start``, ``stock_end``).

    Raises
    ------
    InputError
        Not square, places of birth and residence differ, duplicated places or
        pairs, missing, non-numeric or negative stocks. Names file, row, column, place.
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return _frame_table(source, name)
    path = Path(source)
    rows = _read_rows(path)
    lower = [h.lower() for h in rows[0]]
    if "pob" in lower and "por" in lower:
        return _long_table(rows, str(path), name)
    return _square_table(rows, str(path), name)


def _frame_table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A DataFrame in either layout, checked like a file (rows numbered from 1 + header)."""
    if frame.shape[1] == 3 and {"pob", "por"} <= {str(c).lower() for c in frame.columns}:
        header = [str(c) for c in frame.columns]
        rows = [header] + [["" if _missing(v) else str(v) for v in r] for r in frame.itertuples(index=False)]
        return _long_table(rows, name, name)
    header = [str(frame.index.name or "pob"), *(str(c) for c in frame.columns)]
    rows = [header] + [[str(i), *("" if _missing(v) else str(v) for v in r)]
                       for i, r in zip(frame.index, frame.itertuples(index=False), strict=True)]
    return _square_table(rows, name, name)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def read_place_values(source: str | Path | pd.Series, name: str) -> pd.Series:
    """Births or deaths per place: a CSV ``place, value`` (or a Series) as a float Series.

    Raises
    ------
    InputError
        Not two columns, duplicated or empty places, missing, non-numeric or
        negative values. Names file, row and place.
    """
    import pandas as pd

    if isinstance(source, pd.Series):
        rows = [["place", name]] + [[str(k), "" if _missing(v) else str(v)] for k, v in source.items()]
        file = name
    else:
        path = Path(source)
        rows = _read_rows(path)
        file = str(path)
    header = rows[0]
    if len(header) != 2:
        raise InputError(f"{name}: expected two columns (place, value), found {len(header)}: "
                         f"{', '.join(header)}", file=file, row=1)
    col = header[1] or "value"
    places: list[str] = []
    values: list[float] = []
    seen: dict[str, int] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        if len(row) != 2:
            raise InputError(f"expected 2 values (place, value), found {len(row)}", file=file, row=lineno)
        place = row[0]
        if not place:
            raise InputError("empty place name", file=file, row=lineno, column=header[0] or "place")
        if place in seen:
            raise InputError(f"{name}: place {place!r} is listed twice (rows {seen[place]} and {lineno})",
                             file=file, row=lineno)
        seen[place] = lineno
        value = _number(row[1], file=file, row=lineno, column=col, what=name)
        if value < 0:
            raise InputError(f"negative {name} for place {place!r}", file=file, row=lineno, column=col,
                             value=value)
        places.append(place)
        values.append(value)
    if not places:
        raise InputError(f"{name}: no places listed", file=file)
    return pd.Series(values, index=places, name=name, dtype=float)


def check_same_places(reference: Sequence[str], other: Sequence[str], reference_name: str,
                      other_name: str) -> None:
    """Raise :class:`InputError` naming the first place in one list but not in the other.

    Examples
    --------
    >>> check_same_places(["A", "B"], ["A"], "start.csv", "end.csv")
    Traceback (most recent call last):
    ...
    migcap.errors.InputError: place 'B' is in start.csv but missing from end.csv
    """
    other_set, ref_set = set(other), set(reference)
    missing = [p for p in reference if p not in other_set]
    if missing:
        raise InputError(f"place {missing[0]!r} is in {reference_name} but missing from {other_name}",
                         hint=f"{len(missing)} places missing" if len(missing) > 1 else None)
    extra = [p for p in other if p not in ref_set]
    if extra:
        raise InputError(f"place {extra[0]!r} is in {other_name} but missing from {reference_name}",
                         hint=f"{len(extra)} places missing" if len(extra) > 1 else None)
