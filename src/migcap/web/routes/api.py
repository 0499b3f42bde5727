"""The JSON API under ``/api/v1/``: what the command line offers, with its names and parameters.

Every endpoint is a thin adapter: it checks its parameters, asks
:class:`~migcap.web.service.Service` for one result and formats it
(:mod:`migcap.web.responses`). Tables are paginated in JSON (``page``, ``per_page``) and
whole in CSV (``?format=csv`` or ``Accept: text/csv``) and Excel (``?format=xlsx``).
Errors are ``{"error": {"status", "type", "message"}}`` with status 400 (bad input),
404 (unknown area, scheme, edition, dataset, item, year or page), 405 (a method the path does not
have; ``Allow`` lists those it has), 422 (malformed parameter) or 503 (store).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from migcap.errors import DataUnavailableError, UnknownAreaError
from migcap.evidence.crisis import DEFAULT_LEVEL
from migcap.table import Table
from migcap.web.responses import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    XLSX,
    JsonResponse,
    negotiate,
    page_envelope,
    table_response,
)
from migcap.web.service import Service

__all__ = ["make_router"]


# ------------------------------------------------------------------------------------- schemas


class ErrorDetail(BaseModel):
    status: int = Field(description="The HTTP status.")
    type: str = Field(description="The kind of error, e.g. UnknownAreaError.")
    message: str = Field(description="What is wrong, in one line, with a hint where one helps.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class TableBody(BaseModel):
    title: str
    sources: list[str] = Field(description="Citations of the dataset editions the figures come from.")
    notes: list[str]
    units: dict[str, str]
    columns: list[str]
    rows: list[dict[str, Any]]


class Links(BaseModel):
    self: str
    next: str | None
    prev: str | None
    csv: str
    xlsx: str


class TablePage(TableBody):
    page: int
    per_page: int
    pages: int
    total_rows: int
    links: Links


class FactBody(BaseModel):
    key: str
    text: str
    figures: dict[str, Any]
    sources: list[str]


class AreaBody(BaseModel):
    kind: str
    code: str
    name: str


class OverviewBody(BaseModel):
    area: AreaBody
    year: int
    scheme: str
    facts: list[FactBody]
    sections: dict[str, TableBody]


class MatrixBody(BaseModel):
    scheme: str
    years: list[int]
    matrix: TableBody
    shares: TableBody


class CrisisPage(TablePage):
    indicator: str
    shock: int
    baseline: list[int]
    model: str
    decomposition: TableBody | None = None


class FlowsPage(TablePage):
    warnings: list[str]


class CountryBody(BaseModel):
    iso3: str
    iso2: str | None
    m49: int
    name: str
    official_name: str
    un_area: bool
    wb_economy: bool


class CountryPage(BaseModel):
    rows: list[CountryBody]
    page: int
    per_page: int
    pages: int
    total_rows: int


class IndicatorBody(BaseModel):
    name: str
    title: str
    unit: str
    dataset: str


class SchemeBody(BaseModel):
    scheme: str
    title: str
    source: str
    complete: bool
    regions: dict[str, str] = Field(description="Region code → name.")
    members: dict[str, list[str]] | None = Field(None, description="Region code → ISO3 codes (one scheme).")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad input (the message says which and why)."},
    404: {"model": ErrorBody, "description": "Unknown area, scheme, edition, dataset or item; a year without "
                                             "data; a page past the last."},
    422: {"model": ErrorBody, "description": "A parameter of the wrong type or out of its range."},
}


def _files(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "content": {"text/csv": {"schema": {"type": "string"}},
                                              XLSX: {"schema": {"type": "string", "format": "binary"}}},
                  "description": "JSON (paginated); CSV or Excel (the whole table) with ?format= or Accept."},
            **ERRORS}


_ROUTES: list[tuple[str, Any, dict[str, Any]]] = []
_OPTIONAL: dict[str, list[tuple[str, Any, dict[str, Any]]]] = {"projections": [], "capacity": []}


def _get(path: str, *, part: str | None = None, **kwargs: Any) -> Any:
    """Register a GET endpoint (of an optional part, if ``part``) for :func:`make_router`."""
    kwargs.setdefault("response_model", None)

    def deco(fn: Any) -> Any:
        (_OPTIONAL[part] if part else _ROUTES).append((path, fn, kwargs))
        return fn

    return deco


def make_router(svc: Service) -> APIRouter:
    """The API's router: every endpoint, plus projections and the inventory if their modules are present."""
    router = APIRouter(prefix="/api/v1", responses=ERRORS)
    routes = list(_ROUTES)
    if svc.optional.projections is not None:
        routes += _OPTIONAL["projections"]
    if svc.optional.capacity is not None:
        routes += _OPTIONAL["capacity"]
    for path, fn, kwargs in routes:
        router.add_api_route(path, fn, methods=["GET"], **kwargs)
    return router


