"""Pages of accounts: log in and out, accept an invitation (or a password-reset link), your account and API
tokens, an organisation's members, invitations and reset links, and the site administrator's list of
organisations.

Every ``POST`` checks the CSRF token first (:func:`migcap.web.security.check_csrf`); nothing changes
otherwise. Who may manage an organisation's membership is decided by
:func:`migcap.accounts.organisations.standing` alone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import HTMLResponse, Response

from migcap.accounts import invitations, organisations, principals, sessions, tokens
from migcap.errors import (
    InputError,
    MigcapError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from migcap.web.routes.private import page, redirect, require_user, safe_next
from migcap.web.security import (
    check_csrf,
    clear_session_cookie,
    known_device,
    remember_device,
    set_session_cookie,
    visitor,
)

__all__ = ["make_account_pages"]

Text = Annotated[str, Form(max_length=2000)]
Secret = Annotated[str, Form(max_length=1100)]
Csrf = Annotated[str, Form(max_length=500)]
SlugP = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]
UidP = Annotated[str, Path(max_length=64, pattern=r"^[0-9a-f]{32}$")]
TokenP = Annotated[str, Path(max_length=200)]


def _client(request: Request) -> str:
    return (request.client.host if request.client else "") or "unknown"


def _start_session(request: Request, principal: principals.Principal, target: str) -> Response:
    token = sessions.create_session(principal.user_id, hours=request.app.state.settings.session_hours,
                                client=request.headers.get("user-agent", "")[:200])
    resp = redirect(request, target)
    set_session_cookie(resp, request, token)
    remember_device(resp, request, principal)
    return resp


def _link(request: Request, token: str) -> str:
    """The address of an invitation or reset link: the site's public address (``MIGCAP_WEB_PUBLIC_URL``: the
    request is then known to be for it) or, without one, the request's."""
    return str(request.base_url).rstrip("/") + f"/invite/{token}"


# ------------------------------------------------------------------------------------- login


def login_form(request: Request,
               next_: Annotated[str | None, Query(alias="next", max_length=500)] = None) -> Response:
    v = visitor(request)
    if v.principal is not None:
        return redirect(request, safe_next(next_))
    return page(request, "login.html", title="Log in", next=safe_next(next_), email="")


def login_submit(request: Request, email: Text = "", password: Secret = "", csrf_token: Csrf = "",
                 next_: Annotated[str, Form(alias="next", max_length=500)] = "/assess") -> Response:
    check_csrf(request, csrf_token)
    target = safe_next(next_)
    try:
        principal = sessions.login(email, password, client=_client(request), device=known_device(request))
    except RateLimited as exc:
        return page(request, "login.html", title="Log in", status=429,
                    headers={"Retry-After": str(exc.retry_after)},
                    next=target, email=email[:254], error=str(exc))
    except NotAuthenticated as exc:
        return page(request, "login.html", title="Log in", status=401, next=target, email=email[:254],
                    error=str(exc))
    sessions.end_session(visitor(request).session)
    return _start_session(request, principal, target)


def logout(request: Request, csrf_token: Csrf = "",
           everywhere: Annotated[str, Form(max_length=10)] = "") -> Response:
    v = check_csrf(request, csrf_token)
    sessions.end_session(v.session, everywhere=bool(everywhere))
    resp = redirect(request, "/login", {"msg": "logged-out"})
    clear_session_cookie(resp, request)
    return resp


# -------------------------------------------------------------------------------- invitations


def invite_form(request: Request, token: TokenP) -> Response:
    try:
        inv, has_account = invitations.invitation_info(token)
    except MigcapError as exc:
        return page(request, "invite.html", title="Invitation", status=400, error=str(exc), inv=None)
    return page(request, "invite.html", title="Invitation", inv=inv, has_account=has_account, token=token,
                roles=principals.NEEDS)


