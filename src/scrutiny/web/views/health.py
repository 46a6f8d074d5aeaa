"""Health checks for load balancers and orchestrators: `/healthz` and `/readyz`.

No sign-in and never cached. `/healthz` says only that this process answers, touching
nothing; `/readyz` says whether the database is reachable and at the newest migration
(scrutiny.store.health), 503 with the reason when not.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from scrutiny.store.health import check_readiness
from scrutiny.web.security import AskFirst

router = APIRouter(route_class=AskFirst)

NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is up (async: answered even while every worker thread is busy)."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """200 with the database's migration when the service can use its database, else 503."""
    readiness = check_readiness(request.app.state.engine)
    return JSONResponse(
        readiness.to_json(), status_code=200 if readiness.ready else 503, headers=NO_STORE
    )
