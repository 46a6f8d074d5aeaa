"""Server-side sessions at the web's edge: the cookie holds a random id, the row the rest.

`ServerSessions` replaces Starlette's signed-cookie sessions. For each request it finds the
session its cookie names (scrutiny.store.sessions), hands the views its data as
`request.session`, and when the response starts keeps what they changed and sets or
clears the cookie. Only signed-in visitors have a session: a stranger's visit writes
nothing to the database, and what a view puts in a stranger's `request.session` is
dropped (no page does).

A stranger's forms (signing in, setting a password) still need a CSRF token: they get a
random value in a second cookie, FORM_COOKIE, and the form carries its HMAC under the
service's secret key, so a cookie set by anyone else is useless without the key.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scrutiny.store.sessions import SESSION_HOURS, Session, find_session, keep_session

SESSION_COOKIE = "scrutiny_session"
FORM_COOKIE = "scrutiny_form"
STATE = "scrutiny.session"  # the request's SessionState, in the ASGI scope


@dataclass
class SessionState:
    """The visitor's session during one request, and what to tell the browser after it."""

    token: str | None  # the session cookie's value, as sent
    session: Session | None  # its session, if that is signed in and current
    secret: bytes
    form_nonce: str | None  # FORM_COOKIE's value, as sent
    set_cookie: bool = False  # a new session began: send its cookie
    clear_cookie: bool = False  # the session ended, or the cookie named none: clear it
    set_form_cookie: bool = False

    def form_token(self) -> str:
        """A stranger's CSRF token: the HMAC of their form cookie (made on first use)."""
        if self.form_nonce is None:
            self.form_nonce = secrets.token_urlsafe(32)
            self.set_form_cookie = True
        return self.form_token_for(self.form_nonce)

    def form_token_for(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()


def session_state(scope: Scope) -> SessionState:
    """The request's SessionState (ServerSessions put it in the scope)."""
    state: SessionState = scope[STATE]
    return state


class ServerSessions:
    """Finds each request's session, and keeps its changes when the response starts."""

    def __init__(self, app: ASGIApp, engine: Engine, secret: str, https: bool) -> None:
        self.app = app
        self.engine = engine
        self.secret = secret.encode()
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookies = HTTPConnection(scope).cookies
        token = cookies.get(SESSION_COOKIE) or None
        found = await run_in_threadpool(find_session, self.engine, token) if token else None
        state = SessionState(token, found, self.secret, cookies.get(FORM_COOKIE) or None)
        state.clear_cookie = token is not None and found is None
        scope[STATE] = state
        # A copy to the depth of its values, so a change made in place is seen as a change.
        scope["session"] = copy.deepcopy(found.data) if found else {}
        if found:
            scope.setdefault("state", {})["user_id"] = found.user_id  # for the access log

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                if state.session is not None:
                    await run_in_threadpool(
                        keep_session, self.engine, state.session, scope["session"]
                    )
                self._cookies(state, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, sending)

    def _cookies(self, state: SessionState, headers: MutableHeaders) -> None:
        flags = "; path=/; httponly; samesite=lax" + ("; secure" if self.https else "")
        if state.set_cookie and state.token:
            age = SESSION_HOURS * 3600
            headers.append("set-cookie", f"{SESSION_COOKIE}={state.token}; max-age={age}{flags}")
        elif state.clear_cookie:
            headers.append("set-cookie", f"{SESSION_COOKIE}=null; max-age=0{flags}")
        if state.set_form_cookie and state.form_nonce:
            headers.append("set-cookie", f"{FORM_COOKIE}={state.form_nonce}{flags}")
        if state.set_cookie or state.clear_cookie or state.set_form_cookie:
            headers["cache-control"] = "no-store"  # an answer that sets a cookie is no one else's


def new_session(scope: Scope, token: str, session: Session) -> None:
    """Make SESSION (with cookie value TOKEN) this request's, its cookie sent with the answer."""
    state = session_state(scope)
    state.token, state.session = token, session
    state.set_cookie, state.clear_cookie = True, False
    scope["session"] = {}
    scope.setdefault("state", {})["user_id"] = session.user_id


def no_session(scope: Scope) -> None:
    """This request's session has ended: its cookie is cleared with the answer."""
    state = session_state(scope)
    state.session = None
    state.set_cookie, state.clear_cookie = False, state.token is not None
    scope["session"] = {}
