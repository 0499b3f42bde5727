"""The pages: server-rendered HTML (Jinja2), charts drawn by the report's Vega-Lite specs.

Each handler reads its query parameters (the whole state of a view is in its URL, so any
view can be shared), asks :class:`~migcap.web.service.Service` for the data, builds charts
with :mod:`migcap.reports.charts` (and, for area pages, the report's own sections) and renders
a template. Every table links to the same data as CSV and Excel through the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from pydantic import Field
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from migcap.errors import DataUnavailableError, UnknownAreaError
from migcap.evidence.facts import with_article
from migcap.table import Table, square
from migcap.web.service import Service

if TYPE_CHECKING:
    import jinja2

    from migcap.reports.charts import Chart

__all__ = ["make_pages", "make_templates", "render"]

HERE = Path(__file__).parent.parent  # migcap/web, beside its templates and static files
HTML_PER_PAGE = 50
TOP_BARS = 25

ByQ = Annotated[Literal["world", "region", "country"], Query()]
SchemeQ = Annotated[str, Query(max_length=64)]
# Forms send "year=" for "all years": an empty year is no year.
YearQ = Annotated[str | None, Query(alias="year", max_length=10, pattern=r"^\s*(\d{4})?\s*$")]
EditionQ = Annotated[str | None, Query(max_length=40)]
PageQ = Annotated[int, Query(ge=1, le=1_000_000)]


# ------------------------------------------------------------------------------------ helpers


def make_templates() -> jinja2.Environment:
    """The page templates, with the report's macros (``macros.html.j2``) and cell formatting."""
    import jinja2

    from migcap.reports import builder

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(HERE / "templates"),
                                    jinja2.FileSystemLoader(builder.HERE / "templates")]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(label=builder.column_label, numeric=builder.is_numeric_column,
                       cell=builder.format_cell, numcols=_numeric_columns)
    env.filters["thousands"] = lambda v: f"{v:,}"
    env.filters["rst"] = _rst
    env.globals["with_article"] = with_article
    return env


def _rst(text: str) -> Any:
    """Docstring text with ``code`` shown as code (the rest escaped)."""
    import re

    from markupsafe import Markup, escape

    return Markup(re.sub(r"``(.+?)``", r"<code>\1</code>", str(escape(text))))


def _numeric_columns(t: Table) -> set[int]:
    return {i for i in range(len(t.columns))
            if all((isinstance(r[i], int | float) and not isinstance(r[i], bool)) or r[i] is None
                   for r in t.rows)}


