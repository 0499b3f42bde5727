"""The section "Irregular migration and displacement" of the report's and the web app's area pages.

Built from the ``irregular_*`` tables of an overview (:mod:`migcap.evidence.irregular_areas`) as the
fields of a :class:`migcap.reports.builder.Section` (``Section(**fields)``); the pages render it like
any other section, so the templates need no change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from migcap.evidence.facts import with_article
from migcap.reports.charts import bars, lines

if TYPE_CHECKING:
    from migcap.evidence.overview import Overview

__all__ = ["irregular_sections"]

ABOUT = ("Records of events, each from its publisher: migrants recorded dead or missing en route "
         "(IOM Missing Migrants Project, by place of incident), new internal displacements by conflict and "
         "by disaster (IDMC), asylum applications in the European countries Eurostat covers, and encounters "
         "at the US southwest land border (US CBP). A country without a record has none recorded, which does "
         "not mean that nothing happened. Frontex detections at the EU external borders are not bundled "
         "(Frontex's terms do not allow it); they appear here once you import Frontex's file.")


def irregular_sections(ov: Overview, key: str) -> list[dict[str, Any]]:
    """The fields of the section for an overview (none if it has no ``irregular_*`` table).

    Parameters
    ----------
    ov
        The overview of the world, a region or a country.
    key
        Prefix of the chart ids (unique on the page).
    """
    tables = {k: t for k, t in ov.sections.items() if k.startswith("irregular_")}
    if not tables:
        return []
    charts = []
    disp = tables.get("irregular_displacement")
    if disp is not None:
        long = [{"year": r["year"], "cause": cause, "displacements": r[col]} for r in disp
                for col, cause in (("conflict_new", "conflict"), ("disaster_new", "disaster"))
                if r[col] is not None]
        if long:
            charts.append(lines(
                f"{key}-displacement", f"New internal displacements by cause, {ov.name}", long, x="year",
                y="displacements", y_title="New displacements", series="cause",
                source=disp.sources[0] if disp.sources else "",
                alt=f"Line chart of new internal displacements by conflict and by disaster in "
                    f"{with_article(ov.name)}, by year"))
    routes = tables.get("irregular_deaths_routes")
    if routes is not None and len(routes):
        charts.append(bars(
            f"{key}-routes", routes.title, [{"route": r["route"], "dead_and_missing": r["dead_and_missing"]}
                                            for r in routes],
            label="route", value="dead_and_missing", value_title="Dead and missing (persons)",
            source=routes.sources[0] if routes.sources else "", color="#D55E00",
            alt=f"Bar chart of the migrants recorded dead or missing by route, {routes.column('years')[0]}, "
                "largest first"))
    return [{"id": "irregular", "title": "Irregular migration and displacement", "paragraphs": [ABOUT],
             "charts": charts, "tables": list(tables.values())}]