def invite_submit(request: Request, token: TokenP, csrf_token: Csrf = "", name: Text = "",
                  password: Secret = "", password2: Secret = "") -> Response:
    check_csrf(request, csrf_token)
    try:
        inv, has_account = invitations.invitation_info(token)
    except MigcapError as exc:
        return page(request, "invite.html", title="Invitation", status=400, error=str(exc), inv=None)
    try:
        if (inv.is_reset or not has_account) and password != password2:
            raise InputError("the two passwords differ")
        principal = invitations.accept_invitation(token, password=password, name=name,
                                                  client=_client(request), device=known_device(request))
    except RateLimited as exc:
        return page(request, "invite.html", title="Invitation", status=429, inv=inv, has_account=has_account,
                    token=token, error=str(exc), name=name[:200],
                    headers={"Retry-After": str(exc.retry_after)})
    except MigcapError as exc:
        status = 401 if isinstance(exc, NotAuthenticated) else 400
        return page(request, "invite.html", title="Invitation", status=status, inv=inv,
                    has_account=has_account, token=token, error=str(exc), name=name[:200])
    sessions.end_session(visitor(request).session)
    return _start_session(request, principal, "/account?msg=reset" if inv.is_reset else "/assess?msg=welcome")


# ------------------------------------------------------------------------------------ account


def account(request: Request) -> Response:
    user = require_user(request)
    return page(request, "account.html", title="Your account", tokens=tokens.list_api_tokens(user.user_id),
                new_token=None, error=None)


def change_password(request: Request, csrf_token: Csrf = "", old: Secret = "", new: Secret = "",
                    new2: Secret = "") -> Response:
    v = check_csrf(request, csrf_token)
    user = require_user(request)
    try:
        if new != new2:
            raise InputError("the two new passwords differ")
        sessions.change_password(user.user_id, old, new, keep_session=v.session)
    except MigcapError as exc:
        return page(request, "account.html", title="Your account", status=400,
                    tokens=tokens.list_api_tokens(user.user_id), new_token=None, error=str(exc))
    return redirect(request, "/account", {"msg": "password"})


