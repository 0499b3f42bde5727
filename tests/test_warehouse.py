"""The warehouse: atomic builds, editions side by side, imports that leave nothing half-written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from migcap.errors import EditionError, InputError, StoreError
from migcap.evidence.stocks import stocks
from migcap.store.editions import import_files, remove_edition
from migcap.store.warehouse import build, connect, editions, resolve_edition
from tests import layouts
from tests.conftest import snapshot_of


def test_bundled_editions(con: Any) -> None:
    names = {(e.dataset, e.edition) for e in editions(con)}
    assert {("migrant_stock", "2024"), ("migrant_stock", "2020"), ("migrant_stock", "2019"),
            ("bilateral_stock", "2024"), ("bilateral_stock", "2020"), ("bilateral_stock", "2019"),
            ("wdi", "2023-05"), ("knomad", "2023-06"), ("wpp", "2024"), ("unhcr", "2025")} <= names
    assert resolve_edition(con, "migrant_stock") == "2024"  # the newest release (January 2025)
    assert resolve_edition(con, "bilateral_stock") == "2024"
    # per indicator, the latest edition that has it: the 2025 edition (population and GDP only) does not
    # hide the remittances, unemployment and net migration of 2024-12
    for code in ("BX.TRF.PWKR.CD.DT", "BM.TRF.PWKR.CD.DT", "BX.TRF.PWKR.DT.GD.ZS", "SL.UEM.TOTL.ZS",
                 "SM.POP.NETM"):
        assert resolve_edition(con, "wdi", indicator=code) == "2024-12"
    assert resolve_edition(con, "wdi", indicator="SP.POP.TOTL") == "2025"
    assert resolve_edition(con, "wdi", indicator="NY.GDP.MKTP.CD") == "2025"
    # a pinned edition wins where it has the indicator, and only there
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCAP_EDITION_WDI", "2019")
        assert resolve_edition(con, "wdi", indicator="SL.UEM.TOTL.ZS") == "2019"
        assert resolve_edition(con, "wdi", indicator="BX.TRF.PWKR.CD.DT") == "2024-12"


def test_every_edition_has_provenance(con: Any) -> None:
    for e in editions(con):
        p = e.provenance
        assert p.publisher and p.title and p.url.startswith("https://") and p.licence
        assert p.files and all(len(f.sha256) == 64 for f in p.files)
        assert p.transformation and p.accessed and p.bundled
        assert e.rows == con.execute(f'SELECT count(*) FROM "{e.dataset}" WHERE edition = ?',
                                     [e.edition]).fetchone()[0]


def test_failed_build_leaves_the_old_store(private_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot_of(private_store)
    import migcap.store.warehouse as wh

    calls = {"n": 0}
    real = wh._load_snapshot

    def boom(*args: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise duckdb.IOException("disk full (simulated)")
        return real(*args)

    monkeypatch.setattr(wh, "_load_snapshot", boom)
    with pytest.raises(StoreError, match=r"building the warehouse failed: .*disk full"):
        build()
    assert snapshot_of(private_store) == before  # same bytes, no temporary files left


def test_import_new_edition_then_remove(private_store: Path, tmp_path: Path) -> None:
    path = layouts.ims_totals(tmp_path / "ims_test.xlsx", revision=2020)
    with pytest.raises(EditionError, match=r"edition '2020' of migrant_stock exists already \(bundled\); "
                                           r"name the new one with --edition"):
        import_files([path], "un-ims")
    report = import_files([path], "un-ims", edition="synthetic")
    assert report.editions == (("migrant_stock", "synthetic", 9),)  # Kenya, Uganda, South Sudan × 3 years
    con = connect()
    assert resolve_edition(con, "migrant_stock") == "synthetic"  # an import made today is the latest
    t = stocks(by="world", years=[2020], con=con)
    assert t.column("migrants") == [5600]  # the synthetic workbook: 3000 + 2000 + 600
    assert stocks(by="world", years=[2020], edition="2020", con=con).column("migrants") == [280_598_105]
    con.close()
    with pytest.raises(EditionError, match="exists already \\(imported\\); name the new one with --edition "
                                           "or use --replace"):
        import_files([path], "un-ims", edition="synthetic")
    import_files([path], "un-ims", edition="synthetic", replace=True)
    remove_edition("migrant_stock", "synthetic")
    con = connect()
    assert resolve_edition(con, "migrant_stock") == "2024"
    with pytest.raises(EditionError, match="is bundled with migcap and cannot be removed"):
        remove_edition("migrant_stock", "2020")


@pytest.mark.parametrize("breakage", ["text", "sheet", "unknown"])
def test_bad_import_changes_nothing(private_store: Path, tmp_path: Path, breakage: str) -> None:
    path = layouts.ims_totals(tmp_path / "bad.xlsx")
    wb = openpyxl.load_workbook(path)
    if breakage == "text":
        wb["Table 6"]["G14"] = "about 200"
    elif breakage == "sheet":
        wb["Table 4"].title = "Table four"
    else:
        wb["Table 1"]["D15"] = 899
    wb.save(path)
    before = snapshot_of(private_store)
    with pytest.raises(InputError, match=r"^bad.xlsx[,:] "):
        import_files([path], "un-ims", edition="broken")
    assert snapshot_of(private_store) == before


def test_store_rebuilds_when_inputs_change(private_store: Path, tmp_path: Path) -> None:
    con = connect()
    built = con.execute("SELECT value FROM meta WHERE key = 'built_at'").fetchone()
    con.close()
    (private_store / "imports" / "wdi").mkdir(parents=True)
    from migcap.store.snapshots import bundled_dir, read_snapshot

    snap = read_snapshot(bundled_dir(), "wdi", "2019")
    moved = snap.provenance.model_copy(update={"edition": "2019-copy", "bundled": False})
    type(snap)(snap.dataset, data=snap.data, provenance=moved, published=snap.published).write(
        private_store / "imports")
    con = connect()  # sees the new snapshot and rebuilds
    assert ("wdi", "2019-copy") in {(e.dataset, e.edition) for e in editions(con)}
    assert con.execute("SELECT value FROM meta WHERE key = 'built_at'").fetchone() is not None
    assert built is not None


def test_bundled_snapshots_hold_only_valid_values(session_store: Path) -> None:
    """The bundled tables pass the rules every import passes (see docs/data.md, 'Valid values'); every
    dataset whose terms allow it is bundled, and none whose terms do not."""
    from migcap.datasets import DATASETS
    from migcap.store.snapshots import bundled_dir, iter_snapshots, read_snapshot

    checked = set()
    for prov, _ in iter_snapshots(bundled_dir()):
        snap = read_snapshot(bundled_dir(), prov.dataset, prov.edition)
        assert len(snap.validated(file=prov.edition).data) == prov.rows
        checked.add(prov.dataset)
    assert checked == {name for name, spec in DATASETS.items() if spec.bundled}
