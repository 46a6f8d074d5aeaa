"""Who is asking, and may they: sessions, roles, API tokens, CSRF and security headers.

Every view declares what it needs with one of the dependencies here, so the access rules
are in one place and the access-control test can check each route against each role:
- `signed_in`: any account; `role_in(...)`: one of some roles;
- `authority_reader(code)` / `authority_writer(code)`: the account may read or change
  that authority's non-public data (council roles only ever their own authority);
- `api_user`: an API token (`Authorization: Bearer ...`), narrowed to its one authority.
HTML forms carry a per-session CSRF token, checked on every POST by `csrf_protect`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scrutiny.store.accounts import Role, TokenUser, User, get_user, user_for_token

CSRF_FIELD = "csrf_token"

# Scripts and styles only from our own origin: no inline script, no eval. Charts are
# images (data: URIs) until vega-embed, loaded from /static, replaces them.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Adds the security headers to every response (HSTS only when served over HTTPS), and
    `Cache-Control: no-store` to every answer to a request carrying the session cookie
    SESSION_COOKIE, so no browser or proxy keeps a signed-in page."""

    def __init__(self, app: ASGIApp, https: bool = False, session_cookie: str = "") -> None:
        self.app = app
        self.headers = [*HEADERS, HSTS] if https else HEADERS
        self.session_cookie = session_cookie.encode() + b"="

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = b";".join(v for k, v in scope.get("headers", []) if k == b"cookie")
        private = self.session_cookie != b"=" and self.session_cookie in cookies

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                # A response may narrow the policy for itself (report_page does, to allow
                # the exact stylesheets of a report); otherwise it gets the site's.
                own = any(name.lower() == b"content-security-policy" for name, _ in headers)
                extra = [h for h in self.headers if not (own and h[0] == HEADERS[0][0])]
                if private:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*headers, *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def session_user(request: Request) -> User | None:
    """The signed-in user, or None (an account switched off since sign-in counts as none)."""
    if "user" in request.state._state:
        user: User | None = request.state.user
        return user
    user_id = request.session.get("user_id")
    user = get_user(request.app.state.engine, user_id) if isinstance(user_id, int) else None
    if user_id is not None and user is None:
        request.session.clear()
    request.state.user = user
    return user


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for USER (a new CSRF token too, against session fixation)."""
    request.session.clear()
    request.session["user_id"] = user.id
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    request.state.user = user


def sign_out(request: Request) -> None:
    request.session.clear()
    request.state.user = None


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Refuse a form POST whose csrf_token does not match the session's (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise HTTPException(403, "The form had expired or was not sent from this service")


def signed_in(request: Request) -> User:
    """Any signed-in account; anonymous requests go to the sign-in page."""
    user = session_user(request)
    if user is None:
        raise HTTPException(401)
    return user


def role_in(*roles: Role) -> Callable[..., User]:
    """A dependency: the signed-in user, who must have one of ROLES (403 otherwise)."""

    def check(user: User = Depends(signed_in)) -> User:
        if user.role not in roles:
            raise HTTPException(403)
        return user

    return check


def authority_reader(code: str, user: User = Depends(signed_in)) -> User:
    """The user, who may read authority CODE's non-public data."""
    if not user.may_read(code):
        raise HTTPException(403)
    return user


def authority_writer(code: str, user: User = Depends(signed_in)) -> User:
    """The user, who may change authority CODE's data (its officers and admins)."""
    if not user.may_change(code):
        raise HTTPException(403)
    return user


def api_user(request: Request) -> TokenUser:
    """The account behind the request's bearer token (401 without a working one)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    found = (
        user_for_token(request.app.state.engine, token.strip())
        if scheme.lower() == "bearer" and token
        else None
    )
    if found is None:
        raise HTTPException(
            401,
            "Send a working API token: Authorization: Bearer scr_...",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user_id = found.user.id  # for the access log
    return found


def context_user(request: Request) -> dict[str, Any]:
    """What every template gets about the visitor."""
    return {"user": session_user(request), "csrf_token": lambda: csrf_token(request)}


class BodyLimit:
    """Refuses a request whose declared body is larger than LIMIT bytes (413), before any
    of it is read: the CSRF check reads whole forms, uploads included."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if length.isdigit() and int(length) > self.limit:
                response = PlainTextResponse(
                    f"The file is too large: the limit is {self.limit // 1_000_000:,} MB.",
                    status_code=413,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def report_page(html: str) -> HTMLResponse:
    """A report as a web page. Reports carry their stylesheet inline, so that the same
    file works printed, saved and as PDF; the site's policy allows exactly those
    stylesheets, by hash, and nothing else inline."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in STYLE_BLOCK.findall(html)
    )
    policy = CSP.replace("style-src 'self'", f"style-src 'self' {hashes}".rstrip())
    return HTMLResponse(html, headers={"content-security-policy": policy})