def create_token(request: Request, csrf_token: Csrf = "", name: Text = "",
                 days: Annotated[str, Form(max_length=10)] = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    try:
        n_days = float(days) if days.strip() else None
        tok, secret = tokens.create_api_token(user.user_id, name, days=n_days)
    except ValueError:
        return page(request, "account.html", title="Your account", status=400,
                    tokens=tokens.list_api_tokens(user.user_id), new_token=None,
                    error="the validity must be a number of days")
    except MigcapError as exc:
        return page(request, "account.html", title="Your account", status=400,
                    tokens=tokens.list_api_tokens(user.user_id), new_token=None, error=str(exc))
    return page(request, "account.html", title="Your account", tokens=tokens.list_api_tokens(user.user_id),
                new_token=(tok, secret), error=None)


def revoke_token(request: Request, uid: UidP, csrf_token: Csrf = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    tokens.revoke_api_token(user.user_id, uid)
    return redirect(request, "/account", {"msg": "revoked"})


# ------------------------------------------------------------------------------- organisations


def _org_for(user: principals.Principal, slug: str) -> principals.Organisation:
    org = next((o for o in user.organisations.values() if o.slug == slug), None)
    if org is None and user.site_admin:
        try:
            org = organisations.get_organisation(slug)
        except NotFound:
            org = None
    if org is None:
        raise NotFound("no such organisation")
    return org


def _org_page(request: Request, user: principals.Principal, org: principals.Organisation, *,
              status: int = 200, error: str | None = None, link: str | None = None,
              reset: str | None = None) -> HTMLResponse:
    st = organisations.standing(org.id, user)
    return page(request, "org.html", title=org.name, status=status, org=org, standing=st,
                members=organisations.list_members(org.id, user) if st.role is not None else [],
                invitations=invitations.list_invitations(org.id, user) if st.manage else [],
                is_admin=st.manage == "admin", first_admin=st.manage == "first-admin",
                roles=principals.ROLES if st.manage == "admin" else ("admin",), needs=principals.NEEDS,
                role=st.role, error=error, link=link, reset=reset, kinds=organisations.KINDS)


def org_page(request: Request, slug: SlugP) -> Response:
    user = require_user(request)
    return _org_page(request, user, _org_for(user, slug))


def org_invite(request: Request, slug: SlugP, csrf_token: Csrf = "", email: Text = "",
               role: Annotated[str, Form(max_length=20)] = "viewer",
               days: Annotated[str, Form(max_length=10)] = "7") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    org = _org_for(user, slug)
    try:
        try:
            n_days = float(days)
        except ValueError:
            raise InputError("the validity must be a number of days", value=days) from None
        _inv, token = invitations.invite(org.id, email, role, by=user, days=n_days)
    except InputError as exc:
        return _org_page(request, user, org, status=400, error=str(exc))
    return _org_page(request, user, org, link=_link(request, token))


def org_reset(request: Request, slug: SlugP, uid: UidP, csrf_token: Csrf = "") -> Response:
    """A password-reset link for a member (shown once, for the admin to hand over)."""
    check_csrf(request, csrf_token)
    user = require_user(request)
    org = _org_for(user, slug)
    try:
        inv, token = invitations.reset_link(uid, by=user, organisation_id=org.id)
    except PermissionDenied as exc:
        return _org_page(request, user, org, status=403, error=str(exc))
    return _org_page(request, user, org, link=_link(request, token), reset=inv.email)


def org_revoke(request: Request, slug: SlugP, uid: UidP, csrf_token: Csrf = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    org = _org_for(user, slug)
    invitations.revoke_invitation(org.id, uid, by=user)
    return redirect(request, f"/orgs/{org.slug}", {"msg": "revoked"})


def org_role(request: Request, slug: SlugP, uid: UidP, csrf_token: Csrf = "",
             role: Annotated[str, Form(max_length=20)] = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    org = _org_for(user, slug)
    try:
        organisations.set_role(org.id, uid, role, by=user)
    except InputError as exc:
        return _org_page(request, user, org, status=400, error=str(exc))
    return redirect(request, f"/orgs/{org.slug}", {"msg": "role"})


def org_remove(request: Request, slug: SlugP, uid: UidP, csrf_token: Csrf = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    org = _org_for(user, slug)
    try:
        organisations.remove_member(org.id, uid, by=user)
    except InputError as exc:
        return _org_page(request, user, org, status=400, error=str(exc))
    return redirect(request, f"/orgs/{org.slug}", {"msg": "removed"})


# --------------------------------------------------------------------------------- site admin


def _site_admin(request: Request) -> principals.Principal:
    user = require_user(request)
    if not user.site_admin:
        raise NotFound("no page at /admin")
    return user


def admin_page(request: Request) -> Response:
    _site_admin(request)
    return page(request, "admin.html", title="Organisations", orgs=organisations.list_organisations(),
                kinds=organisations.KINDS)


def admin_create_org(request: Request, csrf_token: Csrf = "", name: Text = "",
                     kind: Annotated[str, Form(max_length=20)] = "state",
                     iso3: Annotated[str, Form(max_length=100)] = "") -> Response:
    check_csrf(request, csrf_token)
    _site_admin(request)
    try:
        org = organisations.create_organisation(name, kind=kind, iso3=iso3.strip() or None)
    except MigcapError as exc:
        return page(request, "admin.html", title="Organisations", status=400,
                    orgs=organisations.list_organisations(), kinds=organisations.KINDS, error=str(exc))
    return redirect(request, f"/orgs/{org.slug}")


def make_account_pages() -> APIRouter:
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    add = router.add_api_route
    add("/login", login_form, methods=["GET"], name="login")
    add("/login", login_submit, methods=["POST"])
    add("/logout", logout, methods=["POST"], name="logout")
    add("/invite/{token}", invite_form, methods=["GET"], name="invite")
    add("/invite/{token}", invite_submit, methods=["POST"])
    add("/account", account, methods=["GET"], name="account")
    add("/account/password", change_password, methods=["POST"])
    add("/account/tokens", create_token, methods=["POST"])
    add("/account/tokens/{uid}/revoke", revoke_token, methods=["POST"])
    add("/orgs/{slug}", org_page, methods=["GET"], name="org")
    add("/orgs/{slug}/invitations", org_invite, methods=["POST"])
    add("/orgs/{slug}/invitations/{uid}/revoke", org_revoke, methods=["POST"])
    add("/orgs/{slug}/members/{uid}/role", org_role, methods=["POST"])
    add("/orgs/{slug}/members/{uid}/remove", org_remove, methods=["POST"])
    add("/orgs/{slug}/members/{uid}/reset", org_reset, methods=["POST"])
    add("/admin", admin_page, methods=["GET"], name="admin")
    add("/admin/orgs", admin_create_org, methods=["POST"])
    return router
