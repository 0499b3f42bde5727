"""Snapshots on disk: reading the bundled and imported editions (:class:`~migcap.ingest.snapshot.Snapshot`
is what a reader makes of an official file, and what the warehouse is built from). On disk it is
``<dir>/<dataset>/<edition>.parquet`` (country rows),
``<edition>.published.parquet`` (the source's own aggregates, if any) and
``<edition>.json`` (the provenance record). The bundled snapshots live in
``migcap/data/snapshots``; imported ones in ``<data dir>/imports``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from migcap.config import package_data_dir
from migcap.errors import InputError
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import Provenance

if TYPE_CHECKING:
    pass

__all__ = ["bundled_dir", "iter_snapshots", "read_provenance", "read_snapshot"]

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


