"""KNOMAD/World Bank Bilateral Remittance Matrices (xlsx) → the ``bilateral_remittances`` dataset.

The official layout (the 2021 matrix, December 2022 version, and the 2017 estimates, April 2018
version) is one worksheet, the first of the workbook:

* row 1: the title, ``Bilateral Remittance Estimates for 2021 using Migrant Stocks, … (millions of
  US$) (December 2022 Version)``, which gives the year, the unit and the version;
* the header row: in column A the orientation, ``Remittance-receiving country (across) -
  Remittance-sending country (down)``, then one receiving country per column and ``WORLD`` last;
* one row per sending country, with its name in column A, and a ``WORLD`` row last;
* notes below the table (the 2021 one asks to be cited as ``KNOMAD/World Bank Bilateral Remittance
  Matrix 2021, December 2022.``).

Cells are US$ million. An empty cell, ``0`` or ``-`` (the corridors the notes say are assumed to be zero,
such as India–Pakistan) has no row in the tidy table. The ``WORLD`` row (what each country receives),
the ``WORLD`` column (what each country sends) and their corner (the world total) are kept, as published,
in ``bilateral_remittances_published`` with the code ``WLD``. Other sheets are not read: a copy of the
2017 file circulates with a sheet ``remshare`` that a third party added.

Checks, each refused with the file, sheet, row and column at fault: the rows and the columns must name
the same countries (the matrix is square with its labels); no country twice; every name is a country
(:mod:`migcap.geo.countries`, with the World Bank spellings in the aliases); every cell is a finite
number that is not negative; and the ``WORLD`` row and column (and their corner, the world total) add
up to the cells they total, wherever they are given (an empty or ``..`` total is not published), within
:data:`TOLERANCE_PCT` per cent or :data:`TOLERANCE_ABS` US$ million, whichever is larger. (The 2017
file's ``WORLD`` row gives Israel 1.2 and Lebanon 0.8 US$ million more than the cells above, whose
Lebanon–Israel corridors are ``-``: within the tolerance, and kept as published.)
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path
from typing import Any

from migcap.errors import InputError
from migcap.ingest.common import (
    Sheet,
    cell_text,
    computed,
    numeric,
    read_sheet,
    resolve_areas,
    sheet_names,
)
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import COL, ROW, SHEET, Provenance, raw_file, today

__all__ = ["TOLERANCE_ABS", "TOLERANCE_PCT", "read_brm"]

PUBLISHER = "KNOMAD / The World Bank"
URL = "https://www.knomad.org/data/remittances"
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
WORLD = "WORLD"
WORLD_CODE = "WLD"
#: how far a WORLD total may be from the sum of the cells it totals: this share (per cent) of the total …
TOLERANCE_PCT = 0.5
#: … or this many US$ million, whichever is larger
TOLERANCE_ABS = 0.05
_TITLE = re.compile(r"bilateral remittance", re.IGNORECASE)
_YEAR_IN_TITLE = re.compile(r"\bfor\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_VERSION = re.compile(r"\(\s*([A-Za-z]+)\s+((?:19|20)\d\d)\s+version\s*\)", re.IGNORECASE)
_CITE = re.compile(r"please cite:?\s*(.+)$", re.IGNORECASE)


def _letter(j: int) -> str:
    """Spreadsheet column letter of the 0-based column ``j``."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _header_row(sheet: Sheet) -> int:
    """Index of the header row: column A says 'across' … 'down', or the row names WORLD after column A."""
    for i, row in enumerate(sheet.rows[:15]):
        first = cell_text(row[0] if row else None).lower()
        if "across" in first and "down" in first:
            across = first.split("across")[0]
            if "send" in across and "receiv" not in across:
                raise sheet.error("this matrix has the sending countries across; the reader expects the "
                                  "official layout, receiving countries across and sending countries down",
                                  row=i + 1, column="A", value=row[0])
            return i
        if any(cell_text(c).upper() == WORLD for c in row[1:]):
            return i
    raise sheet.error("no header row (receiving countries across, ending with WORLD) in the first 15 rows",
                      hint="is this a KNOMAD/World Bank bilateral remittance matrix?")


