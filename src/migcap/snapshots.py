"""Snapshots: one edition of one dataset as tidy tables, with its provenance record.

A snapshot is what a reader makes of an official file, and what the warehouse is
built from. On disk it is ``<dir>/<dataset>/<edition>.parquet`` (country rows),
``<edition>.published.parquet`` (the source's own aggregates, if any) and
``<edition>.json`` (the provenance record). The bundled snapshots live in
``migcap/data/snapshots``; imported ones in ``<data dir>/imports``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from migcap.config import package_data_dir
from migcap.datasets import Dataset, get_dataset
from migcap.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Provenance", "RawFile", "Snapshot", "bundled_dir", "iter_snapshots", "read_snapshot", "sha256_of"]

ROW = "_row"  # optional column readers add: the source row of each record, for error messages


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
    revision: str = Field(description="the publisher's name for the edition, e.g. 'POP/DB/MIG/Stock/Rev.2020'")
    url: str = Field(description="official page or download URL")
    licence: str
    licence_url: str | None = None
    citation: str | None = None
    released: date | None = None
    accessed: date
    files: list[RawFile]
    obtained_from: str | None = Field(default=None, description="how the raw file reached migcap, if not directly")
    transformation: list[str] = Field(default_factory=list)
    rows: int = 0
    published_rows: int = 0
    unmatched: list[str] = Field(default_factory=list, description="source names that are not countries (kept out)")
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


@dataclass(frozen=True)
class Snapshot:
    """One edition of one dataset.

    Attributes
    ----------
    dataset
        The dataset name (see :mod:`migcap.datasets`).
    data
        Country rows: the dataset's key and value columns.
    published
        The source's own aggregates (``code``, ``name`` …), or ``None``.
    provenance
        The provenance record.
    """

    dataset: str
    data: pd.DataFrame
    provenance: Provenance
    published: pd.DataFrame | None = field(default=None)

    @property
    def edition(self) -> str:
        """The edition name."""
        return self.provenance.edition

    @property
    def spec(self) -> Dataset:
        """The dataset specification."""
        return get_dataset(self.dataset)

    def validated(self, *, file: str | None = None, sheet: str | None = None) -> Snapshot:
        """Check the tables against the dataset schema and return a clean copy.

        Checks columns, numeric types, key uniqueness (naming the source rows of
        duplicates) and that area codes are known. Drops the helper ``_row`` column
        and fills in the row counts of the provenance record.

        Raises
        ------
        InputError
            On the first problem, naming file, sheet, row and column.
        """
        spec = self.spec
        data = _check_frame(self.data, spec, spec.columns, spec.key_names, file=file, sheet=sheet, areas=True)
        published = None
        if self.published is not None and spec.published_keys:
            keys = [c.name for c in spec.published_keys]
            published = _check_frame(self.published, spec, spec.published_columns, keys, file=file, sheet=sheet,
                                     areas=False)
        prov = self.provenance.model_copy(
            update={"rows": len(data), "published_rows": 0 if published is None else len(published)}
        )
        return replace(self, data=data, published=published, provenance=prov)

    def write(self, folder: Path) -> Path:
        """Write the snapshot under ``folder/<dataset>/`` (each file atomically); return the JSON path."""
        target = folder / self.dataset
        target.mkdir(parents=True, exist_ok=True)
        base = target / self.edition
        _atomic_parquet(self.data, base.with_suffix(".parquet"))
        if self.published is not None:
            _atomic_parquet(self.published, base.with_suffix(".published.parquet"))
        _atomic_text(self.provenance.model_dump_json(indent=2) + "\n", base.with_suffix(".json"))
        return base.with_suffix(".json")

    def files(self, folder: Path) -> list[Path]:
        """The files this snapshot occupies (or would occupy) under ``folder``."""
        base = folder / self.dataset / self.edition
        return [base.with_suffix(s) for s in (".parquet", ".published.parquet", ".json")]


def _check_frame(
    frame: pd.DataFrame,
    spec: Dataset,
    columns: tuple[Any, ...],
    keys: list[str],
    *,
    file: str | None,
    sheet: str | None,
    areas: bool,
) -> pd.DataFrame:
    import pandas as pd

    from migcap.countries import country_table

    names = [c.name for c in columns]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputError(f"{spec.name}: reader produced no column(s) {', '.join(missing)}", file=file, sheet=sheet)
    rows = frame[ROW] if ROW in frame.columns else None
    out = frame[names].copy()
    for col in columns:
        if col.type == "DOUBLE":
            out[col.name] = pd.to_numeric(out[col.name], errors="raise").astype("float64")
        elif col.type == "INTEGER":
            if out[col.name].isna().any():
                bad = out.index[out[col.name].isna()][0]
                raise InputError("missing value in a key column", file=file, sheet=sheet,
                                 row=None if rows is None else int(rows.loc[bad]), column=col.name)
            out[col.name] = out[col.name].astype("int64")
        elif col.type == "BOOLEAN":
            out[col.name] = out[col.name].fillna(False).astype(bool)
        else:
            out[col.name] = out[col.name].astype("string")
    dup = out.duplicated(keys, keep=False)
    if dup.any():
        first = out[dup].iloc[0]
        where = out.index[dup & (out[keys] == first[keys]).all(axis=1)]
        src_rows = [] if rows is None else sorted({int(rows.loc[i]) for i in where})
        key_text = ", ".join(f"{k}={first[k]}" for k in keys)
        raise InputError(
            f"duplicate key ({key_text})" + (f" in rows {', '.join(map(str, src_rows))}" if src_rows else ""),
            file=file, sheet=sheet, row=src_rows[0] if src_rows else None,
        )
    if areas:
        table = country_table()
        known = {c.iso3 for c in table} | set(table.special)
        for col in spec.area_columns:
            bad_mask = ~out[col].isin(known)
            if bad_mask.any():
                i = out.index[bad_mask][0]
                raise InputError("unknown country code", file=file, sheet=sheet,
                                 row=None if rows is None else int(rows.loc[i]), column=col, value=out.loc[i, col])
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    from migcap.output import atomic_target

    with atomic_target(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd")


def _atomic_text(text: str, path: Path) -> None:
    from migcap.output import write_atomic

    write_atomic(path, text.encode("utf-8"))


def bundled_dir() -> Path:
    """The folder of snapshots shipped in the package."""
    return package_data_dir() / "snapshots"


def read_provenance(path: Path) -> Provenance:
    """Read a provenance JSON file."""
    try:
        return Provenance.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError) as exc:
        raise InputError(f"unreadable provenance record ({exc.__class__.__name__})", file=str(path)) from None


def iter_snapshots(folder: Path) -> Iterator[tuple[Provenance, Path]]:
    """Yield ``(provenance, parquet path)`` of every snapshot under ``folder`` (sorted)."""
    if not folder.is_dir():
        return
    for js in sorted(folder.glob("*/*.json")):
        if js.parent.name.startswith("."):
            continue
        parquet = js.with_suffix(".parquet")
        if parquet.exists():
            yield read_provenance(js), parquet


def read_snapshot(folder: Path, dataset: str, edition: str) -> Snapshot:
    """Load a snapshot written by :meth:`Snapshot.write`."""
    import pandas as pd

    base = folder / dataset / edition
    prov = read_provenance(base.with_suffix(".json"))
    pub = base.with_suffix(".published.parquet")
    return Snapshot(
        dataset=dataset,
        data=pd.read_parquet(base.with_suffix(".parquet")),
        provenance=prov,
        published=pd.read_parquet(pub) if pub.exists() else None,
    )


def today() -> date:
    """Today's date (a function so tests can see where 'accessed' comes from)."""
    return date.today()
