"""The access log: one line a request, and an X-Request-ID header to quote back.

A line carries the route's template (/council/{code}/returns), never the address asked
for: addresses carry query values, and a log should not keep what people searched for.
Nor does it carry form data or anything about the visitor but their user id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

HEADER = b"x-request-id"
# A request id from a proxy in front of the service is kept, so the two logs join up,
# when it looks like an id; anything else is replaced rather than written to the log.
GIVEN_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")


def request_id(scope: Scope) -> str:
    """The proxy's request id when it sent a plausible one, else a new one."""
    given = dict(scope["headers"]).get(HEADER, b"")
    return given.decode() if GIVEN_ID.match(given) else uuid.uuid4().hex


def route_template(scope: Scope) -> str | None:
    """The template of the route that answered (/council/{code}/returns), None if none did."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not isinstance(template, str):
        return None
    if isinstance(route, Mount):  # mounts sit at the top: their template is whole
        return template
    # A route in an included router knows its path below the router's prefix only; the
    # prefix (which has no parameters here) is the address's leading segments.
    address, below = scope["path"].split("/"), template.split("/")
    prefix = len(address) - len(below)
    return "/".join(address[: prefix + 1]) + template if prefix > 0 else template


def user_id(scope: Scope) -> int | None:
    """The id of whoever made the request: an API token's account or the session's (both
    note it in the request's state)."""
    state: dict[str, Any] = scope.get("state") or {}
    found = state.get("user_id")
    return found if isinstance(found, int) else None


class AccessLog:
    """Logs each HTTP request when its response has been sent, and tags it with an id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        status = 500  # unless a response starts: an error the app did not handle

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            route = route_template(scope)
            logger.info(
                "%s %s %s",
                scope["method"],
                route or "(no route)",
                status,
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user_id(scope),
                },
            )
