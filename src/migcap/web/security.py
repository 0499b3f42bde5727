"""Sessions, CSRF protection, response headers and request limits of the signed-in part of the web app.

* **Sessions.** The cookie ``migcap_session`` (``__Host-migcap_session`` over HTTPS) holds a random
  session id; the database keeps its digest (:mod:`migcap.accounts.sessions`). The cookie is
  ``HttpOnly``, ``SameSite=Lax``, ``Path=/``, ``Secure`` behind TLS, and lasts as long as the
  browser (the server ends idle sessions). A new id is issued at every login.
* **CSRF.** Every form carries a token signed with the app's secret (itsdangerous) and bound to
  the session (or, before login, to a random ``migcap_anon`` cookie); every ``POST`` of a page is
  refused (403, nothing done) unless its token matches and, when the browser says where the
  request came from (``Origin``/``Referer``), it came from this site. Script requests send the
  token in ``X-CSRF-Token``. The API does not use cookies at all (bearer tokens), so it needs no
  CSRF token.
* **Headers.** Signed-in pages are ``Cache-Control: no-store`` and get a strict Content Security
  Policy — scripts and styles from the app only, no inline script, no ``eval`` (their charts are
  drawn on the server as SVG), no framing.
* **Limits.** :class:`BodyLimit` refuses request bodies over a limit (413) before they are read:
  uploads up to ``MIGCAP_WEB_UPLOAD_MAX_MB``, any other body up to 1 MB.
* **Known browsers.** A login sets ``migcap_device`` (``__Host-migcap_device`` over HTTPS), a signed
  ``(user, random id)`` kept 180 days: that browser's failed logins are counted for it alone, so that a
  stranger's five wrong passwords do not lock the owner out (:func:`migcap.accounts.sessions.login`).
* **The public address.** With ``MIGCAP_WEB_PUBLIC_URL`` set, :class:`PublicOrigin` refuses requests for
  another host (400) and makes every link, redirect and origin check use that address, never the
  request's ``Host`` header.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from migcap.errors import PermissionDenied

if TYPE_CHECKING:
    from migcap.accounts.principals import Principal
    from migcap.web.settings import WebSettings

__all__ = [
    "PRIVATE_CSP",
    "PRIVATE_PREFIXES",
    "BodyLimit",
    "CsrfError",
    "PublicOrigin",
    "Visitor",
    "check_csrf",
    "clear_session_cookie",
    "known_device",
    "load_secret",
    "private_headers",
    "remember_device",
    "set_session_cookie",
    "visitor",
]

SESSION_COOKIE = "migcap_session"
SECURE_SESSION_COOKIE = "__Host-migcap_session"
ANON_COOKIE = "migcap_anon"
DEVICE_COOKIE = "migcap_device"
SECURE_DEVICE_COOKIE = "__Host-migcap_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_MAX_AGE = 7 * 24 * 3600
#: Paths of the signed-in part: never kept in the response cache, always ``no-store``.
PRIVATE_PREFIXES = ("/assess", "/login", "/logout", "/invite", "/account", "/orgs", "/admin",
                    "/api/v1/assessments", "/api/v1/me")
PRIVATE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors "
               "'none'; form-action 'self'")
FORM_LIMIT = 1024 * 1024


class CsrfError(PermissionDenied):
    """A form or script request without a valid CSRF token, or from another site."""


def load_secret(settings: WebSettings) -> bytes:
    """The signing key: ``MIGCAP_WEB_SECRET_KEY``, or a random key kept in ``<data dir>/web-secret``
    (0600)."""
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    from migcap.config import get_settings

    path: Path = get_settings().data_dir / "web-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} does not hold a usable key; delete it and restart")
    return key.encode("utf-8")


def _serializer(request: Request) -> Any:
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(request.app.state.secret, salt="migcap-csrf")


def secure_request(request: Request) -> bool:
    mode = request.app.state.settings.secure_cookies
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def session_cookie_name(request: Request) -> str:
    return SECURE_SESSION_COOKIE if secure_request(request) else SESSION_COOKIE


@dataclass
class Visitor:
    """Who is asking (``principal`` is ``None`` before login), and the CSRF token of their forms."""

    principal: Principal | None
    session: str | None
    anon: str | None
    new_anon: bool
    csrf: str

    @property
    def user(self) -> Principal | None:
        return self.principal


def _binding(session: str | None, anon: str | None) -> str:
    raw = f"s:{session}" if session else f"a:{anon}"
    return hashlib.sha256(("migcap-csrf|" + raw).encode()).hexdigest()[:32]


def visitor(request: Request) -> Visitor:
    """The visitor of this request (looked up once per request)."""
    cached = getattr(request.state, "migcap_visitor", None)
    if cached is not None:
        return cached
    from migcap.accounts.sessions import principal_for_session

    token = request.cookies.get(session_cookie_name(request)) or request.cookies.get(SESSION_COOKIE)
    principal = principal_for_session(token,
                                      hours=request.app.state.settings.session_hours) if token else None
    session = token if principal is not None else None
    anon = request.cookies.get(ANON_COOKIE)
    new_anon = False
    if session is None and (not anon or len(anon) != 43):
        anon, new_anon = secrets.token_urlsafe(32), True
    csrf = _serializer(request).dumps(_binding(session, anon))
    v = Visitor(principal, session, anon, new_anon, csrf)
    request.state.migcap_visitor = v
    return v


def _same_origin(request: Request, value: str) -> bool:
    parts = urlsplit(value)
    return (parts.scheme, parts.netloc) == (request.url.scheme, request.url.netloc)


def check_csrf(request: Request, token: str | None) -> Visitor:
    """Refuse a page's ``POST`` without a valid token for this visitor, or coming from another site."""
    from itsdangerous import BadSignature, SignatureExpired

    origin = request.headers.get("origin")
    if origin and origin != "null" and not _same_origin(request, origin):
        raise CsrfError("this request came from another site and was refused (nothing was changed)")
    referer = request.headers.get("referer")
    if not origin and referer and not _same_origin(request, referer):
        raise CsrfError("this request came from another site and was refused (nothing was changed)")
    v = visitor(request)
    sent = token or request.headers.get(CSRF_HEADER) or ""
    try:
        ok = bool(sent) and (_serializer(request).loads(sent, max_age=CSRF_MAX_AGE)
                             == _binding(v.session, v.anon))
    except SignatureExpired:
        raise CsrfError("the form has expired (CSRF token too old); reload the page and try again — nothing "
                        "was changed") from None
    except BadSignature:
        ok = False
    if not ok:
        raise CsrfError("the form's security token is missing or wrong (CSRF check failed); "
                        "reload the page and try again — nothing was changed")
    return v


