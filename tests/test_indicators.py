"""The values of the world maps (report and web app): checked against the bundled snapshots themselves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import migcap
from migcap.evidence.indicators import REMITTANCES_PCT_GDP, map_values

SNAPSHOTS = Path(migcap.__file__).parent / "data" / "snapshots"


@pytest.fixture(scope="module")
def remittances_pct() -> pd.DataFrame:
    """WDI remittances % of GDP in the edition the warehouse uses for it (the newest that has it)."""
    frames = {p.stem: pd.read_parquet(p) for p in sorted((SNAPSHOTS / "wdi").glob("*.parquet"))
              if not p.stem.endswith(".published")}
    having = [ed for ed, f in frames.items() if (f.indicator == REMITTANCES_PCT_GDP).any()]
    f = frames[max(having)]
    return f[(f.indicator == REMITTANCES_PCT_GDP) & f.value.notna()]


def test_map_values_match_the_snapshots(con: object, remittances_pct: pd.DataFrame) -> None:
    ims = pd.read_parquet(SNAPSHOTS / "migrant_stock" / "2020.parquet")
    rows = {r["iso3"]: r for r in map_values(con, 2020, edition="2020", remittances_year=2019)}  # type: ignore[arg-type]
    assert rows["KEN"]["id"] == "404" and rows["KEN"]["name"] == "Kenya"
    for iso3 in ("KEN", "DEU", "PHL", "MEX", "NPL"):
        stock = ims[(ims.iso3 == iso3) & (ims.year == 2020)].migrants_pct.item()
        rem = remittances_pct[(remittances_pct.iso3 == iso3) & (remittances_pct.year == 2019)].value.item()
        assert rows[iso3]["migrants_pct"] == pytest.approx(stock, rel=1e-12)
        assert rows[iso3]["remittances_pct_gdp"] == pytest.approx(rem, rel=1e-12)
    assert len({r["id"] for r in rows.values()}) == len(rows)


def test_map_values_take_each_countrys_latest_remittances_by_default(
        con: object, remittances_pct: pd.DataFrame) -> None:
    rows = {r["iso3"]: r for r in map_values(con, 2020)}  # type: ignore[arg-type]
    latest = remittances_pct.sort_values("year").groupby("iso3").value.last()
    checked = [iso3 for iso3 in latest.index if iso3 in rows]
    assert len(checked) > 150
    for iso3 in checked:
        assert rows[iso3]["remittances_pct_gdp"] == pytest.approx(latest[iso3], rel=1e-12), iso3
