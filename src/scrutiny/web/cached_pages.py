"""Public pages already made for this data version, served before routing.

A council's page or the national overview is rendered once per data version, address and
kind of visitor and kept in the DataCache (`cached_page` in web/requests.py). Finding it
there takes microseconds; reaching it through FastAPI's routing, its dependencies and a
worker thread took most of a warm request's time. `CachedPages` looks first: a stranger's
GET whose page is kept for the current version is answered with the kept bytes at once.
Anything else (a signed-in visitor, a page not yet made, an error, a write) goes on to
the views as before, which make and keep the page.

It sits inside the session, security-header, HEAD and access-log middleware, so a kept
page gets every header a made one does, and the access log names the route that made it.
A page is only ever kept by its view, after the view's own checks for that address and
query passed, and only strangers' pages are served here: nothing a view would refuse can
be answered from the cache.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scrutiny.web.cache import VERSION_STATE, DataCache, Page
from scrutiny.web.sessions import session_state

ROUTES_KEPT = 4096  # addresses whose route is remembered, at most (cleared past it)
HTML = b"text/html; charset=utf-8"


class CachedPages:
    """Answers a stranger's GET from the kept page for the current data version, if any."""

    def __init__(self, app: ASGIApp, cache: DataCache) -> None:
        self.app = app
        self.cache = cache
        # The route that made the page at each address, for the access log (the router
        # puts it in the scope; a kept page is answered without the router).
        self.routes: dict[str, object] = {}
        self.served = 0  # pages answered from the cache here, in this process

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or session_state(scope).session is not None  # signed in: pages differ by role
        ):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        key = Page.of(scope, None)
        route = self.routes.get(key.path)
        if route is not None:  # an address whose pages are kept: look for this one
            version = await run_in_threadpool(self.cache.version, "figures")
            state[VERSION_STATE["figures"]] = version  # the view reads it here, once
            body = self.cache.peek(key, version)
            if body is not None:
                scope["route"] = route
                self.served += 1
                await self._send(body, send)
                return
        await self.app(scope, receive, send)
        version = state.get(VERSION_STATE["figures"])
        if (
            route is None
            and scope.get("route") is not None
            and isinstance(version, int)
            and self.cache.peek(key, version) is not None
        ):
            if len(self.routes) >= ROUTES_KEPT:
                self.routes.clear()
            self.routes[key.path] = scope["route"]

    @staticmethod
    async def _send(body: bytes, send: Send) -> None:
        """BODY as the view's HTMLResponse sends it (the outer middleware add the rest)."""
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", HTML)]
        start: Message = {"type": "http.response.start", "status": 200, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})
