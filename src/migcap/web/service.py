"""What the pages and the API ask of migcap: the domain functions, cached per warehouse.

Each method calls one domain function (``migcap.evidence.stocks``, ``migcap.evidence.indicators``,
``migcap.evidence.overview`` …) on this thread's warehouse connection and keeps the result in a
:class:`~migcap.web.store.Cache` under a key that starts with the warehouse token, so a
new edition never meets an old result. Nothing here knows about HTTP; routes stay thin.

Web input is narrower than the command line's in one way: a region scheme must be one of
:func:`migcap.geo.schemes.list_schemes` (a path would let a request read any file on the server).

Projections need the fitted model. It is fitted once for all processes, in the background
(:func:`migcap.projections.start_fit`: ``migcap serve`` starts it, and so does the first request
that finds nobody fitting); until it is ready a projection request — once its parameters are checked —
gets :class:`~migcap.errors.NotReady` (HTTP 503 with ``Retry-After``), and :meth:`Service.projection_fit`
says where the fit stands.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import subprocess
import threading
import types
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from migcap.errors import (
    DataUnavailableError,
    MigcapError,
    NotReady,
    UnknownAreaError,
    UnknownSchemeError,
)
from migcap.evidence.explore import STOCK_MEASURES, Measure, StockCountry
from migcap.table import Table
from migcap.web.store import Cache, Store

if TYPE_CHECKING:
    from migcap.evidence.crisis import CrisisResult
    from migcap.evidence.matrix import MatrixResult
    from migcap.evidence.overview import Area, Overview
    from migcap.evidence.remittances import ChangeResult as RemittanceChange
    from migcap.flows.apply import FlowEstimates
    from migcap.geo.schemes import Scheme

__all__ = ["STOCK_MEASURES", "Measure", "Optional", "Service"]

T = TypeVar("T")

MAX_PROJECTION_DRAWS = 1000
#: ``Retry-After`` (seconds) of a projection request while the model is being fitted.
FIT_RETRY_SECONDS = 10

log = logging.getLogger("migcap.web")


@dataclass(frozen=True)
class Optional:
    """The parts that appear only when their module imports: projections and the capacity inventory."""

    projections: types.ModuleType | None
    capacity: types.ModuleType | None


#: The optional parts found missing in this process, so that each is logged once.
_missing: set[str] = set()


def _not_available(name: str, reason: object) -> None:
    """Log once per process that an optional part is missing, and why."""
    if name not in _missing:
        _missing.add(name)
        log.info("optional part %s not available: %s", name, reason, extra={"fields": {"part": name}})


def _load_projections() -> types.ModuleType | None:
    """``migcap.projections`` if it is a package exposing ``net_migration``, ``stock`` and ``population``.

    A module that is missing (:class:`ImportError`) is logged and left out; one that fails otherwise
    raises, so that a broken module is never mistaken for a missing one.
    """
    name = "migcap.projections"
    try:
        mod = importlib.import_module(name)
    except ImportError as exc:
        _not_available(name, exc)
        return None
    if getattr(mod, "__file__", None) is None:  # a folder without __init__ (namespace package)
        _not_available(name, "a folder without __init__.py")
        return None
    for fn_name in ("net_migration", "stock", "population"):
        fn = getattr(mod, fn_name, None)
        if not callable(fn) or isinstance(fn, types.ModuleType):
            _not_available(name, f"it has no function {fn_name}")
            return None
    return mod


def _load_capacity() -> types.ModuleType | None:
    """``migcap.capacity.inventory`` once it imports and the bundled inventory loads.

    A module that is missing (:class:`ImportError`) is logged and left out; an inventory that does not
    load raises.
    """
    name = "migcap.capacity.inventory"
    try:
        mod = importlib.import_module(name)
    except ImportError as exc:
        _not_available(name, exc)
        return None
    mod.load_inventory()
    return mod


def detect_optional(projections: str = "auto", capacity: str = "auto") -> Optional:
    """Which optional parts to show (``auto``: when they import; ``off``: never)."""
    return Optional(_load_projections() if projections == "auto" else None,
                    _load_capacity() if capacity == "auto" else None)


class Service:
    """Cached access to migcap's domain functions for one process."""

    def __init__(self, store: Store, cache_entries: int = 512, optional: Optional | None = None, *,
                 fit_settings: Any = None) -> None:
        self.store = store
        self.cache = Cache(cache_entries)
        self.optional = optional or Optional(None, None)
        #: Sampler settings of a background fit of the projection model (``None``: the model's own).
        self.fit_settings = fit_settings
        self._fits: list[subprocess.Popen[bytes]] = []
        self._fits_lock = threading.Lock()

    # ------------------------------------------------------------------------------- plumbing

    def _cached(self, key: tuple[Hashable, ...], make: Callable[[Any], T]) -> T:
        """The cached result of ``make(con)``; a connection is taken from the pool only to compute it."""
        def compute() -> T:
            with self.store.connection() as con:
                return make(con)

        return self.cache.get((self.store.token, *key), compute)

    # ------------------------------------------------------------------------ reference data

    def schemes(self) -> list[tuple[str, str]]:
        """``(id, title)`` of every scheme a request may name."""
        from migcap.geo.schemes import list_schemes, load_scheme

        return self._cached(("schemes",), lambda con: [(n, load_scheme(n).title) for n in list_schemes()])

    def scheme(self, name: str) -> Scheme:
        """A bundled or user scheme by name (never a file path).

        Raises
        ------
        UnknownSchemeError
            If ``name`` is not one of :meth:`schemes`.
        """
        from migcap.geo.schemes import load_scheme

        names = [n for n, _ in self.schemes()]
        if name not in names:
            raise UnknownSchemeError(f"unknown scheme {name!r}", hint=f"choose one of {', '.join(names)}")
        return load_scheme(name)

    def measures(self) -> dict[str, Measure]:
        """Everything the explorer can show, by name (:func:`migcap.evidence.explore.measures`)."""
        from migcap.evidence.explore import measures

        return measures()

    def measure(self, name: str) -> Measure:
        """One measure by name (:func:`migcap.evidence.explore.measure`)."""
        from migcap.evidence.explore import measure

        return measure(name)

    def area(self, text: str, scheme: str = "wmr2010") -> Area:
        """The world, a region of ``scheme`` or a country, from any name or code."""
        from migcap.evidence.overview import resolve_area

        text = str(text).strip()
        if not text:
            raise UnknownAreaError("no area given", hint="use WLD, a region code or a country name or code")
        if len(text) > 100:
            raise UnknownAreaError("an area name or code has at most 100 characters")
        sch = self.scheme(scheme)
        try:
            return resolve_area(text, sch)
        except UnknownAreaError:
            from migcap.geo.countries import country_table

            close = country_table().suggest(text)
            if close:
                raise UnknownAreaError.with_suggestions(text, close) from None
            raise

    def country_code(self, text: str) -> str:
        """ISO3 of a country from any of its names or codes."""
        from migcap.geo.countries import resolve

        if len(str(text)) > 100:
            raise UnknownAreaError("a country name or code has at most 100 characters")
        return resolve(text)

    def search_countries(self, q: str) -> list[dict[str, Any]]:
        """Countries whose name, official name or code contains ``q`` (an exact code or name first)."""
        from migcap.evidence.explore import search_countries

        return search_countries(q)

    def countries_with_stock(self) -> list[StockCountry]:
        """``(iso3, name, region of wmr2010)`` of every country with a migrant stock in the latest edition,
        by name (:func:`migcap.evidence.explore.countries_with_stock`)."""
        from migcap.evidence.explore import countries_with_stock

        return self._cached(("countries_with_stock",),
                            lambda con: countries_with_stock(scheme=self.scheme("wmr2010"), con=con))

    def data_list(self) -> Table:
        from migcap.store.catalog import data_list

        return self._cached(("data_list",), lambda con: data_list(con))

    def provenance(self, dataset: str, edition: str | None) -> str:
        from migcap.store.catalog import provenance_of

        return self._cached(("provenance", dataset, edition),
                            lambda con: provenance_of(con, dataset, edition))

    def editions(self, dataset: str) -> list[str]:
        from migcap.store.warehouse import editions

        return self._cached(("editions", dataset), lambda con: [e.edition for e in editions(con, dataset)])

    # ------------------------------------------------------------------------------ evidence

    def stock_years(self, edition: str | None = None) -> list[int]:
        """The years of the migrant stock edition (default: the latest)."""
        from migcap.evidence.stocks import stock_years

        return self._cached(("stock_years", edition), lambda con: stock_years(con, edition))

    def stocks(self, by: str, scheme: str, years: Sequence[int] | None, edition: str | None,
               coverage: str) -> Table:
        from migcap.evidence.stocks import stocks

        sch = self.scheme(scheme)
        ys = tuple(sorted(set(years))) if years else None
        return self._cached(("stocks", by, scheme if by == "region" else "", ys, edition, coverage),
                            lambda con: stocks(by=by,  # type: ignore[arg-type]
                                               scheme=sch, years=ys, edition=edition, coverage=coverage,
                                               con=con))

    def revisions(self, by: str, scheme: str, years: Sequence[int] | None,
                  editions: Sequence[str] | None) -> Table:
        """The migrant stock as revised between IMS editions (see
        :func:`migcap.evidence.revisions.stock_revisions`)."""
        from migcap.evidence.revisions import stock_revisions

        sch = self.scheme(scheme)
        ys = tuple(sorted(set(years))) if years else None
        eds = tuple(editions) if editions else None
        return self._cached(("revisions", by, scheme if by == "region" else "", ys, eds),
                            lambda con: stock_revisions(by=by,  # type: ignore[arg-type]
                                                        scheme=sch, years=ys, editions=eds, con=con))

    def series(self, indicator: str, by: str, scheme: str, years: Sequence[int] | None, edition: str | None,
               coverage: str) -> Table:
        """An indicator (or a migrant-stock measure) for the world, regions or countries."""
        from migcap.evidence.explore import stock_series
        from migcap.evidence.indicators import series

        m = self.measure(indicator)
        if by not in ("world", "region", "country"):
            raise MigcapError(f"unknown by {by!r}", hint="use world, region or country")
        ys = tuple(sorted(set(years))) if years else None
        if m.name in STOCK_MEASURES:
            return stock_series(self.stocks(by, scheme, ys, edition, coverage), m.name)
        sch = self.scheme(scheme)
        return self._cached(("series", m.name, by, scheme if by == "region" else "", ys, edition, coverage),
                            lambda con: series(m.name, by=by, scheme=sch, years=ys,  # type: ignore[arg-type]
                                           edition=edition, coverage=coverage, con=con))

    def series_years(self, indicator: str, edition: str | None = None) -> list[int]:
        """The years with a world value of an indicator (or a country value, for stock measures)."""
        from migcap.evidence.explore import years_with_values

        return years_with_values(self.series(indicator, "world", "wmr2010", None, edition, "any"))

    def overview(self, area: str, scheme: str, year: int | None, edition: str | None) -> Overview:
        from migcap.evidence.overview import overview

        a = self.area(area, scheme)
        sch = self.scheme(scheme)
        years = self.stock_years(edition)
        if year is not None and year not in years:
            raise DataUnavailableError(f"no migrant stock for {year} in this edition",
                                       hint=f"years available: {', '.join(map(str, years))}")
        # year=None is not the latest year: it also keeps the remittances after the last stock year
        return self._cached(("overview", a.code, scheme, year, edition),
                            lambda con: overview(a.code, scheme=sch, year=year, edition=edition, con=con))

    def matrix(self, scheme: str, year: int | None, edition: str | None) -> MatrixResult:
        from migcap.evidence.matrix import region_matrix

        sch = self.scheme(scheme)
        return self._cached(("matrix", scheme, year, edition),
                            lambda con: region_matrix(sch, year=year, edition=edition, con=con))

    def bilateral_years(self, edition: str | None = None) -> list[int]:
        """The years of the bilateral stock edition (default: the latest)."""
        from migcap.evidence.matrix import bilateral_years

        return self._cached(("bilateral_years", edition), lambda con: bilateral_years(con, edition))

    def crisis(self, indicator: str, shock: int, baseline: str | None, by: str, scheme: str,
               edition: str | None, level: float) -> CrisisResult:
        from migcap.evidence.crisis import shock_impact

        self.measure(indicator)
        if indicator in STOCK_MEASURES:
            raise MigcapError(f"{indicator} is a share, not a series with a shock analysis",
                              hint="use an indicator such as remittances_received or migrant_stock")
        sch = self.scheme(scheme)
        return self._cached(("crisis", indicator, shock, baseline, by, scheme, edition, level),
                            lambda con: shock_impact(
                                indicator, shock=shock, baseline=baseline, by=by,  # type: ignore[arg-type]
                                scheme=sch, edition=edition, level=level, con=con))

    def map_rows(self, year: int, edition: str | None = None) -> list[dict[str, Any]]:
        """Per country, for the world map: ISO numeric id, name, migrants % of population in ``year``
        (UN DESA IMS) and remittances received % of GDP in ``year`` (the World Bank's own indicator)."""
        from migcap.evidence.indicators import map_values

        if year not in self.stock_years(edition):
            raise DataUnavailableError(f"no migrant stock for {year}",
                                       hint="years available: "
                                            f"{', '.join(map(str, self.stock_years(edition)))}")
        rem = self.map_remittances_year(year)
        return self._cached(("map_rows", year, edition),
                            lambda con: map_values(con, year, edition=edition,
                                                   remittances_year=rem if rem is not None else year))

    def map_remittances_year(self, year: int) -> int | None:
        """The remittances year a map of ``year`` shows (see
        :func:`migcap.evidence.indicators.remittances_map_year`)."""
        from migcap.evidence.indicators import remittances_map_year

        return self._cached(("map_remittances_year", year), lambda con: remittances_map_year(con, year))

    def map_sources(self, edition: str | None = None) -> tuple[str, str]:
        """The citations of the world map's two shares (:func:`migcap.evidence.indicators.map_sources`)."""
        from migcap.evidence.indicators import map_sources

        return self._cached(("map_sources", edition), lambda con: map_sources(con, edition))

    # --------------------------------------------------------------------------------- flows

    def flow_periods(self, edition: str | None = None) -> list[str]:
        """The periods of consecutive stock years of the bilateral stock edition."""
        years = self.bilateral_years(edition)
        return [f"{a}-{b}" for a, b in itertools.pairwise(years)]

    def flows(self, periods: Sequence[str], method: str, scheme: str | None, edition: str | None,
              wpp_edition: str | None, unknown: str, population: str, stayers: bool, decrease: str,
              total: float | None) -> FlowEstimates:
        from migcap.flows.apply import estimate_world_flows
        from migcap.flows.options import estimator_options

        sch = self.scheme(scheme) if scheme else None
        options = estimator_options(method, stayers=stayers, decrease=decrease)
        chosen = tuple(dict.fromkeys(periods)) or ("all",)
        key = ("flows", chosen, method, scheme, edition, wpp_edition, unknown, population,
               tuple(sorted(options.items())), total)
        return self._cached(key, lambda con: estimate_world_flows(
            list(chosen), method=method, scheme=sch, edition=edition,  # type: ignore[arg-type]
            wpp_edition=wpp_edition, unknown=unknown, population=population,  # type: ignore[arg-type]
            total=total, options=options, con=con))

    # ---------------------------------------------------------------------- optional parts

    def projection(self, measure: str, area: str, scheme: str, to: int, draws: int, seed: int) -> Any:
        """A projection (``net_migration``, ``net_migration_rate``, ``migrant_stock``,
        ``migrant_stock_percent`` or ``population``) from :mod:`migcap.projections`."""
        mod = self.optional.projections
        if mod is None:
            raise DataUnavailableError("projections are not available in this installation")
        if not 1 <= draws <= MAX_PROJECTION_DRAWS:
            raise DataUnavailableError(f"the web app draws at most {MAX_PROJECTION_DRAWS} trajectories",
                                       value=draws)
        sch = self.scheme(scheme)
        calls: dict[str, tuple[str, dict[str, Any]]] = {
            "net_migration": ("net_migration", {"measure": "count"}),
            "net_migration_rate": ("net_migration", {"measure": "rate"}),
            "migrant_stock": ("stock", {"measure": "count"}),
            "migrant_stock_percent": ("stock", {"measure": "percent"}),
            "population": ("population", {}),
        }
        if measure not in calls:
            raise MigcapError(f"unknown projection measure {measure!r}",
                              hint=f"use one of {', '.join(calls)}")
        fn_name, extra = calls[measure]
        fn = getattr(mod, fn_name)
        if not hasattr(mod, "check_request"):  # a projections module without a model to fit
            return self._cached(("projection", measure, area, scheme, to, draws, seed),
                                lambda con: fn(area, scheme=sch, to=to, draws=draws, seed=seed, con=con,
                                               **extra))
        data = self._projection_data()
        # bad input is refused before any fit
        a = mod.check_request(data, area, scheme=sch, to=to, draws=draws)
        model = self._projection_model(data)
        return self._cached(("projection", measure, a.code, scheme, to, draws, seed), lambda con: fn(
            a, scheme=sch, to=to, draws=draws, seed=seed, con=con, model=model, **extra))

    def _projection_data(self) -> Any:
        """The observed rates the projection model is fitted to (cached per warehouse)."""
        mod = self.optional.projections
        assert mod is not None
        return self._cached(("projection-data",), lambda con: mod.load_rates(con))

    def _projection_model(self, data: Any) -> Any:
        """The fitted model, loaded once per process when it is ready.

        Raises
        ------
        NotReady
            While it is being fitted (a fit is started if nobody is fitting), or if the fit failed.
        """
        mod = self.optional.projections
        assert mod is not None

        def make(con: Any) -> Any:
            model = mod.load_current(data)
            if model is not None:
                return model
            st = mod.fit_state(data)
            if st.state == "not started":
                st = self._start_fit(data)
            if st.state == "failed":
                raise NotReady(st.describe(), retry_after=None,
                               hint="see the server's log; fit it by hand with 'migcap project fit'")
            raise NotReady(st.describe(), retry_after=FIT_RETRY_SECONDS, hint="try again in a minute")

        return self._cached(("projection-model", data.edition), make)

    def _start_fit(self, data: Any) -> Any:
        mod = self.optional.projections
        assert mod is not None
        with self._fits_lock:
            child = mod.start_fit(data, settings=self.fit_settings)
        if child is not None:
            self._fits.append(child)
            log.info("fitting the projection model in the background",
                     extra={"fields": {"edition": data.edition, "pid": child.pid}})
        return mod.fit_state(data)

    def projection_fit(self) -> Any | None:
        """Where the fit of the projection model stands (:class:`migcap.projections.FitState`: not started,
        running since when, ready or failed); ``None`` without projections that need a fitted model."""
        mod = self.optional.projections
        if mod is None or not hasattr(mod, "fit_state"):
            return None
        return mod.fit_state(self._projection_data())

    def start_projection_fit(self) -> Any | None:
        """Fit the projection model in the background unless it is ready or any process is fitting it;
        the fit's state after that (``None`` without projections that need a fitted model)."""
        mod = self.optional.projections
        if mod is None or not hasattr(mod, "start_fit"):
            return None
        return self._start_fit(self._projection_data())

    def stop(self) -> None:
        """End the background fits this process started (at shutdown)."""
        for child in self._fits:
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def inventory(self) -> Any:
        mod = self.optional.capacity
        if mod is None:
            raise DataUnavailableError("the capacity inventory is not available in this installation")
        return mod.load_inventory()

    def inventory_table(self) -> Table:
        mod = self.optional.capacity
        inv = self.inventory()
        assert mod is not None
        table: Table = mod.inventory_table(inv)
        return table

    def practice_examples(self, item_id: str) -> list[Any]:
        mod = self.optional.capacity
        if mod is None:
            return []
        examples: list[Any] = mod.practice_examples(item_id)
        return examples

    def frameworks(self) -> Any:
        mod = self.optional.capacity
        return mod.frameworks() if mod is not None else None

    # --------------------------------------------------------------------------- remittances

    def remittance_editions(self) -> list[str]:
        """The editions of the bilateral remittances, newest first."""
        return self.editions("bilateral_remittances")

    def remittance_corridors(self, area: str, role: str, scheme: str, edition: str | None, top: int,
                             per_migrant: bool, stock_edition: str | None, sort: str,
                             min_migrants: float) -> Table:
        """:func:`migcap.evidence.remittances.corridors`."""
        from migcap.evidence.remittances import corridors

        a = self.area(area, scheme)
        kw: dict[str, Any] = {"role": role, "scheme": self.scheme(scheme), "edition": edition, "top": top,
                              "per_migrant": per_migrant, "stock_edition": stock_edition, "sort": sort,
                              "min_migrants": min_migrants}
        return self._cached(("remittance_corridors", a.code, role, scheme, edition, top, per_migrant,
                             stock_edition, sort, min_migrants), lambda con: corridors(a.code, **kw, con=con))

    def remittance_matrix(self, scheme: str, edition: str | None) -> MatrixResult:
        """:func:`migcap.evidence.remittances.remittance_matrix`."""
        from migcap.evidence.remittances import remittance_matrix

        sch = self.scheme(scheme)
        return self._cached(("remittance_matrix", scheme, edition),
                            lambda con: remittance_matrix(sch, edition=edition, con=con))

    def remittance_change(self, area: str, by: str, role: str, scheme: str, from_edition: str | None,
                          to_edition: str | None, top: int, sort: str) -> RemittanceChange:
        """:func:`migcap.evidence.remittances.remittance_change`."""
        from migcap.evidence.remittances import remittance_change

        a = self.area(area, scheme)
        kw: dict[str, Any] = {"by": by, "role": role, "scheme": self.scheme(scheme),
                              "from_edition": from_edition, "to_edition": to_edition, "top": top,
                              "sort": sort}
        return self._cached(("remittance_change", a.code, by, role, scheme, from_edition, to_edition, top,
                             sort), lambda con: remittance_change(a.code, **kw, con=con))
