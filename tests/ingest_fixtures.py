"""Copies of the irregular-migration extracts in tests/data/irregular, with one cell changed, for the
bad-input tests of the readers."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data" / "irregular"


def extract(name: str) -> Path:
    """The path of an extract."""
    return DATA / name


def changed(name: str, tmp: Path, *, row: int, column: str, value: str, gz: bool = False) -> Path:
    """A copy of an extract with the cell at data row ``row`` (0-based; the file's row ``row + 2``) and
    ``column`` set to ``value``."""
    frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    return write(frame, tmp / name, gz=gz)


def without(name: str, tmp: Path, column: str) -> Path:
    """A copy of an extract without one column."""
    frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
    return write(frame.drop(columns=[column]), tmp / name)


def write(frame: pd.DataFrame, path: Path, *, gz: bool = False) -> Path:
    """Write a frame as CSV (gzipped if ``gz``, with ``.gz`` added to the name)."""
    if gz:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            frame.to_csv(fh, index=False)
    else:
        frame.to_csv(path, index=False)
    return path
