"""The report's section "Remittances within and between regions", in the global chapter and in every
regional chapter.

From the KNOMAD/World Bank Bilateral Remittance Matrix (:mod:`migcap.evidence.remittances`): the region ×
region matrix of the latest edition (global chapter) or the region's corridors (regional chapters), the
remittances per migrant by corridor (UN DESA stocks, never KNOMAD's own) and the change since the oldest
edition. Every sentence is built from the tables it sits beside; the caveat that these are model estimates
is :data:`migcap.evidence.remittances.MODEL_NOTE`, shown by the partial template
``_remittance_corridors.html.j2``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from migcap.evidence.facts import format_pct, format_usd, with_article
from migcap.geo.schemes import Scheme
from migcap.reports.charts import bars, heatmap

if TYPE_CHECKING:
    import duckdb

__all__ = ["SECTION_ID", "add_remittance_sections", "remittance_section"]

SECTION_ID = "remittance-regions"
TITLE = "Remittances within and between regions"
#: Corridors listed in a chapter.
TOP = 10


def _usd_m(value: float) -> str:
    """US$ million as published → 'US$ 781.1 billion'."""
    return format_usd(value * 1e6)


def _rows(t: Any) -> list[dict[str, Any]]:
    return [{c: v for c, v in r.items() if v is not None} for r in t]


def remittance_section(con: duckdb.DuckDBPyConnection, sch: Scheme, area: str,
                       make_section: Callable[[str, str], Any], *,
                       shared: tuple[Any, Any] | None = None) -> Any:
    """The section for the world (``WLD``) or a region of ``sch``, made by ``make_section(id, title)`` (the
    builder's ``Section``: this module does not import the builder, which imports it). ``shared``: the
    scheme's remittance matrix and region change, when the caller has them already."""
    from migcap.evidence.remittances import (
        CHANGE_NOTE,
        MODEL_NOTE,
        PER_MIGRANT_NOTE,
        corridors,
        remittance_change,
        remittance_matrix,
    )

    m, change = shared or (remittance_matrix(sch, con=con),
                           remittance_change(by="region", scheme=sch, con=con))
    year = m.years[-1]
    shares = {r["region"]: r for r in m.shares}
    y1, y2 = change.years
    key = area.lower()
    figures: list[tuple[str, str]] = []
    paragraphs: list[str] = []
    sec = make_section(SECTION_ID, TITLE)
    if area == "WLD":
        w = shares["World"]
        world, within, between = change.totals.rows
        figures = [(f"Remittances in {year}", _usd_m(w["received"])),
                   ("Within regions",
                    f"{_usd_m(w['within_region'])} ({format_pct(w['intra_share_received_pct'])})"),
                   ("Between regions", _usd_m(w["received_from_other_regions"])),
                   (f"Change {y1} → {y2}", f"{format_pct(world[4], 1)} (within {format_pct(within[4], 1)}, "
                                           f"between {format_pct(between[4], 1)})")]
        paragraphs.append(
            f"In {year}, {format_pct(w['intra_share_received_pct'])} of the world's estimated remittances "
            f"({_usd_m(w['within_region'])} of {_usd_m(w['received'])}) were sent between countries of the "
            f"same region of {sch.id}, and {_usd_m(w['received_from_other_regions'])} from one region to "
            f"another.")
        sec.charts.append(heatmap(
            f"{key}-rem-matrix", f"Remittances by sending and receiving region, {year} (US$ million)",
            _rows(m.long), source=m.long.sources[0], value="remittances_usd_m", value_title="US$ million",
            row_title="Sending region", column_title="Receiving region",
            dark_text_above=0.45 * max(m.long.column("remittances_usd_m"), default=0.0),
            alt=f"Heat map of remittances by sending region (rows) and receiving region (columns), {year}"))
        sec.tables += [m.wide(year), m.shares, change.totals]
        per = corridors("WLD", scheme=sch, top=TOP, per_migrant=True, con=con)
    else:
        r = shares[sch.regions[area]]
        name = with_article(sch.regions[area])
        pair = {(x["origin"], x["destination"]): x for x in change.table}
        same = pair.get((sch.regions[area], sch.regions[area]))
        figures = [(f"Received in {year}", _usd_m(r["received"])),
                   ("From the same region", format_pct(r["intra_share_received_pct"] or 0.0)),
                   (f"Sent in {year}", _usd_m(r["sent"])),
                   ("To the same region", format_pct(r["intra_share_sent_pct"] or 0.0))]
        paragraphs.append(
            f"In {year}, {name} received an estimated {_usd_m(r['received'])} in remittances, "
            f"{format_pct(r['intra_share_received_pct'] or 0.0)} of it from countries of the same region, "
            f"and sent {_usd_m(r['sent'])}, {format_pct(r['intra_share_sent_pct'] or 0.0)} of it within the "
            "region.")
        if same is not None and same["change_pct"] is not None:
            figures.append((f"Within the region, {y1} → {y2}", format_pct(same["change_pct"], 1)))
        per = corridors(area, role="both", scheme=sch, top=TOP, per_migrant=True, con=con)
        sec.charts.append(bars(
            f"{key}-rem-corr", per.title, [{"corridor": f"{x['origin']} → {x['destination']}",
                                            "usd_m": x["remittances_usd_m"]} for x in per],
            label="corridor", value="usd_m", value_title="US$ million", source=per.sources[0],
            color="#009E73", alt=f"Bar chart: {per.title}, largest first, sending → receiving country"))
        region_change = remittance_change(area, role="both", scheme=sch, top=TOP, con=con)
        sec.tables += [m.shares.filter(lambda x: x["region"] in (sch.regions[area], "World")),
                       region_change.totals]
    usd = per.column("usd_per_migrant")
    if per.rows and usd[0] is not None:
        first = next(iter(per))
        paragraphs.append(
            f"The largest corridor, {first['origin']} → {first['destination']}, carried "
            f"{_usd_m(first['remittances_usd_m'])}: about US$ {first['usd_per_migrant']:,.0f} per migrant "
            f"born in {with_article(first['destination'])} living in {with_article(first['origin'])} "
            f"({first['migrants']:,.0f} in "
            f"{first['stock_year']}, UN DESA).")
    paragraphs += [PER_MIGRANT_NOTE, CHANGE_NOTE]
    sec.paragraphs = paragraphs
    sec.tables.insert(0 if area != "WLD" else 1, per.select(
        ["rank", "origin", "destination", "remittances_usd_m", "share_pct", "migrants", "stock_year",
         "usd_per_migrant"]))
    sec.figures = {"caveat": MODEL_NOTE, "key_figures": figures}
    return sec


def add_remittance_sections(con: duckdb.DuckDBPyConnection, sch: Scheme, pages: Sequence[Any],
                            make_section: Callable[[str, str], Any]) -> None:
    """Insert the section into the global chapter (after the migrant stock matrix) and into every regional
    chapter (after its remittances) of the builder's ``pages``."""
    from migcap.evidence.remittances import remittance_change, remittance_matrix

    shared = (remittance_matrix(sch, con=con), remittance_change(by="region", scheme=sch, con=con))
    for page in pages:
        if page.href == "global.html":
            area, after = "WLD", "matrix"
        elif page.href.startswith("regions/"):
            area, after = page.href.removeprefix("regions/").removesuffix(".html"), "remittances"
        else:
            continue
        ids = [s.id for s in page.sections]
        at = ids.index(after) + 1 if after in ids else len(ids)
        page.sections.insert(at, remittance_section(con, sch, area, make_section, shared=shared))
