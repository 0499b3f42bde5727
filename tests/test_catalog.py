"""Listing, exporting and documenting the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from migcap.errors import MigcapError
from migcap.store.catalog import data_list, export, months_since, provenance_of, schema_markdown


def test_data_list_shows_licences_and_latest(con: Any) -> None:
    t = data_list(con)
    by = {(r["dataset"], r["edition"]): r for r in t}
    assert by[("migrant_stock", "2024")]["latest"] and not by[("migrant_stock", "2020")]["latest"]
    licences = {by[("migrant_stock", e)]["licence"] for e in ("2024", "2020")}
    assert licences == {"CC BY 3.0 IGO"}
    assert by[("unhcr", "2025")]["licence"] == "CC BY 4.0"
    assert by[("migrant_stock", "2020")]["years"] == "1990–2020"
    assert by[("migrant_stock", "2024")]["years"] == "1990–2024"
    # how current: the last year with data and the months since the release (IMS 2024: 27 January 2025)
    assert by[("migrant_stock", "2024")]["latest_year"] == 2024
    assert by[("migrant_stock", "2024")]["age_months"] == months_since("2025-01-27") >= 22
    assert by[("missing_migrants", "2025-06")]["latest_year"] == 2025


def test_provenance_record(con: Any) -> None:
    text = provenance_of(con, "bilateral_stock")  # the default, IMS 2024: its unknown origin is the UN's
    assert '"edition": "2024"' in text and "OOO" in text and "derived = true" not in text
    assert "sha256" in text and "CC BY 3.0 IGO" in text
    old = provenance_of(con, "bilateral_stock", "2019")  # IMS 2019: UNK is migcap's residual
    assert "the sum of known origins; flagged derived = true" in old


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_formats(con: Any, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"stock.{fmt}"
    n = export(con, "migrant_stock", out, fmt, edition="2019")
    frame = {"csv": pd.read_csv, "parquet": pd.read_parquet,
             "xlsx": lambda p: pd.read_excel(p, sheet_name="data")}[fmt](out)
    assert n == len(frame) == con.execute("SELECT count(*) FROM migrant_stock "
                                          "WHERE edition='2019'").fetchone()[0]
    assert set(frame["edition"].astype(str)) == {"2019"}


def test_export_published(con: Any, tmp_path: Path) -> None:
    out = tmp_path / "wdi_pub.csv"
    export(con, "wdi", out, "csv", edition="2023-05", published=True)
    frame = pd.read_csv(out)
    world = frame[(frame.code == "WLD") & (frame.indicator == "BX.TRF.PWKR.CD.DT")].set_index("year")["value"]
    assert world[2009] / world[2008] - 1 == pytest.approx(-0.041, abs=0.001)  # WDI: world remittances −4.1%
    # an edition whose source gives no aggregates is an error naming those that have them, not an empty file
    empty = tmp_path / "ims_pub.csv"
    with pytest.raises(MigcapError, match=r"edition 2024 of migrant_stock has no published aggregates \(the "
                                          r"source gives none\); editions that have them: 2019, 2020"):
        export(con, "migrant_stock", empty, "csv", published=True)
    assert not empty.exists()


def test_schema_doc_is_current() -> None:
    doc = Path(__file__).parents[1] / "docs" / "schema.md"
    assert doc.read_text() == schema_markdown(), "run: make docs"
