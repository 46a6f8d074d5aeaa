"""The app factory: one FastAPI app per Settings, with its engine, templates and guards."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scrutiny.core.errors import (
    Conflict,
    Invalid,
    NotFound,
    Refused,
    ScrutinyError,
    Unavailable,
)
from scrutiny.core.log import configure_logging
from scrutiny.core.serving import check_serving
from scrutiny.measures.coverage import read_coverage
from scrutiny.settings import Settings
from scrutiny.store.db import make_engine
from scrutiny.web.access_log import AccessLog
from scrutiny.web.cache import DataCache, ReturnCoverage
from scrutiny.web.cached_pages import CachedPages
from scrutiny.web.pages import STATIC, render
from scrutiny.web.security import FORM_LIMITS, BodyLimit, SecurityHeaders
from scrutiny.web.sessions import ServerSessions


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web service for SETTINGS (default: from the environment)."""
    from scrutiny.web.views import ROUTERS

    settings = settings or Settings.from_env()
    check_serving(secret_key=settings.secret_key, https=settings.https)
    configure_logging(settings.log_format)
    app = FastAPI(
        title="scrutiny",
        version="1",
        description="Complaint-handling performance of English councils: open data, "
        "benchmarks, Ombudsman recommendations and returns. Public data needs no token; "
        "submitting a return needs an API token scoped to one authority "
        "(`Authorization: Bearer scr_...`).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # our own page at /api/v1/docs: Swagger UI needs a CDN and inline script
        redoc_url=None,
        lifespan=_lifespan,
        form_limits=FORM_LIMITS,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.cache = DataCache(app.state.engine)
    # Innermost: a stranger's page already made for this data version, sent at once.
    app.add_middleware(CachedPages, cache=app.state.cache)
    # Room for the form around the largest file a return may be.
    app.add_middleware(
        BodyLimit, limit=settings.max_file_bytes + 1_000_000, timeout=settings.body_timeout
    )
    app.add_middleware(SecurityHeaders, https=settings.https)
    app.add_middleware(HeadAsGet)
    app.add_middleware(
        ServerSessions,
        engine=app.state.engine,
        # Signs strangers' form tokens; sessions themselves are rows, not signed cookies.
        secret=settings.secret_key or secrets.token_urlsafe(32),
        https=settings.https,
    )
    app.add_middleware(DataUpTo, last_day=lambda: _last_day(app))
    # Outermost, so its duration covers everything and every response gets the request id.
    app.add_middleware(AccessLog)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    for router in ROUTERS:
        # Only the JSON API belongs in the OpenAPI description, not the HTML pages.
        app.include_router(router, include_in_schema=router.prefix == "/api/v1")
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    for kind in ERROR_STATUS:
        app.add_exception_handler(kind, _scrutiny_error)  # type: ignore[arg-type]
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    # Finish any background refresh, then close the pooled database connections.
    app.state.cache.close()
    app.state.engine.dispose()


logger = logging.getLogger(__name__)

ERROR_PAGES = {
    401: ("You need to sign in", "Sign in to see this page."),
    403: ("You cannot see this page", "Your account does not give access to this page."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Page not found", "This address does not accept that kind of request."),
    408: ("The request took too long", ""),
    409: ("That would change what is stored", ""),
    413: ("The file is too large", ""),
}


# Each kind of ScrutinyError as the status it answers with, wherever a view raises it:
# a view only catches an error to say something more particular.
ERROR_STATUS: dict[type[ScrutinyError], int] = {
    NotFound: 404,
    Invalid: 400,
    Refused: 403,
    Conflict: 409,
    Unavailable: 503,
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    if _wants_json(request):
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=error.headers
        )
    if error.status_code == 401:
        return Response(
            status_code=303, headers={"Location": f"/sign-in?next={quote(request.url.path)}"}
        )
    title, hint = ERROR_PAGES.get(error.status_code, ("Sorry, there is a problem", ""))
    shown = error.status_code in (400, 408, 413) and isinstance(error.detail, str)
    detail = error.detail if shown else hint
    return render(
        request,
        "error.html",
        {"title": title, "detail": detail},
        status_code=error.status_code,
    )


async def _scrutiny_error(request: Request, error: ScrutinyError) -> Response:
    """The error page or JSON answer for a ScrutinyError, as if the view had raised it as HTTP."""
    status = next(code for kind, code in ERROR_STATUS.items() if isinstance(error, kind))
    if _wants_json(request) or status == 401:
        return await _http_error(request, StarletteHTTPException(status, str(error)))
    # A ScrutinyError's message is written for the person reading it: show it.
    title, _ = ERROR_PAGES.get(status, ("Sorry, there is a problem", ""))
    return render(request, "error.html", {"title": title, "detail": str(error)}, status_code=status)


async def _invalid_request(request: Request, error: RequestValidationError) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": jsonable_encoder(error.errors())}, status_code=422)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors()
    )
    return render(
        request,
        "error.html",
        {"title": "Sorry, there is a problem", "detail": f"Check the address: {problems}."},
        status_code=400,
    )


def _last_day(app: FastAPI) -> date | None:
    """The last day the councils' current returns cover (cached until the data changes);
    None, so no header, when the database cannot say (it has no tables yet): the answer
    itself must not fail for want of its header."""
    cache: DataCache = app.state.cache
    try:
        coverage = cache.get(ReturnCoverage(), lambda: read_coverage(app.state.engine))
    except DBAPIError:
        logger.warning("Data-Up-To left out: the database cannot be read", exc_info=True)
        return None
    return coverage.last_day


class DataUpTo:
    """Every API response says what the data runs up to: a `Data-Up-To` header holding
    the last day the councils' returns cover (ISO 8601), as the pages say it in words."""

    def __init__(self, app: ASGIApp, last_day: Callable[[], date | None]) -> None:
        self.app = app
        self.last_day = last_day

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        last = await run_in_threadpool(self.last_day)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and last is not None:
                headers = list(message.get("headers", []))
                headers.append((b"data-up-to", last.isoformat().encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class HeadAsGet:
    """Answers HEAD for every page as GET would, without the body (HTTP says a server
    answering GET should answer HEAD; monitoring and link checkers use it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
