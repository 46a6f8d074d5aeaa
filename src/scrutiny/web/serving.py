"""A guard for uvicorn's HTTP protocols; `scrutiny serve` names GuardedHttpTools.

uvicorn (0.55) closes an idle kept-alive connection, caps connections per worker and the
size of a request's headers, but has no deadline for the request line and headers
themselves: a client that sends half a request line and waits holds its connection for
as long as it likes (1,000 such connections were held for 60 s in the issue 16 test), and
enough of them exhaust the connection limit. `GuardedH11` is uvicorn's h11 protocol with
that deadline, SCRUTINY_HEADER_TIMEOUT from a connection's start or the end of its last
response, however the bytes trickle in. `GuardedHttpTools` is the same guard on
uvicorn's httptools protocol (a C parser: h11 parsing and framing in Python was a fifth
of a warm page's cost), which `scrutiny serve` uses. A slow body is the BodyLimit guard's
(SCRUTINY_BODY_TIMEOUT between two of its parts, web/security.py).

The deadline frees a held connection, but until then it counts against
SCRUTINY_MAX_CONNECTIONS, beyond which uvicorn answers everyone 503. So one address may
hold at most FRESH_PER_ADDRESS new connections that have not yet sent a whole request;
more from it are closed at once. Reverse proxies in SCRUTINY_TRUSTED_PROXIES are exempt
(every visitor arrives from them, and they send whole requests); connections kept alive
after a request do not count (browsers keep a few open).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from functools import cache
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from scrutiny.settings import Settings

FRESH_PER_ADDRESS = 50


@cache
def _settings() -> Settings:
    # Each worker process reads the settings once, as its create_app does.
    return Settings.from_env()


class HeaderDeadline:
    """The guard, for either protocol: closes a connection whose request line and headers
    have not all arrived within the header timeout. Each protocol says when a request's
    headers are all in (`_headers_in`)."""

    # New connections from each address still awaiting their first whole request, in
    # this worker (its event loop is one thread).
    fresh: ClassVar[Counter[str]] = Counter()
    client: tuple[str, int] | None
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = _settings()
        self.header_timeout = float(settings.header_timeout)
        self.exempt = {a.strip() for a in settings.trusted_proxies.split(",")}
        self._deadline: asyncio.TimerHandle | None = None
        self._before: object = None  # the request under way when the deadline was set
        self._fresh: str | None = None  # the address this connection counts under

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        address = self.client[0] if self.client else ""
        if address not in self.exempt and "*" not in self.exempt:
            if self.fresh[address] >= FRESH_PER_ADDRESS:
                transport.close()
                return
            self.fresh[address] += 1
            self._fresh = address
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        self._not_fresh()
        super().connection_lost(exc)  # type: ignore[misc]

    def _headers_in(self) -> None:
        """A new request's line and headers are all in: no deadline until it is answered."""
        self._cancel_deadline()
        self._not_fresh()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing() and not self._next_waiting():
            self._await_headers()  # for the next request on this connection
        super().on_response_complete()  # type: ignore[misc]

    def _next_waiting(self) -> bool:
        """Whether the next request's headers are already in (pipelined)."""
        return False

    def _await_headers(self) -> None:
        self._cancel_deadline()
        self._before = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _not_fresh(self) -> None:
        if self._fresh is not None:
            self.fresh[self._fresh] -= 1
            if not self.fresh[self._fresh]:
                del self.fresh[self._fresh]
            self._fresh = None

    def _headers_late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class GuardedH11(HeaderDeadline, H11Protocol):
    """uvicorn's h11 protocol with the header deadline."""

    def handle_events(self) -> None:
        super().handle_events()
        if self._deadline is not None and self.cycle is not self._before:
            self._headers_in()


class GuardedHttpTools(HeaderDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol with the header deadline."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._headers_in()

    def _next_waiting(self) -> bool:
        return bool(self.pipeline)