def _svc(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def url(request: Request, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> str:
    """A link inside the app (with the proxy's path prefix), with query parameters (``None`` left out)."""
    items = params.items() if isinstance(params, dict) else (params or [])
    pairs: list[tuple[str, Any]] = []
    for k, v in items:
        if v is None or v == "":
            continue
        if isinstance(v, list | tuple):
            pairs += [(k, x) for x in v]
        else:
            pairs.append((k, v))
    return _root(request) + path + (("?" + urlencode(pairs)) if pairs else "")


def render(request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None,
           **ctx: Any) -> HTMLResponse:
    """A page: the template with the navigation, assets and search box of every page."""
    app = request.app
    svc = _svc(request)
    root = _root(request)
    version = app.state.asset_version
    nav = [("/", "Home"), ("/explore", "Explore"), ("/regions", "Regions"), ("/countries", "Countries"),
           ("/corridors", "Corridors"), ("/matrix", "Matrix"), ("/remittances", "Remittances"),
           ("/crisis", "Crisis"), ("/flows", "Flows")]
    if svc.optional.projections is not None:
        nav.append(("/projections", "Projections"))
    if svc.optional.capacity is not None:
        nav.append(("/capacity", "Capacities"))
    if getattr(app.state, "assessments", False):
        nav.append(("/assess", "Assessments"))
    nav += [("/report", "Report"), ("/data", "Data"), ("/api/docs", "API")]
    path = request.url.path[len(root):] if root and request.url.path.startswith(root) else request.url.path
    try:
        names = [n for _, n, _ in svc.countries_with_stock()]
        built_at = svc.store.built_at
    except Exception:
        names, built_at = [], ""
    charts: list[Chart] = ctx.get("charts_on_page", [])
    base = {
        "request": request, "root": root, "static": f"{root}/static/{version}",
        "nav": [(root + href, text, (href == "/" and path == "/") or (href != "/" and path.startswith(
            href.rstrip("/")))) for href, text in nav],
        "country_names": names, "version": app.version, "built_at": built_at,
        "charts": bool(charts), "needs_map": any(c.map for c in charts), "lang": "en",
        "url": lambda p, params=None: url(request, p, params),
    }
    env: jinja2.Environment = app.state.templates
    html = env.get_template(template).render(**base, **ctx)
    return HTMLResponse(html, status_code=status, headers=headers)


def _paged(t: Table, page: int, per_page: int = HTML_PER_PAGE) -> tuple[Table, dict[str, Any]]:
    """One page of a table's rows and what the pager needs."""
    from migcap.web.responses import paginate

    start, stop, pages = paginate(len(t), page, per_page)
    sub = t.slice(start, stop)
    return sub, {"page": page, "pages": pages, "first": start + 1 if len(t) else 0, "last": stop,
                 "total": len(t)}


def _year(text: str | None) -> int | None:
    return int(text) if text and text.strip() else None


def _downloads(request: Request, api: str, params: dict[str, Any] | list[tuple[str, Any]]) -> dict[str, str]:
    items = list(params.items()) if isinstance(params, dict) else list(params)
    return {"CSV": url(request, api, [*items, ("format", "csv")]),
            "Excel": url(request, api, [*items, ("format", "xlsx")])}


def _rows(t: Table) -> list[dict[str, Any]]:
    return [{c: v for c, v in r.items() if v is not None} for r in t]


def _restyle(chart: Chart, *, label_limit: int | None = None, dark_text_above: float | None = None,
             sort: str | None = None) -> Chart:
    """A copy of a report chart with longer axis labels, or the heat map's text colour switched at another
    value."""
    import copy
    from dataclasses import replace

    spec = copy.deepcopy(chart.spec)
    if label_limit is not None:
        spec["encoding"]["y"].setdefault("axis", {})["labelLimit"] = label_limit
    if sort is not None:
        spec["encoding"]["y"]["sort"] = sort
    x = spec.get("encoding", {}).get("x", {})
    if x.get("type") == "ordinal":  # years: on a phone, every other label rather than a smudge
        x.setdefault("axis", {})["labelOverlap"] = "parity"
    if dark_text_above is not None:
        for layer in spec.get("layer", []):
            color = layer.get("encoding", {}).get("color", {})
            if "condition" in color:
                color["condition"]["test"] = f"datum.migrants > {dark_text_above}"
    return replace(chart, spec=spec)


# -------------------------------------------------------------------------------------- pages


def home(request: Request, year_text: YearQ = None,
         show: Annotated[Literal["migrants_pct", "remittances_pct_gdp"], Query(alias="map")] = "migrants_pct"
         ) -> Response:
    """Key facts of the world and the world map, for a year."""
    year = _year(year_text)
    from migcap.reports.charts import choropleth

    svc = _svc(request)
    years = svc.stock_years()
    y = years[-1] if year is None else year
    ov = svc.overview("WLD", "wmr2010", year, None)
    rows = svc.map_rows(y)
    ims_src, wdi_src = svc.map_sources()
    ry = svc.map_remittances_year(y) or y
    label = {"migrants_pct": f"Migrants as % of population, {y}",
             "remittances_pct_gdp": f"Remittances received as % of GDP, {ry}"}[show]
    chart = choropleth("home-map", label, rows, fields={show: label},
                       source=ims_src if show == "migrants_pct" else wdi_src,
                       alt=f"World map: {label.lower()}, by country; countries without data are "
                           "grey. The table of values is available for download below the map.")
    regions = svc.scheme("wmr2010").regions
    fact_sources = list(dict.fromkeys(s for f in ov.facts for s in f.sources))
    return render(request, "home.html", title="Home", ov=ov, fact_sources=fact_sources, year=y, years=years,
                  show=show, chart=chart, charts_on_page=[chart], regions=regions,
                  downloads=_downloads(request, "/api/v1/map", {"year": y}),
                  explore=url(request, "/explore", {"indicator": "migrants_pct" if show == "migrants_pct" else
                                                    "remittances_received", "by": "country", "year": y}))


def explore(request: Request,
            indicator: Annotated[str, Query(max_length=40)] = "migrant_stock",
            by: ByQ = "region", scheme: SchemeQ = "wmr2010",
            area: Annotated[list[Annotated[str, Field(max_length=100)]] | None, Query()] = None,
            year_text: YearQ = None, edition: EditionQ = None,
            coverage: Annotated[str, Query(max_length=10)] = "any", page: PageQ = 1) -> Response:
    """Any indicator by area and year: a chart, a table, downloads; the state is the query string."""
    year = _year(year_text)
    from migcap.reports.charts import PCT_AXIS, bars, lines

    svc = _svc(request)
    m = svc.measure(indicator)
    areas = [a.strip() for a in (area or []) if a.strip()]
    full = svc.series(indicator, by, scheme, [year] if year else None, edition, coverage)
    codes: list[str] = []
    for text in areas:
        a = svc.area(text, scheme)
        if a.kind != by:
            raise UnknownAreaError(f"{text!r} is "
                                   f"{'the world' if a.kind == 'world' else 'a ' + a.kind}; the "
                                   f"view is by {by}", hint=f"choose 'by {a.kind}' or another area")
        codes.append(a.code)
    t = full if not codes else full.filter(lambda r: r["area_code"] in codes)
    source = t.sources[0] if t.sources else ""
    have = [r for r in t if r["value"] is not None]
    chart_note = ""
    chart = None
    if year is not None:
        ranked = sorted(have, key=lambda r: -r["value"])
        if len(ranked) > TOP_BARS:
            chart_note = (f"The chart shows the {TOP_BARS} highest values of {len(ranked)}; the "
                          "table has them all.")
        chart = bars("explore-chart", f"{m.title}, {year}", [{"area": r["area"], "value": r["value"]}
                                                            for r in ranked[:TOP_BARS]],
                     label="area", value="value", value_title=m.unit, source=source,
                     alt=f"Bar chart of {m.title.lower()} in {year} by {by}, largest first")
    elif have:
        shown = codes
        if not shown:
            if by == "country":
                last = max(r["year"] for r in have)
                shown = [r["area_code"] for r in sorted((r for r in have if r["year"] == last),
                                                        key=lambda r: -r["value"])[:5]]
                chart_note = ("The chart shows the five countries with the highest value in "
                              f"{last}; add countries above to compare others.")
            else:
                shown = list(dict.fromkeys(r["area_code"] for r in have))
        series = [{"year": r["year"], "area": r["area"], "value": r["value"]}
                  for r in have if r["area_code"] in shown]
        chart = _restyle(lines("explore-chart", m.title, series, x="year", y="value", y_title=m.unit,
                               source=source, series="area",
                               alt=f"Line chart of {m.title.lower()} by year, one line per area",
                               y_format=PCT_AXIS if "%" in m.unit else ",.3~s"))
    sub, pager = _paged(t, page)
    params: list[tuple[str, Any]] = [("indicator", indicator), ("by", by), ("scheme", scheme),
                                     *[("area", a) for a in areas], ("year", year), ("edition", edition),
                                     ("coverage", coverage if coverage != "any" else None)]
    years = svc.series_years(indicator, edition)
    return render(request, "explore.html", title=f"Explore: {m.title}", meas=m,
                  indicator_options=[(k, v.title) for k, v in svc.measures().items()], by=by,
                  scheme=scheme, schemes=svc.schemes(), areas=areas, year=year, years=years, edition=edition,
                  coverage=coverage, chart=chart, chart_note=chart_note,
                  charts_on_page=[chart] if chart else [], table=sub, pager=pager,
                  pager_url=lambda p: url(request, "/explore", [*params, ("page", p)]),
                  downloads=_downloads(request, "/api/v1/series", params),
                  share=url(request, "/explore", params), area_names=_area_names(svc, scheme))


def _area_names(svc: Service, scheme: str) -> list[str]:
    try:
        regions = list(svc.scheme(scheme).regions.values())
    except Exception:
        regions = []
    return ["World", *regions, *[n for _, n, _ in svc.countries_with_stock()]]


def area_page(request: Request, code: str, scheme: SchemeQ = "wmr2010", year_text: YearQ = None,
              edition: EditionQ = None) -> Response:
    """A country, a region or the world: the report's profile, interactive, for any year."""
    year = _year(year_text)
    from migcap.reports.builder import area_sections
    from migcap.reports.charts import choropleth

    svc = _svc(request)
    a = svc.area(code, scheme)
    if a.code != code:
        return RedirectResponse(url(request, f"/area/{a.code}",
                                    {"scheme": scheme if scheme != "wmr2010" else None,
                                     "year": year, "edition": edition}), 308)
    ov = svc.overview(a.code, scheme, year, edition)
    sections = area_sections(ov, a.code.lower())
    years = svc.stock_years(edition)
    y = ov.year
    rows = svc.map_rows(y, edition)
    ims_src, _ = svc.map_sources(edition)
    highlight: list[int] | None = None
    if a.kind != "world":
        from migcap.geo.countries import country_table

        outlined = svc.scheme(scheme).members_of(a.code) if a.kind == "region" else [a.code]
        ct = country_table()
        highlight = [c.iso_numeric if c.iso_numeric is not None else c.m49
                     for c in (ct.get(i) for i in outlined)]
    named = with_article(a.name)
    where = "" if a.kind == "world" else f" {named[:1].upper()}{named[1:]} is outlined."
    world_map = choropleth(
        f"{a.code.lower()}-map", f"Migrants as % of population ({y}) or remittances as % of GDP "
        f"({svc.map_remittances_year(y) or y})", rows,
        fields={"migrants_pct": "Migrants, % of population",
                "remittances_pct_gdp": "Remittances received, % of GDP"},
        source=f"{ims_src}; World Bank, WDI", highlight=highlight,
        alt=f"World map of the share of international migrants in each country's population in {y}; "
            f"a menu switches to remittances received as a share of GDP in {y}. Countries without data "
            f"are grey.{where}")
    for s in sections:
        s.charts = [_restyle(c) for c in s.charts]
    charts = [world_map] + [c for s in sections for c in s.charts]
    by_title = {table.title: k for k, table in ov.sections.items()}
    base: dict[str, Any] = {"area": a.code, "scheme": scheme, "year": year, "edition": edition}
    downloads = {}
    for s in sections:
        for t in s.tables:
            key = by_title.get(t.title, "crisis" if s.id == "crisis" else None)
            if key:
                downloads[t.title] = _downloads(request, "/api/v1/overview", {**base, "section": key})
    region = None
    if a.kind == "country":
        sch = svc.scheme(scheme)
        rc = sch.region_of(a.code)
        region = (rc, sch.regions[rc]) if rc else None
    members: list[tuple[str, str]] = []
    if a.kind == "region":
        from migcap.geo.countries import country_table

        have = {i for i, _, _ in svc.countries_with_stock()}
        members = sorted(((i, country_table().name_of(i)) for i in svc.scheme(scheme).members_of(a.code)
                          if i in have), key=lambda x: x[1])
    heading = {"world": "The world: global overview", "region": f"{a.name}: regional overview",
               "country": f"{a.name}: country profile"}[a.kind]
    return render(request, "area.html", title=a.name, heading=heading, a=a, ov=ov, sections=sections,
                  world_map=world_map, charts_on_page=charts, years=years, year=y, scheme=scheme,
                  schemes=svc.schemes(), downloads=downloads, region=region, members=members, edition=edition)


def regions(request: Request, scheme: SchemeQ = "wmr2010") -> Response:
    """The regions of a scheme, each linking to its overview."""
    svc = _svc(request)
    sch = svc.scheme(scheme)
    have = {i for i, _, _ in svc.countries_with_stock()}
    items = [(code, name, len([i for i in sch.members_of(code) if i in have]))
             for code, name in sch.regions.items()]
    return render(request, "regions.html", title="Regions", sch=sch, items=items, scheme=scheme,
                  schemes=svc.schemes())


def countries(request: Request) -> Response:
    """Every country with a migrant stock, grouped by region, with a filter box."""
    from migcap.geo.countries import country_table

    svc = _svc(request)
    t = country_table()
    groups: dict[str, list[dict[str, str]]] = {}
    for iso3, name, region in svc.countries_with_stock():
        c = t.get(iso3)
        groups.setdefault(region, []).append({"name": name, "href": url(request, f"/area/{iso3}"),
                                              "codes": f"{iso3} {c.iso2 or ''} {c.m49} "
                                                       f"{c.official_name}".lower()})
    count = sum(len(v) for v in groups.values())
    return render(request, "countries.html", title="Countries", groups=sorted(groups.items()), count=count)


def corridors(request: Request, area: Annotated[str, Query(max_length=100)] = "WLD",
              scheme: SchemeQ = "wmr2010", year_text: YearQ = None) -> Response:
    """The largest corridors into an area (into and out of a country), origins and emigrants."""
    year = _year(year_text)
    from migcap.reports.charts import bars

    svc = _svc(request)
    ov = svc.overview(area, scheme, year, None)
    t = ov.sections["top_corridors"]
    charts = [bars("corr-chart", t.title, [{"corridor": f"{r['origin']} → {r['destination']}",
                                            "migrants": r["migrants"]} for r in t],
                   label="corridor", value="migrants", value_title="Migrants (persons)",
                   source=t.sources[0] if t.sources else "",
                   color="#009E73", alt=f"Bar chart: {t.title}, largest first")]
    charts = [_restyle(charts[0], label_limit=320)]
    tables = [t, ov.sections["top_origins"]]
    if "emigrant_destinations" in ov.sections:
        tables.append(ov.sections["emigrant_destinations"])
    tables.append(ov.sections["diaspora"])
    base = {"area": ov.code, "scheme": scheme, "year": year}
    keys = {v.title: k for k, v in ov.sections.items()}
    downloads = {x.title: _downloads(request, "/api/v1/overview", {**base, "section": keys[x.title]})
                 for x in tables}
    return render(request, "corridors.html", title="Corridors", ov=ov, tables=tables, chart=charts[0],
                  charts_on_page=charts, downloads=downloads, years=svc.stock_years(), year=ov.year,
                  scheme=scheme, schemes=svc.schemes(), area_names=_area_names(svc, scheme))


def matrix(request: Request, scheme: SchemeQ = "wmr2010", year_text: YearQ = None,
           edition: EditionQ = None) -> Response:
    """Migration within and between the regions of a scheme."""
    year = _year(year_text)
    from migcap.reports.charts import heatmap

    svc = _svc(request)
    m = svc.matrix(scheme, year, edition)
    y = year if year is not None else m.years[-1]
    chart = heatmap("matrix-chart", m.long.title, _rows(m.long),
                    source=m.long.sources[0] if m.long.sources else "",
                    alt="Heat map of migrants by region of origin (rows) and region of "
                        f"destination (columns), {y}")
    shares = m.shares.where(year=y)
    params = {"scheme": scheme, "year": year, "edition": edition}
    return render(request, "matrix.html", title="Region matrix", mx=m, year=y, chart=chart,
                  charts_on_page=[chart], square=m.wide(y),
                  shares=shares, scheme=scheme, schemes=svc.schemes(),
                  downloads={m.long.title: _downloads(request, "/api/v1/matrix",
                                                      {**params, "table": "matrix"}),
                             shares.title: _downloads(request, "/api/v1/matrix",
                                                      {**params, "table": "shares"})})


def crisis(request: Request, indicator: Annotated[str, Query(max_length=40)] = "remittances_received",
           shock: Annotated[int, Query(ge=1960, le=2100)] = 2009,
           baseline: Annotated[str | None, Query(max_length=20, pattern=r"^(\d{4}\s*[-–]\s*\d{4})?$")] = None,
           by: ByQ = "region", scheme: SchemeQ = "wmr2010", edition: EditionQ = None,
           page: PageQ = 1) -> Response:
    """The impact of an economic shock against the pre-shock trend."""
    from migcap.evidence.crisis import DEFAULT_LEVEL
    from migcap.reports.charts import OKABE_ITO, bars

    svc = _svc(request)
    r = svc.crisis(indicator, shock, baseline or None, by, scheme, edition, DEFAULT_LEVEL)
    t = r.table
    ranked = [x for x in t if x["deviation_pct"] is not None]
    ranked.sort(key=lambda x: x["deviation_pct"])
    m = svc.measure(indicator)
    chart = None
    if ranked:
        chart = bars("crisis-chart", f"{m.title}: deviation from the pre-shock trend in {shock} (%)",
                     [{"area": x["area"], "deviation_pct": x["deviation_pct"]} for x in ranked[:TOP_BARS]],
                     label="area", value="deviation_pct", value_title="% above (+) or below (−) the trend",
                     source=t.sources[0] if t.sources else "", value_format=".1f",
                     negative_color=OKABE_ITO[5],
                     alt=f"Bar chart of how far {m.title.lower()} was from its pre-shock trend in "
                         f"{shock}, by area, "
                         "hardest hit first (below the trend in vermilion, above it in blue)")
        chart = _restyle(chart, sort="x", label_limit=260)
    shown = t.select(["area", "year", "actual", "counterfactual", "lower", "upper", "deviation_pct",
                      "yoy_pct", "recovery_year", "rank", "note"])
    sub, pager = _paged(shown, page)
    params: list[tuple[str, Any]] = [("indicator", indicator), ("shock", shock), ("baseline", baseline),
                                     ("by", by), ("scheme", scheme), ("edition", edition)]
    indicators = {k: v for k, v in svc.measures().items() if k not in ("migrants_pct", "female_pct")}
    return render(request, "crisis.html", title="Crisis impact", r=r, meas=m, chart=chart,
                  charts_on_page=[chart] if chart else [], table=sub, pager=pager,
                  pager_url=lambda p: url(request, "/crisis", [*params, ("page", p)]),
                  downloads=_downloads(request, "/api/v1/crisis", params),
                  indicator_options=[(k, v.title) for k, v in indicators.items()], indicator=indicator,
                  shock=shock, baseline=baseline or "", by=by, scheme=scheme, schemes=svc.schemes(),
                  more_notes=len(ranked) > TOP_BARS)


def flows(request: Request,
          period: Annotated[str | None, Query(max_length=20, pattern=r"^(\d{4}-\d{4})?$")] = None,
          method: Annotated[Literal["demo", "diff", "rates"], Query()] = "demo",
          scheme: Annotated[str, Query(max_length=64)] = "wmr2010", page: PageQ = 1) -> Response:
    """Bilateral flows estimated from the stock tables, between regions or countries."""
    from migcap.reports.charts import heatmap

    svc = _svc(request)
    periods = svc.flow_periods()
    p = period or periods[-1]
    est = svc.flows([p], method, scheme or None, None, None, "distribute", "wpp", True, "return", None)
    t = est.flows
    chart = None
    if scheme:
        from migcap.geo.countries import country_table

        names = dict(svc.scheme(scheme).regions)
        name = country_table().name_of
        cells = [{"origin": names.get(r["orig"], name(r["orig"])),
                  "destination": names.get(r["dest"], name(r["dest"])), "migrants": r["flow"]} for r in t]
        chart = heatmap("flows-chart",
                        f"Estimated migration flows between regions, {p} (persons moving over the "
                        "period)", cells, source=t.sources[0] if t.sources else "",
                        alt="Heat map of estimated flows by region of origin (rows) and "
                            f"destination (columns), {p}")
        top = max((c["migrants"] for c in cells), default=0.0)
        chart = _restyle(chart, dark_text_above=0.45 * top)
        order = list(names.values())
        seen = {c["origin"] for c in cells} | {c["destination"] for c in cells}
        labels = [n for n in order if n in seen] + sorted(seen - set(order))
        grid = {(c["origin"], c["destination"]): c["migrants"] for c in cells}
        table = square(f"Estimated migration flows between regions, {p}", labels, labels,
                       [[grid.get((o, d), 0.0) for d in labels] for o in labels], unit="persons",
                       sources=t.sources, notes=t.notes)
    else:
        table = t.sort(lambda r: -(r["flow"] or 0))
    sub, pager = _paged(table, page)
    params: list[tuple[str, Any]] = [("period", p), ("method", method), ("scheme", scheme)]
    return render(request, "flows.html", title="Flows", est=est, period=p,
                  period_options=[(x, x) for x in reversed(periods)], method=method,
                  scheme=scheme, schemes=svc.schemes(), chart=chart, charts_on_page=[chart] if chart else [],
                  table=sub, pager=pager, totals=est.totals,
                  pager_url=lambda n: url(request, "/flows", [*params, ("page", n)]),
                  downloads=_downloads(request, "/api/v1/flows", params),
                  totals_downloads=_downloads(request, "/api/v1/flows", [*params, ("totals", "true")]))


def projections(request: Request,
                measure: Annotated[Literal["net_migration", "net_migration_rate", "migrant_stock",
                                           "migrant_stock_percent", "population"], Query()] = "migrant_stock",
                area: Annotated[str, Query(max_length=100)] = "WLD", scheme: SchemeQ = "wmr2010",
                to: Annotated[int, Query(ge=2025, le=2100)] = 2050) -> Response:
    """Probabilistic projections (when :mod:`migcap.projections` is installed)."""
    from migcap.reports.charts import fan

    svc = _svc(request)
    p = svc.projection(measure, area, scheme, to, 1000, 1)
    t: Table = p.to_table()
    rows = [{"year": y, "observed": v} for y, v in p.observed]
    rows += [{k: r[k]
              for k in ("year", "median", "lower80", "upper80", "lower95", "upper95") if r[k] is not None}
             for r in t]
    chart = fan("proj-chart", t.title, rows, y_title=p.unit, source=t.sources[0] if t.sources else "",
                alt="Chart of the observed values (solid) and the median projection (dashed) with "
                    f"its 80% and 95% intervals (bands), {t.title}")
    chart = _restyle(chart)
    params = {"measure": measure, "area": area, "scheme": scheme, "to": to}
    return render(request, "projections.html", title="Projections", p=p, table=t, chart=chart,
                  lead=p.in_words(), charts_on_page=[chart], measure=measure, area=area, scheme=scheme, to=to,
                  schemes=svc.schemes(), downloads=_downloads(request, "/api/v1/projections", params),
                  area_names=_area_names(svc, scheme))


def capacity(request: Request) -> Response:
    """The capacity inventory: areas and their items."""
    svc = _svc(request)
    inv = svc.inventory()
    return render(request, "capacity.html", title="Capacities", inv=inv,
                  downloads=_downloads(request, "/api/v1/inventory", {}))


def capacity_item(request: Request, item_id: str) -> Response:
    svc = _svc(request)
    inv = svc.inventory()
    item = inv.item(item_id)
    fw = svc.frameworks()
    return render(request, "capacity_item.html", title=f"{item.id} {item.title}", inv=inv, item=item,
                  area=inv.area(item.area), fw=fw, examples=svc.practice_examples(item.id))


def data(request: Request) -> Response:
    """Sources, editions and licences of the data."""
    svc = _svc(request)
    t = svc.data_list()
    return render(request, "data.html", title="Data", table=t,
                  downloads=_downloads(request, "/api/v1/data", {}))


def revisions(request: Request, area: Annotated[str, Query(max_length=100)] = "WLD",
              scheme: SchemeQ = "wmr2010", year_text: YearQ = None) -> Response:
    """One area's migrant stock as revised between IMS editions."""
    year = _year(year_text)
    svc = _svc(request)
    a = svc.area(area, scheme)
    full = svc.revisions(a.kind, scheme, None, None)
    years = sorted({r["year"] for r in full})
    t = svc.revisions(a.kind, scheme, [year] if year is not None else None, None)
    t = t.filter(lambda r: r["area_code"] == a.code)
    params: dict[str, Any] = {"by": a.kind, "area": a.code, "scheme": scheme}
    if year is not None:
        params["year"] = year
    return render(request, "revisions.html", title="Revisions", table=t, area_name=a.name, years=years,
                  year=year, scheme=scheme, schemes=svc.schemes(), area_names=_area_names(svc, scheme),
                  downloads=_downloads(request, "/api/v1/revisions", params))


def search(request: Request, q: Annotated[str, Query(max_length=100)] = "",
           scheme: SchemeQ = "wmr2010") -> Response:
    """A country (any name or code), a region or the world; a list when the words match several."""
    from migcap.geo.countries import country_table

    svc = _svc(request)
    text = q.strip()
    hits: list[dict[str, Any]] = []
    suggestions: list[str] = []
    if text:
        try:
            a = svc.area(text, scheme)
            return RedirectResponse(url(request, f"/area/{a.code}",
                                        {"scheme": scheme if a.kind == "region" and scheme != "wmr2010"
                                         else None}), 303)
        except UnknownAreaError:
            pass
        hits = svc.search_countries(text)
        if len(hits) == 1:
            return RedirectResponse(url(request, f"/area/{hits[0]['iso3']}"), 303)
        if not hits:
            suggestions = country_table().suggest(text, n=5)
    return render(request, "search.html", status=200 if (hits or not text) else 404, title="Search", q=text,
                  hits=hits[:100], more=max(0, len(hits) - 100), suggestions=suggestions)


def report_home(request: Request) -> Response:
    """Where the report is: read it online, download the PDF — or the "being built" page."""
    site = request.app.state.report
    st = site.ensure()
    if st.state != "ready":
        return render(request, "report_status.html", status=503, headers={"Retry-After": "5"}, title="Report",
                      st=st)
    pdf = site.pdf_path()
    size = f"{pdf.stat().st_size / 1e6:.1f} MB" if pdf else ""
    folder: Path = site.folder
    parts = {"global": (folder / "global.html").is_file(),
             "regions": len(list((folder / "regions").glob("*.html"))),
             "countries": len([p for p in (folder / "countries").glob("*.html") if p.name != "index.html"])}
    return render(request, "report_home.html", title="Report", pdf=pdf is not None, size=size, parts=parts)


def report_file(request: Request, path: str = "") -> Response:
    """A file of the report site (its pages link to each other relatively)."""
    site = request.app.state.report
    st = site.ensure()
    if st.state != "ready":
        return render(request, "report_status.html", status=503, headers={"Retry-After": "5"}, title="Report",
                      st=st)
    target = site.resolve(path or "index.html")
    if target is None:
        raise DataUnavailableError(f"no page {path!r} in the report")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=300"})


def api_docs(request: Request) -> Response:
    """The API reference, from the OpenAPI document (nothing loaded from the internet)."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = []
            for prm in op.get("parameters", []):
                sch = prm.get("schema", {})
                kinds = sch.get("anyOf", [sch])
                types_ = []
                for k in kinds:
                    if "enum" in k:
                        types_.append(" | ".join(map(str, k["enum"])))
                    elif k.get("type") == "array":
                        types_.append(f"list of {k.get('items', {}).get('type', 'value')} "
                                      "(repeat the parameter)")
                    elif "const" in k:
                        types_.append(str(k["const"]))
                    elif k.get("type") and k.get("type") != "null":
                        types_.append(k["type"])
                params.append({"name": prm["name"], "in": prm["in"], "required": prm.get("required", False),
                               "type": ", ".join(types_), "default": sch.get("default"),
                               "description": prm.get("description", "")})
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "params": params,
                        "example": url(request, path) if "{" not in path else None})
    return render(request, "api_docs.html", title="API", ops=ops,
                  openapi=url(request, "/api/v1/openapi.json"))


# ------------------------------------------------------------------------------------ router


def make_pages(svc: Service) -> APIRouter:
    """The HTML pages (projections and capacities only when their modules are present)."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    add = router.add_api_route
    add("/", home, methods=["GET"], name="home")
    add("/explore", explore, methods=["GET"], name="explore")
    add("/area/{code}", area_page, methods=["GET"], name="area")
    add("/regions", regions, methods=["GET"], name="regions")
    add("/countries", countries, methods=["GET"], name="countries")
    add("/corridors", corridors, methods=["GET"], name="corridors")
    add("/matrix", matrix, methods=["GET"], name="matrix")
    add("/crisis", crisis, methods=["GET"], name="crisis")
    add("/flows", flows, methods=["GET"], name="flows")
    if svc.optional.projections is not None:
        add("/projections", projections, methods=["GET"], name="projections")
    if svc.optional.capacity is not None:
        add("/capacity", capacity, methods=["GET"], name="capacity")
        add("/capacity/{item_id}", capacity_item, methods=["GET"], name="capacity_item")
    add("/data", data, methods=["GET"], name="data")
    add("/revisions", revisions, methods=["GET"], name="revisions")
    add("/search", search, methods=["GET"], name="search")
    add("/report", report_home, methods=["GET"], name="report_home")
    add("/report/{path:path}", report_file, methods=["GET"], name="report")
    add("/api/docs", api_docs, methods=["GET"], name="api_docs")
    return router
