"""Provenance records: where each dataset edition comes from (publisher, title, licence and terms of
re-use, the files read and their SHA-256), and the columns readers add to locate each value in a source
file for error messages. Every reader returns these with its tables
(:class:`migcap.ingest.snapshot.Snapshot`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

__all__ = ["COL", "FILE", "ROW", "SHEET", "Provenance", "RawFile", "edition_date", "raw_file", "release_year",
           "sha256_of", "today"]

# Optional columns readers add to locate each value in the source, for error messages (dropped when
# validated):
ROW = "_row"  # the row (1-based, as a spreadsheet shows it)
COL = "_col"  # the column (letter, header or field name)
FILE = "_file"  # the file, where a snapshot is read from several
SHEET = "_sheet"  # the sheet
# Any of them may also be given per value column, as "_row:<column>", "_col:<column>" …, where the values of
# one record come from different places (IMS Tables 1-6, KNOMAD inflow and outflow files).


class RawFile(BaseModel):
    """A raw file a snapshot was converted from."""

    name: str
    sha256: str
    size: int
    url: str | None = Field(default=None, description="official download URL of this file")


class Provenance(BaseModel):
    """Where a snapshot comes from and what was done to it (one per dataset edition)."""

    dataset: str
    edition: str
    publisher: str
    title: str
    revision: str = Field(description="the publisher's name for the edition, e.g. "
                                      "'POP/DB/MIG/Stock/Rev.2020'")
    url: str = Field(description="official page or download URL")
    licence: str
    licence_url: str | None = None
    citation: str | None = None
    released: date | None = None
    accessed: date
    files: list[RawFile]
    obtained_from: str | None = Field(default=None,
                                      description="how the raw file reached migcap, if not directly")
    transformation: list[str] = Field(default_factory=list)
    rows: int = 0
    published_rows: int = 0
    unmatched: list[str] = Field(default_factory=list,
                                 description="source names that are not countries (kept out)")
    bundled: bool = False


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def raw_file(path: Path, url: str | None = None) -> RawFile:
    """The :class:`RawFile` record of a file on disk."""
    return RawFile(name=path.name, sha256=sha256_of(path), size=path.stat().st_size, url=url)


def edition_date(prov: Provenance) -> date:
    """The date that orders editions: the release date, else one read from the edition name
    ("2019" → 2019-01-01, "2023-05" → 2023-05-01), else the date the data were accessed."""
    if prov.released:
        return prov.released
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?!\d)", prov.edition)
    if m and int(m.group(1)) >= 1 and 1 <= int(m.group(2) or 1) <= 12:
        return date(int(m.group(1)), int(m.group(2) or 1), 1)
    return prov.accessed


def release_year(prov: Provenance) -> int:
    """The last year an edition can hold data of: the year of :func:`edition_date`, but never later than
    the year its files were read.

    >>> from datetime import date
    >>> p = Provenance(dataset="wdi", edition="2023-05", publisher="", title="", revision="", url="",
    ...                licence="", accessed=date(2025, 1, 2), files=[])
    >>> release_year(p), release_year(p.model_copy(update={"edition": "99999"}))
    (2023, 2025)
    """
    return min(edition_date(prov).year, prov.accessed.year)


def today() -> date:
    """Today's date (a function so tests can see where 'accessed' comes from)."""
    return date.today()
