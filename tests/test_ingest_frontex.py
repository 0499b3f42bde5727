"""Frontex detections reader. SYNTHETIC fixture: the layout of the gdidata ``frontex`` table (route,
type, nat, t, n) with invented values, because Frontex's terms do not allow copying its data here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from migcap.errors import InputError
from migcap.ingest import read
from tests.ingest_fixtures import write

# synthetic values, in the real layout
ROWS = [
    ("Central Mediterranean Route", "Sea", "BGD", "2024-01-01", "120"),
    ("Central Mediterranean Route", "Sea", "TUN", "2024-01-01", "75"),
    ("Western Balkan Route", "Land", "SYR", "2024-02-01", "40"),
    ("Eastern Borders Route", "Land", "OOS", "2024-03-01", "3"),
    ("Eastern Mediterranean Route", "Sea", "STL", "2024-03-01", "0"),
]


def synthetic(tmp: Path, rows: list[tuple[str, ...]] = ROWS, name: str = "frontex.csv", *,
              gz: bool = False) -> Path:
    return write(pd.DataFrame(rows, columns=["route", "type", "nat", "t", "n"]), tmp / name, gz=gz)


def test_synthetic_layout(tmp_path: Path) -> None:
    [snap] = read([synthetic(tmp_path, gz=True)], "frontex")
    assert snap.dataset == "border_crossings" and snap.edition == "2024-03"
    d = snap.data.set_index(["year", "month", "route", "border", "citizenship"])["detections"]
    assert d[(2024, 1, "Central Mediterranean Route", "Sea", "BGD")] == 120
    assert d[(2024, 3, "Eastern Borders Route", "Land", "OOS")] == 3
    assert snap.data["detections"].sum() == 238
    assert "not redistributed" in snap.provenance.licence


@pytest.mark.parametrize(("row", "message"), [
    (("Western Balkan Route", "Land", "SYR", "2024-02-01", "-4"), r"row 4, column 'n': negative count"),
    (("Western Balkan Route", "Land", "SYR", "2024-02-01", "Infinity"), r"row 4, column 'n': not a finite"),
    (("Western Balkan Route", "Air", "SYR", "2024-02-01", "4"), r"row 4, column 'type': unknown border"),
    (("Western Balkan Route", "Land", "QQQ", "2024-02-01", "4"), r"row 4, column 'nat': unknown country"),
])
def test_bad_rows(tmp_path: Path, row: tuple[str, ...], message: str) -> None:
    rows = [*ROWS[:2], row, *ROWS[3:]]
    with pytest.raises(InputError, match=rf"^frontex.csv, {message}"):
        read([synthetic(tmp_path, rows)], "frontex")


def test_duplicate_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"duplicate key .* in rows 2, 3"):
        read([synthetic(tmp_path, [ROWS[0], ROWS[0]])], "frontex")
    p = tmp_path / "f.csv"
    p.write_text("route,type,t,n\nWestern Balkan Route,Land,2024-02-01,4\n")
    with pytest.raises(InputError, match=r"^f.csv, row 1: missing column 'nat'"):
        read([p], "frontex")


def test_frontex_is_not_bundled() -> None:
    from migcap.datasets import get_dataset
    from migcap.store.snapshots import bundled_dir

    assert not get_dataset("border_crossings").bundled
    assert not (bundled_dir() / "border_crossings").exists()
