"""Helpers of the signed-in pages: rendering with the user's context, redirects, and safe ``next`` links."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from migcap.errors import NotAuthenticated
from migcap.web.routes.pages import render, url
from migcap.web.security import private_headers, visitor

if TYPE_CHECKING:
    from migcap.accounts.principals import Principal

__all__ = ["MESSAGES", "json_error", "page", "redirect", "require_user", "safe_next", "wants_json"]

#: Notices shown after a redirect (``?msg=key``): fixed texts, never text from the request.
MESSAGES = {
    "logged-out": "You are logged out.",
    "welcome": "Welcome! You have joined the organisation.",
    "created": "The assessment was created. Work through it area by area; every change is saved as you go.",
    "published": "The assessment is published: it is now read-only and visible to everyone.",
    "saved": "Saved.",
    "password": "Your password was changed; your other sessions were ended.",
    "reset": "Your new password is set; every other session of yours was ended.",
    "revoked": "Revoked.",
    "role": "The role was changed.",
    "removed": "Removed.",
    "comment": "Your comment was added.",
    "attached": "The file was attached.",
    "detached": "The attachment was removed.",
    "sessions": "Every other session of yours was ended.",
}
_NEXT = re.compile(r"^/(?![/\\])[A-Za-z0-9/_\-.~%?=&#:+]*$")


def safe_next(value: str | None, default: str = "/assess") -> str:
    """A path inside this site to go to after login (never another site: no ``//host``, no scheme).

    >>> (safe_next("/assess/x?a=1"), safe_next("//evil.example/"), safe_next("https://evil.example"),
    ...  safe_next(None))
    ('/assess/x?a=1', '/assess', '/assess', '/assess')
    """
    if value and len(value) <= 500 and _NEXT.match(value) and "\\" not in value:
        return value
    return default


def require_user(request: Request) -> Principal:
    v = visitor(request)
    if v.principal is None:
        raise NotAuthenticated("log in to see this page")
    return v.principal


def page(request: Request, template: str, *, title: str, status: int = 200,
         headers: dict[str, str] | None = None, **ctx: Any) -> HTMLResponse:
    """A signed-in page: the user's menu, the CSRF token, ``no-store`` and the strict CSP."""
    v = visitor(request)
    msg = MESSAGES.get(request.query_params.get("msg", ""))
    resp = render(request, template, status=status, headers=headers, title=title, user=v.principal,
                  csrf=v.csrf, private=True, notice=ctx.pop("notice", None) or msg, **ctx)
    return private_headers(resp, request)  # type: ignore[return-value]


def redirect(request: Request, path: str, params: dict[str, Any] | None = None, *,
             fragment: str = "") -> Response:
    target = url(request, path, params) + (f"#{fragment}" if fragment else "")
    return private_headers(RedirectResponse(target, status_code=303), request)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def json_error(status: int, kind: str, message: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"error": {"status": status, "type": kind, "message": message}}
    body.update(extra)
    return private_headers(JSONResponse(body, status_code=status))
