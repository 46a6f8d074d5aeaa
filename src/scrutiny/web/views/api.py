"""The JSON API under /api/v1, described by OpenAPI at /api/v1/openapi.json.

Public data (councils, indicators, benchmarks, funnels, recommendations) needs no token;
a council's early-warning signals and returns need an API token scoped to that council.
Evidence, its files, follow-up and draft recommendations are sent with a council's token;
the Ombudsman's side of evidence and drafts needs an Ombudsman token.
Lists are paged (page, page_size up to 500, with the total and the next page's address)
and some also come as CSV (format=csv).
"""

from fastapi import APIRouter

from scrutiny.web.views import (
    api_council,
    api_drafts,
    api_evidence,
    api_evidence_files,
    api_follow_up,
    api_public,
)

router = APIRouter(prefix="/api/v1")
router.include_router(api_public.router)
router.include_router(api_council.router)
router.include_router(api_evidence_files.router)
router.include_router(api_evidence.router)
router.include_router(api_follow_up.router)
router.include_router(api_drafts.router)