def _svc(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


# ---------------------------------------------------------------------------------- parameters

Year = Annotated[int, Field(ge=1800, le=2200)]
By = Literal["world", "region", "country"]
Fmt = Literal["json", "csv", "xlsx"]

ByQ = Annotated[By, Query(description="world, region (of the scheme) or country.")]
SchemeQ = Annotated[str, Query(max_length=64,
                               description="Region scheme: wmr2010, iom, un-geo, un-subregion, un-sdg, "
                               "un-development, un-income, wb-income, wb-region, ldc, lldc, sids (see "
                               "/api/v1/schemes).")]
YearsQ = Annotated[list[Year] | None,
                   Query(alias="year", description="Year (repeatable); default: all years.")]
YearQ = Annotated[Year | None, Query(description="Year (default: the latest of the edition).")]
EditionQ = Annotated[str | None, Query(max_length=40,
                                       description="Dataset edition (default: the latest); see "
                                       "/api/v1/data.")]
CoverageQ = Annotated[str, Query(max_length=10, pattern=r"^(any|all|0(\.\d+)?|1(\.0+)?|\d{1,3}(\.\d+)?%)$",
                                 description="Coverage rule for aggregates: any, all, or a share "
                                             "like 0.9 or 90%.")]
AreasQ = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]] | None, Query(
    alias="area",
    description="Keep only these areas (repeatable): WLD, a region code or name of the scheme, or "
                "a country by any name or code (ISO3, ISO2, M49).")]
AreaQ = Annotated[str, Query(min_length=1, max_length=100, description="WLD, a region of the scheme (code or "
                             "name), or a country (any name or code).")]
FmtQ = Annotated[Fmt | None, Query(alias="format", description="json (default), csv or xlsx; or send "
                                   "Accept: text/csv.")]
PageQ = Annotated[int, Query(ge=1, le=1_000_000, description="Page of rows (JSON), from 1.")]
PerPageQ = Annotated[int, Query(ge=1, le=MAX_PER_PAGE,
                                description=f"Rows per page (JSON), at most {MAX_PER_PAGE}.")]


def _filter_areas(svc: Service, table: Table, areas: list[str] | None, by: str, scheme: str) -> Table:
    """Rows of the named areas only (each resolved like the CLI's --area)."""
    if not areas:
        return table
    codes = []
    for text in areas:
        a = svc.area(text, scheme)
        if a.kind != by:
            raise UnknownAreaError(f"{text!r} is {'the world' if a.kind == 'world' else 'a ' + a.kind}, "
                                   f"but the table is by {by}", hint=f"use by={a.kind} or another area")
        codes.append(a.code)
    keep = set(codes)
    return table.filter(lambda r: r["area_code"] in keep)


# ------------------------------------------------------------------------------------- index


