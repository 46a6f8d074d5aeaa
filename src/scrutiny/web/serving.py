"""A guard for uvicorn, which `scrutiny serve` names as its HTTP protocol.

uvicorn (0.55) closes an idle kept-alive connection, caps connections per worker and the
size of a request's headers, but has no deadline for the request line and headers
themselves: a client that sends half a request line and waits holds its connection for
as long as it likes (1,000 such connections were held for 60 s in the issue 16 test), and
enough of them exhaust the connection limit. `GuardedH11` is uvicorn's h11 protocol with
that deadline, SCRUTINY_HEADER_TIMEOUT from a connection's start or the end of its last
response, however the bytes trickle in. A slow body is the BodyLimit guard's
(SCRUTINY_BODY_TIMEOUT between two of its parts, web/security.py).
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from scrutiny.settings import Settings


@cache
def _header_timeout() -> float:
    # Each worker process reads the settings once, as its create_app does.
    return float(Settings.from_env().header_timeout)


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request line and headers have
    not all arrived within the header timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = _header_timeout()
        self._deadline: asyncio.TimerHandle | None = None
        self._before: object = None  # the request under way when the deadline was set

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self._deadline is not None and self.cycle is not self._before:
            self._cancel_deadline()  # a new request's headers are all in

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._await_headers()  # for the next request on this connection
        super().on_response_complete()

    def _await_headers(self) -> None:
        self._cancel_deadline()
        self._before = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
