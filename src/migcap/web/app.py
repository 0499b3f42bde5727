"""The application factory: pages, API, static assets, health check, errors, caching and logs.

:func:`create_app` builds a FastAPI application from :class:`~migcap.web.settings.WebSettings`
(environment variables by default). The process is stateless: the warehouse is opened
read-only, results and rendered responses are cached in memory under the warehouse's token,
and the report folder is shared on disk — so any number of processes can run behind a proxy.

Examples
--------
>>> from migcap.web import create_app
>>> app = create_app()                                           # doctest: +SKIP
>>> # uvicorn.run(app) — or migcap.web.serve(host, port)
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from migcap.errors import MigcapError
from migcap.web.responses import XLSX, JsonResponse, allowed_methods, error_body, status_of
from migcap.web.settings import WebSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from migcap.web.store import Store

__all__ = ["create_app"]

log = logging.getLogger("migcap.web")
access = logging.getLogger("migcap.web.access")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    # Vega compiles its expressions with Function(): 'unsafe-eval' is needed for the charts.
    (b"content-security-policy", b"default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' "
                                 b"'unsafe-inline'; img-src 'self' data: blob:; connect-src "
                                 b"'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'; "
                                 b"form-action 'self'"),
]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_NOT_CACHED = ("/static/", "/report", "/healthz")
# the signed-in part (never cached: its pages depend on who asks) — see migcap.web.security
_PRIVATE = ("/assess", "/login", "/logout", "/invite", "/account", "/orgs", "/admin", "/api/v1/assessments",
            "/api/v1/me")
_INVITE = re.compile(r"^(.*/invite/)[^/?]+")


def _merge(headers: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers and the front door's, where the response's own (e.g. a stricter CSP) win."""
    have = {k.lower() for k, _ in headers}
    return [*headers, *((k, v) for k, v in extra if k not in have)]
_COMPRESSIBLE = ("text/", "application/json", "application/javascript")


# ------------------------------------------------------------------------------ front door


@dataclass
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    gz: bytes | None = None
    size: int = field(default=0)


