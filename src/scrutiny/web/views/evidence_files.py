"""Files attached to a council's evidence: add one, download one, withdraw one.

The council's complaints officers (and admins) add and withdraw files; anyone who may read
the council's non-public data (its own officers and councillors, the Ombudsman, admins)
downloads them. Each rule is the address's {code} checked by scrutiny.web.security, and the
library refuses a file or evidence that is not that council's (404), so a council never
reaches another's files by changing a number. scrutiny.recommendations.evidence_files
checks each file and writes the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from scrutiny.recommendations.evidence_file_types import (
    MAX_FILES_PER_EVIDENCE,
    EvidenceFileRefused,
    accept_attribute,
    allowed_description,
)
from scrutiny.recommendations.evidence_files import (
    EvidenceFile,
    attach_file,
    evidence_of,
    files_by_evidence,
    find_file,
    read_file,
    read_upload,
    withdraw_file,
)
from scrutiny.store.accounts import User
from scrutiny.web.downloads import attachment
from scrutiny.web.pages import render
from scrutiny.web.requests import council_or_404, evidence_path, note_write
from scrutiny.web.security import AskFirst, authority_reader, authority_writer, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)
FLASH = "evidence_files_flash"


def files_path(code: str, evidence_id: int) -> str:
    return f"/council/{code}/evidence/{evidence_id}/files"


def _upload_page(
    request: Request, code: str, evidence_id: int, error: str | None = None
) -> Response:
    evidence = evidence_of(request.app.state.engine, evidence_id, authority_code=code)
    ref, number = evidence["decision_ref"], int(evidence["recommendation_number"])
    attached = files_by_evidence(request.app.state.engine, [evidence_id])[evidence_id]
    return render(
        request,
        "council/evidence_files.html",
        {
            "title": f"Attach a file to evidence for recommendation {number} of decision {ref}",
            "council": council_or_404(code),
            "code": code,
            "evidence": evidence,
            "files": attached,
            "open": evidence["check_result"] is None,
            "action": files_path(code, evidence_id),
            "back": evidence_path(code, ref, number),
            "allowed": allowed_description(),
            "accept": accept_attribute(),
            "max_bytes": request.app.state.settings.evidence_file_bytes,
            "max_files": MAX_FILES_PER_EVIDENCE,
            "error": error,
            "errors": {"file": error} if error else {},
            "error_count": 1 if error else 0,
            "flash": request.session.pop(FLASH, None),
        },
        status_code=400 if error else 200,
    )


@router.get("/council/{code}/evidence/{evidence_id}/files")
def upload_form(
    request: Request, code: str, evidence_id: int, user: User = Depends(authority_writer)
) -> Response:
    return _upload_page(request, code, evidence_id)


@router.post("/council/{code}/evidence/{evidence_id}/files")
def upload(
    request: Request,
    code: str,
    evidence_id: int,
    file: UploadFile | None = File(None),
    user: User = Depends(authority_writer),
) -> Response:
    settings = request.app.state.settings
    try:
        if file is None or not file.filename:
            raise EvidenceFileRefused("Choose a file to attach")
        data = read_upload(file.file, settings.evidence_file_bytes, file.filename)
        added = attach_file(
            request.app.state.engine,
            settings.evidence_path,
            evidence_id,
            name=file.filename,
            data=data,
            by=user.email,
            limit=settings.evidence_file_bytes,
            authority_code=code,
        )
    except EvidenceFileRefused as refused:
        message = str(refused)
        return _upload_page(request, code, evidence_id, message[:1].upper() + message[1:])
    request.session[FLASH] = f"{added.original_name} is attached to the evidence."
    note_write(request)
    return RedirectResponse(files_path(code, evidence_id), status_code=303)


@router.get("/council/{code}/evidence-files/{file_id}")
def download(
    request: Request, code: str, file_id: int, user: User = Depends(authority_reader)
) -> Response:
    found, data = read_file(
        request.app.state.engine,
        request.app.state.settings.evidence_path,
        file_id,
        by=user.email,
        authority_code=code,
    )
    return attachment(data, found.media_type, found.original_name)


def _withdraw_page(
    request: Request, code: str, found: EvidenceFile, error: str | None = None, reason: str = ""
) -> Response:
    return render(
        request,
        "council/evidence_file_withdraw.html",
        {
            "title": f"Withdraw {found.original_name}",
            "council": council_or_404(code),
            "code": code,
            "file": found,
            "reason": reason,
            "back": files_path(code, found.evidence_id),
            "error": error,
            "error_count": 1 if error else 0,
        },
        status_code=400 if error else 200,
    )


@router.get("/council/{code}/evidence-files/{file_id}/withdraw")
def withdraw_form(
    request: Request, code: str, file_id: int, user: User = Depends(authority_writer)
) -> Response:
    found = find_file(request.app.state.engine, file_id, authority_code=code)
    return _withdraw_page(request, code, found)


@router.post("/council/{code}/evidence-files/{file_id}/withdraw")
def withdraw(
    request: Request,
    code: str,
    file_id: int,
    reason: str = Form(""),
    user: User = Depends(authority_writer),
) -> Response:
    engine = request.app.state.engine
    found = find_file(engine, file_id, authority_code=code)
    try:
        if len(reason) > 1000:
            raise EvidenceFileRefused("The reason must be 1,000 characters or fewer")
        withdraw_file(engine, file_id, reason=reason, by=user.email, authority_code=code)
    except EvidenceFileRefused as refused:
        message = str(refused)
        return _withdraw_page(request, code, found, message[:1].upper() + message[1:], reason)
    request.session[FLASH] = f"{found.original_name} is withdrawn. It stays in the history."
    note_write(request)
    return RedirectResponse(files_path(code, found.evidence_id), status_code=303)
