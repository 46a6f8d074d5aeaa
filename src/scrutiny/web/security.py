"""Who is asking, and may they: sessions, roles, API tokens, CSRF and security headers.

Every view declares what it needs with one of the dependencies here, so the access rules
are in one place and the access-control test can check each route against each role:
- `signed_in`: any account; `role_in(...)`: one of some roles;
- `authority_reader` / `authority_writer`: the account may read or change the non-public
  data of the authority in the address's {code} (council roles only their own authority);
- `api_user`: an API token (`Authorization: Bearer ...`), narrowed to its one authority.
Each of them needs nothing but the request, so `AskFirst` routes run them before a byte
of a POST's body is read: a stranger's 300 MB upload is refused without being received.
HTML forms carry a per-session CSRF token (a stranger's is tied to a cookie, see
web/sessions.py), checked on every POST by `csrf_protect` once the visitor is known.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypedDict, TypeVar

from fastapi import HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scrutiny.core.formatting import file_size
from scrutiny.store.accounts import (
    Role,
    TokenUser,
    User,
    get_user,
    ombudsman_for_token,
    user_for_token,
)
from scrutiny.store.sessions import end_session, start_session
from scrutiny.web.sessions import SESSION_COOKIE, new_session, no_session, session_state


class FormLimits(TypedDict, total=False):
    """Starlette's limits on parsing one form (FastAPI's form_limits take the same)."""

    max_files: int
    max_fields: int
    max_part_size: int


CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"  # for a script's POST: the same token, without a form to parse
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# What one form may hold. One file (an upload); the largest text field is an evidence
# note of a few thousand characters. Starlette's defaults allow 1,000 of each.
FORM_LIMITS: FormLimits = {"max_files": 1, "max_fields": 50, "max_part_size": 1_000_000}
# A visitor with neither a session nor an API token may send only a small form: the
# sign-in and set-a-password forms are well under a kilobyte.
ANONYMOUS_BODY_LIMIT = 64 * 1024

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
    `Cache-Control: no-store` to every answer to a request carrying the session cookie,
    so no browser or proxy keeps a signed-in page."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.headers = [*HEADERS, HSTS] if https else HEADERS
        self.session_cookie = SESSION_COOKIE.encode() + b"="

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = b";".join(v for k, v in scope.get("headers", []) if k == b"cookie")
        private = self.session_cookie in cookies

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
    session = session_state(request.scope).session
    user = get_user(request.app.state.engine, session.user_id) if session else None
    request.state.user = user
    return user


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for USER, with its own CSRF token, ending the one the visitor
    had (against session fixation)."""
    engine = request.app.state.engine
    state = session_state(request.scope)
    if state.token:
        end_session(engine, state.token)
    token, session = start_session(engine, user.id)
    new_session(request.scope, token, session)
    request.state.user = user


def sign_out(request: Request) -> None:
    """End the visitor's session: its row is deleted, so a copy of the cookie stops too."""
    state = session_state(request.scope)
    if state.token:
        end_session(request.app.state.engine, state.token)
    no_session(request.scope)
    request.state.user = None


def csrf_token(request: Request) -> str:
    """The token this visitor's forms carry: the session's, or a stranger's form token."""
    state = session_state(request.scope)
    return state.session.csrf_token if state.session else state.form_token()


async def csrf_protect(request: Request) -> None:
    """Refuse a POST whose CSRF token (the X-CSRF-Token header or the form's csrf_token)
    does not match the visitor's (403). On an AskFirst route the visitor has been checked
    by now, so only someone allowed to post here has their form read."""
    if request.method in SAFE_METHODS:
        return
    state = session_state(request.scope)
    if state.session:
        expected: str | None = state.session.csrf_token
    else:
        expected = state.form_token_for(state.form_nonce) if state.form_nonce else None
    sent: Any = request.headers.get(CSRF_HEADER)
    if sent is None and expected is not None:
        form = await request.form(**FORM_LIMITS)
        sent = form.get(CSRF_FIELD)
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise HTTPException(403, "The form had expired or was not sent from this service")


ACCESS_CHECKS: set[Callable[[Request], object]] = set()
Check = TypeVar("Check", bound=Callable[[Request], object])


def access_check(check: Check) -> Check:
    """Mark CHECK as a check of who is asking, that AskFirst routes run before the body."""
    ACCESS_CHECKS.add(check)
    return check


@access_check
def signed_in(request: Request) -> User:
    """Any signed-in account; anonymous requests go to the sign-in page."""
    user = session_user(request)
    if user is None:
        raise HTTPException(401)
    return user