class FrontDoor:
    """Pure ASGI middleware: request ids, security headers, the access log, ETags and a response cache.

    The cache keeps successful ``GET`` responses of pages and the API (not the static files, the report
    or the health check) up to ``max_bytes`` in all, keyed by the warehouse token, the host, the path,
    the query string and the format asked for in ``Accept``; a new warehouse is a new key space. A
    cached response is sent gzip-compressed to clients that accept it, and ``If-None-Match`` gets 304.
    """

    def __init__(self, app: ASGIApp, *, store: Store, max_bytes: int, max_age: int) -> None:
        self.app = app
        self.store = store
        self.max_bytes = max_bytes
        self.max_entry = max(1, max_bytes // 4)
        self.max_age = max_age
        self.entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self.used = 0

    def _remember(self, key: tuple[Any, ...], entry: _Entry) -> None:
        entry.size = len(entry.body) + len(entry.gz or b"") + 200
        old = self.entries.pop(key, None)
        if old is not None:
            self.used -= old.size
        self.entries[key] = entry
        self.used += entry.size
        while self.used > self.max_bytes and self.entries:
            _, gone = self.entries.popitem(last=False)
            self.used -= gone.size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = Headers(scope=scope)
        rid = headers.get("x-request-id", "")
        if not _REQUEST_ID.match(rid):
            rid = uuid.uuid4().hex[:16]
        root = scope.get("root_path", "") or ""
        path = scope["path"]
        rel = path[len(root):] if root and path.startswith(root) else path
        method = scope["method"]
        accept = headers.get("accept", "").lower()
        gzip_ok = "gzip" in headers.get("accept-encoding", "")
        info: dict[str, Any] = {"status": 500, "bytes": 0, "cache": "-"}
        extra = [(b"x-request-id", rid.encode()), *SECURITY_HEADERS]

        key: tuple[Any, ...] | None = None
        if self.max_bytes > 0 and method in ("GET", "HEAD") and not rel.startswith(_NOT_CACHED) \
                and not rel.startswith(_PRIVATE):
            try:
                token = self.store.token
            except MigcapError:
                token = None
            if token is not None:
                variant = "csv" if "text/csv" in accept else "xlsx" if XLSX in accept else ""
                key = (token, headers.get("host", ""), scope.get("scheme", ""), root, rel,
                       scope.get("query_string", b""), variant)
        try:
            entry = self.entries.get(key) if key is not None else None
            if entry is not None:
                self.entries.move_to_end(key)  # type: ignore[arg-type]
                info["cache"] = "hit"
                await self._send_entry(entry, send, method, headers, gzip_ok, extra, info)
                return
            if key is None:
                await self._pass(scope, receive, send, extra, info)
                return
            info["cache"] = "miss"
            await self._capture(scope, receive, send, key, method, headers, gzip_ok, extra, info)
        finally:
            if access.isEnabledFor(logging.INFO):
                path = _INVITE.sub(r"\1…", path)  # invitation links are secrets: never in the logs
                access.info(f"{method} {path} {info['status']}", extra={"fields": {
                    "method": method, "path": path, "query": scope.get("query_string", b"").decode("latin-1"),
                    "status": info["status"], "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                    "bytes": info["bytes"], "cache": info["cache"], "request_id": rid,
                    "client": (scope.get("client") or ("", 0))[0]}})

    async def _pass(self, scope: Scope, receive: Receive, send: Send, extra: list[tuple[bytes, bytes]],
                    info: dict[str, Any]) -> None:
        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                info["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = _merge(list(message["headers"]), extra)
            elif message["type"] == "http.response.body":
                info["bytes"] += len(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _capture(self, scope: Scope, receive: Receive, send: Send, key: tuple[Any, ...], method: str,
                       req_headers: Headers, gzip_ok: bool, extra: list[tuple[bytes, bytes]],
                       info: dict[str, Any]) -> None:
        start_msg: Message = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            if message["type"] == "http.response.start":
                start_msg.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        status = start_msg.get("status", 500)
        body = b"".join(chunks)
        raw_headers = [(k, v) for k, v in start_msg.get("headers", []) if k.lower() != b"content-length"]
        etag = b'"' + hashlib.sha1(body).hexdigest()[:20].encode() + b'"'
        resp_headers = MutableHeaders(raw=raw_headers)
        if status == 200:
            if "cache-control" not in resp_headers:
                resp_headers["cache-control"] = f"public, max-age={self.max_age}"
            resp_headers["etag"] = etag.decode()
            resp_headers["vary"] = "Accept, Accept-Encoding"
        entry = _Entry(status, list(resp_headers.raw), body, etag)
        personal = "set-cookie" in resp_headers or "no-store" in resp_headers.get("cache-control", "") \
            or "private" in resp_headers.get("cache-control", "")
        if status == 200 and method == "GET" and len(body) <= self.max_entry and not personal:
            self._remember(key, entry)
        await self._send_entry(entry, send, method, req_headers, gzip_ok and status == 200, extra, info)

    async def _send_entry(self, entry: _Entry, send: Send, method: str, req_headers: Headers, gzip_ok: bool,
                          extra: list[tuple[bytes, bytes]], info: dict[str, Any]) -> None:
        headers = _merge(list(entry.headers), extra)
        if entry.status == 200 and req_headers.get("if-none-match", "").encode() == entry.etag:
            info["status"] = 304
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(k, v) for k, v in headers
                                    if k.lower() in (b"etag", b"cache-control", b"vary")]
                        + extra})
            await send({"type": "http.response.body", "body": b""})
            return
        body = entry.body
        ctype = dict(entry.headers).get(b"content-type", b"").decode()
        if gzip_ok and len(body) > 1400 and ctype.startswith(_COMPRESSIBLE):
            if entry.gz is None:
                entry.gz = gzip.compress(body, 5, mtime=0)
                entry.size += len(entry.gz)
                self.used += len(entry.gz)
            body = entry.gz
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        info["status"] = entry.status
        info["bytes"] = len(body)
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


# ------------------------------------------------------------------------------------ errors


def _wants_json(request: Request) -> bool:
    root = str(request.scope.get("root_path", "") or "")
    path = request.url.path[len(root):] if root and request.url.path.startswith(root) else request.url.path
    return path.startswith("/api/") or path == "/healthz"


def _rel_path(request: Request) -> str:
    root = str(request.scope.get("root_path", "") or "")
    return request.url.path[len(root):] if root and request.url.path.startswith(root) else request.url.path


def _error(request: Request, status: int, kind: str, message: str) -> Response:
    private = _rel_path(request).startswith(_PRIVATE)
    if _wants_json(request) or (private and "application/json" in request.headers.get("accept", "")):
        resp: Response = JsonResponse(error_body(status, kind, message), status_code=status)
    else:
        from migcap.web.routes.pages import render

        titles = {400: "Bad request", 401: "Log in first", 403: "Not allowed", 404: "Not found",
                  405: "Method not allowed", 409: "Conflict", 413: "Too large", 422: "Bad parameter",
                  429: "Too many attempts", 503: "Unavailable"}
        try:
            resp = render(request, "error.html", status=status, title=titles.get(status, "Error"),
                          heading=titles.get(status, "Error"), message=message, code=status, private=private)
        except Exception:
            log.exception("the error page could not be rendered")
            resp = Response(f"{status}: {message}\n", status_code=status, media_type="text/plain")
    if private:
        from migcap.web.security import private_headers

        private_headers(resp)
    return resp