@_get("/", summary="What the API offers", name="api_index")
def index(request: Request) -> Response:
    """The endpoints, the latest edition of every dataset, and the optional parts present."""
    svc = _svc(request)
    base = str(request.url_for("api_index")).rstrip("/")
    paths = ["stocks", "revisions", "indicators", "series", "overview", "facts", "corridors", "matrix",
             "crisis", "flows", "map", "countries", "schemes", "data"]
    paths += ["remittances/corridors", "remittances/matrix", "remittances/change"]
    if svc.optional.projections is not None:
        paths.append("projections")
    if svc.optional.capacity is not None:
        paths.append("inventory")
    if getattr(request.app.state, "assessments", False):
        paths.append("assessments")  # with a token (docs/accounts.md)
    return JsonResponse({"name": "migcap", "version": request.app.version,
                         "endpoints": {p: f"{base}/{p}" for p in paths},
                         "openapi": f"{base}/openapi.json", "editions": svc.store.latest_editions})


# ------------------------------------------------------------------------------------ stocks


@_get("/stocks", summary="International migrant stocks", responses=_files(TablePage))
def stocks(request: Request, by: ByQ = "world", scheme: SchemeQ = "wmr2010", year: YearsQ = None,
           edition: EditionQ = None, coverage: CoverageQ = "any", area: AreasQ = None, fmt: FmtQ = None,
           page: PageQ = 1, per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Migrant stock, population, % of population, female share and refugees (UN DESA IMS), as
    ``migcap stocks``. Columns: area_code, area, year, migrants, migrants_male, migrants_female,
    population, migrants_pct, female_pct, refugees, coverage."""
    svc = _svc(request)
    t = _filter_areas(svc, svc.stocks(by, scheme, year, edition, coverage), area, by, scheme)
    return table_response(request, t, fmt=fmt, page=page, per_page=per_page,
                          name_parts=("stocks", by, scheme if by == "region" else "", *(area or []),
                                      *(year or [])))


@_get("/revisions", summary="Migrant stocks as revised between IMS editions", responses=_files(TablePage))
def revisions(request: Request, by: ByQ = "world", scheme: SchemeQ = "wmr2010", year: YearsQ = None,
              edition: Annotated[list[Annotated[str, Field(max_length=40)]] | None, Query(
                  description="Edition of migrant_stock to compare (repeatable, at least two); "
                              "default: all.")] = None,
              area: AreasQ = None, fmt: FmtQ = None, page: PageQ = 1,
              per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """The same areas and years in several editions of International Migrant Stock, oldest first, with
    the change from the previous edition, as ``migcap revisions``. Columns: area_code, area, year,
    edition, migrants, change, change_pct."""
    svc = _svc(request)
    t = _filter_areas(svc, svc.revisions(by, scheme, year, edition), area, by, scheme)
    return table_response(request, t, fmt=fmt, page=page, per_page=per_page,
                          name_parts=("revisions", by, scheme if by == "region" else "", *(area or []),
                                      *(year or [])))


@_get("/indicators", summary="Indicators the series endpoint knows", response_model=list[IndicatorBody])
def indicators(request: Request) -> Response:
    """Name, title, unit and dataset of each indicator (and the migrant-stock shares)."""
    return JsonResponse([m.__dict__ for m in _svc(request).measures().values()])


@_get("/series", summary="Any indicator by area and year", responses=_files(TablePage))
def series(request: Request,
           indicator: Annotated[str, Query(max_length=40,
                                           description="See /api/v1/indicators.")] = "migrant_stock",
           by: ByQ = "world", scheme: SchemeQ = "wmr2010", year: YearsQ = None, edition: EditionQ = None,
           coverage: CoverageQ = "any", area: AreasQ = None, fmt: FmtQ = None, page: PageQ = 1,
           per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """The series of an indicator for the world, the regions of a scheme or the countries (what the
    explorer shows). Columns: area_code, area, year, value, coverage."""
    svc = _svc(request)
    t = _filter_areas(svc, svc.series(indicator, by, scheme, year, edition, coverage), area, by, scheme)
    return table_response(request, t, fmt=fmt, page=page, per_page=per_page,
                          name_parts=(indicator, by, scheme if by == "region" else "", *(area or []),
                                      *(year or [])))


# ---------------------------------------------------------------------------------- overview

SectionQ = Annotated[str | None, Query(max_length=40, description="For CSV/Excel: the section to download "
                                       "(stock_trend, top_destinations, top_origins, top_corridors, "
                                       "emigrant_destinations, diaspora, remittances_trend, top_recipients, "
                                       "top_senders, crisis); default stock_trend.")]


def _section(ov: Any, section: str | None) -> Table:
    key = section or "stock_trend"
    if key not in ov.sections:
        raise DataUnavailableError(f"no section {key!r} in the overview of {ov.name}",
                                   hint=f"sections: {', '.join(ov.sections)}")
    t: Table = ov.sections[key]
    return t


@_get("/overview", summary="Overview of an area", responses=_files(OverviewBody))
def overview(request: Request, area: AreaQ = "WLD", scheme: SchemeQ = "wmr2010", year: YearQ = None,
             edition: EditionQ = None, section: SectionQ = None, fmt: FmtQ = None) -> Response:
    """Stocks and trend, origins, corridors, diaspora, remittances and the 2009 crisis, with key facts
    (``migcap overview``). CSV/Excel: one section (``section=``)."""
    svc = _svc(request)
    ov = svc.overview(area, scheme, year, edition)
    chosen = negotiate(request, fmt)
    if chosen != "json":
        return table_response(request, _section(ov, section), fmt=chosen, page=1, per_page=MAX_PER_PAGE,
                              name_parts=("overview", ov.code, ov.year, section or "stock_trend"))
    if section is not None:
        _section(ov, section)
    return JsonResponse(ov.to_dict())


@_get("/facts", summary="Key facts about an area", response_model=list[FactBody])
def facts(request: Request, area: AreaQ = "WLD", scheme: SchemeQ = "wmr2010", year: YearQ = None) -> Response:
    """Sentences whose every figure comes from the data, each with its sources (``migcap facts``)."""
    ov = _svc(request).overview(area, scheme, year, None)
    return JsonResponse([f.to_dict() for f in ov.facts])


@_get("/corridors", summary="Largest migration corridors of an area", responses=_files(TablePage))
def corridors(request: Request, area: AreaQ = "WLD", scheme: SchemeQ = "wmr2010", year: YearQ = None,
              edition: EditionQ = None, fmt: FmtQ = None, page: PageQ = 1,
              per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """The ten largest origin → destination corridors into an area (into or out of a country), from the
    bilateral stock of the latest year up to ``year``."""
    ov = _svc(request).overview(area, scheme, year, edition)
    return table_response(request, ov.sections["top_corridors"], fmt=fmt, page=page, per_page=per_page,
                          name_parts=("corridors", ov.code, ov.year))


# ------------------------------------------------------------------------------ matrix, crisis


@_get("/matrix", summary="Region × region migrant stocks", responses=_files(MatrixBody))
def matrix(request: Request, scheme: SchemeQ = "wmr2010",
           year: Annotated[Year | None,
                           Query(description="Year of the bilateral stock (default: latest).")] = None,
           edition: EditionQ = None,
           table: Annotated[Literal["matrix", "shares"], Query(description="For CSV/Excel: the "
                                                                "long matrix (year, origin, destination, "
                                                                "migrants) or the shares.")]
           = "matrix",
           fmt: FmtQ = None) -> Response:
    """Migrants by region of origin × region of destination, and intra-regional shares (``migcap matrix``)."""
    m = _svc(request).matrix(scheme, year, edition)
    chosen = negotiate(request, fmt)
    if chosen != "json":
        return table_response(request, m.long if table == "matrix" else m.shares, fmt=chosen, page=1,
                              per_page=MAX_PER_PAGE, name_parts=("matrix", scheme, year, table))
    return JsonResponse(m.to_dict())


# ------------------------------------------------------------------------------- remittances

RemEditionQ = Annotated[str | None, Query(max_length=40, description="Edition of the bilateral remittances "
                                          "(2021, 2017; default: the latest).")]
RoleQ = Annotated[Literal["sender", "receiver", "both"],
                  Query(description="The area as sender (corridors from it), receiver (into it) or both.")]
TopQ = Annotated[int, Query(ge=1, le=20_000, description="How many corridors.")]


class RemittanceChangePage(TablePage):
    by: str
    editions: list[str]
    years: list[int]
    totals: TableBody


@_get("/remittances/corridors", summary="Largest remittance corridors of an area, and per migrant",
      responses=_files(TablePage))
def remittance_corridors(request: Request, area: AreaQ = "WLD", role: RoleQ = "both",
                         scheme: SchemeQ = "wmr2010", edition: RemEditionQ = None, top: TopQ = 10,
                         per_migrant: Annotated[bool, Query(description="Add the migrants of the corridor "
                                                            "(UN DESA IMS, the year nearest the remittances) "
                                                            "and US$ per migrant.")] = False,
                         stock_edition: Annotated[str | None, Query(max_length=40, description="IMS edition "
                                                                    "of the migrants (default: the "
                                                                    "latest).")] = None,
                         sort: Annotated[Literal["value", "per_migrant"], Query(
                             description="value (largest first) or per_migrant (most per migrant first; "
                                         "implies per_migrant).")] = "value",
                         min_migrants: Annotated[float, Query(ge=0, le=1e9, description="With per_migrant: "
                                                              "only corridors with at least this many "
                                                              "migrants.")] = 0,
                         fmt: FmtQ = None, page: PageQ = 1,
                         per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Sending → receiving corridors of the KNOMAD/World Bank Bilateral Remittance Matrix (model estimates,
    US$ million), as ``migcap remittances corridors``. Columns: rank, year, origin_code, origin,
    destination_code, destination, remittances_usd_m, share_pct (+ migrants, stock_year, usd_per_migrant)."""
    t = _svc(request).remittance_corridors(area, role, scheme, edition, top, per_migrant, stock_edition, sort,
                                           min_migrants)
    return table_response(request, t, fmt=fmt, page=page, per_page=per_page,
                          name_parts=("remittance-corridors", area, role, t.rows[0][1] if t.rows else ""))


@_get("/remittances/matrix", summary="Region × region remittances", responses=_files(MatrixBody))
def remittance_matrix(request: Request, scheme: SchemeQ = "wmr2010", edition: RemEditionQ = None,
                      table: Annotated[Literal["matrix", "shares"], Query(
                          description="For CSV/Excel: the long matrix (year, origin, destination, "
                                      "remittances_usd_m) or the shares within regions.")] = "matrix",
                      fmt: FmtQ = None) -> Response:
    """Remittances by sending region × receiving region, within and between regions
    (``migcap remittances matrix``)."""
    m = _svc(request).remittance_matrix(scheme, edition)
    chosen = negotiate(request, fmt)
    if chosen != "json":
        return table_response(request, m.long if table == "matrix" else m.shares, fmt=chosen, page=1,
                              per_page=MAX_PER_PAGE,
                              name_parts=("remittance-matrix", scheme, *m.years, table))
    return JsonResponse(m.to_dict())


@_get("/remittances/change", summary="Remittances in two editions (2017 → 2021) and their change",
      responses=_files(RemittanceChangePage))
def remittance_change(request: Request,
                      by: Annotated[Literal["corridor", "region"], Query(
                          description="corridor (country → country) or region (region → region of the "
                                      "scheme).")] = "corridor",
                      area: AreaQ = "WLD", role: RoleQ = "both", scheme: SchemeQ = "wmr2010",
                      from_edition: Annotated[str | None, Query(
                          alias="from", max_length=40,
                          description="The earlier edition (default: the oldest).")] = None,
                      to_edition: Annotated[str | None, Query(
                          alias="to", max_length=40, description="The later edition (default: the latest).")]
                      = None,
                      top: TopQ = 10,
                      sort: Annotated[Literal["value", "change"], Query(
                          description="value (largest in the later edition first) or change (largest "
                                      "absolute change first).")] = "value",
                      table: Annotated[Literal["changes", "totals"], Query(
                          description="For CSV/Excel: the corridors or region pairs, or the totals.")]
                      = "changes",
                      fmt: FmtQ = None, page: PageQ = 1, per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Each corridor (of an area) or region pair in both editions, with the absolute and % change
    (``migcap remittances change``). Two model estimates with their own inputs and methods: a change mixes
    real change with method change."""
    r = _svc(request).remittance_change(area, by, role, scheme, from_edition, to_edition, top, sort)
    extra = {"by": r.by, "editions": list(r.editions), "years": list(r.years), "totals": r.totals.to_dict()}
    return table_response(request, r.table if table == "changes" else r.totals, fmt=fmt, page=page,
                          per_page=per_page, name_parts=("remittance-change", by, area, *r.editions, table),
                          extra=extra)


IndicatorQ = Annotated[str, Query(max_length=40, description="remittances_received, remittances_paid, "
                                  "remittance_inflows_knomad, migrant_stock, net_migration, "
                                  "unemployment … (see /api/v1/indicators).")]


@_get("/crisis", summary="Impact of an economic shock", responses=_files(CrisisPage))
def crisis(request: Request, indicator: IndicatorQ = "remittances_received",
           shock: Annotated[int, Query(ge=1960, le=2100, description="The shock year.")] = 2009,
           baseline: Annotated[str | None, Query(max_length=20, pattern=r"^\d{4}\s*[-–]\s*\d{4}$",
                                                 description="Baseline years, e.g. 2003-2008 "
                                                             "(default: the six years "
                                                             "before the shock).")] = None,
           by: ByQ = "world", scheme: SchemeQ = "wmr2010", edition: EditionQ = None,
           level: Annotated[float, Query(gt=0, lt=1,
                                         description="Coverage of the prediction interval.")] = DEFAULT_LEVEL,
           area: AreasQ = None, fmt: FmtQ = None, page: PageQ = 1,
           per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Actual against the pre-shock trend, recovery year and ranking of the hardest hit (``migcap crisis``).
    Columns: area_code, area, year, actual, counterfactual, lower, upper, deviation_pct, yoy_pct,
    recovery_year, deviation, pre_shock, rank, coverage, note."""
    svc = _svc(request)
    r = svc.crisis(indicator, shock, baseline, by, scheme, edition, level)
    t = _filter_areas(svc, r.table, area, by, scheme)
    extra = {"indicator": r.indicator, "shock": r.shock, "baseline": list(r.baseline), "model": r.model}
    if r.decomposition is not None:
        extra["decomposition"] = r.decomposition.to_dict()
    return table_response(request, t, fmt=fmt, page=page, per_page=per_page,
                          name_parts=("crisis", indicator, shock, by, *(area or [])), extra=extra)


# ------------------------------------------------------------------------------------- flows


@_get("/flows", summary="Bilateral flows estimated from stock tables", responses=_files(FlowsPage))
def flows(request: Request,
          period: Annotated[list[Annotated[str, Field(max_length=20, pattern=r"^(all|\d{4}-\d{4})$")]] | None,
                            Query(description="Period as two stock years, e.g. 2015-2019 "
                                              "(repeatable), or all; default: the latest period.")] = None,
          method: Annotated[Literal["demo", "diff", "rates"], Query(
              description="demo (demographic accounting), diff (stock differencing) "
                          "or rates (Dennett).")] = "demo",
          scheme: Annotated[str | None, Query(max_length=64,
                                              description="Aggregate to the regions of this scheme; "
                                              "empty: flows between countries.")] = "wmr2010",
          edition: EditionQ = None,
          wpp_edition: Annotated[str | None, Query(max_length=40, description="WPP edition of births and "
                                                   "deaths.")] = None,
          unknown: Annotated[Literal["distribute", "drop"], Query(description="Migrants of unknown origin.")]
          = "distribute",
          population: Annotated[Literal["wpp", "ims"], Query(description="Population behind the native "
                                                              "born.")] = "wpp",
          stayers: Annotated[bool, Query(description="demo: the stayer assumption.")] = True,
          decrease: Annotated[Literal["return", "zero"], Query(description="diff: a decrease "
                                                               "is a return flow or ignored.")] = "return",
          total: Annotated[float | None, Query(gt=0, le=1e10, description="rates: the global flow to share "
                                               "out.")] = None,
          totals: Annotated[bool,
                            Query(description="The global total per period instead of the flows.")] = False,
          fmt: FmtQ = None, page: PageQ = 1, per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """``migcap flows estimate`` on the bundled data: columns period, orig, dest, flow (or the totals).
    Estimates take about a second per period the first time; they are cached."""
    svc = _svc(request)
    periods = period or svc.flow_periods(edition)[-1:]
    est = svc.flows(periods, method, scheme or None, edition, wpp_edition, unknown, population, stayers,
                    decrease, total)
    t = est.totals if totals else est.flows
    return table_response(request, t, fmt=fmt, page=page, per_page=per_page,
                          name_parts=("flows", *periods, method, scheme or "countries",
                                      "totals" if totals else ""),
                          extra={"warnings": list(est.warnings)})


# --------------------------------------------------------------------------------------- map


@_get("/map", summary="The home page's world map, as a table", responses=_files(TablePage))
def world_map(request: Request, year: YearQ = None, edition: EditionQ = None, fmt: FmtQ = None,
              page: PageQ = 1, per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Per country: migrants as % of the population (UN DESA IMS) and remittances received as % of GDP
    (World Bank) in one year."""
    svc = _svc(request)
    y = year if year is not None else svc.stock_years(edition)[-1]
    rows = svc.map_rows(y, edition)
    sources = svc.map_sources(edition)
    t = Table(("iso3", "country", "year", "migrants_pct", "remittances_pct_gdp"),
              tuple((r["iso3"], r["name"], y, r.get("migrants_pct"), r.get("remittances_pct_gdp"))
                    for r in rows),
              title=f"Migrants as % of population, {y}, and remittances as % of GDP, "
                    f"{svc.map_remittances_year(y) or y}", sources=sources,
              units={"migrants_pct": "% of population", "remittances_pct_gdp": "% of GDP"})
    return table_response(request, t, fmt=fmt, page=page, per_page=per_page, name_parts=("map", y))


# ------------------------------------------------------------------------- countries, schemes


@_get("/countries", summary="Countries by any name or code", response_model=CountryPage)
def countries(request: Request,
              q: Annotated[str, Query(max_length=100,
                                      description="Part of a name, or a code (ISO3, ISO2, M49); "
                                      "empty: all.")] = "",
              page: PageQ = 1, per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Countries whose name or code matches ``q``; an exact name or code comes first."""
    hits = _svc(request).search_countries(q)
    cols = ("iso3", "iso2", "m49", "name", "official_name", "un_area", "wb_economy")
    t = Table(cols, tuple(tuple(h[c] for c in cols) for h in hits), title="Countries")
    body, headers = page_envelope(request, t, page, per_page)
    return JsonResponse({k: body[k] for k in ("rows", "page", "per_page", "pages", "total_rows")},
                        headers=headers)


@_get("/countries/{code}", summary="One country by any name or code", response_model=CountryBody)
def country(request: Request,
            code: Annotated[str, Path(max_length=100, description="A name or code.")]) -> Response:
    """The country with this name or code (404 with suggestions if none)."""
    svc = _svc(request)
    iso3 = svc.country_code(code)
    hit = next(h for h in svc.search_countries(iso3) if h["iso3"] == iso3)
    return JsonResponse(hit)


@_get("/schemes", summary="Region schemes", response_model=list[SchemeBody])
def schemes(request: Request) -> Response:
    """Every scheme a request may name, with its regions."""
    svc = _svc(request)
    out = []
    for name, _ in svc.schemes():
        s = svc.scheme(name)
        out.append({"scheme": s.id, "title": s.title, "source": s.source, "complete": s.complete,
                    "regions": dict(s.regions)})
    return JsonResponse(out)


@_get("/schemes/{name}", summary="One region scheme and its members", response_model=SchemeBody)
def scheme(request: Request, name: Annotated[str, Path(max_length=64)]) -> Response:
    """The regions of a scheme and the ISO3 codes of their members (``migcap schemes show``)."""
    s = _svc(request).scheme(name)
    return JsonResponse({"scheme": s.id, "title": s.title, "source": s.source, "complete": s.complete,
                         "regions": dict(s.regions), "members": {c: s.members_of(c) for c in s.regions}})


# -------------------------------------------------------------------------------------- data


@_get("/data", summary="Datasets and editions", responses=_files(TablePage))
def data(request: Request, fmt: FmtQ = None, page: PageQ = 1,
         per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Sources, editions, years, areas and licences (``migcap data list``)."""
    return table_response(request, _svc(request).data_list(), fmt=fmt, page=page, per_page=per_page,
                          name_parts=("data",))


@_get("/data/{dataset}", summary="Provenance of a dataset edition", response_model=dict[str, Any])
def provenance(request: Request, dataset: Annotated[str, Path(max_length=40)],
               edition: EditionQ = None) -> Response:
    """The full provenance record of an edition (``migcap data show``); default: the latest."""
    import json

    return JsonResponse(json.loads(_svc(request).provenance(dataset, edition)))


# --------------------------------------------------------------------------- optional parts


@_get("/projections", part="projections", responses={**_files(TablePage), 503: {
          "model": ErrorBody,
          "description": "The projection model is being fitted (Retry-After) or its fit failed."}},
      summary="Projections of migration to 2050")
def projections_route(request: Request,
                      measure: Annotated[Literal["net_migration", "net_migration_rate", "migrant_stock",
                                                 "migrant_stock_percent", "population"],
                                         Query(description="What to project.")] = "migrant_stock",
                      area: AreaQ = "WLD", scheme: SchemeQ = "wmr2010",
                      to: Annotated[int, Query(ge=2025, le=2100,
                                               description="Last year (divisible by 5).")] = 2050,
                      draws: Annotated[int, Query(ge=1, le=1000, description="Trajectories.")] = 1000,
                      seed: Annotated[int,
                                      Query(ge=0, le=2**31 - 1, description="Seed of the trajectories.")] = 1,
                      fmt: FmtQ = None, page: PageQ = 1, per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """Probabilistic projection of an area: median and 80%/95% intervals per 5-year step
    (columns area_code, area, year, median, lower80, upper80, lower95, upper95)."""
    p = _svc(request).projection(measure, area, scheme, to, draws, seed)
    return table_response(request, p.to_table(), fmt=fmt, page=page, per_page=per_page,
                          name_parts=("projection", measure, area, to),
                          extra={"measure": p.measure, "seed": p.seed, "draws": int(p.draws.shape[0])})


@_get("/inventory", part="capacity", responses=_files(TablePage), summary="The capacity inventory")
def inventory_route(request: Request, fmt: FmtQ = None, page: PageQ = 1,
                    per_page: PerPageQ = DEFAULT_PER_PAGE) -> Response:
    """The capacity inventory: one row per item (id, area, title, relevance, MGI, GCM)."""
    return table_response(request, _svc(request).inventory_table(), fmt=fmt, page=page, per_page=per_page,
                          name_parts=("inventory",))


@_get("/inventory/{item_id}", part="capacity", response_model=dict[str, Any], summary="One capacity item")
def inventory_item_route(request: Request, item_id: Annotated[str, Path(max_length=20)]) -> Response:
    """One item of the inventory in full, with documented practice elsewhere."""
    svc = _svc(request)
    inv = svc.inventory()
    item = inv.item(item_id)
    body = item.model_dump(mode="json")
    body["practice_examples"] = [e.model_dump(mode="json") for e in svc.practice_examples(item.id)]
    return JsonResponse(body)