def role_in(*roles: Role) -> Callable[[Request], User]:
    """A dependency: the signed-in user, who must have one of ROLES (403 otherwise)."""

    @access_check
    def check(request: Request) -> User:
        user = signed_in(request)
        if user.role not in roles:
            raise HTTPException(403)
        return user

    return check


@access_check
def authority_reader(request: Request) -> User:
    """The user, who may read the non-public data of the authority in the address."""
    user = signed_in(request)
    if not user.may_read(request.path_params.get("code", "")):
        raise HTTPException(403)
    return user


@access_check
def authority_writer(request: Request) -> User:
    """The user, who may change the data of the authority in the address (its officers
    and admins)."""
    user = signed_in(request)
    if not user.may_change(request.path_params.get("code", "")):
        raise HTTPException(403)
    return user


def authority_role(*roles: Role) -> Callable[[Request], User]:
    """A dependency: the signed-in user, an admin or one of ROLES of the authority in the
    address (403 otherwise): for what only some of a council's own people may do."""

    @access_check
    def check(request: Request) -> User:
        user = signed_in(request)
        own = user.role in roles and user.authority_code == request.path_params.get("code")
        if not (own or user.role == "admin"):
            raise HTTPException(403)
        return user

    return check


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


_NO_TOKEN = "Send a working API token: Authorization: Bearer scr_..."


@access_check
def api_user(request: Request) -> TokenUser:
    """The account behind the request's council bearer token (401 without a working one,
    403 for an Ombudsman token, which is not a council's)."""
    if "token_user" in request.state._state:
        known: TokenUser = request.state.token_user
        return known
    token = _bearer(request)
    found = user_for_token(request.app.state.engine, token) if token else None
    if found is None:
        if token and ombudsman_for_token(request.app.state.engine, token):
            raise HTTPException(403, "This is an Ombudsman token: send a council's token")
        raise HTTPException(401, _NO_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    request.state.user_id = found.user.id  # for the access log
    request.state.token_user = found
    return found


@access_check
def ombudsman_api_user(request: Request) -> User:
    """The Ombudsman account behind the request's Ombudsman bearer token (401 without a
    working token, 403 for a council's)."""
    token = _bearer(request)
    engine = request.app.state.engine
    found = ombudsman_for_token(engine, token) if token else None
    if found is None:
        if token and user_for_token(engine, token):
            raise HTTPException(403, "This endpoint is the Ombudsman's: send an Ombudsman token")
        raise HTTPException(401, _NO_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    request.state.user_id = found.id  # for the access log
    return found


def _access_checks(dependant: Dependant) -> Iterator[Callable[[Request], object]]:
    """The access checks among DEPENDANT's dependencies, however deep, each once."""
    for sub in dependant.dependencies:
        if sub.call in ACCESS_CHECKS:
            yield sub.call
        yield from _access_checks(sub)


class AskFirst(APIRoute):
    """A route that checks who is asking before it reads a POST's body.

    FastAPI reads a route's form before it runs the route's dependencies, so a stranger's
    upload would be received, and spooled to disk, before the 401. Here the route's
    access checks (the dependencies marked with access_check) run first, from the request
    line and headers alone; they run again, cached, with the rest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        checks = list(dict.fromkeys(_access_checks(self.dependant)))
        if not checks:
            return handler

        async def ask_first(request: Request) -> Response:
            if request.method not in SAFE_METHODS:
                for check in checks:
                    await run_in_threadpool(check, request)
            return await handler(request)

        return ask_first


def context_user(request: Request) -> dict[str, Any]:
    """What every template gets about the visitor."""
    return {"user": session_user(request), "csrf_token": lambda: csrf_token(request)}


class BodyLimit:
    """Refuses a request body larger than LIMIT bytes (ANONYMOUS_BODY_LIMIT from a visitor
    with neither a session nor an API token) with 413: at once when its Content-Length says
    so, else as soon as the bytes received pass the limit, chunked bodies included; the
    rest is never read. A body whose next part takes longer than TIMEOUT seconds to come
    is answered 408."""

    def __init__(self, app: ASGIApp, limit: int, timeout: float = 30) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        known = session_state(scope).session is not None or b"authorization" in headers
        limit = self.limit if known else ANONYMOUS_BODY_LIMIT
        message = f"The file is too large: the limit is {file_size(limit)}."
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > limit:
            await PlainTextResponse(message, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            try:
                got = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                raise HTTPException(408, "The request took too long to arrive") from None
            if got["type"] == "http.request":
                received += len(got.get("body", b""))
                if received > limit:
                    raise HTTPException(413, message)
            return got

        await self.app(scope, counted, send)


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
