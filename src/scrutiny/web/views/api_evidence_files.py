"""The API for files attached to evidence, with a council's API token: list, upload, download.

A council's token reaches only its own council's evidence and files (an Ombudsman token,
under /ombudsman/, reaches every council's): another council's evidence or
file is answered 404, as if it did not exist. The same checks as the web form apply
(scrutiny.recommendations.evidence_files), and every upload and download is in the audit
log under the token's account.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from scrutiny.recommendations.evidence_file_types import EvidenceFileRefused, allowed_description
from scrutiny.recommendations.evidence_files import (
    EvidenceFile,
    attach_file,
    list_evidence_files,
    read_file,
)
from scrutiny.store.accounts import TokenUser, User
from scrutiny.web.api_common import RecordId, refuse
from scrutiny.web.api_models import EvidenceFileRecord
from scrutiny.web.downloads import attachment
from scrutiny.web.security import AskFirst, api_user, ombudsman_api_user

router = APIRouter(route_class=AskFirst)
COUNCIL = "evidence files (council token)"
FILE_HELP = f"The file: {allowed_description()}"
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No working API token"},
    404: {"description": "No such evidence or file for the token's council"},
}


def _record(request: Request, found: EvidenceFile, ombudsman: bool = False) -> dict[str, Any]:
    route = "api_ombudsman_evidence_file" if ombudsman else "api_evidence_file"
    download = None if found.withdrawn else str(request.url_for(route, file_id=found.id))
    return EvidenceFileRecord.model_validate(
        {**asdict(found), "withdrawn": found.withdrawn, "download": download}
    ).model_dump(mode="json")


def _by(token: TokenUser) -> str:
    return f"{token.user.email} (API token {token.token_id})"


@router.get(
    "/evidence-files", response_model=list[EvidenceFileRecord], responses=ERRORS, tags=[COUNCIL]
)
def api_evidence_files(
    request: Request, token: TokenUser = Depends(api_user)
) -> list[dict[str, Any]]:
    """Every file attached to the token's council's evidence, oldest first, withdrawn ones
    included (marked)."""
    found = list_evidence_files(request.app.state.engine, authority_code=token.authority_code)
    return [_record(request, f) for f in found]


@router.post(
    "/evidence/{evidence_id}/files",
    response_model=EvidenceFileRecord,
    tags=[COUNCIL],
    status_code=201,
    responses={
        **ERRORS,
        413: {"description": "The file is larger than the evidence_file_bytes setting"},
        422: {
            "description": "The file is not a kind that may be attached, its name disagrees "
            "with its content, or the evidence was already checked; nothing stored"
        },
    },
)
def api_attach_evidence_file(
    request: Request,
    evidence_id: RecordId,
    file: UploadFile = File(description=FILE_HELP),
    token: TokenUser = Depends(api_user),
) -> Response:
    """Attach a file to one of the token's council's pieces of evidence awaiting a check."""
    settings = request.app.state.settings
    limit = settings.evidence_file_bytes
    data = file.file.read(limit + 1)
    try:
        if len(data) > limit:
            raise refuse(413, f"The file is larger than {limit:,} bytes; nothing was stored")
        added = attach_file(
            request.app.state.engine,
            settings.evidence_path,
            evidence_id,
            name=file.filename,
            data=data,
            by=_by(token),
            limit=limit,
            authority_code=token.authority_code,
        )
    except EvidenceFileRefused as refused:
        raise refuse(422, str(refused)) from None
    return JSONResponse(_record(request, added), status_code=201)


@router.get(
    "/evidence-files/{file_id}",
    responses={**ERRORS, 200: {"description": "The file, as an attachment"}},
    response_class=Response,
    tags=[COUNCIL],
)
def api_evidence_file(
    request: Request, file_id: RecordId, token: TokenUser = Depends(api_user)
) -> Response:
    """Download one of the token's council's evidence files (not a withdrawn one)."""
    found, data = read_file(
        request.app.state.engine,
        request.app.state.settings.evidence_path,
        file_id,
        by=_by(token),
        authority_code=token.authority_code,
    )
    return attachment(data, found.media_type, found.original_name)


@router.get(
    "/ombudsman/evidence/{evidence_id}/files",
    response_model=list[EvidenceFileRecord],
    responses={**ERRORS, 403: {"description": "A council's token: send an Ombudsman token"}},
    tags=["evidence (Ombudsman token)"],
)
def api_ombudsman_evidence_files(
    request: Request, evidence_id: RecordId, user: User = Depends(ombudsman_api_user)
) -> list[dict[str, Any]]:
    """The files attached to any council's evidence, for the Ombudsman's check."""
    found = list_evidence_files(request.app.state.engine, [evidence_id])
    return [_record(request, f, ombudsman=True) for f in found]


@router.get(
    "/ombudsman/evidence-files/{file_id}",
    responses={**ERRORS, 200: {"description": "The file, as an attachment"}},
    response_class=Response,
    tags=["evidence (Ombudsman token)"],
)
def api_ombudsman_evidence_file(
    request: Request, file_id: RecordId, user: User = Depends(ombudsman_api_user)
) -> Response:
    """Download any council's evidence file (not a withdrawn one); the download is audited."""
    found, data = read_file(
        request.app.state.engine,
        request.app.state.settings.evidence_path,
        file_id,
        by=f"{user.email} (API token)",
    )
    return attachment(data, found.media_type, found.original_name)
