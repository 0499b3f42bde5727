"""Adding new releases to the warehouse: ``migcap data import`` and ``migcap data update``.

An import reads the files (all checks happen here, before anything is written),
stores the snapshot under ``<data dir>/imports`` and rebuilds the warehouse. If
reading or the rebuild fails, the new files are removed again and the previous
warehouse stays as it was.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from migcap.config import Settings, get_settings
from migcap.errors import EditionError, StoreError
from migcap.ingest import read
from migcap.store.snapshots import bundled_dir, iter_snapshots
from migcap.store.warehouse import Progress, build

__all__ = ["ImportReport", "import_files", "remove_edition"]


@dataclass(frozen=True)
class ImportReport:
    """What an import added."""

    editions: tuple[tuple[str, str, int], ...]  # (dataset, edition, rows)
    seconds: float


def _existing(settings: Settings) -> dict[tuple[str, str], bool]:
    out = {(p.dataset, p.edition): True for p, _ in iter_snapshots(bundled_dir())}
    out.update({(p.dataset, p.edition): False for p, _ in iter_snapshots(settings.imports_dir)})
    return out


def import_files(
    paths: Sequence[Path],
    source: str,
    *,
    edition: str | None = None,
    indicator: str | None = None,
    replace: bool = False,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import official files as a new edition and rebuild the warehouse.

    Parameters
    ----------
    paths
        The files (one release of one source).
    source
        One of :data:`migcap.ingest.SOURCES` (``un-ims``, ``wdi``, ``iom-mmp`` …).
    edition
        Edition name (default: read from the files).
    replace
        Replace an earlier *imported* edition of the same name (bundled ones
        cannot be replaced; import under another name instead).

    Raises
    ------
    InputError
        If a file is not in the expected layout (nothing is written).
    EditionError
        If the edition exists already.
    """
    import time

    settings = settings or get_settings()
    start = time.perf_counter()
    snapshots = read(paths, source, edition=edition, indicator=indicator)
    existing = _existing(settings)
    for snap in snapshots:
        key = (snap.dataset, snap.edition)
        if key in existing and (existing[key] or not replace):
            kind = "bundled" if existing[key] else "imported"
            raise EditionError(
                f"edition {snap.edition!r} of {snap.dataset} exists already ({kind})",
                hint="name the new one with --edition" + ("" if existing[key] else " or use --replace"),
            )
    backups: list[tuple[Path, Path]] = []
    written: list[Path] = []
    staging = settings.data_dir / ".import-backup"
    try:
        for snap in snapshots:
            for f in snap.files(settings.imports_dir):
                if f.exists():
                    staging.mkdir(parents=True, exist_ok=True)
                    backup = staging / f"{f.parent.name}__{f.name}"
                    shutil.move(str(f), backup)
                    backups.append((backup, f))
            written += [f for f in snap.files(settings.imports_dir) if not f.exists()]
            snap.write(settings.imports_dir)
        build(settings, progress=progress)
    except BaseException as exc:
        _roll_back(written, backups)
        if isinstance(exc, OSError):
            raise StoreError(f"cannot write the new edition to the data folder ({exc.strerror})",
                             file=str(exc.filename or settings.imports_dir)) from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ImportReport(tuple((s.dataset, s.edition, len(s.data)) for s in snapshots),
                        time.perf_counter() - start)


def _roll_back(written: Sequence[Path], backups: Sequence[tuple[Path, Path]]) -> None:
    """Remove what an import wrote and put back what it moved aside (as far as the folder allows)."""
    for f in written:
        with contextlib.suppress(OSError):
            f.unlink(missing_ok=True)
    for backup, original in backups:
        with contextlib.suppress(OSError):
            shutil.move(str(backup), original)


def remove_edition(dataset: str, edition: str, *, settings: Settings | None = None) -> None:
    """Remove an imported edition and rebuild the warehouse.

    Raises
    ------
    EditionError
        If the edition is bundled or unknown.
    """
    settings = settings or get_settings()
    existing = _existing(settings)
    if (dataset, edition) not in existing:
        raise EditionError(f"no edition {edition!r} of {dataset}")
    if existing[(dataset, edition)]:
        raise EditionError(f"edition {edition!r} of {dataset} is bundled with migcap and cannot be removed")
    base = settings.imports_dir / dataset / edition
    try:
        for suffix in (".json", ".parquet", ".published.parquet"):  # the record first: no half an edition
            base.with_suffix(suffix).unlink(missing_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot remove the edition from the data folder ({exc.strerror})",
                         file=str(exc.filename or base)) from None
    build(settings)
