"""Responses of the API: content negotiation, paginated tables, files, error bodies.

Formats: JSON (default), CSV (``?format=csv`` or ``Accept: text/csv``) and Excel
(``?format=xlsx`` or the spreadsheet media type in ``Accept``). JSON tables are paginated
(``page``, ``per_page``); CSV and Excel downloads hold the whole table.

Error bodies are ``{"error": {"status": 404, "type": "UnknownAreaError", "message": "…"}}``.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from migcap.errors import (
    DataUnavailableError,
    EditionError,
    MigcapError,
    StoreError,
    UnknownAreaError,
    UnknownSchemeError,
)

if TYPE_CHECKING:
    from starlette.requests import Request

    from migcap.table import Table

__all__ = [
    "CSV",
    "XLSX",
    "JsonResponse",
    "allowed_methods",
    "error_body",
    "file_response",
    "negotiate",
    "paginate",
    "status_of",
    "table_response",
]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000


def _clean(value: Any) -> Any:
    """Non-finite floats as null (JSON has no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class JsonResponse(Response):
    """JSON that never fails on NaN or infinity (they become null)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except ValueError:
            text = json.dumps(_clean(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")


def status_of(exc: MigcapError) -> int:
    """The HTTP status of a migcap error: 404 for what does not exist (or may not be seen), 401 without a
    valid login or token, 403 for a role that does not allow it, 409 for a conflict or a read-only (published)
    assessment, 429 after too many attempts, 503 for the store or something not ready yet, else 400."""
    from migcap.capacity.assessments import ReadOnlyError
    from migcap.errors import (
        ConflictError,
        NotAuthenticated,
        NotFound,
        NotReady,
        PermissionDenied,
        RateLimited,
    )

    if isinstance(exc,
                  UnknownAreaError | UnknownSchemeError | DataUnavailableError | EditionError | NotFound):
        return 404
    if isinstance(exc, NotAuthenticated):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConflictError | ReadOnlyError):
        return 409
    if isinstance(exc, RateLimited):
        return 429
    if isinstance(exc, StoreError | NotReady):
        return 503
    return 400


def allowed_methods(request: Request) -> str:
    """The ``Allow`` header of the request's path: the methods of *every* route there (a path may have a GET
    and a PUT route) and ``OPTIONS``; empty if no route has this path."""
    from fastapi.routing import iter_route_contexts

    root = str(request.scope.get("root_path", "") or "")
    path = str(request.scope["path"])
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and route.methods and regex.match(path):
            methods |= set(route.methods)
    return ", ".join(sorted(methods | {"OPTIONS"})) if methods else ""


def error_body(status: int, kind: str, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "type": kind, "message": message}}


def negotiate(request: Request, fmt: str | None) -> str:
    """``json``, ``csv`` or ``xlsx`` from ``?format=`` or else the ``Accept`` header."""
    if fmt:
        return fmt
    accept = request.headers.get("accept", "").lower()
    if "text/csv" in accept:
        return "csv"
    if XLSX in accept:
        return "xlsx"
    return "json"


def _slug(*parts: Any) -> str:
    text = "-".join(str(p) for p in parts if p not in (None, "", []))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:120] or "migcap"


def file_response(table: Table, fmt: str, name_parts: tuple[Any, ...]) -> Response:
    """The whole table as a CSV or Excel download."""
    from migcap.sheets import to_xlsx

    name = _slug("migcap", *name_parts)
    if fmt == "csv":
        return Response(table.to_csv().encode("utf-8"), media_type=CSV,
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(to_xlsx(table), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def paginate(n: int, page: int, per_page: int) -> tuple[int, int, int]:
    """``(start, stop, pages)`` of a page; a page past the last one is an error.

    >>> paginate(250, 3, 100)
    (200, 250, 3)
    """
    pages = max(1, math.ceil(n / per_page))
    if page > pages:
        raise DataUnavailableError(f"page {page} is past the last page ({pages})", hint=f"{n} rows, "
                                   f"{per_page} per page")
    start = (page - 1) * per_page
    return start, min(n, start + per_page), pages


def _page_url(request: Request, page: int) -> str:
    return str(request.url.include_query_params(page=page))


def page_envelope(request: Request, table: Table, page: int,
                  per_page: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The table's JSON form with one page of rows, and the ``Link`` headers."""
    start, stop, pages = paginate(len(table), page, per_page)
    d = (table if len(table) <= per_page else table.slice(start, stop)).to_dict()
    links: dict[str, str | None] = {
        "self": str(request.url),
        "next": _page_url(request, page + 1) if page < pages else None,
        "prev": _page_url(request, page - 1) if page > 1 else None,
        "csv": str(request.url.remove_query_params(["page", "per_page"]).include_query_params(format="csv")),
        "xlsx": str(request.url.remove_query_params(["page",
                                                     "per_page"]).include_query_params(format="xlsx")),
    }
    d.update(page=page, per_page=per_page, pages=pages, total_rows=len(table), links=links)
    header = ", ".join(f'<{u}>; rel="{r}"' for r, u in links.items() if u and r in ("next", "prev"))
    headers = {"X-Total-Count": str(len(table))}
    if header:
        headers["Link"] = header
    return d, headers


def table_response(request: Request, table: Table, *, fmt: str | None, page: int, per_page: int,
                   name_parts: tuple[Any, ...], extra: dict[str, Any] | None = None) -> Response:
    """A table as paginated JSON, or as a whole CSV or Excel file."""
    chosen = negotiate(request, fmt)
    if chosen in ("csv", "xlsx"):
        return file_response(table, chosen, name_parts)
    body, headers = page_envelope(request, table, page, per_page)
    if extra:
        body = {**extra, **body}
    return JsonResponse(body, headers=headers)
