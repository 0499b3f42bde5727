"""Writing result tables: pretty terminal tables, CSV, JSON, Markdown and Excel.

CSV and Excel cells go through :mod:`migcap.sheets`, the one writer of spreadsheet cells: a text is
always written as text (a typed string cell in Excel; a leading ``'`` in CSV when it starts like a
formula), a number as a number.

Files are written atomically (:mod:`migcap.files`), so an interrupted export never leaves half a file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from migcap.errors import MigcapError
from migcap.files import write_atomic
from migcap.sheets import to_xlsx
from migcap.table import Table, format_number

__all__ = ["FORMATS", "emit", "emit_document", "print_table"]

Format = Literal["table", "csv", "json", "md", "xlsx"]
FORMATS = ("table", "csv", "json", "md", "xlsx", "parquet")


def _pretty(v: object) -> str:
    if isinstance(v, float):
        if v != v:
            return "–"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if v.is_integer():
            return f"{v:,.0f}"
        return f"{v:,.2f}" if abs(v) >= 0.1 else f"{v:.3g}"  # small values keep three significant digits
    return "–" if v is None else format_number(v)


def print_table(table: Table) -> None:
    """Print a table to the terminal with rich: numbers right-aligned and never cut, sources below.

    A ``note`` column is shown as references (``[1]``, ``[2]``, …) with the notes written out under the
    table, so that long notes do not stretch every row. When the output is not a terminal (a pipe, a
    log), the table is laid out 160 columns wide.
    """
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    table, refs = table.footnoted()
    cells = [[_pretty(v) for v in row] for row in table.rows]
    rt = RichTable(header_style="bold")
    needed = 1
    for i, name in enumerate(table.columns):
        is_num = all(isinstance(r[i], int | float) or r[i] is None for r in table.rows)
        longest = max((len(c[i]) for c in cells), default=1)
        width = max(longest, len(name), 4) if is_num else min(max(longest, len(name), 4), 16)
        needed += width + 3
        rt.add_column(name, justify="right" if is_num else "left", no_wrap=is_num, min_width=width,
                      overflow="fold")
    # Never cut numbers: if the terminal is too narrow, lay the table out wider and let lines wrap.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    if console.width < needed:
        console = Console(width=needed)
    for row in cells:
        rt.add_row(*(Text(c) for c in row))   # cells are text, never rich markup
    if table.title:   # above the table, not as its caption: a caption wraps to the table's width
        console.print(Text(table.title, style="italic"))
    console.print(rt)
    for k, text in enumerate(refs, start=1):
        console.print(Text(f"[{k}] {text}"))
    for s in table.sources:
        console.print(Text(f"Source: {s}", style="dim"))
    for n in table.notes:
        console.print(Text(f"Note: {n}", style="dim"))


def emit(table: Table, fmt: str = "table", out: Path | None = None) -> None:
    """Show or write a table in the chosen format.

    Parameters
    ----------
    fmt
        ``table`` (terminal), ``csv``, ``json``, ``md``, ``xlsx`` or ``parquet``.
    out
        File to write; default standard output (``xlsx`` and ``parquet`` need a file).
    """
    if fmt not in FORMATS:
        raise MigcapError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    if fmt == "table":
        if out is not None:
            raise MigcapError("--format table prints to the terminal; use csv, json, md, xlsx or parquet "
                              "with --out")
        print_table(table)
        return
    if fmt in ("xlsx", "parquet"):
        if out is None:
            raise MigcapError(f"--format {fmt} needs --out FILE.{fmt}")
        write_atomic(out, to_xlsx(table) if fmt == "xlsx" else table.to_parquet())
        return
    text = {"csv": table.to_csv, "json": table.to_json, "md": table.to_markdown}[fmt]()
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text.encode("utf-8"))


def emit_document(facts: list, tables: list[Table], as_dict: dict, markdown: str, fmt: str,
                  out: Path | None = None) -> None:
    """Show or write a document made of key facts and several tables (``table``, ``json`` or ``md``)."""
    import json

    if fmt == "table":
        if out is not None:
            raise MigcapError("--format table prints to the terminal; use json or md with --out")
        from rich.console import Console

        console = Console()
        for f in facts:
            console.print(f"• {f.text}")
        for t in tables:
            console.print()
            print_table(t)
        return
    if fmt not in ("json", "md"):
        raise MigcapError(f"unknown format {fmt!r} for this command", hint="use table, json or md")
    text = json.dumps(as_dict, indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n" if fmt == "json" else markdown
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text.encode("utf-8"))