def _labels(sheet: Sheet, h: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(column index, name) across the header and (row index, name) down column A, WORLD included."""
    header = sheet.rows[h]
    cols: list[tuple[int, str]] = []
    for j in range(1, len(header)):
        name = cell_text(computed(header[j], sheet, row=h + 1, column=_letter(j)))
        if name:
            cols.append((j, name))
    rows: list[tuple[int, str]] = []
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        name = cell_text(computed(row[0] if row else None, sheet, row=i + 1, column="A"))
        if not name:
            if rows:
                break  # the table ends at the first empty row; the notes follow
            continue
        rows.append((i, name))
        if name.upper() == WORLD:
            break
    return cols, rows


def _check_square(sheet: Sheet, h: int, cols: list[tuple[int, str]], rows: list[tuple[int, str]]) -> None:
    """The rows and the columns name the same countries, each once, and both end with WORLD."""
    for kind, items in (("column", cols), ("row", rows)):
        seen: dict[str, int] = {}
        for pos, name in items:
            key = name.casefold()
            if key in seen:
                row, col = (pos + 1, "A") if kind == "row" else (h + 1, _letter(pos))
                raise sheet.error(f"{name!r} is named twice across the {kind}s", row=row, column=col,
                                  value=name)
            seen[key] = pos
    if not cols or cols[-1][1].upper() != WORLD:
        raise sheet.error("the header row does not end with a WORLD column", row=h + 1,
                          column=_letter(cols[-1][0]) if cols else "B", value=cols[-1][1] if cols else None)
    if not rows or rows[-1][1].upper() != WORLD:
        raise sheet.error("the table has no WORLD row below the sending countries",
                          row=(rows[-1][0] + 1) if rows else h + 2, column="A")
    across = {n.casefold() for _, n in cols}
    down = {n.casefold() for _, n in rows}
    for i, name in rows:
        if name.casefold() not in across:
            raise sheet.error(f"the matrix is not square: sending country {name!r} has no column among the "
                              "receiving countries", row=i + 1, column="A", value=name,
                              hint=f"rows and columns must name the same {len(cols) - 1} countries")
    for j, name in cols:
        if name.casefold() not in down:
            raise sheet.error(f"the matrix is not square: receiving country {name!r} has no row among the "
                              "sending countries", row=h + 1, column=_letter(j), value=name,
                              hint=f"rows and columns must name the same {len(rows) - 1} countries")


def _values(sheet: Sheet, cols: list[tuple[int, str]],
            rows: list[tuple[int, str]]) -> tuple[list[list[float]], list[list[bool]]]:
    """The numbers of the table (rows × columns, WORLD included), missing and '-' as 0; and which cells
    hold a value ('-' included: a zero)."""
    out, given = [], []
    for i, _name in rows:
        row = sheet.rows[i]
        line, has = [], []
        for j, _col in cols:
            value = row[j] if j < len(row) else None
            [num] = numeric([value], sheet=sheet, rows=[i + 1], column=_letter(j))
            if num is not None and num < 0:
                raise sheet.error("negative remittances", row=i + 1, column=_letter(j), value=value,
                                  hint="remittances are amounts ≥ 0 (US$ million)")
            line.append(0.0 if num is None else num)
            has.append(num is not None)
        out.append(line)
        given.append(has)
    return out, given


def _close(total: float, cells: float) -> bool:
    return abs(total - cells) <= max(TOLERANCE_ABS, abs(total) * TOLERANCE_PCT / 100)


def _check_totals(sheet: Sheet, h: int, cols: list[tuple[int, str]], rows: list[tuple[int, str]],
                  values: list[list[float]], given: list[list[bool]]) -> None:
    """Within the tolerance: the WORLD column is the sum of each row, the WORLD row the sum of each column,
    and their corner the sum of all the country cells. A total that is not given (empty or '..') is not
    published and not checked."""
    tol = f"tolerance: {TOLERANCE_PCT:g}% of the total or {TOLERANCE_ABS:g} US$ million"
    n_r, n_c = len(rows) - 1, len(cols) - 1
    for r in range(n_r):
        total, cells = values[r][n_c], sum(values[r][:n_c])
        if given[r][n_c] and not _close(total, cells):
            raise sheet.error(f"WORLD column: the total sent by {rows[r][1]} is {total:,.4g} but the cells "
                              f"of its row add up to {cells:,.4g} US$ million", row=rows[r][0] + 1,
                              column=_letter(cols[n_c][0]), value=total, hint=tol)
    for c in range(n_c):
        total, cells = values[n_r][c], sum(values[r][c] for r in range(n_r))
        if given[n_r][c] and not _close(total, cells):
            raise sheet.error(f"WORLD row: the total received by {cols[c][1]} is {total:,.4g} but the "
                              f"cells of its column add up to {cells:,.4g} US$ million", row=rows[n_r][0] + 1,
                              column=_letter(cols[c][0]), value=total, hint=tol)
    total, cells = values[n_r][n_c], sum(sum(line[:n_c]) for line in values[:n_r])
    if given[n_r][n_c] and not _close(total, cells):
        raise sheet.error(f"WORLD row and column: the world total is {total:,.4g} but the country cells "
                          f"add up to {cells:,.4g} US$ million", row=rows[n_r][0] + 1,
                          column=_letter(cols[n_c][0]), value=total, hint=tol)


def _notes(sheet: Sheet, after: int) -> tuple[str | None, list[str]]:
    """The citation the notes ask for, and the notes (texts in column A below the table)."""
    citation = None
    notes = []
    for row in sheet.rows[after:]:
        text = cell_text(row[0] if row else None)
        if not text:
            continue
        m = _CITE.search(text)
        if m:
            citation = m.group(1).strip()
        notes.append(text)
    return citation, notes


def _released(title: str) -> date | None:
    """'(December 2022 Version)' → 2022-12-01."""
    m = _VERSION.search(title)
    if not m:
        return None
    months = {name.lower(): k for k, name in enumerate(calendar.month_name) if name}
    month = months.get(m.group(1).lower())
    return date(int(m.group(2)), month, 1) if month else None


def read_brm(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read a KNOMAD/World Bank bilateral remittance matrix into a ``bilateral_remittances`` snapshot.

    Parameters
    ----------
    path
        The .xlsx workbook; the matrix is its first sheet (other sheets are not read).
    edition
        Edition name; default: the year the title gives (``2021``).
    url
        Download URL, for the provenance record.

    Returns
    -------
    list of Snapshot
        One snapshot: rows ``year, origin`` (sending) ``, dest`` (receiving) ``, remittances_usd_m``;
        ``published`` holds the WORLD row, column and total.

    Raises
    ------
    InputError
        Naming sheet, row and column: a matrix whose rows and columns name different countries, a country
        named twice, an unknown country, text, a negative or infinite number in a cell, a WORLD total that
        does not add up to its cells (see :data:`TOLERANCE_PCT`).

    Examples
    --------
    >>> [snap] = read_brm(Path("bilateral_remittance_matrix_2021.xlsx"))      # doctest: +SKIP
    >>> world = snap.published.query("origin == 'WLD' and dest == 'WLD'")      # doctest: +SKIP
    >>> round(float(world.remittances_usd_m.iloc[0]), 1)                       # doctest: +SKIP
    781075.7
    """
    import pandas as pd

    names = sheet_names(path)
    if not names:
        raise InputError("the workbook has no sheet", file=path.name)
    sheet = read_sheet(path, names[0].strip())  # read_sheet matches names without their outer spaces
    title = next((cell_text(r[0]) for r in sheet.rows[:5] if r and _TITLE.search(cell_text(r[0]))), "")
    if title and "million" not in title.lower():
        raise sheet.error("expected values in millions of US$ (the title does not say so)", row=1, column="A",
                          value=title)
    h = _header_row(sheet)
    cols, rows = _labels(sheet, h)
    _check_square(sheet, h, cols, rows)
    values, given = _values(sheet, cols, rows)
    _check_totals(sheet, h, cols, rows, values, given)
    m = _YEAR_IN_TITLE.search(title)
    if m:
        year = int(m.group(1))
    elif edition and re.fullmatch(r"(19|20)\d\d", edition):
        year = int(edition)
    else:
        raise sheet.error("cannot tell the year of the estimates (the title in row 1 does not say "
                          "'… for 2021 …')", row=1, column="A",
                          hint="give it with --edition, e.g. --edition 2021")
    countries = rows[:-1]
    dests = [resolve_areas([n], sheet=sheet, rows=[h + 1], column=_letter(j))[0][0] for j, n in cols[:-1]]
    origins, _ = resolve_areas([n for _, n in countries], sheet=sheet, rows=[i + 1 for i, _ in countries],
                               column="A")
    _check_distinct(sheet, h, cols, rows, dests, origins)
    records = []
    published = []
    n_r, n_c = len(rows) - 1, len(cols) - 1
    for r in range(n_r + 1):
        for c in range(n_c + 1):
            v = values[r][c]
            o = WORLD_CODE if r == n_r else origins[r]
            d = WORLD_CODE if c == n_c else dests[c]
            where = (rows[r][0] + 1, _letter(cols[c][0]))
            if r == n_r or c == n_c:
                if given[r][c]:  # an empty or '..' total is not published
                    published.append((year, o, d, WORLD, v, *where))
            elif v > 0:
                records.append((year, o, d, v, *where))
    cols_out = ["year", "origin", "dest", "remittances_usd_m", ROW, COL]
    data = pd.DataFrame.from_records(records, columns=cols_out)
    pub = pd.DataFrame.from_records(published, columns=["year", "origin", "dest", "name",
                                                        "remittances_usd_m", ROW, COL])
    for frame in (data, pub):
        frame[SHEET] = sheet.name
    citation, notes = _notes(sheet, rows[-1][0] + 1)
    released = _released(title)
    version = f"{calendar.month_name[released.month]} {released.year} version" if released else None
    prov = Provenance(
        dataset="bilateral_remittances",
        edition=edition or str(year),
        publisher=PUBLISHER,
        title=f"Bilateral Remittance {'Matrix' if year >= 2021 else 'Estimates'} {year}",
        revision=f"KNOMAD/World Bank bilateral remittances {year}" + (f", {version}" if version else ""),
        url=url or URL,
        licence=LICENCE,
        licence_url=LICENCE_URL,
        citation=citation or f"World Bank/KNOMAD, {title or f'Bilateral Remittance Estimates {year}'}.",
        released=released,
        accessed=today(),
        files=[raw_file(path, url)],
        transformation=[
            f"the first sheet ({names[0].strip()!r}) only; receiving countries across × sending countries "
            "down reshaped to one row per sending (origin) and receiving (dest) country; US$ million as "
            "published",
            "empty, 0 and '-' cells (no remittances estimated, or a corridor the notes assume to be zero) "
            "have no row",
            "country names → ISO3; the WORLD row, column and total kept as published (code WLD), checked "
            f"against the cells they total (within {TOLERANCE_PCT:g}% or {TOLERANCE_ABS:g} US$ million)",
            *(f"note in the sheet: {n}" for n in notes if re.match(r"notes?:\s*\S", n, re.IGNORECASE)),
        ],
    )
    snap = Snapshot("bilateral_remittances", data=data, provenance=prov, published=pub)
    return [snap.validated(file=path.name, sheet=sheet.name)]


def _check_distinct(sheet: Sheet, h: int, cols: list[tuple[int, str]], rows: list[tuple[int, str]],
                    dests: list[Any], origins: list[Any]) -> None:
    """Two names of one country (e.g. 'Turkey' and 'Türkiye') would add one country's cells twice."""
    for kind, items, codes in (("column", cols[:-1], dests), ("row", rows[:-1], origins)):
        first: dict[Any, str] = {}
        for (pos, name), code in zip(items, codes, strict=True):
            if code in first:
                row, col = (pos + 1, "A") if kind == "row" else (h + 1, _letter(pos))
                raise sheet.error(f"{name!r} and {first[code]!r} are the same country ({code})", row=row,
                                  column=col, value=name)
            first[code] = name