def private_headers(response: Response, request: Request | None = None) -> Response:
    """``no-store``, the strict CSP, and the anonymous CSRF cookie if this request made one."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = PRIVATE_CSP
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request is not None:
        if secure_request(request):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        v = getattr(request.state, "migcap_visitor", None)
        if v is not None and v.new_anon and v.anon:
            response.set_cookie(ANON_COOKIE, v.anon, httponly=True, samesite="lax",
                                secure=secure_request(request), path="/")
    return response


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(session_cookie_name(request), token, httponly=True, samesite="lax",
                        secure=secure_request(request), path="/")


def _device_serializer(request: Request) -> Any:
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(request.app.state.secret, salt="migcap-device")


def known_device(request: Request) -> tuple[str, str] | None:
    """``(user uid, device id)`` of this browser's signed device cookie, if it has a valid one."""
    from itsdangerous import BadSignature

    raw = request.cookies.get(SECURE_DEVICE_COOKIE if secure_request(request) else DEVICE_COOKIE) \
        or request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 400:
        return None
    try:
        value = _device_serializer(request).loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:  # also an expired one
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value):
        return value[0], value[1]
    return None


def remember_device(response: Response, request: Request, principal: Principal) -> None:
    """Mark this browser as one that logged in to the principal's account (kept for 180 days)."""
    known = known_device(request)
    device = known[1] if known is not None and known[0] == principal.uid else secrets.token_urlsafe(16)
    response.set_cookie(SECURE_DEVICE_COOKIE if secure_request(request) else DEVICE_COOKIE,
                        _device_serializer(request).dumps([principal.uid, device]), max_age=DEVICE_MAX_AGE,
                        httponly=True, samesite="lax", secure=secure_request(request), path="/")


def clear_session_cookie(response: Response, request: Request) -> None:
    for name in (SESSION_COOKIE, SECURE_SESSION_COOKIE):
        response.delete_cookie(name, path="/", secure=name.startswith("__Host-"), httponly=True,
                               samesite="lax")


class PublicOrigin:
    """Pure ASGI middleware for ``MIGCAP_WEB_PUBLIC_URL``: the site's one address.

    A request whose ``Host`` is not the public URL's is refused with 400 (except ``/healthz``, which load
    balancers ask by address); every other request is seen with the public URL's scheme and host, so that
    invitation, reset and API links, redirects, the CSRF origin check and ``Secure`` cookies follow the
    configured address — never a header that a client chose.
    """

    def __init__(self, app: ASGIApp, *, public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url)
        self.scheme = parts.scheme
        default = 443 if parts.scheme == "https" else 80
        port = parts.port or default
        host = parts.netloc.rsplit(":", 1)[0] if parts.port is not None else parts.netloc
        self.netloc = parts.netloc.encode("latin-1")
        self.server = (parts.hostname or "", port)
        self.accepted = {f"{host}:{port}".encode("latin-1"), self.netloc}
        if port == default:
            self.accepted.add(host.encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"host"]
        host = next((v for k, v in scope.get("headers") or [] if k == b"host"), b"").strip().lower()
        root = scope.get("root_path", "") or ""
        path = scope["path"]
        rel = path[len(root):] if root and path.startswith(root) else path
        if host not in self.accepted and rel != "/healthz":
            import json

            body = json.dumps({"error": {"status": 400, "type": "UnknownHost", "message":
                                         "this request names another host than the site's address "
                                         "(MIGCAP_WEB_PUBLIC_URL) and was refused"}}).encode()
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return
        scope = {**scope, "scheme": self.scheme, "server": self.server,
                 "headers": [*headers, (b"host", self.netloc)]}
        await self.app(scope, receive, send)


class BodyLimit:
    """Pure ASGI middleware: request bodies over a limit are refused with 413 before they are read.

    Upload endpoints (paths ending in ``/attachments`` or ``/import``) may send ``upload_bytes`` (plus
    room for the form around the file); anything else 1 MB. A body without ``Content-Length`` is
    counted as it arrives and cut off at the limit.
    """

    def __init__(self, app: ASGIApp, *, upload_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes

    def _limit(self, path: str) -> int:
        if path.endswith(("/attachments", "/import")):
            return self.upload_bytes + 64 * 1024
        return FORM_LIMIT

    async def _refuse(self, send: Send, limit: int) -> None:
        import json

        body = json.dumps({"error": {"status": 413, "type": "PayloadTooLarge", "message":
                                     f"the request is larger than {limit / 1e6:.1f} MB and was "
                                     "refused; nothing was stored"}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(send, limit)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if not started:
                await self._refuse(send, limit)


class _TooLarge(HTTPException):
    """Raised while a body is read (FastAPI passes HTTP exceptions through its body parsing)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request is larger than {limit / 1e6:.1f} MB and was refused; "
                              "nothing was stored")