def _validation_message(errors: list[Any]) -> str:
    parts = []
    for e in errors[:3]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body")]
        where = {"query": "query parameter",
                 "path": "path parameter"}.get(str(e.get("loc", ("",))[0]), "parameter")
        name = loc[0] if loc else "?"
        text = f"{where} {name!r}: {e.get('msg', 'invalid')}"
        if "input" in e and e["input"] is not None and not isinstance(e["input"], dict | list):
            shown = repr(e["input"])
            text += f" (value: {shown[:60]})"
        parts.append(text)
    return "; ".join(parts) + ("; …" if len(errors) > 3 else "")


def _install_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def migcap_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, MigcapError)
        from migcap.errors import NotAuthenticated, NotReady, RateLimited

        status = status_of(exc)
        if status >= 500 and not isinstance(exc, NotReady):
            log.error("store error", extra={"fields": {"error": str(exc)}})
        if isinstance(exc, NotAuthenticated) and request.method == "GET" and not _wants_json(request):
            from urllib.parse import quote

            from starlette.responses import RedirectResponse

            from migcap.web.security import private_headers

            rel = _rel_path(request) + (f"?{request.url.query}" if request.url.query else "")
            root = str(request.scope.get("root_path", "") or "").rstrip("/")
            return private_headers(RedirectResponse(f"{root}/login?next={quote(rel, safe='/')}",
                                                    status_code=303))
        resp = _error(request, status, type(exc).__name__, str(exc))
        if isinstance(exc, NotAuthenticated) and _wants_json(request):
            resp.headers["WWW-Authenticate"] = 'Bearer realm="migcap"'
        if isinstance(exc, RateLimited | NotReady) and exc.retry_after is not None:
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _error(request, 422, "ValidationError", _validation_message(list(exc.errors())))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405 and (allow := allowed_methods(request)):
            if request.method == "OPTIONS":  # what this path answers (RFC 9110 9.3.7)
                return Response(status_code=204, headers={"Allow": allow})
            exc.headers = {**(exc.headers or {}), "Allow": allow}
        message = {404: f"no page or endpoint at {request.url.path}",
                   405: f"method {request.method} is not allowed here"}.get(exc.status_code, str(exc.detail))
        resp = _error(request, exc.status_code, "HTTPError", message)
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error", exc_info=exc, extra={"fields": {"path": request.url.path}})
        return _error(request, 500, "InternalError", "an unexpected error occurred; it has been logged")

    app.add_exception_handler(MigcapError, migcap_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


# ----------------------------------------------------------------------------------- factory


def _warm(app: FastAPI, stop: threading.Event) -> None:
    """Compute the default views once, so that the first visitors do not wait for them."""
    from migcap.evidence.crisis import DEFAULT_LEVEL

    svc = app.state.service
    start = time.perf_counter()
    steps = [
        svc.countries_with_stock,
        lambda: svc.map_rows(svc.stock_years()[-1]),
        lambda: svc.overview("WLD", "wmr2010", None, None),
        lambda: svc.series("migrant_stock", "region", "wmr2010", None, None, "any"),
        lambda: svc.series_years("migrant_stock"),
        lambda: svc.matrix("wmr2010", None, None),
        lambda: svc.crisis("remittances_received", 2009, None, "region", "wmr2010", None, DEFAULT_LEVEL),
        lambda: svc.flows(svc.flow_periods()[-1:], "demo", "wmr2010", None, None, "distribute", "wpp", True,
                          "return", None),
    ]
    try:
        for step in steps:
            if stop.is_set():
                return
            step()
        log.info("default views computed",
                 extra={"fields": {"seconds": round(time.perf_counter() - start, 2)}})
    except Exception:
        log.exception("computing the default views failed")


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The migcap web application.

    Parameters
    ----------
    settings
        How to run (default: from the environment, ``MIGCAP_WEB_*``; the data folder from
        ``MIGCAP_DATA_DIR``).

    Returns
    -------
    fastapi.FastAPI
        Pages at ``/``, the API at ``/api/v1/`` (OpenAPI document ``/api/v1/openapi.json``, reference
        ``/api/docs``), the report at ``/report/``, the health check at ``/healthz``.
    """
    from fastapi import FastAPI
    from starlette.concurrency import run_in_threadpool

    from migcap import __version__
    from migcap.web.assets import asset_response, asset_version
    from migcap.web.logs import configure_logging
    from migcap.web.routes.api import make_router
    from migcap.web.routes.pages import make_pages, make_templates
    from migcap.web.routes.report import ReportSite
    from migcap.web.service import Service, detect_optional
    from migcap.web.store import Store

    settings = settings or WebSettings()
    configure_logging(settings.log_level, settings.log_format)
    store = Store()
    service = Service(store, settings.cache_entries, detect_optional(settings.projections, settings.capacity))
    assessments = settings.assessments != "off" and service.optional.capacity is not None
    report = ReportSite(settings.resolved_report_dir(), build=settings.report_build, pdf=settings.report_pdf,
                        areas=tuple(a.strip() for a in settings.report_areas.split(",") if a.strip()))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(lambda: store.open(watch=True))
        except MigcapError as exc:
            log.error("the warehouse cannot be opened", extra={"fields": {"error": str(exc)}})
        if assessments and settings.migrate:
            from migcap.db import upgrade

            try:
                rev = await run_in_threadpool(upgrade)
                log.info("assessments database ready", extra={"fields": {"revision": rev}})
            except MigcapError as exc:
                log.error("the assessments database cannot be migrated",
                          extra={"fields": {"error": str(exc)}})
        if report.drafts():
            log.error("the report folder is not served", extra={"fields": {"error": report.status().message}})
        if assessments:  # what killed servers left in <data>/tmp and the attachments folder
            from migcap.capacity.uploads import remove_leftover_uploads

            await run_in_threadpool(remove_leftover_uploads)
        if settings.report_build == "start":
            report.ensure()
        stop = threading.Event()
        warm = threading.Thread(target=_warm, args=(app, stop), name="migcap-warm")
        if settings.warm:
            warm.start()
        log.info("migcap web app started", extra={"fields": {
            "version": __version__, "report": str(report.folder),
            "projections": service.optional.projections is not None,
            "capacity": service.optional.capacity is not None}})
        yield
        stop.set()
        if warm.is_alive():
            await run_in_threadpool(warm.join, 30)
        report.stop()
        service.stop()
        store.close()
        log.info("migcap web app stopped")

    app = FastAPI(
        title="migcap",
        version=__version__,
        summary="Migration evidence from official data: stocks, indicators, overviews, corridors, the region "
                "matrix, shock impact and flows.",
        description="The JSON API of migcap, with the command line's names and parameters. "
                    "Tables are paginated (page, per_page); add format=csv or format=xlsx (or send Accept: "
                    "text/csv) for the whole table as a file. Errors: {\"error\": {\"status\", "
                    "\"type\", \"message\"}}.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        root_path=settings.root_path.rstrip("/"),
    )
    app.state.settings = settings
    app.state.store = store
    app.state.service = service
    app.state.report = report
    app.state.templates = make_templates()
    app.state.asset_version = asset_version()
    app.state.assessments = assessments

    app.include_router(make_router(service))
    if assessments:
        from migcap.web.routes.accounts import make_account_pages
        from migcap.web.routes.assess_api import make_assess_api
        from migcap.web.routes.assess_pages import make_assess_pages
        from migcap.web.security import load_secret

        app.state.secret = load_secret(settings)
        app.include_router(make_assess_api())
        app.include_router(make_account_pages())
        app.include_router(make_assess_pages())
    from migcap.web.routes.remittance_pages import make_remittance_pages

    app.include_router(make_remittance_pages())
    app.include_router(make_pages(service))

    def static(request: Request, version: str, name: str) -> Response:
        return asset_response(request, name)

    def healthz(request: Request) -> Response:
        try:
            body: dict[str, Any] = {"status": "ok", "version": __version__, "store": {
                "token": store.token, "built_at": store.built_at}, "editions": store.latest_editions}
        except MigcapError as exc:
            return JsonResponse({"status": "unavailable", "error": str(exc)}, status_code=503,
                                headers={"Cache-Control": "no-store"})
        body["report"] = report.status().state
        body["parts"] = {"projections": service.optional.projections is not None,
                         "capacity": service.optional.capacity is not None}
        try:
            fit = service.projection_fit()
        except MigcapError as exc:  # e.g. no WPP edition with the estimates the model needs
            body["projections"] = {"state": "unavailable", "message": str(exc)}
        else:
            if fit is not None:
                body["projections"] = fit.to_dict()
        body["cache"] = {"entries": len(service.cache), "hits": service.cache.hits,
                         "misses": service.cache.misses}
        return JsonResponse(body, headers={"Cache-Control": "no-store"})

    app.add_api_route("/static/{version}/{name}", static, methods=["GET"], include_in_schema=False)
    app.add_api_route("/healthz", healthz, methods=["GET", "HEAD"], include_in_schema=False)
    _install_handlers(app)
    if assessments:
        from migcap.web.security import BodyLimit

        app.add_middleware(BodyLimit, upload_bytes=int(settings.upload_max_mb * 1_000_000))
    if settings.public_url:
        from migcap.web.security import PublicOrigin

        app.add_middleware(PublicOrigin, public_url=settings.public_url)
    app.add_middleware(FrontDoor, store=store, max_bytes=settings.response_cache_mb * 1024 * 1024,
                       max_age=settings.max_age)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory migcap.web.app:app_factory`` (settings from the environment)."""
    return create_app()
