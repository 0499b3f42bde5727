"""The remittances page: the region × region matrix of a scheme, the corridors of an area (with remittances
per migrant) and the change between the 2017 and 2021 matrices.

A thin handler like those of :mod:`migcap.web.routes.pages`: it reads the query, asks
:class:`~migcap.web.service.Service` for the tables and draws them with :mod:`migcap.reports.charts`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from migcap.web.routes.pages import _area_names, _downloads, _restyle, _rows, _svc, render

__all__ = ["make_remittance_pages", "remittances"]

#: Corridors drawn in the chart (the table below it has the same ones).
CHART_CORRIDORS = 15


def remittances(request: Request, scheme: Annotated[str, Query(max_length=64)] = "wmr2010",
                edition: Annotated[str | None, Query(max_length=40)] = None,
                area: Annotated[str, Query(max_length=100)] = "WLD",
                role: Annotated[Literal["sender", "receiver", "both"], Query()] = "both") -> Response:
    """Remittances within and between the regions of a scheme, and the corridors of an area."""
    from migcap.evidence.remittances import CHANGE_NOTE, MODEL_NOTE, PER_MIGRANT_NOTE
    from migcap.reports.charts import bars, heatmap

    svc = _svc(request)
    a = svc.area(area, scheme)
    m = svc.remittance_matrix(scheme, edition)
    year = m.years[-1]
    top = max((r["remittances_usd_m"] for r in m.long), default=0.0)
    matrix_chart = heatmap(
        "rem-matrix", f"Remittances by sending and receiving region, {year} (US$ million)", _rows(m.long),
        source=m.long.sources[0] if m.long.sources else "", value="remittances_usd_m",
        value_title="US$ million", row_title="Sending region (where migrants live)",
        column_title="Receiving region", dark_text_above=0.45 * top,
        alt=f"Heat map of remittances by sending region (rows) and receiving region (columns), {year}, "
            "in US$ million; the same figures are in the table below")
    corr = svc.remittance_corridors(a.code, role, scheme, edition, CHART_CORRIDORS, True, None, "value", 0)
    corridor_chart = _restyle(bars(
        "rem-corridors", corr.title, [{"corridor": f"{r['origin']} → {r['destination']}",
                                       "usd_m": r["remittances_usd_m"]} for r in corr],
        label="corridor", value="usd_m", value_title="US$ million", source=corr.sources[0],
        color="#009E73", alt=f"Bar chart: {corr.title}, largest first, sending → receiving country"),
        label_limit=320)
    change = svc.remittance_change(a.code, "corridor", role, scheme, None, None, 10, "value")
    regions = svc.remittance_change("WLD", "region", "both", scheme, None, None, 10, "value")
    editions = svc.remittance_editions()
    base: dict[str, Any] = {"scheme": scheme, "edition": edition}
    area_params: dict[str, Any] = {**base, "area": a.code, "role": role}
    downloads = {
        m.long.title: _downloads(request, "/api/v1/remittances/matrix", {**base, "table": "matrix"}),
        m.shares.title: _downloads(request, "/api/v1/remittances/matrix", {**base, "table": "shares"}),
        corr.title: _downloads(request, "/api/v1/remittances/corridors",
                               {**area_params, "per_migrant": "true", "top": CHART_CORRIDORS}),
        change.table.title: _downloads(request, "/api/v1/remittances/change",
                                       {"area": a.code, "role": role, "scheme": scheme}),
        regions.totals.title: _downloads(request, "/api/v1/remittances/change",
                                         {"by": "region", "scheme": scheme, "table": "totals"}),
    }
    return render(request, "remittances.html", title="Remittances", mx=m, year=year, a=a, role=role,
                  matrix_chart=matrix_chart, corridor_chart=corridor_chart,
                  charts_on_page=[matrix_chart, corridor_chart], square=m.wide(year), shares=m.shares,
                  corridors=corr.select(["rank", "origin", "destination", "remittances_usd_m", "share_pct",
                                         "migrants", "stock_year", "usd_per_migrant"]),
                  change=change.table.select([c for c in change.table.columns if not c.endswith("_code")]),
                  regions=regions, scheme=scheme, schemes=svc.schemes(),
                  edition=edition or editions[0], editions=[(e, e) for e in editions], downloads=downloads,
                  area_names=_area_names(svc, scheme), model_note=MODEL_NOTE, change_note=CHANGE_NOTE,
                  per_migrant_note=PER_MIGRANT_NOTE)


def make_remittance_pages() -> APIRouter:
    """The page ``/remittances`` (included by :func:`migcap.web.app.create_app` beside
    :func:`migcap.web.routes.pages.make_pages`, whose helpers it uses)."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    router.add_api_route("/remittances", remittances, methods=["GET"], name="remittances")
    return router
